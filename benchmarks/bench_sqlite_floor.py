"""SQLite through the engine beside raw sqlite3 doing the same writes, NORMAL and FULL.

Targets (DESIGN.md, issue 27): commands through the engine >= 50 % of the raw floor with
``synchronous=NORMAL`` and >= 80 % with ``synchronous=FULL``, measured in the same run.

The floor is what any event store must do per command, in plain sqlite3 on the same
kind of file (WAL): one transaction that reads the aggregate's row, inserts the event
and upserts the snapshot, with payloads as large as clientflow's own for the same
command (measured first and printed). clientflow re-assesses change requests through
the engine (load, decide, check, encode, save with the read-side columns and the feed
counter). The two sides alternate in rounds, so both see the same machine load.
Run: python benchmarks/bench_sqlite_floor.py [--commands 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

import pendulum

from clientflow.engine import Command, Engine
from clientflow.ports import Commit
from clientflow.storage import SQLiteStore
from clientflow.storage.kinded import TypedStore
from clientflow.testing import sample_codec
from clientflow.testing.samples import assessed, reassess

AGGREGATES = 100


def payload_sizes() -> tuple[int, int]:
    """The sizes of the snapshot and the event clientflow writes for one re-assessment."""
    codec = sample_codec()
    change, _ = assessed("CR-0")
    decision = reassess(change, pendulum.datetime(2026, 3, 3, 3), hours=5)
    _, snapshot = codec.dump_aggregate(decision.aggregate)
    _, event = codec.dump_event(decision.events[0])
    return len(snapshot), len(event)


def engine_side(path: Path, durable: bool, commands: int) -> float:
    """Median microseconds per command through the engine."""
    store = TypedStore(SQLiteStore(path, durable=durable), sample_codec())
    store.store.create_schema()
    engine = Engine(store)
    for n in range(AGGREGATES):
        change, steps = assessed(f"CR-{n}")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
    samples = []
    for i in range(commands):
        begin = time.perf_counter_ns()
        engine.execute(Command(f"CR-{i % AGGREGATES}", partial(reassess, hours=i % 50 + 1)))
        samples.append(time.perf_counter_ns() - begin)
    store.close()
    return statistics.median(samples) / 1000


def floor_side(path: Path, durable: bool, commands: int, sizes: tuple[int, int]) -> float:
    """Median microseconds per command for raw sqlite3 doing the same writes."""
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
    db.execute(
        "CREATE TABLE aggregates (id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
        " snapshot TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, aggregate_id TEXT NOT NULL,"
        " version INTEGER NOT NULL, payload TEXT NOT NULL, UNIQUE (aggregate_id, version))"
    )
    snapshot, event = "s" * sizes[0], "e" * sizes[1]
    versions = dict.fromkeys((f"CR-{n}" for n in range(AGGREGATES)), 0)
    samples = []
    for i in range(commands):
        aggregate_id = f"CR-{i % AGGREGATES}"
        begin = time.perf_counter_ns()
        db.execute("BEGIN IMMEDIATE")
        db.execute("SELECT version, snapshot FROM aggregates WHERE id = ?", (aggregate_id,))
        version = versions[aggregate_id] + 1
        db.execute(
            "INSERT INTO events (aggregate_id, version, payload) VALUES (?, ?, ?)",
            (aggregate_id, version, event),
        )
        db.execute(
            "INSERT INTO aggregates VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE"
            " SET version = excluded.version, snapshot = excluded.snapshot",
            (aggregate_id, version, snapshot),
        )
        db.execute("COMMIT")
        samples.append(time.perf_counter_ns() - begin)
        versions[aggregate_id] = version
    db.close()
    return statistics.median(samples) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sizes = payload_sizes()
    print(
        f"{args.commands:,} commands per side and round, {args.rounds} rounds interleaved;"
        f" payloads: snapshot {sizes[0]:,} B, event {sizes[1]:,} B"
    )
    for durable, target in ((False, 0.5), (True, 0.8)):
        label = "FULL" if durable else "NORMAL"
        count = args.commands if not durable else max(args.commands // 4, 100)
        ours, floor = [], []
        with tempfile.TemporaryDirectory() as folder:
            for r in range(args.rounds):
                ours.append(engine_side(Path(folder) / f"engine-{r}.db", durable, count))
                floor.append(floor_side(Path(folder) / f"floor-{r}.db", durable, count, sizes))
        mine, raw = statistics.median(ours), statistics.median(floor)
        share = raw / mine
        print(
            f"  synchronous={label:<6} engine {mine:7.1f} us ({1e6 / mine:7,.0f}/s)"
            f"   raw sqlite3 {raw:7.1f} us ({1e6 / raw:7,.0f}/s)"
            f"   engine at {share:4.0%} of the floor (target >= {target:.0%})"
        )


if __name__ == "__main__":
    main()
