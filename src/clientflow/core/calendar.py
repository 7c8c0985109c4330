"""Business time: working hours in a time zone, minus holidays, plus make-up working days.

A :class:`BusinessCalendar` answers "when will 16 working hours have passed after this
instant?" (:meth:`~BusinessCalendar.add`) and "how much working time lies between these
two instants?" (:meth:`~BusinessCalendar.elapsed`), exactly, to the microsecond.

How it stays exact and fast: the calendar expands its shifts, month by month (only the
months asked about, so a first use costs well under a millisecond), into one
sorted list of working intervals in UTC microseconds, with a running total of working
time before each interval. ``elapsed`` is then a difference of two binary searches and
``add`` a binary search on the running total, so a span of weeks costs the same as a
span of minutes. Shifts are local wall-clock times; converting each one to UTC on its
own day is what makes DST days come out right (a 00:00-08:00 shift on the night clocks
spring forward is 7 real hours). A shift that starts in a DST gap starts at the
pre-gap offset, i.e. later (as RFC 5545 does); one in a repeated hour starts at its
first occurrence.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import ItemsView, Iterable, Set
from typing import Protocol, overload

import attrs
import holidays
import pendulum

from clientflow.core.errors import ValidationError
from clientflow.core.hours import WEEKDAYS, Shift, WorkingHours
from clientflow.core.instants import (
    FIRST_YEAR,
    LAST_YEAR,
    duration_micros,
    from_micros,
    to_micros,
    to_utc,
    validate_duration,
    zone,
)
from clientflow.core.spans import BusinessSpan, WorkingDays

__all__ = ["BusinessCalendar"]

_LAST_YEAR = LAST_YEAR + 1  # a deadline may fall just past the last accepted year
_FIRST_MONTH = (FIRST_YEAR - 1) * 12  # months are counted as year * 12 + month - 1
_LAST_MONTH = _LAST_YEAR * 12 + 11
_CACHED_MONTHS = 60 * 12  # a wider span is built for the one query and not kept


_DAY = 24 * 3600 * 1_000_000
_TWO_MONTHS = 62 * _DAY
# The instants to_utc accepts, as microseconds (their years are read in their own offset).
_EARLIEST = -_DAY
_LATEST = (dt.date(LAST_YEAR + 1, 1, 1) - dt.date(1970, 1, 1)).days * _DAY + _DAY
_NO_TIME = dt.timedelta(0)
_EPOCH = dt.datetime(1970, 1, 1)


def _month(t: int) -> int:
    """The UTC month (``year * 12 + month - 1``) of an instant in UTC microseconds."""
    day = _EPOCH + dt.timedelta(microseconds=t)
    return day.year * 12 + day.month - 1


def _first_day(month: int) -> dt.date:
    return dt.date(month // 12, month % 12 + 1, 1)


def _last_day(month: int) -> dt.date:
    if month % 12 == 11:
        return dt.date(month // 12, 12, 31)
    return _first_day(month + 1) - dt.timedelta(days=1)


class _HolidayDates(Protocol):
    @property
    def weekend_workdays(self) -> Set[dt.date]: ...

    def __contains__(self, key: object) -> bool: ...

    def items(self) -> ItemsView[dt.date, str]: ...

    def get(self, key: dt.date) -> str | None: ...


def _dates(value: Iterable[dt.date]) -> frozenset[dt.date]:
    return frozenset(value)


def _check_dates(field: str, value: frozenset[dt.date]) -> None:
    for day in value:
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            raise ValidationError(field, "calendar dates (datetime.date, not datetime)", got=day)


def _hours(value: WorkingHours | str | Iterable[str]) -> WorkingHours:
    if isinstance(value, WorkingHours):
        return value
    if isinstance(value, str):
        return WorkingHours.weekdays(value)
    return WorkingHours.weekdays(*value)


@attrs.frozen(eq=False)
class _Index:
    """Working intervals for whole local months ``first..last``, with running totals.

    Months are counted as ``year * 12 + month - 1``.
    """

    first: int
    last: int
    lo: int  # local midnight opening month ``first``, in UTC microseconds
    hi: int  # local midnight closing month ``last``
    starts: list[int]
    ends: list[int]
    before: list[int]  # working time before each interval
    through: list[int]  # working time up to each interval's end
    holidays: _HolidayDates | None
    days: list[int]  # the working days of months ``first..last``, as date ordinals

    def position(self, t: int) -> int:
        """Working time from the index's origin up to ``t`` (which must be covered)."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        return self.before[i] + min(t, self.ends[i]) - self.starts[i]


