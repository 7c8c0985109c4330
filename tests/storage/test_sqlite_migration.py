"""Schema 4 to 5 on SQLite: feed positions become the events' rowid, nothing else moves.

A schema 4 file is made as release 4 wrote it (its events table declared with a
``BIGINT`` key beside the rowid, a feed counter that moves with every event), holding
events with a gap in their positions, a delivered cursor, a parked event and timers;
after the migration every position still names the same event.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clientflow.core import ManualClock, StoreError
from clientflow.engine import Engine
from clientflow.ports import Commit, ParkedEvent, StoredEvent
from clientflow.storage import SCHEMA_VERSION, SQLiteStore
from clientflow.storage.kinded import TypedStore
from clientflow.storage.schema import create_statements, table_named
from clientflow.testing import sample_codec
from clientflow.testing.samples import START, awaiting_approval, draft

ROOT = Path(__file__).resolve().parents[2]
_PATH = os.pathsep.join((str(ROOT / "src"), str(ROOT)))  # this tree's sources, then tests
EVENTS = "clientflow_events"
GAP = 1000  # positions after the fifth are moved up by this much: kept, not renumbered


class _Recorder:
    def notify(self, event: StoredEvent) -> None:
        pass


def _as_version_4(path: Path) -> None:
    """Turn a schema 5 file back into what schema 4 wrote: the events table declared as
    release 4 declared it, the counter at the newest position, the version 4."""
    events = table_named("events")
    old = create_statements(events, "clientflow_", document="TEXT")[0]  # no rowid key
    names = ", ".join(column.name for column in events.columns)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    db.execute(f"ALTER TABLE {EVENTS} RENAME TO {EVENTS}_new")
    db.execute(old)
    db.execute(f"INSERT INTO {EVENTS} ({names}) SELECT {names} FROM {EVENTS}_new")
    db.execute(f"DROP TABLE {EVENTS}_new")
    db.execute(
        f"UPDATE clientflow_head SET position = (SELECT COALESCE(MAX(position), 0) FROM {EVENTS})"
    )
    db.execute("UPDATE clientflow_meta SET value = '4' WHERE name = 'schema_version'")
    db.execute("COMMIT")
    db.close()


def _version_4_store(path: Path, changes: int = 6) -> None:
    """A schema 4 file with events (a gap in their positions), a cursor, a parked event
    and timers due."""
    store = TypedStore(SQLiteStore(path), sample_codec())
    store.store.create_schema()
    for n in range(changes):
        change, steps = awaiting_approval(f"CR-{n}")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
    with store.store._transaction(write=True) as db:  # a gap, as a restore or PostgreSQL may leave
        db.run(f"UPDATE {EVENTS} SET position = position + {GAP} WHERE position > 5")
    Engine(store, clock=ManualClock(START), notifier=_Recorder()).deliver()
    for n in range(2):  # written after the delivery: the cursor stands before them
        made = draft(f"CR-late-{n}")
        store.save(Commit(made.aggregate, made.events, 0))
    store.park(ParkedEvent("mailer", GAP + 6, "CR-1", 3, "refused", START, "CR-1"))
    store.close()
    _as_version_4(path)


def _state(path: Path) -> dict[str, object]:
    """What must survive the migration, read with plain sqlite3."""
    db = sqlite3.connect(path)
    state = {
        "events": db.execute(
            f"SELECT position, aggregate_id, version, type, payload FROM {EVENTS} ORDER BY position"
        ).fetchall(),
        "cursors": db.execute("SELECT name, position FROM clientflow_cursors").fetchall(),
        "parked": db.execute(
            "SELECT consumer, position, event_id, aggregate_id, retry_at FROM clientflow_parked"
        ).fetchall(),
        "aggregates": db.execute(
            "SELECT id, version, snapshot, deadline FROM clientflow_aggregates ORDER BY id"
        ).fetchall(),
    }
    db.close()
    return state


def _shape(path: Path) -> tuple[str, int]:
    """The events table's key column type, and how many indexes sit beside the table."""
    db = sqlite3.connect(path)
    key = next(row for row in db.execute(f"PRAGMA table_info({EVENTS})") if row[1] == "position")
    indexes = len(db.execute(f"PRAGMA index_list({EVENTS})").fetchall())
    db.close()
    return str(key[2]), indexes


def _version(path: Path) -> int:
    db = sqlite3.connect(path)
    [(found,)] = db.execute("SELECT value FROM clientflow_meta WHERE name = 'schema_version'")
    db.close()
    return int(found)


def test_a_new_store_has_positions_as_the_rowid_and_one_index_beside_its_events(
    tmp_path: Path,
) -> None:
    """Only the (aggregate, version) key beside the table: the position is the row itself."""
    store = SQLiteStore(tmp_path / "new.db")
    store.create_schema()
    store.close()
    assert _shape(tmp_path / "new.db") == ("INTEGER", 1)


