"""The workspace's overhead per command over the engine running the pure command.

Target (DESIGN.md): workspace overhead per command over the engine <= 10 %.
Both sides re-assess change requests in a memory store through the same engine; the
workspace adds finding the policy in the rules, the id and time checks and the kind
check. Also printed: the pure function alone (no store), for scale.
Run: python benchmarks/bench_workspace.py [--commands 5000]
"""

from __future__ import annotations

import argparse

import pendulum

import clientflow
from clientflow.changes import Impact, Money, Priority, Risk, assess
from clientflow.core import Decision
from clientflow.demo import RULES_FILE
from clientflow.demo.renewals import RENEWALS, Renewal, open_renewal
from clientflow.engine import Command
from clientflow.escalation import Issue, add_update
from timing import median_us  # run from benchmarks/, as the others are

START = pendulum.datetime(2026, 3, 2, 2)
ANNA = clientflow.Actor("anna", {"client"})
LI = clientflow.Actor("li.wei", {"pm"})


def impact(hours: int) -> Impact:
    return Impact(
        schedule_days=1,
        cost=Money("100", "CNY"),
        effort_hours=hours,
        risk=Risk.LOW,
        in_scope=True,
        priority=Priority.SHOULD,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=5000)
    args = parser.parse_args()
    ws = clientflow.open("memory://", RULES_FILE, clock=clientflow.ManualClock(START))
    for n in range(100):
        ws.changes.request(f"CR-{n}", by=ANNA, project="lotus-app", title="SSO")
        ws.changes.submit(f"CR-{n}", by=ANNA)
    impacts = [impact(h) for h in range(args.commands)]
    engine = ws.engine
    policy = ws.rules.approval_for("lotus").permissions

    def through_engine(i: int) -> object:
        return engine.execute(
            Command(
                f"CR-{i % 100}",
                lambda change, now: assess(change, impacts[i], LI, now, policy),
            )
        )

    def through_workspace(i: int) -> object:
        return ws.changes.assess(f"CR-{i % 100}", by=LI, impact=impacts[i])

    change = ws.changes.get("CR-0")

    def pure(i: int) -> object:
        return assess(change, impacts[i], LI, START, policy)

    rounds = []
    for _ in range(3):  # interleaved, so both sides see the same machine load
        rounds.append(
            (median_us(through_engine, args.commands), median_us(through_workspace, args.commands))
        )
    engine_us = min(r[0] for r in rounds)
    workspace_us = min(r[1] for r in rounds)
    print(f"re-assess a change ({args.commands:,} commands per side, best of 3 medians)")
    print(f"  pure function alone        {median_us(pure, args.commands):7.1f} us")
    print(f"  engine + pure function     {engine_us:7.1f} us")
    print(f"  workspace                  {workspace_us:7.1f} us")
    print(f"  workspace overhead: {100 * (workspace_us / engine_us - 1):+.1f} % (target <= 10 %)")
    builtin = issues(ws, args.commands)
    custom = renewals(args.commands)
    print(f"custom workflow's overhead minus the built-in one's: {custom - builtin:+.1f} points")


def issues(ws: clientflow.Workspace, commands: int) -> float:
    """The same comparison for a progress note on an issue (the declared issue commands)."""
    for n in range(100):
        ws.issues.report(
            f"ISS-{n}", by=ANNA, client="lotus", project="lotus-app", title="Slow",
            priority="P3", owner="chen.jie",
        )  # fmt: skip
    rules = ws.rules
    chen = clientflow.Actor("chen.jie", {"engineer"})

    def through_engine(i: int) -> object:
        def decide(issue: Issue | None, now: pendulum.DateTime) -> Decision[Issue]:
            assert issue is not None
            return add_update(
                issue, "still on it", chen, now,
                calendar=rules.calendar_for(issue.client),
                escalation=rules.escalation_for(issue.client),
                permissions=rules.issue_permissions,
            )  # fmt: skip

        return ws.engine.execute(Command(f"ISS-{i % 100}", decide))

    def through_workspace(i: int) -> object:
        return ws.issues.add_update(f"ISS-{i % 100}", by=chen, note="still on it")

    rounds = [
        (median_us(through_engine, commands), median_us(through_workspace, commands))
        for _ in range(3)
    ]
    engine_us = min(r[0] for r in rounds)
    workspace_us = min(r[1] for r in rounds)
    print(f"add an update to an issue ({commands:,} commands per side, best of 3 medians)")
    return _report(engine_us, workspace_us)


def _report(engine_us: float, workspace_us: float) -> float:
    overhead = 100 * (workspace_us / engine_us - 1)
    print(f"  engine + pure function     {engine_us:7.1f} us")
    print(f"  workspace                  {workspace_us:7.1f} us")
    print(f"  workspace overhead: {overhead:+.1f} % (target <= 10 %)")
    return overhead


def renewals(commands: int) -> float:
    """A custom workflow's command (opening a contract renewal, declared in Python) through
    the engine and through the workspace's generic runner, same comparison."""
    # One store per side: each grows by the same renewals, so neither pays for the other's.
    ws, other = (
        clientflow.open(
            "memory://", RULES_FILE, clock=clientflow.ManualClock(START), workflows=[RENEWALS]
        )
        for _ in range(2)
    )
    calendar = ws.rules.calendar_for("lotus")
    day = pendulum.date(2026, 10, 12)
    service = ws.workflow("renewal")

    def through_engine(i: int) -> object:
        def decide(current: Renewal | None, now: pendulum.DateTime) -> Decision[Renewal]:
            return open_renewal(
                f"E-{i}", client="lotus", project="lotus-app", owner="li.wei",
                renewal_date=day, actor=LI, now=now, calendar=calendar,
            )  # fmt: skip

        return other.engine.execute(Command(f"E-{i}", decide))

    def through_workspace(i: int) -> object:
        return service.run(
            f"W-{i}", "open", by=LI, client="lotus", project="lotus-app", owner="li.wei",
            renewal_date=day,
        )  # fmt: skip

    rounds = []
    for r in range(3):  # fresh ids each round: opening is a creation
        rounds.append(
            (
                median_us(lambda i, o=r * commands: through_engine(i + o), commands),
                median_us(lambda i, o=r * commands: through_workspace(i + o), commands),
            )
        )
    print(f"open a contract renewal, a custom workflow ({commands:,} per side, best of 3)")
    return _report(min(r[0] for r in rounds), min(r[1] for r in rounds))


if __name__ == "__main__":
    main()
