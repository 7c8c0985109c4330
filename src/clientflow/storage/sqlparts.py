"""What the SQL store's parts share: dialects, the executor, the read-side columns.

:class:`~clientflow.storage.sqlbase.SQLStore` is assembled from parts by concern (timers,
the schema, the outbox, the read side, rules revisions; events and snapshots in
``sqlbase``), each
a mixin over :class:`SQLPart`, which names what every part may use.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

import attrs

from clientflow.core import from_micros, to_micros
from clientflow.ports import AggregateRow
from clientflow.storage.schema import read_columns

__all__ = [
    "MARIADB",
    "MYSQL",
    "POSTGRESQL",
    "SQLITE",
    "Dialect",
    "Executor",
    "Row",
    "SQLPart",
    "UniqueViolation",
]

_ERROR_TEXT = 2000  # longest error text kept in a row

# The read side lives in the aggregates table, so each save writes it in the same statement.
_READ = tuple(column.name for column in read_columns())


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
    # Appended to CREATE TABLE. Ids must compare byte for byte: SQLite's BINARY and
    # PostgreSQL's deterministic collations do; MariaDB/MySQL need a binary collation
    # that also keeps trailing spaces significant (NO PAD).
    table_options: str = ""
    collation: str | None = None
    # Feed positions from the writing transaction's id instead of a locked counter
    # (see SQLStore._append); needs PostgreSQL 13+.
    concurrent_feed: bool = False
    # Feed positions are the events table's rowid (SQLite's INTEGER PRIMARY KEY), given
    # by the database as the newest plus one inside the single writer's transaction: no
    # counter row to move per command (schema 5).
    rowid_feed: bool = False
    # The server's time now, in integer microseconds since the epoch (cursor leases).
    now: str = "SELECT CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)"


SQLITE = Dialect("sqlite", "TEXT", "", "", partial_index=True, rowid_feed=True)
POSTGRESQL = Dialect(
    "postgresql",
    "TEXT",
    " FOR UPDATE",
    " FOR UPDATE SKIP LOCKED",
    partial_index=True,
    concurrent_feed=True,
    now="SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)",
)
MARIADB = Dialect(
    "mariadb",
    "LONGTEXT",
    " FOR UPDATE",
    " FOR UPDATE SKIP LOCKED",
    partial_index=False,
    table_options=" DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin",
    collation="utf8mb4_nopad_bin",
    # UTC_TIMESTAMP: unambiguous in a DST session time zone (NOW() repeats an hour)
    now="SELECT TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6))",
)
MYSQL = attrs.evolve(
    MARIADB,
    name="mysql",
    table_options=" DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin",
    collation="utf8mb4_0900_bin",
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


class SQLPart(ABC):
    """What every part of a SQL store may use; :class:`SQLStore` provides it."""

    _dialect: Dialect
    _label: str
    _t: dict[str, str]
    _kind_beside_narrower: str

    @abstractmethod
    def _transaction(self, write: bool, single: bool = False) -> AbstractContextManager[Executor]:
        """Open a transaction (see :meth:`SQLStore._transaction`)."""

    @abstractmethod
    def _check(self) -> None:
        """Refuse to work on a database without this release's schema."""

    @abstractmethod
    def _feed_horizon(self) -> str:
        """The SQL condition keeping feed readers below positions still being written."""


_READ_NAMES = ", ".join(_READ)
_READ_PARAMS = ", ".join(f":{name}" for name in _READ)


def _read_values(row: AggregateRow) -> dict[str, object]:
    return {
        "client": row.client,
        "project": row.project,
        "owner": row.owner,
        "status": row.status,
        "priority": row.priority,
        "opened_at": None if row.opened_at is None else to_micros(row.opened_at),
        "closed_at": None if row.closed_at is None else to_micros(row.closed_at),
        "updated_at": None if row.updated_at is None else to_micros(row.updated_at),
    }


def _row(values: Sequence[object]) -> AggregateRow:
    (
        aggregate_id,
        kind,
        version,
        status,
        client,
        project,
        owner,
        priority,
        deadline,
        opened,
        closed,
        updated,
    ) = values
    return AggregateRow(
        id=str(aggregate_id),
        kind=str(kind),
        version=int(version),  # type: ignore[call-overload]
        status=str(status),
        client=str(client),
        project=str(project),
        owner=str(owner),
        priority=str(priority),
        next_deadline=None if deadline is None else from_micros(int(deadline)),  # type: ignore[call-overload]
        opened_at=None if opened is None else from_micros(int(opened)),  # type: ignore[call-overload]
        closed_at=None if closed is None else from_micros(int(closed)),  # type: ignore[call-overload]
        updated_at=None if updated is None else from_micros(int(updated)),  # type: ignore[call-overload]
    )


_ROW_COLUMNS = (
    "id, kind, version, status, client, project, owner, priority, deadline,"
    " opened_at, closed_at, updated_at"
)


def _version(rows: Sequence[Row]) -> int | None:
    return int(rows[0][0]) if rows else None


def _str(text: str | bytes) -> str:
    """A text column as text (some drivers hand back bytes)."""
    return text if isinstance(text, str) else bytes(text).decode()
