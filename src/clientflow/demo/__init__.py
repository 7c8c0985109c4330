"""The ``clientflow demo``: real calendars, then a 90-day portfolio run by the engine.

Four clients in Shanghai, New York, London and Tokyo; their issues, feedback, change
requests, communication plans and risks are scripted (seeded, so every run is the same) and
the engine's sweep fires SLA warnings, escalations, overdue follow-ups, approval
deadlines, missed communications and risk reviews as simulated time passes. The rules come from the
``rules.toml`` shipped beside this module; the store is whatever URL is given.
"""

from __future__ import annotations

import random
import tomllib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pendulum

from clientflow.config import Rules, load_rules, rules_from_dict
from clientflow.core import ManualClock
from clientflow.demo.calendars import Echo, show_calendars
from clientflow.demo.register import seed_risks
from clientflow.demo.scenario import seed
from clientflow.demo.simulation import Simulation
from clientflow.demo.texts import RULES_OVERLAYS, overlay
from clientflow.i18n import N_, Language, language
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
    "SlaThresholdReached": N_("SLA warnings and breaches"),
    "IssueEscalated": N_("issue escalations (each level reached counts)"),
    "FollowUpOverdue": N_("feedback follow-ups overdue (escalated)"),
    "ApprovalEscalated": N_("approval deadlines passed (escalated)"),
    "OccurrenceOverdue": N_("communications overdue"),
    "SilenceDetected": N_("silences (no outbound contact)"),
    "ReplyOwed": N_("client messages awaiting a reply too long"),
    "ReviewMissed": N_("risk reviews missed"),
    "ActionOverdue": N_("risk response actions overdue (escalated)"),
}


def demo_rules(locale: str = "en") -> Rules:
    """The rules of the demo portfolio, with the names a ``locale`` reader sees (Chinese
    client, project and people names and plan titles for ``zh_CN``)."""  # noqa: D205, D209
    language(locale)  # an unknown locale is an error naming the ones there are
    if locale not in RULES_OVERLAYS:
        return load_rules(RULES_FILE)
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    changes = tomllib.loads(RULES_OVERLAYS[locale].read_text(encoding="utf-8"))
    return rules_from_dict(overlay(data, changes))


def run(
    echo: Echo,
    store_url: str,
    *,
    progress: Callable[[int], None] | None = None,
    locale: str = "en",
) -> None:
    """Print the demo through ``echo`` in ``locale`` (``en`` or ``zh_CN``);
    ``progress(days)`` is told of each simulated day."""  # noqa: D205, D209
    lang = language(locale)
    _ = lang.gettext
    rules = demo_rules(locale)
    show_calendars(echo, rules, lang)
    # The store runs under the demo's rules: `clientflow sweep/agenda/report` read them.
    workspace = open_workspace(store_url, rules, clock=ManualClock(START), apply=True)
    store = workspace.store
    try:
        sim = Simulation(workspace, START)
        seed(sim, DAYS, random.Random(2026), locale=locale)
        seed_risks(sim, locale=locale)
        echo(
            "\n"
            + _("2. {days} days of four client relationships, swept hourly by the engine").format(
                days=DAYS
            )
        )
        echo("   " + _("store: {url}").format(url=store_url) + "\n")
        hours = 0

        def tick() -> None:
            nonlocal hours
            hours += 1
            if progress is not None and hours % 24 == 0:
                progress(1)

        sim.run(END, tick=tick)
        portfolio = Portfolio.from_store(store, aggregates=workspace.engine.kinded)
        # every event raises its aggregate's version by one
        events = sum(
            aggregate.version
            for group in (
                portfolio.issues,
                portfolio.feedback,
                portfolio.changes,
                portfolio.plans,
                portfolio.risks,
            )
            for aggregate in group
        )
        echo(
            _(
                "{commands} commands, {events} events; {issues} issues, {feedback} feedback"
                " items, {changes} change requests, {plans} plans"
            ).format(
                commands=sim.commands,
                events=events,
                issues=len(portfolio.issues),
                feedback=len(portfolio.feedback),
                changes=len(portfolio.changes),
                plans=len(portfolio.plans),
            )
        )
        echo(_("What the sweeps fired:"))
        for event_type, label in _SHOWN.items():
            echo(f"  {sim.fired[event_type]:>5}  {_(label)}")
        _first_escalation(echo, sim.highlights, portfolio, rules, lang)
        zone = _reader_zone(lang)
        # The report's own first line says at which instant: the section title does not.
        echo("\n" + _("3. The portfolio at the end of the run") + "\n")
        echo(to_text(health(portfolio, rules, END), lang=lang, timezone=zone).rstrip())
        now = END.in_timezone(zone).isoformat()
        command = f"clientflow report --store {store_url} --now {now} --format html"
        if lang.locale != "en":
            command += f" --locale {lang.locale}"
        command += " > report.html"
        echo("\n" + _("Try: {command}").format(command=command))
    finally:
        workspace.close()


def _first_escalation(
    echo: Echo,
    highlights: list[tuple[pendulum.DateTime, str, str]],
    portfolio: Portfolio,
    rules: Rules,
    lang: Language,
) -> None:
    escalations = [h for h in highlights if h[2] == "IssueEscalated"]
    if not escalations:
        return
    client_of = {issue.id: rules.client(issue.client).name for issue in portfolio.issues}
    by_client = Counter(client_of[aggregate_id] for _, aggregate_id, _ in escalations)
    at, aggregate_id, _ = escalations[0]
    counts = lang.items(
        lang.ngettext("{name} {n} time", "{name} {n} times", count).format(name=name, n=count)
        for name, count in by_client.most_common()
    )
    _ = lang.gettext
    echo(
        _("First escalation: {issue}, {when}.").format(
            issue=aggregate_id, when=lang.instant(at, _reader_zone(lang))
        )
    )
    # Counted as the sweeps' line above counts them (each level reached), and said so:
    # the health report's column counts escalated issues still open, another number.
    echo(_("Escalations by client (each level reached counts): {counts}.").format(counts=counts))


def _reader_zone(lang: Language) -> str:
    """The zone the demo's reader is in: the Shanghai team's for Chinese, else UTC."""
    return "Asia/Shanghai" if lang.locale == "zh_CN" else "UTC"
