"""PostgreSQL and MariaDB stores keep the contract, on the real servers."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from clientflow.changes import withdraw
from clientflow.core import Actor, StoreError, StoreTimeout, TransactionConflict
from clientflow.engine import Command, Engine
from clientflow.ports import Commit, KindedStore, Store, StoredEvent
from clientflow.storage import Kinded, SQLStore, TypedStore
from clientflow.testing import SQLStoreContract, sample_codec
from clientflow.testing.samples import START, draft, submitted
from tests.storage.servers import MARIADB_URL, POSTGRES_URL, fresh_prefix, require_server


class _ServerContract(SQLStoreContract):
    url: str

    @pytest.fixture(autouse=True)
    def _server(self) -> Iterator[None]:
        require_server(self.url)
        self.prefix = fresh_prefix()
        self.handles: list[Store] = []
        yield
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        cleanup = SQLAlchemyStore(self.url, prefix=self.prefix)
        cleanup.drop_schema()
        cleanup.close()

    def make_store(self) -> TypedStore[SQLStore]:
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        store = SQLAlchemyStore(self.url, prefix=self.prefix)
        store.create_schema()
        return TypedStore(store, sample_codec())

    def reopen(self, store: KindedStore) -> KindedStore:
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        return TypedStore(SQLAlchemyStore(self.url, prefix=self.prefix), sample_codec())

    def test_a_closed_or_unreachable_server_is_a_store_error(self) -> None:
        """Driver errors arrive as StoreError naming the store, never as driver exceptions."""
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        broken = TypedStore(
            SQLAlchemyStore(self.url.replace(":5432", ":1").replace(":3306", ":1")),
            sample_codec(),
        )
        with pytest.raises(StoreError, match="store"):
            broken.load("CR-1")

    def test_a_lock_held_elsewhere_surfaces_as_a_store_timeout(self) -> None:
        """A session sitting on a row lock does not hang the writer: after the statement
        timeout the save fails as StoreTimeout, and nothing was written."""
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        store = self.make_store()
        made = draft("CR-1")
        store.save(Commit(made.aggregate, made.events, 0))
        hurried = TypedStore(
            SQLAlchemyStore(self.url, prefix=self.prefix, statement_timeout=1.0), sample_codec()
        )
        table = hurried.store._t["aggregates"]
        blocker = sa.create_engine(self.url)
        with blocker.connect() as holding, holding.begin():
            holding.execute(sa.text(f"SELECT id FROM {table} WHERE id = 'CR-1' FOR UPDATE"))
            later = submitted(made.aggregate)
            begin = time.monotonic()
            with pytest.raises(StoreTimeout, match=r"ran past the 1 s timeout"):
                hurried.save(Commit(later.aggregate, later.events, 1))
            assert time.monotonic() - begin < 10
        blocker.dispose()
        assert store.load("CR-1") == made.aggregate
        hurried.close()
        store.close()

    def test_a_deadlock_is_a_transaction_conflict_to_retry(self) -> None:
        """Two transactions locking two rows in opposite orders: the database aborts one,
        and it arrives as TransactionConflict (retryable), never as a bare StoreError."""
        store = self.make_store()
        sql = store.store
        for name in ("CR-1", "CR-2"):
            made = draft(name)
            store.save(Commit(made.aggregate, made.events, 0))
        table = sql._t["aggregates"]
        both = threading.Barrier(2)
        outcomes: list[BaseException | None] = []

        def lock(first: str, second: str) -> None:
            try:
                with sql._transaction(write=True) as db:
                    db.run(f"SELECT id FROM {table} WHERE id = :id FOR UPDATE", {"id": first})
                    both.wait(timeout=10)
                    db.run(f"SELECT id FROM {table} WHERE id = :id FOR UPDATE", {"id": second})
                outcomes.append(None)
            except Exception as error:  # collected and asserted below
                outcomes.append(error)

        threads = [
            threading.Thread(target=lock, args=("CR-1", "CR-2")),
            threading.Thread(target=lock, args=("CR-2", "CR-1")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        failed = [outcome for outcome in outcomes if outcome is not None]
        assert len(outcomes) == 2
        assert len(failed) == 1, outcomes
        assert isinstance(failed[0], TransactionConflict), failed
        store.close()


class TestPostgreSQLStore(_ServerContract):
    url = POSTGRES_URL

    # Positions come from transaction ids above a fixed base: no counter can fall behind.
    test_a_feed_counter_behind_the_events_is_reported_and_repairable = None  # type: ignore[assignment]

    def test_a_writer_never_waits_for_another_and_readers_wait_for_older_ones(self) -> None:
        """B commits while older A is still open: B is not blocked, and no reader sees B's
        event before A's, so a consumer's cursor can never pass A's event."""
        store = self.make_store()
        sql, kinded = store.store, Kinded(store.store, sample_codec())
        (a, *_), (b, *_) = draft("CR-A").events, draft("CR-B").events
        a, b = kinded.event_record(a), kinded.event_record(b)
        older = sql._transaction(write=True)
        db = older.__enter__()
        sql._append(db, [(a, (a.type, a.payload))])  # A holds its transaction id
        done = threading.Event()

        def younger() -> None:
            with sql._transaction(write=True) as other:
                sql._append(other, [(b, (b.type, b.payload))])
            done.set()

        writer = threading.Thread(target=younger)
        writer.start()
        writer.join(timeout=10)
        try:
            assert done.is_set(), "the younger writer waited for the older one"
            assert list(store.feed()) == []  # B is committed, but A may still write below it
        finally:
            older.__exit__(None, None, None)
        feed = list(store.feed())
        assert [s.event for s in feed] == [a.event, b.event]
        assert feed[0].position < feed[1].position
        store.close()

    def test_writers_committing_out_of_order_are_read_once_each_in_feed_order(self) -> None:
        """Eight writers whose commits are delayed at random; a consumer reading all along
        sees every event exactly once, in the order of the final feed."""
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        class Slow(SQLAlchemyStore):
            """Commits late and in random order: each save waits before its commit."""

            @contextmanager
            def _transaction(self, write: bool, single: bool = False) -> Iterator[Any]:
                with super()._transaction(write) as db:
                    yield db
                    if write:
                        time.sleep(random.random() / 50)

        self.make_store().close()
        writers = [TypedStore(Slow(self.url, prefix=self.prefix), sample_codec()) for _ in range(8)]
        reader = self.reopen(writers[0])
        finished = threading.Event()
        seen: list[StoredEvent] = []

        def consume() -> None:
            cursor = 0
            while True:
                last_round = finished.is_set()
                page = reader.feed(after=cursor, limit=37)
                seen.extend(page)
                if page:
                    cursor = page[-1].position
                elif last_round:
                    return

        def write(number: int, store: KindedStore) -> None:
            for n in range(15):
                made = draft(f"CR-{number}-{n}")
                store.save(Commit(made.aggregate, made.events, 0))
                submitted_ = submitted(made.aggregate)
                store.save(Commit(submitted_.aggregate, submitted_.events, 1))

        consumer = threading.Thread(target=consume)
        consumer.start()
        threads = [threading.Thread(target=write, args=(n, w)) for n, w in enumerate(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        finished.set()
        consumer.join(timeout=60)
        final = list(reader.feed(limit=10_000))
        assert len(final) == 8 * 15 * 2
        assert [s.event.event_id for s in seen] == [s.event.event_id for s in final]
        assert [s.position for s in seen] == sorted({s.position for s in seen})
        for handle in (*writers, reader):
            handle.close()

    def test_a_command_costs_two_round_trips_and_three_with_a_key(self, tmp_path: Path) -> None:
        """Counted on the wire (libpq's trace): load, then save in one statement, no BEGIN,
        no COMMIT; an idempotency key adds one lookup."""
        from psycopg import pq  # noqa: PLC0415

        self.make_store().close()
        store = self.reopen(self.make_store())
        assert isinstance(store, TypedStore)
        trace = (tmp_path / "wire.txt").open("w")

        @sa.event.listens_for(store.store.engine, "connect")
        def _traced(dbapi_connection: Any, record: object) -> None:
            dbapi_connection.pgconn.trace(trace.fileno())
            dbapi_connection.pgconn.set_trace_flags(
                pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE
            )

        engine = Engine(store)
        made = draft("CR-1")
        engine.execute(Command("CR-1", lambda _, now: made))
        engine.execute(Command("CR-1", lambda change, now: submitted(change)))  # warm up

        def round_trips(command: Command[Any]) -> list[str]:
            trace.flush()
            start = (tmp_path / "wire.txt").read_text().count("\n")
            engine.execute(command)
            trace.flush()
            lines = (tmp_path / "wire.txt").read_text().split("\n")[start:]
            assert all("ReadyForQuery" not in line or line.endswith("I") for line in lines)
            return [line for line in lines if "\tReadyForQuery" in line]

        def withdraw_(change: Any, now: Any) -> Any:
            return withdraw(change, Actor("anna", {"client"}), START.add(hours=1), reason="x")

        assert len(round_trips(Command("CR-1", withdraw_))) == 2
        other = draft("CR-2")
        engine.execute(Command("CR-2", lambda _, now: other))
        keyed = Command("CR-2", lambda change, now: submitted(change), idempotency_key="k-1")
        assert len(round_trips(keyed)) == 3
        trace.close()
        store.close()


class TestMariaDBStore(_ServerContract):
    url = MARIADB_URL


class _OnTheHostsEngine:
    """The whole contract again on an engine the host built, in its default transaction
    mode (the driver begins transactions; the store commits them)."""

    url: str
    prefix: str

    def make_store(self) -> TypedStore[SQLStore]:
        store = self.reopen(None)
        store.store.create_schema()
        return store

    def reopen(self, store: KindedStore | None) -> TypedStore[SQLStore]:
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        return TypedStore(
            SQLAlchemyStore(sa.create_engine(self.url, pool_pre_ping=True), prefix=self.prefix),
            sample_codec(),
        )


class TestPostgreSQLOnTheHostsEngine(_OnTheHostsEngine, TestPostgreSQLStore):  # type: ignore[misc]
    url = POSTGRES_URL
    # The two round trips need the store's own autocommit engine; a host engine in its
    # default mode adds BEGIN and COMMIT (docs/storage.md says so).
    test_a_command_costs_two_round_trips_and_three_with_a_key = None  # type: ignore[assignment]


class TestMariaDBOnTheHostsEngine(_OnTheHostsEngine, TestMariaDBStore):  # type: ignore[misc]
    url = MARIADB_URL
