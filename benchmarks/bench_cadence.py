"""Next due communication for 100,000 plans, with cached recurrence expansions.

Target (DESIGN.md): <= 2 s in all (a naive ``rrule.after`` per plan costs ~180 us).
Plans are built from 60 item templates (rules x start times x zones), as real portfolios
reuse a handful of cadences; the Schedule caches each expansion once per year.
Run: python benchmarks/bench_cadence.py [--plans N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

import pendulum

from clientflow import BusinessCalendar, WorkingHours
from clientflow.cadence import Channel, CommunicationPlan, ItemKind, PlanItem, Schedule
from clientflow.cadence.model import parse_rule

RULES = [
    "FREQ=WEEKLY;BYDAY=FR",
    "FREQ=WEEKLY;BYDAY=MO",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE",
    "FREQ=MONTHLY;BYDAY=1TU",
    "FREQ=MONTHLY;BYMONTHDAY=15",
    "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
]
ZONES = ["America/New_York", "Europe/London", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plans", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(3)
    calendar = BusinessCalendar("Asia/Shanghai", WorkingHours.weekdays("08:00-20:00"), country="CN")
    schedule = Schedule(calendar, quiet_hours=False)
    templates = [
        PlanItem(
            f"t{n}",
            ItemKind.STATUS_REPORT,
            rule,
            dt.datetime(2026, 1, 5, 9 + n % 2),
            Channel.EMAIL,
            "owner",
        )
        for n, rule in enumerate(RULES * 2)
    ]
    now = pendulum.datetime(2026, 6, 10, 12)
    plans = [
        CommunicationPlan(
            id=f"P-{n}",
            version=1,
            status="active",
            client=f"c{n}",
            project="p",
            timezone=rng.choice(ZONES),
            items=tuple(rng.sample(templates, 2)),
            created_at=now,
        )
        for n in range(args.plans)
    ]
    begin = time.perf_counter()
    nearest = []
    for plan in plans:
        candidates = [schedule.next_after(item, plan.timezone, now) for item in plan.items]
        nearest.append(min((c.at for c in candidates if c is not None), default=None))
    elapsed = time.perf_counter() - begin
    again = time.perf_counter()
    for plan in plans:
        for item in plan.items:
            schedule.next_after(item, plan.timezone, now)
    warm = time.perf_counter() - again
    sample = plans[:1000]
    naive_begin = time.perf_counter()
    for plan in sample:
        tz = pendulum.timezone(plan.timezone)
        local_now = now.in_timezone(tz).naive()
        for item in plan.items:
            parse_rule.__wrapped__(item.rule, item.start, "rule").after(
                local_now
            )  # uncached, as a naive host would
    naive = (time.perf_counter() - naive_begin) / len(sample)
    assert all(n is not None for n in nearest)
    print(f"{args.plans:,} plans x 2 items, {len(templates)} templates x {len(ZONES)} zones")
    print(f"  next due for every plan, first pass (expanding caches): {elapsed:.2f} s")
    per_plan = warm / args.plans * 1e6
    print(f"  next due for every plan, warm caches: {warm:.2f} s ({per_plan:.1f} us/plan)")
    total = naive * args.plans
    print(f"  naive parse + rrule.after per plan (sampled): {naive * 1e6:.0f} us = {total:.1f} s")
    print("target: <= 2 s in all")


if __name__ == "__main__":
    main()
