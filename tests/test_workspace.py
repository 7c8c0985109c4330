"""The workspace: one object bound to a store and its rules, one convention for every call."""

from __future__ import annotations

import json
from pathlib import Path

import pendulum
import pytest

import clientflow
from clientflow import (
    Actor,
    AlreadyExists,
    ConfigError,
    ManualClock,
    NotFound,
    PermissionDenied,
    StoreError,
    ValidationError,
)
from clientflow.changes import Impact, Money, Priority, Risk
from clientflow.core import to_micros
from clientflow.demo import RULES_FILE, demo_rules
from clientflow.ports import Query
from clientflow.storage import SQLiteStore, open_store
from clientflow.testing.contract import _schema_v1

MONDAY = pendulum.datetime(2026, 3, 2, 2)  # 10:00 in Shanghai
ANNA = Actor("anna", {"client"})
LI = Actor("li.wei", {"pm"})
CHEN = Actor("chen.jie", {"engineer"})
SAM = Actor("sam", {"support"})
AMY = Actor("amy", {"client"})  # ACME's contact in the demo rules
IMPACT = Impact(
    schedule_days=2,
    cost=Money("9000", "CNY"),
    effort_hours=16,
    risk=Risk.MEDIUM,
    in_scope=False,
    priority=Priority.SHOULD,
)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ws.db'}"


def opened(url: str, **options: object) -> clientflow.workspace.Workspace:
    return clientflow.open(url, RULES_FILE, clock=ManualClock(MONDAY), **options)  # type: ignore[arg-type]


def test_a_change_goes_from_request_to_approval_with_one_object(url: str) -> None:
    """Calendar, approval policy and directory come from the rules; no lambdas, no policies."""
    with opened(url) as ws:
        ws.changes.request("CR-1", by=ANNA, project="lotus-app", title="SSO")
        ws.changes.submit("CR-1", by=ANNA)
        ws.changes.assess("CR-1", by=LI, impact=IMPACT)
        waiting = ws.changes.request_approval("CR-1", by=LI).aggregate
        assert (waiting.status, waiting.route) == ("awaiting_approval", "budget")
        assert waiting.next_deadline == demo_rules().calendar_for("lotus").add(
            MONDAY, pendulum.duration(hours=16)
        )
        approved = ws.changes.vote("CR-1", by=LI, verdict="approve").aggregate
        assert approved.status == "approved"
        [row] = ws.changes.list(client="lotus")
        assert (row.id, row.status, row.owner) == ("CR-1", "approved", "anna")


def test_an_issue_runs_under_the_clients_sla_escalation_and_permissions(url: str) -> None:
    """Reported, acknowledged, swept into escalation, resolved: all by the rules."""
    with opened(url) as ws:
        issue = ws.issues.report(
            "ISS-1",
            by=ANNA,
            client="lotus",
            project="lotus-app",
            title="Login fails",
            priority="P1",
            owner="chen.jie",
        ).aggregate
        assert issue.terms.policy == "gold"
        with pytest.raises(PermissionDenied, match="acknowledge issue ISS-1"):
            ws.issues.acknowledge("ISS-1", by=Actor("mallory"))
        ws.issues.acknowledge("ISS-1", by=CHEN, at=MONDAY.add(minutes=10))
        report = ws.sweep(MONDAY.add(days=2))
        assert [aggregate_id for aggregate_id, _ in report.fired] == ["ISS-1"]
        escalated = ws.issues.get("ISS-1")
        assert escalated.escalation is not None
        done = ws.issues.resolve("ISS-1", by=CHEN, resolution="cert renewed", at=MONDAY.add(days=2))
        assert done.aggregate.status == "resolved"
        # the account-director level reassigned it: it is on their list now
        assert escalated.owner == "wang.fang"
        assert [r.id for r in ws.rows(Query(owner="wang.fang", open=True))] == ["ISS-1"]


def test_wrong_ids_and_times_are_typed_errors_and_change_nothing(url: str) -> None:
    """Unknown id, taken id, another workflow's id, a time before the last event."""
    with opened(url) as ws:
        ws.changes.request("CR-1", by=ANNA, project="lotus-app", title="SSO")
        with pytest.raises(NotFound, match="no change request with id 'CR-9'"):
            ws.changes.submit("CR-9", by=ANNA)
        with pytest.raises(AlreadyExists, match="CR-1 already exists"):
            ws.changes.request("CR-1", by=ANNA, project="lotus-app", title="again")
        with pytest.raises(ValidationError, match=r"the id of an issue.*CR-1 \(a change\)"):
            ws.issues.acknowledge("CR-1", by=CHEN)
        with pytest.raises(ValidationError, match="at or after the last event of CR-1"):
            ws.changes.submit("CR-1", by=ANNA, at=MONDAY.subtract(hours=1))
        with pytest.raises(ValidationError, match="change id"):
            ws.changes.submit("CR-1 ", by=ANNA)
        assert [e.event_type for e in ws.history("CR-1")] == ["change.requested"]


