"""Stores and engine: due-index lookups, commands per second, batch import, rebuild.

Targets (DESIGN.md):
- find 1,000 due among 1,000,000 open: <= 1 ms in memory, <= 10 ms in SQLite, and
  1M open costs <= 3x what 10k open costs;
- SQLite through the engine: >= 5,000 durable commands/s; batch import >= 100,000 events/s
  (each history with values of its own; ``--shared-parts`` for the earlier workload);
- rebuilding 1,000,000 events into aggregates: >= 200,000 events/s in memory;
- PostgreSQL writers (issue 18, ``--writers``): commands/s through the engine with 1, 2,
  4 and 8 processes on distinct aggregates >= 60 % of a plain psycopg floor measured in
  the same run (read the version, insert the event, insert the row; positions from a
  sequence), never falling as writers are added while the floor does not; round trips
  per command <= 3; a feed reader or a sweeper beside 4 writers costs them <= 20 %.
Run: python benchmarks/bench_storage.py [--sizes 10000 100000 1000000] [--commands 3000]
     python benchmarks/bench_storage.py --writers [--seconds 5]
PostgreSQL is measured too when CLIENTFLOW_TEST_POSTGRES_URL (or the default) answers.
"""

from __future__ import annotations

import argparse
import copy
import multiprocessing as mp
import os
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

import attrs

from clientflow.changes import apply
from clientflow.core import Aggregate, DomainEvent, EventMeta, rebuild, to_micros
from clientflow.engine import Command, Engine
from clientflow.ports import AggregateRow, Commit, SnapshotRecord, Store
from clientflow.storage import MemoryStore, SQLiteStore
from clientflow.storage.kinded import Kinded, TypedStore
from clientflow.testing import sample_codec
from clientflow.testing.samples import assessed, awaiting_approval, draft, reassess
from timing import median_ms  # run from benchmarks/, as the others are

