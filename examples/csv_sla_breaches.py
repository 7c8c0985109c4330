"""Import a CSV of issues and print the SLA breaches, in business time on real calendars.

    python examples/csv_sla_breaches.py examples/issues.csv --rules examples/rules.toml \
        --now 2026-11-27T12:00:00-05:00

Each row is replayed through the engine at the instants the CSV gives (reported,
first response, resolved), on an in-memory store; the SLA of the client's rules
applies on the client's calendar (US holidays, DST, working hours).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum

from clientflow import escalation
from clientflow.config import Rules, load_rules
from clientflow.core import Actor, ClientflowError, Decision, ManualClock, parse_instant
from clientflow.engine import Command, Engine
from clientflow.storage import open_store

AGENT = Actor("support", {"engineer"})

Step = Callable[[Any, pendulum.DateTime], Decision[Any]]


def _steps(row: dict[str, str], rules: Rules) -> list[tuple[pendulum.DateTime, Step]]:
    """The commands one CSV row stands for, at the instants it gives."""
    client = row["client"]
    calendar = rules.calendar_for(client)
    assert rules.sla is not None, "the rules need an [[sla]] policy"
    sla = rules.sla
    policy = rules.escalation_for(client)
    reporter = Actor(f"{client}-contact", {"client"}, clients={client})  # from the login

    def report(_: None, now: pendulum.DateTime) -> Decision[Any]:
        return escalation.report_issue(
            row["id"],
            kind=escalation.IssueKind.ISSUE,
            client=client,
            project=client,
            title=row["title"],
            priority=row["priority"],
            owner=AGENT.id,
            reporter=reporter,
            now=now,
            sla=sla,
            escalation=policy,
            calendar=calendar,
        )

    def respond(issue: escalation.Issue, now: pendulum.DateTime) -> Decision[Any]:
        return escalation.acknowledge(issue, AGENT, now, calendar=calendar, escalation=policy)

    def resolve(issue: escalation.Issue, now: pendulum.DateTime) -> Decision[Any]:
        return escalation.resolve(issue, "resolved (imported)", AGENT, now, calendar=calendar)

    steps: list[tuple[pendulum.DateTime, Step]] = [
        (parse_instant(row["reported_at"], "reported_at"), report)
    ]
    if row["first_response_at"]:
        steps.append((parse_instant(row["first_response_at"], "first_response_at"), respond))
    if row["resolved_at"]:
        steps.append((parse_instant(row["resolved_at"], "resolved_at"), resolve))
    return steps


def breaches(csv_path: Path, rules: Rules, now: pendulum.DateTime) -> list[str]:
    """One line per breached SLA clock, oldest deadline first."""
    with csv_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    timeline = sorted(
        ((at, row["id"], step) for row in rows for at, step in _steps(row, rules)),
        key=lambda entry: entry[0],
    )
    clock = ManualClock(timeline[0][0] if timeline else now)
    engine = Engine(open_store("memory://"), kinds=rules.codec(), clock=clock)
    for at, issue_id, step in timeline:
        clock.set(at)
        engine.execute(Command(issue_id, step))
    found = []
    for row in rows:
        issue = engine.load(row["id"])
        assert isinstance(issue, escalation.Issue)
        calendar = rules.calendar_for(issue.client)
        for clock in issue.clocks:
            state = escalation.report(clock, calendar, now)
            if state.left.total_seconds() < 0:
                late = -state.left.total_seconds() / 3600
                deadline = state.deadline.in_timezone(calendar.timezone)
                found.append(
                    (
                        state.deadline,
                        f"{issue.id} {issue.priority} {clock.metric}: due "
                        f"{deadline.format('ddd YYYY-MM-DD HH:mm zz')}, "
                        f"{late:.1f} business hours late  ({issue.title})",
                    )
                )
    return [line for _, line in sorted(found)]


def main(argv: list[str] | None = None) -> int:
    """Print the breaches; exit 1 with one line on bad input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--rules", type=Path, default=Path(__file__).with_name("rules.toml"))
    parser.add_argument("--now", default=None, help="ISO 8601 with offset (default: now)")
    args = parser.parse_args(argv)
    try:
        now = pendulum.now("UTC") if args.now is None else parse_instant(args.now, "--now")
        lines = breaches(args.csv, load_rules(args.rules), now)
    except (ClientflowError, OSError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{len(lines)} SLA breach(es):")
    for line in lines:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
