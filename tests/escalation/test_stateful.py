"""Random pauses, replies, priority changes, resolutions and sweeps at random times keep
every SLA clock honest.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter

import pendulum
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from clientflow import ClientflowError
from clientflow.core import DomainEvent, rebuild
from clientflow.escalation import (
    EVENTS,
    IssueKind,
    acknowledge,
    acknowledge_escalation,
    add_update,
    apply,
    change_priority,
    client_replied,
    close,
    escalate,
    fire_timers,
    propose_solution,
    reject_solution,
    reopen,
    report,
    report_issue,
    resolve,
    start_investigation,
    team_reply,
    wait_on_client,
)
from tests.escalation.fixtures import CALENDAR, CLIENT, LADDER, MONDAY, OWNER, SLA


class IssueClocks(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = MONDAY
        self.pauses: list[tuple[pendulum.DateTime, pendulum.DateTime | None]] = []
        decision = report_issue(
            "ISS-1",
            kind=IssueKind.ISSUE,
            client="acme",
            project="portal",
            title="t",
            priority="P2",
            owner="zhou.min",
            reporter=CLIENT,
            now=MONDAY,
            sla=SLA,
            escalation=LADDER,
            calendar=CALENDAR,
        )
        self.issue = decision.aggregate
        self.history: list[DomainEvent] = list(decision.events)

    def _run(self, command: object) -> None:
        before = self.issue
        try:
            decision = command()  # type: ignore[operator]
        except ClientflowError:
            assert self.issue == before
            return
        # A command builds its issue once, after all its events: the very issue that
        # applying them one by one to the issue before gives.
        assert functools.reduce(apply, decision.events, before) == decision.aggregate
        was_waiting = before.status == "waiting_on_client"
        self.issue = decision.aggregate
        self.history.extend(decision.events)
        waiting = self.issue.status == "waiting_on_client"
        if waiting and not was_waiting:
            self.pauses.append((self.now, None))
        if was_waiting and not waiting:
            start, _ = self.pauses[-1]
            self.pauses[-1] = (start, self.now)

    @rule(minutes=st.integers(1, 3 * 24 * 60))
    def time_passes(self, minutes: int) -> None:
        self.now = self.now.add(minutes=minutes)

    @rule(
        action=st.sampled_from(
            [
                "acknowledge",
                "investigate",
                "wait",
                "reply",
                "team_reply",
                "resolve",
                "reopen",
                "p1",
                "p3",
                "sweep",
                "update",
                "propose",
                "reject",
                "escalate",
                "take_escalation",
                "close",
            ]
        )
    )
    def act(self, action: str) -> None:
        issue, now = self.issue, self.now
        commands = {
            "acknowledge": lambda: acknowledge(
                issue, OWNER, now, calendar=CALENDAR, escalation=LADDER
            ),
            "investigate": lambda: start_investigation(
                issue, OWNER, now, calendar=CALENDAR, escalation=LADDER
            ),
            "wait": lambda: wait_on_client(issue, "need info", OWNER, now, calendar=CALENDAR),
            "reply": lambda: client_replied(
                issue, "info", CLIENT, now, calendar=CALENDAR, escalation=LADDER
            ),
            "team_reply": lambda: team_reply(
                issue, "thanks", OWNER, now, calendar=CALENDAR, escalation=LADDER
            ),
            "resolve": lambda: resolve(issue, "done", OWNER, now, calendar=CALENDAR),
            "reopen": lambda: reopen(
                issue, "again", CLIENT, now, calendar=CALENDAR, escalation=LADDER
            ),
            "p1": lambda: change_priority(issue, "P1", OWNER, now, calendar=CALENDAR),
            "p3": lambda: change_priority(issue, "P3", OWNER, now, calendar=CALENDAR),
            "sweep": lambda: fire_timers(issue, now, calendar=CALENDAR, escalation=LADDER),
            "update": lambda: add_update(
                issue, "progress", OWNER, now, calendar=CALENDAR, escalation=LADDER
            ),
            "propose": lambda: propose_solution(
                issue, "a fix", OWNER, now, calendar=CALENDAR, escalation=LADDER
            ),
            "reject": lambda: reject_solution(
                issue, "no", CLIENT, now, calendar=CALENDAR, escalation=LADDER
            ),
            "escalate": lambda: escalate(
                issue, "slow", OWNER, now, calendar=CALENDAR, escalation=LADDER
            ),
            "take_escalation": lambda: acknowledge_escalation(
                issue, OWNER, now, calendar=CALENDAR, escalation=LADDER
            ),
            "close": lambda: close(issue, CLIENT, now),
        }
        self._run(commands[action])

    @invariant()
    def deadline_is_start_plus_target_plus_paused_business_time(self) -> None:
        for clock in self.issue.clocks:
            assert clock.deadline == CALENDAR.add(clock.started_at, clock.target + clock.paused)

    @invariant()
    def paused_time_never_counts(self) -> None:
        clock = self.issue.clock("resolution")
        assert clock is not None
        closed = [(a, b) for a, b in self.pauses if b is not None]
        # Waiting periods are paused; so is the time between resolving and reopening.
        waited = sum((CALENDAR.elapsed(a, b) for a, b in closed), dt.timedelta())
        assert clock.paused >= waited

    @invariant()
    def business_elapsed_never_exceeds_wall_elapsed(self) -> None:
        for clock in self.issue.clocks:
            state = report(clock, CALENDAR, self.now)
            assert state.business_elapsed <= state.wall_elapsed
            assert state.business_elapsed >= dt.timedelta(0)

    @invariant()
    def each_threshold_fires_at_most_once_per_clock(self) -> None:
        # First response and resolution have one clock per issue; next reply starts a
        # new clock with every client message, so it is not counted here.
        fired = Counter(
            (e.metric, e.fraction)  # type: ignore[attr-defined]
            for e in self.history
            if e.event_type == "issue.sla_threshold_reached" and e.metric != "next_reply"  # type: ignore[attr-defined]
        )
        assert all(n == 1 for n in fired.values()), fired

    @invariant()
    def history_rebuilds_the_issue(self) -> None:
        assert self.issue.version == len(self.history)
        assert (
            rebuild(apply, [EVENTS.decode(*EVENTS.encode(e)) for e in self.history]) == self.issue
        )

    @invariant()
    def timers_are_never_due_in_the_past_after_a_sweep(self) -> None:
        if (
            self.history
            and self.history[-1].actor == "system"
            and self.issue.next_deadline is not None
        ):
            assert self.issue.next_deadline > self.history[-1].occurred_at


IssueClocks.TestCase.settings = settings(stateful_step_count=50)
TestIssueClocks = IssueClocks.TestCase
