"""The shape every workflow's aggregate follows, written once.

- An aggregate is a frozen attrs class with ``id``, ``version`` (the number of events
  applied), ``status`` (a state of its machine) and ``next_deadline`` (the earliest
  instant at which one of its timers fires, or ``None``).
- A command is a pure function ``(aggregate, command arguments, now) -> Decision``: the
  new aggregate plus the events that explain the change. It never mutates its input.
- ``apply(aggregate_or_None, event) -> aggregate`` is the only code that changes state.
  Commands build their result by applying their own events (:func:`decide`), so the
  live aggregate and one rebuilt from history (:func:`rebuild`) can never disagree, and
  rebuilding needs no state-machine engine: events are facts, not requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, Protocol, TypeVar

import attrs
import pendulum

from clientflow.core.errors import ValidationError
from clientflow.core.events import DomainEvent

__all__ = ["Aggregate", "Apply", "Decision", "decide", "rebuild"]


class Aggregate(Protocol):
    """What the engine and stores need to know of any aggregate."""

    @property
    def id(self) -> str:
        """Unique id across every aggregate kind."""
        ...

    @property
    def version(self) -> int:
        """How many events have been applied (0 before the first)."""
        ...

    @property
    def status(self) -> str:
        """The current state's id in the workflow's machine."""
        ...

    @property
    def next_deadline(self) -> pendulum.DateTime | None:
        """The earliest instant at which one of its timers fires, or ``None``."""
        ...


A = TypeVar("A", bound=Aggregate)
Apply = Callable[[A | None, DomainEvent], A]
"""``apply(aggregate_or_None, event) -> aggregate``; ``None`` before the first event."""


@attrs.frozen
class Decision(Generic[A]):
    """What a command decided: the new aggregate and the events, oldest first."""

    aggregate: A
    events: tuple[DomainEvent, ...]


def _check_next(current: Aggregate | None, event: DomainEvent) -> None:
    expected = 1 if current is None else current.version + 1
    if event.aggregate_version != expected or (
        current is not None and event.aggregate_id != current.id
    ):
        raise ValidationError(
            "event",
            f"version {expected} of {current.id if current else event.aggregate_id!r}",
            got=f"{event.event_type} for {event.aggregate_id}@{event.aggregate_version}",
        )


def decide(apply: Apply[A], current: A | None, *events: DomainEvent) -> Decision[A]:
    """Apply a command's events to ``current`` and return the decision.

    Each event must continue the stream: the first after ``current`` has version
    ``current.version + 1`` and the same aggregate id.
    """
    if not events:
        if current is None:
            raise ValidationError("events", "at least one event to create an aggregate")
        return Decision(current, ())
    state: A | None = current
    for event in events:
        _check_next(state, event)
        state = apply(state, event)
    assert state is not None  # at least one event was applied
    return Decision(state, events)


def rebuild(apply: Apply[A], history: Iterable[DomainEvent]) -> A:
    """Fold a whole history, oldest first, into the aggregate it describes.

    Raises ``ValidationError`` on an empty history or one with a gap or foreign event.
    """
    state: A | None = None
    expected = 1
    for event in history:
        # _check_next's test, inlined: this loop runs once per event of every rebuild.
        if event.aggregate_version != expected or (
            state is not None and event.aggregate_id != state.id
        ):
            _check_next(state, event)
        state = apply(state, event)
        expected = state.version + 1
    if state is None:
        raise ValidationError("history", "at least one event")
    return state
