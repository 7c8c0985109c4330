"""One client's health among 1,000 clients and 1,000,000 events, read by index.

Target (issue 13): one client's health report <= 200 ms among 1,000 clients /
1,000,000 events, on SQLite and PostgreSQL, and <= 3x the same at 10,000 aggregates.

The data is the demo's own 90 days (issues with SLA clocks and escalations, feedback,
change requests, communication plans), written once by the engine and then copied with
new ids: copy k belongs to the demo client's twin number k % 250, so the store holds
1,000 clients (250 twins of each of the four) with about 1,000 events each. The query
is what `clientflow report --client` does: the client's rows from the read side, their
aggregates by id, and the health computed from them.
Run: python benchmarks/bench_health.py [--copies 87 625] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import attrs

from clientflow.config import Rules, rules_from_dict
from clientflow.core import DomainEvent
from clientflow.demo import END, RULES_FILE, run
from clientflow.ports import Store
from clientflow.reports import Portfolio, health
from clientflow.storage import SQLiteStore, open_store
from clientflow.storage.kinded import TypedStore
from timing import median_ms  # run from benchmarks/, as the others are

POSTGRES_URL = os.environ.get(
    "CLIENTFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TWINS = 250  # twins of each demo client: 4 x 250 = 1,000 clients


def twin_rules() -> Rules:
    """The demo's rules with each client repeated as ``<client>-<n>``, own project names."""
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    clients = {}
    for name, client in data["clients"].items():
        for n in range(TWINS):
            projects = [f"{project}-{n}" for project in client["projects"]]
            clients[f"{name}-{n}"] = {**client, "projects": projects}
    data["clients"] = clients
    for policy in data["sla"]:
        if "clients" in policy:
            policy["clients"] = [f"{c}-{n}" for c in policy["clients"] for n in range(TWINS)]
    return rules_from_dict(data)


def demo_history(folder: Path) -> list[DomainEvent]:
    """Every event the demo writes, in feed order."""
    url = f"sqlite:///{folder / 'demo.db'}"
    run(lambda *_: None, url)
    store = TypedStore(open_store(url), twin_rules().codec())
    events = []
    after = 0
    while page := store.feed(after, 5000):
        events.extend(stored.event for stored in page)
        after = page[-1].position
    store.close()
    return events


def copies(events: list[DomainEvent], count: int) -> Iterator[list[DomainEvent]]:
    """``count`` copies of the history, one list per copy, ids and clients renamed."""
    for k in range(count):
        twin = k % TWINS
        copy = []
        for event in events:
            changes: dict[str, object] = {
                "meta": attrs.evolve(event.meta, aggregate_id=f"{event.aggregate_id}~{k}")
            }
            for field in ("client", "project"):
                value = getattr(event, field, None)
                if isinstance(value, str) and value:
                    changes[field] = f"{value}-{twin}"
            copy.append(attrs.evolve(event, **changes))  # type: ignore[misc]
        yield copy


def measure(store: Store, rules: Rules, events: list[DomainEvent], count: int, label: str) -> float:
    begin = time.perf_counter()
    batch: list[DomainEvent] = []
    written = 0
    for copy in copies(events, count):
        batch.extend(copy)
        if len(batch) >= 40_000:
            written += store.import_history(batch)
            batch = []
    if batch:
        written += store.import_history(batch)
    loaded = time.perf_counter() - begin
    client = "northwind-1"  # the demo's troubled client: escalations, breaches, overdue

    def one_client() -> object:
        portfolio = Portfolio.from_store(store, client=client)
        return health(portfolio, rules, END, clients=[client])

    [found] = one_client()  # type: ignore[misc]
    assert found.open_issues > 0, found  # the report has something to compute
    assert found.overdue_communications, found
    took = median_ms(one_client)
    clients = min(count, TWINS) * 4
    print(
        f"  {label:<10} {count:>4} copies: {clients:,} clients, {written:,} events"
        f" (loaded in {loaded:.0f} s): one client's health {took:6.1f} ms"
    )
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, nargs="+", default=[87, 625])
    parser.add_argument("--postgres", action="store_true", help="also measure PostgreSQL")
    args = parser.parse_args()
    rules = twin_rules()
    print("one client's health (read side + health()), medians of 15")
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        events = demo_history(folder)
        print(f"  the demo wrote {len(events):,} events")
        for count in args.copies:
            store = TypedStore(SQLiteStore(folder / f"health-{count}.db"), rules.codec())
            store.store.create_schema()
            results.setdefault("sqlite", []).append(measure(store, rules, events, count, "sqlite"))
            store.close()
        if args.postgres:
            from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

            for count in args.copies:
                pg = TypedStore(
                    SQLAlchemyStore(POSTGRES_URL, prefix=f"bench_h{count}_"), rules.codec()
                )
                pg.store.drop_schema()
                pg.store.create_schema()
                try:
                    results.setdefault("postgresql", []).append(
                        measure(pg, rules, events, count, "postgresql")
                    )
                finally:
                    pg.store.drop_schema()
                    pg.close()
    for label, found in results.items():
        if len(found) > 1:
            print(f"  {label}: largest / smallest = {found[-1] / found[0]:.2f}x")


if __name__ == "__main__":
    main()
