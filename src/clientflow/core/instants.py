"""Instants, durations and time zones, checked at the edge of every public call.

Every instant clientflow hands out is an aware :class:`pendulum.DateTime` in UTC. Naive
datetimes are rejected rather than guessed at (``pendulum.instance`` would silently
assume UTC). Hot paths work on integer microseconds since the Unix epoch, which are
exact, cheap to compare and what a database index stores well.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache

import pendulum

from clientflow.core.errors import N_, ValidationError

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "UTC",
    "duration_micros",
    "duration_of",
    "from_micros",
    "parse_instant",
    "to_micros",
    "to_utc",
    "validate_duration",
    "zone",
]

UTC = pendulum.UTC
FIRST_YEAR = 1970
"""The earliest year of an instant clientflow accepts (in its own offset)."""
LAST_YEAR = 2199
"""The latest year of an instant clientflow accepts; deadlines are computed up to here.

Bounding time keeps calendar work and memory bounded: the working time between two
accepted instants is found in well under a second, with a calendar cache of a few MB.
"""
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_SUB = dt.datetime.__sub__  # pendulum's own subtraction builds an Interval; 5x slower


def to_utc(value: object, name: str = "instant") -> pendulum.DateTime:
    """Return ``value`` as an aware pendulum DateTime in UTC.

    ``name`` is the argument name quoted in the error for a naive or non-datetime value.

    >>> to_utc(pendulum.datetime(2026, 1, 5, 9, tz="Asia/Shanghai"))
    DateTime(2026, 1, 5, 1, 0, 0, tzinfo=Timezone('UTC'))
    >>> to_utc(dt.datetime(2026, 1, 5, 9), "due")
    Traceback (most recent call last):
    ...
    clientflow.core.errors.ValidationError: due: expected a timezone-aware datetime ...
    """
    # What clientflow hands out itself is aware already: only the range is left to check.
    if (
        type(value) is pendulum.DateTime
        and value.tzinfo is UTC
        and FIRST_YEAR <= value.year <= LAST_YEAR
    ):
        return value
    if not isinstance(value, dt.datetime):
        raise ValidationError(name, "a timezone-aware datetime", got=value)
    try:
        # Subtracting the epoch asks the zone its offset once, in C; the fields less the
        # offset read in Python cost twice as much (pendulum's zones answer slowly).
        since = None if value.tzinfo is None else _SUB(value, _EPOCH)
    except TypeError:  # a tzinfo that gives no offset: naive after all
        since = None
    if since is None:
        raise ValidationError(
            name, "a timezone-aware datetime (naive datetimes are ambiguous)", got=value
        )
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            name, f"an instant in the years {FIRST_YEAR} to {LAST_YEAR}", got=value.isoformat()
        )
    if isinstance(value, pendulum.DateTime) and value.tzinfo is UTC:
        return value
    return _ADD(_UTC_EPOCH, since)


def to_micros(value: dt.datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact, no float)."""
    if value.tzinfo is UTC or value.tzinfo is dt.UTC:
        # Read from the fields: subtracting asks both zones their offset, and pendulum's
        # UTC answers in Python (4x the cost of this, on every instant clientflow keeps).
        # Inline, not _field_micros: a call more on every instant.
        days = _ORDINAL(value) - _EPOCH_ORDINAL
        minutes = (days * 24 + value.hour) * 60 + value.minute
        return minutes * 60_000_000 + value.second * 1_000_000 + value.microsecond
    delta = _SUB(value, _EPOCH)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _field_micros(value: dt.datetime) -> int:
    """Microseconds since the epoch of ``value``'s fields, read as UTC (its zone ignored)."""
    days = _ORDINAL(value) - _EPOCH_ORDINAL
    minutes = (days * 24 + value.hour) * 60 + value.minute
    return minutes * 60_000_000 + value.second * 1_000_000 + value.microsecond


_ORDINAL = dt.date.toordinal
_EPOCH_ORDINAL = _EPOCH.toordinal()


def from_micros(micros: int) -> pendulum.DateTime:
    """The UTC pendulum DateTime ``micros`` microseconds after the Unix epoch."""
    # Every deadline and threshold is built here: datetime's own addition (pendulum's
    # is Python) on a UTC pendulum epoch builds the instant in C, of the epoch's type and
    # zone, no zone asked; a third less than reading a naive sum's fields into the type.
    # One microsecond times ``micros`` is the timedelta without parsing arguments.
    return _ADD(_UTC_EPOCH, _MICROSECOND * micros)


