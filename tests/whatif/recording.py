"""Recording generated histories: the sweeps a sweeper on some grid would have run."""

from __future__ import annotations

import os

import pendulum
from hypothesis import HealthCheck, settings

from clientflow.ports import Query
from clientflow.whatif import Flow, SweepGrid, replay
from clientflow.workspace import Workspace

REPLAYS = settings(
    max_examples=int(os.environ.get("CLIENTFLOW_WHATIF_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
"""Hypothesis settings of the replay properties: each example records a workspace's
history, so no deadline; ``CLIENTFLOW_WHATIF_EXAMPLES`` runs more of them."""


def sweep_before(ws: Workspace, at: pendulum.DateTime, grid: SweepGrid, kind: str) -> None:
    """Run the sweeps a sweeper of this ``grid`` would have run before ``at`` (the
    aggregates of ``kind`` are the only ones with timers in the history)."""
    while True:
        # A deadline set already past (a priority raised late) is due at once.
        deadlines = [
            max(row.next_deadline, row.updated_at or row.next_deadline)
            for row in ws.rows(Query(kind=kind), limit=100)
            if row.next_deadline is not None
        ]
        if not deadlines:
            return
        tick = grid.tick(min(deadlines))
        if tick >= at:
            return
        report = ws.sweep(tick)
        assert not report.failed, report.failed
        assert report.fired, f"nothing fired at {tick} though {min(deadlines)} was due"


def assert_reproduced(ws: Workspace, flow: Flow, until: pendulum.DateTime, grid: SweepGrid) -> None:
    """Every aggregate of ``flow`` replayed under the rules it ran under is its record,
    event for event, and the what-if of the whole period finds nothing changed."""
    start = None
    for row in ws.rows(Query(kind=flow.kind)):
        history = ws.history(row.id)
        replayed = replay(flow, history, ws.rules, until=until, sweeps=grid)
        assert replayed.flags == ()
        assert replayed.events == history
        start = history[0].occurred_at if start is None else min(start, history[0].occurred_at)
    if start is None:
        return
    result = ws.what_if(ws.rules, since=start, until=until, sweep_every=grid.every)
    (found,) = [f for f in result.workflows if f.kind == flow.kind]
    assert (found.diverged, found.changes) == ((), ())
    assert found.before == found.after
