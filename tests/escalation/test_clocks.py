"""SLA clock rules, each one a place where real SLA systems break."""

from __future__ import annotations

import pendulum
import pytest

from clientflow import ValidationError
from clientflow.escalation import (
    ClockState,
    PriorityTargets,
    SlaPolicy,
    acknowledge,
    change_priority,
    client_replied,
    fire_timers,
    report,
    resolve,
    start_investigation,
    wait_on_client,
)
from tests.escalation.fixtures import CALENDAR, CLIENT, MONDAY, OWNER, H, reported


def sh(*parts: int) -> pendulum.DateTime:
    return pendulum.datetime(*parts, tz="Asia/Shanghai")


def working(priority: str = "P2") -> object:
    issue = acknowledge(
        reported(priority), OWNER, MONDAY.add(minutes=30), calendar=CALENDAR
    ).aggregate
    return start_investigation(issue, OWNER, MONDAY.add(hours=1), calendar=CALENDAR).aggregate


def test_clocks_start_with_business_time_deadlines() -> None:
    """P2 reported Monday 09:00: response due 14:00 (lunch skipped), resolution Wednesday 18:00."""
    issue = reported("P2")
    assert issue.clock("first_response").deadline == sh(2026, 3, 2, 14)  # type: ignore[union-attr]
    assert issue.clock("resolution").deadline == sh(2026, 3, 4, 18)  # type: ignore[union-attr]
    assert issue.next_deadline == CALENDAR.add(
        MONDAY, H(hours=2)
    )  # the 50 % warning of first response


def test_paused_time_is_business_time_not_wall_clock() -> None:
    """Waiting Friday 16:00 -> Monday 10:00 pushes the deadline 3 working hours, not 66."""
    issue = working()
    friday = sh(2026, 3, 6, 16)
    waiting = wait_on_client(issue, "Need a HAR file", OWNER, friday, calendar=CALENDAR).aggregate  # type: ignore[arg-type]
    assert waiting.clock("resolution").state is ClockState.PAUSED  # type: ignore[union-attr]
    assert waiting.next_deadline is None  # nothing fires while paused
    back = client_replied(
        waiting, "Here it is", CLIENT, sh(2026, 3, 9, 10), calendar=CALENDAR
    ).aggregate
    clock = back.clock("resolution")
    assert clock is not None
    assert clock.paused == H(hours=3)
    assert clock.deadline == CALENDAR.add(clock.started_at, clock.target + H(hours=3))
    assert clock.original_deadline == CALENDAR.add(clock.started_at, clock.target)
    assert back.status == "investigating"


def test_pause_and_resolve_in_one_step_still_accounts_the_pause() -> None:
    """Resolving while waiting on the client stops the clock with the pause counted."""
    issue = working()
    waiting = wait_on_client(
        issue, "Confirm fix", OWNER, sh(2026, 3, 2, 15), calendar=CALENDAR
    ).aggregate  # type: ignore[arg-type]
    done = resolve(
        waiting, "Fixed in 2.3.1", OWNER, sh(2026, 3, 3, 11), calendar=CALENDAR
    ).aggregate
    clock = done.clock("resolution")
    assert clock is not None
    assert clock.paused == H(hours=5)  # Mon 15-18 and Tue 9-11
    assert clock.stopped_at == sh(2026, 3, 3, 11)
    assert clock.state is ClockState.MET
    assert report(clock, CALENDAR, sh(2026, 3, 10, 9)).business_elapsed == H(
        hours=5
    )  # Monday 9-12 and 13-15


