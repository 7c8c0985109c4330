"""Random command sequences from random actors never break a change request's invariants."""

from __future__ import annotations

from decimal import Decimal

import pendulum
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from clientflow import Actor, ClientflowError
from clientflow.changes import (
    EVENTS,
    TABLE,
    ApprovalPolicy,
    ApproverGroup,
    Baseline,
    ChangeRequest,
    Condition,
    Delegation,
    Impact,
    Mode,
    Money,
    OnRejection,
    Outcome,
    Priority,
    Risk,
    Route,
    Verdict,
    apply,
    assess,
    cast_vote,
    close,
    defer,
    escalate_overdue,
    implement,
    request_approval,
    request_change,
    scope_ledger,
    send_back,
    submit,
    withdraw,
)
from clientflow.core import DomainEvent, rebuild
from tests.changes.fixtures import CALENDAR, DIRECTORY, NOW

ACTORS = [
    Actor("anna", {"client"}),
    Actor("bob", {"client", "pm"}),
    Actor("pm1", {"pm"}),
    Actor("pm2", {"pm"}),
    Actor("pm3", {"pm"}),
    Actor("sp1", {"client-sponsor"}),
    Actor("sp2", {"client-sponsor"}),
    Actor("ad1", {"account-director"}),
    Actor("pm9"),
]
DELEGATIONS = [Delegation("pm3", "pm9", NOW, NOW.add(years=1))]
REQUESTERS = ["anna", "bob"]
PROJECT_BASELINE = Baseline(Money(1_000_000, "CNY"), 200)

impacts = st.builds(
    Impact,
    schedule_days=st.integers(-5, 30),
    cost=st.integers(-10_000, 200_000).map(lambda n: Money(n, "CNY")),
    effort_hours=st.integers(0, 500).map(Decimal),
    risk=st.sampled_from(Risk),
    in_scope=st.booleans(),
    priority=st.sampled_from(Priority),
)
policies = st.builds(
    ApprovalPolicy,
    routes=st.just(
        (
            Route(
                "standard", Condition(max_risk=Risk.LOW, in_scope=True, max_cost=Money(5000, "CNY"))
            ),
            Route(
                "critical",
                Condition(min_risk=Risk.CRITICAL),
                stages=(
                    (ApproverGroup("sponsor", roles={"client-sponsor"}, mode=Mode.ANY),),
                    (ApproverGroup("director", actors={"ad1"}),),
                ),
            ),
            Route(
                "normal",
                stages=(
                    (
                        ApproverGroup("pms", roles={"pm"}, mode=Mode.PERCENT, percent=60),
                        ApproverGroup(
                            "sponsor", roles={"client-sponsor"}, mode=Mode.QUORUM, quorum=1
                        ),
                    ),
                ),
            ),
        )
    ),
    deadline=st.just(pendulum.duration(hours=8)),
    delegations=st.just(tuple(DELEGATIONS)),
    on_rejection=st.sampled_from(OnRejection),
    escalation_repeat=st.sampled_from([None, pendulum.duration(hours=4)]),
)


