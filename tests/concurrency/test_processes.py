"""Several real processes on one database: no lost update, each timer fired once, crash-safe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from clientflow.core import StoreError
from clientflow.ports import Commit, Store
from clientflow.storage import SQLiteStore, TypedStore
from clientflow.testing import sample_codec
from clientflow.testing.samples import START, assessed, awaiting_approval, draft
from tests.concurrency.worker import open_store
from tests.storage.servers import POSTGRES_URL, fresh_prefix, require_server

ROOT = Path(__file__).resolve().parents[2]
# This tree's own sources first (a worktree must not test the installed copy), then tests.
_PATH = os.pathsep.join((str(ROOT / "src"), str(ROOT)))
PROCESSES = 4
COMMANDS = 30


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.concurrency.worker", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": _PATH},
    )


def finish(process: subprocess.Popen[str]) -> list[str]:
    out, err = process.communicate(timeout=240)
    assert process.returncode == 0, err
    return out.split("\n")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, Store]]:
    """A fresh, empty database with the schema: a SQLite file or PostgreSQL tables."""
    prefix = fresh_prefix()
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        require_server(POSTGRES_URL)
        url = POSTGRES_URL
    store = open_store(url, prefix)
    store.create_schema()  # type: ignore[attr-defined]
    yield url, prefix, TypedStore(store, sample_codec())
    if request.param != "sqlite":
        store.drop_schema()  # type: ignore[attr-defined]
    store.close()


def prepare_assessed(store: Store) -> None:
    for n in range(3):
        change, steps = assessed(f"CR-{n}")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))


def test_concurrent_processes_lose_no_update(database: tuple[str, str, Store]) -> None:
    """4 processes x 30 commands on 3 aggregates: each acknowledged command is in the
    history exactly once and every history's versions run 1, 2, 3... without a gap.
    """
    url, prefix, store = database
    prepare_assessed(store)
    workers = [spawn("write", url, prefix, str(n + 1), str(COMMANDS)) for n in range(PROCESSES)]
    acked = [int(line.split()[1]) for w in workers for line in finish(w) if line.startswith("ack")]
    assert len(acked) == PROCESSES * COMMANDS
    recorded = []
    for n in range(3):
        history = list(store.history(f"CR-{n}"))
        assert [e.aggregate_version for e in history] == list(range(1, len(history) + 1))
        recorded += [int(e.impact.effort_hours) for e in history[3:]]  # type: ignore[attr-defined]
    assert Counter(recorded) == Counter(acked)
    positions = [s.position for s in store.feed(limit=10_000)]
    assert len(positions) == 9 + len(acked)
    assert positions == sorted(set(positions))  # increasing (consecutive where counted)


def test_concurrent_sweeper_processes_fire_each_timer_once(
    database: tuple[str, str, Store],
) -> None:
    """4 sweeping processes over 40 overdue approvals: each escalates exactly once."""
    url, prefix, store = database
    for n in range(40):
        change, steps = awaiting_approval(f"CR-{n}")
        store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))
    at = START.add(days=1).isoformat()
    sweepers = [spawn("sweep", url, prefix, at) for _ in range(PROCESSES)]
    lines = [line for s in sweepers for line in finish(s) if line]
    assert not [line for line in lines if line.startswith("failed")]
    fired = Counter(line.split()[1] for line in lines)
    assert sorted(fired) == sorted(f"CR-{n}" for n in range(40))
    assert set(fired.values()) == {1}
    for n in range(40):
        types = [e.event_type for e in store.history(f"CR-{n}")]
        assert types.count("change.approval_escalated") == 1


def test_concurrent_deliverer_processes_repeat_no_accepted_event(
    database: tuple[str, str, Store],
) -> None:
    """3,000 events, 4 deliverer processes, 2 % refused sends: each event is taken once."""
    url, prefix, store = database
    events = []
    for n in range(750):
        _, steps = awaiting_approval(f"CR-{n}")
        events.extend(e for s in steps for e in s.events)
    store.import_history(events)
    written = [s.position for s in store.feed(limit=10_000)]
    assert len(written) == 3000
    last = str(written[-1])
    workers = [spawn("deliver", url, prefix, str(seed), last) for seed in range(PROCESSES)]
    taken = Counter(
        int(line.split()[1])
        for worker in workers
        for line in finish(worker)
        if line.startswith("took ")
    )
    assert store.cursor("notifier") == written[-1]
    repeats = sum(count - 1 for count in taken.values())
    assert sorted(taken) == written
    assert repeats == 0


def test_writer_killed_mid_stream_loses_no_acknowledged_write(tmp_path: Path) -> None:
    """SIGKILL a SQLite writer: the file passes integrity_check, every acknowledged
    command is there, and the store reopens and takes writes.
    """
    path = tmp_path / "crash.db"
    url = f"sqlite:///{path}"
    store = SQLiteStore(path)
    store.create_schema()
    prepare_assessed(TypedStore(store, sample_codec()))
    store.close()
    writer = spawn("write", url, "clientflow_", "7", "100000")
    assert writer.stdout is not None
    acked: list[int] = []
    deadline = time.monotonic() + 60
    while len(acked) < 200 and time.monotonic() < deadline:
        line = writer.stdout.readline()
        if line.startswith("ack"):
            acked.append(int(line.split()[1]))
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    # Read through the same buffered stream as above: communicate() would read the pipe
    # underneath and miss the lines readline() had already buffered.
    rest = writer.stdout.read()
    acked += [int(line.split()[1]) for line in rest.split("\n") if line.startswith("ack")]
    assert writer.returncode == -signal.SIGKILL
    assert len(acked) >= 200
    reopened = TypedStore(SQLiteStore(path), sample_codec())
    assert reopened.store.integrity_check() == "ok"
    recorded = {
        int(e.impact.effort_hours)  # type: ignore[attr-defined]
        for n in range(3)
        for e in list(reopened.history(f"CR-{n}"))[3:]
    }
    assert set(acked) <= recorded
    assert len(recorded) - len(set(acked)) <= 1  # at most the one committed but not yet printed
    extra = draft("CR-new")
    reopened.save(Commit(extra.aggregate, extra.events, 0))
    assert reopened.load("CR-new") == extra.aggregate
    reopened.close()


def test_store_on_a_missing_schema_or_a_newer_one_refuses_clearly(tmp_path: Path) -> None:
    """Opening without create_schema(), or on a newer schema, is a StoreError saying what to do."""
    store = SQLiteStore(tmp_path / "empty.db")
    with pytest.raises(StoreError, match="create_schema"):
        store.read("CR-1")
    store.create_schema()
    store._connection.execute(
        "UPDATE clientflow_meta SET value = '99' WHERE name = 'schema_version'"
    )
    newer = SQLiteStore(tmp_path / "empty.db")
    with pytest.raises(StoreError, match="newer than this release"):
        newer.read("CR-1")
    with pytest.raises(StoreError, match="newer"):
        newer.create_schema()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_two_processes_triggering_one_risk_leave_one_issue_and_no_orphan(
    kind: str, tmp_path: Path
) -> None:
    """Two processes trigger the same risk at the same moment, with different keys and
    issue ids: one wins, the other is refused with nothing written; the one issue and
    the risk point at each other (three rounds)."""
    import clientflow  # noqa: PLC0415
    from clientflow.core import Actor, ManualClock  # noqa: PLC0415
    from tests.risks.test_workspace import START, _vendor_risk, rules_data  # noqa: PLC0415

    for round_ in range(3):
        prefix = fresh_prefix()
        store: Store
        if kind == "sqlite":
            path = tmp_path / f"risks{round_}.db"
            url, store = f"sqlite:///{path}", SQLiteStore(path, prefix=prefix)
        else:
            require_server(POSTGRES_URL)
            from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

            url, store = POSTGRES_URL, SQLAlchemyStore(POSTGRES_URL, prefix=prefix)
        store.create_schema()  # type: ignore[attr-defined]
        with clientflow.open(store, rules_data(), clock=ManualClock(START)) as ws:
            _vendor_risk(ws)
            ws.risks.assess("RSK-1", by=Actor("li.wei", {"pm"}), probability=4, impact=4)
            at = str(time.time() + 2.0)  # both start together
            workers = [spawn("trigger", url, prefix, f"ISS-{n}", f"k{n}", at) for n in (1, 2)]
            outcomes = sorted(finish(worker)[0] for worker in workers)
            assert outcomes[0] == "ok"
            assert outcomes[1] in ("refused ConcurrencyError", "refused TransitionNotAllowed")
            risk = ws.risks.get("RSK-1")
            issues = [row.id for row in ws.issues.list()]
            assert len(risk.issues) == 1
            assert issues == list(risk.issues)  # no orphan
            assert ws.issues.get(issues[0]).opened_from == "RSK-1"
            if kind != "sqlite":
                store.drop_schema()  # type: ignore[attr-defined]


def _version_1_store(path: Path, changes: int) -> int:
    """A SQLite file as release 0.1 wrote it (schema 1), with ``changes`` change
    requests awaiting approval; returns how many events it holds."""
    from clientflow.testing.contract import _schema_v1  # noqa: PLC0415 - the v1 tables

    store = SQLiteStore(path)
    t = store._t
    codec = sample_codec()
    position = 0
    with store._transaction(write=True) as db:
        for statement in _schema_v1(t, "sqlite"):
            db.run(statement)
        db.run(f"INSERT INTO {t['meta']} VALUES ('schema_version', '1')")
        for n in range(changes):
            change, steps = awaiting_approval(f"CR-{n}")
            kind, snapshot = codec.dump_aggregate(change)
            db.run(
                f"INSERT INTO {t['aggregates']} (id, kind, version, snapshot, deadline)"
                " VALUES (:id, :kind, :version, :snapshot, NULL)",
                {"id": change.id, "kind": kind, "version": change.version, "snapshot": snapshot},
            )
            for event in (e for s in steps for e in s.events):
                position += 1
                name, payload = codec.dump_event(event)
                db.run(
                    f"INSERT INTO {t['events']} VALUES (:p, :id, :v, :type, :payload)",
                    {"p": position, "id": change.id, "v": event.aggregate_version,
                     "type": name, "payload": payload},
                )  # fmt: skip
        db.run(f"INSERT INTO {t['head']} VALUES (1, {position})")
    store.close()
    return position


@pytest.mark.parametrize("kills", [1, 2])
def test_a_migration_killed_midway_loses_nothing_and_finishes_when_run_again(
    tmp_path: Path, kills: int
) -> None:
    """SIGKILL `clientflow migrate` on a version 1 store, once or twice, at different
    moments: run again, it finishes; every event is there, every aggregate loads, and
    the read side agrees with the events (check-store)."""
    from clientflow.config.revisions import records_codec  # noqa: PLC0415
    from clientflow.storage import SCHEMA_VERSION  # noqa: PLC0415
    from clientflow.storage.audit import check_store  # noqa: PLC0415

    path = tmp_path / "old.db"
    written = _version_1_store(path, 300)
    command = [sys.executable, "-m", "clientflow", "migrate", "--store", f"sqlite:///{path}"]
    env = {**os.environ, "PYTHONPATH": _PATH}
    for attempt in range(kills):
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)  # fmt: skip
        time.sleep(0.4 + 0.3 * attempt)  # the interpreter starts, then the migration runs
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    # Read back as the command did: a version 1 store records no rules yet.
    store = SQLiteStore(path)
    assert store.integrity_check() == "ok"
    assert store.schema_version() == SCHEMA_VERSION
    typed = TypedStore(store, records_codec())
    assert len(typed.feed(limit=10_000)) == written
    assert all(typed.load(f"CR-{n}") is not None for n in range(300))
    assert check_store(store, records_codec()).problems == ()
    store.close()
