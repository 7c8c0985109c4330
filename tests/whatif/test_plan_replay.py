"""Generated communication-plan histories replayed under their rules give back every
recorded event: occurrences due and overdue, silences and replies owed alike."""

from __future__ import annotations

import pendulum
from hypothesis import given
from hypothesis import strategies as st

import clientflow
from clientflow.cadence import Channel, Direction, Touchpoint
from clientflow.core import ClientflowError
from clientflow.demo import RULES_FILE
from clientflow.whatif import PLANS, SweepGrid
from clientflow.workspace import Workspace
from tests.whatif.recording import REPLAYS, assert_reproduced, sweep_before

BEGIN = pendulum.datetime(2026, 9, 7, 1)
HOUR = pendulum.duration(hours=1)
LI = clientflow.Actor("li.wei", {"pm"})
CLIENTS = (("acme", "acme-shop", "amy"), ("lotus", "lotus-app", "zhang.lan"))
step = st.tuples(
    st.integers(0, 2 * 24 * 60),  # minutes since the previous step
    st.integers(0, 1),  # which plan
    st.sampled_from(("report", "inbound", "outbound", "archive")),
)


def _record(
    steps: list[tuple[int, int, str]], grid: SweepGrid
) -> tuple[Workspace, pendulum.DateTime]:
    ws = clientflow.open("memory://", RULES_FILE, clock=clientflow.ManualClock(BEGIN))
    now = BEGIN
    created: set[str] = set()
    for n, (minutes, which, action) in enumerate(steps):
        now = now.add(minutes=minutes)
        sweep_before(ws, now, grid, "plan")
        client, project, contact = CLIENTS[which]
        plan = f"plan-{client}"
        try:
            if plan not in created:
                ws.plans.create(plan, by=LI, client=client, project=project, at=now)
                created.add(plan)
            elif action == "archive":
                ws.plans.archive(plan, by=LI, at=now)
            else:
                inbound = action == "inbound"
                touchpoint = Touchpoint(
                    f"tp-{n}",
                    Direction.INBOUND if inbound else Direction.OUTBOUND,
                    Channel.EMAIL,
                    now,
                    (contact,),
                    item_id="status-report" if action == "report" else None,
                )
                ws.plans.record_touchpoint(plan, by=LI, touchpoint=touchpoint, at=now)
        except ClientflowError:
            pass  # refused: not part of the history
    until = now.add(days=10)
    sweep_before(ws, until, grid, "plan")
    return ws, until


@REPLAYS
@given(steps=st.lists(step, min_size=1, max_size=25), hourly=st.booleans())
def test_plans_replayed_under_their_rules_are_the_record(
    steps: list[tuple[int, int, str]], hourly: bool
) -> None:
    """Every recorded plan event, facts and alerts alike, comes back equal."""
    grid = SweepGrid(HOUR if hourly else None)
    ws, until = _record(steps, grid)
    assert_reproduced(ws, PLANS, until, grid)
