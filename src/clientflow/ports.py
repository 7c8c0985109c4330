"""The ports: what the engine needs from storage, time and notification.

Adapters live in :mod:`clientflow.storage`; host applications may write their own and
prove it with the contract in :mod:`clientflow.testing`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

import attrs
import pendulum

from clientflow.core import Aggregate, Clock, Codec, DomainEvent

__all__ = ["Clock", "Commit", "Notifier", "Store", "StoredEvent"]


@attrs.frozen
class StoredEvent:
    """An event with its position in the store's global feed (1, 2, 3... without gaps)."""

    position: int
    event: DomainEvent


@attrs.frozen
class Commit:
    """One atomic save: the new aggregate and the events that produced it.

    ``expected_version`` is the version the command was decided on (0 for a new
    aggregate); the store refuses the commit if it holds another. ``idempotency_key``,
    if given, is recorded in the same transaction, so a retried command is seen.
    """

    aggregate: Aggregate
    events: tuple[DomainEvent, ...]
    expected_version: int
    idempotency_key: str | None = None


@runtime_checkable
class Store(Protocol):
    """Contract every store keeps (checked by :class:`clientflow.testing.StoreContract`).

    - ``save`` is atomic: the aggregate, its events, their feed positions and the
      idempotency key are all written, or nothing is. A commit whose
      ``expected_version`` is not the stored version raises ``ConcurrencyError``; a
      reused idempotency key raises ``DuplicateCommand``.
    - ``feed`` positions are consecutive and appear to readers in order: a reader that
      has seen position *n* has seen every position before it.
    - ``due`` and ``claim_due`` use an index on ``next_deadline``, never a scan.
    - Driver errors never escape: they are re-raised as ``StoreError``.
    """

    @property
    def codec(self) -> Codec:
        """The workflow kinds this store holds, and their serialisation."""
        ...

    def load(self, aggregate_id: str) -> Aggregate | None:
        """The current aggregate, or ``None`` if there is none with this id."""
        ...

    def save(self, commit: Commit) -> None:
        """Write a commit atomically against its expected version."""
        ...

    def history(self, aggregate_id: str) -> Sequence[DomainEvent]:
        """Every event of one aggregate, oldest first (empty if unknown)."""
        ...

    def feed(self, after: int = 0, limit: int = 1000) -> Sequence[StoredEvent]:
        """Events of every aggregate with positions after ``after``, in order."""
        ...

    def due(self, at: pendulum.DateTime, limit: int = 1000) -> Sequence[str]:
        """Ids of aggregates whose ``next_deadline`` is at or before ``at``, earliest first."""
        ...

    def claim_due(
        self, at: pendulum.DateTime, *, lease: pendulum.Duration, limit: int = 1000
    ) -> Sequence[str]:
        """Like ``due``, but claims them until ``at + lease``.

        Concurrent sweepers get disjoint sets; a save of the aggregate releases its claim.
        """
        ...

    def recall(self, idempotency_key: str) -> tuple[str, int] | None:
        """``(aggregate id, version)`` saved under this key, or ``None``."""
        ...

    def cursor(self, name: str) -> int:
        """The last feed position a named consumer (e.g. the notifier) has processed."""
        ...

    def move_cursor(self, name: str, expected: int, to: int) -> bool:
        """Advance a cursor from ``expected`` to ``to``; ``False`` if someone else moved it."""
        ...

    def import_history(self, events: Iterable[DomainEvent]) -> int:
        """Bulk-load whole histories (oldest first per aggregate) into an empty id space.

        Aggregates are rebuilt from the events; returns the number of events written.
        """
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


@runtime_checkable
class Notifier(Protocol):
    """What the host implements to tell people (email, IM, webhooks).

    Delivery is at least once: after a crash an event may be offered again, always with
    the same ``event.event.event_id`` to de-duplicate on. Raise to stop delivery; the
    event and those after it are offered again on the next delivery.
    """

    def notify(self, event: StoredEvent) -> None:
        """Send whatever this event means to the people concerned."""
        ...
