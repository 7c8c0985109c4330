"""Working hours: the shifts a team works on each weekday, in local wall-clock time."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise

import attrs

from clientflow.core.errors import ValidationError

__all__ = ["WEEKDAYS", "Shift", "WorkingHours"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY = 24 * 60
_SHIFT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@attrs.frozen(order=True)
class Shift:
    """One stretch of work, in minutes after local midnight of the day it starts.

    ``end`` may pass 1440 for a shift that crosses midnight; a shift lasts more than
    0 minutes and at most 24 hours.

    >>> Shift.parse("22:00-06:00")
    Shift(start=1320, end=1800)
    >>> str(Shift.parse("09:00-12:30"))
    '09:00-12:30'
    """

    start: int
    end: int

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.start < _DAY or not self.start < self.end <= self.start + _DAY:
            raise ValidationError(
                "shift",
                "a start in [00:00, 24:00) and an end after it, at most 24 hours later",
                got=(self.start, self.end),
            )

    @classmethod
    def parse(cls, text: str, field: str = "shift") -> Shift:
        """Parse ``"HH:MM-HH:MM"``; an end at or before the start crosses midnight."""
        match = _SHIFT.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValidationError(
                field, "a shift written 'HH:MM-HH:MM', e.g. '09:00-17:30'", got=text
            )
        sh, sm, eh, em = (int(part) for part in match.groups())
        if sh > 23 or sm > 59 or eh > 24 or em > 59 or (eh == 24 and em):
            raise ValidationError(field, "times from 00:00 to 24:00", got=text)
        start, end = sh * 60 + sm, eh * 60 + em
        if end <= start:
            end += _DAY
        return cls(start, end)

    @property
    def minutes(self) -> int:
        """Length of the shift in wall-clock minutes (DST days may differ in real time)."""
        return self.end - self.start

    def __str__(self) -> str:
        end = self.end if self.end <= _DAY else self.end - _DAY
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _shifts(value: Iterable[Shift | str], field: str) -> tuple[Shift, ...]:
    if isinstance(value, str | Shift):
        value = [value]
    shifts = sorted(s if isinstance(s, Shift) else Shift.parse(s, field) for s in value)
    for earlier, later in pairwise(shifts):
        if later.start < earlier.end:
            raise ValidationError(field, "shifts that do not overlap", got=f"{earlier} and {later}")
    return tuple(shifts)


@attrs.frozen
class WorkingHours:
    """The shifts worked on each weekday, Monday first.

    >>> hours = WorkingHours.weekdays("09:00-12:00", "13:00-18:00")
    >>> tuple(len(day) for day in hours.days)
    (2, 2, 2, 2, 2, 0, 0)
    >>> WorkingHours.from_mapping({"mon": "22:00-06:00"}).days[0]
    (Shift(start=1320, end=1800),)
    """

    days: tuple[tuple[Shift, ...], ...]

    def __attrs_post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValidationError(
                "hours", "shifts for exactly 7 weekdays, Monday first", got=len(self.days)
            )
        if not any(self.days):
            raise ValidationError("hours", "at least one shift in the week")
        for index, shifts in enumerate(self.days):
            following = self.days[(index + 1) % 7]
            if shifts and following and shifts[-1].end - _DAY > following[0].start:
                raise ValidationError(
                    f"hours.{WEEKDAYS[index]}",
                    f"a shift that ends before {WEEKDAYS[(index + 1) % 7]}'s first shift starts",
                    got=str(shifts[-1]),
                )

    @classmethod
    def weekdays(cls, *shifts: Shift | str) -> WorkingHours:
        """The same shifts Monday to Friday, nothing at the weekend."""
        day = _shifts(shifts, "hours")
        return cls((day,) * 5 + ((), ()))

    @classmethod
    def always(cls) -> WorkingHours:
        """Round the clock, every day (24/7 support)."""
        return cls(((Shift(0, _DAY),),) * 7)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Sequence[Shift | str] | str]) -> WorkingHours:
        """Build from ``{"mon": ["09:00-12:00", "13:00-18:00"], ...}``; missing days are off."""
        unknown = sorted(set(mapping) - set(WEEKDAYS))
        if unknown:
            raise ValidationError(
                f"hours.{unknown[0]}", f"a weekday key, one of {', '.join(WEEKDAYS)}"
            )
        return cls(tuple(_shifts(mapping.get(day, ()), f"hours.{day}") for day in WEEKDAYS))

    def weekly_minutes(self) -> int:
        """Working minutes in a regular week (wall clock)."""
        return sum(shift.minutes for day in self.days for shift in day)