def test_a_store_keeps_its_rules_and_refuses_others_until_applied(url: str) -> None:
    """New stores need rules; reopening uses the recorded ones; other rules name what differs."""
    with pytest.raises(ConfigError, match="new store: give the rules"):
        clientflow.open(url)
    opened(url).close()
    with clientflow.open(url) as again:
        assert again.revision.number == 1
        assert again.rules.fingerprint == demo_rules().fingerprint
    data = json.loads(demo_rules().source)
    data["escalation"]["standard"]["reopen_limit"] = 3
    with pytest.raises(ConfigError, match="in: escalation; open with apply=True"):
        clientflow.open(url, data)
    with clientflow.open(url, data, apply=True) as applied:
        assert applied.revision.number == 2
        assert applied.rules.escalation["standard"].reopen_limit == 3


def test_the_same_key_applies_a_command_once(url: str) -> None:
    """A double-submitted form with its idempotency key changes the change once."""
    with opened(url) as ws:
        ws.changes.request("CR-1", by=ANNA, project="lotus-app", title="SSO", key="form-1")
        again = ws.changes.request("CR-1", by=ANNA, project="lotus-app", title="SSO", key="form-1")
        assert again.duplicate
        assert len(ws.history("CR-1")) == 1


def test_feedback_is_followed_up_on_the_clients_calendar(url: str) -> None:
    """A detractor: triaged, assigned, contacted, planned, done, confirmed, closed."""
    with opened(url) as ws:
        item = ws.feedback.receive(
            "FB-1", by=LI, client="lotus", project="lotus-app", contact="anna",
            channel="survey", nps=2, text="Too slow",
        ).aggregate  # fmt: skip
        assert item.sentiment is not None
        assert item.sentiment.value == "negative"
        with pytest.raises(PermissionDenied, match="override the negative sentiment"):
            ws.feedback.triage("FB-1", by=SAM, sentiment="positive", reason="misclick")
        ws.feedback.triage("FB-1", by=LI)
        ws.feedback.assign("FB-1", by=LI, owner="chen.jie")
        ws.feedback.record_contact("FB-1", by=CHEN, note="called")
        ws.feedback.plan_action("FB-1", by=CHEN, plan="add an index")
        ws.feedback.complete_action("FB-1", by=CHEN)
        ws.feedback.confirm("FB-1", by=CHEN, note="client happy")
        assert ws.feedback.close("FB-1", by=LI).aggregate.status == "closed"
        [row] = ws.feedback.list(client="lotus", open=False)
        assert row.id == "FB-1"


def test_surveys_are_throttled_per_contact_by_the_rules(url: str) -> None:
    """Two survey requests to one contact in a row: the second is held back."""
    with opened(url) as ws:
        first = ws.surveys.request("anna", by=LI, survey_id="S-1", client="lotus")
        assert [e.event_type for e in first.events] == ["survey.sent"]
        second = ws.surveys.request("anna", by=LI, survey_id="S-2", client="lotus")
        assert [e.event_type for e in second.events] == ["survey.deferred"]  # over_limit = defer
        answered = ws.surveys.answer("anna", by=ANNA, survey_id="S-1")
        assert answered.events


def test_a_plan_is_created_from_the_clients_template(url: str) -> None:
    """Items, silence and reply rules come from the template; touchpoints satisfy items."""
    with opened(url) as ws:
        plan = ws.plans.create("P-1", by=LI, client="lotus", project="lotus-app").aggregate
        assert [item.id for item in plan.items] == [i.id for i in demo_rules().plan_items("lotus")]
        assert plan.timezone == "Asia/Shanghai"
        done = ws.plans.archive("P-1", by=LI, at=MONDAY.add(days=1)).aggregate
        assert done.next_deadline is None
        with pytest.raises(NotFound, match="no client in the rules with id 'nobody'"):
            ws.plans.create("P-2", by=LI, client="nobody", project="x")


def test_payloads_come_as_a_web_handler_receives_them(url: str) -> None:
    """An impact and a touchpoint as JSON objects; a bad one names the field."""
    with opened(url) as ws:
        ws.changes.request("CR-1", by=ANNA, project="lotus-app", title="SSO")
        ws.changes.submit("CR-1", by=ANNA)
        impact = {
            "schedule_days": 2,
            "cost": {"amount": "9000", "currency": "CNY"},
            "effort_hours": "16",
            "risk": "medium",
            "in_scope": False,
            "priority": "should",
        }
        assessed = ws.changes.assess("CR-1", by=LI, impact=impact).aggregate
        assert assessed.impact == IMPACT
        with pytest.raises(ValidationError, match="risk"):
            ws.changes.assess("CR-1", by=LI, impact={**impact, "risk": "huge"})
        with pytest.raises(ValidationError, match="only the fields"):
            ws.changes.assess("CR-1", by=LI, impact={**impact, "budget": 1})
        ws.plans.create("P-1", by=LI, client="lotus", project="lotus-app")
        plan = ws.plans.record_touchpoint(
            "P-1",
            by=LI,
            touchpoint={
                "id": "mail-1",
                "direction": "inbound",
                "channel": "email",
                "at": "2026-03-02T09:30:00+08:00",
                "participants": ["anna"],
                "summary": "导出很慢",
            },
        ).aggregate
        assert plan.touchpoints[0].at == MONDAY.subtract(minutes=30)
        with pytest.raises(ValidationError, match=r"touchpoint\.at"):
            ws.plans.record_touchpoint(
                "P-1",
                by=LI,
                touchpoint={"id": "m2", "direction": "inbound", "channel": "email", "at": "9am"},
            )


