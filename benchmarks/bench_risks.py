"""Risk commands and the heat map over 100,000 risks.

Targets (the risk-register issue): one command <= 30 us median; the heat map over
100,000 risks <= 200 ms. The heat map is measured three ways: from risks in memory
(``heat_map``), and from the read side (``Store.counts(by="priority")``, one GROUP BY)
on SQLite and, with --postgres URL, PostgreSQL.
Run: python benchmarks/bench_risks.py [--risks N] [--postgres postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

import attrs
import pendulum

from clientflow import Actor, BusinessCalendar
from clientflow.core import Codec, rebuild
from clientflow.engine import Command, Engine
from clientflow.ports import Query, Store
from clientflow.risks import (
    HeatMap,
    Matrix,
    RiskPolicy,
    apply,
    assess,
    heat_map,
    identify,
    kind,
    review,
)
from clientflow.storage import MemoryStore, SQLiteStore
from clientflow.storage.kinded import TypedStore
from timing import median_ms, median_us

CALENDAR = BusinessCalendar("Asia/Shanghai", ("09:00-12:00", "13:00-18:00"), country="CN")
POLICY = RiskPolicy()
PM = Actor("li.wei", {"pm"})
START = pendulum.datetime(2026, 3, 2, 2)


def _codec() -> Codec:
    return Codec([kind(lambda risk: CALENDAR, lambda risk: POLICY)])


def _history(n: int, rng: random.Random) -> list[object]:
    made = identify(
        f"RSK-{n:06d}", client=f"client-{n % 1000}", project="p", title="Vendor late",
        owner="li.wei", category="resource", cause="one DBA", event="the export slips",
        effect="delay the cut-over", policy=POLICY, actor=PM, now=START,
    )  # fmt: skip
    rated = assess(
        made.aggregate, PM, START.add(minutes=5), probability=rng.randint(1, 5),
        impact=rng.randint(1, 5), policy=POLICY, calendar=CALENDAR,
    )  # fmt: skip
    return [*made.events, *rated.events]


def commands(count: int) -> None:
    """One review and one re-assessment on an assessed risk; the same through the engine."""
    rng = random.Random(1)
    risks = [rebuild(apply, _history(n, rng)) for n in range(count)]  # type: ignore[arg-type]
    at = START.add(days=1)
    reviewed = median_us(
        lambda i: review(risks[i], PM, at, policy=POLICY, calendar=CALENDAR), count
    )
    assessed = median_us(
        lambda i: assess(
            risks[i], PM, at, probability=3, impact=4, policy=POLICY, calendar=CALENDAR
        ),
        count,
    )
    store = TypedStore(MemoryStore(), _codec())
    store.import_history([e for n in range(count) for e in _history(n, rng)])  # type: ignore[misc]
    engine = Engine(store)
    # Computed outside the timed calls: pendulum's `.add` (~10 us) is the caller's work.
    instants = [at.add(seconds=i) for i in range(count)]
    through = median_us(
        lambda i: engine.execute(
            Command(
                f"RSK-{i:06d}",
                lambda risk, now: review(risk, PM, instants[i], policy=POLICY, calendar=CALENDAR),
            )
        ),
        count,
    )
    print(f"one command ({count:,} risks, median):")
    print(f"  review, pure:                   {reviewed:7.1f} us")
    print(f"  re-assess, pure:                {assessed:7.1f} us")
    print(f"  review through the engine, memory store: {through:7.1f} us")
    print("target: <= 30 us")


def _fill(store: Store, count: int) -> None:
    rng = random.Random(2)
    batch: list[object] = []
    for n in range(count):
        batch += _history(n, rng)
        if len(batch) >= 20_000:
            store.import_history(batch)  # type: ignore[arg-type]
            batch = []
    if batch:
        store.import_history(batch)  # type: ignore[arg-type]


def heat_maps(count: int, postgres: str | None) -> None:
    """The heat map over ``count`` open risks: in memory, then from each store's read side."""
    rng = random.Random(3)
    template = rebuild(apply, _history(0, rng))  # type: ignore[arg-type]
    current = template.current
    assert current is not None
    risks = [
        attrs.evolve(
            template,
            id=f"RSK-{n:06d}",
            assessments=(
                attrs.evolve(current, probability=rng.randint(1, 5), impact=rng.randint(1, 5)),
            ),
        )
        for n in range(count)
    ]
    matrix = Matrix()
    in_memory = median_ms(lambda: heat_map(risks, matrix), repeat=9)
    print(f"heat map over {count:,} open risks (median):")
    print(f"  from risks in memory (heat_map):        {in_memory:8.1f} ms")
    query = Query(kind="risk", open=True)

    def from_rows(store: Store) -> HeatMap:
        return HeatMap.from_cells(store.counts(query, by="priority"), matrix)

    with tempfile.TemporaryDirectory() as folder:
        sqlite = TypedStore(SQLiteStore(str(Path(folder) / "risks.db")), _codec())
        sqlite.store.create_schema()
        _fill(sqlite, count)
        grid = from_rows(sqlite)
        assert grid.total == count, grid.total
        rows = median_ms(lambda: from_rows(sqlite))
        print(f"  from SQLite's read side (one GROUP BY): {rows:8.1f} ms")
        one = Query(kind="risk", client="client-7", open=True)
        client = median_ms(lambda: sqlite.counts(one, by="priority"))
        print(f"  one client of 1,000 (SQLite):           {client:8.1f} ms")
        sqlite.close()
    if postgres:
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415 - the sql extra

        pg = TypedStore(SQLAlchemyStore(postgres, prefix="bench_risks_"), _codec())
        pg.store.drop_schema()
        pg.store.create_schema()
        _fill(pg, count)
        rows = median_ms(lambda: from_rows(pg))
        print(f"  from PostgreSQL's read side:            {rows:8.1f} ms")
        pg.store.drop_schema()
        pg.close()
    print("target: <= 200 ms over 100,000 risks")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--risks", type=int, default=100_000)
    parser.add_argument("--commands", type=int, default=2_000)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL to measure too")
    args = parser.parse_args()
    commands(args.commands)
    heat_maps(args.risks, args.postgres)


if __name__ == "__main__":
    main()
