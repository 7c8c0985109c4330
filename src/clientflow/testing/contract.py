"""The store contract as pytest test classes: subclass, implement ``make_store``, run.

>>> # in your own tests/test_my_store.py
>>> # class TestMyStore(StoreContract):
>>> #     def make_store(self):
>>> #         store = MyStore(dsn)  # neutral records: it knows no workflow kinds
>>> #         store.create_schema()
>>> #         return TypedStore(store, sample_codec())

Every adapter in this repository (memory, SQLite, PostgreSQL, MariaDB) runs exactly
this class; a host's own adapter that passes it behaves like them.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from functools import partial

import attrs
import pendulum
import pytest

from clientflow.changes import ChangeRequest, Verdict, cast_vote, withdraw
from clientflow.core import (
    MAX_ID_LENGTH,
    Actor,
    Aggregate,
    AlreadyExists,
    ConcurrencyError,
    CorruptData,
    CursorBusy,
    Decision,
    DomainEvent,
    DuplicateCommand,
    ManualClock,
    NotFound,
    StoreError,
    ValidationError,
    to_micros,
)
from clientflow.engine import MAX_REASON, Command, Engine
from clientflow.ports import (
    Backoff,
    Commit,
    EventRecord,
    KindedStore,
    Outbox,
    ParkedEvent,
    PermanentDeliveryError,
    Query,
    RateLimited,
    ReadSide,
    RecordCommit,
    RecordLog,
    RulesLog,
    SnapshotRecord,
    Store,
    StoredEvent,
    TimerIndex,
)
from clientflow.storage import SCHEMA_VERSION, MemoryStore, SQLStore
from clientflow.storage.audit import Rewritable, StoreCheck, check_store
from clientflow.storage.kinded import Kinded, TypedStore
from clientflow.testing.samples import (
    START,
    assessed,
    awaiting_approval,
    deliver_parcel,
    draft,
    reassess,
    sample_codec,
    send_parcel,
    submitted,
)

__all__ = ["SQLStoreContract", "StoreContract"]

LEASE = pendulum.duration(minutes=5)


class _Recorder:
    """Records what it is told; fails once on the event of version ``fail_at``."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.seen: list[StoredEvent] = []
        self.fail_at = fail_at

    def notify(self, event: StoredEvent) -> None:
        if self.fail_at is not None and event.event.aggregate_version == self.fail_at:
            self.fail_at = None
            raise RuntimeError("mail server down")
        self.seen.append(event)


def _withdraw_it(current: ChangeRequest | None, now: pendulum.DateTime) -> Decision[ChangeRequest]:
    assert current is not None
    return withdraw(current, Actor("anna"), now.add(days=1), reason="no longer")


def _snapshot(store: KindedStore, aggregate: Aggregate) -> SnapshotRecord:
    """A snapshot record as text only, as a SQL store reads it back (for repairs)."""
    name, text = store.codec.dump_aggregate(aggregate)
    return SnapshotRecord(aggregate.id, name, aggregate.version, text)


def _records(store: KindedStore) -> Store:
    """The neutral store a test's store is, or reads through (a :class:`TypedStore`)."""
    return store.store if isinstance(store, TypedStore) else store


def _check(store: KindedStore, *, fix: bool = False) -> StoreCheck:
    """``check_store`` on the neutral store, with the kinds the test reads it with."""
    return check_store(_records(store), store.codec, fix=fix)


