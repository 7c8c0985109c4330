"""CSAT/NPS over 1,000,000 feedback items: median of a few full passes.

Target (DESIGN.md): <= 1 s for the metrics over 1,000,000 items.
Run: python benchmarks/bench_feedback.py [--items N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import attrs
import pendulum

from clientflow import Actor, BusinessCalendar
from clientflow.feedback import Channel, FeedbackPolicy, receive, satisfaction, trend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(7)
    calendar = BusinessCalendar("Europe/London", ("09:00-17:30",))
    start = pendulum.datetime(2026, 1, 5, 9)
    template = receive(
        "FB-0", client="acme", project="portal", contact="anna", channel=Channel.SURVEY, nps=7,
        policy=FeedbackPolicy(), calendar=calendar, actor=Actor("pm"), now=start,
    ).aggregate  # fmt: skip
    clients = ["acme", "globex", "initech", "umbrella"]
    items = [
        attrs.evolve(
            template,
            id=f"FB-{n}",
            client=clients[n % 4],
            nps=rng.choice([None, *range(11)]),
            csat=rng.choice([None, 1, 2, 3, 4, 5]),
            received_at=start.add(minutes=n % 500_000),
        )
        for n in range(args.items)
    ]
    runs = []
    for _ in range(args.repeat):
        begin = time.perf_counter()
        metrics = satisfaction(items)
        runs.append(time.perf_counter() - begin)
    filtered = []
    for _ in range(args.repeat):
        begin = time.perf_counter()
        satisfaction(items, client="acme", since=start, until=start.add(days=100))
        filtered.append(time.perf_counter() - begin)
    begin = time.perf_counter()
    change = trend(
        items, before=(start, start.add(days=150)), after=(start.add(days=150), start.add(days=400))
    )
    trend_time = time.perf_counter() - begin
    print(f"{args.items:,} feedback items")
    scores = f"NPS {metrics.nps:.1f}, CSAT {metrics.csat:.1f} %"
    print(f"  NPS/CSAT, all items:             median {statistics.median(runs):.3f} s  ({scores})")
    print(f"  one client, 100-day window:      median {statistics.median(filtered):.3f} s")
    delta = f"NPS delta {change.nps_delta:+.2f}"
    print(f"  trend between two windows:       {trend_time:.3f} s  ({delta})")
    print("target: <= 1 s over 1,000,000 items")


if __name__ == "__main__":
    main()
