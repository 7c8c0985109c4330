"""Replaying a period under the rules it ran under gives back exactly what was recorded.

Histories are generated: a few issues of two clients (London and Shanghai calendars, one
SLA with a next-reply clock), random people doing random things at random instants, and
a sweeper that runs either when each timer falls due or on the hour. Every refused
action is simply not part of the history, as with real people.
"""

from __future__ import annotations

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

import clientflow
from clientflow.core import ClientflowError
from clientflow.demo import RULES_FILE
from clientflow.escalation import IssueKind
from clientflow.ports import Query
from clientflow.whatif import SweepGrid, is_fact, replay_issue
from clientflow.workspace import Workspace
from tests.whatif.recording import REPLAYS, sweep_before

START = pendulum.datetime(2026, 9, 7, 6)
HOUR = pendulum.duration(hours=1)
CLIENTS = ("northwind", "lotus")
TEAM = clientflow.Actor("chen.jie", {"support"})
RECIPIENTS = (
    clientflow.Actor("li.wei", {"pm"}),
    clientflow.Actor("wang.fang", {"account-director"}),
)
WORDS = {
    "propose_solution": "solution",
    "reject_solution": "reason",
    "wait_on_client": "reason",
    "client_replied": "message",
    "reply": "message",
    "add_update": "note",
    "resolve": "resolution",
    "reopen": "reason",
    "escalate": "reason",
}
CLIENT_SIDE = {"client_replied", "reject_solution", "reopen", "close"}
ACTIONS = (
    "acknowledge",
    "start_investigation",
    "propose_solution",
    "reject_solution",
    "wait_on_client",
    "client_replied",
    "reply",
    "add_update",
    "change_priority",
    "resolve",
    "reopen",
    "close",
    "escalate",
    "acknowledge_escalation",
)

step = st.tuples(
    st.integers(0, 8 * 60),  # minutes since the previous step
    st.integers(0, 3),  # which issue
    st.sampled_from(ACTIONS),
    st.integers(0, 2),  # which recipient / priority / kind
)


def _act(ws: Workspace, issue: str, action: str, choice: int, at: pendulum.DateTime) -> None:
    client = CLIENTS[int(issue[-1]) % 2]
    if action == "acknowledge_escalation":
        sponsor = clientflow.Actor("oliver", {"client-sponsor"}, {client})
        by = (*RECIPIENTS, sponsor)[choice]
    elif action in CLIENT_SIDE:
        by = clientflow.Actor("tom", {"client"}, {client})
    else:
        by = TEAM
    kwargs: dict[str, object] = {"by": by, "at": at}
    if action in WORDS:
        kwargs[WORDS[action]] = f"{action} at {at.isoformat()}"
    if action == "change_priority":
        kwargs["priority"] = ("P1", "P2", "P3")[choice]
    getattr(ws.issues, action)(issue, **kwargs)


def _record(
    steps: list[tuple[int, int, str, int]], grid: SweepGrid
) -> tuple[Workspace, pendulum.DateTime]:
    ws = clientflow.open("memory://", RULES_FILE, clock=clientflow.ManualClock(START))
    now = START
    reported: set[str] = set()
    for minutes, which, action, choice in steps:
        now = now.add(minutes=minutes)
        sweep_before(ws, now, grid, "issue")
        issue = f"I-{which}"
        try:
            if issue not in reported:
                client = CLIENTS[which % 2]
                ws.issues.report(
                    issue,
                    by=clientflow.Actor("tom", {"client"}, {client}),
                    client=client,
                    project="northwind-tms" if client == "northwind" else "portal",
                    title="Something broke",
                    priority=("P1", "P2", "P3")[choice],
                    owner="chen.jie",
                    kind=(IssueKind.ISSUE, IssueKind.COMPLAINT, IssueKind.ISSUE)[choice],
                    at=now,
                )
                reported.add(issue)
            else:
                _act(ws, issue, action, choice, now)
        except ClientflowError:
            pass  # refused: not part of the history
    until = now.add(days=3)
    sweep_before(ws, until, grid, "issue")
    return ws, until


@REPLAYS
@given(steps=st.lists(step, min_size=1, max_size=30), hourly=st.booleans())
def test_replay_under_the_recorded_rules_reproduces_every_event(
    steps: list[tuple[int, int, str, int]], hourly: bool
) -> None:
    """Every recorded event, facts and derived alike, comes back equal from the replay."""
    grid = SweepGrid(HOUR if hourly else None)
    ws, until = _record(steps, grid)
    for row in ws.rows(Query(kind="issue")):
        history = ws.history(row.id)
        replay = replay_issue(history, ws.rules, until=until, sweeps=grid)
        assert replay.flags == ()
        assert replay.events == history
    result = ws.what_if(ws.rules, since=START, until=until, sweep_every=grid.every)
    assert result.diverged == ()
    assert result.changes == ()
    assert result.total.before == result.total.after


@settings(max_examples=20, deadline=None)
@given(steps=st.lists(step, min_size=1, max_size=20))
def test_facts_are_what_people_did_and_derived_events_are_the_systems(
    steps: list[tuple[int, int, str, int]],
) -> None:
    """A fact's actor is a person; every event the sweeper produced is derived."""
    ws, _ = _record(steps, SweepGrid())
    for row in ws.rows(Query(kind="issue")):
        for event in ws.history(row.id):
            if is_fact(event):
                assert event.actor != "system"
            elif event.actor == "system":
                assert not is_fact(event)
