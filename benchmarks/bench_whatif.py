"""Policy what-if: a quarter of issue events replayed and compared, on SQLite.

Target (issue 28): a quarter of 1,000,000 events replayed and compared in <= 60 s.

The data is the demo's 90 days of issues (SLA clocks, thresholds, escalations, notices,
swept hourly), copied with new ids until the store holds about ``--events`` issue
events. The what-if is Northwind's P2 first response 8 h -> 6 h over the whole quarter,
with the hourly sweeper the demo ran: every issue is replayed twice (the rules in force
and the proposed ones), compared with the record and with each other. The CPU time of
this process and of the worker processes is printed beside the wall clock.
Run: python benchmarks/bench_whatif.py [--events 100000 1000000] [--workers 2] [--profile]
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import os
import pstats
import tempfile
import time
import tomllib
from pathlib import Path

import attrs
import pendulum

from clientflow.config import Rules, rules_from_dict
from clientflow.core import DomainEvent
from clientflow.demo import END, RULES_FILE, START, run
from clientflow.escalation import IssueReported
from clientflow.storage import SQLiteStore, open_store
from clientflow.storage.kinded import TypedStore
from clientflow.whatif import SweepGrid, what_if

HOURLY = SweepGrid(pendulum.duration(hours=1))


def proposed_rules() -> Rules:
    """The demo's rules, Northwind's P2 first response at 6 h instead of 8 h."""
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    own = copy.deepcopy(data["sla"][1])
    own.update(name="northwind", clients=["northwind"])
    own["targets"]["P2"]["first_response"] = "6h"
    data["sla"].insert(0, own)
    return rules_from_dict(data)


def demo_issues(folder: Path, rules: Rules) -> list[list[DomainEvent]]:
    """Each demo issue's history."""
    url = f"sqlite:///{folder / 'demo.db'}"
    run(lambda *_: None, url)
    store = TypedStore(open_store(url), rules.codec())
    found: dict[str, list[DomainEvent]] = {}
    after = 0
    while page := store.feed(after, 5000):
        for stored in page:
            event = stored.event
            if event.aggregate_id in found or isinstance(event, IssueReported):
                found.setdefault(event.aggregate_id, []).append(event)
        after = page[-1].position
    store.close()
    return list(found.values())


def fill(store: SQLiteStore, issues: list[list[DomainEvent]], events: int) -> int:
    """Copies of the issues with new ids (``<id>~<k>``) until ``events`` are written."""
    written = k = 0
    batch: list[DomainEvent] = []
    while written + len(batch) < events:
        for history in issues:
            batch.extend(
                attrs.evolve(e, meta=attrs.evolve(e.meta, aggregate_id=f"{e.aggregate_id}~{k}"))
                for e in history
            )
        k += 1
        if len(batch) >= 50_000:
            written += store.import_history(batch)
            batch = []
    return written + (store.import_history(batch) if batch else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--profile", action="store_true", help="print the top 25 functions")
    parser.add_argument("--workers", type=int, default=1, help="replay in this many processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        rules = rules_from_dict(tomllib.loads(RULES_FILE.read_text(encoding="utf-8")))
        proposed = proposed_rules()
        issues = demo_issues(folder, rules)
        per_copy = sum(len(h) for h in issues)
        print(f"the demo's quarter: {len(issues)} issues, {per_copy:,} issue events")
        for events in args.events:
            store = TypedStore(SQLiteStore(folder / f"whatif-{events}.db"), rules.codec())
            store.store.create_schema()
            store.apply_rules(rules.fingerprint, rules.source, START, over=0)
            begin = time.perf_counter()
            written = fill(store, issues, events)
            loaded = time.perf_counter() - begin
            profiler = cProfile.Profile() if args.profile else None
            began = os.times()
            begin = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            result = what_if(
                store,
                rules,
                proposed,
                since=START,
                until=END.add(seconds=1),
                sweeps=HOURLY,
                workers=args.workers,
            )
            took = time.perf_counter() - begin
            ended = os.times()
            # CPU time beside the wall clock: on a shared machine the wall clock says as
            # much about the other work as about this.
            own = ended.user + ended.system - began.user - began.system
            kids = (ended.children_user + ended.children_system) - (
                began.children_user + began.children_system
            )
            if profiler is not None:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            replayed = result.reproduced + len(result.diverged)
            print(
                f"  sqlite {written:>9,} events ({replayed:,} issues, loaded in {loaded:.0f} s,"
                f" {args.workers} worker(s)):"
                f" what-if {took:6.1f} s = {written / took:,.0f} events/s"
                f" (CPU {own:.1f} s here, {kids:.1f} s in workers);"
                f" reproduced {result.reproduced:,}, breaches +"
                f"{result.total.after.breached - result.total.before.breached:,}"
            )
            store.close()


if __name__ == "__main__":
    main()
