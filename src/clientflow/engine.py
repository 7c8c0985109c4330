"""The application service: run commands against a store, fire timers, deliver events.

The engine is the only code that touches a clock and a store; the workflows it runs stay
pure. It is a plain object: build one per store (see :func:`~clientflow.storage.open_store`).

>>> import pendulum
>>> from clientflow import Actor, ManualClock
>>> from clientflow.changes import kind, request_change
>>> from clientflow.core import Codec
>>> from clientflow.storage import MemoryStore
>>> engine = Engine(MemoryStore(), kinds=Codec([kind(lambda change: None)]),
...                 clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
>>> anna = Actor("anna")
>>> result = engine.execute(Command("CR-1", lambda change, now: request_change(
...     "CR-1", project="apollo", title="SSO", description="", requester=anna, now=now)))
>>> result.aggregate.status, result.aggregate.version
('draft', 1)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import random
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import attrs
import pendulum

from clientflow.core import (
    MAX_REASON,
    Aggregate,
    AlreadyExists,
    ClientflowError,
    Clock,
    Codec,
    ConcurrencyError,
    CorruptData,
    CursorBusy,
    Decision,
    DomainEvent,
    DuplicateCommand,
    NotFound,
    RulesChanged,
    SystemClock,
    ValidationError,
    check_id,
    failure_reason,
    to_utc,
    validate_duration,
)
from clientflow.core.edge import check_count
from clientflow.ports import (
    Backoff,
    Commit,
    CursorLease,
    Notifier,
    ParkedEvent,
    PermanentDeliveryError,
    Query,
    RateLimited,
    Store,
    StoredEvent,
    TimerFailure,
)
from clientflow.storage.kinded import Kinded, TypedStore
from clientflow.telemetry import OFF, Telemetry

__all__ = [
    "MAX_RATE_LIMIT_WAIT",
    "MAX_REASON",
    "Command",
    "ConsumerStatus",
    "DeliveryReport",
    "Engine",
    "EngineStatus",
    "Result",
    "SweepReport",
    "failure_reason",
    "rate_limit_wait",
    "scoped_key",
]

DELIVERY_BACKOFF = Backoff(pendulum.duration(seconds=30), pendulum.duration(hours=1))
"""Default wait before re-offering an event the notifier refused: 30 s, doubling to 1 h."""
TIMER_BACKOFF = Backoff(pendulum.duration(minutes=5), pendulum.duration(hours=6))
"""Default wait before re-firing a timer that failed: 5 min, doubling to 6 h."""

_LOG = logging.getLogger("clientflow.engine")
"""The engine's log: quiet unless the host configures logging (``clientflow`` logger)."""


def _name(decide: Callable[..., object]) -> str:
    return str(getattr(decide, "__qualname__", type(decide).__name__))


def scoped_key(aggregate_id: str, key: str) -> str:
    """The key a store records for idempotency ``key`` on ``aggregate_id``.

    Keys come from callers (a form's token, a webhook's delivery id) and must not meet
    across aggregates: otherwise one tenant's key, used first on its own aggregate,
    would make another's command look done (and return the wrong aggregate), without
    any permission check. Hashed, so the stored key is short whatever the two lengths.

    >>> scoped_key("CR-1", "form-7") == scoped_key("CR-2", "form-7")
    False
    """
    digest = hashlib.sha256(f"{aggregate_id}\x00{key}".encode()).hexdigest()
    return f"k1:{digest}"


def _stored_key(aggregate_id: str, key: str | None) -> str | None:
    return None if key is None else scoped_key(aggregate_id, key)


MAX_BATCH = 100_000
"""The most one engine call pages through (``limit=`` of sweep, deliver, feed, parked):
a larger number is a caller's mistake (a ValidationError), never a driver's overflow."""
MAX_POSITION = 2**63 - 1
"""The largest feed position a store can hold (a signed 64-bit integer column)."""
MAX_LEASE = dt.timedelta(days=1)
"""The longest a sweeper or deliverer may hold what it claimed (``lease=``)."""
MAX_RATE_LIMIT_WAIT = 3_600.0
"""The longest a receiver's ``retry_after`` holds an event, in seconds (one hour)."""


def _lease_span(lease: object) -> dt.timedelta:
    """``lease`` if it is a duration over 0 and at most :data:`MAX_LEASE`: a zero lease
    would let a second sweeper take what the first is firing, a huge one overflows."""  # noqa: D205, D209
    span = validate_duration(lease, "lease", allow_zero=False)
    if span > MAX_LEASE:
        raise ValidationError("lease", "a duration > 0 and at most 1 day", got=lease)
    return span


def rate_limit_wait(limited: RateLimited) -> float | None:
    """The seconds a rate limit holds an event: finite, 0 to one hour; None if unsaid.

    ``retry_after`` comes from a receiver's header: infinite, NaN, negative or absurd
    values must neither raise after a save nor hold a client's notices for centuries.
    """
    try:
        wait = float(limited.retry_after)  # type: ignore[arg-type]
    except OverflowError:  # an integer too large for a float: as long as allowed
        return MAX_RATE_LIMIT_WAIT
    except Exception:  # a receiver's value that cannot be read as seconds, however it fails
        return None
    if not math.isfinite(wait):
        return MAX_RATE_LIMIT_WAIT if wait > 0 else None
    return min(max(wait, 0.0), MAX_RATE_LIMIT_WAIT)


