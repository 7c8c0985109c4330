"""The ports: what the engine needs from storage, time and notification.

Adapters live in :mod:`clientflow.storage`; host applications may write their own and
prove it with the contract in :mod:`clientflow.testing`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

import attrs
import pendulum

from clientflow.core import Aggregate, Clock, Codec, DomainEvent, ValidationError, check_id

__all__ = [
    "COUNT_BY",
    "AggregateRow",
    "Backoff",
    "Clock",
    "Commit",
    "CursorLease",
    "EventLog",
    "EventRecord",
    "FeedRecord",
    "KindedStore",
    "Notifier",
    "Outbox",
    "ParkedEvent",
    "PermanentDeliveryError",
    "Query",
    "RateLimited",
    "ReadSide",
    "RecordCommit",
    "RecordLog",
    "RulesLog",
    "RulesRevision",
    "SnapshotRecord",
    "Store",
    "StoredEvent",
    "TimerFailure",
    "TimerIndex",
    "count_column",
]


@attrs.frozen
class StoredEvent:
    """An event with its position in the store's global feed.

    Positions increase in the order readers see events (1, 2, 3... on stores that count
    them; PostgreSQL's are increasing but not consecutive).
    """

    position: int
    event: DomainEvent


@attrs.frozen
class Commit:
    """One atomic save: the new aggregate and the events that produced it.

    ``expected_version`` is the version the command was decided on (0 for a new
    aggregate); the store refuses the commit if it holds another. ``idempotency_key``,
    if given, is recorded in the same transaction, so a retried command is seen.
    ``rules_revision``, if given, is the rules revision the command was decided under:
    the store refuses the commit (:class:`~clientflow.core.RulesChanged`) when another
    revision has been applied since.
    """

    aggregate: Aggregate
    events: tuple[DomainEvent, ...]
    expected_version: int
    idempotency_key: str | None = None
    rules_revision: int | None = None

    def __attrs_post_init__(self) -> None:
        # A commit must describe one consistent step of one stream: a store that trusted
        # a mismatched commit wrote histories like [1, 1] (a "create" over an existing id).
        aggregate, events = self.aggregate, self.events
        check_id(aggregate.id, "commit.aggregate.id")
        if self.idempotency_key is not None:
            check_id(self.idempotency_key, "commit.idempotency_key")
        expected = self.expected_version
        if not isinstance(expected, int) or expected < 0:
            raise ValidationError("commit.expected_version", "an integer >= 0", got=expected)
        for offset, event in enumerate(events, 1):
            if event.aggregate_id != aggregate.id or event.aggregate_version != expected + offset:
                raise ValidationError(
                    "commit.events",
                    f"events of {aggregate.id} numbered from version {expected + 1} on",
                    got=f"{event.aggregate_id}@{event.aggregate_version} at place {offset}",
                )
        if aggregate.version != expected + len(events):
            raise ValidationError(
                "commit.aggregate.version",
                f"{expected + len(events)} (expected version plus {len(events)} events)",
                got=aggregate.version,
            )

    @property
    def creates(self) -> bool:
        """Whether this commit creates its aggregate (expected version 0)."""
        return self.expected_version == 0


def _text(source: str | Callable[[], str]) -> str:
    return source if type(source) is str else source()  # type: ignore[operator]


@attrs.frozen
class EventRecord:
    """One event as a store keeps it, whatever its workflow: neutral, no kinds needed.

    ``payload`` is the event's canonical JSON text (meta included), the same text every
    store writes. A record the engine hands a store also carries the decoded ``event``
    beside it and produces the text only when a store asks for it (``source`` may be a
    function), so a store that keeps objects (the memory store) never encodes; a record
    read back from text has ``event`` ``None`` and the engine decodes it.
    ``occurred_at`` is given on writes (stores check time never runs backwards in a
    stream) and may be ``None`` on reads from stores that keep it only in the payload.
    """

    aggregate_id: str
    version: int
    type: str
    occurred_at: pendulum.DateTime | None
    source: str | Callable[[], str] = attrs.field(eq=_text, repr=False)
    event: DomainEvent | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def payload(self) -> str:
        """The canonical JSON text of the event (produced when asked for: a store asks once)."""
        source = self.source
        return source if type(source) is str else source()  # type: ignore[operator]


@attrs.frozen
class SnapshotRecord:
    """An aggregate's current state as a store keeps it: its kind's name, its version and
    its snapshot as canonical JSON text (``value``, when given, is the decoded aggregate
    beside it; see :class:`EventRecord`)."""  # noqa: D205, D209

    id: str
    kind: str
    version: int
    source: str | Callable[[], str] = attrs.field(eq=_text, repr=False)
    value: Aggregate | None = attrs.field(default=None, eq=False, repr=False)
    made: str | None = attrs.field(default=None, init=False, eq=False, repr=False)
    """The text once produced from ``source`` (``None`` until a store asked for it)."""

    @property
    def snapshot(self) -> str:
        """The canonical JSON text of the aggregate (produced once, when first asked for)."""
        made = self.made
        if made is None:
            source = self.source
            made = source if type(source) is str else source()  # type: ignore[operator]
            object.__setattr__(self, "made", made)  # a cache: the value never changes
        return made


@attrs.frozen
class FeedRecord:
    """An event record with its position in the store's global feed (see :class:`StoredEvent`)."""

    position: int
    record: EventRecord


@attrs.frozen
class RecordCommit:
    """One atomic save in neutral records: what a :class:`Commit` becomes at the store.

    The engine, which knows the workflow kinds, builds it: the snapshot, the events, the
    read side's ``row`` (``closed_at`` is the last event's time when the aggregate is
    ``closed``; a store keeps an earlier one) and the timer's deadline (``row.next_deadline``).
    The checks and the error of each refusal are those of :class:`Commit`.
    """

    snapshot: SnapshotRecord
    events: tuple[EventRecord, ...]
    row: AggregateRow
    expected_version: int
    idempotency_key: str | None = None
    rules_revision: int | None = None
    closed: bool = False

    @property
    def id(self) -> str:
        """The aggregate's id."""
        return self.snapshot.id

    @property
    def creates(self) -> bool:
        """Whether this commit creates its aggregate (expected version 0)."""
        return self.expected_version == 0


@attrs.frozen
class Backoff:
    """How long to wait before trying again after the n-th failure in a row.

    Doubles from ``base`` up to ``cap``: the 1st failure waits ``base``, the 2nd twice
    that, and so on.

    >>> Backoff(pendulum.duration(minutes=1), pendulum.duration(hours=1)).delay(3)
    Duration(minutes=4)
    """

    base: pendulum.Duration = pendulum.duration(minutes=1)
    cap: pendulum.Duration = pendulum.duration(hours=6)

    def delay(self, attempt: int) -> pendulum.Duration:
        """The wait after failure number ``attempt`` (1-based)."""
        seconds = self.base.total_seconds() * 2 ** min(max(attempt - 1, 0), 40)
        return pendulum.Duration(seconds=min(seconds, self.cap.total_seconds()))


@attrs.frozen
class TimerFailure:
    """A timer that failed: how often in a row, and when it may be claimed again."""

    aggregate_id: str
    attempts: int
    retry_at: pendulum.DateTime
    error: str


@attrs.frozen
class CursorLease:
    """One deliverer's hold on a consumer's cursor, until ``until``.

    ``position`` is the last event delivered; ``attempts`` counts failed tries of the
    event after it, which may be tried again from ``retry_at`` on.
    """

    consumer: str
    holder: str
    position: int
    until: pendulum.DateTime
    attempts: int = 0
    retry_at: pendulum.DateTime | None = None
    error: str | None = None


@attrs.frozen
class ParkedEvent:
    """An event set aside from a consumer's feed, with why: parked for good (the
    dead-letter, ``retry_at`` is ``None``) or held, to be offered again from
    ``retry_at`` on.

    Events are held per aggregate: while one of an aggregate's events is held or parked,
    its later events wait behind it (held, ``attempts`` 0), so a client never gets an
    aggregate's events out of order, and other aggregates' events are not held up.
    """  # noqa: D205

    consumer: str
    position: int
    event_id: str
    attempts: int
    error: str
    parked_at: pendulum.DateTime
    aggregate_id: str = ""
    retry_at: pendulum.DateTime | None = None


@attrs.frozen
class AggregateRow:
    """The read side's row of one aggregate, kept in the same transaction as each save.

    ``closed_at`` is when the aggregate reached a final state (``None`` while open).
    """

    id: str
    kind: str
    version: int
    status: str
    client: str
    project: str
    owner: str
    priority: str
    next_deadline: pendulum.DateTime | None
    opened_at: pendulum.DateTime | None
    closed_at: pendulum.DateTime | None
    updated_at: pendulum.DateTime | None = None
    """When its last event happened (a command dated earlier is refused)."""

    @property
    def open(self) -> bool:
        """Whether the aggregate is not in a final state."""
        return self.closed_at is None


def _statuses(value: Iterable[str] | str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = (value,)
    elif isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise ValidationError("status", "a status or a list of statuses", got=value)
    return tuple(check_id(status, "status") for status in value)


@attrs.frozen
class Query:
    """Which rows to read: every given field must match (``None`` matches anything).

    ``open`` selects open (``True``) or closed (``False``) aggregates; ``due_by`` those
    whose next deadline is at or before an instant.

    >>> Query(owner="li.wei", open=True)
    Query(kind=None, client=None, project=None, owner='li.wei', status=None, open=True, due_by=None)
    """

    kind: str | None = None
    client: str | None = None
    project: str | None = None
    owner: str | None = None
    status: tuple[str, ...] | None = attrs.field(default=None, converter=_statuses)
    open: bool | None = None
    due_by: pendulum.DateTime | None = None

    def __attrs_post_init__(self) -> None:
        # What a query compares reaches SQL as parameters: ids only, the same on every store.
        for field in ("kind", "client", "project", "owner"):
            value = getattr(self, field)
            if value is not None:
                check_id(value, field)
        if self.open is not None and not isinstance(self.open, bool):
            raise ValidationError("open", "true, false or None", got=self.open)

    def matches(self, row: AggregateRow) -> bool:
        """Whether ``row`` is selected (the memory store's filter; SQL stores use WHERE)."""
        return (
            (self.kind is None or row.kind == self.kind)
            and (self.client is None or row.client == self.client)
            and (self.project is None or row.project == self.project)
            and (self.owner is None or row.owner == self.owner)
            and (self.status is None or row.status in self.status)
            and (self.open is None or row.open == self.open)
            and (
                self.due_by is None
                or (row.next_deadline is not None and row.next_deadline <= self.due_by)
            )
        )


COUNT_BY = ("status", "priority", "owner", "client", "project")
"""The read-side columns :meth:`Store.counts` can group by."""


def count_column(by: object) -> str:
    """``by`` if rows can be counted by it; ``ValidationError`` naming the columns otherwise."""
    if by not in COUNT_BY:
        raise ValidationError("by", f"one of {', '.join(COUNT_BY)}", got=by)
    return str(by)


@attrs.frozen
class RulesRevision:
    """The rules a store runs under: revision number, fingerprint, canonical text, when."""

    number: int
    fingerprint: str
    source: str
    applied_at: pendulum.DateTime


@runtime_checkable
class RecordLog(Protocol):
    """Events and snapshots, as neutral records: each aggregate's history and current state.

    A store keeps records without knowing any workflow: the engine, which holds the
    kinds (a :class:`~clientflow.core.Codec`), turns aggregates and events into
    :class:`RecordCommit` s and decodes what it reads back.

    - ``write`` is atomic: the snapshots, their rows, the events, their feed positions and
      the idempotency keys of every commit are all written, or nothing is. A commit whose
      ``expected_version`` is not the stored version raises ``ConcurrencyError`` (creating
      an existing aggregate ``AlreadyExists``); a reused idempotency key raises
      ``DuplicateCommand``; an aggregate whose snapshot is behind its history raises
      ``CorruptData``; a commit decided under another rules revision ``RulesChanged``.
      The error names the commit's aggregate.
    - ``read_history`` is gap-free or raises ``CorruptData``; so is a row that cannot be read.
    - Time never runs backwards in a stream: a commit whose first event happened before
      the aggregate's last stored event is refused with ``ValidationError``.
    - Ids and idempotency keys compare byte for byte (no case, accent, width or
      trailing-space folding).
    - Texts are kept as given and returned unchanged (a store that keeps objects returns
      the records it was given, ``event`` and ``value`` included).
    """

    def read(self, aggregate_id: str) -> SnapshotRecord | None:
        """The current snapshot, or ``None`` if there is none with this id."""
        ...

    def read_many(self, aggregate_ids: Sequence[str]) -> Mapping[str, SnapshotRecord]:
        """The current snapshots with these ids (missing ones left out), in one read."""
        ...

    def write(self, commits: Sequence[RecordCommit]) -> None:
        """Write one or several aggregates' commits as one: all or nothing.

        SQL stores use one transaction, the memory store its lock; a host store must do
        the same or refuse more than one commit (then commands that change two
        aggregates, like a triggered risk opening its issue, are not offered).
        """
        ...

    def read_history(self, aggregate_id: str) -> Sequence[EventRecord]:
        """Every event record of one aggregate, oldest first (empty if unknown)."""
        ...

    def read_feed(self, after: int = 0, limit: int = 1000) -> Sequence[FeedRecord]:
        """Event records of every aggregate with positions after ``after``, in order
        (see :class:`Outbox`: positions increase and appear to readers in order)."""  # noqa: D205, D209
        ...

    def recall(self, idempotency_key: str) -> tuple[str, int] | None:
        """``(aggregate id, version)`` saved under this key, or ``None``."""
        ...

    def write_history(self, commits: Sequence[RecordCommit]) -> int:
        """Bulk-load whole histories (each commit creates its aggregate) into an empty id
        space, in one transaction; ``AlreadyExists`` naming an id that is taken.
        Returns the number of events written."""  # noqa: D205, D209
        ...


@runtime_checkable
class EventLog(Protocol):
    """The typed view of :class:`RecordLog`: aggregates and events of known kinds.

    What :class:`clientflow.engine.Engine` reads and writes through (``engine.kinded``),
    and what :class:`~clientflow.storage.kinded.TypedStore` adds to any store, for
    scripts and tests (``TypedStore(MemoryStore(), codec).load(...)``). The guarantees
    are :class:`RecordLog`'s.
    """

    @property
    def codec(self) -> Codec:
        """The workflow kinds it reads and writes, and their serialisation."""
        ...

    def load(self, aggregate_id: str) -> Aggregate | None:
        """The current aggregate, or ``None`` if there is none with this id."""
        ...

    def load_many(self, aggregate_ids: Sequence[str]) -> Mapping[str, Aggregate]:
        """The current aggregates with these ids (missing ones left out), in one read."""
        ...

    def save(self, commit: Commit) -> None:
        """Write a commit atomically against its expected version."""
        ...

    def save_all(self, commits: Sequence[Commit]) -> None:
        """Write several aggregates' commits as one: all or nothing."""
        ...

    def history(self, aggregate_id: str) -> Sequence[DomainEvent]:
        """Every event of one aggregate, oldest first (empty if unknown)."""
        ...

    def feed(self, after: int = 0, limit: int = 1000) -> Sequence[StoredEvent]:
        """Events of every aggregate with positions after ``after``, in order."""
        ...

    def import_history(self, events: Iterable[DomainEvent]) -> int:
        """Bulk-load whole histories (oldest first per aggregate) into an empty id space.

        Aggregates are rebuilt from the events; returns the number of events written.
        """
        ...


@runtime_checkable
class TimerIndex(Protocol):
    """Timers: which aggregates have a deadline due, claimed by one sweeper each.

    - ``due`` and ``claim_due`` use an index on ``next_deadline``, never a scan.
    - Concurrent sweepers get disjoint claims; a failing timer is backed off.
    """

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

    def defer_timer(
        self, aggregate_id: str, *, at: pendulum.DateTime, backoff: Backoff, error: str
    ) -> TimerFailure:
        """Record that firing an aggregate's timer failed; keep it unclaimed for a back-off.

        Consecutive failures are counted (a save of the aggregate resets the count) and
        the claim is held until ``at + backoff.delay(count)``.
        """
        ...

    def timer_failures(self, limit: int = 1000) -> Sequence[TimerFailure]:
        """Aggregates whose timers are failing, most failures first."""
        ...


@runtime_checkable
class Outbox(Protocol):
    """The feed's consumers: backlog, leased cursors, held and parked events.

    - Feed positions (:meth:`RecordLog.read_feed`) increase and appear to readers in
      order: a reader that has seen position *n* has seen every event below it, and no
      event can appear below *n* later (a consumer's cursor never skips one).
    - One deliverer per consumer at a time (a lease on the store's own clock).
    """

    def backlog(self, after: int) -> int:
        """How many events ``read_feed(after)`` would offer now (a consumer's backlog)."""
        ...

    def cursor(self, name: str) -> int:
        """The last feed position a named consumer (e.g. the notifier) has processed."""
        ...

    def clock(self) -> pendulum.DateTime:
        """The store's own time: the database server's clock (the process's for the
        memory store). Deliverers on hosts whose clocks disagree time their cursor
        leases by it, so a skewed host never takes a lease that is still running."""  # noqa: D205, D209
        ...

    def lease_cursor(
        self, name: str, *, holder: str, at: pendulum.DateTime, until: pendulum.DateTime
    ) -> CursorLease | None:
        """Take the named consumer's cursor for ``holder`` until ``until``.

        ``None`` while another holder's lease runs past ``at``: one deliverer per consumer
        at a time, so events repeat only after a deliverer dies holding the lease.
        """
        ...

    def update_cursor(self, lease: CursorLease) -> bool:
        """Write the lease's position, failure state and ``until``, if ``holder`` still holds it.

        ``False`` (nothing written) when the lease was lost to another holder.
        """
        ...

    def release_cursor(self, lease: CursorLease) -> None:
        """End the lease early (if still held), so the next deliverer need not wait."""
        ...

    def park(self, parked: ParkedEvent) -> None:
        """Record (or update) an event set aside: held for a retry or parked for good."""
        ...

    def parked(self, name: str, limit: int = 1000) -> Sequence[ParkedEvent]:
        """The events a consumer parked for good (``retry_at`` is ``None``), by position."""
        ...

    def held(self, name: str, limit: int = 100_000) -> Sequence[ParkedEvent]:
        """Every event a consumer set aside, held or parked, by position."""
        ...

    def unpark(self, name: str, position: int) -> bool:
        """Forget a parked event (retried successfully or discarded); ``False`` if none."""
        ...


@runtime_checkable
class ReadSide(Protocol):
    """The read side: one row per aggregate, for lists, counts and reports.

    - Served by indexes (owner, client, kind), never by reading the feed; written in the
      same transaction as the aggregate it describes.
    """

    def rows(
        self, query: Query, *, after: str | None = None, limit: int = 100
    ) -> Sequence[AggregateRow]:
        """Read-side rows matching ``query``, by id, after the id ``after`` (keyset paging).

        Served by indexes (owner, client, kind), never by reading the feed.
        """
        ...

    def counts(self, query: Query, *, by: str = "status") -> Mapping[str, int]:
        """How many rows matching ``query`` have each value of column ``by``: one of
        :data:`COUNT_BY` (``status`` by default; ``priority`` gives a risk heat map's
        cells). Another column is a ``ValidationError``."""  # noqa: D205, D209
        ...


@runtime_checkable
class RulesLog(Protocol):
    """Rules revisions: which rules the store runs under, every revision kept.

    - Exactly one first revision wins when processes race (``over``).
    """

    def rules_revision(self) -> RulesRevision | None:
        """The rules revision in force (the latest applied), or ``None`` if none was."""
        ...

    def rules_revisions(self) -> Sequence[RulesRevision]:
        """Every rules revision recorded, oldest first (the definitions of the rules'
        workflows that items opened under earlier revisions still run by)."""  # noqa: D205, D209
        ...

    def apply_rules(
        self,
        fingerprint: str,
        source: str,
        at: pendulum.DateTime,
        *,
        over: int | None = None,
    ) -> RulesRevision:
        """Record rules as the revision in force; the current one if it has this fingerprint.

        ``over`` is the revision number the caller saw in force (0 for none): when another
        revision was recorded meanwhile, nothing is written and :class:`ConcurrencyError`
        says so (the caller looks again), so two processes opening a new store with
        different rules never both win. Every revision is kept, so the rules an old
        aggregate ran under stay readable.
        """
        ...


@runtime_checkable
class Store(RecordLog, TimerIndex, Outbox, ReadSide, RulesLog, Protocol):
    """Contract every store keeps (checked by :class:`clientflow.testing.StoreContract`).

    The port is split by concern, so a host store can see what each part asks of it:
    :class:`RecordLog` (events and snapshots, as neutral records: a store knows no
    workflow kinds), :class:`TimerIndex` (due timers and their
    claims), :class:`Outbox` (the feed, cursors, held and parked events),
    :class:`ReadSide` (rows and counts) and :class:`RulesLog` (rules revisions); each
    part's docstring states its guarantees. A full store is all five, plus ``close``.
    Driver errors never escape any part: they are re-raised as ``StoreError``.
    """

    def close(self) -> None:
        """Release connections and files."""
        ...


@runtime_checkable
class KindedStore(Store, EventLog, Protocol):
    """A store with the typed methods of :class:`EventLog` as well: a store read with its
    kinds (:class:`~clientflow.storage.kinded.TypedStore`); no built-in store is one."""  # noqa: D205, D209


class PermanentDeliveryError(Exception):
    """Raised by a notifier when the receiver will never accept this event (a 4xx
    refusal, an invalid address): the engine parks it at once instead of retrying."""  # noqa: D205, D209


class RateLimited(Exception):
    """Raised by a notifier when the receiver asks it to slow down (a robot's messages a
    minute, HTTP 429): the event is offered again after ``retry_after`` seconds (or the
    engine's first back-off step), and the wait never counts as a failed attempt."""  # noqa: D205, D209

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@runtime_checkable
class Notifier(Protocol):
    """What the host implements to tell people (email, IM, webhooks).

    Delivery is at least once: after a crash an event may be offered again, always with
    the same ``event.event.event_id`` to de-duplicate on. Raise to stop delivery; the
    event and those after it are offered again on the next delivery (after a back-off),
    up to the engine's ``max_attempts``; raise :class:`PermanentDeliveryError` to park
    the event at once, :class:`RateLimited` to wait without counting an attempt.
    """

    def notify(self, event: StoredEvent) -> None:
        """Send whatever this event means to the people concerned."""
        ...
