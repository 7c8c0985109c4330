"""Part one of the demo: deadlines in business time on real team calendars."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pendulum

from clientflow import changes
from clientflow.core import BusinessCalendar, WorkingHours
from clientflow.core import Decision as _Decision

__all__ = ["show_calendars"]

Echo = Callable[[str], None]
Decision = _Decision[changes.ChangeRequest]
Step = Callable[[changes.ChangeRequest | None, pendulum.DateTime], Decision]

_SCENARIOS: tuple[tuple[str, str, str, str, str, float], ...] = (
    # label, team, time zone, local start, what, hours of work
    ("Shanghai", "CN", "Asia/Shanghai", "2026-09-30T17:00", "8h first response", 8),
    (
        "Shanghai",
        "CN",
        "Asia/Shanghai",
        "2026-01-02T10:00",
        "4h fix (Sunday 4 Jan is a make-up day)",
        4,
    ),
    (
        "New York",
        "US",
        "America/New_York",
        "2026-03-06T15:00",
        "6h reply across the DST weekend",
        6,
    ),
    ("London", "GB", "Europe/London", "2026-12-24T16:00", "2h review over Christmas", 2),
)


def _calendar(team: str, tz: str) -> BusinessCalendar:
    if team == "CN":
        return BusinessCalendar(
            tz, WorkingHours.weekdays("09:00-12:00", "13:00-18:00"), country="CN"
        )
    if team == "US":
        return BusinessCalendar(tz, ("09:00-17:00",), country="US", subdivision="NY")
    return BusinessCalendar(tz, ("09:00-17:30",), country="GB", subdivision="ENG")


def show_calendars(echo: Echo) -> None:
    """Print deadlines across Golden Week, a make-up Sunday, DST and Christmas."""
    echo("1. Deadlines in business time on real team calendars\n")
    calendars: dict[str, BusinessCalendar] = {}
    for label, team, tz, local, what, hours in _SCENARIOS:
        calendar = calendars.setdefault(team, _calendar(team, tz))
        start = pendulum.parse(local, tz=tz)
        assert isinstance(start, pendulum.DateTime)
        due = calendar.add(start, pendulum.duration(hours=hours)).in_timezone(tz)
        echo(f"{label:<9} {what}")
        echo(f"          asked {start.format('ddd YYYY-MM-DD HH:mm zz')}")
        wall = (due - start).in_words()
        echo(f"          due   {due.format('ddd YYYY-MM-DD HH:mm zz')}  ({wall} on the wall clock)")
    shanghai = calendars["CN"]
    october = [dt.date(2026, 10, day) for day in range(1, 12)]
    closed = [day.strftime("%d") for day in october if not shanghai.is_working_day(day)]
    echo(f"\nShanghai, October 2026: no work on the {', '.join(closed)}")
