"""Laws of business time that must hold for every calendar, instant and duration."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientflow import BusinessCalendar
from tests.calendars import ALL

ONE_US = dt.timedelta(microseconds=1)
UTC = dt.UTC

instants = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),
    max_value=dt.datetime(2028, 12, 31),
    timezones=st.just(UTC),
).map(pendulum.instance)
# Up to ~4 working weeks; the precision mixes whole minutes and odd microseconds.
durations = st.one_of(
    st.integers(0, 160 * 60).map(lambda m: dt.timedelta(minutes=m)),
    st.integers(0, 160 * 3600 * 10**6).map(lambda us: dt.timedelta(microseconds=us)),
)
calendars = st.sampled_from(sorted(ALL)).map(ALL.__getitem__)


@given(calendars, instants, durations)
def test_elapsed_undoes_add(
    cal: BusinessCalendar, start: pendulum.DateTime, d: dt.timedelta
) -> None:
    """The working time between a start and start + d is exactly d."""
    assert cal.elapsed(start, cal.add(start, d)) == d


@given(calendars, instants, durations, durations)
def test_add_is_monotonic(
    cal: BusinessCalendar, start: pendulum.DateTime, d1: dt.timedelta, d2: dt.timedelta
) -> None:
    """More working time never ends earlier."""
    low, high = sorted((d1, d2))
    assert cal.add(start, low) <= cal.add(start, high)


@given(calendars, instants, durations, durations)
def test_add_composes(
    cal: BusinessCalendar, start: pendulum.DateTime, d1: dt.timedelta, d2: dt.timedelta
) -> None:
    """Adding d1 then d2 is adding d1 + d2."""
    assert cal.add(start, d1 + d2) == cal.add(cal.add(start, d1), d2)


@given(calendars, instants, durations.filter(bool))
def test_result_lands_in_working_time_or_at_a_shift_end(
    cal: BusinessCalendar, start: pendulum.DateTime, d: dt.timedelta
) -> None:
    """The instant just before a deadline is always working time."""
    due = cal.add(start, d)
    assert due > start
    assert cal.is_working_time(due - ONE_US)


@given(calendars, instants, instants, instants)
def test_elapsed_is_additive_and_bounded_by_the_wall_clock(
    cal: BusinessCalendar, a: pendulum.DateTime, b: pendulum.DateTime, c: pendulum.DateTime
) -> None:
    """elapsed(a, c) = elapsed(a, b) + elapsed(b, c), and never exceeds wall time."""
    a, b, c = sorted((a, b, c))
    total = cal.elapsed(a, c)
    assert total == cal.elapsed(a, b) + cal.elapsed(b, c)
    assert dt.timedelta(0) <= total <= c - a


@given(calendars, instants)
def test_next_working_time_is_working_and_nothing_is_skipped(
    cal: BusinessCalendar, instant: pendulum.DateTime
) -> None:
    """next_working_time is working time, with no working time before it."""
    found = cal.next_working_time(instant)
    assert found >= instant
    assert cal.is_working_time(found)
    assert cal.elapsed(instant, found) == dt.timedelta(0)


@pytest.mark.parametrize("name", sorted(ALL))
@settings(max_examples=30)
@given(day=st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2028, 12, 31)))
def test_calendar_agrees_with_a_day_by_day_reference(name: str, day: dt.date) -> None:
    """One day's working time equals a direct sum over that day's shifts in local time."""
    cal = ALL[name]
    tz = pendulum.timezone(cal.timezone)
    expected = dt.timedelta(0)
    previous = day - dt.timedelta(days=1)
    for shift_day in (previous, day):
        if not cal.is_working_day(shift_day):
            continue
        shifts = cal.hours.days[shift_day.weekday()] or cal.hours.days[cal.makeup_weekday]
        for shift in shifts:
            midnight = dt.datetime.combine(shift_day, dt.time())
            begin = (midnight + dt.timedelta(minutes=shift.start)).replace(tzinfo=tz)
            end = (midnight + dt.timedelta(minutes=shift.end)).replace(tzinfo=tz)
            day_start = dt.datetime.combine(day, dt.time()).replace(tzinfo=tz)
            day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).replace(tzinfo=tz)
            overlap = min(end, day_end).astimezone(UTC) - max(begin, day_start).astimezone(UTC)
            expected += max(overlap, dt.timedelta(0))
    day_start = pendulum.datetime(day.year, day.month, day.day, tz=cal.timezone)
    assert cal.elapsed(day_start, day_start.add(days=1)) == expected
