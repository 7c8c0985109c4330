"""Random risk histories keep the register's promises."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from clientflow import ClientflowError
from clientflow.core import DomainEvent, WorkingDays, rebuild
from clientflow.risks import (
    EVENTS,
    TABLE,
    CloseReason,
    PlannedAction,
    ReviewMissed,
    Risk,
    RiskAssessed,
    RiskReviewed,
    Strategy,
    apply,
    assess,
    close,
    complete_action,
    fire_timers,
    identify,
    plan_response,
    review,
    start_monitoring,
    trigger,
)
from tests.risks.fixtures import CALENDAR, MONDAY, PM, POLICY, SPONSOR

IDS = ("RSK-1", "RSK-2", "RSK-3")


class Register(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = MONDAY
        self.risks: dict[str, Risk] = {}
        self.histories: dict[str, list[DomainEvent]] = {}
        self.issues = 0

    def _record(self, risk_id: str, decision_events: tuple[DomainEvent, ...], risk: Risk) -> None:
        self.histories.setdefault(risk_id, []).extend(decision_events)
        self.risks[risk_id] = risk

    @rule(hours=st.integers(1, 24 * 20))
    def time_passes(self, hours: int) -> None:
        self.now = self.now.add(hours=hours)

    @rule(risk_id=st.sampled_from(IDS))
    def identified(self, risk_id: str) -> None:
        if risk_id in self.risks:
            return
        made = identify(
            risk_id,
            client="acme",
            project="migration",
            title="Vendor late",
            owner="li.wei",
            category="resource",
            cause="one DBA",
            event="the export slips",
            effect="delay the cut-over",
            policy=POLICY,
            actor=PM,
            now=self.now,
        )
        self._record(risk_id, made.events, made.aggregate)

    def _act(self, risk_id: str, command: str, data: st.DataObject) -> None:
        risk = self.risks[risk_id]
        try:
            if command == "assess":
                made = assess(
                    risk,
                    PM,
                    self.now,
                    probability=data.draw(st.integers(1, 5)),
                    impact=data.draw(st.integers(1, 5)),
                    policy=POLICY,
                    calendar=CALENDAR,
                )
            elif command == "plan":
                strategy = data.draw(st.sampled_from(Strategy))
                actions = [
                    PlannedAction(f"A{n}", "act", "chen.jie", WorkingDays(n + 1))
                    for n in range(
                        data.draw(st.integers(0 if strategy is Strategy.ACCEPT else 1, 3))
                    )
                ]
                made = plan_response(
                    risk,
                    strategy,
                    SPONSOR,
                    self.now,
                    policy=POLICY,
                    calendar=CALENDAR,
                    actions=actions,
                )
            elif command == "monitor":
                made = start_monitoring(risk, PM, self.now, policy=POLICY)
            elif command == "review":
                made = review(risk, PM, self.now, policy=POLICY, calendar=CALENDAR)
            elif command == "complete":
                open_ids = [a.id for a in risk.open_actions()] or ["A9"]
                made = complete_action(
                    risk, data.draw(st.sampled_from(open_ids)), PM, self.now, policy=POLICY
                )
            elif command == "trigger":
                self.issues += 1
                made = trigger(
                    risk, f"ISS-{self.issues}", PM, self.now, policy=POLICY, note="it happened"
                )
            else:
                made = close(
                    risk,
                    data.draw(st.sampled_from(CloseReason)),
                    SPONSOR,
                    self.now,
                    policy=POLICY,
                )
        except ClientflowError:
            return  # refused: nothing changed (the next invariant checks the history)
        self._record(risk_id, made.events, made.aggregate)

    @precondition(lambda self: self.risks)
    @rule(
        data=st.data(),
        command=st.sampled_from(
            ["assess", "plan", "monitor", "review", "complete", "trigger", "close"]
        ),
    )
    def someone_acts(self, data: st.DataObject, command: str) -> None:
        self._act(data.draw(st.sampled_from(sorted(self.risks))), command, data)

    @precondition(lambda self: self.risks)
    @rule()
    def the_sweep_runs(self) -> None:
        for risk_id, risk in list(self.risks.items()):
            if risk.next_deadline is None or risk.next_deadline > self.now:
                assert fire_timers(risk, self.now, policy=POLICY, calendar=CALENDAR).events == ()
                continue
            fired = fire_timers(risk, self.now, policy=POLICY, calendar=CALENDAR)
            assert fired.events, "a due deadline must fire something"
            self._record(risk_id, fired.events, fired.aggregate)
            after = fired.aggregate.next_deadline
            assert after is None or after > self.now

    @invariant()
    def a_rebuild_through_json_equals_the_live_risk(self) -> None:
        for risk_id, history in self.histories.items():
            stored = [EVENTS.decode(*EVENTS.encode(e)) for e in history]
            assert rebuild(apply, stored) == self.risks[risk_id]

    @invariant()
    def a_review_timer_never_fires_twice_in_one_period(self) -> None:
        for history in self.histories.values():
            missed = 0
            for event in history:
                if isinstance(event, RiskAssessed | RiskReviewed):
                    missed = 0
                elif isinstance(event, ReviewMissed):
                    missed += 1
                    assert missed == 1

    @invariant()
    def every_assessment_is_kept_and_closed_risks_wait_for_nothing(self) -> None:
        for risk_id, risk in self.risks.items():
            assessed = [e for e in self.histories[risk_id] if isinstance(e, RiskAssessed)]
            assert [e.assessment for e in assessed] == list(risk.assessments)
            assert risk.status in TABLE.states
            if risk.status == "closed":
                assert risk.next_deadline is None
                assert risk.closed_reason is not None


Register.TestCase.settings = settings(stateful_step_count=60, deadline=None)
TestRegister = Register.TestCase