def test_priority_change_recomputes_from_the_original_start_and_keeps_pauses() -> None:
    """P3 -> P1 after a pause: the P1 target counts from the report, plus the pause."""
    issue = working("P3")
    waiting = wait_on_client(issue, "Logs?", OWNER, sh(2026, 3, 2, 11), calendar=CALENDAR).aggregate  # type: ignore[arg-type]
    back = client_replied(
        waiting, "Logs", CLIENT, sh(2026, 3, 2, 14), calendar=CALENDAR
    ).aggregate  # 11-12, 13-14: 2h paused
    urgent = change_priority(back, "P1", OWNER, sh(2026, 3, 2, 15), calendar=CALENDAR).aggregate
    clock = urgent.clock("resolution")
    assert clock is not None
    assert clock.paused == H(hours=2)
    assert clock.started_at == MONDAY
    assert clock.deadline == CALENDAR.add(MONDAY, H(hours=8) + H(hours=2))
    assert urgent.priority == "P1"


def test_thresholds_follow_the_live_deadline_and_fire_once_each() -> None:
    """50 % and 75 % warnings, then the breach, each once; a pause moves the ones not fired."""
    issue = working("P1")  # resolution 8h from Monday 09:00: 50 % at 13:00... 4h = 9-12 + 13-14
    first = fire_timers(issue, sh(2026, 3, 2, 14), calendar=CALENDAR, escalation=None)  # type: ignore[arg-type]
    kinds = [
        (e.metric, e.fraction)
        for e in first.events
        if e.event_type == "issue.sla_threshold_reached"
    ]  # type: ignore[attr-defined]
    assert ("resolution", 0.5) in kinds
    assert len(kinds) == len(set(kinds))
    following = first.aggregate.next_deadline
    assert following is not None
    assert following > sh(2026, 3, 2, 14)  # nothing left to fire again at 14:00
    paused = wait_on_client(
        first.aggregate, "?", OWNER, sh(2026, 3, 2, 14), calendar=CALENDAR
    ).aggregate
    resumed = client_replied(
        paused, "!", CLIENT, sh(2026, 3, 3, 9), calendar=CALENDAR
    ).aggregate  # 4h paused
    clock = resumed.clock("resolution")
    assert clock is not None
    seventy_five = next(t for t in clock.thresholds if t.fraction == 0.75)
    assert seventy_five.at == CALENDAR.add(MONDAY, H(hours=6) + H(hours=4))
    assert all(t.fired for t in clock.thresholds if t.fraction == 0.5)


def test_reports_show_business_and_wall_time_left_and_both_deadlines() -> None:
    """A report at Tuesday 10:00 of a P2 reported Monday 09:00."""
    issue = working()
    clock = issue.clock("resolution")  # type: ignore[attr-defined]
    state = report(clock, CALENDAR, sh(2026, 3, 3, 10))
    assert state.business_elapsed == H(hours=9)
    assert state.wall_elapsed == H(hours=25)
    assert state.left == H(hours=15)
    assert state.deadline == state.original_deadline


@pytest.mark.parametrize(
    ("targets", "thresholds", "key"),
    [
        ((PriorityTargets("P1", H(hours=0), H(hours=8)),), (0.5, 1.0), "sla.x.P1.first_response"),
        ((PriorityTargets("P1", H(hours=1), H(hours=-8)),), (0.5, 1.0), "sla.x.P1.resolution"),
        ((PriorityTargets("P1", H(hours=1), H(hours=8)),), (0.0, 1.0), "sla.x.thresholds"),
        ((PriorityTargets("P1", H(hours=1), H(hours=8)),), (1.5,), "sla.x.thresholds"),
    ],
)
def test_bad_sla_policies_name_the_key(
    targets: tuple[PriorityTargets, ...], thresholds: tuple[float, ...], key: str
) -> None:
    """Targets must be > 0 and thresholds in (0, 1]."""
    with pytest.raises(ValidationError) as caught:
        SlaPolicy("x", targets, thresholds)
    assert caught.value.field == key


def test_unknown_priority_names_the_known_ones() -> None:
    """Reporting a P9 says which priorities exist."""
    with pytest.raises(ValidationError, match="one of P1, P2, P3"):
        reported("P9")
