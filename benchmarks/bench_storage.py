"""Stores and engine: due-index lookups, commands per second, batch import, rebuild.

Targets (DESIGN.md):
- find 1,000 due among 1,000,000 open: <= 1 ms in memory, <= 10 ms in SQLite, and
  1M open costs <= 3x what 10k open costs;
- SQLite through the engine: >= 5,000 durable commands/s; batch import >= 50,000 events/s;
- rebuilding 1,000,000 events into aggregates: >= 200,000 events/s in memory.
Run: python benchmarks/bench_storage.py [--sizes 10000 100000 1000000] [--commands 3000]
PostgreSQL is measured too when CLIENTFLOW_TEST_POSTGRES_URL (or the default) answers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import attrs

from clientflow.changes import apply
from clientflow.core import DomainEvent, EventMeta, rebuild, to_micros
from clientflow.engine import Command, Engine
from clientflow.ports import Commit, Store
from clientflow.storage import MemoryStore, SQLiteStore
from clientflow.testing import sample_codec
from clientflow.testing.samples import assessed, awaiting_approval, reassess

POSTGRES_URL = os.environ.get(
    "CLIENTFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def median_ms(call: Callable[[], object], repeat: int = 30) -> float:
    samples = []
    for _ in range(repeat):
        begin = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - begin)
    return statistics.median(samples) / 1e6


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
            memory = MemoryStore(sample_codec())
            for n in range(size):
                deadline = base.add(microseconds=step * n)
                made = attrs.evolve(template, id=f"CR-{n}", next_deadline=deadline)
                # bulk setup without histories, bypassing the API on purpose (as for SQLite)
                memory._aggregates[made.id] = made
                memory._reindex(made)
            sqlite = SQLiteStore(Path(folder) / f"due-{size}.db", sample_codec())
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


def imports_and_rebuild(events_wanted: int) -> None:
    _, steps = awaiting_approval("CR-template")
    template = [e for s in steps for e in s.events]
    histories: list[DomainEvent] = []
    n = 0
    while len(histories) < events_wanted:
        for event in template:
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
        store = SQLiteStore(Path(folder) / "import.db", sample_codec())
        store.create_schema()
        part = histories[:200_000]
        begin = time.perf_counter()
        written = store.import_history(part)
        elapsed = time.perf_counter() - begin
        print(
            f"batch import into SQLite (decode-free: events arrive as objects), {written:,} events:"
        )
        print(f"  {written / elapsed:,.0f} events/s ({elapsed:.2f} s, incl. rebuilding snapshots)")
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--commands", type=int, default=3000)
    parser.add_argument("--rebuild-events", type=int, default=1_000_000)
    args = parser.parse_args()
    due_lookups(args.sizes)
    print(f"\ncommands through the engine ({args.commands:,} re-assessments on 100 changes)")
    commands(MemoryStore(sample_codec()), "memory", args.commands)
    with tempfile.TemporaryDirectory() as folder:
        normal = SQLiteStore(Path(folder) / "normal.db", sample_codec())
        normal.create_schema()
        commands(normal, "sqlite (WAL, synchronous=NORMAL)", args.commands)
        full = SQLiteStore(Path(folder) / "full.db", sample_codec(), durable=True)
        full.create_schema()
        commands(full, "sqlite (WAL, synchronous=FULL)", max(args.commands // 3, 100))
    try:
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        pg = SQLAlchemyStore(POSTGRES_URL, sample_codec(), prefix="bench_")
        pg.drop_schema()
        pg.create_schema()
        commands(pg, "postgresql", max(args.commands // 3, 100))
        pg.drop_schema()
        pg.close()
    except Exception as error:  # a benchmark: report and go on
        print(f"  postgresql: not measured ({type(error).__name__}: {error})")
    imports_and_rebuild(args.rebuild_events)


if __name__ == "__main__":
    main()