POSTGRES_URL = os.environ.get(
    "CLIENTFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _row(aggregate: Aggregate) -> AggregateRow:
    """The read-side row the engine would hand the store (for a bulk set-up)."""
    return (
        Kinded(MemoryStore(), sample_codec()).commit(Commit(aggregate, (), aggregate.version)).row
    )


def due_lookups(sizes: list[int]) -> None:
    print("\nfind 1,000 due among N open (median of 30 lookups)")
    template, _ = awaiting_approval("CR-template")
    assert template.next_deadline is not None
    base = template.next_deadline
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            # Deadlines spread over a year; 1,000 of them fall before the lookup instant.
            step = 365 * 24 * 3600 * 1_000_000 // size
            at = base.add(microseconds=step * 999)
            memory = MemoryStore()
            for n in range(size):
                deadline = base.add(microseconds=step * n)
                made = attrs.evolve(template, id=f"CR-{n}", next_deadline=deadline)
                # bulk setup without histories, bypassing the API on purpose (as for SQLite)
                record = SnapshotRecord(made.id, "change", made.version, "", made)
                memory._aggregates[made.id] = record
                memory._reindex(made.id, _row(made))
            sqlite = SQLiteStore(Path(folder) / f"due-{size}.db")
            sqlite.create_schema()
            _, snapshot = sample_codec().dump_aggregate(template)
            with sqlite._transaction(write=True) as db:  # bulk setup, bypassing the API on purpose
                db.run_many(
                    "INSERT INTO clientflow_aggregates (id, kind, version, snapshot, deadline)"
                    " VALUES (:id, 'change', 4, :s, :d)",
                    [
                        {"id": f"CR-{n}", "s": snapshot, "d": to_micros(base) + step * n}
                        for n in range(size)
                    ],
                )
            assert len(memory.due(at)) == 1000
            assert len(sqlite.due(at)) == 1000
            m = median_ms(lambda store=memory, at=at: store.due(at))
            s = median_ms(lambda store=sqlite, at=at: store.due(at))
            print(f"  {size:>9,} open: memory {m:7.3f} ms   sqlite {s:7.3f} ms")
            sqlite.close()


def commands(store: Store, label: str, count: int) -> None:
    engine = Engine(store)
    for n in range(100):
        change, steps = assessed(f"CR-{n}")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
    latencies = []
    begin = time.perf_counter()
    for i in range(count):
        start = time.perf_counter_ns()
        engine.execute(Command(f"CR-{i % 100}", partial(reassess, hours=i)))
        latencies.append(time.perf_counter_ns() - start)
    elapsed = time.perf_counter() - begin
    print(
        f"  {label:<34} {count / elapsed:>9,.0f} commands/s"
        f"   median {statistics.median(latencies) / 1000:8.1f} us"
    )


def imports_and_rebuild(events_wanted: int, *, shared: bool = False) -> None:
    _, steps = awaiting_approval("CR-template")
    template = [e for s in steps for e in s.events]
    histories: list[DomainEvent] = []
    n = 0
    while len(histories) < events_wanted:
        # Each history owns its values (impact, approval round, instants), as histories
        # read from files do; ``shared`` keeps the template's objects in every history
        # (the figures before issue 27's import work), which lets the import's
        # remembering writer write a round once for every aggregate instead of once each.
        own = template if shared else copy.deepcopy(template)
        for event in own:
            meta = EventMeta(f"CR-{n}", event.aggregate_version, event.occurred_at, event.actor)
            histories.append(attrs.evolve(event, meta=meta))
        n += 1
    streams = [histories[i : i + len(template)] for i in range(0, len(histories), len(template))]
    begin = time.perf_counter()
    for stream in streams:
        rebuild(apply, stream)
    elapsed = time.perf_counter() - begin
    print(f"\nrebuild {len(histories):,} events into {len(streams):,} aggregates in memory:")
    print(f"  {len(histories) / elapsed:,.0f} events/s ({elapsed:.2f} s)")
    with tempfile.TemporaryDirectory() as folder:
        store = TypedStore(SQLiteStore(Path(folder) / "import.db"), sample_codec())
        store.store.create_schema()
        part = histories[:200_000]
        begin = time.perf_counter()
        written = store.import_history(part)
        elapsed = time.perf_counter() - begin
        print(
            f"batch import into SQLite (decode-free: events arrive as objects), {written:,} events:"
        )
        print(f"  {written / elapsed:,.0f} events/s ({elapsed:.2f} s, incl. rebuilding snapshots)")
        store.close()


# -- PostgreSQL writers --------------------------------------------------------------

_PSYCOPG = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
_FLOOR = "bench_floor_"


def _engine_writer(
    number: int, prefix: str, start: float, seconds: float, done: mp.Queue[int]
) -> None:
    """Create change requests through the engine until the time is up; report how many."""
    from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

    store = TypedStore(SQLAlchemyStore(POSTGRES_URL, prefix=prefix), sample_codec())
    engine = Engine(store)
    made = draft(f"warm-{number}")
    engine.execute(Command(made.aggregate.id, lambda _, now: made))
    time.sleep(max(0.0, start - time.time()))
    count = 0
    while time.time() < start + seconds:
        aggregate_id = f"CR-{number}-{count}"
        made = draft(aggregate_id)
        engine.execute(Command(aggregate_id, lambda _, now, made=made: made))  # type: ignore[misc]
        count += 1
    store.close()
    done.put(count)


def _floor_writer(number: int, start: float, seconds: float, done: mp.Queue[int]) -> None:
    """The same work in plain psycopg: read the version, insert the event and the row."""
    import psycopg  # noqa: PLC0415

    made = draft("CR-floor")
    codec = sample_codec()
    _, snapshot = codec.dump_aggregate(made.aggregate)
    kind, payload = codec.dump_event(made.events[0])
    with psycopg.connect(_PSYCOPG) as connection:
        time.sleep(max(0.0, start - time.time()))
        count = 0
        while time.time() < start + seconds:
            aggregate_id = f"CR-{number}-{count}"
            with connection.transaction():
                connection.execute(
                    f"SELECT version FROM {_FLOOR}aggregates WHERE id = %s", (aggregate_id,)
                ).fetchall()
                connection.execute(
                    f"INSERT INTO {_FLOOR}events VALUES (nextval('{_FLOOR}positions'),"
                    " %s, 1, %s, %s)",
                    (aggregate_id, kind, payload),
                )
                connection.execute(
                    f"INSERT INTO {_FLOOR}aggregates VALUES (%s, 1, %s)", (aggregate_id, snapshot)
                )
            count += 1
    done.put(count)


def _reader(prefix: str, until: float) -> None:
    """Follow the feed as a deliverer does: read while there is news, else wait 10 ms."""
    from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

    store = TypedStore(SQLAlchemyStore(POSTGRES_URL, prefix=prefix), sample_codec())
    after = 0
    while time.time() < until:
        page = store.feed(after, 500)
        if page:
            after = page[-1].position
        else:
            time.sleep(0.01)
    store.close()


def _sweeper(prefix: str, until: float) -> None:
    """Sweep 20 times a second (a host sweeps every minute or so): claims due timers."""
    from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

    store = TypedStore(SQLAlchemyStore(POSTGRES_URL, prefix=prefix), sample_codec())
    engine = Engine(store)
    while time.time() < until:
        engine.sweep()
        time.sleep(0.05)
    store.close()


def _floor_tables() -> None:
    import psycopg  # noqa: PLC0415

    with psycopg.connect(_PSYCOPG, autocommit=True) as connection:
        for statement in (
            f"DROP TABLE IF EXISTS {_FLOOR}events, {_FLOOR}aggregates",
            f"DROP SEQUENCE IF EXISTS {_FLOOR}positions",
            f"CREATE SEQUENCE {_FLOOR}positions",
            f"CREATE TABLE {_FLOOR}aggregates (id VARCHAR(255) PRIMARY KEY,"
            " version INTEGER NOT NULL, snapshot TEXT NOT NULL)",
            f"CREATE TABLE {_FLOOR}events (position BIGINT PRIMARY KEY, aggregate_id"
            " VARCHAR(255) NOT NULL, version INTEGER NOT NULL, type VARCHAR(100) NOT NULL,"
            " payload TEXT NOT NULL, UNIQUE (aggregate_id, version))",
        ):
            connection.execute(statement)  # type: ignore[arg-type]


def _run(
    processes: int, seconds: float, *, floor: bool = False, beside: str | None = None
) -> float:
    """Commands per second of ``processes`` writers running together for ``seconds``."""
    from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

    prefix = f"bench_w{processes}_"
    if floor:
        _floor_tables()
    else:
        store = TypedStore(SQLAlchemyStore(POSTGRES_URL, prefix=prefix), sample_codec())
        store.store.drop_schema()
        store.store.create_schema()
        store.close()
    done: mp.Queue[int] = mp.Queue()
    start = time.time() + 1.5  # every process connected and warm before the clock starts
    workers = [
        mp.Process(target=_floor_writer, args=(n, start, seconds, done))
        if floor
        else mp.Process(target=_engine_writer, args=(n, prefix, start, seconds, done))
        for n in range(processes)
    ]
    if beside is not None:
        helper = _reader if beside == "reader" else _sweeper
        workers.append(mp.Process(target=helper, args=(prefix, start + seconds)))
    for worker in workers:
        worker.start()
    total = sum(done.get(timeout=seconds + 120) for _ in range(processes))
    for worker in workers:
        worker.join()
    if not floor:
        cleanup = TypedStore(SQLAlchemyStore(POSTGRES_URL, prefix=prefix), sample_codec())
        cleanup.store.drop_schema()
        cleanup.close()
    return total / seconds


def round_trips(commands: int = 100) -> tuple[float, float]:
    """Round trips per command on an existing aggregate, without and with a key (libpq trace)."""
    from psycopg import pq  # noqa: PLC0415
    from sqlalchemy import event  # noqa: PLC0415

    from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

    store = TypedStore(SQLAlchemyStore(POSTGRES_URL, prefix="bench_rt_"), sample_codec())
    with tempfile.TemporaryDirectory() as folder:
        wire = Path(folder) / "wire.txt"
        trace = wire.open("w")

        @event.listens_for(store.store.engine, "connect")  # before the first connection
        def _traced(dbapi_connection: object, record: object) -> None:
            pgconn = dbapi_connection.pgconn  # type: ignore[attr-defined]
            pgconn.trace(trace.fileno())
            pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

        store.store.drop_schema()
        store.store.create_schema()
        engine = Engine(store)
        for n in range(100):
            change, steps = assessed(f"CR-{n}")
            store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
        found = []
        for keyed in (False, True):
            trace.flush()
            before = wire.read_text().count("ReadyForQuery")
            for i in range(commands):
                key = f"key-{i}" if keyed else None
                engine.execute(Command(f"CR-{i % 100}", partial(reassess, hours=i + 1), key))
            trace.flush()
            found.append((wire.read_text().count("ReadyForQuery") - before) / commands)
        trace.close()
    store.store.drop_schema()
    store.close()
    return found[0], found[1]


def writers(seconds: float) -> None:
    print(f"\nPostgreSQL writers on distinct aggregates ({seconds:g} s each, one run)")
    plain, keyed = round_trips()
    print(f"  round trips per command: {plain:.2f} (with an idempotency key {keyed:.2f})")
    print(f"  {'writers':>7} {'plain psycopg':>14} {'clientflow':>11} {'share':>6}")
    ours: list[float] = []
    for processes in (1, 2, 4, 8):
        floor = _run(processes, seconds, floor=True)
        mine = _run(processes, seconds)
        ours.append(mine)
        print(f"  {processes:>7} {floor:>12,.0f}/s {mine:>9,.0f}/s {mine / floor:>6.0%}")
    alone = ours[2]
    for beside in ("reader", "sweeper"):
        rate = _run(4, seconds, beside=beside)
        print(
            f"  4 writers with a {beside} beside them: {rate:,.0f}/s"
            f" ({rate / alone - 1:+.0%} against 4 alone)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--commands", type=int, default=3000)
    parser.add_argument("--rebuild-events", type=int, default=1_000_000)
    parser.add_argument("--writers", action="store_true", help="only PostgreSQL writers")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--bulk", action="store_true", help="only the rebuild and batch import rows"
    )
    parser.add_argument(
        "--shared-parts",
        action="store_true",
        help="every history shares the template's values (as before issue 27's import work)",
    )
    args = parser.parse_args()
    if args.writers:
        writers(args.seconds)
        return
    if args.bulk:
        imports_and_rebuild(args.rebuild_events, shared=args.shared_parts)
        return
    due_lookups(args.sizes)
    print(f"\ncommands through the engine ({args.commands:,} re-assessments on 100 changes)")
    commands(TypedStore(MemoryStore(), sample_codec()), "memory", args.commands)
    with tempfile.TemporaryDirectory() as folder:
        normal = TypedStore(SQLiteStore(Path(folder) / "normal.db"), sample_codec())
        normal.store.create_schema()
        commands(normal, "sqlite (WAL, synchronous=NORMAL)", args.commands)
        full = TypedStore(SQLiteStore(Path(folder) / "full.db", durable=True), sample_codec())
        full.store.create_schema()
        commands(full, "sqlite (WAL, synchronous=FULL)", max(args.commands // 3, 100))
    try:
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        pg = TypedStore(SQLAlchemyStore(POSTGRES_URL, prefix="bench_"), sample_codec())
        pg.store.drop_schema()
        pg.store.create_schema()
        commands(pg, "postgresql", max(args.commands // 3, 100))
        pg.store.drop_schema()
        pg.close()
    except Exception as error:  # a benchmark: report and go on
        print(f"  postgresql: not measured ({type(error).__name__}: {error})")
    imports_and_rebuild(args.rebuild_events, shared=args.shared_parts)


if __name__ == "__main__":
    main()