class StoreContract(ABC):
    """What every Store must do. Subclasses provide :meth:`make_store`."""

    @abstractmethod
    def make_store(self) -> KindedStore:
        """A new, empty store with its schema in place, read with ``sample_codec()`` kinds.

        A store keeps neutral records and needs no kinds: wrap a host's own in a
        :class:`~clientflow.storage.kinded.TypedStore` (``TypedStore(MyStore(dsn),
        sample_codec())``) for the tests that read and write aggregates directly.
        """

    def reopen(self, store: KindedStore) -> KindedStore:
        """Another handle onto the same data (a new connection); by default the same object."""
        return store

    def delete_event(self, store: KindedStore, aggregate_id: str, version: int) -> None:
        """Remove one event row behind the store's back (to prove gaps are detected).

        Implemented for this repository's stores; override it for your own adapter.
        """
        if isinstance(store, TypedStore):
            store = store.store
        if isinstance(store, MemoryStore):
            history = store._histories[aggregate_id]  # damaging on purpose
            del history[version - 1]
            return
        if isinstance(store, SQLStore):
            with store._transaction(write=True) as db:  # damaging on purpose
                db.run(
                    f"DELETE FROM {store._t['events']} WHERE aggregate_id = :id AND version = :v",
                    {"id": aggregate_id, "v": version},
                )
            return
        pytest.fail(f"override delete_event() for {type(store).__name__}")

    @pytest.fixture
    def store(self) -> Iterator[KindedStore]:
        """A fresh store per test, closed afterwards."""
        store = self.make_store()
        yield store
        store.close()

    # -- load and save -------------------------------------------------------------------

    def test_unknown_aggregate_loads_as_none_with_empty_history(self, store: KindedStore) -> None:
        """Nothing saved, nothing found."""
        assert store.load("CR-404") is None
        assert list(store.history("CR-404")) == []
        assert list(store.feed()) == []

    def test_saved_aggregate_loads_back_equal(self, store: KindedStore) -> None:
        """What is saved is what is loaded, field for field."""
        change, steps = awaiting_approval("CR-1")
        events = tuple(e for step in steps for e in step.events)
        store.save(Commit(change, events, 0))
        assert store.load("CR-1") == change
        assert list(store.history("CR-1")) == list(events)

    def test_stale_version_is_refused_and_nothing_is_written(self, store: KindedStore) -> None:
        """Two writers decided on version 1; the second save fails and leaves no trace."""
        first = draft("CR-1")
        store.save(Commit(first.aggregate, first.events, 0))
        winner = submitted(first.aggregate)
        store.save(Commit(winner.aggregate, winner.events, 1))
        loser = submitted(first.aggregate, START.add(minutes=1))
        with pytest.raises(ConcurrencyError) as caught:
            store.save(Commit(loser.aggregate, loser.events, 1))
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        assert store.load("CR-1") == winner.aggregate
        assert [e.aggregate_version for e in store.history("CR-1")] == [1, 2]
        assert [s.event for s in store.feed()] == [*first.events, *winner.events]

    def test_creating_an_existing_aggregate_is_refused_as_already_exists(
        self, store: KindedStore
    ) -> None:
        """Expected version 0 means "new"; an id already taken is AlreadyExists, nothing written."""
        first = draft("CR-1")
        store.save(Commit(first.aggregate, first.events, 0))
        moved = submitted(first.aggregate)
        store.save(Commit(moved.aggregate, moved.events, 1))
        with pytest.raises(AlreadyExists, match="CR-1 already exists"):
            store.save(Commit(first.aggregate, first.events, 0))
        assert [e.aggregate_version for e in store.history("CR-1")] == [1, 2]
        assert store.load("CR-1") == moved.aggregate

    def test_engine_refuses_a_create_command_on_a_taken_id(self, store: KindedStore) -> None:
        """A create run against an existing id never writes a second history over it."""
        engine = Engine(store)
        engine.execute(Command("CR-1", _replay(draft("CR-1"))))
        engine.execute(Command("CR-1", _submit))
        with pytest.raises(AlreadyExists):
            engine.execute(Command("CR-1", lambda current, now: draft("CR-1", now)))
        assert [e.aggregate_version for e in store.history("CR-1")] == [1, 2]

    @pytest.mark.parametrize(
        ("saved", "other"),
        [
            ("CR-1", "cr-1"),  # case
            ("Zoë-3", "Zoe-3"),  # accent
            ("Straße-1", "Strasse-1"),  # expansion under some collations
            ("\uff23\uff32-4", "CR-4"),  # full width
        ],
    )
    def test_ids_compare_byte_for_byte(self, store: KindedStore, saved: str, other: str) -> None:
        """Ids that a collation might fold together are different aggregates."""
        first = draft(saved)
        store.save(Commit(first.aggregate, first.events, 0))
        assert store.load(other) is None
        assert list(store.history(other)) == []
        second = draft(other)
        store.save(Commit(second.aggregate, second.events, 0))
        assert store.load(saved).id == saved  # type: ignore[union-attr]
        assert store.load(other).id == other  # type: ignore[union-attr]
        assert sorted(s.event.aggregate_id for s in store.feed()) == sorted([saved, other])

    @pytest.mark.parametrize(
        "lookalike",
        ["CR-2 ", "CR-2\t", " CR-2", "CR-2\u200b", "Zoe\u0308-3"],
    )
    def test_a_lookalike_of_a_saved_id_finds_nothing(
        self, store: KindedStore, lookalike: str
    ) -> None:
        """Trailing spaces, zero-width characters and other Unicode forms are not the id."""
        for name in ("CR-2", "Zoë-3"):
            made = draft(name)
            store.save(Commit(made.aggregate, made.events, 0))
        assert store.load(lookalike) is None
        assert list(store.history(lookalike)) == []

    def test_idempotency_keys_compare_byte_for_byte(self, store: KindedStore) -> None:
        """form-42 and Form-42 are two commands: the second is applied, not dropped."""
        first = draft("CR-1")
        store.save(Commit(first.aggregate, first.events, 0, "Form-42"))
        again = submitted(first.aggregate)
        store.save(Commit(again.aggregate, again.events, 1, "form-42"))
        assert store.recall("Form-42") == ("CR-1", 1)
        assert store.recall("form-42") == ("CR-1", 2)
        assert store.recall("form-42 ") is None

    def test_longest_id_is_kept_by_every_store(self, store: KindedStore) -> None:
        """An id of MAX_ID_LENGTH four-byte characters is stored and found."""
        longest = "\U0001d538" * MAX_ID_LENGTH
        made = draft(longest)
        store.save(Commit(made.aggregate, made.events, 0, longest))
        assert store.load(longest) == made.aggregate
        assert store.recall(longest) == (longest, 1)

    def test_a_history_with_a_missing_version_is_reported_not_returned(
        self, store: KindedStore
    ) -> None:
        """A hole in a history is CorruptData naming the aggregate, never a short history."""
        _, steps = awaiting_approval("CR-1")
        store.save(Commit(steps[-1].aggregate, tuple(e for s in steps for e in s.events), 0))
        self.delete_event(store, "CR-1", 2)
        with pytest.raises(CorruptData, match=r"CR-1: history has versions 1, 3, 4"):
            store.history("CR-1")

    def test_aggregate_of_an_unknown_kind_is_refused(self, store: KindedStore) -> None:
        """A store only holds the kinds its codec knows."""

        class Stranger:
            id = "X-1"
            version = 1
            status = "new"
            next_deadline = None

        with pytest.raises(ValidationError):
            store.save(Commit(Stranger(), (), 0))
        assert store.load("X-1") is None

    def test_concurrent_writers_on_one_aggregate_never_lose_an_update(
        self, store: KindedStore
    ) -> None:
        """Threads racing to extend the same aggregate: each version is written once."""
        change, steps = assessed("CR-1")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        handles = [self.reopen(store) for _ in range(4)]
        wins: list[int] = []
        errors: list[BaseException] = []
        lock = threading.Lock()

        def writer(handle: KindedStore, n: int) -> None:
            engine = Engine(handle, max_retries=50)
            for i in range(5):
                hours = 100 * (n + 1) + i
                try:
                    result = engine.execute(Command("CR-1", partial(reassess, hours=hours)))
                except Exception as error:  # collected and asserted below
                    with lock:
                        errors.append(error)
                    continue
                with lock:
                    wins.append(int(result.events[0].impact.effort_hours))  # type: ignore[attr-defined]

        threads = [threading.Thread(target=writer, args=(h, n)) for n, h in enumerate(handles)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        history = list(store.history("CR-1"))
        assert [e.aggregate_version for e in history] == list(range(1, 24))
        efforts = [int(e.impact.effort_hours) for e in history[3:]]  # type: ignore[attr-defined]
        assert sorted(efforts) == sorted(wins)
        assert len(set(efforts)) == 20
        for handle in handles:
            if handle is not store:
                handle.close()

    # -- the neutral port: records of a host's own kind --------------------------------------

    def test_records_of_a_custom_kind_are_kept_and_read_back_as_given(
        self, store: KindedStore
    ) -> None:
        """A host's own kind (``sample_parcel``) is kept as records it knows nothing of.

        The snapshot and payload texts the engine produced come back unchanged, in the
        history and the feed, with the row, the deadline and the closing.
        """
        kinded = Kinded(store, sample_codec())
        sent = send_parcel("P-1")
        written = kinded.commit(Commit(sent.aggregate, sent.events, 0))
        store.write([written])
        record = store.read("P-1")
        assert record is not None
        assert (record.id, record.kind, record.version) == ("P-1", "sample_parcel", 1)
        assert record.snapshot == sample_codec().dump_aggregate(sent.aggregate)[1]
        [event] = store.read_history("P-1")
        assert (event.aggregate_id, event.version, event.type) == ("P-1", 1, "sample.parcel_sent")
        assert event.payload == sample_codec().dump_event(sent.events[0])[1]
        [fed] = store.read_feed()
        assert fed.record.payload == event.payload
        assert fed.position > 0
        assert kinded.load("P-1") == sent.aggregate
        assert store.read_many(["P-1", "P-404"]).keys() == {"P-1"}
        [row] = store.rows(Query(kind="sample_parcel"))
        assert (row.client, row.status, row.open) == ("acme", "sent", True)
        assert store.due(START.add(days=3)) == ["P-1"]
        delivered = deliver_parcel(sent.aggregate, START.add(hours=5))
        store.write([kinded.commit(Commit(delivered.aggregate, delivered.events, 1))])
        [row] = store.rows(Query(kind="sample_parcel"))
        assert (row.status, row.closed_at) == ("delivered", START.add(hours=5))
        assert store.due(START.add(days=3)) == []
        assert [e.version for e in store.read_history("P-1")] == [1, 2]
        assert Kinded(store, sample_codec()).history("P-1") == [*sent.events, *delivered.events]

    def test_records_written_as_text_alone_decode_to_the_same_objects(
        self, store: KindedStore
    ) -> None:
        """A commit of texts only is kept like any other, decoding to the same objects.

        No objects beside the texts, as a host's import writes them: what the engine
        decodes equals what was encoded.
        """
        codec = sample_codec()
        sent = send_parcel("P-2")
        parcel, [event] = sent.aggregate, sent.events
        kind, snapshot = codec.dump_aggregate(parcel)
        name, payload = codec.dump_event(event)
        row = Kinded(store, codec).commit(Commit(parcel, sent.events, 0)).row
        texts = RecordCommit(
            SnapshotRecord("P-2", kind, 1, snapshot),
            (EventRecord("P-2", 1, name, event.occurred_at, payload),),
            row,
            0,
            "import-P-2",
        )
        store.write([texts])
        assert store.recall("import-P-2") == ("P-2", 1)
        fresh = Kinded(store, codec)  # nothing held: everything decoded from the texts
        assert fresh.load("P-2") == parcel
        assert fresh.history("P-2") == [event]
        assert [s.event for s in fresh.feed()] == [event]
        with pytest.raises(ConcurrencyError):
            store.write([texts])  # expected version 0 again: P-2 exists
        with pytest.raises(DuplicateCommand):
            store.write([attrs.evolve(texts, expected_version=1)])

    def test_whole_histories_of_a_custom_kind_import_all_or_nothing(
        self, store: KindedStore
    ) -> None:
        """``write_history`` writes every commit or none: a taken id refuses them all."""
        kinded = Kinded(store, sample_codec())
        first, second = send_parcel("P-3"), send_parcel("P-4")
        commits = [kinded.commit(Commit(d.aggregate, d.events, 0)) for d in (first, second)]
        assert store.write_history(commits) == 2
        third = send_parcel("P-5")
        with pytest.raises(AlreadyExists):
            store.write_history(
                [kinded.commit(Commit(third.aggregate, third.events, 0)), commits[0]]
            )
        assert store.read("P-5") is None
        assert [r.id for r in store.rows(Query(kind="sample_parcel"))] == ["P-3", "P-4"]

    # -- the feed -----------------------------------------------------------------------

    def test_feed_is_ordered_and_pages(self, store: KindedStore) -> None:
        """Positions increase in commit order across aggregates (1, 2, 3... where the store
        numbers them with a counter); ``after`` and ``limit`` page through."""  # noqa: D205, D209
        saved: list[DomainEvent] = []
        for n in range(3):
            change, steps = awaiting_approval(f"CR-{n}")
            saved.extend(e for s in steps for e in s.events)
            store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        feed = list(store.feed())
        assert [s.event for s in feed] == saved
        p = positions(store)
        assert p == sorted(set(p))
        if dense_positions(store):
            assert p == list(range(1, 13))
        assert [s.position for s in store.feed(after=p[3], limit=3)] == p[4:7]
        assert list(store.feed(after=p[-1])) == []
        assert [store.backlog(after) for after in (0, p[3], p[-1])] == [12, 8, 0]

    # -- deadlines ------------------------------------------------------------------------

    def test_due_finds_deadlines_at_or_before_an_instant_earliest_first(
        self, store: KindedStore
    ) -> None:
        """Only aggregates with a deadline by then; the earliest first; ``limit`` respected."""
        for n, offset in enumerate((3, 1, 2)):
            change, steps = awaiting_approval(f"CR-{n}", START.add(hours=offset))
            store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        plain = draft("CR-9")
        store.save(Commit(plain.aggregate, plain.events, 0))
        deadlines = {f"CR-{n}": store.load(f"CR-{n}").next_deadline for n in range(3)}  # type: ignore[union-attr]
        latest = max(d for d in deadlines.values() if d is not None)
        assert list(store.due(latest)) == ["CR-1", "CR-2", "CR-0"]
        assert list(store.due(latest, limit=2)) == ["CR-1", "CR-2"]
        assert list(store.due(START)) == []

    def test_a_saved_deadline_moves_in_the_index(self, store: KindedStore) -> None:
        """Deciding the approval clears the deadline; it is no longer due."""
        change, steps = awaiting_approval("CR-1")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        due = change.next_deadline
        assert due is not None
        decided = cast_vote(change, Actor("pm1", {"pm"}), Verdict.APPROVE, START.add(hours=1))
        store.save(Commit(decided.aggregate, decided.events, change.version))
        assert list(store.due(due.add(days=1))) == []

    def test_claims_are_disjoint_until_the_lease_ends(self, store: KindedStore) -> None:
        """Two sweepers never hold the same aggregate; an expired lease is claimable again."""
        for n in range(4):
            change, steps = awaiting_approval(f"CR-{n}")
            store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        at = START.add(days=2)
        first = set(store.claim_due(at, lease=LEASE, limit=3))
        second = set(self.reopen(store).claim_due(at, lease=LEASE, limit=3))
        assert len(first) == 3
        assert len(second) == 1
        assert not first & second
        assert list(store.claim_due(at, lease=LEASE)) == []
        assert len(store.claim_due(at.add(minutes=6), lease=LEASE)) == 4

    def test_the_store_keeps_every_part_of_the_port(self, store: KindedStore) -> None:
        """The five concerns of :class:`clientflow.ports.Store`, each implemented."""
        for part in (RecordLog, TimerIndex, Outbox, ReadSide, RulesLog):
            assert isinstance(store, part), part.__name__

    # -- idempotency and cursors -----------------------------------------------------------

    def test_idempotency_key_is_recorded_once(self, store: KindedStore) -> None:
        """A second commit under the same key is refused, and nothing of it is written."""
        first = draft("CR-1")
        store.save(Commit(first.aggregate, first.events, 0, "req-1"))
        assert store.recall("req-1") == ("CR-1", 1)
        again = submitted(first.aggregate)
        with pytest.raises(DuplicateCommand):
            store.save(Commit(again.aggregate, again.events, 1, "req-1"))
        assert store.load("CR-1") == first.aggregate
        assert store.recall("req-2") is None

    def test_one_deliverer_holds_a_cursor_at_a_time(self, store: KindedStore) -> None:
        """A cursor lease excludes other holders until it ends, is released or expires."""
        assert store.cursor("mailer") == 0
        first = store.lease_cursor("mailer", holder="a", at=START, until=START.add(minutes=5))
        assert first is not None
        assert first.position == 0
        assert (
            store.lease_cursor("mailer", holder="b", at=START, until=START.add(minutes=5)) is None
        )
        assert store.update_cursor(attrs.evolve(first, position=5))
        assert store.cursor("mailer") == 5
        assert not store.update_cursor(attrs.evolve(first, holder="b", position=9))
        later = START.add(minutes=6)
        taken = store.lease_cursor("mailer", holder="b", at=later, until=later.add(minutes=5))
        assert taken is not None
        assert taken.position == 5
        assert not store.update_cursor(attrs.evolve(first, position=7))  # a's lease expired
        store.release_cursor(taken)
        again = store.lease_cursor("mailer", holder="c", at=later, until=later.add(minutes=5))
        assert again is not None
        assert store.cursor("other") == 0

    def test_cursor_keeps_the_failure_state_of_the_next_event(self, store: KindedStore) -> None:
        """Attempts, retry instant and error survive a release and a new lease."""
        lease = store.lease_cursor("mailer", holder="a", at=START, until=START.add(minutes=5))
        assert lease is not None
        failing = attrs.evolve(
            lease, position=3, attempts=2, retry_at=START.add(minutes=1), error="SMTP 451"
        )
        assert store.update_cursor(failing)
        store.release_cursor(failing)
        back = store.lease_cursor("mailer", holder="b", at=START, until=START.add(minutes=5))
        assert back is not None
        assert (back.position, back.attempts, back.retry_at, back.error) == (
            3,
            2,
            START.add(minutes=1),
            "SMTP 451",
        )

    def test_parked_events_are_listed_updated_and_forgotten(self, store: KindedStore) -> None:
        """The dead-letter keeps each parked event once per consumer, by position."""
        for position in (7, 3):
            store.park(ParkedEvent("mailer", position, f"CR-1@{position}", 5, "boom", START))
        store.park(ParkedEvent("mailer", 3, "CR-1@3", 6, "still failing", START))
        store.park(ParkedEvent("webhook", 3, "CR-1@3", 5, "boom", START))
        parked = list(store.parked("mailer"))
        assert [(p.position, p.attempts, p.error) for p in parked] == [
            (3, 6, "still failing"),
            (7, 5, "boom"),
        ]
        assert parked[0].parked_at == START
        assert store.unpark("mailer", 3)
        assert not store.unpark("mailer", 3)
        assert [p.position for p in store.parked("mailer")] == [7]
        assert [p.position for p in store.parked("webhook")] == [3]

    def test_a_failing_timer_is_backed_off_and_counted_until_saved(
        self, store: KindedStore
    ) -> None:
        """A deferred aggregate is not claimed again before its back-off ends."""
        for n in range(2):
            change, steps = awaiting_approval(f"CR-{n}")
            store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        at = START.add(days=2)
        backoff = Backoff(pendulum.duration(minutes=10), pendulum.duration(hours=1))
        assert sorted(store.claim_due(at, lease=LEASE)) == ["CR-0", "CR-1"]
        failure = store.defer_timer("CR-0", at=at, backoff=backoff, error="IndexError: 3")
        assert (failure.attempts, failure.retry_at) == (1, at.add(minutes=10))
        assert list(store.claim_due(at.add(minutes=6), lease=LEASE)) == ["CR-1"]
        assert sorted(store.claim_due(at.add(minutes=11), lease=LEASE)) == ["CR-0", "CR-1"]
        second = store.defer_timer("CR-0", at=at.add(minutes=11), backoff=backoff, error="again")
        assert (second.attempts, second.retry_at) == (2, at.add(minutes=31))
        assert [(f.aggregate_id, f.attempts, f.error) for f in store.timer_failures()] == [
            ("CR-0", 2, "again")
        ]
        current = store.load("CR-0")
        assert isinstance(current, ChangeRequest)
        decided = cast_vote(current, Actor("pm1", {"pm"}), Verdict.APPROVE, at)
        store.save(Commit(decided.aggregate, decided.events, current.version))
        assert list(store.timer_failures()) == []

    # -- the read side ---------------------------------------------------------------------

    def test_the_read_side_follows_every_save(self, store: KindedStore) -> None:
        """Rows by owner, status and deadline change in the same save as the aggregate."""
        for n in range(3):
            made = draft(f"CR-{n}")
            store.save(Commit(made.aggregate, made.events, 0))
        change, steps = awaiting_approval("CR-9")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        [row] = store.rows(Query(status="awaiting_approval"))
        assert (row.id, row.kind, row.owner, row.project) == ("CR-9", "change", "anna", "apollo")
        assert (row.priority, row.version, row.open) == ("should", 4, True)
        assert row.next_deadline == change.next_deadline
        assert row.opened_at == START
        assert [r.id for r in store.rows(Query(owner="anna"), limit=2)] == ["CR-0", "CR-1"]
        assert [r.id for r in store.rows(Query(owner="anna"), after="CR-1")] == ["CR-2", "CR-9"]
        assert dict(store.counts(Query(kind="change"))) == {"draft": 3, "awaiting_approval": 1}
        assert dict(store.counts(Query(kind="change"), by="owner")) == {"anna": 4}
        drafts = store.rows(Query(status="draft"))
        by_priority = dict(store.counts(Query(status="draft"), by="priority"))
        assert by_priority == {drafts[0].priority: 3}
        with pytest.raises(ValidationError, match="by: expected one of status, priority"):
            store.counts(Query(), by="status; DROP TABLE x")
        assert change.next_deadline is not None
        assert [r.id for r in store.rows(Query(due_by=change.next_deadline))] == ["CR-9"]
        assert store.rows(Query(owner="nobody")) == []
        loaded = store.load_many(["CR-9", "CR-404", "CR-1", "CR-9"])
        assert sorted(loaded) == ["CR-1", "CR-9"]
        assert loaded["CR-9"] == change
        first = store.load("CR-0")
        assert isinstance(first, ChangeRequest)
        gone = withdraw(first, Actor("anna"), START.add(hours=2))
        store.save(Commit(gone.aggregate, gone.events, first.version))
        [closed] = store.rows(Query(open=False))
        assert (closed.id, closed.status, closed.closed_at) == (
            "CR-0",
            "withdrawn",
            START.add(hours=2),
        )
        assert [r.id for r in store.rows(Query(open=True, owner="anna"))] == [
            "CR-1",
            "CR-2",
            "CR-9",
        ]

    def test_a_commit_dated_before_the_last_event_is_refused(self, store: KindedStore) -> None:
        """Time never runs backwards in a stream: an earlier-dated command changes nothing."""
        made = draft("CR-1", START.add(hours=2))
        store.save(Commit(made.aggregate, made.events, 0))
        early = submitted(made.aggregate, START.add(hours=1))
        with pytest.raises(ValidationError, match="at or after the last event of CR-1"):
            store.save(Commit(early.aggregate, early.events, 1))
        assert store.load("CR-1") == made.aggregate
        same = submitted(made.aggregate, START.add(hours=2))
        store.save(Commit(same.aggregate, same.events, 1))
        [row] = store.rows(Query(owner="anna"))
        assert row.updated_at == START.add(hours=2)
        late = submitted(made.aggregate, START)
        with pytest.raises(ConcurrencyError):  # stale first: the version moved on
            store.save(Commit(late.aggregate, late.events, 1))

    def test_imported_histories_are_on_the_read_side(self, store: KindedStore) -> None:
        """A bulk import writes the rows too."""
        built = [awaiting_approval(f"CR-{n}") for n in range(3)]
        store.import_history([e for _, steps in built for s in steps for e in s.events])
        assert dict(store.counts(Query())) == {"awaiting_approval": 3}

    # -- rules revisions ---------------------------------------------------------------------

    def test_rules_revisions_are_recorded_once_each_and_kept(self, store: KindedStore) -> None:
        """A store remembers the rules it runs under; re-applying the same rules is a no-op."""
        assert store.rules_revision() is None
        first = store.apply_rules("aaaa", '{"version": 1}', START)
        assert (first.number, first.fingerprint, first.applied_at) == (1, "aaaa", START)
        again = store.apply_rules("aaaa", '{"version": 1}', START.add(days=1))
        assert again == first
        second = store.apply_rules("bbbb", '{"version": 1, "x": "\u5468\u62a5"}', START.add(days=2))
        assert second.number == 2
        current = self.reopen(store).rules_revision()
        assert current == second
        assert current is not None
        assert "\u5468\u62a5" in current.source
        assert self.reopen(store).rules_revisions() == (first, second)

    # -- bulk import ------------------------------------------------------------------------

    def test_import_rebuilds_aggregates_from_histories(self, store: KindedStore) -> None:
        """Imported histories become aggregates equal to the ones the commands built."""
        built = [awaiting_approval(f"CR-{n}") for n in range(3)]
        events = [e for _, steps in built for s in steps for e in s.events]
        assert store.import_history(events) == len(events)
        for change, _ in built:
            assert store.load(change.id) == change
        assert sorted(s.event.event_id for s in store.feed()) == sorted(e.event_id for e in events)
        p = positions(store)
        assert p == sorted(set(p))
        if dense_positions(store):
            assert p == list(range(1, len(events) + 1))
        assert len(store.due(START.add(days=7))) == 3

    def test_import_over_existing_ids_writes_nothing(self, store: KindedStore) -> None:
        """An import that clashes with stored aggregates is refused whole."""
        first = draft("CR-1")
        store.save(Commit(first.aggregate, first.events, 0))
        other = [e for _, steps in [awaiting_approval("CR-2")] for s in steps for e in s.events]
        with pytest.raises(ConcurrencyError):
            store.import_history([*other, *first.events])
        assert store.load("CR-2") is None
        assert len(store.feed()) == 1

    def test_import_with_a_broken_history_writes_nothing(self, store: KindedStore) -> None:
        """A history with a gap, or not starting at version 1, is refused whole."""
        whole = [e for _, steps in [awaiting_approval("CR-1")] for s in steps for e in s.events]
        other = [e for _, steps in [awaiting_approval("CR-2")] for s in steps for e in s.events]
        for broken in ([*whole, *other[:1], *other[2:]], [*whole, *other[1:]]):
            with pytest.raises(ValidationError):
                store.import_history(broken)
            assert store.load("CR-1") is None
            assert store.load("CR-2") is None
            assert len(store.feed()) == 0

    # -- through the engine -----------------------------------------------------------------

    def test_engine_sweep_fires_each_due_timer_once_across_concurrent_sweepers(
        self, store: KindedStore
    ) -> None:
        """Several engines sweep at once; every overdue approval escalates exactly once."""
        for n in range(6):
            change, steps = awaiting_approval(f"CR-{n}")
            store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        at = START.add(days=1)
        handles = [self.reopen(store) for _ in range(3)]
        reports = []
        errors: list[BaseException] = []
        lock = threading.Lock()

        def sweeper(handle: KindedStore) -> None:
            try:
                report = Engine(handle).sweep(at, limit=2)
            except Exception as error:  # collected and asserted below
                with lock:
                    errors.append(error)
                return
            with lock:
                reports.append(report)

        threads = [threading.Thread(target=sweeper, args=(h,)) for h in handles]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        fired = [aggregate_id for report in reports for aggregate_id, _ in report.fired]
        assert sorted(fired) == [f"CR-{n}" for n in range(6)]
        assert not [f for r in reports for f in r.failed]
        for n in range(6):
            kinds = [e.event_type for e in store.history(f"CR-{n}")]
            assert kinds.count("change.approval_escalated") == 1
        for handle in handles:
            if handle is not store:
                handle.close()

    def test_engine_retried_command_with_the_same_key_applies_once(
        self, store: KindedStore
    ) -> None:
        """A double-submitted request changes the aggregate once."""
        engine = Engine(store)
        engine.execute(Command("CR-1", _replay(draft("CR-1"))))
        submit_once = Command("CR-1", _submit, idempotency_key="form-7")
        first = engine.execute(submit_once)
        second = engine.execute(submit_once)
        assert not first.duplicate
        assert second.duplicate
        assert second.aggregate == first.aggregate
        assert len(store.history("CR-1")) == 2

    def test_a_poison_event_is_parked_and_the_rest_delivered(self, store: KindedStore) -> None:
        """An event the notifier always refuses is retried, then parked.

        Its aggregate's later events wait behind it, in order, and go out once it is
        retried.
        """
        clock = ManualClock(START)
        notifier = _Poisoned(poison={"CR-1@2"})
        engine = Engine(store, clock=clock, notifier=notifier, max_attempts=3)
        _, steps = awaiting_approval("CR-1")
        for step in steps:
            result = engine.execute(Command("CR-1", _replay(step)))
        one, two, three, four = positions(store)
        assert result.delivery is not None
        assert result.delivery.position == four  # the feed went on; CR-1's rest waits
        assert result.delivery.held == (four,)  # the last one joined the queue behind two
        assert result.delivery.retry_at is not None
        assert engine.deliver().delivered == 0  # backing off: nothing tried before retry_at
        for _ in range(2):
            clock.advance(pendulum.duration(hours=2))
            report = engine.deliver()
        assert report.parked == (two,)
        assert [s.position for s in notifier.seen] == [one]  # never three before two
        assert [(p.position, p.attempts) for p in engine.parked()] == [(two, 3)]
        assert "refused CR-1@2" in engine.parked()[0].error
        assert [p.position for p in store.held("notifier")] == [two, three, four]
        with pytest.raises(NotFound):  # waiting behind two, not parked: never dropped
            engine.discard_parked(three)
        limited = Engine(store, clock=clock, notifier=_Limiting(5), max_attempts=3)
        assert not limited.retry_parked(two)  # the receiver is busy: a wait, not an attempt
        assert [(p.position, p.attempts) for p in engine.parked()] == [(two, 3)]
        notifier.poison.clear()
        assert engine.retry_parked(two)
        engine.deliver()
        assert [s.position for s in notifier.seen] == [one, two, three, four]
        assert engine.parked() == ()
        assert store.held("notifier") == []
        store.park(ParkedEvent("notifier", four, "CR-1@4", 3, "x", START))
        other = store.lease_cursor(
            "notifier", holder="someone", at=store.clock(), until=store.clock().add(minutes=5)
        )
        assert other is not None
        with pytest.raises(CursorBusy):  # a retry or delivery is at work: not under it
            engine.discard_parked(four)
        store.release_cursor(other)
        engine.discard_parked(four)
        assert engine.parked() == ()

    def test_a_failing_aggregate_never_holds_up_another(self, store: KindedStore) -> None:
        """Order is kept per aggregate, not across them.

        While one client's event is being retried, another client's events go out at
        once, and level 1 of an escalation still reaches its client before level 2.
        """
        clock = ManualClock(START)
        notifier = _Poisoned(poison={"CR-1@2"})
        engine = Engine(store, clock=clock, notifier=notifier, max_attempts=5)
        for name in ("CR-1", "CR-2"):
            change, steps = awaiting_approval(name)
            store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        by_id = {s.event.event_id: s.position for s in store.feed()}
        report = engine.deliver()
        sent = [s.event.event_id for s in notifier.seen]
        assert sent == ["CR-1@1", "CR-2@1", "CR-2@2", "CR-2@3", "CR-2@4"]  # none waited
        assert report.held == (by_id["CR-1@2"], by_id["CR-1@3"], by_id["CR-1@4"])
        notifier.poison.clear()
        clock.advance(pendulum.duration(hours=1))
        engine.deliver()
        sent = [s.event.event_id for s in notifier.seen]
        assert sent[5:] == ["CR-1@2", "CR-1@3", "CR-1@4"]  # in its own order
        assert store.held("notifier") == []

    def test_check_store_finds_and_mends_what_drifted_from_the_events(
        self, store: KindedStore
    ) -> None:
        """``check_store`` reports drift from the events and mends it with ``fix``.

        A snapshot behind its history and a read-side row with a wrong client are found;
        with ``fix`` the rebuilt state is written back and commands work again.
        """
        change, steps = awaiting_approval("CR-1")
        events = tuple(e for s in steps for e in s.events)
        store.save(Commit(change, events, 0))
        assert _check(store).problems == ()
        records = _records(store)
        if not isinstance(records, Rewritable):
            return  # a host store without repairs: checking is all it offers
        [row] = store.rows(Query())
        records.rewrite(_snapshot(store, steps[0].aggregate), attrs.evolve(row, client="wrong"))
        found = _check(store)
        whats = [problem.what for problem in found.problems]
        assert any("snapshot at version 1 behind its history" in w for w in whats), whats
        assert any("read side client is 'wrong'" in w for w in whats), whats
        assert not found.ok
        mended = _check(store, fix=True)
        assert mended.fixed == 1
        assert _check(store).problems == ()
        assert store.load("CR-1") == change
        withdrawn = Engine(store).execute(Command("CR-1", _withdraw_it))
        assert withdrawn.aggregate.version == change.version + 1

    def test_check_store_fix_never_rolls_back_a_live_command(self, store: KindedStore) -> None:
        """A repair run on a live store keeps every command committed meanwhile.

        Two writers change one aggregate while ``check_store(fix=True)`` loops: no
        writer meets ``CorruptData``, no false problem is reported, and the store ends
        consistent with every command applied.
        """
        if not isinstance(_records(store), Rewritable):
            return
        change, steps = assessed("CR-0")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        errors: list[Exception] = []
        reported: list[str] = []
        stop = threading.Event()

        def writer(n: int) -> None:
            engine = Engine(self.reopen(store), max_retries=500)
            for i in range(30):
                try:
                    engine.execute(Command("CR-0", partial(reassess, hours=n * 100 + i + 1)))
                except Exception as error:  # collected and asserted below
                    errors.append(error)

        def checker() -> None:
            handle = self.reopen(store)
            while not stop.is_set():
                reported.extend(p.what for p in _check(handle, fix=True).problems)

        writers = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
        watching = threading.Thread(target=checker)
        watching.start()
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join()
        stop.set()
        watching.join()
        assert errors == []
        assert reported == []
        assert _check(store).problems == ()
        final = store.load("CR-0")
        assert final is not None
        assert final.version == change.version + 60

    def test_a_snapshot_behind_its_history_is_reported_not_skipped(
        self, store: KindedStore
    ) -> None:
        """A restored snapshot older than its events is named, with what mends it.

        Its commands raise ``CorruptData`` (not a ``ConcurrencyError`` that no retry can
        cure), a sweep lists it as failed (backed off, not "skipped" every time), and
        ``check_store(fix=True)`` mends it.
        """
        records = _records(store)
        if not isinstance(records, Rewritable):
            return  # a host store without repairs cannot be damaged this way here
        change, steps = awaiting_approval("CR-1")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        [row] = store.rows(Query())
        behind = attrs.evolve(change, version=change.version - 1)  # its deadline kept
        records.rewrite(_snapshot(store, behind), row)  # a snapshot restored from an old backup
        before = tuple(store.history("CR-1"))
        with pytest.raises(CorruptData, match=r"behind its history.*check-store --fix"):
            Engine(store).execute(Command("CR-1", _withdraw_it))
        assert change.next_deadline is not None
        report = Engine(store).sweep(change.next_deadline.add(days=30))
        assert [aggregate_id for aggregate_id, _ in report.failed] == ["CR-1"]
        assert "check-store --fix" in report.failed[0][1]
        assert tuple(store.history("CR-1")) == before
        _check(store, fix=True)
        assert Engine(store).execute(Command("CR-1", _withdraw_it)).aggregate.version == 5

    def test_save_all_writes_every_commit_or_none(self, store: KindedStore) -> None:
        """Several aggregates' commits are written as one, all or nothing.

        A stale version, a taken id or a reused key in any of them leaves nothing of any
        written; otherwise all land, with their read-side rows and keys.
        """
        one, two, three, four = (draft(f"CR-{n}") for n in range(1, 5))
        store.save(Commit(one.aggregate, one.events, 0))
        later = submitted(one.aggregate)
        store.save(Commit(later.aggregate, later.events, 1))  # CR-1 is at version 2 now
        feed = list(store.feed())
        stale = Commit(later.aggregate, later.events, 1)
        with pytest.raises(ConcurrencyError):
            store.save_all((Commit(two.aggregate, two.events, 0, "k2"), stale))
        with pytest.raises(AlreadyExists):
            store.save_all(
                (Commit(two.aggregate, two.events, 0), Commit(one.aggregate, one.events, 0))
            )
        assert store.load("CR-2") is None
        assert list(store.feed()) == feed
        assert store.recall("k2") is None
        assert [row.id for row in store.rows(Query())] == ["CR-1"]
        store.save_all(
            (Commit(two.aggregate, two.events, 0, "k2"), Commit(three.aggregate, three.events, 0))
        )
        assert (store.load("CR-2"), store.load("CR-3")) == (two.aggregate, three.aggregate)
        assert store.recall("k2") == ("CR-2", 1)
        assert sorted(row.id for row in store.rows(Query())) == ["CR-1", "CR-2", "CR-3"]
        with pytest.raises(DuplicateCommand):  # a key already used: nothing of CR-4
            store.save_all((Commit(four.aggregate, four.events, 0, "k2"),))
        assert store.load("CR-4") is None

    def test_the_store_clock_is_the_shared_time_leases_run_on(self, store: KindedStore) -> None:
        """``clock()`` is the store's own time, aware UTC, close to this machine's.

        It is the database server's clock on SQL stores; it never runs backwards here.
        """
        first = store.clock()
        second = self.reopen(store).clock()
        assert first.tzinfo is not None
        assert first.utcoffset() == dt.timedelta(0)
        assert abs((first - pendulum.now("UTC")).total_seconds()) < 120
        assert second >= first.subtract(seconds=1)

    def test_a_slow_receiver_never_livelocks_two_deliverers(self, store: KindedStore) -> None:
        """A receiver slower than lease/batch never livelocks two deliverers.

        20 ms an event, a 0.6 s lease, batches of 200: the lease is renewed as work
        proceeds, so every event is sent once and the cursor reaches the end.
        """
        for n in range(4):
            change, steps = awaiting_approval(f"CR-{n}")
            store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        written = positions(store)
        sent: list[int] = []
        lock = threading.Lock()

        class Slow:
            def notify(self, event: StoredEvent) -> None:
                time.sleep(0.02)
                with lock:
                    sent.append(event.position)

        handles = [store, self.reopen(store)]
        lease = dt.timedelta(seconds=0.6)

        def deliverer(handle: KindedStore) -> None:
            engine = Engine(handle, notifier=Slow(), lease=lease)
            deadline = time.monotonic() + 20
            while handle.cursor("notifier") < written[-1] and time.monotonic() < deadline:
                if engine.deliver(limit=200).busy:
                    time.sleep(0.01)

        threads = [threading.Thread(target=deliverer, args=(h,)) for h in handles]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(sent) == written  # each once: no lease lapsed under a busy deliverer
        assert store.cursor("notifier") == written[-1]
        for handle in handles[1:]:
            handle.close()

    def test_hosts_whose_clocks_disagree_do_not_both_deliver(self, store: KindedStore) -> None:
        """Hosts whose clocks are 6 minutes apart (lease 5 minutes) never both deliver.

        Leases run on the store's clock: while one delivers the other is refused.
        """
        for n in range(3):
            change, steps = awaiting_approval(f"CR-{n}")
            store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        written = positions(store)
        sent: list[int] = []
        lock = threading.Lock()
        started = threading.Event()

        class Slow:
            def notify(self, event: StoredEvent) -> None:
                started.set()
                time.sleep(0.02)
                with lock:
                    sent.append(event.position)

        behind = Engine(store, clock=ManualClock(START), notifier=Slow())
        ahead_store = self.reopen(store)
        ahead = Engine(ahead_store, clock=ManualClock(START.add(minutes=6)), notifier=Slow())
        worker = threading.Thread(target=behind.deliver)
        worker.start()
        started.wait(5)
        busy = ahead.deliver()
        worker.join()
        assert busy.busy
        assert busy.delivered == 0
        ahead.deliver()
        assert sorted(sent) == written
        ahead_store.close()

    def test_two_retries_of_one_parked_event_send_it_once(self, store: KindedStore) -> None:
        """Two operators retrying one parked event at once send it once.

        One sends it, the other is told the cursor is busy.
        """
        made = draft("CR-1")
        store.save(Commit(made.aggregate, made.events, 0))
        [position] = positions(store)
        store.park(ParkedEvent("notifier", position, "CR-1@1", 5, "refused", START))
        sent: list[int] = []
        lock = threading.Lock()

        class Slow:
            def notify(self, event: StoredEvent) -> None:
                time.sleep(0.2)
                with lock:
                    sent.append(event.position)

        other = self.reopen(store)
        outcomes: list[object] = []

        def retry(handle: KindedStore) -> None:
            try:
                outcomes.append(Engine(handle, notifier=Slow()).retry_parked(position))
            except CursorBusy as busy:
                outcomes.append(busy)

        threads = [threading.Thread(target=retry, args=(h,)) for h in (store, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sent == [position]
        assert sorted(map(type, outcomes), key=str) == sorted([bool, CursorBusy], key=str)
        assert store.parked("notifier") == []
        other.close()

    def test_a_refused_event_is_parked_with_the_attempts_really_made(
        self, store: KindedStore
    ) -> None:
        """A receiver that refuses for good saw one request: the parked entry says 1."""
        made = draft("CR-1")
        store.save(Commit(made.aggregate, made.events, 0))

        class Refusing:
            def notify(self, event: StoredEvent) -> None:
                raise PermanentDeliveryError("410 gone")

        report = Engine(store, clock=ManualClock(START), notifier=Refusing()).deliver()
        [parked] = store.parked("notifier")
        assert report.parked == (parked.position,)
        assert parked.attempts == 1

    def test_a_hostile_notifiers_errors_never_escape_or_hold_for_long(
        self, store: KindedStore
    ) -> None:
        """Whatever a notifier raises, the command that saved stays saved and delivery goes on.

        Errors whose message cannot be read, runs to megabytes or holds lone surrogates
        are parked with a short readable reason; a rate limit asking for an infinite, NaN,
        negative or absurd wait holds the feed at most an hour and is never an attempt.
        """
        clock = ManualClock(START)

        class Unprintable(Exception):
            def __str__(self) -> str:
                raise RuntimeError("no message for you")

        failures: dict[str, Exception] = {
            "CR-1": Unprintable(),
            "CR-2": RuntimeError("x" * 1_000_000),
            "CR-3": RuntimeError("bad \udc80 text"),
            "CR-5": _Disguised(),
        }

        class Hostile:
            def __init__(self) -> None:
                self.seen: list[str] = []

            def notify(self, event: StoredEvent) -> None:
                failure = failures.get(event.event.aggregate_id)
                if failure is not None:
                    raise failure
                self.seen.append(event.event.aggregate_id)

        notifier = Hostile()
        engine = Engine(store, clock=clock, notifier=notifier, max_attempts=1)
        for name in (*failures, "CR-4"):
            result = engine.execute(Command(name, _replay(draft(name))))
            assert store.load(name) == result.aggregate
        assert notifier.seen == ["CR-4"]  # the others were refused, CR-4 still went out
        owner = {s.position: s.event.aggregate_id for s in store.feed(limit=100)}
        reasons = {owner[p.position]: p.error for p in store.parked("notifier")}
        assert reasons["CR-1"] == "Unprintable: <the error's message could not be read>"
        assert reasons["CR-3"].startswith("RuntimeError: bad ")
        assert reasons["CR-5"] == "_Disguised: looks like text"
        assert all(len(r) <= MAX_REASON for r in reasons.values())
        for wait in (float("inf"), float("nan"), 1e10, 10**400, -5.0, "soon", _Unreadable()):
            limited = draft(f"RL-{len(notifier.seen)}")
            store.save(Commit(limited.aggregate, limited.events, 0))
            report = Engine(store, clock=clock, notifier=_Limiting(wait)).deliver()
            assert (report.error or "").startswith("RateLimited: slow down")
            assert report.retry_at is not None
            assert clock.now() <= report.retry_at <= clock.now().add(hours=1)
            if wait in (1e10, 10**400):
                assert report.retry_at == clock.now().add(hours=1)  # the cap, not a default
            clock.advance(pendulum.duration(hours=1, seconds=1))
            assert Engine(store, clock=clock, notifier=notifier).deliver().error is None
            assert notifier.seen[-1] == limited.aggregate.id  # no attempt was counted

    def test_concurrent_deliverers_deliver_each_event_once(self, store: KindedStore) -> None:
        """Deliverers racing on one consumer, with flaky sends, repeat no accepted event."""
        for n in range(30):
            change, steps = awaiting_approval(f"CR-{n}")
            store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        written = positions(store)
        accepted: list[int] = []
        lock = threading.Lock()
        rng = random.Random(7)

        class Flaky:
            def notify(self, event: StoredEvent) -> None:
                with lock:
                    if rng.random() < 0.05:
                        raise ConnectionError("flaky")
                    accepted.append(event.position)

        handles = [self.reopen(store) for _ in range(4)]
        errors: list[BaseException] = []
        instant = Backoff(pendulum.duration(), pendulum.duration())

        def deliverer(handle: KindedStore) -> None:
            engine = Engine(handle, notifier=Flaky(), delivery_backoff=instant, max_attempts=50)
            try:
                for _ in range(400):
                    engine.deliver(limit=7)
                    done = handle.cursor("notifier") >= written[-1]
                    if done and not handle.held("notifier"):  # nothing left to retry
                        return
            except Exception as error:  # collected and asserted below
                errors.append(error)

        threads = [threading.Thread(target=deliverer, args=(h,)) for h in handles]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [], errors
        assert sorted(accepted) == written
        for handle in handles:
            if handle is not store:
                handle.close()

    def test_engine_delivers_every_event_at_least_once_in_order(self, store: KindedStore) -> None:
        """A notifier failure stops delivery; a delivery after the back-off resumes there."""
        notifier = _Recorder(fail_at=3)
        clock = ManualClock(START)
        engine = Engine(store, notifier=notifier, clock=clock)
        _, steps = awaiting_approval("CR-1")
        for step in steps:
            engine.execute(Command("CR-1", _replay(step)))
        clock.advance(pendulum.duration(seconds=30))
        report = engine.deliver()
        assert report.error is None, report
        written = positions(store)
        assert [s.position for s in notifier.seen] == written
        assert len({s.event.event_id for s in notifier.seen}) == 4
        assert store.cursor("notifier") == written[-1]


class _Hostile(str):
    """Text whose every way of being formatted or joined raises."""

    def __format__(self, spec: str) -> str:
        raise RuntimeError("no format")

    def __add__(self, other: str) -> str:
        raise RuntimeError("no join")

    def __radd__(self, other: str) -> str:
        raise RuntimeError("no join")


class _Disguised(Exception):
    def __str__(self) -> str:
        return _Hostile("looks like text")


class _Unreadable:
    """A ``retry_after`` that fails however it is read."""

    def __float__(self) -> float:
        raise ArithmeticError("not a number of seconds")


class _Limiting:
    """Asks for ``wait`` seconds on every event, as a receiver's header would."""

    def __init__(self, wait: object) -> None:
        self.wait = wait

    def notify(self, event: StoredEvent) -> None:
        raise RateLimited("slow down", retry_after=self.wait)  # type: ignore[arg-type]


class _Poisoned:
    """Refuses the events named ``<aggregate id>@<version>``."""

    def __init__(self, poison: set[str]) -> None:
        self.seen: list[StoredEvent] = []
        self.poison = poison

    def notify(self, event: StoredEvent) -> None:
        name = f"{event.event.aggregate_id}@{event.event.aggregate_version}"
        if name in self.poison:
            raise RuntimeError(f"refused {name}")
        self.seen.append(event)


def positions(store: KindedStore) -> list[int]:
    """Every feed position of ``store``, in feed order."""
    return [stored.position for stored in store.feed(limit=100_000)]


def dense_positions(store: KindedStore) -> bool:
    """Whether ``store`` numbers its feed 1, 2, 3... (every store but PostgreSQL's)."""
    dialect = getattr(_records(store), "_dialect", None)
    return not getattr(dialect, "concurrent_feed", False)


def _submit(change: ChangeRequest | None, now: pendulum.DateTime) -> Decision[ChangeRequest]:
    assert change is not None
    return submitted(change, now)


def _replay(
    decision: Decision[ChangeRequest],
) -> Callable[[ChangeRequest | None, pendulum.DateTime], Decision[ChangeRequest]]:
    """A command that returns a decision made earlier (to store prepared histories)."""

    def decide(change: ChangeRequest | None, now: pendulum.DateTime) -> Decision[ChangeRequest]:
        return decision

    return decide


class SQLStoreContract(StoreContract):
    """What SQL stores (:class:`~clientflow.storage.SQLStore` subclasses) must also do."""

    @abstractmethod
    def make_store(self) -> TypedStore[SQLStore]:
        """A new, empty SQL store with its schema in place, read with ``sample_codec()``
        kinds (``TypedStore(MySQLStore(dsn), sample_codec())``)."""  # noqa: D205, D209

    def test_a_feed_counter_behind_the_events_is_reported_and_repairable(
        self, store: KindedStore
    ) -> None:
        """A counter left behind is CorruptData saying what to run, not an endless conflict."""
        sql = _sql(store)
        made = draft("CR-1")
        store.save(Commit(made.aggregate, made.events, 0))
        with sql._transaction(write=True) as db:  # damaging on purpose
            db.run(f"UPDATE {sql._t['head']} SET position = 0 WHERE id = 1")
        other = draft("CR-2")
        if sql._dialect.rowid_feed:  # positions are the rowids: the counter is not read
            store.save(Commit(other.aggregate, other.events, 0))
            assert [e.position for e in store.read_feed(0)] == [1, 2]
            assert sql.repair_feed_counter() == 2
            return
        with pytest.raises(CorruptData, match=r"counter \(0\) is behind the newest event \(1\)"):
            store.save(Commit(other.aggregate, other.events, 0))
        assert store.load("CR-2") is None
        assert sql.repair_feed_counter() == 1
        store.save(Commit(other.aggregate, other.events, 0))
        assert [s.position for s in store.feed()] == [1, 2]

    def test_load_answers_the_stored_snapshot_not_the_one_it_saved(
        self, store: KindedStore
    ) -> None:
        """A row written behind this store's back (another process, a restore, damage)
        is what ``load`` answers, even for an aggregate it has just saved or loaded."""  # noqa: D205, D209
        sql = _sql(store)
        made = draft("CR-1")
        store.save(Commit(made.aggregate, made.events, 0))
        assert store.load("CR-1") == made.aggregate
        moved = submitted(made.aggregate, made.aggregate.requested_at)
        _, snapshot = store.codec.dump_aggregate(moved.aggregate)
        with sql._transaction(write=True) as db:  # another writer, on purpose
            db.run(
                f"UPDATE {sql._t['aggregates']} SET snapshot = :s, version = 2 WHERE id = 'CR-1'",
                {"s": snapshot},
            )
        assert store.load("CR-1") == moved.aggregate
        with sql._transaction(write=True) as db:  # damaging on purpose
            db.run(f"UPDATE {sql._t['aggregates']} SET snapshot = '[' WHERE id = 'CR-1'")
        with pytest.raises(CorruptData, match="CR-1"):
            store.load("CR-1")

    def test_check_store_reads_snapshots_by_meaning_not_by_text(self, store: KindedStore) -> None:
        """A snapshot written as other JSON text for the same aggregate (an older
        encoder, a restore tool) is no problem; one that says something else at the same
        version is reported, and mended with ``fix``."""  # noqa: D205, D209
        sql = _sql(store)
        change, steps = awaiting_approval("CR-1")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        _, snapshot = store.codec.dump_aggregate(change)
        table = sql._t["aggregates"]
        respaced = json.dumps(json.loads(snapshot), indent=1, sort_keys=True)
        with sql._transaction(write=True) as db:  # written by another tool, on purpose
            db.run(f"UPDATE {table} SET snapshot = :s WHERE id = 'CR-1'", {"s": respaced})
        assert _check(store).problems == ()
        retitled = store.codec.dump_aggregate(attrs.evolve(change, title="Other"))[1]
        with sql._transaction(write=True) as db:  # damaging on purpose
            db.run(f"UPDATE {table} SET snapshot = :s WHERE id = 'CR-1'", {"s": retitled})
        found = _check(store, fix=True)
        assert [p.what for p in found.problems] == ["snapshot differs from its history rebuilt"]
        assert found.fixed == 1
        assert store.load("CR-1") == change
        assert _check(store).problems == ()

    def test_an_unreadable_row_is_parked_and_delivery_goes_on(self, store: KindedStore) -> None:
        """An unreadable feed row is parked at once and delivery goes on past it.

        The events before and after it are delivered, whatever the store's positions
        look like (PostgreSQL's are not consecutive).
        """
        sql = _sql(store)
        for n in range(3):
            made = draft(f"CR-{n}")
            store.save(Commit(made.aggregate, made.events, 0))
        first, bad, last = positions(store)
        with sql._transaction(write=True) as db:  # damaging on purpose
            db.run(f"UPDATE {sql._t['events']} SET payload = '[' WHERE position = :p", {"p": bad})
        sent: list[int] = []

        class Recorder:
            def notify(self, event: StoredEvent) -> None:
                sent.append(event.position)

        report = Engine(store, clock=ManualClock(START), notifier=Recorder()).deliver()
        assert sent == [first, last]
        assert report.parked == (bad,)
        assert [p.position for p in store.parked("notifier")] == [bad]
        assert store.cursor("notifier") == last

    def test_a_schema_5_row_filed_under_another_kind_is_refiled(self, store: KindedStore) -> None:
        """Schema 6 files each aggregate under its first event's kind: releases before it
        filed every rules-file workflow's item under the last one declared."""  # noqa: D205, D209
        sql = _sql(store)
        change, sent = draft("CR-1"), send_parcel("P-1")
        store.save(Commit(change.aggregate, change.events, 0))
        store.save(Commit(sent.aggregate, sent.events, 0))
        t = sql._t
        with sql._transaction(write=True) as db:  # as a schema 5 release misfiled it
            db.run(f"UPDATE {t['aggregates']} SET kind = 'sample_parcel' WHERE id = 'CR-1'")
            db.run(f"UPDATE {t['meta']} SET value = '5' WHERE name = 'schema_version'")
        fresh = self.reopen(store)
        assert _sql(fresh).migrate(store.codec) == SCHEMA_VERSION
        assert [row.id for row in fresh.rows(Query(kind="change"))] == ["CR-1"]
        assert [row.id for row in fresh.rows(Query(kind="sample_parcel"))] == ["P-1"]
        assert fresh.load("CR-1") == change.aggregate
        if fresh is not store:
            fresh.close()

    def test_a_version_1_database_migrates_with_everything_kept(self, store: KindedStore) -> None:
        """Tables written by release 0.1 (schema 1) are upgraded in place, nothing lost."""
        sql = _sql(store)
        sql.drop_schema()
        _, steps = awaiting_approval("CR-1")
        events = [e for s in steps for e in s.events]
        codec = store.codec
        kind_name, snapshot = codec.dump_aggregate(steps[-1].aggregate)
        t = sql._t
        with sql._transaction(write=True) as db:
            for statement in _schema_v1(t, sql._dialect.name):
                db.run(statement)
            db.run(f"INSERT INTO {t['meta']} VALUES ('schema_version', '1')")
            db.run(f"INSERT INTO {t['head']} VALUES (1, {len(events)})")
            db.run(
                f"INSERT INTO {t['aggregates']} (id, kind, version, snapshot, deadline)"
                " VALUES (:id, :kind, :version, :snapshot, :deadline)",
                {
                    "id": "CR-1",
                    "kind": kind_name,
                    "version": len(events),
                    "snapshot": snapshot,
                    "deadline": to_micros(steps[-1].aggregate.next_deadline),  # type: ignore[arg-type]
                },
            )
            for position, event in enumerate(events, 1):
                name, payload = codec.dump_event(event)
                db.run(
                    f"INSERT INTO {t['events']} VALUES (:p, 'CR-1', :v, :type, :payload)",
                    {"p": position, "v": position, "type": name, "payload": payload},
                )
            db.run(f"INSERT INTO {t['commands']} VALUES ('Form-42', 'CR-1', 1)")
            db.run(f"INSERT INTO {t['cursors']} VALUES ('notifier', 2)")
        fresh = self.reopen(store)
        with pytest.raises(StoreError, match="older than this release"):
            fresh.load("CR-1")
        assert _sql(fresh).migrate(codec) == SCHEMA_VERSION
        assert _sql(fresh).migrate(codec) == SCHEMA_VERSION  # a second run changes nothing
        assert _sql(fresh).schema_version() == SCHEMA_VERSION
        assert fresh.load("CR-1") == steps[-1].aggregate
        assert list(fresh.history("CR-1")) == events
        assert fresh.cursor("notifier") == 2
        [row] = fresh.rows(Query(owner="anna"))  # the read side is backfilled
        assert (row.id, row.status, row.project, row.open) == (
            "CR-1",
            "awaiting_approval",
            "apollo",
            True,
        )
        assert fresh.recall("Form-42") == ("CR-1", 1)
        assert fresh.recall("form-42") is None
        lower = draft("cr-1")  # case-distinct ids work after the migration, on every database
        fresh.save(Commit(lower.aggregate, lower.events, 0, "form-42"))
        assert fresh.load("CR-1") == steps[-1].aggregate
        assert fresh.recall("form-42") == ("cr-1", 1)
        # events written after the migration follow the migrated ones in the feed
        assert [s.event for s in fresh.feed()] == [*events, *lower.events]
        assert fresh.feed(after=len(events))[0].event == lower.events[0]
        if fresh is not store:
            fresh.close()


def _schema_v1(t: dict[str, str], dialect: str) -> list[str]:
    """The tables exactly as release 0.1 created them (schema version 1)."""
    text = "LONGTEXT" if dialect in {"mariadb", "mysql"} else "TEXT"
    return [
        f"CREATE TABLE {t['meta']} (name VARCHAR(100) PRIMARY KEY, value VARCHAR(255) NOT NULL)",
        f"CREATE TABLE {t['aggregates']} (id VARCHAR(255) PRIMARY KEY, kind VARCHAR(100) NOT NULL,"
        f" version INTEGER NOT NULL, snapshot {text} NOT NULL, deadline BIGINT,"
        " claimed_until BIGINT)",
        f"CREATE TABLE {t['events']} (position BIGINT PRIMARY KEY,"
        f" aggregate_id VARCHAR(255) NOT NULL, version INTEGER NOT NULL,"
        f" type VARCHAR(100) NOT NULL, payload {text} NOT NULL,"
        f" CONSTRAINT {t['events']}_stream UNIQUE (aggregate_id, version))",
        f"CREATE TABLE {t['head']} (id INTEGER PRIMARY KEY, position BIGINT NOT NULL)",
        f"CREATE TABLE {t['commands']} (command_key VARCHAR(255) PRIMARY KEY,"
        " aggregate_id VARCHAR(255) NOT NULL, version INTEGER NOT NULL)",
        f"CREATE TABLE {t['cursors']} (name VARCHAR(255) PRIMARY KEY, position BIGINT NOT NULL)",
    ]


def _sql(store: KindedStore) -> SQLStore:
    """The SQL store under a :class:`TypedStore` (its tables, damaged on purpose)."""
    assert isinstance(store, TypedStore)
    found = store.store
    assert isinstance(found, SQLStore)
    return found
