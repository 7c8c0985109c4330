"""The ``clientflow demo``: real calendars, then a 90-day portfolio run by the engine.

Four clients in Shanghai, New York, London and Tokyo; their issues, feedback, change
requests and communication plans are scripted (seeded, so every run is the same) and
the engine's sweep fires SLA warnings, escalations, overdue follow-ups, approval
deadlines and missed communications as simulated time passes. The rules come from the
``rules.toml`` shipped beside this module; the store is whatever URL is given.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pendulum

from clientflow.config import Rules, load_rules
from clientflow.core import ManualClock
from clientflow.demo.calendars import Echo, show_calendars
from clientflow.demo.scenario import seed
from clientflow.demo.simulation import Simulation
from clientflow.reports import Portfolio, health, to_text
from clientflow.workspace import open_workspace

__all__ = ["DAYS", "END", "RULES_FILE", "START", "demo_rules", "run"]

RULES_FILE = Path(__file__).with_name("rules.toml")
"""The demo's rules file (also the default of ``sweep``, ``agenda`` and ``report``)."""

START = pendulum.datetime(2026, 9, 1)
"""Midnight UTC on the first simulated day."""

DAYS = 90
"""How many days the demo simulates."""

END = START.add(days=DAYS)
"""Where the simulation stops; the report is taken at this instant."""

_SHOWN = {
    "SlaThresholdReached": "SLA warnings and breaches",
    "IssueEscalated": "issue escalations (each level reached counts)",
    "FollowUpOverdue": "feedback follow-ups overdue (escalated)",
    "ApprovalEscalated": "approval deadlines passed (escalated)",
    "OccurrenceOverdue": "communications overdue",
    "SilenceDetected": "silences (no outbound contact)",
    "ReplyOwed": "client messages awaiting a reply too long",
}


def demo_rules() -> Rules:
    """The rules of the demo portfolio."""
    return load_rules(RULES_FILE)


def run(echo: Echo, store_url: str, *, progress: Callable[[int], None] | None = None) -> None:
    """Print the demo through ``echo``; ``progress(days)`` is told of each simulated day."""
    rules = demo_rules()
    show_calendars(echo, rules)
    # The store runs under the demo's rules: `clientflow sweep/agenda/report` read them.
    workspace = open_workspace(store_url, rules, clock=ManualClock(START), apply=True)
    store = workspace.store
    try:
        sim = Simulation(workspace, START)
        seed(sim, DAYS, random.Random(2026))
        echo(f"\n2. {DAYS} days of four client relationships, swept hourly by the engine")
        echo(f"   store: {store_url}\n")
        hours = 0

        def tick() -> None:
            nonlocal hours
            hours += 1
            if progress is not None and hours % 24 == 0:
                progress(1)

        sim.run(END, tick=tick)
        portfolio = Portfolio.from_store(store)
        # every event raises its aggregate's version by one
        events = sum(
            aggregate.version
            for group in (portfolio.issues, portfolio.feedback, portfolio.changes, portfolio.plans)
            for aggregate in group
        )
        echo(
            f"{sim.commands} commands, {events} events; "
            f"{len(portfolio.issues)} issues, {len(portfolio.feedback)} feedback items, "
            f"{len(portfolio.changes)} change requests, {len(portfolio.plans)} plans"
        )
        echo("What the sweeps fired:")
        for event_type, label in _SHOWN.items():
            echo(f"  {sim.fired[event_type]:>5}  {label}")
        _first_escalation(echo, sim.highlights, portfolio, rules)
        echo("\n3. Portfolio health on " + END.format("YYYY-MM-DD") + "\n")
        echo(to_text(health(portfolio, rules, END)).rstrip())
        echo(
            "\nTry: clientflow report --store "
            f"{store_url} --now {END.to_iso8601_string()} --format html > report.html"
        )
    finally:
        workspace.close()


def _first_escalation(
    echo: Echo,
    highlights: list[tuple[pendulum.DateTime, str, str]],
    portfolio: Portfolio,
    rules: Rules,
) -> None:
    escalations = [h for h in highlights if h[2] == "IssueEscalated"]
    if not escalations:
        return
    client_of = {issue.id: rules.client(issue.client).name for issue in portfolio.issues}
    by_client = Counter(client_of[aggregate_id] for _, aggregate_id, _ in escalations)
    at, aggregate_id, _ = escalations[0]
    echo(
        f"First escalation: {aggregate_id} at {at.format('ddd YYYY-MM-DD HH:mm')} UTC; "
        "by client: " + ", ".join(f"{name} {count}" for name, count in by_client.most_common())
    )
