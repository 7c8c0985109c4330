"""Issue commands, event processing and next_deadline on a calendar with holidays.

Targets (issue 4): <= 30 us per event, <= 50 us per next_deadline.
Run: python benchmarks/bench_escalation.py [--calls N]
"""

from __future__ import annotations

import argparse

import pendulum

from clientflow import Actor, BusinessCalendar, WorkingHours
from clientflow.core import rebuild, to_utc
from clientflow.escalation import (
    EscalationPolicy,
    IssueKind,
    Level,
    PriorityTargets,
    SlaAgreement,
    SlaPolicy,
    acknowledge,
    apply,
    change_priority,
    client_replied,
    fire_timers,
    report_issue,
    start_investigation,
    wait_on_client,
)
from clientflow.escalation.policy import retime
from timing import median_us  # run from benchmarks/, as the others are

H = pendulum.duration
CAL = BusinessCalendar(
    "Asia/Shanghai", WorkingHours.weekdays("09:00-12:00", "13:00-18:00"), country="CN"
)
SLA = SlaAgreement(
    (
        SlaPolicy(
            "std",
            (
                PriorityTargets("P1", H(hours=1), H(hours=8), H(hours=2)),
                PriorityTargets("P2", H(hours=4), H(hours=24), H(hours=4)),
            ),
        ),
    )
)
LADDER = EscalationPolicy(
    levels=(Level("owner", ("o",), H(hours=1)), Level("pm", ("role:pm",), H(hours=2))),
    no_update_after=H(hours=4),
)
ME, CLIENT = Actor("o"), Actor("c")
T0 = pendulum.datetime(2026, 9, 28, 9, tz="Asia/Shanghai")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=3000)
    n = parser.parse_args().calls

    def new(_: int = 0) -> object:
        return report_issue(
            "ISS-1", kind=IssueKind.ISSUE, client="a", project="p", title="t", priority="P2",
            owner="o", reporter=CLIENT, now=T0, sla=SLA, escalation=LADDER, calendar=CAL,
        )  # fmt: skip

    # The instants are computed once, outside the timed calls: pendulum's `.add` costs
    # ~10 us, which is the caller's arithmetic, not the command's.
    at_5m, at_6m, at_1h, at_2h, at_2d = (
        T0.add(minutes=5),
        T0.add(minutes=6),
        T0.add(hours=1),
        T0.add(hours=2),
        T0.add(days=2),
    )
    reported = new().aggregate  # type: ignore[attr-defined]
    acked = acknowledge(reported, ME, at_5m, calendar=CAL, escalation=LADDER).aggregate
    working = start_investigation(acked, ME, at_6m, calendar=CAL, escalation=LADDER).aggregate
    waiting = wait_on_client(working, "log?", ME, at_1h, calendar=CAL).aggregate
    later = T0.add(days=3)  # over National Day week: spans holidays
    later_utc = to_utc(later)
    results = {
        "report_issue (2 clocks, thresholds)": median_us(new, n),
        "acknowledge": median_us(
            lambda _: acknowledge(reported, ME, at_5m, calendar=CAL, escalation=LADDER), n
        ),
        "wait_on_client (pause)": median_us(
            lambda _: wait_on_client(working, "x", ME, at_1h, calendar=CAL), n
        ),
        "client_replied (resume, next-reply clock)": median_us(
            lambda _: client_replied(waiting, "y", CLIENT, later, calendar=CAL, escalation=LADDER),
            n,
        ),
        # The engine passes its clock's UTC instant: no zone to convert.
        "client_replied, now in UTC (as the engine passes it)": median_us(
            lambda _: client_replied(
                waiting, "y", CLIENT, later_utc, calendar=CAL, escalation=LADDER
            ),
            n,
        ),
        "change_priority (retime from start)": median_us(
            lambda _: change_priority(working, "P1", ME, at_2h, calendar=CAL), n
        ),
        "fire_timers (warnings + escalation)": median_us(
            lambda _: fire_timers(working, at_2d, calendar=CAL, escalation=LADDER), n
        ),
    }
    # A sweep fires every timer due in one call: its time grows with what is due, so it
    # is also given per event it records (each is one fired timer's threshold, escalation
    # or notice).
    swept = fire_timers(working, at_2d, calendar=CAL, escalation=LADDER).events
    results[f"fire_timers, per event recorded ({len(swept)})"] = results[
        "fire_timers (warnings + escalation)"
    ] / len(swept)
    history = [*new().events]  # type: ignore[attr-defined]
    issue = reported
    for step in (
        lambda i: acknowledge(i, ME, T0.add(minutes=5), calendar=CAL, escalation=LADDER),
        lambda i: start_investigation(i, ME, T0.add(minutes=6), calendar=CAL, escalation=LADDER),
        lambda i: wait_on_client(i, "x", ME, T0.add(hours=1), calendar=CAL),
        lambda i: client_replied(i, "y", CLIENT, later, calendar=CAL, escalation=LADDER),
        lambda i: fire_timers(i, later.add(days=12), calendar=CAL, escalation=LADDER),
    ):
        decision = step(issue)
        issue = decision.aggregate
        history += decision.events
    per_history = median_us(lambda _: rebuild(apply, history), max(n // 5, 200))
    results[f"apply, per event (rebuild of {len(history)})"] = per_history / len(history)
    results["next_deadline from stored timers"] = median_us(lambda _: issue.timers(), n)
    clock = issue.clock("resolution")
    assert clock is not None
    results["next_deadline recomputed (retime one clock)"] = median_us(
        lambda _: retime(clock, CAL), n
    )
    width = max(map(len, results))
    print(f"median of {n} calls, Shanghai calendar with CN holidays")
    for name, value in results.items():
        print(f"  {name:<{width}}  {value:8.1f} us")
    print("targets: <= 30 us per event, <= 50 us per next_deadline")


if __name__ == "__main__":
    main()
