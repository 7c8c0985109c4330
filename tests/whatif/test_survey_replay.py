"""Surveys replayed: sent, deferred and dropped again under proposed rules.

Histories are generated: contacts of two clients are asked for surveys, start periodic
ones and answer them, while their feedback is received, followed up and closed; a
sweeper runs when each timer falls due or on the hour. Under the rules they ran under
every survey event comes back; under proposed rules the throttle decides again, with
the follow-ups as recorded.
"""

from __future__ import annotations

import contextlib
import copy
import json
import sqlite3
import tomllib
from pathlib import Path
from typing import Any

import pendulum
from hypothesis import given
from hypothesis import strategies as st

import clientflow
from clientflow.config import rules_from_dict
from clientflow.core import ClientflowError
from clientflow.demo import RULES_FILE
from clientflow.feedback import SurveyDeferred, SurveySent
from clientflow.i18n import language
from clientflow.ports import Query
from clientflow.whatif import (
    FollowUps,
    SweepGrid,
    follow_ups,
    is_survey_fact,
    replay_surveys,
    to_json,
    to_text,
)
from clientflow.workspace import Workspace
from tests.whatif.recording import REPLAYS, sweep_before

START = pendulum.datetime(2026, 9, 7, 6)
HOUR = pendulum.duration(hours=1)
CONTACTS = (("tom", "northwind"), ("oliver", "northwind"), ("anna", "lotus"))
PM = clientflow.Actor("li.wei", {"pm"})
PUNCTUAL = SweepGrid()
ACTIONS = ("request", "request", "answer", "periodic", "feedback", "settle")
SETTLE = ("record_contact", "plan_action", "complete_action", "confirm", "close")

step = st.tuples(
    st.integers(0, 12 * 24 * 60),  # minutes since the previous step (up to 12 days)
    st.integers(0, 2),  # which contact
    st.sampled_from(ACTIONS),
)


def _rules(data: dict[str, Any] | None = None) -> clientflow.config.Rules:
    return rules_from_dict(data or tomllib.loads(RULES_FILE.read_text(encoding="utf-8")))


def _person(contact: str, client: str) -> clientflow.Actor:
    return clientflow.Actor(contact, {"client"}, {client})


def _act(ws: Workspace, n: int, which: int, action: str, at: pendulum.DateTime) -> None:
    contact, client = CONTACTS[which]
    if action == "request":
        ws.surveys.request(contact, by=PM, survey_id=f"S-{n}", client=client, at=at)
    elif action == "periodic":
        ws.surveys.schedule_periodic(contact, by=PM, client=client, first=at.add(days=2), at=at)
    elif action == "answer":
        record = ws.surveys.get(f"surveys:{contact}")
        sent = [s.id for s in record.surveys if s.status == "sent"]
        ws.surveys.answer(contact, by=_person(contact, client), survey_id=sent[0], at=at)
    elif action == "feedback":
        ident = f"FB-{n}"
        project = "northwind-tms" if client == "northwind" else "lotus-app"
        ws.feedback.receive(
            ident, by=_person(contact, client), client=client, project=project,
            contact=contact, channel="survey", csat=1, at=at,
        )  # fmt: skip
        ws.feedback.triage(ident, by=PM, at=at)
        ws.feedback.assign(ident, by=PM, owner="li.wei", at=at)
    else:  # settle the contact's oldest follow-up
        rows = ws.rows(Query(kind="feedback", client=client, open=True))
        items = [ws.feedback.get(row.id) for row in rows]
        mine = [i for i in items if i.contact == contact and i.owner is not None]
        for command in SETTLE:
            kwargs = {"plan": "call back"} if command == "plan_action" else {}
            getattr(ws.feedback, command)(mine[0].id, by=PM, at=at, **kwargs)


def _record(
    steps: list[tuple[int, int, str]], grid: SweepGrid
) -> tuple[Workspace, pendulum.DateTime]:
    ws = clientflow.open("memory://", _rules(), clock=clientflow.ManualClock(START))
    now = START
    for n, (minutes, which, action) in enumerate(steps):
        now = now.add(minutes=minutes)
        sweep_before(ws, now, grid, "surveys")
        # Refused, or nothing to act on: not part of the history.
        with contextlib.suppress(ClientflowError, IndexError):
            _act(ws, n, which, action, now)
    until = now.add(days=20)
    sweep_before(ws, until, grid, "surveys")
    return ws, until


@REPLAYS
@given(steps=st.lists(step, min_size=1, max_size=25), hourly=st.booleans())
def test_surveys_replayed_under_the_recorded_rules_are_the_record(
    steps: list[tuple[int, int, str]], hourly: bool
) -> None:
    """Every recorded survey event comes back equal, and the what-if finds nothing changed."""
    grid = SweepGrid(HOUR if hourly else None)
    ws, until = _record(steps, grid)
    follow_up = follow_ups(ws.history(row.id) for row in ws.rows(Query(kind="feedback")))
    for row in ws.rows(Query(kind="surveys")):
        history = ws.history(row.id)
        replayed = replay_surveys(history, ws.rules, follow_up, until=until, sweeps=grid)
        assert replayed.flags == ()
        assert replayed.events == history
        facts = [e for e in history if is_survey_fact(e)]
        assert all(e.actor != "system" for e in facts)
    result = ws.what_if(ws.rules, since=START, until=until, sweep_every=grid.every)
    (surveys,) = [f for f in result.workflows if f.kind == "surveys"]
    rows = ws.rows(Query(kind="surveys"))
    assert surveys.reproduced == len(rows)
    assert (surveys.diverged, surveys.changes, surveys.flags_before) == ((), (), ())
    assert surveys.before == surveys.after
    assert surveys.before.get("contacts", 0) == len(rows)


