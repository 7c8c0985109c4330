"""Recording a touchpoint on a communication plan, through the workspace (memory store).

Issue 27 named it a hot spot (~1.2 ms): each touchpoint recomputes the plan's pending
alerts (occurrence statuses, the silence deadline in working days, replies owed) to set
its next deadline. Plans are created from the demo rules' template; each gets 9
touchpoints, alternating outbound and inbound, as in the guard's ``plans`` workload.
Run: python benchmarks/bench_touchpoint.py [--plans 60]
"""

from __future__ import annotations

import argparse

import pendulum

import clientflow
from clientflow.demo import RULES_FILE
from timing import median_us  # run from benchmarks/, as the others are

START = pendulum.datetime(2026, 3, 2, 2)
LI = clientflow.Actor("li.wei", {"pm"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plans", type=int, default=60)
    plans = parser.parse_args().plans
    ws = clientflow.open("memory://", RULES_FILE, clock=clientflow.ManualClock(START))
    for n in range(plans):
        ws.plans.create(f"P-{n}", by=LI, client="lotus", project="lotus-app")
    # Prepared outside the timed calls: one touchpoint per (round, plan).
    touchpoints = [
        {
            "id": f"tp-{t}",
            "direction": ("outbound", "inbound")[t % 2],
            "channel": "email",
            "at": START.subtract(minutes=30 - t).isoformat(),
            "summary": "weekly status",
        }
        for t in range(9)
    ]

    def record(i: int) -> object:
        round_, plan = divmod(i, plans)
        return ws.plans.record_touchpoint(f"P-{plan}", by=LI, touchpoint=touchpoints[round_])

    took = median_us(record, 9 * plans)
    print(f"record_touchpoint through the workspace ({9 * plans} on {plans} plans, median)")
    print(f"  {took:7.1f} us")
    ws.close()


if __name__ == "__main__":
    main()
