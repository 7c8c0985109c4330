"""clientflow's tables, declared once: the DDL of every SQL store and SQLAlchemy metadata.

The SQLite store runs on the standard library, so the declaration is plain data; the
SQL stores render their ``CREATE`` statements from it (:func:`create_statements`), and
:func:`clientflow.storage.sql.metadata` turns the same declaration into SQLAlchemy
``Table`` objects a host adds to its own Alembic migrations.
"""

from __future__ import annotations

from typing import Literal

import attrs

__all__ = [
    "TABLES",
    "Column",
    "Index",
    "Table",
    "column_sql",
    "create_statements",
    "read_columns",
    "sql_type",
    "table_named",
]

ColumnType = Literal["id", "name", "short", "int", "bigint", "text", "document"]
"""Column types: ``id`` (255 chars), ``name`` (100), ``short`` (64), ``int``, ``bigint``,
``text`` (an error message) and ``document`` (JSON text of any length)."""

_LENGTHS = {"id": 255, "name": 100, "short": 64}


@attrs.frozen
class Column:
    """One column: a name, a type, whether it may be empty and its default."""

    name: str
    type: ColumnType
    nullable: bool = True
    default: str | None = None  # an SQL literal: "0", "''"


@attrs.frozen
class Index:
    """A secondary index on ``columns``; ``partial`` keeps only rows where the first
    column is not null (on databases with partial indexes)."""  # noqa: D205, D209

    suffix: str
    columns: tuple[str, ...]
    partial: bool = False


@attrs.frozen
class Table:
    """A table named ``<prefix><name>``."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    unique: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (constraint suffix, columns)
    indexes: tuple[Index, ...] = ()
    # Whether the single ``bigint`` primary key is declared ``INTEGER`` where asked
    # (SQLite): the rowid itself, with no index beside the table (one page fewer a row).
    rowid: bool = False


def _not_null(name: str, kind: ColumnType, default: str | None = None) -> Column:
    return Column(name, kind, nullable=False, default=default)


_READ_SIDE = (
    _not_null("client", "id", "''"),
    _not_null("project", "id", "''"),
    _not_null("owner", "id", "''"),
    _not_null("status", "short", "''"),
    _not_null("priority", "short", "''"),
    Column("opened_at", "bigint"),
    Column("closed_at", "bigint"),
    Column("updated_at", "bigint"),
)

TABLES = (
    Table("meta", (_not_null("name", "name"), _not_null("value", "id")), ("name",)),
    Table(
        "aggregates",
        (
            _not_null("id", "id"),
            _not_null("kind", "name"),
            _not_null("version", "int"),
            _not_null("snapshot", "document"),
            Column("deadline", "bigint"),
            Column("claimed_until", "bigint"),
            _not_null("failures", "int", "0"),
            Column("last_error", "text"),
            *_READ_SIDE,
        ),
        ("id",),
        indexes=(
            Index("deadline", ("deadline",), partial=True),
            Index("owner", ("owner", "id")),
            Index("client", ("client", "id")),
            Index("kind", ("kind", "id")),
        ),
    ),
    Table(
        "events",
        (
            _not_null("position", "bigint"),
            _not_null("aggregate_id", "id"),
            _not_null("version", "int"),
            _not_null("type", "name"),
            _not_null("payload", "document"),
        ),
        ("position",),
        unique=(("stream", ("aggregate_id", "version")),),
        rowid=True,
    ),
    Table("head", (_not_null("id", "int"), _not_null("position", "bigint")), ("id",)),
    Table(
        "commands",
        (
            _not_null("command_key", "id"),
            _not_null("aggregate_id", "id"),
            _not_null("version", "int"),
        ),
        ("command_key",),
    ),
    Table(
        "cursors",
        (
            _not_null("name", "id"),
            _not_null("position", "bigint"),
            _not_null("attempts", "int", "0"),
            Column("retry_at", "bigint"),
            Column("last_error", "text"),
            Column("holder", "short"),
            Column("lease_until", "bigint"),
        ),
        ("name",),
    ),
    Table(
        "parked",
        (
            _not_null("consumer", "id"),
            _not_null("position", "bigint"),
            _not_null("event_id", "id"),
            _not_null("attempts", "int"),
            _not_null("error", "text"),
            _not_null("parked_at", "bigint"),
            Column("aggregate_id", "id"),
            Column("retry_at", "bigint"),
        ),
        ("consumer", "position"),
    ),
    Table(
        "rules",
        (
            _not_null("revision", "int"),
            _not_null("fingerprint", "short"),
            _not_null("source", "document"),
            _not_null("applied_at", "bigint"),
        ),
        ("revision",),
    ),
)
"""Every table of the current schema version, in creation order."""


def table_named(name: str) -> Table:
    """The declaration of one table, by its unprefixed name."""
    return next(found for found in TABLES if found.name == name)


def read_columns() -> tuple[Column, ...]:
    """The read-side columns of the aggregates table (written with every save)."""
    return _READ_SIDE


def sql_type(column: Column, document: str) -> str:
    """The column's SQL type; ``document`` is the dialect's type for long JSON text."""
    if column.type in _LENGTHS:
        return f"VARCHAR({_LENGTHS[column.type]})"
    return {"int": "INTEGER", "bigint": "BIGINT", "text": "TEXT", "document": document}[column.type]


def column_sql(column: Column, document: str) -> str:
    """``name TYPE [NOT NULL] [DEFAULT x]``, as in ``CREATE`` and ``ALTER TABLE ADD``."""
    parts = [column.name, sql_type(column, document)]
    if not column.nullable:
        parts.append("NOT NULL")
    if column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    return " ".join(parts)


def create_statements(
    declared: Table,
    prefix: str,
    *,
    document: str,
    options: str = "",
    partial: bool = True,
    rowid: bool = False,
) -> list[str]:
    """``CREATE TABLE`` (and ``CREATE INDEX``) statements, each ``IF NOT EXISTS``.

    ``rowid``: a table declared with ``rowid`` gets its key as SQLite's ``INTEGER``
    primary key, an alias of the rowid (only that exact type name is one).
    """
    name = f"{prefix}{declared.name}"
    parts = [
        column_sql(attrs.evolve(column, type="int"), document)
        if rowid and declared.rowid and declared.primary_key == (column.name,)
        else column_sql(column, document)
        for column in declared.columns
    ]
    parts.append(f"PRIMARY KEY ({', '.join(declared.primary_key)})")
    parts.extend(
        f"CONSTRAINT {name}_{suffix} UNIQUE ({', '.join(columns)})"
        for suffix, columns in declared.unique
    )
    statements = [f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(parts)}){options}"]
    for index in declared.indexes:
        where = f" WHERE {index.columns[0]} IS NOT NULL" if index.partial and partial else ""
        statements.append(
            f"CREATE INDEX IF NOT EXISTS {name}_{index.suffix}"
            f" ON {name} ({', '.join(index.columns)}){where}"
        )
    return statements
