"""Generated risk histories replayed under their rules give back every recorded event:
ratings, review dates, missed reviews and overdue-action alerts alike."""

from __future__ import annotations

import pendulum
from hypothesis import given
from hypothesis import strategies as st

import clientflow
from clientflow.core import ClientflowError, WorkingDays
from clientflow.demo import RULES_FILE
from clientflow.risks import PlannedAction
from clientflow.whatif import RISKS, SweepGrid
from clientflow.workspace import Workspace
from tests.whatif.recording import REPLAYS, assert_reproduced, sweep_before

BEGIN = pendulum.datetime(2026, 9, 7, 1)
HOUR = pendulum.duration(hours=1)
LI = clientflow.Actor("li.wei", {"pm"})
SPONSOR = clientflow.Actor("wang.fang", {"account-director"})
CLIENTS = (("acme", "acme-shop"), ("lotus", "lotus-app"))
ACTIONS = (
    "assess",
    "plan_response",
    "start_monitoring",
    "review",
    "complete_action",
    "trigger",
    "close",
)
step = st.tuples(
    st.integers(0, 3 * 24 * 60),  # minutes since the previous step
    st.integers(0, 2),  # which risk
    st.sampled_from(ACTIONS),
    st.integers(1, 5),  # probability / impact / working days / reason
)


def _act(ws: Workspace, risk: str, action: str, n: int, at: pendulum.DateTime) -> None:
    risks = ws.risks
    if action == "assess":
        risks.assess(risk, by=LI, probability=n, impact=6 - n, at=at)
    elif action == "plan_response":
        actions = [PlannedAction(f"A{n}", "Do something", "chen.jie", WorkingDays(n))]
        strategy = "accept" if n == 5 else "mitigate"
        risks.plan_response(risk, by=SPONSOR, strategy=strategy, actions=actions, at=at)
    elif action == "complete_action":
        current = risks.get(risk)
        open_ids = [a.id for a in current.open_actions()]
        if open_ids:
            risks.complete_action(risk, by=LI, action=open_ids[0], at=at)
    elif action == "review":
        risks.review(risk, by=LI, note=f"looked at {at}", at=at)
    elif action == "trigger":
        risks.trigger(risk, by=LI, issue_id=f"ISS-{risk}-{n}", note="it happened", at=at)
    elif action == "close":
        reason = ("expired", "avoided", "accepted", "resolved", "resolved")[n - 1]
        risks.close(risk, by=SPONSOR, reason=reason, at=at)
    else:
        risks.start_monitoring(risk, by=LI, at=at)


def _record(
    steps: list[tuple[int, int, str, int]], grid: SweepGrid
) -> tuple[Workspace, pendulum.DateTime]:
    ws = clientflow.open("memory://", RULES_FILE, clock=clientflow.ManualClock(BEGIN))
    now = BEGIN
    identified: set[str] = set()
    for minutes, which, action, n in steps:
        now = now.add(minutes=minutes)
        sweep_before(ws, now, grid, "risk")
        risk = f"RSK-{which}"
        client, project = CLIENTS[which % 2]
        try:
            if risk not in identified:
                ws.risks.identify(
                    risk,
                    by=LI,
                    client=client,
                    project=project,
                    owner="li.wei",
                    title="Vendor late",
                    category="vendor",
                    cause="one DBA",
                    event="the export slips",
                    effect="cut-over moves",
                    at=now,
                )
                identified.add(risk)
            else:
                _act(ws, risk, action, n, now)
        except ClientflowError:
            pass  # refused: not part of the history
    until = now.add(days=20)
    sweep_before(ws, until, grid, "risk")
    return ws, until


@REPLAYS
@given(steps=st.lists(step, min_size=1, max_size=30), hourly=st.booleans())
def test_risks_replayed_under_their_rules_are_the_record(
    steps: list[tuple[int, int, str, int]], hourly: bool
) -> None:
    """Every recorded risk event, facts and alerts alike, comes back equal."""
    grid = SweepGrid(HOUR if hourly else None)
    ws, until = _record(steps, grid)
    assert_reproduced(ws, RISKS, until, grid)
