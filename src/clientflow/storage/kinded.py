"""Aggregates and events of known workflow kinds over a neutral store: the codec at the boundary.

A store keeps :class:`~clientflow.ports.SnapshotRecord` s and
:class:`~clientflow.ports.EventRecord` s and knows no workflow. Whoever holds the kinds
(the engine, built by the composition root) turns commits into records with a
:class:`Kinded` and decodes what the store returns:

- a record it writes carries the aggregate or event beside text produced only when a
  store asks for it, so the memory store, which keeps the records, never encodes, and
  its reads hand the same objects back without decoding;
- a snapshot read back as text equal to the text last written or read for that
  aggregate decodes to the aggregate held beside it (encoding is deterministic), so a
  SQL store's load after a save skips the decoding, the largest step of a load.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from functools import partial
from typing import Generic, TypeVar

import pendulum

from clientflow.core import (
    Aggregate,
    Codec,
    CorruptData,
    Description,
    DomainEvent,
    ValidationError,
)
from clientflow.core.events import EventRegistry
from clientflow.core.jsontext import TextWriter
from clientflow.ports import (
    AggregateRow,
    Backoff,
    Commit,
    CursorLease,
    EventRecord,
    FeedRecord,
    ParkedEvent,
    Query,
    RecordCommit,
    RecordLog,
    RulesRevision,
    SnapshotRecord,
    Store,
    StoredEvent,
    TimerFailure,
)
from clientflow.storage.streams import collector_paused, folded_histories

__all__ = ["Kinded", "TypedStore"]

_LOG = logging.getLogger("clientflow.storage")

# How many decoded aggregates are kept beside their snapshot text (see Kinded.aggregate).
_HELD = 4096

_NO_DESCRIPTION = Description()

_S = TypeVar("_S", bound=Store)


def _payload(events: EventRegistry, event: DomainEvent, writer: TextWriter | None = None) -> str:
    return events.encode(event, writer=writer)[1]


class Kinded:
    """The typed view (:class:`~clientflow.ports.EventLog`) of a neutral store, for a
    codec's kinds: what the engine reads and writes through."""  # noqa: D205, D209

    __slots__ = ("_held", "_write", "codec", "records")

    def __init__(self, records: RecordLog, codec: Codec) -> None:
        if not isinstance(codec, Codec):
            raise ValidationError("kinds", "a Codec of the workflow kinds", got=codec)
        self.records = records
        self.codec = codec
        # the snapshot's text, by the codec's writer (its code generated once per class)
        self._write = codec.writer.write
        # Aggregates by id with the kind and snapshot text they were written as or read
        # from. Whoever wrote the row, the text read decides, so nothing here goes stale.
        self._held: dict[str, tuple[str, str, Aggregate]] = {}

    # -- writing ----------------------------------------------------------------------------

    def commit(self, commit: Commit) -> RecordCommit:
        """The neutral records of a commit: snapshot, events and read-side row."""
        return self._records(
            commit.aggregate,
            commit.events,
            commit.expected_version,
            commit.idempotency_key,
            commit.rules_revision,
        )

    def _records(
        self,
        aggregate: Aggregate,
        events: Sequence[DomainEvent],
        expected_version: int,
        idempotency_key: str | None = None,
        rules_revision: int | None = None,
        *,
        writer: TextWriter | None = None,
    ) -> RecordCommit:
        kind = self.codec.kind_of(aggregate)  # only kinds registered here
        kinds_of = self.codec.event_kinds
        for event in events:  # a stream holds its own kind's events only, whoever decided
            if kinds_of.get(type(event).event_type) != kind.name:
                raise ValidationError(
                    "commit.events",
                    f"events of the {kind.name} workflow (the kind of {aggregate.id})",
                    got=type(event).event_type,
                )
        described = _NO_DESCRIPTION if kind.describe is None else kind.describe(aggregate)
        last = events[-1].meta.occurred_at if events else None
        row = AggregateRow(  # by position: a third cheaper than by name, every command
            aggregate.id,
            kind.name,
            aggregate.version,
            aggregate.status,
            described.client,
            described.project,
            described.owner,
            described.priority,
            aggregate.next_deadline,
            described.opened_at,
            last if described.closed else None,  # closed_at (a store keeps an earlier one)
            last,  # updated_at
        )
        return RecordCommit(
            SnapshotRecord(
                aggregate.id,
                kind.name,
                aggregate.version,
                partial(self._write if writer is None else writer.write, aggregate),
                aggregate,
            ),
            tuple(
                map(self.event_record, events)
                if writer is None
                else (self.event_record(event, writer) for event in events)
            ),
            row,
            expected_version,
            idempotency_key,
            rules_revision,
            described.closed,
        )

    def event_record(self, event: DomainEvent, writer: TextWriter | None = None) -> EventRecord:
        """The neutral record of an event (its text produced when first asked for, by
        ``writer`` if given)."""  # noqa: D205, D209
        events, meta = self.codec.events, event.meta  # the fields, not their properties
        return EventRecord(
            meta.aggregate_id,
            meta.aggregate_version,
            type(event).event_type,
            meta.occurred_at,
            # a registered class: its text straight from the writer (else encode's error)
            partial(writer.write, event)
            if writer is not None and events.holds(event)
            else partial(_payload, events, event, writer),
            event,
        )

    def snapshot_record(self, aggregate: Aggregate) -> SnapshotRecord:
        """The neutral record of an aggregate's state (a repair writes it as it is)."""
        name, text = self.codec.dump_aggregate(aggregate)
        return SnapshotRecord(aggregate.id, name, aggregate.version, text, aggregate)

    def save(self, commit: Commit) -> None:
        """Write a commit atomically against its expected version."""
        record = self.commit(commit)
        self.records.write((record,))
        snapshot = record.snapshot
        if snapshot.made is not None:  # a store that keeps text: its next load may skip decoding
            self._hold(snapshot.id, snapshot.kind, snapshot.made, snapshot.value)

    def save_all(self, commits: Sequence[Commit]) -> None:
        """Write several aggregates' commits as one: all or nothing."""
        written = [self.commit(commit) for commit in commits]
        self.records.write(written)
        for record in written:
            snapshot = record.snapshot
            if snapshot.made is not None:
                self._hold(snapshot.id, snapshot.kind, snapshot.made, snapshot.value)

    def import_history(self, events: Iterable[DomainEvent]) -> int:
        """Rebuild aggregates from whole histories and write them in one go.

        Each history is folded once, straight into its records (no decision or commit
        object per aggregate); each snapshot and event is encoded once, when a store asks
        for its text, by the codec's remembering writer (a part of an aggregate taken
        from an event is written once). The cyclic garbage collector is paused meanwhile
        (see
        :func:`~clientflow.storage.streams.collector_paused`).
        """
        writer = self.codec.remembering  # an aggregate's parts are its events': written once
        try:
            with collector_paused():
                folded = folded_histories(self.codec, events)
                records = self._records
                return self.records.write_history(
                    [records(a, h, 0, writer=writer) for a, h in folded]
                )
        finally:
            writer.forget()

    # -- reading ----------------------------------------------------------------------------

    def aggregate(self, record: SnapshotRecord) -> Aggregate:
        """The aggregate a snapshot record holds; ``CorruptData`` naming it if unreadable.

        The aggregate last saved or loaded with this very text is returned instead of
        decoding it again: encoding is deterministic and decoding its text gives back an
        equal aggregate (the codec's round trip; a ``timedelta`` field may keep the
        class it was saved with rather than become a pendulum ``Duration``).
        """
        value = record.value
        if value is not None:
            return value
        source = record.source  # text, read back (checked without a call: the hot path)
        text = source if type(source) is str else record.snapshot
        held = self._held.get(record.id)
        if held is not None and held[1] == text and held[0] == record.kind:
            return held[2]
        try:
            aggregate = self.codec.load_aggregate(record.kind, text)
        except (ValidationError, RecursionError) as error:
            raise self._corrupt(error, aggregate_id=record.id) from None
        self._hold(record.id, record.kind, text, aggregate)
        return aggregate

    def _hold(self, aggregate_id: str, kind: str, text: str, aggregate: Aggregate | None) -> None:
        """Keep ``aggregate`` as what ``text`` decodes to (the oldest goes when full)."""
        if aggregate is None:
            return
        held = self._held
        if len(held) >= _HELD and aggregate_id not in held:
            # another thread may have taken the oldest meanwhile
            with suppress(StopIteration, KeyError, RuntimeError):
                del held[next(iter(held))]
        held[aggregate_id] = (kind, text, aggregate)

    def event(self, record: EventRecord, *, position: int | None = None) -> DomainEvent:
        """The event an event record holds; ``CorruptData`` if it cannot be read."""
        found = record.event
        if found is not None:
            return found
        try:
            return self.codec.load_event(record.type, record.payload)
        except (ValidationError, RecursionError) as error:
            raise self._corrupt(
                error, aggregate_id=record.aggregate_id, position=position
            ) from None

    def load(self, aggregate_id: str) -> Aggregate | None:
        """The current aggregate, or ``None``."""
        record = self.records.read(aggregate_id)
        if record is None:
            return None
        value = record.value  # a store that keeps objects: nothing to decode
        if value is not None:
            return value
        held = self._held.get(aggregate_id)  # the text last saved or read: no decoding
        if held is not None and held[1] == record.source and held[0] == record.kind:
            return held[2]
        return self.aggregate(record)

    def load_many(self, aggregate_ids: Sequence[str]) -> Mapping[str, Aggregate]:
        """The current aggregates with these ids, in one read."""
        found = self.records.read_many(aggregate_ids)
        return {i: self.aggregate(record) for i, record in found.items()}

    def history(self, aggregate_id: str) -> Sequence[DomainEvent]:
        """Every event of one aggregate, oldest first."""
        records = self.records.read_history(aggregate_id)
        return [self.event(record) for record in records]

    def feed(self, after: int = 0, limit: int = 1000) -> Sequence[StoredEvent]:
        """Events after position ``after``, in order."""
        return [self.stored(found) for found in self.records.read_feed(after, limit)]

    def stored(self, found: FeedRecord) -> StoredEvent:
        """A feed record decoded."""
        return StoredEvent(found.position, self.event(found.record, position=found.position))

    def _corrupt(
        self, error: Exception, *, aggregate_id: str | None = None, position: int | None = None
    ) -> CorruptData:
        label = repr(self.records)
        _LOG.error(
            "%s: unreadable row (aggregate %s, position %s): %s",
            label,
            aggregate_id,
            position,
            error,
            extra={"clientflow_aggregate_id": aggregate_id, "clientflow_position": position},
        )
        return CorruptData(
            label,
            f"cannot be read ({str(error)[:300]}); restore the row from a backup",
            aggregate_id=aggregate_id,
            position=position,
        )


