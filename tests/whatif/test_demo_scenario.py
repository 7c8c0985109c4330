"""The demo's 90 days replayed: the record reproduced, and Northwind's P2 targets tightened.

Counts below are derived by hand from the demo's Northwind history (London calendar,
09:00-17:30, swept hourly), listed in each test's docstring.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import attrs
import pendulum

from clientflow.demo import END, RULES_FILE, START
from clientflow.ports import Query
from clientflow.whatif import ClockCount, WhatIf
from clientflow.workspace import Workspace

HOURLY = pendulum.duration(hours=1)
UNTIL = END.add(seconds=1)  # the demo's last sweep runs at END itself


def _northwind_p2(metric: str, target: str) -> dict[str, Any]:
    """The demo's rules with a Northwind-only copy of the standard SLA, one P2 target changed."""
    data = tomllib.loads(Path(RULES_FILE).read_text(encoding="utf-8"))
    own = copy.deepcopy(data["sla"][1])
    own.update(name="northwind", clients=["northwind"])
    own["targets"]["P2"][metric] = target
    data["sla"].insert(0, own)
    return data


def _northwind(ws: Workspace, rules: object) -> WhatIf:
    return ws.what_if(
        rules,  # type: ignore[arg-type]
        since=START,
        until=UNTIL,
        clients=["northwind"],
        sweep_every=HOURLY,
    )


def test_the_demo_quarter_replayed_under_its_own_rules_is_the_record(demo: Workspace) -> None:
    """Every issue of the demo, replayed under the rules it ran under with hourly sweeps,
    yields exactly the recorded events: facts, thresholds, escalations and notices."""
    result = demo.what_if(demo.rules, since=START, until=UNTIL, sweep_every=HOURLY)
    assert result.diverged == ()
    assert result.reproduced == 55
    assert result.changes == ()
    assert result.total.before == result.total.after
    assert result.flags_before == result.flags_after == ()


def test_northwind_p2_first_response_8h_to_6h(demo: Workspace) -> None:
    """P2 first response 8 h -> 6 h for Northwind: one more breach, deadlines 10 h earlier.

    Northwind's five P2 issues used, to first response (business hours): NOR-4 11:46,
    NOR-8 12:49, NOR-23 9:18 (all breached at 8 h already), NOR-14 7:48 (met at 8 h,
    breached at 6 h) and NOR-18 5:42 (met either way). Each deadline moves 2 business
    hours earlier: 5 x -2 h = -10 h. NOR-18's 75 % warning now falls at 4.5 h (Tuesday
    09:29, swept at 10:00) before its acknowledgement at 10:41, so its ladder starts two
    days before the no-update trigger that started it under 8 h: one more escalation
    (and one more notice), all at the top level the ladder reaches anyway.
    """
    result = _northwind(demo, _northwind_p2("first_response", "6h"))
    before = result.total.before.clocks["first_response"]["P2"]
    after = result.total.after.clocks["first_response"]["P2"]
    assert before == ClockCount(met=2, breached=3, open=0, moved_hours=0.0)
    assert after == ClockCount(met=1, breached=4, open=0, moved_hours=-10.0)
    assert result.total.after.breached - result.total.before.breached == 1
    clock_changes = [c for c in result.changes if c.what.startswith("first_response")]
    assert [(c.issue, c.before, c.after) for c in clock_changes] == [("NOR-14", "met", "breached")]
    assert {c.issue for c in result.changes} == {"NOR-14", "NOR-18"}
    escalations_before = sum(result.total.before.escalations.values())
    assert sum(result.total.after.escalations.values()) == escalations_before + 1
    assert result.total.after.notices["escalated"] == result.total.before.notices["escalated"] + 1
    # Other metrics and priorities are untouched.
    for metric, by in result.total.before.clocks.items():
        for priority, count in by.items():
            if (metric, priority) != ("first_response", "P2"):
                assert result.total.after.clocks[metric][priority] == count