def test_one_clients_overview_comes_from_the_read_side(url: str) -> None:
    """Open issues with breaches, approvals waiting, overdue reports and counts, by index."""
    with opened(url) as ws:
        ws.issues.report(
            "ISS-1", by=ANNA, client="lotus", project="lotus-app", title="Down",
            priority="P1", owner="chen.jie",
        )  # fmt: skip
        ws.issues.report(
            "ISS-2", by=AMY, client="acme", project="acme-shop", title="Slow",
            priority="P3", owner="mia",
        )  # fmt: skip
        ws.changes.request("CR-1", by=ANNA, project="lotus-app", title="SSO")
        ws.changes.submit("CR-1", by=ANNA)
        ws.changes.assess("CR-1", by=LI, impact=IMPACT)
        ws.changes.request_approval("CR-1", by=LI)
        ws.plans.create("P-1", by=LI, client="lotus", project="lotus-app")
        # Monday 14 September 14:00 in Shanghai: Friday's report (the template's rules start
        # in September) was due by Monday 11:00 and has not been sent
        later = pendulum.datetime(2026, 9, 14, 14, tz="Asia/Shanghai")
        view = ws.overview("lotus", at=later)
        assert [row.id for row in view.open_issues] == ["ISS-1"]
        assert view.breached == ("ISS-1",)
        assert [row.id for row in view.pending_approvals] == ["CR-1"]
        assert ("P-1", "status-report@2026-09-11T16:00:00") in view.overdue
        assert view.counts == {
            "change": {"awaiting_approval": 1},
            "issue": {"reported": 1},
            "plan": {"active": 1},
        }
        assert ws.overview("lotus", at=MONDAY).breached == ()


def _schema_1_store(path: Path) -> None:
    """A SQLite file as release 0.1 wrote it (schema 1, no read side) holding CR-1."""
    with opened("memory://") as ws:
        ws.changes.request("CR-1", by=ANNA, project="lotus-app", title="SSO")
        ws.changes.submit("CR-1", by=ANNA)
        codec = ws.engine.kinded.codec
        change, events = ws.changes.get("CR-1"), list(ws.history("CR-1"))
    store = SQLiteStore(path)  # neutral: the test writes release 0.1's rows itself
    t = store._t
    kind, snapshot = codec.dump_aggregate(change)
    deadline = change.next_deadline
    with store._transaction(write=True) as db:
        for statement in _schema_v1(t, "sqlite"):
            db.run(statement)
        db.run(f"INSERT INTO {t['meta']} VALUES ('schema_version', '1')")
        db.run(f"INSERT INTO {t['head']} VALUES (1, {len(events)})")
        db.run(
            f"INSERT INTO {t['aggregates']} (id, kind, version, snapshot, deadline)"
            " VALUES ('CR-1', :kind, :version, :snapshot, :deadline)",
            {
                "kind": kind,
                "version": change.version,
                "snapshot": snapshot,
                "deadline": None if deadline is None else to_micros(deadline),
            },
        )
        for position, event in enumerate(events, 1):
            name, payload = codec.dump_event(event)
            db.run(
                f"INSERT INTO {t['events']} VALUES (:p, 'CR-1', :p, :type, :payload)",
                {"p": position, "type": name, "payload": payload},
            )
    store.close()


def test_a_schema_1_store_opened_with_its_rules_migrates_by_itself(tmp_path: Path) -> None:
    """``clientflow.open(url, rules)`` knows the kinds: it migrates an old store as it
    opens it (the read side filled from the snapshots); a bare store opened without kinds
    asks for ``clientflow migrate`` instead, and changes nothing."""
    bare, path = tmp_path / "bare.db", tmp_path / "old.db"
    _schema_1_store(bare)
    with pytest.raises(StoreError, match="clientflow migrate"):
        open_store(f"sqlite:///{bare}", create=True)
    _schema_1_store(path)
    with opened(f"sqlite:///{path}") as ws:
        [row] = ws.changes.list(client="lotus")
        assert (row.id, row.status, row.owner) == ("CR-1", "submitted", "anna")
        assert ws.changes.assess("CR-1", by=LI, impact=IMPACT).aggregate.status == "assessed"
