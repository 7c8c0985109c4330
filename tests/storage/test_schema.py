"""The declared tables are the tables the stores create and migrate to, on every database.

A host that adds :func:`clientflow.storage.sql.metadata` to its Alembic migrations gets
no spurious "drop/add" from autogenerate only if the declaration and the database agree:
Alembic's own comparison must find nothing, after a fresh create and after migrating a
version-1 database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from clientflow.storage import SCHEMA_VERSION, SQLiteStore
from clientflow.storage.schema import TABLES, create_statements, table_named
from clientflow.storage.sql import SQLAlchemyStore, metadata
from clientflow.storage.sqlbase import SQLStore
from clientflow.testing import sample_codec
from clientflow.testing.contract import _schema_v1
from tests.storage.servers import (
    MARIADB_URL,
    POSTGRES_URL,
    fresh_prefix,
    require_server,
)

DATABASES = ["sqlite", "postgresql", "mariadb"]


@pytest.fixture(params=DATABASES)
def opened(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[SQLStore, sa.Engine]]:
    """A store of the given database (no tables yet) and an engine on the same database."""
    prefix = fresh_prefix()
    if request.param == "sqlite":
        path = tmp_path / "schema.db"
        store: SQLStore = SQLiteStore(path, prefix=prefix)
        engine = sa.create_engine(f"sqlite:///{path}")
    else:
        url = POSTGRES_URL if request.param == "postgresql" else MARIADB_URL
        require_server(url)
        store = SQLAlchemyStore(url, prefix=prefix)
        engine = store.engine
    yield store, engine
    store.drop_schema()
    store.close()
    engine.dispose()


def _differences(store: SQLStore, engine: sa.Engine) -> list[object]:
    prefix = store._prefix
    ours = {f"{prefix}{declared.name}" for declared in TABLES}
    mariadb = store._dialect.collation or ""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                # other tests share the database: look at this store's tables only
                "include_name": lambda name, kind, parent: kind != "table" or name in ours,
            },
        )
        return list(compare_metadata(context, metadata(prefix, collation=mariadb)))


def test_a_new_store_has_exactly_the_declared_tables(
    opened: tuple[SQLStore, sa.Engine],
) -> None:
    store, engine = opened
    store.create_schema()
    assert _differences(store, engine) == []


def test_a_migrated_version_1_store_has_exactly_the_declared_tables(
    opened: tuple[SQLStore, sa.Engine],
) -> None:
    store, engine = opened
    with store._transaction(write=True) as db:
        for statement in _schema_v1(store._t, store._dialect.name):
            db.run(statement)
        db.run(f"INSERT INTO {store._t['meta']} VALUES ('schema_version', '1')")
        db.run(f"INSERT INTO {store._t['head']} VALUES (1, 0)")
    store.migrate(sample_codec())
    assert _differences(store, engine) == []


def test_a_changed_declaration_is_noticed(opened: tuple[SQLStore, sa.Engine]) -> None:
    """The comparison above can fail: a column the database lacks is reported."""
    store, engine = opened
    store.create_schema()
    with store._transaction(write=True) as db:
        db.run(f"ALTER TABLE {store._t['cursors']} DROP COLUMN holder")
    found = _differences(store, engine)
    assert [(d[0], d[3].name) for d in found] == [("add_column", "holder")]  # type: ignore[index]


def test_a_migrated_version_4_store_has_exactly_the_declared_tables(
    opened: tuple[SQLStore, sa.Engine],
) -> None:
    """Schema 5 re-creates SQLite's events table (positions become the rowid) and only
    records the version elsewhere; either way the tables are the declared ones after."""
    store, engine = opened
    store.create_schema()
    events = store._t["events"]
    with store._transaction(write=True) as db:
        db.run(f"INSERT INTO {events} VALUES (7, 'CR-1', 1, 'ChangeRequested', '{{}}')")
        if store._dialect.rowid_feed:  # back to the table release 4 declared
            db.run(f"ALTER TABLE {events} RENAME TO {events}_new")
            db.run(create_statements(table_named("events"), store._prefix, document="TEXT")[0])
            db.run(f"INSERT INTO {events} SELECT * FROM {events}_new")
            db.run(f"DROP TABLE {events}_new")
        db.run(f"UPDATE {store._t['meta']} SET value = '4' WHERE name = 'schema_version'")
    assert store.migrate() == SCHEMA_VERSION == 6
    assert _differences(store, engine) == []
    assert [(r.position, r.record.aggregate_id) for r in store.read_feed()] == [(7, "CR-1")]
