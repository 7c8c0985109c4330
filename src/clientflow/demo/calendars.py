"""Part one of the demo: deadlines in business time on the demo rules' calendars."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pendulum

from clientflow.config import Rules

__all__ = ["Echo", "show_calendars"]

Echo = Callable[[str], None]

_SCENARIOS: tuple[tuple[str, str, str, str, float], ...] = (
    # label, calendar in the rules, local start, what, hours of work
    ("Shanghai", "shanghai", "2026-09-30T17:00", "8h first response", 8),
    ("Shanghai", "shanghai", "2026-01-02T10:00", "4h fix (Sunday 4 Jan is a make-up day)", 4),
    ("New York", "new-york", "2026-03-06T15:00", "6h reply across the DST weekend", 6),
    (
        "London",
        "london",
        "2026-12-24T16:00",
        "2h review over Christmas (office shut to New Year)",
        2,
    ),
)


def show_calendars(echo: Echo, rules: Rules) -> None:
    """Print deadlines across Golden Week, a make-up Sunday, DST and Christmas."""
    echo("1. Deadlines in business time on real team calendars\n")
    for label, name, local, what, hours in _SCENARIOS:
        calendar = rules.calendars[name]
        tz = calendar.timezone
        start = pendulum.parse(local, tz=tz)
        assert isinstance(start, pendulum.DateTime)
        due = calendar.add(start, pendulum.duration(hours=hours)).in_timezone(tz)
        echo(f"{label:<9} {what}")
        echo(f"          asked {start.format('ddd YYYY-MM-DD HH:mm zz')}")
        wall = (due - start).in_words()
        echo(f"          due   {due.format('ddd YYYY-MM-DD HH:mm zz')}  ({wall} on the wall clock)")
    shanghai = rules.calendars["shanghai"]
    october = [dt.date(2026, 10, day) for day in range(1, 32)]
    closed = [day.strftime("%d") for day in october if not shanghai.is_working_day(day)]
    made_up = [
        day.strftime("%a %d")
        for day in october
        if day.weekday() >= 5 and shanghai.is_working_day(day)
    ]
    echo(f"\nShanghai, October 2026: no work on the {', '.join(closed)}")
    echo(f"          make-up working days: {', '.join(made_up) or 'none'}")
