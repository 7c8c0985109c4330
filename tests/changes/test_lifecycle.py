"""The change-request life cycle, bad input, the scope ledger and the client summary."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from clientflow import Actor, PermissionDenied, TransitionNotAllowed, ValidationError
from clientflow.changes import (
    TABLE,
    Baseline,
    ChangeRequest,
    ChangeRequestMachine,
    Impact,
    Money,
    Priority,
    Risk,
    Verdict,
    cast_vote,
    close,
    defer,
    impact_summary,
    implement,
    request_change,
    scope_ledger,
    submit,
    withdraw,
)
from clientflow.i18n import language
from tests.changes.fixtures import ANNA, NOW, PM1, PM2, assessed, awaiting, drafted, impact


def approved(value: Impact | None = None, change_id: str = "CR-1") -> ChangeRequest:
    change = awaiting(value, change_id=change_id)
    change = cast_vote(change, PM1, Verdict.APPROVE, NOW.add(hours=2)).aggregate
    return cast_vote(change, PM2, Verdict.APPROVE, NOW.add(hours=2)).aggregate


class TestLifecycle:
    def test_happy_path_to_closed(self) -> None:
        """Approved, implemented, closed; each step one event and one version."""
        change = approved()
        done = implement(change, PM1, NOW.add(days=3), note="shipped in 1.4").aggregate
        closed = close(done, PM1, NOW.add(days=4)).aggregate
        assert (done.status, closed.status) == ("implemented", "closed")
        assert closed.version == change.version + 2

    @pytest.mark.parametrize(
        "build",
        [drafted, assessed, awaiting, approved],
        ids=["draft", "assessed", "awaiting", "approved"],
    )
    def test_requester_can_withdraw_from_any_open_state(self, build: object) -> None:
        """Withdrawal works until implementation and clears any timer."""
        change = build()  # type: ignore[operator]
        gone = withdraw(change, ANNA, NOW.add(hours=3), reason="no longer needed").aggregate
        assert gone.status == "withdrawn"
        assert gone.next_deadline is None

    def test_others_cannot_withdraw_by_default(self) -> None:
        """Only the requester withdraws, unless the host's permissions say otherwise."""
        with pytest.raises(PermissionDenied, match="is the requester"):
            withdraw(drafted(), PM1, NOW)

    def test_implemented_change_cannot_be_withdrawn(self) -> None:
        """Once implemented, withdrawal is not a transition; the error lists what is."""
        done = implement(approved(), PM1, NOW.add(days=1)).aggregate
        with pytest.raises(TransitionNotAllowed) as caught:
            withdraw(done, ANNA, NOW.add(days=2))
        assert caught.value.state == "implemented"
        assert caught.value.allowed == ("close",)

    def test_only_the_requester_submits(self) -> None:
        """Submitting someone else's draft is refused and changes nothing."""
        draft = drafted()
        with pytest.raises(PermissionDenied):
            submit(draft, PM1, NOW)
        assert draft.status == "draft"

    def test_every_declared_transition_is_reachable_by_a_command(self) -> None:
        """No transition in the machine is dead: the table lists each command's event."""
        commands = {
            "submit", "assess", "request_approval", "auto_approve", "approve", "reject",
            "send_back", "defer", "implement", "close", "withdraw", "vote", "escalate",
        }  # fmt: skip
        assert set(TABLE.events) == commands
        assert TABLE.states == tuple(s.id for s in ChangeRequestMachine.states)