def _tightened() -> clientflow.config.Rules:
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    changed = copy.deepcopy(data)
    changed["surveys"]["min_between"] = "60d"
    return _rules(changed)


def test_a_longer_interval_defers_what_went_and_sends_it_later() -> None:
    """Two surveys to Tom 40 days apart: both went under 30 days between surveys; under
    60 days the second waits until day 60 and goes then."""
    ws = clientflow.open("memory://", _rules(), clock=clientflow.ManualClock(START))
    ws.surveys.request("tom", by=PM, survey_id="S-1", client="northwind", at=START)
    later = START.add(days=40)
    sweep_before(ws, later, PUNCTUAL, "surveys")
    ws.surveys.request("tom", by=PM, survey_id="S-2", client="northwind", at=later)
    until = START.add(days=70)
    sweep_before(ws, until, PUNCTUAL, "surveys")
    result = ws.what_if(_tightened(), since=START, until=until)
    (surveys,) = [f for f in result.workflows if f.kind == "surveys"]
    assert surveys.reproduced == 1
    assert (surveys.before["sent"], surveys.after["sent"]) == (2, 2)
    assert (surveys.before["deferred"], surveys.after["deferred"]) == (0, 1)
    [northwind] = surveys.clients
    assert (northwind.client, northwind.after["deferred"]) == ("northwind", 1)
    text = to_text(result)
    surveys_text = text[text.index("Surveys\n") :]
    assert "Per client:\n  northwind\n" in surveys_text
    assert "surveys:tom (northwind) Survey S-2: expired → sent" in surveys_text
    data = json.loads(to_json(result))
    found = next(w for w in data["workflows"] if w["kind"] == "surveys")
    assert found["delta"]["deferred"] == 1
    assert found["clients"][0]["client"] == "northwind"
    assert "调查 S-2：已截止 → 已发送" in to_text(result, lang=language("zh_CN"))


def test_an_open_follow_up_holds_back_a_survey_where_the_proposed_timer_fires() -> None:
    """Tom's second survey waits until day 30 under the rules in force and goes then; a
    60-day interval moves the try to day 60, when Tom's feedback (received on day 50,
    assigned) is being followed up: it waits again, as the feedback history says."""
    ws = clientflow.open("memory://", _rules(), clock=clientflow.ManualClock(START))
    ws.surveys.request("tom", by=PM, survey_id="S-1", client="northwind", at=START)
    sweep_before(ws, START.add(days=10), PUNCTUAL, "surveys")
    ws.surveys.request("tom", by=PM, survey_id="S-2", client="northwind", at=START.add(days=10))
    received = START.add(days=50)
    sweep_before(ws, received, PUNCTUAL, "surveys")
    _act(ws, 9, 0, "feedback", received)
    until = START.add(days=70)
    sweep_before(ws, until, PUNCTUAL, "surveys")
    result = ws.what_if(_tightened(), since=START, until=until)
    (surveys,) = [f for f in result.workflows if f.kind == "surveys"]
    assert surveys.reproduced == 1
    assert (surveys.before["sent"], surveys.after["sent"]) == (2, 1)
    changed = {(c.what, c.before, c.after) for c in surveys.changes}
    assert changed == {("survey S-2", "expired", "deferred")}  # sent on day 30, expired
    history = ws.history("surveys:tom")
    replayed = replay_surveys(history, _tightened(), FollowUps(), until=until)
    # Without the feedback history the day-60 try would have gone.
    sent = [e.occurred_at for e in replayed.events if isinstance(e, SurveySent)]
    assert sent == [START, START.add(days=60)]
    kept = [e for e in history if isinstance(e, SurveyDeferred)]
    assert kept
    assert all(not e.follow_up_open for e in kept)


def test_a_survey_event_stored_before_the_follow_up_was_recorded_is_flagged(
    tmp_path: Path,
) -> None:
    """Tom's survey deferred while his feedback was followed up, stored as before
    ``follow_up_open`` was recorded: the replay takes the follow-up from the feedback
    history (so the baseline still reproduces the record) and says so."""
    path = tmp_path / "old.db"
    ws = clientflow.open(f"sqlite:///{path}", RULES_FILE, clock=clientflow.ManualClock(START))
    _act(ws, 1, 0, "feedback", START)
    ws.surveys.request("tom", by=PM, survey_id="S-1", client="northwind", at=START.add(hours=1))
    until = START.add(days=20)
    sweep_before(ws, until, PUNCTUAL, "surveys")
    ws.close()
    with sqlite3.connect(path) as db:
        changed = db.execute(
            "UPDATE clientflow_events SET payload = json_remove(payload, '$.follow_up_open')"
            " WHERE type = 'survey.deferred'"
        ).rowcount
    assert changed == 1
    with clientflow.open(f"sqlite:///{path}", RULES_FILE) as old:
        result = old.what_if(_tightened(), since=START, until=until)
    (surveys,) = [f for f in result.workflows if f.kind == "surveys"]
    assert surveys.reproduced == 1
    [flag] = surveys.flags_before
    assert flag.event == "surveys:tom@1 survey.deferred"
    assert "taken from the feedback items' histories (open)" in flag.reason
    assert surveys.before["flagged"] == 1