def test_northwind_p2_resolution_40h_to_6h(demo: Workspace) -> None:
    """P2 resolution 40 h -> 6 h for Northwind: the one P2 still open breaches too.

    NOR-4, NOR-8, NOR-14 and NOR-18 breached 40 h already (43:21, 50:16, 65:17, 69:56
    business hours); NOR-23 had used 25:15 of 40 h at the end (open) and breaches 6 h.
    Five deadlines each 34 business hours earlier: -170 h.
    """
    result = _northwind(demo, _northwind_p2("resolution", "6h"))
    before = result.total.before.clocks["resolution"]["P2"]
    after = result.total.after.clocks["resolution"]["P2"]
    assert before == ClockCount(met=0, breached=4, open=1, moved_hours=0.0)
    assert after == ClockCount(met=0, breached=5, open=0, moved_hours=-170.0)
    assert ("NOR-23", "resolution P2", "open", "breached") in {
        (c.issue, c.what, c.before, c.after) for c in result.changes
    }


def test_a_what_if_writes_nothing_to_the_store(demo: Workspace) -> None:
    """After a what-if the store's feed, rows and rules revision are what they were."""
    store = demo.store
    feed_before = store.backlog(0)
    rows_before = demo.rows(Query(kind="issue"), limit=1000)
    revision = store.rules_revision()
    _northwind(demo, _northwind_p2("resolution", "6h"))
    assert store.backlog(0) == feed_before
    assert demo.rows(Query(kind="issue"), limit=1000) == rows_before
    assert store.rules_revision() == revision


def test_moving_a_client_to_another_calendar_changes_only_its_issues(demo: Workspace) -> None:
    """Northwind on the Shanghai team's calendar: its clocks move; no other client's do."""
    data = tomllib.loads(Path(RULES_FILE).read_text(encoding="utf-8"))
    data["clients"]["northwind"]["calendar"] = "shanghai"
    result = demo.what_if(data, since=START, until=UNTIL, sweep_every=HOURLY)
    assert result.changes
    assert {c.client for c in result.changes} == {"northwind"}
    for side in result.clients:
        if side.client != "northwind":
            assert side.before == side.after
    moved = [
        count.moved_hours
        for by in next(c for c in result.clients if c.client == "northwind").after.clocks.values()
        for count in by.values()
    ]
    assert any(hours != 0 for hours in moved)


def test_issues_replayed_once_for_both_rules_count_as_if_replayed_twice(demo: Workspace) -> None:
    """Northwind's P2 resolution 8 h -> 6 h leaves its P1 and P3 issues alike under both
    rules (only the policy's name differs), so the what-if replays them once: its counts
    and changes are what replaying every issue under the proposed rules gives."""
    from clientflow.config import rules_from_dict  # noqa: PLC0415
    from clientflow.whatif import SweepGrid, outcome, replay_issue  # noqa: PLC0415

    proposed = rules_from_dict(_northwind_p2("resolution", "6h"))
    result = _northwind(demo, proposed)
    grid = SweepGrid(HOURLY)
    breached, changed = 0, set()
    for row in demo.rows(Query(kind="issue", client="northwind")):
        history = demo.history(row.id)
        if not START <= history[0].occurred_at < UNTIL:
            continue
        before = outcome(replay_issue(history, demo.rules, until=UNTIL, sweeps=grid))
        after = outcome(replay_issue(history, proposed, until=UNTIL, sweeps=grid))
        assert before is not None
        assert after is not None
        breached += sum(state == "breached" for state, _ in after.clocks.values())
        if attrs.evolve(before, clocks={}) != attrs.evolve(after, clocks={}) or {
            m: s for m, (s, _) in before.clocks.items()
        } != {m: s for m, (s, _) in after.clocks.items()}:
            changed.add(row.id)
    assert result.total.after.breached == breached
    assert {c.issue for c in result.changes} == changed
    assert changed  # the P2 issues changed
