"""Instants are aware and in UTC; durations are working-time amounts; zones are real."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientflow import (
    BusinessCalendar,
    ManualClock,
    SystemClock,
    ValidationError,
    parse_instant,
    to_utc,
)
from clientflow.core.instants import FIRST_YEAR, LAST_YEAR, from_micros, to_micros, zone


def test_aware_values_in_any_zone_become_utc() -> None:
    """A stdlib aware datetime and a pendulum one both come back as UTC pendulum."""
    value = dt.datetime(2026, 7, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert to_utc(value) == pendulum.datetime(2026, 7, 1, 1)
    assert to_utc(value).timezone_name == "UTC"


class _NoOffset(dt.tzinfo):
    """A zone that gives no offset: Python counts its datetimes as naive."""

    def utcoffset(self, _: dt.datetime | None) -> None:
        return None


@pytest.mark.parametrize(
    "bad",
    [
        dt.datetime(2026, 1, 1),
        dt.datetime(2026, 1, 1, tzinfo=_NoOffset()),
        "2026-01-01T00:00Z",
        dt.date(2026, 1, 1),
        None,
    ],
)
def test_naive_or_non_datetimes_are_rejected_by_name(bad: object) -> None:
    """The error names the argument that was wrong."""
    with pytest.raises(ValidationError) as caught:
        to_utc(bad, "due_at")
    assert caught.value.field == "due_at"


def test_parse_instant_requires_an_offset() -> None:
    """Text without an offset is ambiguous and refused (pendulum.parse would assume UTC)."""
    assert parse_instant("2026-01-05T09:00+08:00") == pendulum.datetime(2026, 1, 5, 1)
    assert parse_instant("2026-01-05T09:00Z") == pendulum.datetime(2026, 1, 5, 9)
    with pytest.raises(ValidationError, match="offset"):
        parse_instant("2026-01-05T09:00", "since")
    with pytest.raises(ValidationError, match="since"):
        parse_instant("next tuesday", "since")


def test_unknown_time_zone_is_named() -> None:
    """A misspelt zone is a ValidationError, not a ZoneInfoNotFoundError."""
    with pytest.raises(ValidationError, match=r"client\.timezone"):
        zone("Asia/Shangai", "client.timezone")
    with pytest.raises(ValidationError):
        zone("../etc/passwd")


@given(st.datetimes(timezones=st.just(dt.UTC)))
def test_micros_round_trip_exactly(value: dt.datetime) -> None:
    """Epoch microseconds convert back to the same instant, microsecond for microsecond."""
    assert from_micros(to_micros(value)) == value


@given(
    st.datetimes(
        min_value=dt.datetime(FIRST_YEAR, 1, 2),
        max_value=dt.datetime(LAST_YEAR, 12, 30),
        timezones=st.timezones(),
    )
)
def test_an_aware_instant_in_any_zone_is_the_same_instant_in_utc(value: dt.datetime) -> None:
    """Any zone and offset, folds and gaps included: the instant the zone's offset says, in
    pendulum's UTC. (Compared as microseconds: Python never calls an instant in a gap or
    fold equal to one in another zone.)"""
    found = to_utc(value)
    assert type(found) is pendulum.DateTime
    assert found.tzinfo is pendulum.UTC
    assert to_micros(found) == to_micros(value)
    assert found == value.astimezone(dt.UTC)


@given(
    st.integers(to_micros(pendulum.datetime(1, 1, 2)), to_micros(pendulum.datetime(9999, 12, 31)))
)
def test_from_micros_is_a_utc_pendulum_instant(micros: int) -> None:
    """What every deadline is built by: a pendulum DateTime in pendulum's own UTC (what
    ``to_utc`` takes as it is), with the fields of the epoch plus that many microseconds."""
    value = from_micros(micros)
    naive = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=micros)
    assert type(value) is pendulum.DateTime
    assert value.tzinfo is pendulum.UTC
    assert (value.replace(tzinfo=None), value.fold) == (naive, 0)
    assert to_micros(value) == micros


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))),
        dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-14))),
        pendulum.datetime(8999, 1, 1),
        pendulum.datetime(1969, 12, 31, 23, 59),
        pendulum.datetime(2200, 1, 1),
    ],
)
def test_instants_outside_the_horizon_are_refused_not_overflowed(value: dt.datetime) -> None:
    """Years outside FIRST_YEAR..LAST_YEAR are a ValidationError, never an OverflowError."""
    with pytest.raises(ValidationError, match="in the years 1970 to 2199"):
        to_utc(value, "now")


def test_working_time_across_the_whole_horizon_stays_bounded() -> None:
    """The widest span is computed (not cached), so a far instant cannot pin memory."""
    cal = BusinessCalendar("Asia/Shanghai", ("09:00-12:00", "13:00-18:00"), country="CN")
    cal.elapsed(pendulum.datetime(2026, 1, 1), pendulum.datetime(2026, 2, 1))
    wide = cal.elapsed(pendulum.datetime(FIRST_YEAR, 1, 1), pendulum.datetime(LAST_YEAR, 12, 1))
    assert wide > pendulum.duration(hours=8 * 250 * 200)
    kept = cal._cache.index
    assert kept is not None
    assert kept.last - kept.first < 10  # the cache still holds only the narrow span


def test_manual_clock_moves_only_forward() -> None:
    """A manual clock advances on demand and refuses to go back."""
    clock = ManualClock(pendulum.datetime(2026, 1, 5, 9, tz="Europe/London"))
    assert clock.now() == pendulum.datetime(2026, 1, 5, 9)
    clock.advance(dt.timedelta(hours=1))
    assert clock.set(pendulum.datetime(2026, 1, 6)) == pendulum.datetime(2026, 1, 6)
    with pytest.raises(ValidationError, match="at or after"):
        clock.set(pendulum.datetime(2026, 1, 5))
    with pytest.raises(ValidationError, match="by"):
        clock.advance(dt.timedelta(hours=-1))


def test_system_clock_is_aware_utc() -> None:
    """The wall clock is read in UTC."""
    now = SystemClock().now()
    assert now.timezone_name == "UTC"
    assert abs(now - pendulum.now("UTC")) < dt.timedelta(seconds=5)
