"""The read side: one owner's open work and one client's aggregates among many.

Targets (DESIGN.md):
- one owner's agenda among 100,000 aggregates <= 50 ms (SQLite, PostgreSQL), and
  <= 3x the same at 10,000;
- one client's aggregates among 1,000 clients read without scanning the feed.
The store holds change requests awaiting approval (4 events each), 100 per owner and
spread over 1,000 clients by project; the queries read rows by index and load only the
aggregates selected.
Run: python benchmarks/bench_queries.py [--sizes 10000 100000] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import attrs

from clientflow.changes import kind
from clientflow.core import Codec, DomainEvent, EventMeta
from clientflow.ports import Query, Store
from clientflow.reports import Portfolio
from clientflow.storage import SQLiteStore
from clientflow.storage.kinded import TypedStore
from clientflow.testing.samples import CALENDAR, awaiting_approval
from timing import median_ms  # run from benchmarks/, as the others are

POSTGRES_URL = os.environ.get(
    "CLIENTFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PER_OWNER = 100
CLIENTS = 1000


def codec() -> Codec:
    """Change requests whose client is their project's number modulo 1,000."""
    return Codec([kind(lambda change: CALENDAR, lambda change: f"client-{change.project}")])


def histories(size: int) -> list[DomainEvent]:
    """``size`` change requests awaiting approval, 100 per requester (the owner)."""
    _, steps = awaiting_approval("CR-template")
    template = [e for s in steps for e in s.events]
    found: list[DomainEvent] = []
    for n in range(size):
        owner = f"owner-{n // PER_OWNER}"
        for event in template:
            meta = EventMeta(f"CR-{n}", event.aggregate_version, event.occurred_at, owner)
            changed = attrs.evolve(event, meta=meta)
            if event.aggregate_version == 1:
                changed = attrs.evolve(changed, project=str(n % CLIENTS))  # type: ignore[call-arg]
            found.append(changed)
    return found


def measure(store: Store, label: str, size: int) -> tuple[float, float]:
    begin = time.perf_counter()
    events = histories(size)
    for start in range(0, len(events), 40_000):
        store.import_history(events[start : start + 40_000])
    loaded = time.perf_counter() - begin
    owner = f"owner-{size // PER_OWNER // 2}"
    agenda = median_ms(lambda: Portfolio.from_store(store, owner=owner))
    mine = Portfolio.from_store(store, owner=owner)
    assert len(mine.changes) == PER_OWNER
    client = median_ms(lambda: Portfolio.from_store(store, client="client-7"))
    count = median_ms(lambda: store.counts(Query(client="client-7")))
    print(
        f"  {label:<10} {size:>8,} aggregates ({len(events):,} events, loaded in {loaded:.1f} s):"
        f" owner's agenda {agenda:6.1f} ms, one client {client:6.1f} ms, counts {count:5.2f} ms"
    )
    return agenda, client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--postgres", action="store_true", help="also measure PostgreSQL")
    args = parser.parse_args()
    print("read side: Portfolio.from_store(owner=...) / (client=...), medians of 15")
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            store = TypedStore(SQLiteStore(Path(folder) / f"q-{size}.db"), codec())
            store.store.create_schema()
            results.setdefault("sqlite", []).append(measure(store, "sqlite", size)[0])
            store.close()
    if args.postgres:
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415 - optional extra

        for size in args.sizes:
            store = TypedStore(SQLAlchemyStore(POSTGRES_URL, prefix=f"bench_q{size}_"), codec())
            store.store.drop_schema()
            store.store.create_schema()
            try:
                results.setdefault("postgresql", []).append(measure(store, "postgresql", size)[0])
            finally:
                store.store.drop_schema()
                store.close()
    for label, agendas in results.items():
        if len(agendas) > 1:
            ratio = agendas[-1] / agendas[0]
            print(f"  {label}: agenda at the largest size / the smallest = {ratio:.2f}x")


if __name__ == "__main__":
    main()
