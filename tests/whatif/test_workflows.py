"""Change approvals, communication plans and risks replayed like issues.

Under the rules they ran under, a replay gives back every recorded event (generated
histories of change requests, the demo's 90 days of every workflow); under proposed
rules the routes, approvers, decisions and alerts are derived again and compared.
"""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import clientflow
from clientflow.changes import Impact, Money, Priority, Risk
from clientflow.core import ClientflowError
from clientflow.demo import END, RULES_FILE, START
from clientflow.i18n import language
from clientflow.ports import Query
from clientflow.whatif import (
    CHANGES,
    PLANS,
    RISKS,
    Flow,
    SweepGrid,
    replay,
    to_html,
    to_json,
    to_text,
)
from clientflow.workspace import Workspace
from tests.whatif.recording import REPLAYS, assert_reproduced, sweep_before

HOUR = pendulum.duration(hours=1)
UNTIL = END.add(seconds=1)
BEGIN = pendulum.datetime(2026, 9, 7, 6)
PROJECTS = ("lotus-app", "northwind-tms")
PEOPLE = {
    "lotus-app": ("zhang.lan", "zhao.min", "li.wei", "wang.fang"),
    "northwind-tms": ("tom", "oliver", "li.wei", "wang.fang"),
}
ROLES = {
    "zhang.lan": {"client"},
    "zhao.min": {"client", "client-sponsor"},
    "tom": {"client"},
    "oliver": {"client", "client-sponsor"},
    "li.wei": {"pm"},
    "wang.fang": {"account-director"},
}
ACTIONS = (
    "submit",
    "assess",
    "request_approval",
    "vote",
    "send_back",
    "defer",
    "withdraw",
    "implement",
    "close",
)
NEXT = {
    "draft": "submit",
    "deferred": "submit",
    "submitted": "assess",
    "assessed": "request_approval",
    "awaiting_approval": "vote",
    "approved": "implement",
    "implemented": "close",
}
"""What moves a change along from each state (so most generated histories reach votes)."""
step = st.tuples(
    st.integers(0, 16 * 60),  # minutes since the previous step
    st.integers(0, 3),  # which change request
    st.sampled_from((*ACTIONS, *["next"] * len(ACTIONS))),
    st.integers(0, 3),  # who acts
    st.integers(0, 5),  # schedule days / verdict
)


def _actor(name: str, project: str) -> clientflow.Actor:
    client = "lotus" if project == "lotus-app" else "northwind"
    return clientflow.Actor(name, ROLES[name], {client} if "client" in ROLES[name] else ())


def _act(  # noqa: PLR0917 - one generated step's parts
    ws: Workspace, change: str, action: str, who: int, n: int, at: pendulum.DateTime
) -> None:
    project = PROJECTS[int(change[-1]) % 2]
    people = PEOPLE[project]
    changes = ws.changes
    if action == "next":
        current = changes.get(change)
        action = NEXT.get(current.status, "close")
        if action == "submit":
            who = 0  # the requester
        elif action == "vote" and current.round is not None and current.round.pending():
            waiting = sorted(current.round.pending())
            who = people.index(waiting[who % len(waiting)])
    by = _actor(people[who], project)
    if action == "assess":
        impact = Impact(
            schedule_days=n,
            cost=Money(str(1000 * n), "CNY"),
            effort_hours=8 * n,
            risk=(Risk.LOW, Risk.MEDIUM, Risk.HIGH)[n % 3],
            in_scope=n % 2 == 0,
            priority=Priority.SHOULD,
        )
        changes.assess(change, by=by, impact=impact, at=at)
    elif action == "vote":
        verdict = "approve" if n % 3 else "reject"
        changes.vote(change, by=by, verdict=verdict, comment=f"vote at {at}", at=at)
    elif action == "send_back":
        changes.send_back(change, by=by, reason=f"unclear at {at}", at=at)
    elif action == "defer":
        changes.defer(change, by=by, release=f"R{n}", reason="later", at=at)
    else:
        getattr(changes, action)(change, by=by, at=at)


