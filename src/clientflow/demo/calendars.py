"""Part one of the demo: deadlines in business time on the demo rules' calendars."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pendulum

from clientflow.config import Rules
from clientflow.i18n import N_, Language
from clientflow.reports.columns import fit

__all__ = ["Echo", "show_calendars"]

Echo = Callable[[str], None]

_SCENARIOS: tuple[tuple[str, str, str, str, float], ...] = (
    # label, calendar in the rules, local start, what, hours of work
    (N_("Shanghai"), "shanghai", "2026-09-30T17:00", N_("8h first response"), 8),
    (
        N_("Shanghai"),
        "shanghai",
        "2026-01-02T10:00",
        N_("4h resolution (Sunday 4 Jan is a make-up working day)"),
        4,
    ),
    (N_("New York"), "new-york", "2026-03-06T15:00", N_("6h reply across the DST weekend"), 6),
    (
        N_("London"),
        "london",
        "2026-12-24T16:00",
        N_("2h review over Christmas (office shut to New Year)"),
        2,
    ),
)


def show_calendars(echo: Echo, rules: Rules, lang: Language) -> None:
    """Print deadlines across Golden Week, a make-up Sunday, DST and Christmas."""
    _ = lang.gettext
    echo(_("1. Deadlines in business time on real team calendars") + "\n")
    for label, name, local, what, hours in _SCENARIOS:
        calendar = rules.calendars[name]
        tz = calendar.timezone
        start = pendulum.parse(local, tz=tz)
        assert isinstance(start, pendulum.DateTime)
        due = calendar.add(start, pendulum.duration(hours=hours)).in_timezone(tz)
        echo(f"{fit(_(label), 9)} {_(what)}")
        echo("          " + _("asked {when}").format(when=lang.instant(start, tz)))
        wall = lang.duration(due - start)
        echo(
            "          "
            + _("due   {when}  ({wall} on the wall clock)").format(
                when=lang.instant(due, tz), wall=wall
            )
        )
    shanghai = rules.calendars["shanghai"]
    october = [dt.date(2026, 10, day) for day in range(1, 32)]
    closed = [day.day for day in october if not shanghai.is_working_day(day)]
    made_up = [
        lang.day(day) for day in october if day.weekday() >= 5 and shanghai.is_working_day(day)
    ]
    days = lang.day_ranges(closed)
    echo("\n" + _("Shanghai, October 2026: no work on the {days}").format(days=days))
    echo(
        "          "
        + _("make-up working days: {days}").format(days=lang.items(made_up) or _("none"))
    )
