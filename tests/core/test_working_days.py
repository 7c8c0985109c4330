"""Working-day arithmetic on China's calendar, checked against an independent source.

``chinese_calendar`` keeps the State Council's holiday and make-up-day notices as its own
data (clientflow takes them from ``holidays``); the two agree on every day from 2019 to
2026, including 2020-02-01, the make-up Saturday cancelled when Spring Festival was
extended.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientflow import BusinessCalendar, ValidationError, WorkingHours

SHANGHAI = BusinessCalendar("Asia/Shanghai", ("09:00-12:00", "13:00-18:00"), country="CN")
FIRST, LAST = dt.date(2019, 2, 1), dt.date(2026, 10, 31)
dates = st.dates(min_value=FIRST, max_value=LAST)


def oracle_add(day: dt.date, n: int) -> dt.date:
    if n == 0:
        while not chinese_calendar.is_workday(day):
            day += dt.timedelta(days=1)
        return day
    step = dt.timedelta(days=1 if n > 0 else -1)
    for _ in range(abs(n)):
        day += step
        while not chinese_calendar.is_workday(day):
            day += step
    return day


def test_every_day_from_2019_to_2026_agrees_with_the_independent_source() -> None:
    day = dt.date(2019, 1, 1)
    while day <= dt.date(2026, 12, 31):
        assert SHANGHAI.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)
    assert not SHANGHAI.is_working_day(dt.date(2020, 2, 1))  # cancelled make-up Saturday


@given(day=dates, n=st.integers(min_value=-25, max_value=25))
def test_adding_working_days_to_a_date(day: dt.date, n: int) -> None:
    assert SHANGHAI.add_working_days(day, n) == oracle_add(day, n)


@given(
    day=st.dates(min_value=dt.date(2019, 3, 1), max_value=dt.date(2026, 8, 31)),
    n=st.integers(min_value=-60, max_value=60),
    warm=st.integers(min_value=-14, max_value=14),
)
def test_adding_working_days_on_a_fresh_calendar(day: dt.date, n: int, warm: int) -> None:
    # A new calendar has indexed no month yet, or only the month asked about first: the
    # answer may lie months outside what it has indexed, before or after.
    fresh = BusinessCalendar("Asia/Shanghai", ("09:00-12:00", "13:00-18:00"), country="CN")
    fresh.is_working_day(day + dt.timedelta(days=30 * warm))
    found = fresh.add_working_days(pendulum.Date(day.year, day.month, day.day), n)
    assert found == oracle_add(day, n)
    assert type(found) is pendulum.Date  # the caller's date type


@given(day=dates)
def test_the_first_working_time_from_a_date_is_its_first_shift_or_the_next_days(
    day: dt.date,
) -> None:
    midnight = pendulum.datetime(day.year, day.month, day.day, tz="Asia/Shanghai")
    found = SHANGHAI.first_working_time(day)
    assert found == SHANGHAI.next_working_time(midnight)
    local = found.in_timezone("Asia/Shanghai")
    assert (local.hour, local.minute) == (9, 0)
    assert local.date() == oracle_add(day, 0)


@given(a=dates, b=dates)
def test_working_days_between_two_dates(a: dt.date, b: dt.date) -> None:
    lo, hi = min(a, b), max(a, b)
    count = sum(
        chinese_calendar.is_workday(lo + dt.timedelta(days=k)) for k in range((hi - lo).days)
    )
    assert SHANGHAI.working_days_between(a, b) == (count if a <= b else -count)


@given(day=dates, n=st.integers(min_value=1, max_value=20), minutes=st.integers(0, 179))
def test_from_inside_working_time_the_same_local_time_n_working_days_later(
    day: dt.date, n: int, minutes: int
) -> None:
    """A morning instant plus N working days: the same wall time, N working days on, and
    exactly N working days (8 h each) of working time between them."""
    start_day = oracle_add(day, 0)
    start = pendulum.datetime(start_day.year, start_day.month, start_day.day, 9, tz="Asia/Shanghai")
    start = start.add(minutes=minutes)
    due = SHANGHAI.add_working_days(start, n).in_timezone("Asia/Shanghai")
    assert due.date() == oracle_add(start_day, n)
    assert (due.hour, due.minute) == (start.hour, start.minute)
    assert SHANGHAI.elapsed(start, due) == dt.timedelta(hours=8 * n)


def test_from_outside_working_time_the_end_of_the_nth_working_day() -> None:
    """Saturday night, lunch, or before opening: "within 1 working day" ends at the close
    of the day work next resumes; 2 working days, the close of the one after."""
    sh = "Asia/Shanghai"
    saturday_night = pendulum.datetime(2026, 10, 3, 20, tz=sh)  # in the National Day week
    assert SHANGHAI.add_working_days(saturday_night, 1) == pendulum.datetime(2026, 10, 8, 18, tz=sh)
    assert SHANGHAI.add_working_days(saturday_night, 2) == pendulum.datetime(2026, 10, 9, 18, tz=sh)
    lunch = pendulum.datetime(2026, 10, 9, 12, 30, tz=sh)
    assert SHANGHAI.add_working_days(lunch, 1) == pendulum.datetime(2026, 10, 9, 18, tz=sh)
    early = pendulum.datetime(2026, 10, 9, 7, tz=sh)
    assert SHANGHAI.add_working_days(early, 0) == pendulum.datetime(2026, 10, 9, 9, tz=sh)
    assert SHANGHAI.add_working_days(early, 1) == pendulum.datetime(2026, 10, 9, 18, tz=sh)


def test_a_later_wall_time_is_kept_within_a_shorter_day() -> None:
    """Thursday 17:00 plus one working day on a calendar whose Friday closes at 16:00."""
    long_day = ("09:30-18:00",)
    hours = {"mon": long_day, "tue": long_day, "wed": long_day, "thu": long_day}
    tokyo = BusinessCalendar(
        "Asia/Tokyo", WorkingHours.from_mapping({**hours, "fri": ("09:30-16:00",)})
    )
    thursday = pendulum.datetime(2026, 11, 5, 17, tz="Asia/Tokyo")
    assert tokyo.add_working_days(thursday, 1) == pendulum.datetime(
        2026, 11, 6, 16, tz="Asia/Tokyo"
    )


@pytest.mark.parametrize(
    ("start", "days", "message"),
    [
        (dt.date(2026, 1, 5), 1.5, "whole number"),
        (dt.date(2026, 1, 5), True, "whole number"),
        (pendulum.datetime(2026, 1, 5, 10), -1, "0 or more working days after an instant"),
        ("2026-01-05", 1, "a date or an aware datetime"),
    ],
)
def test_bad_arguments_are_refused_with_what_is_allowed(
    start: object, days: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        SHANGHAI.add_working_days(start, days)  # type: ignore[call-overload]