def _fields(
    aggregate_id: str, event_id: str | None = None, *, command: str, attempt: int
) -> dict[str, object]:
    """Structured ``extra`` for log records (prefixed: LogRecord owns plain names)."""
    return {
        "clientflow_aggregate_id": aggregate_id,
        "clientflow_event_id": event_id,
        "clientflow_command": command,
        "clientflow_attempt": attempt,
    }


_BEHIND = pendulum.datetime(1970, 1, 1)
"""The ``retry_at`` of an event waiting behind an earlier one of its aggregate: due as
soon as that one is delivered or discarded."""
_BUSY = "another deliverer holds this consumer's cursor; nothing delivered"
_LOST = "the cursor lease was lost to another deliverer; its events may repeat"

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
    apply once: the second gets the first one's result with ``duplicate=True``, after
    ``admit(aggregate)`` (when given) accepts it: a key is no secret, so whoever retries
    must be allowed to see what the first command did (it raises to refuse).
    """

    aggregate_id: str
    decide: Callable[[A | None, pendulum.DateTime], Decision[A]]
    idempotency_key: str | None = None
    retry_on_conflict: bool = True
    admit: Callable[[A], object] | None = None


@attrs.frozen
class DeliveryReport:
    """What one delivery did.

    ``delivered`` events were taken by the notifier, up to feed ``position``; ``parked``
    lists the positions given up on (dead-lettered) in this run; ``error`` says why
    delivery stopped early (``None`` if it reached the end of the feed), and
    ``retry_at`` when the event that failed will be tried again.
    """

    delivered: int
    position: int
    error: str | None = None
    parked: tuple[int, ...] = ()
    retry_at: pendulum.DateTime | None = None
    busy: bool = False
    """Another deliverer held the consumer's cursor, so this one delivered nothing."""
    held: tuple[int, ...] = ()
    """Positions set aside in this run to be offered again: refused ones (retried after
    the back-off) and the later events of their aggregates, which wait behind them."""


@attrs.define
class _Run:
    """One delivery run's progress (mutable on purpose: one run, one thread, then gone)."""

    lease: CursorLease
    renewed_at: float
    delivered: int = 0
    parked: list[int] = attrs.Factory(list)
    held: list[int] = attrs.Factory(list)
    error: str | None = None
    retry_at: pendulum.DateTime | None = None


@attrs.frozen
class Result(Generic[A]):
    """What a command did: the aggregate now, the events it saved, and their delivery.

    ``delivery`` is the report of the delivery that followed the command when the engine
    has a notifier (``None`` otherwise). A delivery problem never fails a command that
    was saved: it is reported here and the events stay in the feed.
    """

    aggregate: A
    events: tuple[DomainEvent, ...]
    duplicate: bool = False
    delivery: DeliveryReport | None = None


@attrs.frozen
class ConsumerStatus:
    """Where one feed consumer stands: its cursor, what waits, what it gave up on."""

    name: str
    position: int
    backlog: int
    parked: int


@attrs.frozen
class EngineStatus:
    """What an operator watches (``clientflow status``).

    ``sweep_lag`` is how long the oldest due timer has waited (``at`` minus its
    deadline; ``None`` with nothing due): a growing lag means no sweeper runs, or too
    few. ``counts`` is aggregates per kind and status.
    """

    at: pendulum.DateTime
    counts: dict[str, dict[str, int]]
    oldest_due: pendulum.DateTime | None
    sweep_lag: pendulum.Duration | None
    failing_timers: int
    consumers: tuple[ConsumerStatus, ...]


@attrs.frozen
class SweepReport:
    """What a sweep did.

    Events fired per aggregate, failures (id and reason; the aggregate is backed off and
    retried later, see :meth:`Engine.timer_failures`), and aggregates skipped because
    another sweeper got there first.
    """

    fired: tuple[tuple[str, tuple[DomainEvent, ...]], ...]
    failed: tuple[tuple[str, str], ...]
    skipped: tuple[str, ...]
    delivery: DeliveryReport | None = None


