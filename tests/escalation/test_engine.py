"""Issues through the engine on SQLite: SLA thresholds and escalation steps fire once each."""

from __future__ import annotations

from pathlib import Path

from clientflow.core import Codec, Decision
from clientflow.engine import Command, Engine
from clientflow.escalation import Issue, IssueKind, kind, report_issue
from clientflow.storage import open_store
from clientflow.storage.kinded import TypedStore
from tests.escalation.fixtures import CALENDAR, CLIENT, LADDER, MONDAY, SLA


def _report(current: Issue | None, now: object) -> Decision[Issue]:
    return report_issue(
        "ISS-1", kind=IssueKind.ISSUE, client="acme", project="portal", title="Down",
        priority="P1", owner="zhou.min", reporter=CLIENT, now=MONDAY, sla=SLA,
        escalation=LADDER, calendar=CALENDAR,
    )  # fmt: skip


def test_hourly_sweeps_fire_every_threshold_once_and_climb_the_ladder(tmp_path: Path) -> None:
    """A P1 nobody touches, swept hourly for two days: each threshold once, levels in order."""
    store = TypedStore(
        open_store(f"sqlite:///{tmp_path / 'issues.db'}", create=True),
        Codec([kind(lambda i: CALENDAR, lambda i: LADDER)]),
    )
    engine = Engine(store)
    engine.execute(Command("ISS-1", _report))
    for hour in range(1, 48):
        report = engine.sweep(MONDAY.add(hours=hour))
        assert report.failed == ()
    history = [e.event_type for e in store.history("ISS-1")]
    thresholds = [
        (e.metric, e.fraction)  # type: ignore[attr-defined]
        for e in store.history("ISS-1")
        if e.event_type == "issue.sla_threshold_reached"
    ]
    assert (
        len(thresholds) == len(set(thresholds)) == 6
    )  # 3 per clock, first response and resolution
    levels = [e.level for e in store.history("ISS-1") if e.event_type == "issue.escalated"]  # type: ignore[attr-defined]
    assert levels == sorted(levels)
    assert levels[-1] == 4
    assert history.count("issue.client_notified") == len(levels)
    issue = store.load("ISS-1")
    assert issue is not None
    assert issue.next_deadline is None or issue.next_deadline > MONDAY.add(hours=47)
