"""What the proposed rules cannot take is flagged, not guessed; the rest still replays."""

from __future__ import annotations

import datetime as dt
import tomllib
from typing import Any

import pendulum
import pytest

import clientflow
from clientflow.core import NotFound, ValidationError
from clientflow.demo import RULES_FILE
from clientflow.workspace import Workspace

MONDAY = pendulum.datetime(2026, 9, 7, 8)  # 09:00 in London


def _rules(change: dict[str, Any]) -> dict[str, Any]:
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    data["escalation"]["standard"].update(change)
    return data


def _escalated_and_acknowledged() -> Workspace:
    """A Northwind P2 left without an update for 16 business hours (Tuesday 17:30 London):
    escalated to the project manager, who takes it on Wednesday; resolved that afternoon."""
    ws = clientflow.open("memory://", RULES_FILE, clock=clientflow.ManualClock(MONDAY))
    tom = clientflow.Actor("tom", {"client"}, {"northwind"})
    sarah = clientflow.Actor("sarah.jones", {"support"})
    ws.issues.report("NW-1", by=tom, client="northwind", project="northwind-tms",
                     title="Labels misprint", priority="P2", owner="sarah.jones")  # fmt: skip
    ws.issues.acknowledge("NW-1", by=sarah, at=MONDAY)
    ws.sweep(pendulum.datetime(2026, 9, 8, 16, 30))
    ws.issues.acknowledge_escalation(
        "NW-1", by=clientflow.Actor("li.wei", {"pm"}), at=pendulum.datetime(2026, 9, 9, 8)
    )
    ws.issues.resolve("NW-1", by=sarah, resolution="fixed", at=pendulum.datetime(2026, 9, 9, 13))
    return ws


def test_an_acknowledgement_of_an_escalation_never_raised_is_flagged() -> None:
    """Without the no-update trigger there is nothing to acknowledge: the fact is listed
    with the reason, and the resolution after it still replays."""
    ws = _escalated_and_acknowledged()
    proposed = _rules({"no_update_after": "40h"})
    result = ws.what_if(proposed, since=MONDAY, until=MONDAY.add(days=30))
    assert result.flags_before == ()
    [flag] = result.flags_after
    assert flag.issue == "NW-1"
    assert flag.event == "NW-1@5 issue.escalation_acknowledged"
    assert "acknowledge_escalation" in flag.reason
    assert result.total.after.flagged == 1
    assert ("NW-1", "escalations", "project manager", "none") in {
        (c.issue, c.what, c.before, c.after) for c in result.changes
    }
    assert result.total.after.notices == {"resolved": 1}


def test_a_proposed_recipient_list_without_the_person_flags_their_acknowledgement() -> None:
    """Level 1 now notifies someone else: li.wei's acknowledgement is not a recipient's."""
    ws = _escalated_and_acknowledged()
    data = _rules({})
    data["escalation"]["standard"]["levels"][0]["notify"] = ["zhang.san"]
    result = ws.what_if(data, since=MONDAY, until=MONDAY.add(days=30))
    [flag] = result.flags_after
    assert "li.wei" in flag.reason
    # Unacknowledged under the proposed rules, the escalation climbs a level.
    assert result.total.after.escalations["account director"] == 1


def test_bad_arguments_are_clientflow_errors_and_nothing_is_read_wrong() -> None:
    """An unknown client, a period that ends before it starts or a zero sweep period is
    a typed error naming what was wrong."""
    ws = _escalated_and_acknowledged()
    with pytest.raises(NotFound, match="nobody"):
        ws.what_if(RULES_FILE, since=MONDAY, until=MONDAY.add(days=1), clients=["nobody"])
    with pytest.raises(ValidationError, match="until"):
        ws.what_if(RULES_FILE, since=MONDAY, until=MONDAY)
    with pytest.raises(ValidationError, match="sweep_every"):
        ws.what_if(RULES_FILE, since=MONDAY, until=MONDAY.add(days=1), sweep_every=dt.timedelta(0))
