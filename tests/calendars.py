"""Calendars shared by the tests: real time zones, real holiday sets."""

from __future__ import annotations

import pendulum

from clientflow import BusinessCalendar, WorkingHours

SHANGHAI = BusinessCalendar(
    "Asia/Shanghai", WorkingHours.weekdays("09:00-12:00", "13:00-18:00"), country="CN"
)
NEW_YORK = BusinessCalendar("America/New_York", ("09:00-17:00",), country="US", subdivision="NY")
LONDON = BusinessCalendar("Europe/London", ("09:00-17:30",), country="GB", subdivision="ENG")
# Night shifts every day, straddling both DST changes and every midnight.
NIGHTS_NY = BusinessCalendar(
    "America/New_York",
    WorkingHours.from_mapping(
        dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), ("00:00-03:30", "22:00-23:00"))
        | {"sat": "21:00-01:00", "sun": "01:30-02:45"}
    ),
)
ROUND_THE_CLOCK_LONDON = BusinessCalendar("Europe/London", WorkingHours.always())

ALL = {
    "shanghai": SHANGHAI,
    "new_york": NEW_YORK,
    "london": LONDON,
    "nights_ny": NIGHTS_NY,
    "24x7_london": ROUND_THE_CLOCK_LONDON,
}


def local(tz: str, *args: int) -> pendulum.DateTime:
    """A local wall-clock time in ``tz`` (helper for readable expectations)."""
    return pendulum.datetime(*args, tz=tz)


def sh(*args: int) -> pendulum.DateTime:
    return local("Asia/Shanghai", *args)


def ny(*args: int) -> pendulum.DateTime:
    return local("America/New_York", *args)


def ldn(*args: int) -> pendulum.DateTime:
    return local("Europe/London", *args)
