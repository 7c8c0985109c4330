"""PostgreSQL and MariaDB/MySQL through SQLAlchemy 2 Core (``pip install clientflow[sql]``).

URLs are SQLAlchemy's: ``postgresql+psycopg://user@host:5432/db`` or
``mysql+pymysql://user:password@host:3306/db``. Sweepers claim due rows with
``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL 9.5+, MariaDB 10.6+, MySQL 8+).
Deadlocks and serialisation failures surface as ``ConcurrencyError`` (safe to retry);
every other driver error as ``StoreError``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import exc

from clientflow.core import Codec, StoreError, TransactionConflict, ValidationError
from clientflow.storage.sqlbase import (
    MARIADB,
    MYSQL,
    POSTGRESQL,
    Dialect,
    Row,
    SQLStore,
    UniqueViolation,
)

__all__ = ["SQLAlchemyStore"]

# Driver error codes that mean "two transactions collided; try again".
_RETRYABLE = {"40001", "40P01", "1213", "1205"}


def _dialect_of(engine: sa.Engine) -> Dialect:
    name = engine.dialect.name
    if name == "postgresql":
        return POSTGRESQL
    if name in {"mysql", "mariadb"}:
        return MARIADB
    raise ValidationError("url", "a postgresql+psycopg:// or mysql+pymysql:// URL", got=name)


def _code(error: exc.DBAPIError) -> str:
    original = error.orig
    for attribute in ("sqlstate", "pgcode"):
        value = getattr(original, attribute, None)
        if value:
            return str(value)
    args = getattr(original, "args", ())
    return str(args[0]) if args else ""


class _Connection:
    def __init__(self, connection: sa.Connection, store: SQLAlchemyStore) -> None:
        self._connection = connection
        self._store = store
        self._changed = 0

    def run(self, sql: str, params: Mapping[str, object] | None = None) -> list[Row]:
        with self._store.translated():
            result = self._connection.execute(sa.text(sql), dict(params or {}))
            self._changed = result.rowcount
            return [tuple(row) for row in result] if result.returns_rows else []

    def run_many(self, sql: str, rows: Sequence[Mapping[str, object]]) -> None:
        with self._store.translated():
            self._connection.execute(sa.text(sql), [dict(row) for row in rows])

    def changed(self) -> int:
        return self._changed


class SQLAlchemyStore(SQLStore):
    """A store in PostgreSQL or MariaDB/MySQL tables named ``<prefix>aggregates`` etc.

    Pass a URL or an existing SQLAlchemy ``Engine`` (to share the host's pool).
    """

    def __init__(self, url: str | sa.Engine, codec: Codec, *, prefix: str = "clientflow_") -> None:
        try:
            engine = (
                url if isinstance(url, sa.Engine) else sa.create_engine(url, pool_pre_ping=True)
            )
        except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as error:
            raise ValidationError(
                "url", "a SQLAlchemy database URL with an installed driver", got=str(url)
            ) from error
        label = engine.url.render_as_string(hide_password=True)
        super().__init__(codec, _dialect_of(engine), prefix=prefix, label=label)
        self._engine = engine

    def _prepare(self) -> None:
        """Tell MariaDB from MySQL (same URL scheme, different binary collations)."""
        if self._dialect.collation is None:
            return
        with self.translated(), self._engine.connect():
            mariadb = bool(getattr(self._engine.dialect, "is_mariadb", False))
        self._dialect = MARIADB if mariadb else MYSQL

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine in use."""
        return self._engine

    @contextmanager
    def translated(self) -> Iterator[None]:
        """Re-raise driver errors as clientflow errors."""
        try:
            yield
        except exc.IntegrityError as error:
            raise UniqueViolation(str(error.orig)) from error
        except exc.DBAPIError as error:
            if _code(error) in _RETRYABLE:
                raise TransactionConflict(self._label, _code(error)) from error
            raise StoreError(self._label, str(error.orig).strip()) from error
        except exc.SQLAlchemyError as error:
            raise StoreError(self._label, str(error)) from error

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[_Connection]:
        with self.translated(), self._engine.begin() as connection:
            yield _Connection(connection, self)

    def close(self) -> None:
        """Dispose of the connection pool."""
        self._engine.dispose()
