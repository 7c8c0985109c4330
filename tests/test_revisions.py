"""Rules revisions and migrations hold under races, code-built rules, foreign codecs and
a read side filled with the wrong rules (issue 23)."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import clientflow
from clientflow import Actor
from clientflow.cli import cli
from clientflow.config import Rules, rules_from_dict
from clientflow.core import ConfigError
from clientflow.demo import RULES_FILE
from clientflow.ports import Query
from clientflow.storage import SQLiteStore


def _rules(p1_resolution: str) -> dict[str, object]:
    data = tomllib.loads(Path(RULES_FILE).read_text("utf-8"))
    for policy in data["sla"]:
        policy["targets"]["P1"]["resolution"] = p1_resolution
    return data


@pytest.mark.parametrize("round_", range(5))
def test_two_opens_of_a_new_store_with_different_rules_leave_one_revision(
    tmp_path: Path, round_: int
) -> None:
    """Two hosts open the same new store at once with different rules, neither with
    apply=True: exactly one first revision wins; the other open is refused."""
    url = f"sqlite:///{tmp_path / f'new{round_}.db'}"
    clientflow.open(url, _rules("8h")).close()  # the tables, then a fresh rules table
    with sqlite3.connect(tmp_path / f"new{round_}.db") as db:
        db.execute("DELETE FROM clientflow_rules")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def open_with(resolution: str) -> None:
        barrier.wait()
        try:
            clientflow.open(url, _rules(resolution)).close()
            outcomes.append(f"opened {resolution}")
        except ConfigError:
            outcomes.append("refused")

    threads = [threading.Thread(target=open_with, args=(r,)) for r in ("2h", "8h")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[1] == "refused", outcomes
    store = SQLiteStore(tmp_path / f"new{round_}.db")
    revision = store.rules_revision()
    assert revision is not None
    assert revision.number == 1
    store.close()


def test_rules_built_in_code_are_refused_with_a_way_out() -> None:
    """Rules with no source cannot be recorded (their fingerprint would be everyone's);
    the error says how to build recordable ones."""
    with pytest.raises(ConfigError, match=r"rules_from_dict\(\.\.\.\) or load_rules"):
        clientflow.open("memory://", Rules({}))


def test_an_unreadable_recorded_revision_is_a_config_error_everywhere(tmp_path: Path) -> None:
    """A revision whose source is not JSON: open, rules show, status and sweep say so in
    one line (exit 1), never a JSONDecodeError traceback."""
    path = tmp_path / "bad.db"
    clientflow.open(f"sqlite:///{path}", RULES_FILE).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE clientflow_rules SET source = 'not json'")
    with pytest.raises(ConfigError, match="cannot be read"):
        clientflow.open(f"sqlite:///{path}")
    for command in (["rules", "show"], ["status"], ["sweep"]):
        done = CliRunner().invoke(cli, [*command, "--store", f"sqlite:///{path}"])
        assert done.exit_code == 1, (command, done.output)
        assert isinstance(done.exception, (ConfigError, SystemExit)), done.exception


def test_a_host_store_built_with_other_rules_runs_under_the_recorded_ones(
    tmp_path: Path,
) -> None:
    """The store keeps neutral records: whatever codec a host built it with, the
    workspace registers the kinds of the rules the store records, and fires their timers."""
    path = tmp_path / "host.db"
    clientflow.open(f"sqlite:///{path}", _rules("8h")).close()
    recorded = rules_from_dict(_rules("8h"))
    store = SQLiteStore(path)
    with clientflow.open(store) as ws:
        assert ws.engine.kinds.rules == recorded.fingerprint
        assert ws.revision.fingerprint == recorded.fingerprint


def test_migrate_derives_the_read_side_under_the_recorded_rules(tmp_path: Path) -> None:
    """A read side filled with a rules-less codec (every change's client its project id)
    is found by check-store and mended by migrate; the client's changes list again."""
    path = tmp_path / "m.db"
    url = f"sqlite:///{path}"
    anna = Actor("anna", {"client"})
    with clientflow.open(url, RULES_FILE) as ws:
        for n in range(3):
            ws.changes.request(f"CR-{n}", by=anna, project="lotus-app", title=f"Change {n}")
    with sqlite3.connect(path) as db:  # what the old migrate wrote
        db.execute("UPDATE clientflow_aggregates SET client = project WHERE kind = 'change'")
    with clientflow.open(url) as ws:
        assert ws.changes.list(client="lotus") == []
    found = CliRunner().invoke(cli, ["check-store", "--store", url])
    assert found.exit_code == 1
    assert "read side client is 'lotus-app', its events say 'lotus'" in found.output
    migrated = CliRunner().invoke(cli, ["migrate", "--store", url])
    assert migrated.exit_code == 0, migrated.output
    assert "3 mended" in migrated.output
    clean = CliRunner().invoke(cli, ["check-store", "--store", url])
    assert clean.exit_code == 0, clean.output
    assert "3 aggregates checked, ok" in clean.output
    with clientflow.open(url) as ws:
        assert [row.id for row in ws.changes.list(client="lotus")] == ["CR-0", "CR-1", "CR-2"]
        assert [row.id for row in ws.rows(Query(client="lotus-app"))] == []
    shutil.copy(path, tmp_path / "copy.db")  # the store stays usable as a file


@pytest.mark.parametrize("kind", ["memory", "sqlite", "postgresql"])
def test_a_workspace_opened_before_rules_apply_commits_nothing_after_it(
    kind: str, tmp_path: Path
) -> None:
    """Rules applied by another process after a workspace opened: its next command and
    its sweep are refused (RulesChanged), nothing written; reopened, it works under the
    new revision."""
    from clientflow.core import ManualClock, RulesChanged  # noqa: PLC0415
    from tests.storage.servers import POSTGRES_URL, fresh_prefix, require_server  # noqa: PLC0415

    second = rules_from_dict(_rules("2h"))
    if kind == "memory":
        store = clientflow.storage.open_store("memory://")
        other = store
    elif kind == "sqlite":
        store = SQLiteStore(tmp_path / "r.db")
        store.create_schema()
        other = SQLiteStore(tmp_path / "r.db")
    else:
        require_server(POSTGRES_URL)
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        prefix = fresh_prefix()
        store = SQLAlchemyStore(POSTGRES_URL, prefix=prefix)
        store.create_schema()
        other = SQLAlchemyStore(POSTGRES_URL, prefix=prefix)
    clock = ManualClock(clientflow.demo.START)
    ws = clientflow.open(store, _rules("8h"), clock=clock)
    anna = Actor("anna", {"client"})
    ws.changes.request("CR-1", by=anna, project="lotus-app", title="SSO")
    other.apply_rules(second.fingerprint, second.source, clock.now(), over=1)
    with pytest.raises(RulesChanged, match="revision 2 now, not 1"):
        ws.changes.submit("CR-1", by=anna)
    with pytest.raises(RulesChanged):
        ws.changes.request("CR-2", by=anna, project="lotus-app", title="New")
    assert ws.changes.get("CR-1").status == "draft"
    assert ws.engine.kinded.load("CR-2") is None
    reopened = clientflow.open(other, clock=clock)
    assert reopened.changes.submit("CR-1", by=anna).aggregate.status == "submitted"
    if kind == "postgresql":
        store.drop_schema()  # type: ignore[attr-defined]
