"""Fixed workloads shared by the regression guard (`guard.py`) and the profile notes.

Each workload is a pair: ``prepare()`` builds what the workload needs (a workspace, a
store, prepared inputs) and returns ``run``, a function doing the counted work. Every
workload does the same thing on every run: fixed ids, a manual clock, seeded inputs.
The scripts run from `benchmarks/`, so this module is imported by its bare name.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import attrs
import pendulum

import clientflow
from clientflow.changes import Impact, Money, Priority, Risk
from clientflow.core import BusinessCalendar, DomainEvent, EventMeta
from clientflow.demo import RULES_FILE
from clientflow.storage import SQLiteStore
from clientflow.storage.kinded import TypedStore
from clientflow.testing import sample_codec
from clientflow.testing.samples import awaiting_approval

Run = Callable[[], object]
Prepare = Callable[[str], Run]  # the folder for files -> the counted work

START = pendulum.datetime(2026, 3, 2, 2)  # Monday 10:00 in Shanghai
ANNA = clientflow.Actor("anna", {"client"})
ZHANG = clientflow.Actor("zhang.lan", {"client"})
LI = clientflow.Actor("li.wei", {"pm"})
CHEN = clientflow.Actor("chen.jie", {"engineer"})

COMMANDS = 1000  # per workflow workload


def _workspace(store: str, folder: str) -> clientflow.Workspace:
    url = "memory://" if store == "memory" else f"sqlite:///{Path(folder) / 'guard.db'}"
    return clientflow.open(url, RULES_FILE, clock=clientflow.ManualClock(START))


def _impact(hours: int) -> Impact:
    return Impact(
        schedule_days=1,
        cost=Money("100", "CNY"),
        effort_hours=hours,
        risk=Risk.LOW,
        in_scope=True,
        priority=Priority.SHOULD,
    )


def _changes(ws: clientflow.Workspace) -> Run:
    """Request, submit, assess, ask for approval (a standard change: approved), implement."""

    def run() -> None:
        for n in range(COMMANDS // 5):
            cid = f"CR-{n}"
            ws.changes.request(cid, by=ANNA, project="lotus-app", title="Single sign-on")
            ws.changes.submit(cid, by=ANNA)
            ws.changes.assess(cid, by=LI, impact=_impact(n % 7 + 1))
            ws.changes.request_approval(cid, by=LI)
            ws.changes.implement(cid, by=LI)

    return run


def _issues(ws: clientflow.Workspace) -> Run:
    """Report, acknowledge, investigate, wait on the client, the client replies, propose,
    resolve, close: 8 commands per issue, with SLA clocks on the Shanghai calendar."""

    def run() -> None:
        for n in range(COMMANDS // 8):
            iid = f"ISS-{n}"
            ws.issues.report(
                iid,
                by=ZHANG,
                client="lotus",
                project="lotus-app",
                title="Login fails",
                priority=("P1", "P2", "P3")[n % 3],
                owner="chen.jie",
            )
            ws.issues.acknowledge(iid, by=CHEN)
            ws.issues.start_investigation(iid, by=CHEN)
            ws.issues.wait_on_client(iid, by=CHEN, reason="which browser?")
            ws.issues.client_replied(iid, by=ZHANG, message="Firefox")
            ws.issues.propose_solution(iid, by=CHEN, solution="clear the cache")
            ws.issues.resolve(iid, by=CHEN, resolution="cache cleared")
            ws.issues.close(iid, by=CHEN)

    return run


def _feedback(ws: clientflow.Workspace) -> Run:
    """Receive, triage, assign, contact, plan, act, confirm, close: 8 commands per item."""

    def run() -> None:
        for n in range(COMMANDS // 8):
            fid = f"FB-{n}"
            ws.feedback.receive(
                fid,
                by=LI,
                client="lotus",
                project="lotus-app",
                contact="zhang.lan",
                channel="email",
                text="The report came late",
                csat=2,
            )
            ws.feedback.triage(fid, by=LI)
            ws.feedback.assign(fid, by=LI, owner="li.wei")
            ws.feedback.record_contact(fid, by=LI, note="called")
            ws.feedback.plan_action(fid, by=LI, plan="send it on Fridays")
            ws.feedback.complete_action(fid, by=LI)
            ws.feedback.confirm(fid, by=LI)
            ws.feedback.close(fid, by=LI)

    return run


def _plans(ws: clientflow.Workspace) -> Run:
    """Create a plan from the rules, then record 9 touchpoints: 10 commands per plan."""

    def run() -> None:
        for n in range(COMMANDS // 10):
            pid = f"PLAN-{n}"
            ws.plans.create(pid, by=LI, client="lotus", project="lotus-app")
            for t in range(9):
                ws.plans.record_touchpoint(
                    pid,
                    by=LI,
                    touchpoint={
                        "id": f"tp-{t}",
                        "direction": ("outbound", "inbound")[t % 2],
                        "channel": "email",
                        "at": START.subtract(minutes=9 - t).isoformat(),
                        "summary": "weekly status",
                    },
                )

    return run


def _risks(ws: clientflow.Workspace) -> Run:
    """Identify, assess (low ratings), accept, monitor, close: 5 commands per risk."""

    def run() -> None:
        for n in range(COMMANDS // 5):
            rid = f"RSK-{n}"
            ws.risks.identify(
                rid,
                by=LI,
                client="lotus",
                project="lotus-app",
                owner="li.wei",
                title="Vendor delivers late",
                category="vendor",
                cause="one DBA on our account",
                event="the export slips",
                effect="the cut-over moves",
            )
            ws.risks.assess(rid, by=LI, probability=n % 2 + 1, impact=2, likelihood="0.5")
            ws.risks.plan_response(rid, by=LI, strategy="accept")
            ws.risks.start_monitoring(rid, by=LI)
            ws.risks.close(rid, by=LI, reason="expired")

    return run


def _on(store: str, workflow: Callable[[clientflow.Workspace], Run]) -> Prepare:
    def prepare(folder: str) -> Run:
        return workflow(_workspace(store, folder))

    return prepare


def _calendar_calls(_: str) -> Run:
    """10,000 business-time additions and differences over spans of days to weeks."""
    calendar = BusinessCalendar("Asia/Shanghai", ("09:00-12:00", "13:00-18:00"), country="CN")
    starts = [START.add(hours=7 * n) for n in range(100)]
    spans = [pendulum.duration(hours=h) for h in (1, 8, 40, 160, 3)]

    def run() -> None:
        for n in range(5000):
            at = starts[n % 100]
            end = calendar.add(at, spans[n % 5])
            calendar.elapsed(at, end)

    return run


def _calendar_first_use(_: str) -> Run:
    """100 new calendars, each asked one deadline a week ahead: the cost of first use."""

    def run() -> None:
        for n in range(100):
            calendar = BusinessCalendar(
                "Asia/Shanghai", ("09:00-12:00", "13:00-18:00"), country="CN"
            )
            calendar.add(START.add(days=n), pendulum.duration(hours=40))

    return run


def _batch_import(folder: str) -> Run:
    """A 20,000-event history imported into a fresh SQLite store in one batch."""
    _, steps = awaiting_approval("CR-template")
    template = [e for s in steps for e in s.events]
    history: list[DomainEvent] = []
    n = 0
    while len(history) < 20_000:
        for event in template:
            meta = EventMeta(f"CR-{n}", event.aggregate_version, event.occurred_at, event.actor)
            history.append(attrs.evolve(event, meta=meta))
        n += 1
    store = TypedStore(SQLiteStore(Path(folder) / "import.db"), sample_codec())
    store.store.create_schema()
    return lambda: store.import_history(history)


WORKLOADS: dict[str, Prepare] = {
    "changes/memory": _on("memory", _changes),
    "changes/sqlite": _on("sqlite", _changes),
    "issues/memory": _on("memory", _issues),
    "issues/sqlite": _on("sqlite", _issues),
    "feedback/memory": _on("memory", _feedback),
    "feedback/sqlite": _on("sqlite", _feedback),
    "plans/memory": _on("memory", _plans),
    "plans/sqlite": _on("sqlite", _plans),
    "risks/memory": _on("memory", _risks),
    "risks/sqlite": _on("sqlite", _risks),
    "calendar/10k-calls": _calendar_calls,
    "calendar/first-use": _calendar_first_use,
    "sqlite/batch-import": _batch_import,
}
"""Every workload the guard counts, by name."""


def temporary_folder() -> tempfile.TemporaryDirectory[str]:
    """A folder for a workload's files, removed afterwards."""
    return tempfile.TemporaryDirectory(prefix="clientflow-guard-")