class TypedStore(Generic[_S]):
    """A neutral store and the kinds it is read with, as one store with the typed methods
    of :class:`~clientflow.ports.EventLog` as well (a :class:`~clientflow.ports.KindedStore`),
    for scripts and tests: ``TypedStore(open_store(url), codec).load("CR-1")``, a host's
    store included (``TypedStore(MyStore(dsn), codec)``).

    Every part of the :class:`~clientflow.ports.Store` port is the store's own; what
    else the store offers (``create_schema``, repairs) is reached through :attr:`store`.
    An engine needs none of this: ``Engine(store, kinds=codec)`` holds the kinds itself.
    """  # noqa: D205

    def __init__(self, store: _S, codec: Codec) -> None:
        self.store: _S = store
        """The neutral store underneath."""
        self._kinded = Kinded(store, codec)

    @property
    def codec(self) -> Codec:
        """The workflow kinds the store is read with."""
        return self._kinded.codec

    def load(self, aggregate_id: str) -> Aggregate | None:
        """The current aggregate, or ``None``."""
        return self._kinded.load(aggregate_id)

    def load_many(self, aggregate_ids: Sequence[str]) -> Mapping[str, Aggregate]:
        """The current aggregates with these ids."""
        return self._kinded.load_many(aggregate_ids)

    def save(self, commit: Commit) -> None:
        """Write a commit atomically against its expected version."""
        self._kinded.save(commit)

    def save_all(self, commits: Sequence[Commit]) -> None:
        """Write several aggregates' commits as one: all or nothing."""
        self._kinded.save_all(commits)

    def history(self, aggregate_id: str) -> Sequence[DomainEvent]:
        """Every event of one aggregate, oldest first."""
        return self._kinded.history(aggregate_id)

    def feed(self, after: int = 0, limit: int = 1000) -> Sequence[StoredEvent]:
        """Events after position ``after``, in order."""
        return self._kinded.feed(after, limit)

    def import_history(self, events: Iterable[DomainEvent]) -> int:
        """Rebuild aggregates from whole histories and store them with their events."""
        return self._kinded.import_history(events)

    def __repr__(self) -> str:
        return f"TypedStore({self.store!r})"

    def read(self, aggregate_id: str) -> SnapshotRecord | None:  # noqa: D102
        return self.store.read(aggregate_id)

    def read_many(self, aggregate_ids: Sequence[str]) -> Mapping[str, SnapshotRecord]:  # noqa: D102
        return self.store.read_many(aggregate_ids)

    def write(self, commits: Sequence[RecordCommit]) -> None:  # noqa: D102
        self.store.write(commits)

    def read_history(self, aggregate_id: str) -> Sequence[EventRecord]:  # noqa: D102
        return self.store.read_history(aggregate_id)

    def read_feed(self, after: int = 0, limit: int = 1000) -> Sequence[FeedRecord]:  # noqa: D102
        return self.store.read_feed(after, limit)

    def recall(self, idempotency_key: str) -> tuple[str, int] | None:  # noqa: D102
        return self.store.recall(idempotency_key)

    def write_history(self, commits: Sequence[RecordCommit]) -> int:  # noqa: D102
        return self.store.write_history(commits)

    def due(self, at: pendulum.DateTime, limit: int = 1000) -> Sequence[str]:  # noqa: D102
        return self.store.due(at, limit)

    def claim_due(  # noqa: D102
        self, at: pendulum.DateTime, *, lease: pendulum.Duration, limit: int = 1000
    ) -> Sequence[str]:
        return self.store.claim_due(at, lease=lease, limit=limit)

    def defer_timer(  # noqa: D102
        self, aggregate_id: str, *, at: pendulum.DateTime, backoff: Backoff, error: str
    ) -> TimerFailure:
        return self.store.defer_timer(aggregate_id, at=at, backoff=backoff, error=error)

    def timer_failures(self, limit: int = 1000) -> Sequence[TimerFailure]:  # noqa: D102
        return self.store.timer_failures(limit)

    def backlog(self, after: int) -> int:  # noqa: D102
        return self.store.backlog(after)

    def cursor(self, name: str) -> int:  # noqa: D102
        return self.store.cursor(name)

    def clock(self) -> pendulum.DateTime:  # noqa: D102
        return self.store.clock()

    def lease_cursor(  # noqa: D102
        self, name: str, *, holder: str, at: pendulum.DateTime, until: pendulum.DateTime
    ) -> CursorLease | None:
        return self.store.lease_cursor(name, holder=holder, at=at, until=until)

    def update_cursor(self, lease: CursorLease) -> bool:  # noqa: D102
        return self.store.update_cursor(lease)

    def release_cursor(self, lease: CursorLease) -> None:  # noqa: D102
        self.store.release_cursor(lease)

    def park(self, parked: ParkedEvent) -> None:  # noqa: D102
        self.store.park(parked)

    def parked(self, name: str, limit: int = 1000) -> Sequence[ParkedEvent]:  # noqa: D102
        return self.store.parked(name, limit)

    def held(self, name: str, limit: int = 100_000) -> Sequence[ParkedEvent]:  # noqa: D102
        return self.store.held(name, limit)

    def unpark(self, name: str, position: int) -> bool:  # noqa: D102
        return self.store.unpark(name, position)

    def rows(  # noqa: D102
        self, query: Query, *, after: str | None = None, limit: int = 100
    ) -> Sequence[AggregateRow]:
        return self.store.rows(query, after=after, limit=limit)

    def counts(self, query: Query, *, by: str = "status") -> Mapping[str, int]:  # noqa: D102
        return self.store.counts(query, by=by)

    def rules_revision(self) -> RulesRevision | None:  # noqa: D102
        return self.store.rules_revision()

    def rules_revisions(self) -> Sequence[RulesRevision]:  # noqa: D102
        return self.store.rules_revisions()

    def apply_rules(  # noqa: D102
        self, fingerprint: str, source: str, at: pendulum.DateTime, *, over: int | None = None
    ) -> RulesRevision:
        return self.store.apply_rules(fingerprint, source, at, over=over)

    def close(self) -> None:  # noqa: D102
        self.store.close()
