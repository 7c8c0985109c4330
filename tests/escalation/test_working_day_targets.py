"""SLA targets in whole working days, end to end: stored, reloaded, re-prioritised."""

from __future__ import annotations

from pathlib import Path

import pendulum

from clientflow import Actor, ManualClock, WorkingDays
from clientflow.core import rebuild
from clientflow.escalation import apply
from clientflow.workspace import open_workspace

RULES = {
    "version": 1,
    "calendars": {"default": {"timezone": "Europe/London", "hours": ["09:00-17:30"]}},
    "sla": [
        {
            "name": "standard",
            "targets": {
                "P1": {"first_response": "1h", "resolution": "1wd"},
                "P2": {"first_response": "4h", "resolution": "3 working days"},
            },
        }
    ],
    "escalation": {"standard": {"levels": [{"name": "pm", "notify": ["li.wei"], "delay": "2h"}]}},
    "clients": {
        "acme": {
            "name": "ACME",
            "projects": ["portal"],
            "calendar": "default",
            "escalation": "standard",
        }
    },
}
FRIDAY = pendulum.datetime(2026, 3, 6, 15, tz="Europe/London")
ANNA = Actor("anna", {"client"}, clients={"acme"})
PM = Actor("li.wei", {"pm"})


def test_a_working_day_target_survives_the_store_and_a_priority_change(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wd.db'}"
    with open_workspace(url, RULES, clock=ManualClock(FRIDAY)) as ws:
        issue = ws.issues.report(
            "ACME-1", by=ANNA, client="acme", project="portal", title="Slow export",
            priority="P2", owner="li.wei",
        ).aggregate  # fmt: skip
        assert issue.terms.for_priority("P2").resolution == WorkingDays(3)
        resolution = issue.clock("resolution")
        assert resolution is not None
        # Friday 15:00 + 3 working days = Wednesday 15:00 (the weekend does not count)
        assert resolution.deadline == pendulum.datetime(2026, 3, 11, 15, tz="Europe/London")
    with open_workspace(url, clock=ManualClock(FRIDAY.add(hours=1))) as again:
        stored = again.issues.get("ACME-1")
        assert stored == issue
        assert rebuild(apply, again.history("ACME-1")) == stored
        raised = again.issues.change_priority("ACME-1", by=PM, priority="P1").aggregate
        clock = raised.clock("resolution")
        assert clock is not None
        # counted again from the original start: 1 working day after Friday 15:00
        assert clock.deadline == pendulum.datetime(2026, 3, 9, 15, tz="Europe/London")
