"""One change-request command on an in-memory aggregate, and python-statemachine's own cost.

Target (DESIGN.md): <= 30 us median per command. The run-time table is derived once from
the python-statemachine declaration; for the ratio, the same transitions are sent
through a python-statemachine instance in the same run.
Run: python benchmarks/bench_changes.py [--calls N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from decimal import Decimal

import pendulum

from clientflow import Actor, BusinessCalendar, WorkingHours
from clientflow.changes import (
    TABLE,
    ApprovalPolicy,
    ApproverGroup,
    ChangeRequest,
    ChangeRequestMachine,
    Impact,
    Mode,
    Money,
    Priority,
    Risk,
    Route,
    Verdict,
    apply,
    assess,
    cast_vote,
    request_approval,
    request_change,
    submit,
)
from clientflow.core import rebuild
from timing import median_us  # run from benchmarks/, as the others are

CAL = BusinessCalendar(
    "Asia/Shanghai", WorkingHours.weekdays("09:00-12:00", "13:00-18:00"), country="CN"
)
PMS = {"pm": ["pm1", "pm2", "pm3"]}
NOW = pendulum.datetime(2026, 3, 2, 2)
ANNA, PM1, PM2 = Actor("anna"), Actor("pm1", {"pm"}), Actor("pm2", {"pm"})
POLICY = ApprovalPolicy(
    routes=(
        Route(
            "normal", stages=((ApproverGroup("pms", roles={"pm"}, mode=Mode.QUORUM, quorum=2),),)
        ),
    ),
    deadline=pendulum.duration(hours=16),
)
IMPACT = Impact(
    schedule_days=3,
    cost=Money("12000", "CNY"),
    effort_hours=Decimal(40),
    risk=Risk.MEDIUM,
    in_scope=False,
    priority=Priority.SHOULD,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    n = args.calls
    draft = request_change(
        "CR-1", project="p", title="SSO", description="", requester=ANNA, now=NOW
    ).aggregate
    submitted: ChangeRequest = submit(draft, ANNA, NOW).aggregate
    assessed = assess(submitted, IMPACT, PM1, NOW).aggregate
    waiting = request_approval(
        assessed, POLICY, directory=PMS, calendar=CAL, actor=PM1, now=NOW
    ).aggregate
    voted = cast_vote(waiting, PM1, Verdict.APPROVE, NOW).aggregate
    results = {
        "submit": median_us(lambda _: submit(draft, ANNA, NOW), n),
        "assess": median_us(lambda _: assess(submitted, IMPACT, PM1, NOW), n),
        "request_approval (routes, opens a round, business-time deadline)": median_us(
            lambda _: request_approval(
                assessed, POLICY, directory=PMS, calendar=CAL, actor=PM1, now=NOW
            ),
            n,
        ),
        "cast_vote (counted, no decision)": median_us(
            lambda _: cast_vote(waiting, PM2, Verdict.APPROVE, NOW), n
        ),
        "cast_vote (decisive: vote + approval events)": median_us(
            lambda _: cast_vote(voted, PM2, Verdict.APPROVE, NOW), n
        ),
        "transition check alone (table lookup)": median_us(
            lambda _: TABLE.target("draft", "submit"), n
        ),
    }
    # A fresh instance per sample: send() moves it, and the clock only runs around send().
    samples = []
    for _ in range(n):
        machine = ChangeRequestMachine(start_value="draft")
        begin = time.perf_counter_ns()
        machine.send("submit")
        samples.append(time.perf_counter_ns() - begin)
    results["python-statemachine: send('submit') on a live instance"] = (
        statistics.median(samples) / 1000
    )
    results["python-statemachine: instantiate the machine"] = median_us(
        lambda _: ChangeRequestMachine(start_value="draft"), max(n // 10, 100)
    )

    history = [
        *request_change(
            "CR-1", project="p", title="SSO", description="", requester=ANNA, now=NOW
        ).events
    ]
    change = draft
    for step in (
        lambda c: submit(c, ANNA, NOW),
        lambda c: assess(c, IMPACT, PM1, NOW),
        lambda c: request_approval(c, POLICY, directory=PMS, calendar=CAL, actor=PM1, now=NOW),
        lambda c: cast_vote(c, PM1, Verdict.APPROVE, NOW),
        lambda c: cast_vote(c, PM2, Verdict.APPROVE, NOW),
    ):
        decision = step(change)
        change = decision.aggregate
        history += decision.events
    per_history = median_us(lambda _: rebuild(apply, history), max(n // 5, 200))
    width = max(map(len, results))
    print(f"median of {n} calls")
    for name, value in results.items():
        print(f"  {name:<{width}}  {value:8.1f} us")
    rate = len(history) / per_history * 1e6
    print(f"  rebuild a {len(history)}-event history: {per_history:.1f} us = {rate:,.0f} events/s")
    ratio = results["python-statemachine: send('submit') on a live instance"] / results["submit"]
    print(f"  python-statemachine send() / clientflow submit(): {ratio:.1f}x")
    print("  (one engine dispatch of the library vs a whole clientflow command)")
    print("target: <= 30 us median per command")


if __name__ == "__main__":
    main()
