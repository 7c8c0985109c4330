"""The application service: run commands against a store, fire timers, deliver events.

The engine is the only code that touches a clock and a store; the workflows it runs stay
pure. It is a plain object: build one per store (see :func:`~clientflow.storage.open_store`).

>>> import pendulum
>>> from clientflow import Actor, ManualClock
>>> from clientflow.changes import kind, request_change
>>> from clientflow.core import Codec
>>> from clientflow.storage import MemoryStore
>>> engine = Engine(MemoryStore(Codec([kind(lambda change: None)])),
...                 clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
>>> anna = Actor("anna")
>>> result = engine.execute(Command("CR-1", lambda change, now: request_change(
...     "CR-1", project="apollo", title="SSO", description="", requester=anna, now=now)))
>>> result.aggregate.status, result.aggregate.version
('draft', 1)
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import attrs
import pendulum

from clientflow.core import (
    Aggregate,
    ClientflowError,
    Clock,
    ConcurrencyError,
    Decision,
    DomainEvent,
    DuplicateCommand,
    NotFound,
    SystemClock,
    ValidationError,
    to_utc,
)
from clientflow.ports import Commit, Notifier, Store, StoredEvent

__all__ = ["Command", "DeliveryReport", "Engine", "Result", "SweepReport"]

A = TypeVar("A", bound=Aggregate)


@attrs.frozen
class Command(Generic[A]):
    """A request to change one aggregate.

    ``decide(current_or_None, now)`` is a pure workflow command (e.g. a lambda calling
    :func:`clientflow.changes.submit`). On a version conflict the engine re-decides on
    the fresh aggregate, up to its retry limit, when ``retry_on_conflict`` is true:
    safe because the decision is recomputed and re-validated, never replayed blindly.
    Set it false when the command only makes sense on the exact version the user saw.
    ``idempotency_key`` makes a retried request (a double click, a redelivered webhook)
    apply once: the second gets the first one's result with ``duplicate=True``.
    """

    aggregate_id: str
    decide: Callable[[A | None, pendulum.DateTime], Decision[A]]
    idempotency_key: str | None = None
    retry_on_conflict: bool = True


@attrs.frozen
class Result(Generic[A]):
    """What a command did: the aggregate now, and the events it saved."""

    aggregate: A
    events: tuple[DomainEvent, ...]
    duplicate: bool = False


@attrs.frozen
class SweepReport:
    """What a sweep did.

    Events fired per aggregate, failures (id and reason), and aggregates skipped because
    another sweeper got there first.
    """

    fired: tuple[tuple[str, tuple[DomainEvent, ...]], ...]
    failed: tuple[tuple[str, str], ...]
    skipped: tuple[str, ...]


@attrs.frozen
class DeliveryReport:
    """How many events the notifier took, up to which feed position, and any error."""

    delivered: int
    position: int
    error: str | None = None


class Engine:
    """Runs commands and timers against one store, and feeds the notifier.

    ``max_retries`` bounds re-decisions after version conflicts. ``notifier``, if
    given, is fed after every successful command (errors there never fail the command:
    the events stay in the feed and are offered again by the next :meth:`deliver`).
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        notifier: Notifier | None = None,
        max_retries: int = 10,
        consumer: str = "notifier",
    ) -> None:
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.notifier = notifier
        self.max_retries = max_retries
        self.consumer = consumer

    def load(self, aggregate_id: str) -> Aggregate:
        """The current aggregate; ``NotFound`` if there is none."""
        found = self.store.load(aggregate_id)
        if found is None:
            raise NotFound("aggregate", aggregate_id)
        return found

    def execute(self, command: Command[Any]) -> Result[Any]:
        """Load, decide, save (atomically, version-checked) and publish one command."""
        key = command.idempotency_key
        if key is not None:
            done = self._duplicate(key)
            if done is not None:
                return done
        for attempt in range(self.max_retries + 1):
            current = self.store.load(command.aggregate_id)
            decision = command.decide(current, self.clock.now())
            if decision.aggregate.id != command.aggregate_id:
                raise ValidationError(
                    "command", f"a decision about {command.aggregate_id}", got=decision.aggregate.id
                )
            if not decision.events:
                return Result(decision.aggregate, ())
            expected = 0 if current is None else current.version
            try:
                self.store.save(Commit(decision.aggregate, decision.events, expected, key))
            except DuplicateCommand:
                done = self._duplicate(key or "")
                assert done is not None
                return done
            except ConcurrencyError:
                if current is None or not command.retry_on_conflict or attempt == self.max_retries:
                    raise
                # Jittered exponential back-off, so colliding writers stop colliding.
                time.sleep(random.uniform(0, min(0.05, 0.001 * 2**attempt)))
                continue
            if self.notifier is not None:
                self.deliver()
            return Result(decision.aggregate, decision.events)
        raise AssertionError("unreachable")  # pragma: no cover

    def _duplicate(self, key: str) -> Result[Any] | None:
        found = self.store.recall(key)
        if found is None:
            return None
        aggregate = self.load(found[0])
        return Result(aggregate, (), duplicate=True)

    def sweep(
        self,
        now: dt.datetime | None = None,
        *,
        limit: int = 1000,
        lease: dt.timedelta = dt.timedelta(minutes=5),
    ) -> SweepReport:
        """Fire every timer due by ``now`` (default: the clock), each exactly once.

        Due aggregates are claimed first, so concurrent sweepers split the work; each
        firing is saved against the version it was decided on, so even an aggregate two
        sweepers both reach fires once. One failing aggregate is reported and the rest go on.
        """
        at = self.clock.now() if now is None else to_utc(now, "now")
        span = pendulum.Duration(seconds=lease.total_seconds())
        fired: list[tuple[str, tuple[DomainEvent, ...]]] = []
        failed: list[tuple[str, str]] = []
        skipped: list[str] = []
        while True:
            claimed = self.store.claim_due(at, lease=span, limit=limit)
            if not claimed:
                break
            for aggregate_id in claimed:
                outcome = self._fire(aggregate_id, at)
                if isinstance(outcome, tuple):
                    fired.append((aggregate_id, outcome))
                elif outcome == "skipped":
                    skipped.append(aggregate_id)
                else:
                    failed.append((aggregate_id, outcome))
            if len(claimed) < limit:
                break
        if self.notifier is not None and fired:
            self.deliver()
        return SweepReport(tuple(fired), tuple(failed), tuple(skipped))

    def _fire(self, aggregate_id: str, at: pendulum.DateTime) -> tuple[DomainEvent, ...] | str:
        try:
            current = self.store.load(aggregate_id)
            if current is None or current.next_deadline is None or current.next_deadline > at:
                return "skipped"
            kind = self.store.codec.kind_of(current)
            if kind.fire is None:
                return f"kind {kind.name!r} has deadlines but no timer handler"
            decision = kind.fire(current, at)
            following = decision.aggregate.next_deadline
            if following is not None and following <= at:
                # A handler that leaves the deadline due would be fired forever.
                return f"timer left next_deadline at {following} (not after {at})"
            self.store.save(Commit(decision.aggregate, decision.events, current.version))
            return decision.events
        except ConcurrencyError:
            return "skipped"
        except ClientflowError as error:
            return f"{type(error).__name__}: {error}"

    def deliver(self, *, limit: int = 1000) -> DeliveryReport:
        """Offer the notifier every event after its cursor, in order, at least once."""
        if self.notifier is None:
            raise ValidationError("notifier", "an Engine built with a notifier")
        start = position = self.store.cursor(self.consumer)
        delivered = 0
        error: str | None = None
        while error is None:
            batch = self.store.feed(after=position, limit=limit)
            if not batch:
                break
            for stored in batch:
                try:
                    self.notifier.notify(stored)
                except Exception as failure:  # the host's code: report it, retry later
                    error = f"{type(failure).__name__}: {failure}"
                    break
                position = stored.position
                delivered += 1
        if position != start and not self.store.move_cursor(self.consumer, start, position):
            error = error or "another deliverer moved the cursor; its events may repeat"
        return DeliveryReport(delivered, position, error)

    def history(self, aggregate_id: str) -> tuple[DomainEvent, ...]:
        """Every event of one aggregate, oldest first."""
        return tuple(self.store.history(aggregate_id))

    def feed(self, after: int = 0, limit: int = 1000) -> tuple[StoredEvent, ...]:
        """The global event feed after a position (for host integrations)."""
        return tuple(self.store.feed(after, limit))