class ChangeRequests(RuleBasedStateMachine):
    """Two projects' worth of change requests driven by arbitrary actors."""

    def __init__(self) -> None:
        super().__init__()
        self.changes: dict[str, ChangeRequest] = {}
        self.histories: dict[str, list[DomainEvent]] = {}
        self.now = NOW
        self.policy: ApprovalPolicy | None = None

    def _run(self, change_id: str, command: object) -> None:
        before = self.changes[change_id]
        try:
            decision = command()  # type: ignore[operator]
        except ClientflowError:
            assert self.changes[change_id] == before
            return
        assert decision.aggregate.version == before.version + len(decision.events)
        self.changes[change_id] = decision.aggregate
        self.histories[change_id].extend(decision.events)

    @rule(policy=policies)
    @precondition(lambda self: self.policy is None)
    def choose_policy(self, policy: ApprovalPolicy) -> None:
        self.policy = policy

    @rule(requester=st.sampled_from(REQUESTERS))
    @precondition(lambda self: len(self.changes) < 4)
    def draft(self, requester: str) -> None:
        change_id = f"CR-{len(self.changes) + 1}"
        decision = request_change(
            change_id,
            project="apollo",
            title="a change",
            description="",
            requester=Actor(requester),
            now=self.now,
        )
        self.changes[change_id] = decision.aggregate
        self.histories[change_id] = list(decision.events)

    @rule(data=st.data(), minutes=st.integers(0, 600))
    @precondition(lambda self: self.changes and self.policy is not None)
    def act(self, data: st.DataObject, minutes: int) -> None:
        self.now = self.now.add(minutes=minutes)
        change_id = data.draw(st.sampled_from(sorted(self.changes)))
        change = self.changes[change_id]
        policy = self.policy
        assert policy is not None
        now = self.now
        options = {
            "submit": lambda actor: submit(change, actor, now),
            "assess": lambda actor: assess(change, data.draw(impacts), actor, now),
            "request_approval": lambda actor: request_approval(
                change, policy, directory=DIRECTORY, calendar=CALENDAR, actor=actor, now=now
            ),
            "vote": lambda actor: cast_vote(
                change,
                actor,
                data.draw(st.sampled_from(Verdict)),
                now,
                comment="because",
            ),
            "send_back": lambda actor: send_back(change, actor, "rework", now),
            "defer": lambda actor: defer(change, "v2", actor, now),
            "withdraw": lambda actor: withdraw(change, actor, now),
            "implement": lambda actor: implement(change, actor, now),
            "close": lambda actor: close(change, actor, now),
            "escalate": lambda actor: escalate_overdue(change, CALENDAR, now),
        }
        # Mostly commands the state allows, by the people likely to send them, so the
        # sequences reach every state; sometimes anything by anyone, to probe refusals.
        allowed = [
            name
            for name in TABLE.allowed(change.status)
            if name in options
            for _ in range(1 if name in {"withdraw", "defer", "send_back"} else 6)
        ]
        if allowed and data.draw(st.integers(0, 9)) > 0:
            name = data.draw(st.sampled_from(allowed))
        else:
            name = data.draw(st.sampled_from(sorted(options)))
        actor = data.draw(st.sampled_from(ACTORS))
        if name in {"submit", "withdraw"} and data.draw(st.booleans()):
            actor = Actor(change.requester)
        pending = sorted(change.round.pending()) if change.round is not None else []
        if name == "vote" and pending and data.draw(st.integers(0, 4)) > 0:
            actor = Actor(data.draw(st.sampled_from(pending)))
        if name == "escalate" and change.next_deadline is not None:
            self.now = now = max(now, change.next_deadline)
        self._run(change_id, lambda: options[name](actor))
        event(f"status {self.changes[change_id].status}")

    @invariant()
    def rebuilding_from_stored_events_gives_the_live_aggregate(self) -> None:
        for change_id, history in self.histories.items():
            stored = [EVENTS.decode(*EVENTS.encode(event)) for event in history]
            assert rebuild(apply, stored) == self.changes[change_id]
            assert self.changes[change_id].version == len(history)

    @invariant()
    def never_approved_without_satisfying_the_policy(self) -> None:
        for change in self.changes.values():
            if change.status not in {"approved", "implemented", "closed"}:
                continue
            current = change.round
            if change.route == "standard":
                assert change.impact is not None
                assert change.impact.risk is Risk.LOW
                assert change.impact.in_scope
                continue
            assert current is not None
            assert current.outcome is Outcome.APPROVED
            assert all(group.approved() for stage in current.stages for group in stage)

    @invariant()
    def requester_never_votes_and_nobody_votes_twice_per_stage(self) -> None:
        for change in self.changes.values():
            if change.round is None:
                continue
            seen = [(v.principal, v.stage) for v in change.round.votes]
            assert len(seen) == len(set(seen))
            assert change.requester not in {v.principal for v in change.round.votes}
            assert all(
                change.requester not in group.eligible
                for stage in change.round.stages
                for group in stage
            )

    @invariant()
    def ledger_totals_equal_the_sum_over_approved_changes(self) -> None:
        ledger = scope_ledger("apollo", PROJECT_BASELINE, self.changes.values())
        counted = [
            c for c in self.changes.values() if c.status in {"approved", "implemented", "closed"}
        ]
        assert ledger.cost_delta.amount == sum(
            (c.impact.cost.amount for c in counted if c.impact), Decimal(0)
        )
        assert ledger.schedule_delta == sum(c.impact.schedule_days for c in counted if c.impact)

    @invariant()
    def only_changes_awaiting_approval_have_timers(self) -> None:
        for change in self.changes.values():
            if change.next_deadline is not None:
                assert change.status == "awaiting_approval"


ChangeRequests.TestCase.settings = settings(stateful_step_count=80)
TestChangeRequests = ChangeRequests.TestCase