class _IndexCache:
    """Holds the current index; replaced whole, so readers never see a half-built one.

    Also the calendar's holidays, built once and grown a year at a time under the lock
    (the ``holidays`` package adds a year's dates when first asked about them).
    """

    def __init__(self) -> None:
        self.index: _Index | None = None
        self.lock = threading.Lock()
        self.holidays: _HolidayDates | None = None
        self.years: set[int] = set()
        self.last_elapsed: tuple[int, int, dt.timedelta] = (0, 0, dt.timedelta(0))
        # The calendar's zone, held: the standard library keeps only the last few zones
        # strongly, and pendulum its own only while an instant in it lives, so
        # `in_timezone(name)` would re-read the zone file (~90 us) now and then.
        self.zone: dt.tzinfo = dt.UTC
        self.pendulum_zone: object = None


_COUNTRY = re.compile(r"[A-Z]{2,3}")
_SUBDIVISION = re.compile(r"[A-Za-z0-9]{1,10}")


def country_holidays(
    country: str, subdivision: str | None, years: Iterable[int], *, language: str | None = None
) -> _HolidayDates:
    """The ``holidays`` package's holidays of a country (and subdivision) in ``years``.

    Named in ``language`` when the package has it for that country (else its default).
    The code is checked first: the package looks codes up as attributes of its module,
    so an unchecked name such as ``"country_holidays"`` would reach unrelated functions.
    """
    if not isinstance(country, str) or not _COUNTRY.fullmatch(country):
        raise ValidationError(
            "country", "an ISO 3166 country code the holidays package knows, e.g. 'CN'", got=country
        )
    if subdivision is not None and (
        not isinstance(subdivision, str) or not _SUBDIVISION.fullmatch(subdivision)
    ):
        raise ValidationError("subdivision", "a subdivision code such as 'ENG'", got=subdivision)
    try:
        found: _HolidayDates = holidays.country_holidays(
            country, subdiv=subdivision, years=list(years), language=language
        )
    except (NotImplementedError, AttributeError, TypeError):
        # The package answers an unknown code with NotImplementedError, but a code that
        # names one of its other attributes (the constants MON, JAN, ...) fails inside it
        # with TypeError or AttributeError: all three mean "no such country".
        if subdivision is None:
            raise ValidationError(
                "country",
                "an ISO 3166 country code the holidays package knows, e.g. 'CN'",
                got=country,
            ) from None
        raise ValidationError(
            "subdivision",
            f"a subdivision of {country} the holidays package knows",
            got=subdivision,
        ) from None
    return found


