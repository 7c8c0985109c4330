"""Where one command's time goes, layer by layer (the breakdown in benchmarks/README.md).

The command re-assesses a change request (the same as bench_storage.py's). Each loop
iteration runs the steps the engine runs, one after another, timing each: read the row
(SQL and driver), decode the snapshot, decide (the pure function), check the commit,
encode the snapshot and the events, compute the read-side columns, write (SQL, driver,
transaction). The medians of the steps are printed beside the median of the same
command through ``Engine.execute``, whose difference from their sum is the engine's own
bookkeeping (turning commits into the store's neutral records included). The memory
store has no SQL and no encoding: it keeps the records with their objects.
Run: python benchmarks/bench_layers.py [--commands 3000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from clientflow.engine import Command, Engine
from clientflow.ports import Commit, EventLog, SnapshotRecord
from clientflow.storage import MemoryStore, SQLiteStore
from clientflow.testing import sample_codec
from clientflow.testing.samples import assessed, reassess

AGGREGATES = 100


def _seed(store: EventLog) -> None:
    for n in range(AGGREGATES):
        change, steps = assessed(f"CR-{n}")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))


def _through_engine(engine: Engine, commands: int) -> float:
    samples = []
    for i in range(commands):
        begin = time.perf_counter_ns()
        engine.execute(Command(f"CR-{i % AGGREGATES}", partial(reassess, hours=i % 50 + 1)))
        samples.append(time.perf_counter_ns() - begin)
    return statistics.median(samples) / 1000


class _Steps:
    """Per-step samples, in nanoseconds."""

    def __init__(self) -> None:
        self.samples: dict[str, list[int]] = {}
        self._at = 0

    def start(self) -> None:
        self._at = time.perf_counter_ns()

    def lap(self, name: str) -> None:
        now = time.perf_counter_ns()
        self.samples.setdefault(name, []).append(now - self._at)
        self._at = now

    def medians(self) -> dict[str, float]:
        return {name: statistics.median(s) / 1000 for name, s in self.samples.items()}


def sqlite_steps(folder: Path, commands: int) -> tuple[dict[str, float], float]:
    codec = sample_codec()
    store = SQLiteStore(folder / "steps.db")
    store.create_schema()
    engine = Engine(store, kinds=codec)
    _seed(engine.kinded)
    kinded = engine.kinded
    connection = store._connection  # timing the driver alone, on purpose
    select = "SELECT kind, version, snapshot FROM clientflow_aggregates WHERE id = :id"
    steps = _Steps()
    for i in range(commands):
        aggregate_id = f"CR-{i % AGGREGATES}"
        steps.start()
        kind, version, snapshot = connection.execute(select, {"id": aggregate_id}).fetchall()[0]
        steps.lap("read the row (SQL + driver)")
        current = kinded.aggregate(SnapshotRecord(aggregate_id, kind, version, snapshot))
        steps.lap("decode the snapshot (held: saved as this text)")
        decision = reassess(current, engine.clock.now(), hours=i % 50 + 1)
        steps.lap("decide (pure function)")
        commit = Commit(decision.aggregate, decision.events, current.version)
        steps.lap("commit checks")
        codec.dump_aggregate(decision.aggregate)
        steps.lap("encode the snapshot (cattrs + JSON)")
        for event in commit.events:
            codec.dump_event(event)
        steps.lap("encode the events")
        codec.describe(decision.aggregate)
        steps.lap("describe (read-side values)")
        record = kinded.commit(commit)
        row, events = store._prepared(record)
        steps.lap("the rows (all three above, as the store does)")
        store._save_in_steps(((record, row, events),))
        steps.lap("write (SQL + driver + commit)")
        kinded._hold(aggregate_id, str(row["kind"]), str(row["snapshot"]), decision.aggregate)
    engine_us = _through_engine(engine, commands)
    store.close()
    return steps.medians(), engine_us


def memory_steps(commands: int) -> tuple[dict[str, float], float]:
    store = MemoryStore()
    engine = Engine(store, kinds=sample_codec())
    store = engine.kinded  # aggregates in, aggregates out: the engine's view of the store
    _seed(store)
    steps = _Steps()
    for i in range(commands):
        aggregate_id = f"CR-{i % AGGREGATES}"
        steps.start()
        current = store.load(aggregate_id)
        assert current is not None
        steps.lap("load")
        decision = reassess(current, engine.clock.now(), hours=i % 50 + 1)
        steps.lap("decide (pure function)")
        commit = Commit(decision.aggregate, decision.events, current.version)
        steps.lap("commit checks")
        store.save(commit)
        steps.lap("save (checks, feed, due index, read-side row)")
    return steps.medians(), _through_engine(engine, commands)


# Steps timed once more inside "the rows" (what a save encodes): shown, not summed.
_PARTS = (
    "encode the snapshot (cattrs + JSON)",
    "encode the events",
    "describe (read-side values)",
)


def _print(title: str, found: tuple[dict[str, float], float]) -> None:
    medians, engine_us = found
    total = sum(us for name, us in medians.items() if name not in _PARTS)
    print(f"\n{title}")
    for name, us in medians.items():
        inside = "  (in the rows)" if name in _PARTS else ""
        print(f"  {name:<48} {us:7.1f} us  {us / engine_us:5.0%}{inside}")
    print(f"  {'sum of the steps':<48} {total:7.1f} us")
    print(f"  {'Engine.execute (same command)':<48} {engine_us:7.1f} us")
    rest = engine_us - total
    print(f"  {'engine bookkeeping (the difference)':<48} {rest:7.1f} us  {rest / engine_us:5.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=3000)
    args = parser.parse_args()
    print(f"re-assess a change request: medians of {args.commands:,} commands per step")
    _print("engine + memory store", memory_steps(args.commands))
    with tempfile.TemporaryDirectory() as folder:
        run: Callable[[], tuple[dict[str, float], float]] = partial(
            sqlite_steps, Path(folder), args.commands
        )
        _print("engine + SQLite (WAL, synchronous=NORMAL)", run())


if __name__ == "__main__":
    main()
