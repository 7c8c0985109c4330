"""The store logic shared by every SQL database, written once over a tiny executor.

Adapters (:mod:`~clientflow.storage.sqlite` on the standard library, and
:mod:`~clientflow.storage.sql` on SQLAlchemy for PostgreSQL and MariaDB/MySQL) only open
transactions and translate their driver's errors; the statements, the schema and the
concurrency rules live here.

Concurrency, in SQL terms:

- optimistic concurrency is a primary key on the aggregate id plus a version-checked
  ``UPDATE`` (and a unique key on ``(aggregate_id, version)`` for events);
- feed positions come from a one-row counter locked in the saving transaction, so
  positions are handed out in commit order and readers never see a gap;
- sweepers claim due rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` where the database
  has it (SQLite has a single writer and needs none) and a lease column.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

import attrs
import pendulum

from clientflow.core import (
    Aggregate,
    Codec,
    ConcurrencyError,
    DomainEvent,
    DuplicateCommand,
    StoreError,
    ValidationError,
    to_micros,
)
from clientflow.ports import Commit, StoredEvent
from clientflow.storage.streams import commits_from_history

__all__ = [
    "MARIADB",
    "POSTGRESQL",
    "SCHEMA_VERSION",
    "SQLITE",
    "Dialect",
    "SQLStore",
    "UniqueViolation",
]

SCHEMA_VERSION = 1
"""Version of the tables this release reads and writes."""

_PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


class UniqueViolation(Exception):
    """Raised by an executor when a statement broke a primary or unique key."""


@attrs.frozen
class Dialect:
    """The few places where databases differ."""

    name: str
    text: str  # column type for JSON text
    lock: str  # appended to a SELECT that must lock its rows
    skip_locked: str  # appended to a claiming SELECT
    partial_index: bool


SQLITE = Dialect("sqlite", "TEXT", "", "", partial_index=True)
POSTGRESQL = Dialect(
    "postgresql", "TEXT", " FOR UPDATE", " FOR UPDATE SKIP LOCKED", partial_index=True
)
MARIADB = Dialect(
    "mariadb", "LONGTEXT", " FOR UPDATE", " FOR UPDATE SKIP LOCKED", partial_index=False
)

Row = tuple[Any, ...]


class Executor(Protocol):
    """One open transaction."""

    def run(self, sql: str, params: Mapping[str, object] | None = None) -> list[Row]:
        """Execute; return the rows (empty for statements without a result)."""
        ...

    def run_many(self, sql: str, rows: Sequence[Mapping[str, object]]) -> None:
        """Execute once per parameter set."""
        ...

    def changed(self) -> int:
        """Rows changed by the last ``run``."""
        ...


class SQLStore(ABC):
    """A store on any SQL database; subclasses supply transactions and error translation."""

    def __init__(self, codec: Codec, dialect: Dialect, *, prefix: str, label: str) -> None:
        if not isinstance(prefix, str) or not _PREFIX.match(prefix):
            raise ValidationError(
                "prefix", "lower-case letters, digits and _ (starting with a letter)", got=prefix
            )
        self._codec = codec
        self._dialect = dialect
        self._label = label
        self._checked = False
        p = prefix
        self._t = {
            name: f"{p}{name}"
            for name in ("meta", "aggregates", "events", "head", "commands", "cursors")
        }

    # -- what adapters provide ----------------------------------------------------------

    @abstractmethod
    def _transaction(self, write: bool) -> AbstractContextManager[Executor]:
        """Open a transaction; translate driver errors (``UniqueViolation``, ``StoreError``)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    # -- schema ---------------------------------------------------------------------------

    @property
    def codec(self) -> Codec:
        """The workflow kinds this store holds."""
        return self._codec

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._label})"

    def create_schema(self) -> None:
        """Create the tables if they do not exist (idempotent), and record the version."""
        t, d = self._t, self._dialect
        where = " WHERE deadline IS NOT NULL" if d.partial_index else ""
        statements = [
            f"CREATE TABLE IF NOT EXISTS {t['meta']}"
            " (name VARCHAR(100) PRIMARY KEY, value VARCHAR(255) NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {t['aggregates']} (id VARCHAR(255) PRIMARY KEY,"
            f" kind VARCHAR(100) NOT NULL, version INTEGER NOT NULL, snapshot {d.text} NOT NULL,"
            " deadline BIGINT, claimed_until BIGINT)",
            f"CREATE INDEX IF NOT EXISTS {t['aggregates']}_deadline"
            f" ON {t['aggregates']} (deadline){where}",
            f"CREATE TABLE IF NOT EXISTS {t['events']} (position BIGINT PRIMARY KEY,"
            f" aggregate_id VARCHAR(255) NOT NULL, version INTEGER NOT NULL,"
            f" type VARCHAR(100) NOT NULL, payload {d.text} NOT NULL,"
            f" CONSTRAINT {t['events']}_stream UNIQUE (aggregate_id, version))",
            f"CREATE TABLE IF NOT EXISTS {t['head']}"
            " (id INTEGER PRIMARY KEY, position BIGINT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {t['commands']} (command_key VARCHAR(255) PRIMARY KEY,"
            " aggregate_id VARCHAR(255) NOT NULL, version INTEGER NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {t['cursors']}"
            " (name VARCHAR(255) PRIMARY KEY, position BIGINT NOT NULL)",
        ]
        with self._transaction(write=True) as db:
            for statement in statements:
                db.run(statement)
            found = db.run(f"SELECT value FROM {t['meta']} WHERE name = 'schema_version'")
            if found and int(found[0][0]) > SCHEMA_VERSION:
                raise StoreError(self._label, self._newer(int(found[0][0])))
            if not found:
                db.run(
                    f"INSERT INTO {t['meta']} (name, value) VALUES ('schema_version', :v)",
                    {"v": str(SCHEMA_VERSION)},
                )
            if not db.run(f"SELECT position FROM {t['head']} WHERE id = 1"):
                db.run(f"INSERT INTO {t['head']} (id, position) VALUES (1, 0)")
        self._checked = True

    def drop_schema(self) -> None:
        """Drop every table of this store (all data is lost)."""
        with self._transaction(write=True) as db:
            for table in self._t.values():
                db.run(f"DROP TABLE IF EXISTS {table}")
        self._checked = False

    def schema_version(self) -> int | None:
        """The version recorded in the database, or ``None`` if there is no schema."""
        try:
            with self._transaction(write=False) as db:
                rows = db.run(f"SELECT value FROM {self._t['meta']} WHERE name = 'schema_version'")
        except StoreError:
            return None
        return int(rows[0][0]) if rows else None

    def _newer(self, found: int) -> str:
        return (
            f"schema version {found} is newer than this release's {SCHEMA_VERSION}; "
            "upgrade clientflow to open it"
        )

    def _check(self) -> None:
        if self._checked:
            return
        found = self.schema_version()
        if found is None:
            raise StoreError(self._label, "no clientflow schema here; call create_schema() first")
        if found > SCHEMA_VERSION:
            raise StoreError(self._label, self._newer(found))
        self._checked = True

    # -- the Store port -------------------------------------------------------------------

    def load(self, aggregate_id: str) -> Aggregate | None:
        """The current aggregate, or ``None``."""
        self._check()
        with self._transaction(write=False) as db:
            rows = db.run(
                f"SELECT kind, snapshot FROM {self._t['aggregates']} WHERE id = :id",
                {"id": aggregate_id},
            )
        if not rows:
            return None
        return self._codec.load_aggregate(rows[0][0], rows[0][1])

    def save(self, commit: Commit) -> None:
        """Write a commit atomically against its expected version."""
        self._check()
        aggregate = commit.aggregate
        kind, snapshot = self._codec.dump_aggregate(aggregate)
        row = {
            "id": aggregate.id,
            "kind": kind,
            "version": aggregate.version,
            "snapshot": snapshot,
            "deadline": _deadline(aggregate),
            "expected": commit.expected_version,
        }
        events = [self._codec.dump_event(event) for event in commit.events]
        t = self._t
        try:
            with self._transaction(write=True) as db:
                if commit.expected_version == 0:
                    try:
                        db.run(
                            f"INSERT INTO {t['aggregates']} (id, kind, version, snapshot, deadline)"
                            " VALUES (:id, :kind, :version, :snapshot, :deadline)",
                            row,
                        )
                    except UniqueViolation:
                        raise _Stale from None
                else:
                    db.run(
                        f"UPDATE {t['aggregates']} SET version = :version, snapshot = :snapshot,"
                        " deadline = :deadline, claimed_until = NULL"
                        " WHERE id = :id AND version = :expected",
                        row,
                    )
                    if db.changed() != 1:
                        raise _Stale
                self._append(db, list(zip(commit.events, events, strict=True)))
                if commit.idempotency_key is not None:
                    try:
                        db.run(
                            f"INSERT INTO {t['commands']} (command_key, aggregate_id, version)"
                            " VALUES (:key, :id, :version)",
                            {
                                "key": commit.idempotency_key,
                                "id": aggregate.id,
                                "version": aggregate.version,
                            },
                        )
                    except UniqueViolation:
                        raise _Duplicate from None
        except _Stale:
            current = self._version_of(aggregate.id)
            raise ConcurrencyError(
                aggregate.id, expected=commit.expected_version, actual=current
            ) from None
        except _Duplicate:
            found = self.recall(commit.idempotency_key or "")
            assert found is not None
            raise DuplicateCommand(commit.idempotency_key or "", *found) from None
        except UniqueViolation:
            # Two writers raced to the same event version past the version check.
            current = self._version_of(aggregate.id)
            raise ConcurrencyError(
                aggregate.id, expected=commit.expected_version, actual=current
            ) from None

    def _append(self, db: Executor, events: Sequence[tuple[DomainEvent, tuple[str, str]]]) -> None:
        t = self._t
        # The counter row stays locked until commit: positions follow commit order.
        head = int(
            db.run(f"SELECT position FROM {t['head']} WHERE id = 1{self._dialect.lock}")[0][0]
        )
        rows = [
            {
                "position": head + offset,
                "aggregate_id": event.aggregate_id,
                "version": event.aggregate_version,
                "type": name,
                "payload": payload,
            }
            for offset, (event, (name, payload)) in enumerate(events, 1)
        ]
        if rows:
            db.run_many(
                f"INSERT INTO {t['events']} (position, aggregate_id, version, type, payload)"
                " VALUES (:position, :aggregate_id, :version, :type, :payload)",
                rows,
            )
            db.run(f"UPDATE {t['head']} SET position = :p WHERE id = 1", {"p": head + len(rows)})

    def _version_of(self, aggregate_id: str) -> int | None:
        with self._transaction(write=False) as db:
            rows = db.run(
                f"SELECT version FROM {self._t['aggregates']} WHERE id = :id", {"id": aggregate_id}
            )
        return int(rows[0][0]) if rows else None

    def history(self, aggregate_id: str) -> Sequence[DomainEvent]:
        """Every event of one aggregate, oldest first."""
        self._check()
        with self._transaction(write=False) as db:
            rows = db.run(
                f"SELECT type, payload FROM {self._t['events']}"
                " WHERE aggregate_id = :id ORDER BY version",
                {"id": aggregate_id},
            )
        return [self._codec.load_event(name, payload) for name, payload in rows]

    def feed(self, after: int = 0, limit: int = 1000) -> Sequence[StoredEvent]:
        """Events after position ``after``, in order."""
        self._check()
        with self._transaction(write=False) as db:
            rows = db.run(
                f"SELECT position, type, payload FROM {self._t['events']} WHERE position > :after"
                " ORDER BY position LIMIT :limit",
                {"after": after, "limit": limit},
            )
        return [
            StoredEvent(int(pos), self._codec.load_event(name, payload))
            for pos, name, payload in rows
        ]

    def due(self, at: pendulum.DateTime, limit: int = 1000) -> Sequence[str]:
        """Ids whose deadline is at or before ``at``, earliest first (by index)."""
        self._check()
        with self._transaction(write=False) as db:
            rows = db.run(
                f"SELECT id FROM {self._t['aggregates']}"
                " WHERE deadline IS NOT NULL AND deadline <= :at ORDER BY deadline LIMIT :limit",
                {"at": to_micros(at), "limit": limit},
            )
        return [row[0] for row in rows]

    def claim_due(
        self, at: pendulum.DateTime, *, lease: pendulum.Duration, limit: int = 1000
    ) -> Sequence[str]:
        """Claim due aggregates no other sweeper holds, until ``at + lease``."""
        self._check()
        now, until = to_micros(at), to_micros(at + lease)
        t = self._t
        with self._transaction(write=True) as db:
            rows = db.run(
                f"SELECT id FROM {t['aggregates']} WHERE deadline IS NOT NULL AND deadline <= :at"
                " AND (claimed_until IS NULL OR claimed_until <= :at)"
                f" ORDER BY deadline LIMIT :limit{self._dialect.skip_locked}",
                {"at": now, "limit": limit},
            )
            ids = [row[0] for row in rows]
            if ids:
                db.run_many(
                    f"UPDATE {t['aggregates']} SET claimed_until = :until WHERE id = :id",
                    [{"until": until, "id": aggregate_id} for aggregate_id in ids],
                )
        return ids

    def recall(self, idempotency_key: str) -> tuple[str, int] | None:
        """Where a command with this key was applied."""
        self._check()
        with self._transaction(write=False) as db:
            rows = db.run(
                f"SELECT aggregate_id, version FROM {self._t['commands']} WHERE command_key = :key",
                {"key": idempotency_key},
            )
        return (rows[0][0], int(rows[0][1])) if rows else None

    def cursor(self, name: str) -> int:
        """Last processed feed position of a consumer."""
        self._check()
        with self._transaction(write=False) as db:
            rows = db.run(
                f"SELECT position FROM {self._t['cursors']} WHERE name = :name", {"name": name}
            )
        return int(rows[0][0]) if rows else 0

    def move_cursor(self, name: str, expected: int, to: int) -> bool:
        """Compare-and-set a consumer's position."""
        self._check()
        table = self._t["cursors"]
        try:
            with self._transaction(write=True) as db:
                db.run(
                    f"UPDATE {table} SET position = :to"
                    " WHERE name = :name AND position = :expected",
                    {"to": to, "name": name, "expected": expected},
                )
                if db.changed() == 1:
                    return True
                if expected != 0:
                    return False
                db.run(
                    f"INSERT INTO {table} (name, position) VALUES (:name, :to)",
                    {"name": name, "to": to},
                )
                return True
        except UniqueViolation:
            return False

    def import_history(self, events: Iterable[DomainEvent]) -> int:
        """Rebuild aggregates from whole histories and write them in one transaction."""
        self._check()
        commits = commits_from_history(self._codec, events)
        aggregates = []
        stream: list[tuple[DomainEvent, tuple[str, str]]] = []
        for commit in commits:
            kind, snapshot = self._codec.dump_aggregate(commit.aggregate)
            aggregates.append(
                {
                    "id": commit.aggregate.id,
                    "kind": kind,
                    "version": commit.aggregate.version,
                    "snapshot": snapshot,
                    "deadline": _deadline(commit.aggregate),
                }
            )
            stream.extend((event, self._codec.dump_event(event)) for event in commit.events)
        try:
            with self._transaction(write=True) as db:
                if aggregates:
                    db.run_many(
                        f"INSERT INTO {self._t['aggregates']}"
                        " (id, kind, version, snapshot, deadline)"
                        " VALUES (:id, :kind, :version, :snapshot, :deadline)",
                        aggregates,
                    )
                self._append(db, stream)
        except UniqueViolation:
            clash = self._first_existing([row["id"] for row in aggregates])
            raise ConcurrencyError(clash, expected=0, actual=self._version_of(clash)) from None
        return len(stream)

    def _first_existing(self, ids: Sequence[object]) -> str:
        with self._transaction(write=False) as db:
            for start in range(0, len(ids), 500):
                chunk = {f"i{n}": value for n, value in enumerate(ids[start : start + 500])}
                names = ", ".join(f":{name}" for name in chunk)
                rows = db.run(
                    f"SELECT id FROM {self._t['aggregates']} WHERE id IN ({names})", chunk
                )
                if rows:
                    return str(rows[0][0])
        return "?"


class _Stale(Exception):
    pass


class _Duplicate(Exception):
    pass


def _deadline(aggregate: Aggregate) -> int | None:
    return None if aggregate.next_deadline is None else to_micros(aggregate.next_deadline)