_UTC_EPOCH = pendulum.DateTime(1970, 1, 1, tzinfo=UTC)
_ADD = dt.datetime.__add__


_MICROSECOND = dt.timedelta(microseconds=1)
_NO_TIME = dt.timedelta(0)
_FLOORDIV = dt.timedelta.__floordiv__


def duration_micros(value: dt.timedelta) -> int:
    """Exact length of a duration in microseconds.

    Read through ``timedelta`` itself: a negative pendulum ``Duration`` (the result of
    ``Duration(hours=4) - Duration(hours=6, minutes=30)``) reports ``days=-1`` *and*
    ``seconds=-9000``, so adding its ``days`` and ``seconds`` is off by a day.

    >>> duration_micros(pendulum.duration(hours=4) - pendulum.duration(hours=6, minutes=30))
    -9000000000
    """
    return _FLOORDIV(value, _MICROSECOND)


@lru_cache(maxsize=4096)
def duration_of(micros: int) -> pendulum.Duration:
    """The pendulum ``Duration`` of ``micros`` microseconds.

    Shared, since a ``Duration`` never changes: building one costs ~2 us (ten times a
    ``timedelta``), and SLA clocks build the same few targets over and over.

    >>> duration_of(14_400_000_000)
    Duration(hours=4)
    """
    return pendulum.Duration(microseconds=micros)


def parse_instant(text: str, name: str = "instant") -> pendulum.DateTime:
    """Parse an ISO 8601 instant that carries its offset, e.g. ``2026-01-05T09:00+08:00``.

    >>> parse_instant("2026-01-05T09:00+08:00")
    DateTime(2026, 1, 5, 1, 0, 0, tzinfo=Timezone('UTC'))
    """
    try:
        parsed = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValidationError(
            name, N_("an ISO 8601 date-time with an offset, e.g. 2026-01-05T09:00+08:00"), got=text
        ) from None
    if parsed.tzinfo is None:
        raise ValidationError(
            name, N_("an ISO 8601 date-time with an offset (Z or +HH:MM)"), got=text
        )
    return to_utc(parsed, name)


_ZONE = N_("an IANA time zone name such as 'Asia/Shanghai'")


def zone(name: object, field: str = "timezone") -> zoneinfo.ZoneInfo:
    """The IANA time zone called ``name``, or a ValidationError naming ``field``.

    The standard library keeps the zones it has read (the last few strongly); whoever
    uses one all the time holds it (a :class:`~clientflow.core.BusinessCalendar` holds
    its own, and the pendulum zone of the same name, so that pendulum reads it once).

    >>> zone("Europe/London")
    zoneinfo.ZoneInfo(key='Europe/London')
    """
    if not isinstance(name, str) or not name or len(name) > 64:
        raise ValidationError(field, _ZONE, got=name)
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a name that is a folder ("Europe") or too long for the file system.
        raise ValidationError(field, _ZONE, got=name) from None


def validate_duration(
    value: object, name: str = "duration", *, allow_zero: bool = True
) -> dt.timedelta:
    """Check a span of working time: a non-negative timedelta without months or years.

    Calendar units (months, years) have no fixed length, so they make no sense as an
    amount of working time and are rejected rather than approximated.

    >>> validate_duration(pendulum.duration(hours=-1), "target")
    Traceback (most recent call last):
    ...
    clientflow.core.errors.ValidationError: target: expected a duration >= 0, got ...
    """
    if not isinstance(value, dt.timedelta):
        raise ValidationError(
            name, "a duration (datetime.timedelta or pendulum.Duration)", got=value
        )
    if isinstance(value, pendulum.Duration) and (value.years or value.months):
        raise ValidationError(
            name,
            N_("a duration in weeks, days, hours or smaller units (not months or years)"),
            got=value,
        )
    if value < _NO_TIME or (not allow_zero and value == _NO_TIME):
        raise ValidationError(
            name, N_("a duration >= 0") if allow_zero else N_("a duration > 0"), got=value
        )
    return value