@attrs.frozen
class BusinessCalendar:
    """Working time in one time zone: weekly shifts, public holidays and exceptions.

    - ``timezone``: IANA name; shifts are read in this zone's local time.
    - ``hours``: a :class:`WorkingHours`, or shift strings for Monday to Friday.
    - ``country`` / ``subdivision``: public holidays and make-up working days from the
      ``holidays`` package (``"CN"``, ``"US"`` with ``"NY"``, ``"GB"`` with ``"ENG"``...).
    - ``closed``: extra dates with no work (company retreat); ``extra_working``: extra
      dates with work. A day that works although its weekday has no shifts (a make-up
      day or an extra working date) uses the shifts of ``makeup_weekday`` (0 = Monday).

    >>> cal = BusinessCalendar("Asia/Shanghai", ("09:00-12:00", "13:00-18:00"), country="CN")
    >>> start = pendulum.datetime(2026, 9, 30, 17, tz="Asia/Shanghai")
    >>> cal.add(start, pendulum.duration(hours=2)).in_timezone("Asia/Shanghai")
    DateTime(2026, 10, 8, 10, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
    """

    timezone: str
    hours: WorkingHours = attrs.field(
        default=WorkingHours.weekdays("09:00-17:00"), converter=_hours
    )
    country: str | None = None
    subdivision: str | None = None
    closed: frozenset[dt.date] = attrs.field(default=frozenset(), converter=_dates)
    extra_working: frozenset[dt.date] = attrs.field(default=frozenset(), converter=_dates)
    makeup_weekday: int = 0
    _cache: _IndexCache = attrs.field(
        factory=_IndexCache, init=False, eq=False, hash=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        self._cache.zone = zone(self.timezone, "timezone")
        self._cache.pendulum_zone = pendulum.timezone(self.timezone)
        _check_dates("closed", self.closed)
        _check_dates("extra_working", self.extra_working)
        both = self.closed & self.extra_working
        if both:
            raise ValidationError(
                "extra_working", "dates that are not also in 'closed'", got=sorted(both)[0]
            )
        if not (isinstance(self.makeup_weekday, int) and 0 <= self.makeup_weekday <= 6):
            raise ValidationError(
                "makeup_weekday",
                "a weekday number, 0 (Monday) to 6 (Sunday)",
                got=self.makeup_weekday,
            )
        makeup_possible = self.country is not None or self.extra_working
        if makeup_possible and not self.hours.days[self.makeup_weekday]:
            raise ValidationError(
                "makeup_weekday",
                "a weekday that has shifts (its hours are used on make-up days)",
                got=WEEKDAYS[self.makeup_weekday],
            )
        if self.subdivision is not None and self.country is None:
            raise ValidationError(
                "subdivision", "no subdivision unless a country is given", got=self.subdivision
            )
        if self.country is not None:
            self._cache.holidays = self._holidays(self.country, range(0))

    # -- public queries -------------------------------------------------------------

    def add(self, start: dt.datetime, duration: dt.timedelta) -> pendulum.DateTime:
        """The instant at which ``duration`` of working time has passed after ``start``.

        The result is the earliest such instant, so it can be the very end of a shift
        (work resumes at the next shift's start). A zero duration returns ``start``.
        """
        if type(duration) is not dt.timedelta or duration < _NO_TIME:
            validate_duration(duration, "duration")
        start_us = to_micros(to_utc(start, "start"))
        return from_micros(self.add_micros(start_us, (duration_micros(duration),))[0])

    def add_each(
        self, start: dt.datetime, durations: Iterable[dt.timedelta]
    ) -> list[pendulum.DateTime]:
        """``[add(start, d) for d in durations]``, converting ``start`` only once.

        For the deadline and warning thresholds of one SLA clock, computed together.
        """
        start_us = to_micros(to_utc(start, "start"))
        amounts = []
        for d in durations:
            # A plain non-negative timedelta (what clientflow passes itself) is valid as it is.
            if type(d) is not dt.timedelta or d < _NO_TIME:
                validate_duration(d, "duration")
            amounts.append(duration_micros(d))
        return [from_micros(at) for at in self.add_micros(start_us, amounts)]

    def add_micros(self, start: int, amounts: Iterable[int]) -> list[int]:
        """:meth:`add_each` on UTC microseconds since the epoch: ``start`` plus each amount
        of working time (microseconds, >= 0), as microseconds.

        For callers that keep time as microseconds (SLA clocks add their deadline and
        thresholds in one pass): no instants or durations built or checked per amount.

        >>> cal = BusinessCalendar("UTC", ("09:00-17:00",))
        >>> monday_9 = 1_772_442_000_000_000  # 2026-03-02 09:00 UTC
        >>> hour = 3_600_000_000
        >>> tuple((t - monday_9) // hour for t in cal.add_micros(monday_9, [0, 9 * hour]))
        (0, 25)
        """  # noqa: D205
        if type(start) is not int or not _EARLIEST <= start <= _LATEST:
            raise ValidationError(
                "start",
                f"microseconds of an instant in the years {FIRST_YEAR} to {LAST_YEAR}",
                got=start,
            )
        amounts = list(amounts)
        for amount in amounts:
            if type(amount) is not int or amount < 0:
                raise ValidationError("amount", "microseconds of working time, >= 0", got=amount)
        found: list[int] = []
        # A working week is about a quarter of a calendar week: cover that far at once
        # (up to two months) rather than building the index twice.
        ahead = min(4 * max(amounts, default=0), _TWO_MONTHS)
        index = self._covering(start, start + ahead)
        base = index.position(start)  # the same for every amount while the index holds
        starts, before, through, hi = index.starts, index.before, index.through, index.hi
        for amount in amounts:
            if amount == 0:
                found.append(start)
                continue
            # Usually within the index: one search on the running totals.
            target = base + amount
            i = bisect_left(through, target)
            if i < len(starts):
                at = starts[i] + target - before[i]
                if at < hi:
                    found.append(at)
                    continue
            at, index = self._advance(index, start, amount)
            base = index.position(start)
            starts, before, through, hi = index.starts, index.before, index.through, index.hi
            found.append(at)
        return found

    def _advance(self, index: _Index, start_us: int, amount: int) -> tuple[int, _Index]:
        while True:
            target = index.position(start_us) + amount
            i = bisect_left(index.through, target)
            if i < len(index.starts):
                found = index.starts[i] + target - index.before[i]
                if found < index.hi:
                    return found, index
            # Not within the months expanded so far: expand further ahead, sized by the
            # working time a month holds, and search again on the bigger index.
            per_month = max(index.through[-1] if index.through else 0, 1) // (
                index.last - index.first + 1
            )
            ahead = index.last + 1 + (target - index.position(index.hi)) // max(per_month, 1)
            if ahead > _LAST_MONTH:
                raise ValidationError(
                    "duration",
                    f"an amount of working time that ends before the year {_LAST_YEAR}",
                    got=dt.timedelta(microseconds=amount),
                )
            index = self._expand(index.first, ahead)

    def elapsed(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time between two instants; zero when ``end`` is not after ``start``.

        A standard :class:`datetime.timedelta`, so the arithmetic people do with working
        time works (pendulum's ``Duration`` breaks ``//``, ``%`` and ``/`` by a timedelta):

        >>> cal = BusinessCalendar("UTC", ("09:00-17:00",))
        >>> monday, wednesday = pendulum.datetime(2026, 3, 2, 9), pendulum.datetime(2026, 3, 4, 13)
        >>> worked = cal.elapsed(monday, wednesday)
        >>> worked // dt.timedelta(hours=8), worked % dt.timedelta(hours=8)
        (2, datetime.timedelta(seconds=14400))
        >>> worked / dt.timedelta(hours=8)
        2.5
        """
        a = to_micros(to_utc(start, "start"))
        b = to_micros(to_utc(end, "end"))
        if b <= a:
            return dt.timedelta(0)
        # The clocks of one issue pause and resume together: each asks the same span.
        last = self._cache.last_elapsed
        if last[0] == a and last[1] == b:
            return last[2]
        index = self._covering(a, b)
        found = dt.timedelta(microseconds=index.position(b) - index.position(a))
        self._cache.last_elapsed = (a, b, found)  # replaced whole: readers see one answer
        return found

    def is_working_time(self, instant: dt.datetime) -> bool:
        """Whether ``instant`` falls inside a shift (a shift's end is already outside)."""
        t = to_micros(to_utc(instant))
        index = self._covering(t, t)
        i = bisect_right(index.starts, t) - 1
        return i >= 0 and t < index.ends[i]

    def next_working_time(self, instant: dt.datetime) -> pendulum.DateTime:
        """``instant`` itself if it is working time, else the start of the next shift."""
        return self._next_working(to_micros(to_utc(instant)), instant)

    def first_working_time(self, day: dt.date) -> pendulum.DateTime:
        """The first working time from the local midnight opening ``day`` on: the start
        of its first shift on a working day, else the next working day's.

        ``next_working_time`` of that midnight, without building the local instant (a
        reminder N working days before a date starts here).

        >>> cn = BusinessCalendar("Asia/Shanghai", ("09:00-12:00", "13:00-18:00"), country="CN")
        >>> cn.first_working_time(dt.date(2026, 10, 1)).in_timezone("Asia/Shanghai")
        DateTime(2026, 10, 8, 9, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
        """  # noqa: D205
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            raise ValidationError("day", "a calendar date (datetime.date)", got=day)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:  # as to_utc refuses the instant
            raise ValidationError(
                "day", f"a date in the years {FIRST_YEAR} to {LAST_YEAR}", got=day.isoformat()
            )
        midnight = _local(dt.datetime(day.year, day.month, day.day), 0, self._cache.zone)
        return self._next_working(midnight, day)

    def _next_working(self, t: int, asked: object) -> pendulum.DateTime:
        index = self._covering(t, t)
        while True:
            i = bisect_right(index.starts, t) - 1
            if i >= 0 and t < index.ends[i]:
                return from_micros(t)
            if i + 1 < len(index.starts) and index.starts[i + 1] < index.hi:
                return from_micros(index.starts[i + 1])
            if index.last >= _LAST_MONTH:
                raise ValidationError("instant", "an instant with working time after it", got=asked)
            index = self._expand(index.first, min(index.last + 12, _LAST_MONTH))

    def is_working_day(self, day: dt.date) -> bool:
        """Whether any shift starts on this local date."""
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            raise ValidationError("day", "a calendar date (datetime.date)", got=day)
        month = day.year * 12 + day.month - 1
        days = self._expand(month, month).days
        o = day.toordinal()
        i = bisect_left(days, o)
        return i < len(days) and days[i] == o

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day after ``day``."""
        return self._working_day_from(day, 1)

    def previous_working_day(self, day: dt.date) -> dt.date:
        """The last working day before ``day``."""
        return self._working_day_from(day, -1)

    @overload
    def add_working_days(self, start: dt.datetime, days: int) -> pendulum.DateTime: ...

    @overload
    def add_working_days(self, start: dt.date, days: int) -> dt.date: ...

    def add_working_days(
        self, start: dt.date | dt.datetime, days: int
    ) -> dt.date | pendulum.DateTime:
        """``days`` working days after ``start`` (before it, for a date and ``days < 0``).

        For a date: the ``days``-th working day after it (make-up days count, holidays
        do not; 0 gives the day itself if it is a working day, else the next one). For
        an instant (``days >= 0``), "within N working days" as people mean it: from
        inside working time, the same local time N working days later (kept within that
        day's working hours); from outside it, the end of the N-th working day,
        counting the day work next resumes as the first.

        >>> cn = BusinessCalendar("Asia/Shanghai", ("09:00-12:00", "13:00-18:00"), country="CN")
        >>> cn.add_working_days(dt.date(2026, 9, 30), 1)  # National Day week, make-up Sat 10
        datetime.date(2026, 10, 8)
        >>> cn.add_working_days(pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai"), 1)
        DateTime(2026, 10, 8, 2, 0, 0, tzinfo=Timezone('UTC'))
        >>> cn.add_working_days(pendulum.datetime(2026, 10, 3, 20, tz="Asia/Shanghai"), 1)
        DateTime(2026, 10, 8, 10, 0, 0, tzinfo=Timezone('UTC'))
        """
        if isinstance(days, bool) or not isinstance(days, int):
            raise ValidationError("days", "a whole number of working days", got=days)
        if isinstance(start, dt.datetime):
            return self._add_days_to_instant(start, days)
        if not isinstance(start, dt.date):
            raise ValidationError("start", "a date or an aware datetime", got=start)
        if days == 0:
            return start if self.is_working_day(start) else self.next_working_day(start)
        return self._working_day_from(start, days)

    def _add_days_to_instant(self, start: dt.datetime, days: int) -> pendulum.DateTime:
        if days < 0:
            raise ValidationError("days", "0 or more working days after an instant", got=days)
        instant = to_utc(start, "start")
        local = instant.in_timezone(self.timezone)
        if self.is_working_time(instant):
            target = self.add_working_days(local.date(), days)
            first, last = self._day_span(target)
            same_time = to_micros(
                dt.datetime.combine(target, local.time()).replace(tzinfo=self._cache.zone)
            )
            return from_micros(min(max(same_time, first), last))
        resumes = self.next_working_time(instant)
        if days == 0:
            return resumes
        day = resumes.in_timezone(self.timezone).date()
        target = self.add_working_days(day, days - 1)
        return from_micros(self._day_span(target)[1])

    def _day_span(self, day: dt.date) -> tuple[int, int]:
        """The start of a working day's first shift and the end of its last, as micros."""
        month = day.year * 12 + day.month - 1
        shifts = self._shifts_on(day, self._expand(month, month).holidays)
        midnight = dt.datetime(day.year, day.month, day.day)
        tz = self._cache.zone
        return (
            min(_local(midnight, shift.start, tz) for shift in shifts),
            max(_local(midnight, shift.end, tz) for shift in shifts),
        )

    def span(self, start: dt.datetime, amount: BusinessSpan) -> dt.timedelta:
        """The business time ``amount`` covers from ``start``: hours as they are, working
        days as the working time until :meth:`add_working_days` ends them.

        >>> cal = BusinessCalendar("UTC", ("09:00-17:00",))
        >>> cal.span(pendulum.datetime(2026, 3, 6, 15), WorkingDays(1))  # Friday 15:00
        datetime.timedelta(seconds=28800)
        >>> cal.span(pendulum.datetime(2026, 3, 7, 10), WorkingDays(1))  # Saturday
        datetime.timedelta(seconds=28800)
        """  # noqa: D205
        if isinstance(amount, WorkingDays):
            return self.elapsed(start, self.add_working_days(start, amount.days))
        return validate_duration(amount, "duration")

    def working_days_between(self, start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> int:
        """Working days from ``start`` up to but not including ``end`` (negative if
        ``end`` comes first); instants count by their local date.

        >>> cn = BusinessCalendar("Asia/Shanghai", ("09:00-18:00",), country="CN")
        >>> cn.working_days_between(dt.date(2026, 9, 28), dt.date(2026, 10, 12))  # + Sat 10
        6
        """  # noqa: D205
        a, b = self._local_date(start, "start"), self._local_date(end, "end")
        if b < a:
            return -self.working_days_between(b, a)
        return sum(self.is_working_day(a + dt.timedelta(days=n)) for n in range((b - a).days))

    def _local_date(self, value: dt.date | dt.datetime, field: str) -> dt.date:
        if isinstance(value, dt.datetime):
            return to_utc(value, field).in_timezone(self.timezone).date()
        if not isinstance(value, dt.date):
            raise ValidationError(field, "a date or an aware datetime", got=value)
        return value

    def unpublished_years(self, start: dt.date, end: dt.date) -> tuple[int, ...]:
        """Years from ``start`` to ``end`` for which the country's make-up working days
        (调休) are not published in the ``holidays`` package yet.

        Countries that move weekends to working days (China) publish them a year at a
        time; until then every weekend of the year counts as rest. A country whose data
        has no make-up days near these years does not use them (nothing to wait for),
        and a year with make-up days added by hand (``extra_working`` on a weekend)
        counts as known.

        >>> cn = BusinessCalendar("Asia/Shanghai", country="CN")
        >>> cn.unpublished_years(dt.date(2026, 1, 1), dt.date(2030, 12, 31))[:2]
        (2027, 2028)
        >>> BusinessCalendar("Europe/London", country="GB").unpublished_years(
        ...     dt.date(2026, 1, 1), dt.date(2027, 12, 31))
        ()
        """  # noqa: D205
        if self.country is None or end < start:
            return ()
        years = range(start.year - 3, end.year + 1)
        known = {day.year for day in self._holidays(self.country, years).weekend_workdays}
        known |= {day.year for day in self.extra_working if day.weekday() >= 5}
        if not known:
            return ()  # this country does not work on weekends in exchange for holidays
        return tuple(year for year in range(start.year, end.year + 1) if year not in known)

    # -- expansion --------------------------------------------------------------------

    def _working_day_from(self, day: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``day`` (before it, for ``count < 0``).

        One binary search on the index's working days when the answer lies within the
        months it covers (a reminder days or weeks ahead); else day by day.
        """
        plain = dt.date(day.year, day.month, day.day)  # cheap arithmetic (see below)
        o = plain.toordinal()
        month = plain.year * 12 + plain.month - 1
        index = self._cache.index
        if index is None or not index.first <= month <= index.last:
            index = self._expand(month, month)
        months = 1 + abs(count) // 10  # a month has about 20 working days: room for half
        for _ in range(2):
            days = index.days
            i = bisect_right(days, o) + count - 1 if count > 0 else bisect_left(days, o) + count
            if 0 <= i < len(days):
                found = dt.date.fromordinal(days[i])
                break
            # Not within the months indexed: widen once towards the answer, then try again.
            if count > 0:
                index = self._expand(index.first, min(index.last + months, _LAST_MONTH))
            else:
                index = self._expand(max(index.first - months, _FIRST_MONTH), index.last)
        else:  # few working days about (or none): day by day, as far as it takes
            found = plain
            for _ in range(abs(count)):
                found = self._step_working_day(found, 1 if count > 0 else -1)
        if type(day) is dt.date:
            return found
        if type(day) is pendulum.Date:  # its arithmetic costs ~10 us; its constructor does not
            return pendulum.Date(found.year, found.month, found.day)
        return day + (found - plain)  # the caller's date type

    def _step_working_day(self, day: dt.date, step: int) -> dt.date:
        # Stepped on a plain date (a pendulum Date's arithmetic costs ~10 us a day), the
        # month's index looked up once per month rather than once per day.
        plain = dt.date(day.year, day.month, day.day)
        month, index = -1, None
        for offset in range(1, 3 * 366):
            candidate = plain + dt.timedelta(days=step * offset)
            if candidate.year * 12 + candidate.month - 1 != month:
                month = candidate.year * 12 + candidate.month - 1
                index = self._expand(month, month)
            assert index is not None  # set on the first day
            if self._shifts_on(candidate, index.holidays):
                if type(day) is dt.date:
                    return candidate
                return day + dt.timedelta(days=step * offset)  # the caller's date type
        raise ValidationError("day", "a date with a working day within three years of it", got=day)

    def _shifts_on(self, day: dt.date, hols: _HolidayDates | None) -> tuple[Shift, ...]:
        if day in self.closed:
            return ()
        regular = self.hours.days[day.weekday()]
        if day in self.extra_working:
            return regular or self.hours.days[self.makeup_weekday]
        if hols is not None:
            if day in hols.weekend_workdays:
                return regular or self.hours.days[self.makeup_weekday]
            if day in hols:
                return ()
        return regular

    def _holidays(self, country: str, years: Iterable[int]) -> _HolidayDates:
        return country_holidays(country, self.subdivision, years)

    def _covering(self, a: int, b: int) -> _Index:
        index = self._cache.index
        if index is not None and index.lo <= a and b < index.hi:
            return index
        # Local time is within a day of UTC, so the UTC months of a day earlier and a
        # day later contain the local months.
        return self._expand(_month(a - _DAY), _month(b + _DAY))

    def _expand(self, first: int, last: int) -> _Index:
        with self._cache.lock:
            index = self._cache.index
            if index is not None:
                if index.first <= first and last <= index.last:
                    return index
                wider = min(first, index.first), max(last, index.last)
                if wider[1] - wider[0] <= _CACHED_MONTHS:
                    first, last = wider
            index = self._build(max(first, _FIRST_MONTH), min(last, _LAST_MONTH))
            if last - first <= _CACHED_MONTHS:
                self._cache.index = index
            return index

    def _build(self, first: int, last: int) -> _Index:
        tz = self._cache.zone
        opening = _first_day(first)
        spans: list[tuple[int, int]] = []
        # Start a day early: a shift crossing midnight into the 1st belongs to the range.
        day = opening - dt.timedelta(days=1) if opening.year > 1 else opening
        stop = _last_day(last)
        hols = None
        if self.country is not None:
            hols = self._holidays_for(range(day.year, stop.year + 1))
        one_day = dt.timedelta(days=1)
        days: list[int] = []
        while day <= stop:
            shifts = self._shifts_on(day, hols)
            if shifts:
                if day >= opening:
                    days.append(day.toordinal())
                midnight = dt.datetime(day.year, day.month, day.day)
                for shift in shifts:
                    begin = _local(midnight, shift.start, tz)
                    end = _local(midnight, shift.end, tz)
                    if end > begin:
                        spans.append((begin, end))
            day += one_day
        spans.sort()
        starts: list[int] = []
        ends: list[int] = []
        for begin, end in spans:
            # Shifts of neighbouring days can touch or overlap (an extra working day
            # after a night shift): merge them so no time is counted twice.
            if ends and begin <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(begin)
                ends.append(end)
        before: list[int] = []
        through: list[int] = []
        total = 0
        for begin, end in zip(starts, ends, strict=True):
            before.append(total)
            total += end - begin
            through.append(total)
        lo = _local(dt.datetime(opening.year, opening.month, 1), 0, tz)
        hi = (
            _local(dt.datetime(stop.year, stop.month, stop.day), 24 * 60, tz)
            if stop.year < 9999
            else to_micros(dt.datetime.max.replace(tzinfo=dt.UTC))
        )
        return _Index(first, last, lo, hi, starts, ends, before, through, hols, days)

    def _holidays_for(self, years: range) -> _HolidayDates:
        """The calendar's holidays with ``years`` filled in (called under the lock).

        The package fills in a year's holidays (observed days included) within that
        year only, so the years of the days looked at are all that is needed.
        """
        assert self.country is not None  # only called when there is one
        hols = self._cache.holidays
        if hols is None:
            hols = self._cache.holidays = self._holidays(self.country, range(0))
        for year in years:
            if year not in self._cache.years:
                _ = dt.date(year, 1, 1) in hols  # the package fills in a year when asked
                self._cache.years.add(year)
        return hols


def _local(midnight: dt.datetime, minutes: int, tz: dt.tzinfo) -> int:
    # fold=0: a time in a DST gap takes the pre-gap offset (so it moves later) and a
    # repeated time is its first occurrence; both as RFC 5545 prescribes.
    local = (midnight + dt.timedelta(minutes=minutes)).replace(tzinfo=tz)
    return to_micros(local)
