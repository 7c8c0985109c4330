"""The store contract as pytest test classes: subclass, implement ``make_store``, run.

>>> # in your own tests/test_my_store.py
>>> # class TestMyStore(StoreContract):
>>> #     def make_store(self):
>>> #         store = MyStore(dsn, sample_codec())
>>> #         store.create_schema()
>>> #         return store

Every adapter in this repository (memory, SQLite, PostgreSQL, MariaDB) runs exactly
this class; a host's own adapter that passes it behaves like them.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from functools import partial

import pendulum
import pytest

from clientflow.changes import ChangeRequest, Verdict, cast_vote
from clientflow.core import Actor, ConcurrencyError, Decision, DuplicateCommand, ValidationError
from clientflow.engine import Command, Engine
from clientflow.ports import Commit, Store, StoredEvent
from clientflow.testing.samples import (
    START,
    assessed,
    awaiting_approval,
    draft,
    reassess,
    submitted,
)

__all__ = ["StoreContract"]

LEASE = pendulum.duration(minutes=5)


class _Recorder:
    def __init__(self, fail_at: int | None = None) -> None:
        self.seen: list[StoredEvent] = []
        self.fail_at = fail_at

    def notify(self, event: StoredEvent) -> None:
        if self.fail_at is not None and event.position == self.fail_at:
            self.fail_at = None
            raise RuntimeError("mail server down")
        self.seen.append(event)


class StoreContract(ABC):
    """What every Store must do. Subclasses provide :meth:`make_store`."""

    @abstractmethod
    def make_store(self) -> Store:
        """A new, empty store with its schema in place, holding ``sample_codec()`` kinds."""

    def reopen(self, store: Store) -> Store:
        """Another handle onto the same data (a new connection); by default the same object."""
        return store

    @pytest.fixture
    def store(self) -> Iterator[Store]:
        """A fresh store per test, closed afterwards."""
        store = self.make_store()
        yield store
        store.close()

    # -- load and save -------------------------------------------------------------------

    def test_unknown_aggregate_loads_as_none_with_empty_history(self, store: Store) -> None:
        """Nothing saved, nothing found."""
        assert store.load("CR-404") is None
        assert list(store.history("CR-404")) == []
        assert list(store.feed()) == []

    def test_saved_aggregate_loads_back_equal(self, store: Store) -> None:
        """What is saved is what is loaded, field for field."""
        change, steps = awaiting_approval("CR-1")
        events = tuple(e for step in steps for e in step.events)
        store.save(Commit(change, events, 0))
        assert store.load("CR-1") == change
        assert list(store.history("CR-1")) == list(events)

    def test_stale_version_is_refused_and_nothing_is_written(self, store: Store) -> None:
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
        assert [s.position for s in store.feed()] == [1, 2]

    def test_creating_an_existing_aggregate_is_a_conflict(self, store: Store) -> None:
        """Expected version 0 means "new"; an id already taken is a conflict."""
        first = draft("CR-1")
        store.save(Commit(first.aggregate, first.events, 0))
        with pytest.raises(ConcurrencyError):
            store.save(Commit(first.aggregate, first.events, 0))
        assert len(store.history("CR-1")) == 1

    def test_aggregate_of_an_unknown_kind_is_refused(self, store: Store) -> None:
        """A store only holds the kinds its codec knows."""

        class Stranger:
            id = "X-1"
            version = 1
            status = "new"
            next_deadline = None

        with pytest.raises(ValidationError):
            store.save(Commit(Stranger(), (), 0))
        assert store.load("X-1") is None

    def test_concurrent_writers_on_one_aggregate_never_lose_an_update(self, store: Store) -> None:
        """Threads racing to extend the same aggregate: each version is written once."""
        change, steps = assessed("CR-1")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        handles = [self.reopen(store) for _ in range(4)]
        wins: list[int] = []
        errors: list[BaseException] = []
        lock = threading.Lock()

        def writer(handle: Store, n: int) -> None:
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

    # -- the feed -----------------------------------------------------------------------

    def test_feed_is_ordered_gap_free_and_pages(self, store: Store) -> None:
        """Positions run 1, 2, 3... across aggregates; ``after`` and ``limit`` page through."""
        for n in range(3):
            change, steps = awaiting_approval(f"CR-{n}")
            store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        feed = list(store.feed())
        assert [s.position for s in feed] == list(range(1, 13))
        assert [s.position for s in store.feed(after=4, limit=3)] == [5, 6, 7]
        assert list(store.feed(after=12)) == []

    # -- deadlines ------------------------------------------------------------------------

    def test_due_finds_deadlines_at_or_before_an_instant_earliest_first(self, store: Store) -> None:
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

    def test_a_saved_deadline_moves_in_the_index(self, store: Store) -> None:
        """Deciding the approval clears the deadline; it is no longer due."""
        change, steps = awaiting_approval("CR-1")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        due = change.next_deadline
        assert due is not None
        decided = cast_vote(change, Actor("pm1", {"pm"}), Verdict.APPROVE, START.add(hours=1))
        store.save(Commit(decided.aggregate, decided.events, change.version))
        assert list(store.due(due.add(days=1))) == []

    def test_claims_are_disjoint_until_the_lease_ends(self, store: Store) -> None:
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

    # -- idempotency and cursors -----------------------------------------------------------

    def test_idempotency_key_is_recorded_once(self, store: Store) -> None:
        """A second commit under the same key is refused, and nothing of it is written."""
        first = draft("CR-1")
        store.save(Commit(first.aggregate, first.events, 0, "req-1"))
        assert store.recall("req-1") == ("CR-1", 1)
        again = submitted(first.aggregate)
        with pytest.raises(DuplicateCommand):
            store.save(Commit(again.aggregate, again.events, 1, "req-1"))
        assert store.load("CR-1") == first.aggregate
        assert store.recall("req-2") is None

    def test_cursor_moves_only_from_where_it_is(self, store: Store) -> None:
        """Cursors are compare-and-set, so two deliverers cannot both advance one."""
        assert store.cursor("mailer") == 0
        assert store.move_cursor("mailer", 0, 5)
        assert not store.move_cursor("mailer", 0, 7)
        assert store.move_cursor("mailer", 5, 7)
        assert store.cursor("mailer") == 7
        assert store.cursor("other") == 0

    # -- bulk import ------------------------------------------------------------------------

    def test_import_rebuilds_aggregates_from_histories(self, store: Store) -> None:
        """Imported histories become aggregates equal to the ones the commands built."""
        built = [awaiting_approval(f"CR-{n}") for n in range(3)]
        events = [e for _, steps in built for s in steps for e in s.events]
        assert store.import_history(events) == len(events)
        for change, _ in built:
            assert store.load(change.id) == change
        assert [s.position for s in store.feed()] == list(range(1, len(events) + 1))
        assert len(store.due(START.add(days=7))) == 3

    def test_import_over_existing_ids_writes_nothing(self, store: Store) -> None:
        """An import that clashes with stored aggregates is refused whole."""
        first = draft("CR-1")
        store.save(Commit(first.aggregate, first.events, 0))
        other = [e for _, steps in [awaiting_approval("CR-2")] for s in steps for e in s.events]
        with pytest.raises(ConcurrencyError):
            store.import_history([*other, *first.events])
        assert store.load("CR-2") is None
        assert len(store.feed()) == 1

    # -- through the engine -----------------------------------------------------------------

    def test_engine_sweep_fires_each_due_timer_once_across_concurrent_sweepers(
        self, store: Store
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

        def sweeper(handle: Store) -> None:
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

    def test_engine_retried_command_with_the_same_key_applies_once(self, store: Store) -> None:
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

    def test_engine_delivers_every_event_at_least_once_in_order(self, store: Store) -> None:
        """A notifier failure stops delivery; the next delivery resumes at that event."""
        notifier = _Recorder(fail_at=3)
        engine = Engine(store, notifier=notifier)
        _, steps = awaiting_approval("CR-1")
        for step in steps:
            engine.execute(Command("CR-1", _replay(step)))
        report = engine.deliver()
        assert report.error is None
        assert [s.position for s in notifier.seen] == [1, 2, 3, 4]
        assert len({s.event.event_id for s in notifier.seen}) == 4
        assert store.cursor("notifier") == 4


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