class Engine:
    """Runs commands and timers against one store, and feeds the notifier.

    ``max_retries`` bounds re-decisions after version conflicts. ``notifier``, if
    given, is fed after every successful command and sweep; delivery is at least once,
    in order per aggregate, one deliverer per ``consumer`` at a time (a lease on the
    cursor, timed by the store's clock and renewed as work proceeds). An event the
    notifier refuses is set aside and retried after ``delivery_backoff`` (doubling),
    its aggregate's later events waiting behind it, and parked after ``max_attempts``
    real attempts; other aggregates' events are never held up. A rate limit is a wait.
    A timer that fails is backed off by ``timer_backoff`` the same way.
    ``rules_revision``, when given, is checked by the store at every commit: a command or
    timer decided under rules that are no longer in force is refused (``RulesChanged``).
    ``kinds`` are the workflow kinds it runs (a :class:`~clientflow.core.Codec`): the
    store keeps neutral records, and the engine turns aggregates and events into them and
    back (:attr:`kinded`), and fires the kinds' timers; a workspace registers them, wired
    to its rules, in one place. Without ``kinds``, those of a
    :class:`~clientflow.storage.kinded.TypedStore` (a store read with its kinds).
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        notifier: Notifier | None = None,
        max_retries: int = 10,
        consumer: str = "notifier",
        max_attempts: int = 5,
        delivery_backoff: Backoff = DELIVERY_BACKOFF,
        timer_backoff: Backoff = TIMER_BACKOFF,
        lease: dt.timedelta = dt.timedelta(minutes=5),
        telemetry: Telemetry = OFF,
        rules_revision: int | None = None,
        kinds: Codec | None = None,
    ) -> None:
        if not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValidationError("max_attempts", "an integer >= 1", got=max_attempts)
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.notifier = notifier
        self.max_retries = max_retries
        self.consumer = check_id(consumer, "consumer")
        self.max_attempts = max_attempts
        self.delivery_backoff = delivery_backoff
        self.timer_backoff = timer_backoff
        self.lease = pendulum.Duration(seconds=_lease_span(lease).total_seconds())
        self.telemetry = telemetry
        self.rules_revision = rules_revision
        records: Store = store
        if isinstance(store, TypedStore):  # a store read with its kinds: read the one under it
            records = store.store
            kinds = store.codec if kinds is None else kinds
        if kinds is None:
            raise ValidationError(
                "kinds", "the workflow kinds it runs: Engine(store, kinds=Codec([...]))"
            )
        self.kinded = Kinded(records, kinds)
        """The store's records as aggregates and events of these kinds (typed reads, writes)."""
        self.kinds: Codec = kinds
        """The workflow kinds this engine runs and whose timers it fires (given by the
        composition root, wired to the rules in force)."""

    def load(self, aggregate_id: str) -> Aggregate:
        """The current aggregate; ``NotFound`` if there is none."""
        found = self.kinded.load(check_id(aggregate_id, "aggregate_id"))
        if found is None:
            raise NotFound("aggregate", aggregate_id)
        return found

    def execute(self, command: Command[Any]) -> Result[Any]:
        """Load, decide, save (atomically, version-checked) and publish one command.

        Raises only before anything is saved; once the command is saved its result is
        returned, with any delivery problem in ``result.delivery``.
        """
        aggregate_id = check_id(command.aggregate_id, "command.aggregate_id")
        fields = (
            command.decide,
            command.idempotency_key,
            command.admit,
            command.retry_on_conflict,
        )
        if not self.telemetry.enabled:  # no span, no counters: nothing to build for them
            return self._execute(aggregate_id, *fields)
        return self._traced(
            aggregate_id, command.decide, lambda: self._execute(aggregate_id, *fields)
        )

    def run(
        self,
        aggregate_id: str,
        decide: Callable[[A | None, pendulum.DateTime], Decision[A]],
        *,
        key: str | None = None,
        admit: Callable[[A], object] | None = None,
        retry_on_conflict: bool = True,
    ) -> Result[A]:
        """:meth:`execute` of the :class:`Command` these fields make, without building it:
        for a caller that makes one per call (the workspace's commands)."""  # noqa: D205, D209
        check_id(aggregate_id, "command.aggregate_id")
        if not self.telemetry.enabled:
            return self._execute(aggregate_id, decide, key, admit, retry_on_conflict)
        return self._traced(
            aggregate_id,
            decide,
            lambda: self._execute(aggregate_id, decide, key, admit, retry_on_conflict),
        )

    def _traced(
        self, aggregate_id: str, decide: Callable[..., object], execute: Callable[[], Result[A]]
    ) -> Result[A]:
        """``execute()`` (one command's :meth:`_execute`) in a span, counted by outcome."""
        about = {"clientflow.aggregate_id": aggregate_id, "clientflow.command": _name(decide)}
        with self.telemetry.span("clientflow.execute", about):
            try:
                result = execute()
            except ConcurrencyError:
                self.telemetry.count("clientflow.commands", 1, {"outcome": "refused"})
                raise
        outcome = "duplicate" if result.duplicate else "saved" if result.events else "unchanged"
        self.telemetry.count("clientflow.commands", 1, {"outcome": outcome})
        return result

    def execute_all(self, commands: Sequence[Command[Any]]) -> tuple[Result[Any], ...]:
        """Run commands on different aggregates as one: decided in order, saved all or
        nothing (:meth:`Store.save_all`), so no interleaving leaves one done without the
        others. A version conflict on any of them re-decides all; the idempotency keys
        make a retried call answer with the first results.
        """  # noqa: D205
        ids = [check_id(command.aggregate_id, "command.aggregate_id") for command in commands]
        if len(set(ids)) != len(ids):
            raise ValidationError("commands", "commands on different aggregates", got=ids)
        keys = [command.idempotency_key for command in commands]
        if keys and all(keys):
            done = [self._recalled(c.aggregate_id, c.idempotency_key, c.admit) for c in commands]
            if all(result is not None for result in done):
                return tuple(result for result in done if result is not None)
        for attempt in range(self.max_retries + 1):
            now = self.clock.now()
            decided = []
            for command in commands:
                current = self.kinded.load(command.aggregate_id)
                decision = command.decide(current, now)
                if decision.aggregate.id != command.aggregate_id:
                    raise ValidationError(
                        "command",
                        f"a decision about {command.aggregate_id}",
                        got=decision.aggregate.id,
                    )
                if (
                    current is not None
                    and decision.events[:1]
                    and (decision.events[0].aggregate_version == 1)
                ):
                    raise AlreadyExists(command.aggregate_id, actual=current.version)
                decided.append((command, current, decision))
            commits = [
                Commit(decision.aggregate, decision.events, 0 if current is None else
                       current.version, _stored_key(command.aggregate_id, command.idempotency_key),
                       self.rules_revision)
                for command, current, decision in decided
                if decision.events
            ]  # fmt: skip
            try:
                self.kinded.save_all(commits)
            except DuplicateCommand:
                done = [
                    self._recalled(c.aggregate_id, c.idempotency_key, c.admit) for c in commands
                ]
                return tuple(result for result in done if result is not None)
            except (AlreadyExists, RulesChanged):
                raise
            except ConcurrencyError:
                retry = all(command.retry_on_conflict for command in commands)
                if not retry or attempt == self.max_retries:
                    raise
                time.sleep(random.uniform(0, min(0.05, 0.001 * 2**attempt)))
                continue
            delivery = self._deliver_quietly()
            return tuple(
                Result(decision.aggregate, decision.events, delivery=delivery)
                for _, _, decision in decided
            )
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _execute(
        self,
        aggregate_id: str,
        decide: Callable[[Any, pendulum.DateTime], Decision[Any]],
        key: str | None,
        admit: Callable[[Any], object] | None,
        retry_on_conflict: bool,
    ) -> Result[Any]:
        if key is not None:
            check_id(key, "command.idempotency_key")
            done = self._recalled(aggregate_id, key, admit)
            if done is not None:
                return done
        for attempt in range(self.max_retries + 1):
            current = self.kinded.load(aggregate_id)
            decision = decide(current, self.clock.now())
            if decision.aggregate.id != aggregate_id:
                raise ValidationError(
                    "command", f"a decision about {aggregate_id}", got=decision.aggregate.id
                )
            if not decision.events:
                return Result(decision.aggregate, ())
            if current is not None and decision.events[0].aggregate_version == 1:
                # The command creates an aggregate (its first event is version 1) on an id
                # that is taken: refuse, instead of writing a second history over it.
                raise AlreadyExists(aggregate_id, actual=current.version)
            expected = 0 if current is None else current.version
            try:
                self.kinded.save(
                    Commit(
                        decision.aggregate,
                        decision.events,
                        expected,
                        _stored_key(aggregate_id, key),
                        self.rules_revision,
                    )
                )
            except DuplicateCommand:
                done = self._recalled(aggregate_id, key, admit)
                assert done is not None
                return done
            except (AlreadyExists, RulesChanged):
                raise
            except ConcurrencyError as conflict:
                self.telemetry.count("clientflow.conflicts", 1, {})
                retry = current is not None and retry_on_conflict
                if not retry or attempt == self.max_retries:
                    _LOG.warning(
                        "command on %s refused: %s",
                        aggregate_id,
                        conflict,
                        extra=_fields(aggregate_id, command=_name(decide), attempt=attempt),
                    )
                    raise
                self.telemetry.count("clientflow.retries", 1, {})
                _LOG.info(
                    "version conflict on %s, retrying",
                    aggregate_id,
                    extra=_fields(aggregate_id, command=_name(decide), attempt=attempt),
                )
                # Jittered exponential back-off, so colliding writers stop colliding.
                time.sleep(random.uniform(0, min(0.05, 0.001 * 2**attempt)))
                continue
            if _LOG.isEnabledFor(logging.DEBUG):  # the extra fields cost a command's time
                _LOG.debug(
                    "saved %d event(s) on %s",
                    len(decision.events),
                    aggregate_id,
                    extra=_fields(
                        aggregate_id,
                        decision.events[-1].event_id,
                        command=_name(decide),
                        attempt=attempt,
                    ),
                )
            delivery = self._deliver_quietly()
            return Result(decision.aggregate, decision.events, delivery=delivery)
        raise AssertionError("unreachable")  # pragma: no cover

    def _deliver_quietly(self) -> DeliveryReport | None:
        if self.notifier is None:
            return None
        try:
            return self.deliver()
        except ClientflowError as error:  # e.g. the store went away after the save
            return DeliveryReport(0, 0, failure_reason(error))

    def recalled(self, aggregate_id: str, key: str) -> bool:
        """Whether a command on ``aggregate_id`` under idempotency ``key`` was saved.

        Also finds a key an earlier release stored as given (unscoped), on its own
        aggregate only. Commands themselves look up the scoped key alone (one round
        trip): a request retried across the upgrade to scoped keys may apply twice.
        """
        if self._duplicate(aggregate_id, key) is not None:
            return True
        found = self.store.recall(key)
        return found is not None and found[0] == aggregate_id

    def _recalled(
        self, aggregate_id: str, key: str | None, admit: Callable[[Any], object] | None
    ) -> Result[Any] | None:
        """The first result under ``key`` on ``aggregate_id``, once ``admit`` accepts it."""
        done = self._duplicate(aggregate_id, key)
        if done is not None and admit is not None:
            admit(done.aggregate)
        return done

    def _duplicate(self, aggregate_id: str, key: str | None) -> Result[Any] | None:
        if key is None:
            return None
        found = self.store.recall(scoped_key(aggregate_id, key))
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
        sweepers both reach fires once. An aggregate whose timer fails, for any reason,
        is reported in ``failed`` and backed off; the rest go on.
        """
        at = self.clock.now() if now is None else to_utc(now, "now")
        check_count(limit, "limit", low=1, high=MAX_BATCH)
        with self.telemetry.span("clientflow.sweep", {"clientflow.at": at.isoformat()}):
            if self.telemetry.enabled:
                self.telemetry.gauge("clientflow.sweep.lag", self._lag(at), {})
            report = self._sweep(at, limit, lease)
        self.telemetry.count("clientflow.timers.fired", len(report.fired), {})
        self.telemetry.count("clientflow.timers.failed", len(report.failed), {})
        return report

    def _lag(self, at: pendulum.DateTime) -> float:
        """Seconds the oldest due timer has waited (0 with nothing due)."""
        oldest = self._oldest_due(at)
        return 0.0 if oldest is None else (at - oldest).total_seconds()

    def _oldest_due(self, at: pendulum.DateTime) -> pendulum.DateTime | None:
        """The deadline of the timer that has waited longest at ``at``, if any is due."""
        for aggregate_id in self.store.due(at, limit=1):
            late = self.kinded.load(aggregate_id)
            return None if late is None else late.next_deadline
        return None

    def _sweep(self, at: pendulum.DateTime, limit: int, lease: dt.timedelta) -> SweepReport:
        span = pendulum.Duration(seconds=_lease_span(lease).total_seconds())
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
                    failure = self.store.defer_timer(
                        aggregate_id, at=at, backoff=self.timer_backoff, error=outcome
                    )
                    _LOG.warning(
                        "timer of %s failed (%d times, retry at %s): %s",
                        aggregate_id,
                        failure.attempts,
                        failure.retry_at,
                        outcome,
                        extra=_fields(aggregate_id, command="sweep", attempt=failure.attempts),
                    )
            if len(claimed) < limit:
                break
        if fired or failed:
            _LOG.info(
                "swept at %s: %d fired, %d failed, %d skipped",
                at,
                len(fired),
                len(failed),
                len(skipped),
                extra={"clientflow_command": "sweep"},
            )
        delivery = self._deliver_quietly() if fired else None
        return SweepReport(tuple(fired), tuple(failed), tuple(skipped), delivery)

    def _fire(self, aggregate_id: str, at: pendulum.DateTime) -> tuple[DomainEvent, ...] | str:
        try:
            current = self.kinded.load(aggregate_id)
            if current is None or current.next_deadline is None or current.next_deadline > at:
                return "skipped"
            kind = self.kinds.kind_of(current)
            if kind.fire is None:
                return f"kind {kind.name!r} has deadlines but no timer handler"
            decision = kind.fire(current, at)
            following = decision.aggregate.next_deadline
            if following is not None and following <= at:
                # A handler that leaves the deadline due would be fired forever.
                return f"timer left next_deadline at {following} (not after {at})"
            self.kinded.save(
                Commit(
                    decision.aggregate,
                    decision.events,
                    current.version,
                    rules_revision=self.rules_revision,
                )
            )
            return decision.events
        except ConcurrencyError:
            return "skipped"
        except Exception as error:  # any one aggregate's failure must not stop the sweep
            return failure_reason(error)

    def timer_failures(self, limit: int = 1000) -> tuple[TimerFailure, ...]:
        """Aggregates whose timers keep failing (most failures first), for operators."""
        return tuple(self.store.timer_failures(check_count(limit, "limit", high=MAX_BATCH)))

    def deliver(self, *, limit: int = 1000) -> DeliveryReport:
        """Offer the notifier every event after its cursor, in order, at least once.

        Takes the consumer's lease first: while another deliverer holds it, this one
        delivers nothing (``error`` says so). An event the notifier refuses stops this
        run and is tried again from ``retry_at``; after ``max_attempts`` refusals it is
        parked (see :meth:`parked`) and delivery goes on with the next.
        """
        check_count(limit, "limit", low=1, high=MAX_BATCH)
        about = {"clientflow.consumer": self.consumer}
        with self.telemetry.span("clientflow.deliver", about):
            report = self._deliver(limit)
        self.telemetry.count("clientflow.events.delivered", report.delivered, about)
        self.telemetry.count("clientflow.events.parked", len(report.parked), about)
        if self.telemetry.enabled:
            backlog = self.store.backlog(report.position)
            dead = len(self.store.parked(self.consumer, limit=100_000))
            self.telemetry.gauge("clientflow.delivery.backlog", backlog, about)
            self.telemetry.gauge("clientflow.delivery.dead_letters", dead, about)
        return report

    def _lease(self, holder: str) -> CursorLease | None:
        # Lease times come from the store's clock (the database server's), so two hosts
        # whose clocks disagree still agree on whose lease is running.
        at = self.store.clock()
        return self.store.lease_cursor(self.consumer, holder=holder, at=at, until=at + self.lease)

    def _deliver(self, limit: int) -> DeliveryReport:
        notifier = self._notifier()
        now = self.clock.now()
        held = self._lease(uuid.uuid4().hex)
        if held is None:
            return DeliveryReport(0, self.store.cursor(self.consumer), _BUSY, busy=True)
        if held.retry_at is not None and held.retry_at > now:  # waiting out a rate limit
            self.store.release_cursor(held)
            return DeliveryReport(0, held.position, held.error, retry_at=held.retry_at)
        run = _Run(held, time.monotonic())
        try:
            blocked = self._retry_held(run, notifier, now)
            while run.error is None:
                batch, unreadable = self._read_feed(run.lease.position, limit)
                if not batch and unreadable is None:
                    break
                for stored in batch:
                    if not self._kept(run):
                        break
                    if not self._offered(run, notifier, stored, now, blocked):
                        break
                if run.error is None and unreadable is not None:
                    # A row no reader can decode is parked at once: retrying cannot help.
                    bad = unreadable.position or 0
                    self.store.park(self._parked(bad, f"unreadable@{bad}", 1, str(unreadable), now))
                    run.parked.append(bad)
                    run.lease = attrs.evolve(run.lease, position=bad)
                if run.error != _LOST:
                    # progress and any failure state, written before the next batch
                    self._kept(run, now=True)
        finally:
            if run.error != _LOST:
                self.store.release_cursor(run.lease)
        retry_at = run.retry_at
        if retry_at is None and blocked:
            waiting = [e.retry_at for e in self.store.held(self.consumer) if e.retry_at]
            retry_at = min((at for at in waiting if at > now), default=None)
        return DeliveryReport(
            run.delivered,
            run.lease.position,
            run.error,
            tuple(run.parked),
            retry_at,
            held=tuple(run.held),
        )

    def _kept(self, run: _Run, *, now: bool = False) -> bool:
        """Renew the run's lease when a third of it has passed (or ``now``): a slow
        receiver never lets it lapse under a deliverer still at work. ``False`` when the
        lease was lost to another deliverer (the run stops)."""  # noqa: D205, D209
        if not now and time.monotonic() - run.renewed_at < self.lease.total_seconds() / 3:
            return True
        renewed = attrs.evolve(run.lease, until=self.store.clock() + self.lease)
        if not self.store.update_cursor(renewed):
            run.error, run.retry_at = _LOST, None
            return False
        run.lease, run.renewed_at = renewed, time.monotonic()
        return True

    def _retry_held(self, run: _Run, notifier: Notifier, now: pendulum.DateTime) -> set[str]:
        """Offer the held events that are due, each aggregate's in order; the aggregates
        still holding an event (being retried or parked) afterwards."""  # noqa: D205, D209
        queues: dict[str, list[ParkedEvent]] = {}
        for entry in self.store.held(self.consumer):
            queues.setdefault(entry.aggregate_id or f"#{entry.position}", []).append(entry)
        blocked: set[str] = set()
        for aggregate, queue in queues.items():
            for entry in queue:
                if run.error is not None or entry.retry_at is None or entry.retry_at > now:
                    blocked.add(aggregate)  # parked, not due yet, or the run stopped
                    break
                if not self._kept(run) or not self._retried(run, notifier, entry, now):
                    blocked.add(aggregate)
                    break
        return {aggregate for aggregate in blocked if not aggregate.startswith("#")}

    def _retried(
        self, run: _Run, notifier: Notifier, entry: ParkedEvent, now: pendulum.DateTime
    ) -> bool:
        """Offer one held event again; whether it went out (and was taken off hold)."""
        batch, unreadable = self._read_feed(entry.position - 1, 1)
        if unreadable is not None or not batch or batch[0].position != entry.position:
            reason = f"the event at {entry.position} cannot be read"
            self.store.park(attrs.evolve(entry, retry_at=None, error=reason))
            run.parked.append(entry.position)
            return False
        stored = batch[0]
        try:
            notifier.notify(stored)
        except RateLimited as limited:  # a wait, never a failed attempt
            self._wait(run, stored, limited, now)
            return False
        except Exception as failure:  # the host's code: retry, then park
            entry = self._refused(entry, stored, failure, now)
            (run.parked if entry.retry_at is None else run.held).append(entry.position)
            return False
        self.store.unpark(self.consumer, entry.position)
        run.delivered += 1
        return True

    def _offered(
        self,
        run: _Run,
        notifier: Notifier,
        stored: StoredEvent,
        now: pendulum.DateTime,
        blocked: set[str],
    ) -> bool:
        """Offer one event of the feed; whether the run goes on.

        An event whose aggregate has an earlier event held or parked waits behind it
        (set aside, in order); a refused one is set aside for a retry (or parked), and
        only its own aggregate's later events wait for it.
        """
        event = stored.event
        aggregate = event.aggregate_id
        if aggregate in blocked:
            self.store.park(
                self._parked(
                    stored.position,
                    event.event_id,
                    0,
                    f"waiting behind an earlier event of {aggregate}",
                    now,
                    aggregate_id=aggregate,
                    retry_at=_BEHIND,
                )
            )
            run.held.append(stored.position)
            run.lease = attrs.evolve(run.lease, position=stored.position)
            return True
        about = {"clientflow.event_id": event.event_id, "clientflow.event_type": event.event_type}
        try:
            with self.telemetry.span("clientflow.notify", about):
                notifier.notify(stored)
        except RateLimited as limited:  # a wait, never a failed attempt
            self._wait(run, stored, limited, now)
            return False
        except Exception as failure:  # the host's code: retry, then park
            first = self._parked(
                stored.position, event.event_id, 0, "", now, aggregate_id=aggregate
            )
            entry = self._refused(first, stored, failure, now)
            (run.parked if entry.retry_at is None else run.held).append(stored.position)
            blocked.add(aggregate)
        else:
            run.delivered += 1
        run.lease = attrs.evolve(
            run.lease, position=stored.position, attempts=0, retry_at=None, error=None
        )
        return True

    def _refused(
        self,
        entry: ParkedEvent,
        stored: StoredEvent,
        failure: Exception,
        now: pendulum.DateTime,
    ) -> ParkedEvent:
        """Set a refused event aside: held for a retry after the back-off, or parked for
        good after ``max_attempts`` real attempts (at once when the refusal is permanent)."""  # noqa: D205, D209
        permanent = isinstance(failure, PermanentDeliveryError)
        attempts = entry.attempts + 1  # real attempts only: rate-limit waits never count
        reason = failure_reason(failure)
        event_id = stored.event.event_id
        fields = _fields(stored.event.aggregate_id, event_id, command="deliver", attempt=attempts)
        if permanent or attempts >= self.max_attempts:
            kept = attrs.evolve(entry, attempts=attempts, error=reason, retry_at=None)
            self.store.park(kept)
            _LOG.error(
                "gave up delivering %s after %d attempts (parked): %s",
                event_id,
                attempts,
                reason,
                extra=fields,
            )
            return kept
        kept = attrs.evolve(
            entry,
            attempts=attempts,
            error=reason,
            retry_at=now + self.delivery_backoff.delay(attempts),
        )
        self.store.park(kept)
        _LOG.warning(
            "delivering %s failed (attempt %d), retry at %s: %s",
            event_id,
            attempts,
            kept.retry_at,
            reason,
            extra=fields,
        )
        return kept

    def _wait(
        self, run: _Run, stored: StoredEvent, limited: RateLimited, now: pendulum.DateTime
    ) -> None:
        """Stop the run until the receiver has room again (see :meth:`_rate_limited`)."""
        run.lease = self._rate_limited(run.lease, stored, limited, now)
        run.error, run.retry_at = run.lease.error, run.lease.retry_at

    def _rate_limited(
        self,
        lease: CursorLease,
        stored: StoredEvent,
        limited: RateLimited,
        now: pendulum.DateTime,
    ) -> CursorLease:
        """The lease waiting out a receiver's rate limit; its attempts stay as they were."""
        wait = rate_limit_wait(limited)
        delay = (
            self.delivery_backoff.delay(1)
            if wait is None
            else pendulum.duration(microseconds=max(int(wait * 1_000_000), 1))
        )
        reason = failure_reason(limited)
        waiting = attrs.evolve(lease, retry_at=now + delay, error=reason)
        _LOG.info(
            "delivering %s waits for a rate limit until %s: %s",
            stored.event.event_id,
            waiting.retry_at,
            reason,
            extra=_fields(
                stored.event.aggregate_id,
                stored.event.event_id,
                command="deliver",
                attempt=lease.attempts,
            ),
        )
        return waiting

    def _notifier(self) -> Notifier:
        if self.notifier is None:
            raise ValidationError("notifier", "an Engine built with a notifier")
        return self.notifier

    def _read_feed(
        self, after: int, limit: int
    ) -> tuple[Sequence[StoredEvent], CorruptData | None]:
        """The next events, and the first unreadable row if the batch hit one."""
        try:
            records = self.store.read_feed(after=after, limit=limit)
        except CorruptData as error:  # a host store that could not read a row
            if error.position is None or error.position <= after:
                raise
            return self._readable_before(after, error)
        readable: list[StoredEvent] = []
        for found in records:
            try:
                readable.append(self.kinded.stored(found))
            except CorruptData as error:  # the records before it are delivered
                return readable, error
        return readable, None

    def _readable_before(
        self, after: int, error: CorruptData
    ) -> tuple[Sequence[StoredEvent], CorruptData | None]:
        # The readable events before it, one at a time: positions need not be
        # consecutive (PostgreSQL's are not), so their count is not known up front.
        position = error.position or 0
        readable: list[StoredEvent] = []
        while True:
            try:
                page = self.kinded.feed(readable[-1].position if readable else after, 1)
            except CorruptData:
                break
            if not page or page[0].position >= position:
                break
            readable.append(page[0])
        return readable, error

    def _parked(
        self,
        position: int,
        event_id: str,
        attempts: int,
        error: str,
        now: pendulum.DateTime,
        *,
        aggregate_id: str = "",
        retry_at: pendulum.DateTime | None = None,
    ) -> ParkedEvent:
        return ParkedEvent(
            self.consumer,
            position,
            event_id,
            attempts,
            error,
            now,
            aggregate_id=aggregate_id,
            retry_at=retry_at,
        )

    def status(self, consumers: Sequence[str] = ()) -> EngineStatus:
        """Backlogs, sweep lag and failures now, read by index (``consumers``: the
        cursors to report besides this engine's own)."""  # noqa: D205, D209
        now = self.clock.now()
        counts = {
            kind: dict(found)
            for kind in self.kinds.kinds
            if (found := self.store.counts(Query(kind=kind)))
        }
        oldest = self._oldest_due(now)
        names = dict.fromkeys([self.consumer, *(check_id(c, "consumer") for c in consumers)])
        return EngineStatus(
            at=now,
            counts=counts,
            oldest_due=oldest,
            sweep_lag=None if oldest is None else now - oldest,
            failing_timers=len(self.store.timer_failures(limit=100_000)),
            consumers=tuple(
                ConsumerStatus(
                    name,
                    position := self.store.cursor(name),
                    self.store.backlog(position),
                    len(self.store.parked(name, limit=100_000)),
                )
                for name in names
            ),
        )

    def parked(self, limit: int = 1000) -> tuple[ParkedEvent, ...]:
        """Events this engine's consumer gave up on (the dead-letter), by position."""
        return tuple(self.store.parked(self.consumer, check_count(limit, "limit", high=MAX_BATCH)))

    def retry_parked(self, position: int) -> bool:
        """Offer one parked event to the notifier again; unpark it if taken.

        Returns whether the notifier took it; a refusal updates the parked error.
        """
        check_count(position, "position", low=1, high=MAX_POSITION)
        notifier = self._notifier()
        # The consumer's cursor lease makes one retrier (or deliverer) at a time: two
        # retries of one parked event never both send it.
        lease = self._lease(uuid.uuid4().hex)
        if lease is None:
            raise CursorBusy(self.consumer)
        try:
            found = {p.position: p for p in self.store.parked(self.consumer, limit=1_000_000)}
            if position not in found:
                raise NotFound("parked event", str(position))
            entry = found[position]
            try:
                batch, unreadable = self._read_feed(position - 1, 1)
                if unreadable is not None or not batch or batch[0].position != position:
                    raise CorruptData("feed", "the event cannot be read", position=position)
                notifier.notify(batch[0])
            except Exception as failure:  # the host's code, or the row is still unreadable
                # A rate limit is a wait, never an attempt (as in deliver()).
                tried = 0 if isinstance(failure, RateLimited) else 1
                reason = failure_reason(failure)
                self.store.park(attrs.evolve(entry, attempts=entry.attempts + tried, error=reason))
                return False
            return self.store.unpark(self.consumer, position)
        finally:
            self.store.release_cursor(lease)

    def discard_parked(self, position: int) -> None:
        """Drop a parked event for good (it stays in the feed; it is just not delivered).

        Only a parked event (one :meth:`parked` lists) can be dropped: an event held for
        a retry, or waiting behind its aggregate's parked one, is still to be delivered,
        so its position is ``NotFound`` here. Its aggregate's waiting events go out on
        the next delivery.
        """
        check_count(position, "position", low=1, high=MAX_POSITION)
        # Under the cursor lease, like retry_parked: a retry failing meanwhile would
        # otherwise park again the event the operator just dropped.
        lease = self._lease(uuid.uuid4().hex)
        if lease is None:
            raise CursorBusy(self.consumer)
        try:
            parked = {p.position for p in self.store.parked(self.consumer, limit=1_000_000)}
            if position not in parked or not self.store.unpark(self.consumer, position):
                raise NotFound("parked event", str(position))
        finally:
            self.store.release_cursor(lease)

    def history(self, aggregate_id: str) -> tuple[DomainEvent, ...]:
        """Every event of one aggregate, oldest first."""
        return tuple(self.kinded.history(aggregate_id))

    def feed(self, after: int = 0, limit: int = 1000) -> tuple[StoredEvent, ...]:
        """The global event feed after a position (for host integrations)."""
        check_count(after, "after", high=MAX_POSITION)
        return tuple(self.kinded.feed(after, check_count(limit, "limit", high=MAX_BATCH)))
