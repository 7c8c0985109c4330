"""Configurable pause conditions: which clocks stop for the client, a vendor, a maintenance
window or a pending change, per SLA policy; the reason recorded and reported (issue 15)."""

from __future__ import annotations

import copy

import pendulum
import pytest

from clientflow import Actor, ConfigError, ManualClock, ValidationError
from clientflow.core import rebuild
from clientflow.escalation import PauseReason, apply, report
from clientflow.notify import render_notice
from clientflow.workspace import Workspace, open_workspace

BASE: dict[str, object] = {
    "version": 1,
    "calendars": {"default": {"timezone": "UTC", "hours": ["09:00-17:00"]}},
    "sla": [
        {
            "name": "standard",
            "targets": {"P2": {"first_response": "2h", "resolution": "16h", "next_reply": "1h"}},
        }
    ],
    "clients": {"acme": {"name": "ACME", "projects": ["portal"], "calendar": "default"}},
}
MONDAY = pendulum.datetime(2026, 3, 2, 9)
ANNA = Actor("anna", {"client"}, clients={"acme"})
LI = Actor("li.wei", {"engineer"})


def opened(pauses: dict[str, list[str]] | None = None) -> tuple[Workspace, ManualClock]:
    rules = copy.deepcopy(BASE)
    if pauses is not None:
        rules["sla"][0]["pauses"] = pauses  # type: ignore[index]
    clock = ManualClock(MONDAY)
    ws = open_workspace("memory://", rules, clock=clock)
    ws.issues.report(
        "ACME-1", by=ANNA, client="acme", project="portal", title="Export fails",
        priority="P2", owner="li.wei",
    )  # fmt: skip
    return ws, clock


def deadlines(ws: Workspace) -> dict[str, pendulum.DateTime]:
    return {c.metric: c.deadline for c in ws.issues.get("ACME-1").clocks}


def test_by_default_only_waiting_on_the_client_pauses_and_it_pauses_everything() -> None:
    ws, clock = opened()
    ws.issues.acknowledge("ACME-1", by=LI)
    clock.set(MONDAY.add(minutes=30))
    with pytest.raises(
        ValidationError, match=r"a reason SLA 'standard' pauses for \(it pauses for: client\)"
    ):
        ws.issues.pause("ACME-1", by=LI, reason="vendor", note="AWS case 42")
    issue = ws.issues.wait_on_client("ACME-1", by=LI, reason="which file?").aggregate
    running = [c for c in issue.clocks if c.stopped_at is None]
    assert running
    assert all(c.pause_reasons == ("client",) for c in running)


def test_the_policy_chooses_which_clocks_stop_for_the_client() -> None:
    """Waiting on the client stops resolution only: the reply owed to the client's last
    message keeps running, and breaches."""
    ws, clock = opened({"client": ["resolution"], "vendor": ["resolution"]})
    ws.issues.acknowledge("ACME-1", by=LI)
    ws.issues.client_replied("ACME-1", by=ANNA, message="any news?")  # a reply is owed
    issue = ws.issues.wait_on_client("ACME-1", by=LI, reason="which file?").aggregate
    paused = {c.metric: c.paused_since is not None for c in issue.clocks if c.stopped_at is None}
    assert paused == {"resolution": True, "next_reply": False}
    clock.set(MONDAY.add(hours=2))
    ws.sweep()
    reply = ws.issues.get("ACME-1").clock("next_reply")
    assert reply is not None
    assert reply.state.value == "breached"


def test_a_policy_that_never_pauses_for_the_client_says_nothing_about_a_pause() -> None:
    ws, _ = opened({"client": []})
    ws.issues.acknowledge("ACME-1", by=LI)
    result = ws.issues.wait_on_client("ACME-1", by=LI, reason="which file?")
    assert all(c.paused_since is None for c in result.aggregate.clocks)
    notice = next(e for e in result.events if e.event_type == "issue.client_notified")
    assert "paused" not in render_notice(notice)


def test_a_vendor_pause_keeps_the_status_records_why_and_moves_the_deadline() -> None:
    ws, clock = opened({"client": ["first_response", "resolution"], "vendor": ["resolution"]})
    ws.issues.acknowledge("ACME-1", by=LI)
    ws.issues.start_investigation("ACME-1", by=LI)
    before = deadlines(ws)["resolution"]
    clock.set(MONDAY.add(hours=1))
    paused = ws.issues.pause("ACME-1", by=LI, reason="vendor", note="AWS support case 42")
    assert paused.aggregate.status == "investigating"
    [event] = paused.events
    assert (event.event_type, event.reason, event.metrics, event.note) == (
        "issue.sla_paused", PauseReason.VENDOR, ("resolution",), "AWS support case 42",
    )  # fmt: skip
    resolution = paused.aggregate.clock("resolution")
    assert resolution is not None
    seen = report(resolution, ws.rules.calendar_for("acme"), MONDAY.add(hours=2))
    assert seen.paused_for == ("vendor",)
    clock.set(MONDAY.add(hours=3))  # two business hours waiting for the vendor
    resumed = ws.issues.resume("ACME-1", by=LI, reason="vendor", note="AWS answered").aggregate
    assert deadlines(ws)["resolution"] == ws.rules.calendar_for("acme").add(
        before, pendulum.duration(hours=2)
    )
    assert rebuild(apply, ws.history("ACME-1")) == resumed


def test_overlapping_pauses_count_until_the_last_reason_ends() -> None:
    """Vendor from 10:00, client from 11:00 to 12:00, vendor again until 13:00: the clock
    is paused 10:00-13:00, three business hours, not one."""
    ws, clock = opened({"client": ["resolution"], "vendor": ["resolution"]})
    ws.issues.acknowledge("ACME-1", by=LI)
    before = deadlines(ws)["resolution"]
    clock.set(MONDAY.add(hours=1))
    ws.issues.pause("ACME-1", by=LI, reason="vendor", note="vendor patch")
    clock.set(MONDAY.add(hours=2))
    ws.issues.wait_on_client("ACME-1", by=LI, reason="logs please")
    clock.set(MONDAY.add(hours=3))
    replied = ws.issues.client_replied("ACME-1", by=ANNA, message="attached").aggregate
    resolution = replied.clock("resolution")
    assert resolution is not None
    assert resolution.pause_reasons == ("vendor",)
    clock.set(MONDAY.add(hours=4))
    ws.issues.resume("ACME-1", by=LI, reason="vendor", note="patched")
    assert deadlines(ws)["resolution"] == ws.rules.calendar_for("acme").add(
        before, pendulum.duration(hours=3)
    )
    with pytest.raises(ValidationError, match="a reason the issue's clocks are paused for"):
        ws.issues.resume("ACME-1", by=LI, reason="vendor", note="again?")


def test_bad_reasons_and_rules_say_what_is_allowed() -> None:
    ws, _ = opened({"vendor": ["resolution"]})
    with pytest.raises(ValidationError, match="vendor, maintenance or change"):
        ws.issues.pause("ACME-1", by=LI, reason="client", note="use wait_on_client")
    with pytest.raises(ValidationError, match=r"one of client, vendor, maintenance, change"):
        ws.issues.pause("ACME-1", by=LI, reason="lunch", note="?")
    rules = copy.deepcopy(BASE)
    rules["sla"][0]["pauses"] = {"vendor": ["uptime"]}  # type: ignore[index]
    with pytest.raises(ConfigError, match=r"sla\[0\]\.pauses\.vendor\[0\]"):
        open_workspace("memory://", rules, clock=ManualClock(MONDAY))