def _record(
    steps: list[tuple[int, int, str, int, int]], grid: SweepGrid
) -> tuple[Workspace, pendulum.DateTime]:
    ws = clientflow.open("memory://", RULES_FILE, clock=clientflow.ManualClock(BEGIN))
    now = BEGIN
    requested: set[str] = set()
    for minutes, which, action, who, n in steps:
        now = now.add(minutes=minutes)
        sweep_before(ws, now, grid, "change")
        change = f"CR-{which}"
        project = PROJECTS[which % 2]
        try:
            if change not in requested:
                requester = _actor(PEOPLE[project][0], project)
                ws.changes.request(change, by=requester, project=project, title="SSO", at=now)
                requested.add(change)
            else:
                _act(ws, change, action, who, n, now)
        except ClientflowError:
            pass  # refused: not part of the history
    until = now.add(days=5)
    sweep_before(ws, until, grid, "change")
    return ws, until


@REPLAYS
@given(steps=st.lists(step, min_size=1, max_size=40), hourly=st.booleans())
def test_change_requests_replayed_under_their_rules_are_the_record(
    steps: list[tuple[int, int, str, int, int]], hourly: bool
) -> None:
    """Routes, stages, approvals, rejections and approval escalations come back equal."""
    grid = SweepGrid(HOUR if hourly else None)
    ws, until = _record(steps, grid)
    assert_reproduced(ws, CHANGES, until, grid)


@pytest.mark.parametrize(("flow", "count"), [(CHANGES, 9), (PLANS, 4), (RISKS, 4)])
def test_the_demo_quarter_of_each_workflow_is_reproduced_exactly(
    demo: Workspace, flow: Flow, count: int
) -> None:
    """Each of the demo's change requests, plans and risks, replayed under its rules with
    hourly sweeps, yields exactly its recorded events; the what-if agrees."""
    hourly = SweepGrid(HOUR)
    rows = demo.rows(Query(kind=flow.kind))
    assert len(rows) == count
    for row in rows:
        history = demo.history(row.id)
        replayed = replay(flow, history, demo.rules, until=UNTIL, sweeps=hourly)
        assert replayed.flags == ()
        assert replayed.events == history
    result = demo.what_if(demo.rules, since=START, until=UNTIL, sweep_every=HOUR)
    (found,) = [f for f in result.workflows if f.kind == flow.kind]
    assert (found.reproduced, found.diverged, found.changes) == (count, (), ())
    assert found.before == found.after


def _narrow_budget_route(days: int) -> dict[str, Any]:
    data = tomllib.loads(Path(RULES_FILE).read_text(encoding="utf-8"))
    proposed = copy.deepcopy(data)
    proposed["approval"]["default"]["routes"][1]["when"]["max_schedule_days"] = days
    return proposed


def test_a_narrower_budget_route_sends_two_changes_to_the_sponsor(demo: Workspace) -> None:
    """The budget route (one PM vote) only up to 1 schedule day instead of 3.

    The demo's two budget changes, CR-northwind-20 (3 days) and CR-lotus-61 (2 days),
    route as major: the client's sponsor, then the account director. Li Wei's PM votes
    are no longer an approver's (flagged), so both stay pending, and their implement and
    close are flagged too. CR-lotus-61's 16 h deadline then passes: one more approval
    escalation (CR-northwind-20 was escalated at its deadline under either route).
    """
    result = demo.what_if(_narrow_budget_route(1), since=START, until=UNTIL, sweep_every=HOUR)
    (changes,) = [f for f in result.workflows if f.kind == "change"]
    moved = {
        key: (changes.before[key], changes.after[key])
        for key in changes.before
        if changes.before[key] != changes.after[key]
    }
    assert moved == {
        "route budget": (2, 0),
        "route major": (4, 6),
        "decision approved": (5, 3),
        "decision pending": (0, 2),
        "decided by vote": (6, 4),
        "approvers asked": (10, 12),
        "approval escalations": (2, 3),
        "decision hours": pytest.approx((91.5, 56.67), abs=0.02),
        "flagged": (0, 6),
    }
    routes = {(c.id, c.before, c.after) for c in changes.changes if c.what == "route"}
    assert routes == {
        ("CR-northwind-20", "budget", "major"),
        ("CR-lotus-61", "budget", "major"),
    }
    assert {f.event.split()[1] for f in changes.flags_after} == {
        "change.vote_cast",
        "change.implemented",
        "change.closed",
    }
    assert '"kind": "change"' in to_json(result)
    # Issues, plans and risks do not depend on approval routes.
    assert result.changes == ()
    for other in result.workflows:
        if other.kind != "change":
            assert other.before == other.after