class TestBadInput:
    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"schedule_days": True}, "schedule_days"),
            ({"schedule_days": 1.5}, "schedule_days"),
            ({"effort_hours": -1}, "effort_hours"),
            ({"effort_hours": 2.5}, "effort_hours"),
            ({"risk": "high"}, "risk"),
            ({"priority": "must"}, "priority"),
            ({"in_scope": "yes"}, "in_scope"),
            ({"milestones": ("",)}, "milestones"),
        ],
    )
    def test_invalid_assessment_names_the_field(
        self, kwargs: dict[str, object], field: str
    ) -> None:
        """Every malformed assessment field is a ValidationError naming it."""
        values: dict[str, object] = {
            "schedule_days": 1,
            "cost": Money(1, "EUR"),
            "effort_hours": 1,
            "risk": Risk.LOW,
            "in_scope": True,
            "priority": Priority.MUST,
        }
        values.update(kwargs)
        with pytest.raises(ValidationError) as caught:
            Impact(**values)  # type: ignore[arg-type]
        assert caught.value.field == field

    @pytest.mark.parametrize(
        ("amount", "currency", "field"),
        [
            (0.1, "EUR", "cost.amount"),
            ("abc", "EUR", "cost.amount"),
            ("NaN", "EUR", "cost.amount"),
            (1, "eur", "cost.currency"),
        ],
    )
    def test_money_refuses_floats_and_bad_currencies(
        self, amount: object, currency: str, field: str
    ) -> None:
        """Money is Decimal with an ISO currency code."""
        with pytest.raises(ValidationError) as caught:
            Money(amount, currency)  # type: ignore[arg-type]
        assert caught.value.field == field

    def test_adding_two_currencies_is_an_error(self) -> None:
        """EUR plus USD is not a number."""
        with pytest.raises(ValidationError, match="one currency"):
            Money(1, "EUR") + Money(1, "USD")

    def test_blank_title_is_refused(self) -> None:
        """A change needs a title the client can read."""
        with pytest.raises(ValidationError, match="title"):
            request_change(
                "CR-2", project="apollo", title="  ", description="", requester=ANNA, now=NOW
            )

    def test_rejected_command_leaves_the_aggregate_untouched(self) -> None:
        """Errors raise before anything is built; the frozen input is unchanged."""
        change = awaiting()
        snapshot = attrs.asdict(change, recurse=False)
        with pytest.raises(PermissionDenied):
            cast_vote(change, Actor("nobody"), Verdict.APPROVE, NOW)
        assert attrs.asdict(change, recurse=False) == snapshot


class TestScopeLedger:
    BASELINE = Baseline(Money(200_000, "CNY"), schedule_days=60, creep_threshold_percent=10)

    def test_only_approved_changes_count_and_creep_is_flagged(self) -> None:
        """Approved deltas add up; deferred and rejected are listed but not counted."""
        first = approved(impact(cost=15000, days=3), "CR-1")
        second = implement(approved(impact(cost=10000, days=4), "CR-2"), PM1, NOW).aggregate
        shelved = defer(
            awaiting(impact(cost=99000, days=30), change_id="CR-3"), "v3", PM1, NOW
        ).aggregate
        pending = awaiting(impact(cost=5000), change_id="CR-4")
        ledger = scope_ledger("apollo", self.BASELINE, [first, second, shelved, pending])
        assert ledger.cost_delta == Money(25000, "CNY")
        assert ledger.schedule_delta == 7
        assert [e.change_id for e in ledger.counted] == ["CR-1", "CR-2"]
        assert [e.change_id for e in ledger.deferred] == ["CR-3"]
        assert [e.change_id for e in ledger.pending] == ["CR-4"]
        assert ledger.cost_percent == Decimal("12.5")
        assert ledger.creep  # 12.5 % of budget > 10 %

    def test_under_threshold_is_no_creep(self) -> None:
        """Small approved changes stay within the baseline."""
        ledger = scope_ledger("apollo", self.BASELINE, [approved(impact(cost=1000, days=1))])
        assert not ledger.creep

    def test_other_currency_than_the_baseline_is_an_error(self) -> None:
        """The ledger never adds currencies together."""
        with pytest.raises(ValidationError, match="baseline's currency"):
            scope_ledger("apollo", Baseline(Money(1000, "EUR"), 10), [approved()])


class TestClientSummary:
    def test_summary_states_the_effect_and_what_is_pending(self) -> None:
        """The PM's message says schedule, cost, risk, scope and who must still decide."""
        summary = impact_summary(awaiting(), timezone="America/New_York")
        text = summary.text()
        assert "Change request CR-1: Single sign-on" in text
        assert "Schedule: +5 business days (later)" in text
        assert "Cost: +CN¥20,000.00; effort: 40 hours" in text
        assert "Risk: medium. Scope: outside the agreed scope. Priority: should have." in text
        assert "Milestones affected: M2 Beta" in text
        assert "waiting for pm1, pm2, pm3; decision due 2026-03-03 22:00 EST" in text
        assert summary.as_dict()["milestones"] == ["M2 Beta"]

    def test_unassessed_change_says_so(self) -> None:
        """No invented numbers before the assessment."""
        summary = impact_summary(drafted())
        assert summary.cost == "not yet assessed"
        assert summary.status == "Draft, not yet submitted."

    def test_the_summary_in_chinese_uses_chinese_amounts_and_dates(self) -> None:
        summary = impact_summary(awaiting(), timezone="Asia/Shanghai", lang=language("zh_CN"))
        text = summary.text()
        assert "工期：延后 5 个工作日" in text
        assert "成本：增加¥20,000；工作量：40 小时" in text
        assert "等待pm1、pm2、pm3于3月4日（周三）11:00（北京时间）前完成审批" in text
        assert summary.locale == "zh_CN"
