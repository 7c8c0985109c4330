"""The embedded default: one SQLite file through the standard library, in WAL mode.

Durability: WAL with ``synchronous=NORMAL`` keeps every committed transaction through a
crash of the process (an operating-system crash may lose the last few); use
``durable=True`` for ``synchronous=FULL``. Writers take the write lock at the start of
their transaction (``BEGIN IMMEDIATE``), so two processes never deadlock upgrading a
read lock, and wait up to ``timeout`` seconds for each other.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from clientflow.core import StoreError
from clientflow.storage.sqlbase import SQLITE, SQLStore, UniqueViolation
from clientflow.storage.sqlparts import Executor, Row

__all__ = ["SQLiteStore"]


class _Cursor:
    def __init__(self, connection: sqlite3.Connection, label: str) -> None:
        self._connection = connection
        self._label = label
        self._changed = 0

    def run(self, sql: str, params: Mapping[str, object] | None = None) -> list[Row]:
        try:
            cursor = self._connection.execute(sql, params or {})
            rows = cursor.fetchall()
        except sqlite3.IntegrityError as error:
            raise UniqueViolation(str(error)) from error
        except sqlite3.Error as error:
            raise StoreError(self._label, str(error)) from error
        self._changed = cursor.rowcount
        return rows

    def run_many(self, sql: str, rows: Sequence[Mapping[str, object]]) -> None:
        self.run_values(sql, rows)

    def run_values(
        self, sql: str, rows: Sequence[Sequence[object]] | Sequence[Mapping[str, object]]
    ) -> None:
        """``run_many``, also with positional values (``?`` placeholders)."""
        try:
            self._connection.executemany(sql, rows)
        except sqlite3.IntegrityError as error:
            raise UniqueViolation(str(error)) from error
        except sqlite3.Error as error:
            raise StoreError(self._label, str(error)) from error

    def changed(self) -> int:
        return self._changed


class _Transaction:
    """The store's lock, and ``begin`` ... ``COMMIT`` around the block unless ``begin`` is
    empty (one statement). A class rather than a generator: it runs twice per command."""  # noqa: D205, D209

    __slots__ = ("_begin", "_store")

    def __init__(self, store: SQLiteStore, begin: str) -> None:
        self._store = store
        self._begin = begin

    def __enter__(self) -> _Cursor:
        store = self._store
        store._lock.acquire()
        if self._begin:
            try:
                store._connection.execute(self._begin)
            except sqlite3.Error as error:
                store._lock.release()
                raise StoreError(store._label, f"cannot start a transaction ({error})") from error
        return _Cursor(store._connection, store._label)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        store = self._store
        try:
            if not self._begin:
                return
            connection = store._connection
            if kind is not None:
                connection.execute("ROLLBACK")
                return
            try:
                connection.execute("COMMIT")
            except sqlite3.Error as failed:
                connection.execute("ROLLBACK")
                raise StoreError(store._label, f"commit failed ({failed})") from failed
        finally:
            store._lock.release()


class SQLiteStore(SQLStore):
    """A store in one SQLite file (or ``":memory:"``), shared safely by threads and processes.

    It keeps neutral records; an :class:`~clientflow.engine.Engine` holds the kinds.

    >>> store = SQLiteStore(":memory:")
    >>> store.create_schema()
    >>> store.schema_version()
    6
    """

    _kind_beside_narrower = "+kind"
    _narrow_update = True

    def __init__(
        self,
        path: str | Path,
        *,
        prefix: str = "clientflow_",
        timeout: float = 30.0,
        durable: bool = False,
    ) -> None:
        label = f"sqlite:///{path}"
        super().__init__(SQLITE, prefix=prefix, label=label)
        try:
            self._connection = sqlite3.connect(
                str(path), timeout=timeout, isolation_level=None, check_same_thread=False
            )
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        except sqlite3.Error as error:
            raise StoreError(label, f"cannot open the database ({error})") from error
        # One connection, one writer at a time within this process; WAL lets other
        # processes read while we write.
        self._lock = threading.RLock()

    def _transaction(self, write: bool, single: bool = False) -> _Transaction:
        # One statement or many, a transaction costs no round trip in process, but BEGIN
        # and COMMIT are two statements more: one statement runs on its own (autocommit
        # mode, isolation_level=None), which SQLite makes atomic by itself.
        return _Transaction(self, "" if single else "BEGIN IMMEDIATE" if write else "BEGIN")

    def _insert_many(
        self, db: Executor, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> None:
        # Positional values: sqlite3 binds a tuple faster than it looks names up in a dict.
        if not rows:
            return
        assert isinstance(db, _Cursor)
        db.run_values(
            f"INSERT INTO {self._t[table]} ({', '.join(columns)})"
            f" VALUES ({', '.join('?' * len(columns))})",
            rows,
        )

    def integrity_check(self) -> str:
        """SQLite's own ``PRAGMA integrity_check`` answer (``"ok"`` when healthy)."""
        with self._lock:
            return str(self._connection.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._connection.close()
