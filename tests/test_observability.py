"""What an operator sees: structured logs from the engine (quiet unless configured),
and the engine's status (sweep lag, backlogs, failures) as `clientflow status` shows it."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pendulum
import pytest
from click.testing import CliRunner

from clientflow.changes import ChangeRequest, kind
from clientflow.cli import cli
from clientflow.core import Codec, ManualClock
from clientflow.demo import RULES_FILE
from clientflow.engine import Engine
from clientflow.ports import Commit, StoredEvent
from clientflow.storage import SCHEMA_VERSION, MemoryStore
from clientflow.storage.kinded import TypedStore
from clientflow.testing.samples import CALENDAR, START, awaiting_approval


def _store(broken: str | None = None) -> MemoryStore:
    def calendar_for(change: ChangeRequest) -> object:
        if change.id == broken:
            raise KeyError("no calendar for this project")
        return CALENDAR

    store = TypedStore(MemoryStore(), Codec([kind(calendar_for)]))  # type: ignore[arg-type]
    for n in range(3):
        change, steps = awaiting_approval(f"CR-{n}")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
    return store


class Refusing:
    def notify(self, event: StoredEvent) -> None:
        raise ConnectionError("SMTP 421 try later")


def test_failures_are_logged_with_what_and_where(caplog: pytest.LogCaptureFixture) -> None:
    store = _store(broken="CR-1")
    engine = Engine(store, clock=ManualClock(START.add(days=1)), notifier=Refusing())
    with caplog.at_level(logging.INFO, logger="clientflow"):
        engine.sweep()
    timer = next(r for r in caplog.records if "timer of CR-1 failed" in r.getMessage())
    assert (timer.name, timer.levelname) == ("clientflow.engine", "WARNING")
    assert timer.clientflow_aggregate_id == "CR-1"  # type: ignore[attr-defined]
    assert (timer.clientflow_command, timer.clientflow_attempt) == ("sweep", 1)  # type: ignore[attr-defined]
    refused = next(r for r in caplog.records if "delivering" in r.getMessage())
    assert refused.clientflow_event_id == "CR-0@1"  # type: ignore[attr-defined]
    assert "SMTP 421" in refused.getMessage()
    assert any("swept at" in r.getMessage() and r.levelname == "INFO" for r in caplog.records)


def test_the_library_is_quiet_unless_the_host_configures_logging() -> None:
    """A failing sweep prints nothing: warnings go to the 'clientflow' logger only."""
    script = (
        "from tests.test_observability import _store, START\n"
        "from clientflow.engine import Engine\n"
        "report = Engine(_store(broken='CR-1')).sweep(START.add(days=1))\n"
        "assert report.failed\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_status_shows_lag_backlog_and_failures() -> None:
    store = _store(broken="CR-1")
    at = START.add(days=1)
    engine = Engine(store, clock=ManualClock(at), notifier=Refusing(), max_attempts=1)
    before = engine.status()
    assert before.counts == {"change": {"awaiting_approval": 3}}
    assert before.oldest_due is not None
    assert before.sweep_lag == at - before.oldest_due
    [notifier] = before.consumers
    assert (notifier.position, notifier.backlog, notifier.parked) == (0, 12, 0)
    engine.sweep()
    after = engine.status(consumers=["webhook"])
    assert after.failing_timers == 1
    assert [(c.name, c.backlog, c.parked) for c in after.consumers] == [
        ("notifier", 0, after.consumers[0].parked),
        ("webhook", len(store.feed(limit=100)), 0),
    ]
    assert after.consumers[0].parked > 0  # max_attempts=1: each refused event parked


def test_clientflow_status_for_monitoring_scripts(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/status.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--store", url, str(RULES_FILE)]).exit_code == 0
    done = runner.invoke(cli, ["status", "--store", url, "--format", "json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["rules"]["revision"] == 1
    assert data["consumers"] == [{"name": "notifier", "position": 0, "backlog": 0, "parked": 0}]
    assert data["sweep_lag_seconds"] is None
    text = runner.invoke(cli, ["status", "--store", url, "--now", "2026-12-01T00:00:00Z"])
    assert "\n  timers    none due; 0 failing\n" in text.output
    assert pendulum.parse(data["at"])
