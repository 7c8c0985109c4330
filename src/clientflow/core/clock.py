"""Where "now" comes from: the one port through which the engine reads time.

Domain code never calls a clock; it takes ``now`` as an argument. The engine asks a
:class:`Clock`, so tests and simulations can drive time with :class:`ManualClock`.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Protocol, runtime_checkable

import pendulum

from clientflow.core.errors import ValidationError
from clientflow.core.instants import to_utc, validate_duration

__all__ = ["Clock", "ManualClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Contract: ``now()`` returns an aware UTC pendulum DateTime that never goes back."""

    def now(self) -> pendulum.DateTime:
        """The current instant, in UTC."""
        ...


class SystemClock:
    """The machine's wall clock, in UTC."""

    def now(self) -> pendulum.DateTime:
        """The current instant, in UTC."""
        return pendulum.now(pendulum.UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that moves only when told to: for tests, simulations and replays.

    >>> clock = ManualClock(pendulum.datetime(2026, 1, 5, 9))
    >>> clock.advance(pendulum.duration(hours=2)).to_iso8601_string()
    '2026-01-05T11:00:00Z'
    """

    def __init__(self, start: dt.datetime) -> None:
        self._now = to_utc(start, "start")
        self._lock = threading.Lock()

    def now(self) -> pendulum.DateTime:
        """The instant the clock was last set or advanced to."""
        return self._now

    def advance(self, by: dt.timedelta) -> pendulum.DateTime:
        """Move forward by a non-negative duration and return the new instant."""
        validate_duration(by, "by")
        with self._lock:
            self._now = to_utc(self._now + by)
            return self._now

    def set(self, instant: dt.datetime) -> pendulum.DateTime:
        """Jump to ``instant``; a clock never goes back, so it must not be earlier."""
        new = to_utc(instant, "instant")
        with self._lock:
            if new < self._now:
                raise ValidationError(
                    "instant", f"an instant at or after {self._now.isoformat()}", got=new
                )
            self._now = new
            return new

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"