def test_a_version_4_store_migrates_with_every_position_naming_the_same_event(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v4.db"
    _version_4_store(path)
    before = _state(path)
    assert _shape(path) == ("BIGINT", 2)  # the key's own index and the stream's
    assert [p for p, *_ in before["events"]][4:6] == [5, GAP + 6]  # type: ignore[index]
    store = TypedStore(SQLiteStore(path), sample_codec())
    assert store.store.migrate() == SCHEMA_VERSION == 6
    assert store.store.migrate() == SCHEMA_VERSION  # a second run changes nothing
    assert _state(path) == before
    assert _shape(path) == ("INTEGER", 1)
    assert store.store.integrity_check() == "ok"
    # Through the store: the cursor still stands after the last event delivered, the
    # parked event is the one it was, the timers are due as before.
    cursor = store.cursor("notifier")
    assert [s.event.aggregate_id for s in store.feed(after=cursor)] == ["CR-late-0", "CR-late-1"]
    assert store.feed(after=cursor - 1)[0].event.aggregate_id == "CR-5"
    [parked] = store.parked("mailer")
    assert (parked.position, parked.aggregate_id) == (GAP + 6, "CR-1")
    assert store.feed(after=GAP + 5)[0].event.aggregate_id == "CR-1"
    assert set(store.due(START.add(years=1))) >= {f"CR-{n}" for n in range(6)}
    # New events follow the newest: never a position handed out before.
    newest = before["events"][-1][0]  # type: ignore[index]
    made = draft("CR-new")
    store.save(Commit(made.aggregate, made.events, 0))
    assert [s.position for s in store.feed(after=newest)] == [newest + 1]
    delivered = Engine(store, clock=ManualClock(START), notifier=_Recorder()).deliver()
    assert delivered.delivered == 3  # the two written after the first delivery, and this one
    store.close()


def test_opening_a_version_4_store_with_create_schema_migrates_it(tmp_path: Path) -> None:
    """The path `clientflow` takes when it opens a store of an older release."""
    path = tmp_path / "v4.db"
    _version_4_store(path)
    before = _state(path)
    store = SQLiteStore(path)
    store.create_schema()
    assert store.schema_version() == SCHEMA_VERSION
    assert _state(path) == before
    assert _shape(path) == ("INTEGER", 1)
    store.close()


def test_a_migration_that_fails_inside_leaves_version_4_whole_and_runs_again(
    tmp_path: Path,
) -> None:
    """One transaction: a migration stopped after the table was renamed and re-created
    (here by a position that is not an integer, which only a rowid refuses) rolls back
    to schema 4 as it was, and runs once the row is mended."""
    path = tmp_path / "v4.db"
    _version_4_store(path)
    with sqlite3.connect(path) as db:  # damaging on purpose: BIGINT takes any text
        db.execute(f"INSERT INTO {EVENTS} VALUES ('7b', 'CR-x', 1, 'ChangeRequested', '{{}}')")
    before = _state(path)
    store = SQLiteStore(path)
    with pytest.raises(StoreError, match="must be a whole number"):
        store.migrate()
    assert _version(path) == 4
    assert _state(path) == before
    assert _shape(path) == ("BIGINT", 2)
    with sqlite3.connect(path) as db:
        db.execute(f"DELETE FROM {EVENTS} WHERE position = '7b'")
    assert store.migrate() == SCHEMA_VERSION
    assert _shape(path) == ("INTEGER", 1)
    store.close()


def _big_version_4_store(path: Path, events: int) -> None:
    """A schema 4 file with many events (written straight in: quick to make)."""
    store = SQLiteStore(path)
    store.create_schema()
    store.close()
    _as_version_4(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    db.executemany(
        f"INSERT INTO {EVENTS} VALUES (?, ?, ?, 'ChangeRequested', ?)",
        ((n, f"CR-{n // 10}", n % 10 + 1, "x" * 120) for n in range(1, events + 1)),
    )
    db.execute(f"UPDATE clientflow_head SET position = {events}")
    db.execute("COMMIT")
    db.close()


def _migrate_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "clientflow", "migrate", "--store", f"sqlite:///{path}"]


def test_a_migration_killed_midway_leaves_version_4_and_finishes_when_run_again(
    tmp_path: Path,
) -> None:
    """SIGKILL `clientflow migrate` while it copies (its uncommitted pages already in the
    write-ahead log): the file is schema 4 with every event; run again, it finishes."""
    path = tmp_path / "big.db"
    count = 150_000
    _big_version_4_store(path, count)
    wal = Path(f"{path}-wal")
    start = wal.stat().st_size if wal.exists() else 0
    env = {**os.environ, "PYTHONPATH": _PATH}
    process = subprocess.Popen(
        _migrate_command(path), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if wal.exists() and wal.stat().st_size > start + 2_000_000:  # copying, not committed
            break
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute(f"SELECT COUNT(*), MAX(position) FROM {EVENTS}").fetchone() == (count, count)
    db.close()
    killed_at = _version(path)
    assert (killed_at, _shape(path)) in {(4, ("BIGINT", 2)), (5, ("INTEGER", 1))}
    done = subprocess.run(
        _migrate_command(path), cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert (_version(path), _shape(path)) == (SCHEMA_VERSION, ("INTEGER", 1))
    store = SQLiteStore(path)
    assert store.integrity_check() == "ok"
    assert [r.position for r in store.read_feed(after=count - 3)] == [count - 2, count - 1, count]
    store.close()
    assert killed_at == 4, "the kill came after the commit: the test proved nothing"


def test_two_migrations_at_once_both_succeed_and_migrate_once(tmp_path: Path) -> None:
    """Two `clientflow migrate` on one file: the second waits for the first's write lock,
    then finds the table done."""
    path = tmp_path / "twice.db"
    count = 50_000
    _big_version_4_store(path, count)
    env = {**os.environ, "PYTHONPATH": _PATH}
    both = [
        subprocess.Popen(
            _migrate_command(path),
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for process in both:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert (_version(path), _shape(path)) == (SCHEMA_VERSION, ("INTEGER", 1))
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute(
        f"SELECT COUNT(*), MIN(position), MAX(position) FROM {EVENTS}"
    ).fetchone() == (
        count,
        1,
        count,
    )
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert f"{EVENTS}_v4" not in tables
    db.close()
