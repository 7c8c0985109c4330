"""Business time agrees with businesstimedelta, an independent implementation.

businesstimedelta can express weekly day shifts with a break, holidays from a list, and a
fixed-offset time zone; on such calendars both must give the same answers to the second.
"""

from __future__ import annotations

import datetime as dt

import businesstimedelta as btd
import pendulum
import pytz
from hypothesis import given, settings
from hypothesis import strategies as st

from clientflow import BusinessCalendar, WorkingHours

TZ = "Asia/Shanghai"  # no DST: businesstimedelta's pytz handling is not under test
CLOSED = frozenset(
    dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in (0, 38, 39, 40, 41, 120, 273, 274, 275)
) | {dt.date(2028, 1, 3)}  # businesstimedelta fails when no holiday lies ahead
OURS = BusinessCalendar(TZ, WorkingHours.weekdays("09:00-12:00", "13:00-18:00"), closed=CLOSED)
_zone = pytz.timezone(TZ)
THEIRS = btd.Rules(
    [
        btd.WorkDayRule(
            start_time=dt.time(9), end_time=dt.time(18), working_days=[0, 1, 2, 3, 4], tz=_zone
        ),
        btd.LunchTimeRule(
            start_time=dt.time(12), end_time=dt.time(13), working_days=[0, 1, 2, 3, 4], tz=_zone
        ),
        btd.HolidayRule(sorted(CLOSED), tz=_zone),
    ]
)

starts = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 1)).map(
    lambda naive: _zone.localize(naive.replace(second=0, microsecond=0))
)
minutes = st.integers(min_value=1, max_value=3 * 5 * 8 * 60)  # up to three working weeks


@settings(max_examples=150, deadline=None)
@given(starts, minutes)
def test_add_agrees(start: dt.datetime, amount: int) -> None:
    """Adding working minutes gives the instant businesstimedelta gives."""
    theirs = start + btd.BusinessTimeDelta(THEIRS, seconds=amount * 60)
    ours = OURS.add(start, dt.timedelta(minutes=amount))
    assert ours == pendulum.instance(theirs)


@settings(max_examples=150, deadline=None)
@given(starts, starts)
def test_elapsed_agrees(a: dt.datetime, b: dt.datetime) -> None:
    """Working time between two instants is what businesstimedelta measures."""
    a, b = sorted((a, b))
    theirs = THEIRS.difference(a, b).timedelta
    assert OURS.elapsed(a, b) == theirs