def test_a_faster_risk_review_cadence_raises_more_missed_reviews(demo: Workspace) -> None:
    """Every risk reviewed daily instead of weekly (critical) to quarterly (low): the
    demo's four risks, reviewed far less often, miss more reviews."""
    data = tomllib.loads(Path(RULES_FILE).read_text(encoding="utf-8"))
    data["risks"]["review_every"] = dict.fromkeys(("low", "medium", "high", "critical"), "1d")
    result = demo.what_if(data, since=START, until=UNTIL, sweep_every=HOUR)
    (risks,) = [f for f in result.workflows if f.kind == "risk"]
    assert risks.after["review alerts"] > risks.before["review alerts"]


def test_a_tighter_reply_limit_in_the_plan_template_owes_more_replies(demo: Workspace) -> None:
    """The weekly template's reply limit 4 h -> 1 h: the demo's plans were created from
    it (``plan_created`` records the template), so each replay takes the proposed limit
    and every client message answered after an hour is a reply owed."""
    data = tomllib.loads(Path(RULES_FILE).read_text(encoding="utf-8"))
    data["plans"]["weekly"]["reply_within"] = "1h"
    result = demo.what_if(data, since=START, until=UNTIL, sweep_every=HOUR)
    (plans,) = [f for f in result.workflows if f.kind == "plan"]
    assert plans.after["replies owed"] > plans.before["replies owed"] == 20
    assert plans.flags_after == ()
    assert {c.what for c in plans.changes} == {"replies owed"}


def test_a_plan_created_before_its_template_was_recorded_still_loads(demo: Workspace) -> None:
    """``cadence.plan_created`` written without ``template`` reads as given items."""
    codec = demo.rules.codec()
    row = demo.rows(Query(kind="plan"))[0]
    first = demo.history(row.id)[0]
    name, payload = codec.dump_event(first)
    data = json.loads(payload)
    assert data.pop("template") == "weekly"
    old = codec.load_event(name, json.dumps(data))
    assert old.template == ""  # type: ignore[attr-defined]
    replayed = replay(PLANS, [old], demo.rules, until=first.occurred_at.add(seconds=1))
    assert replayed.events[0].items == first.items  # type: ignore[attr-defined]


def test_the_approval_section_reads_in_english_and_chinese(demo: Workspace) -> None:
    """Text and HTML show the change approvals beside the issues, in the reader's language."""
    result = demo.what_if(_narrow_budget_route(1), since=START, until=UNTIL, sweep_every=HOUR)
    english = to_text(result)
    assert "Change approvals" in english
    assert "Route: budget" in english
    assert "CR-lotus-61 (lotus) route: budget → major" in english
    chinese = to_text(result, lang=language("zh_CN"))
    assert "变更审批" in chinese
    assert "路线：budget" in chinese
    assert "决定：已批准" in chinese
    page = to_html(result, lang=language("zh_CN"))
    assert "<h2>变更审批</h2>" in page
    assert "<h2>风险复审</h2>" in page


def test_each_workflow_is_counted_per_client_too(demo: Workspace) -> None:
    """The narrower budget route per client: CR-northwind-20 moves Northwind's budget
    route to major, CR-lotus-61 Lotus's; the clients' counts add up to the total, in
    JSON (stable keys) and in the text and page, a table per client."""
    result = demo.what_if(_narrow_budget_route(1), since=START, until=UNTIL, sweep_every=HOUR)
    (changes,) = [f for f in result.workflows if f.kind == "change"]
    by = {c.client: c for c in changes.clients}
    assert (by["northwind"].before["route budget"], by["northwind"].after["route budget"]) == (1, 0)
    assert (by["lotus"].before["route budget"], by["lotus"].after["route budget"]) == (1, 0)
    for flow in result.workflows:
        for key, total in flow.after.items():
            assert sum(c.after.get(key, 0) for c in flow.clients) == pytest.approx(total)
    data = json.loads(to_json(result))
    (found,) = [w for w in data["workflows"] if w["kind"] == "change"]
    lotus = next(c for c in found["clients"] if c["client"] == "lotus")
    assert lotus["delta"]["route budget"] == -1
    english = to_text(result, names=demo.rules.names.client)
    approvals = english[english.index("Change approvals") : english.index("Communication plans")]
    assert "Per client:\n  ACME Retail\n" in approvals
    assert "\n  Lotus Bank\n" in approvals
    chinese = to_html(result, lang=language("zh_CN"), names=demo.rules.names.client)
    assert chinese.count('<section class="card"><h3>') >= len(changes.clients)
