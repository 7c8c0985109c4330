"""Spans of business time that are not a fixed number of hours: whole working days."""

from __future__ import annotations

import datetime as dt

import attrs

from clientflow.core.errors import N_, ValidationError

__all__ = ["MAX_WORKING_DAYS", "BusinessSpan", "WorkingDays"]

MAX_WORKING_DAYS = 2600
"""The most working days a span may hold (about ten years)."""


def _days(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WORKING_DAYS:
        raise ValidationError(
            "working_days",
            N_("a whole number of working days from 1 to {most}"),
            got=value,
            values={"most": MAX_WORKING_DAYS},
        )
    return value


@attrs.frozen
class WorkingDays:
    """N working days, as people promise them: "we resolve it within 2 working days".

    Not a number of hours: from inside working time it ends at the same local time N
    working days later; from outside it (a Saturday, the evening) at the end of the
    N-th working day (see :meth:`BusinessCalendar.add_working_days`). When a clock
    starts, :meth:`BusinessCalendar.span` turns it into the business time it covers from
    that instant, so pauses and warning thresholds work as for hours.

    >>> str(WorkingDays(2))
    '2 working days'
    """

    days: int = attrs.field(converter=_days)

    def __str__(self) -> str:
        return f"{self.days} working day{'s' if self.days != 1 else ''}"


BusinessSpan = dt.timedelta | WorkingDays
"""Business time as hours and minutes (a ``timedelta``) or as whole working days."""
