"""What a plan owes and what a touchpoint satisfies, counted as a PM would by hand, with
one rule for alerts, reports and agendas (issue 25)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pendulum
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import clientflow
from clientflow import Actor, ManualClock
from clientflow.cadence import Channel, Direction, ItemKind, PlanItem, Touchpoint
from clientflow.demo import RULES_FILE
from clientflow.workspace import Workspace

SHANGHAI = "Asia/Shanghai"
LI = Actor("li.wei", {"pm"})
MONDAY_28_SEP = pendulum.datetime(2026, 9, 28, 10, tz=SHANGHAI)
FRIDAY_REPORT = PlanItem(
    "friday",
    ItemKind.STATUS_REPORT,
    "FREQ=WEEKLY;BYDAY=FR",
    dt.datetime(2026, 9, 4, 17),  # the template anchors on Fridays long before the plan
    Channel.EMAIL,
    owner="li.wei",
    title="周报",
)


@pytest.fixture
def ws() -> Iterator[Workspace]:
    clock = ManualClock(MONDAY_28_SEP)
    with clientflow.open("memory://", RULES_FILE, clock=clock) as opened:
        opened.plans.create(
            "P-1", by=LI, client="lotus", project="lotus-app", items=(FRIDAY_REPORT,)
        )
        yield opened


def _statuses(ws: Workspace, since: pendulum.DateTime, until: pendulum.DateTime) -> list[str]:
    plan = ws.plans.get("P-1")
    schedule = ws.rules.schedule_for(plan.client)
    return [
        f"{o.at.in_timezone(SHANGHAI).format('MM-DD')} {o.status}"
        for o in schedule.statuses(plan, plan.items[0], since, until)
    ]


def test_a_plan_owes_nothing_before_it_existed(ws: Workspace) -> None:
    """Created Monday 28 September from a template anchored on 4 September: the reports
    of 4, 11, 18 and 25 September are not missed, they were never owed."""
    september = pendulum.datetime(2026, 9, 1, tz=SHANGHAI)
    assert _statuses(ws, september, MONDAY_28_SEP) == []
    [lotus] = ws.health(client="lotus", at=MONDAY_28_SEP.add(hours=1))
    assert lotus.overdue_communications == ()


def test_an_early_report_satisfies_the_slot_it_was_meant_for(ws: Workspace) -> None:
    """The report sent Friday 9 October at 16:30 is for that day's 17:00 slot: on time.
    National Day moves the 2 October slot to Thursday 8 October, and with nothing sent
    for it that one is missed (not satisfied late by Friday's report)."""
    friday = pendulum.datetime(2026, 10, 9, 16, 30, tz=SHANGHAI)
    ws.plans.record_touchpoint(
        "P-1",
        by=LI,
        touchpoint=Touchpoint(
            "T-1", Direction.OUTBOUND, Channel.EMAIL, friday, kind=ItemKind.STATUS_REPORT,
            item_id="friday",
        ),
        at=friday,
    )  # fmt: skip
    until = pendulum.datetime(2026, 10, 12, 10, tz=SHANGHAI)
    assert _statuses(ws, MONDAY_28_SEP, until) == ["10-08 missed", "10-09 satisfied"]


def test_an_item_added_later_owes_nothing_before_it_was_added(ws: Workspace) -> None:
    """A second weekly report added on 14 October owes nothing for 9 October."""
    added = pendulum.datetime(2026, 10, 14, 9, tz=SHANGHAI)
    second = PlanItem(
        "tuesday", ItemKind.CHECK_IN, "FREQ=WEEKLY;BYDAY=TU", dt.datetime(2026, 9, 1, 10),
        Channel.CALL, owner="li.wei",
    )  # fmt: skip
    ws.plans.add_item("P-1", by=LI, item=second, at=added)
    plan = ws.plans.get("P-1")
    item = next(i for i in plan.items if i.id == "tuesday")
    assert item.added_at == added
    schedule = ws.rules.schedule_for(plan.client)
    owed = schedule.statuses(
        plan, item, MONDAY_28_SEP, pendulum.datetime(2026, 10, 28, tz=SHANGHAI)
    )
    assert [o.at.in_timezone(SHANGHAI).format("MM-DD") for o in owed] == ["10-20", "10-27"]


_HOURS = st.integers(min_value=-30, max_value=30)


class PlanAccounting(RuleBasedStateMachine):
    """Random reports sent early, on time, late or never, over weeks: every owed slot is
    counted exactly once, as met, late or missed (or still open), never before the plan
    existed, and a touchpoint satisfies at most one slot."""

    @initialize(created=st.integers(min_value=0, max_value=20))
    def start(self, created: int) -> None:
        self.created = pendulum.datetime(2026, 11, 2, 9, tz=SHANGHAI).add(days=created)
        self.clock = ManualClock(self.created)
        self.ws = clientflow.open("memory://", RULES_FILE, clock=self.clock)
        self.ws.plans.create(
            "P-1", by=LI, client="lotus", project="lotus-app", items=(FRIDAY_REPORT,)
        )
        self.sent = 0

    @rule(days=st.integers(min_value=0, max_value=9), hours=_HOURS)
    def report(self, days: int, hours: int) -> None:
        at = self.clock.now().add(days=days, hours=hours)
        if at <= self.clock.now():
            return
        self.clock.set(at)
        self.sent += 1
        touchpoint = Touchpoint(
            f"T-{self.sent}", Direction.OUTBOUND, Channel.EMAIL, at,
            kind=ItemKind.STATUS_REPORT, item_id="friday",
        )  # fmt: skip
        self.ws.plans.record_touchpoint("P-1", by=LI, touchpoint=touchpoint)

    @rule(days=st.integers(min_value=1, max_value=12))
    def wait(self, days: int) -> None:
        self.clock.set(self.clock.now().add(days=days))

    @invariant()
    def each_slot_once_and_never_before_the_plan(self) -> None:
        plan = self.ws.plans.get("P-1")
        schedule = self.ws.rules.schedule_for(plan.client)
        since = self.created.subtract(weeks=6)
        found = schedule.statuses(plan, plan.items[0], since, self.clock.now())
        keys = [o.key for o in found]
        assert len(keys) == len(set(keys))
        assert all(o.at >= plan.created_at for o in found)
        assert {o.status for o in found} <= {
            "due",
            "satisfied",
            "satisfied_late",
            "overdue",
            "missed",
        }
        used = [o.touchpoint_id for o in found if o.touchpoint_id is not None]
        assert len(used) == len(set(used))
        assert len(used) <= self.sent
        for occurrence in found:
            if occurrence.touchpoint_id is not None:
                touchpoint = next(t for t in plan.touchpoints if t.id == occurrence.touchpoint_id)
                if occurrence.status == "satisfied_late":
                    assert touchpoint.at > occurrence.due_by
                else:
                    assert touchpoint.at <= occurrence.due_by

    def teardown(self) -> None:
        self.ws.close()


PlanAccounting.TestCase.settings = settings(
    max_examples=30, stateful_step_count=15, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
TestPlanAccounting = PlanAccounting.TestCase
