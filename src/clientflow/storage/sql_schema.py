"""The schema of a SQL store: its tables created, checked, migrated and dropped.

The tables are declared once (:mod:`~clientflow.storage.schema`); this part creates
them, records their version, refuses to work on another version and brings an older
one up to :data:`SCHEMA_VERSION`. The other parts' SQL is in their own modules
(:mod:`~clientflow.storage.sqlbase` for events and snapshots, ``sql_timers``,
``sql_outbox``, ``sql_readside``, ``sql_rules``).
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Callable, Sequence

from clientflow.core import Codec, StoreError
from clientflow.ports import EventRecord, RecordLog, SnapshotRecord
from clientflow.storage.kinded import Kinded
from clientflow.storage.schema import TABLES, column_sql, create_statements, table_named
from clientflow.storage.sqlparts import (
    _READ,
    SQLPart,
    UniqueViolation,
    _read_values,
    _str,
    _version,
)
from clientflow.storage.streams import row_of

__all__ = ["SCHEMA_VERSION", "SchemaSQL"]

SCHEMA_VERSION = 6
"""Version of the tables this release reads and writes (see :meth:`SQLStore.migrate`).

- 1: aggregates, events, feed counter, commands, cursors.
- 2: byte-exact ids on MariaDB/MySQL; timer failure counts; cursor leases and delivery
  retries; parked (dead-letter) events; the read side; rules revisions.
- 3: on PostgreSQL, feed positions come from transaction ids above the counter, which
  stops moving (no lock shared by every writer); the tables are unchanged.
- 4: parked events keep their aggregate and when to retry them.
- 5: on SQLite, an event's feed position is the events table's rowid (``INTEGER PRIMARY
  KEY``), the newest plus one, and the counter stops moving (one page fewer to write per
  command, and no index beside the table); elsewhere the tables are unchanged.
"""

_LOG = logging.getLogger("clientflow.storage")


class SchemaSQL(SQLPart):
    """The schema of a SQL store: created, checked, migrated and dropped."""

    _prefix: str
    _checked: bool

    @abstractmethod
    def _read_history(self, aggregate_id: str) -> Sequence[EventRecord]:
        """One aggregate's event records, unchecked by schema (a migration reads them)."""

    @abstractmethod
    def _repair_counter(self) -> int:
        """Move the feed counter up to the newest event; returns it."""

    def _tables(self, *names: str) -> list[str]:
        """CREATE statements of the current schema version (of every table, or these)."""
        d = self._dialect
        return [
            statement
            for declared in TABLES
            if not names or declared.name in names
            for statement in create_statements(
                declared,
                self._prefix,
                document=d.text,
                options=d.table_options,
                partial=d.partial_index,
                rowid=d.rowid_feed,
            )
        ]

    def create_schema(self, kinds: Callable[[], Codec] | None = None) -> None:
        """Create the tables if they do not exist (idempotent), and record the version.

        On a database with an older clientflow schema this migrates it (:meth:`migrate`),
        with the codec ``kinds`` gives (asked for only then) where a step reads snapshots.
        """
        self._prepare()
        t = self._t
        found = self.schema_version()
        if found is not None and found < SCHEMA_VERSION:
            self.migrate(None if kinds is None else kinds())
            return
        with self._transaction(write=True) as db:
            for statement in self._tables():
                db.run(statement)
            found = _version(db.run(f"SELECT value FROM {t['meta']} WHERE name = 'schema_version'"))
            if found is not None and found > SCHEMA_VERSION:
                raise StoreError(self._label, self._newer(found))
            if found is None:
                db.run(
                    f"INSERT INTO {t['meta']} (name, value) VALUES ('schema_version', :v)",
                    {"v": str(SCHEMA_VERSION)},
                )
            if not db.run(f"SELECT position FROM {t['head']} WHERE id = 1"):
                db.run(f"INSERT INTO {t['head']} (id, position) VALUES (1, 0)")
        self._checked = True

    def _prepare(self) -> None:
        """Hook for adapters that learn their dialect from the server (before DDL)."""

    def migrate(self, kinds: Codec | None = None) -> int:
        """Bring an older clientflow schema up to :data:`SCHEMA_VERSION`; returns it.

        Every aggregate, event, key and cursor is kept. Each step is safe to run again
        (MariaDB commits DDL statement by statement, so a migration cut short is resumed).
        A schema 1 store gets its read side from its snapshots, read with ``kinds`` (the
        workflow kinds of the rules it runs under): without them it is a ``StoreError``.
        """
        self._prepare()
        found = self.schema_version()
        if found is None:
            raise StoreError(self._label, "no clientflow schema here to migrate; create it first")
        if found > SCHEMA_VERSION:
            raise StoreError(self._label, self._newer(found))
        t, d = self._t, self._dialect
        if found < 2:
            if d.name == "sqlite":
                self._rebuild_sqlite_tables()
            self._add_columns("aggregates", ("failures", "last_error", *_READ))
            self._add_columns(
                "cursors", ("attempts", "retry_at", "last_error", "holder", "lease_until")
            )
            with self._transaction(write=True) as db:
                # new tables, and the read side's indexes on the aggregates table
                for statement in self._tables("parked", "rules", "aggregates"):
                    db.run(statement)
                if d.collation is not None:
                    # Binary, no-pad ids: "CR-1" and "cr-1", "Zoë" and "Zoe" become distinct.
                    for table in t.values():
                        db.run(
                            f"ALTER TABLE {table} CONVERT TO CHARACTER SET utf8mb4"
                            f" COLLATE {d.collation}"
                        )
            if kinds is None:  # schema 1 had no read side: its rows come from the snapshots
                raise StoreError(
                    self._label,
                    "schema version 1 has no read side, filled from the snapshots by their"
                    " workflow kinds: run `clientflow migrate --store URL`"
                    " (or store.migrate(kinds))",
                )
            records = self
            assert isinstance(records, RecordLog)  # the SQL store this part belongs to
            self._backfill_rows(Kinded(records, kinds))
            self._set_version(2)
        if found < 3:
            # The counter becomes the fixed base of PostgreSQL's positions: it must be at
            # or above every position written so far (a no-op unless it was damaged).
            self._repair_counter()
            self._set_version(3)
        if found < 4:
            # Events held per aggregate for a retry: which aggregate, and when.
            self._add_columns("parked", ("aggregate_id", "retry_at"))
            self._set_version(4)
        if found < 5:
            self._rowid_positions()
        if found < 6:
            self._refile(kinds)
        self._checked = True
        return SCHEMA_VERSION

    def _add_columns(self, name: str, columns: tuple[str, ...]) -> None:
        """Add the declared ``columns`` a table lacks (a step safe to run again)."""
        table = self._t[name]
        for column in table_named(name).columns:
            if column.name in columns and not self._has_column(table, column.name):
                with self._transaction(write=True) as db:
                    db.run(
                        f"ALTER TABLE {table} ADD COLUMN {column_sql(column, self._dialect.text)}"
                    )

    def _set_version(self, version: int) -> None:
        _LOG.info("%s: schema migrated to version %d", self._label, version)
        with self._transaction(write=True) as db:
            db.run(
                f"UPDATE {self._t['meta']} SET value = :v WHERE name = 'schema_version'",
                {"v": str(version)},
            )

    def _rebuild_sqlite_tables(self) -> None:
        """Re-create schema-1 tables as declared, keeping every row, in one transaction.

        Release 0.1 declared text primary keys without ``NOT NULL``, which SQLite then
        allows, and SQLite cannot alter a column: its documented way is a new table, a
        copy and a rename (https://sqlite.org/lang_altertable.html#otheralter).
        """
        t = self._t
        with self._transaction(write=True) as db:
            for declared in TABLES:
                old = t[declared.name]
                kept = [row[1] for row in db.run(f"PRAGMA table_info({old})")]
                if not kept:
                    continue  # a table schema 1 did not have
                db.run(f"ALTER TABLE {old} RENAME TO {old}_v1")
                db.run(self._tables(declared.name)[0])  # the table; its indexes come later
                columns = ", ".join(kept)
                db.run(f"INSERT INTO {old} ({columns}) SELECT {columns} FROM {old}_v1")
                db.run(f"DROP TABLE {old}_v1")

    def _rowid_positions(self) -> None:
        """Schema 5: on SQLite the events table re-created with its positions as the rowid.

        One transaction (the copy, the swap and the version together): a migration cut
        short leaves schema 4 as it was, and a second process migrating at the same time
        waits for the write lock, then finds the table done and only records the version
        (which may also be done: it is set, not incremented). Every event keeps its
        position, so cursors, parked events and outbox marks still name the same events.
        """
        if not self._dialect.rowid_feed:
            self._set_version(5)  # the tables are unchanged elsewhere
            return
        t = self._t
        events = t["events"]
        with self._transaction(write=True) as db:
            info = db.run(f"PRAGMA table_info({events})")
            columns = {row[1]: (str(row[2]).upper(), int(row[5])) for row in info}
            if columns.get("position") != ("INTEGER", 1):
                names = ", ".join(column.name for column in table_named("events").columns)
                db.run(f"ALTER TABLE {events} RENAME TO {events}_v4")
                db.run(self._tables("events")[0])
                try:
                    db.run(
                        f"INSERT INTO {events} ({names}) SELECT {names} FROM {events}_v4"
                        " ORDER BY position"
                    )
                except UniqueViolation as error:  # a rowid takes whole numbers only
                    raise StoreError(
                        self._label,
                        f"the events cannot be copied to schema {SCHEMA_VERSION} ({error}):"
                        f" every position must be a whole number; SELECT position FROM {events}"
                        " WHERE typeof(position) <> 'integer' shows the others; nothing was"
                        " changed",
                    ) from None
                db.run(f"DROP TABLE {events}_v4")
            db.run(
                f"UPDATE {t['meta']} SET value = :v WHERE name = 'schema_version'",
                {"v": "5"},
            )
        _LOG.info("%s: schema migrated to version %d", self._label, 5)

    def _refile(self, kinds: Codec | None) -> None:
        """Schema 6: each aggregate filed under the kind its first event belongs to.

        Releases before it filed every item of a rules file's ``[workflows.*]`` under the
        last one declared (their items shared one class). With ``kinds`` (those of the
        rules the store runs under: ``clientflow.open`` and ``clientflow migrate`` give
        them), a row whose first event is of another kind it knows is re-filed, in one
        transaction with the version; rows of kinds it does not know are left for
        ``clientflow check-store --fix``. Nothing else changes: the snapshots of those
        items are the same text under either kind.
        """
        t = self._t
        with self._transaction(write=True) as db:
            if kinds is not None:
                rows = db.run(
                    f"SELECT a.id, a.kind, e.type FROM {t['aggregates']} a"
                    f" JOIN {t['events']} e ON e.aggregate_id = a.id AND e.version = 1"
                )
                for aggregate_id, kind, event_type in rows:
                    own = kinds.event_kinds.get(str(event_type))
                    if own is not None and own != kind:
                        db.run(
                            f"UPDATE {t['aggregates']} SET kind = :kind WHERE id = :id",
                            {"kind": own, "id": aggregate_id},
                        )
            db.run(
                f"UPDATE {t['meta']} SET value = :v WHERE name = 'schema_version'",
                {"v": "6"},
            )
        _LOG.info("%s: schema migrated to version %d", self._label, 6)

    def _backfill_rows(self, kinded: Kinded, batch: int = 500) -> None:
        """Fill the read side of every aggregate from its snapshot (schema 1 had none)."""
        t = self._t
        after = ""
        while True:
            with self._transaction(write=False, single=True) as db:
                found = db.run(
                    f"SELECT id, kind, snapshot FROM {t['aggregates']} WHERE id > :after"
                    " ORDER BY id LIMIT :limit",
                    {"after": after, "limit": batch},
                )
            if not found:
                return
            updates = []
            for aggregate_id, kind, snapshot in found:
                aggregate = kinded.aggregate(SnapshotRecord(aggregate_id, kind, 0, _str(snapshot)))
                last = [kinded.event(e) for e in self._read_history(aggregate_id)[-1:]]
                updates.append(
                    {
                        "id": aggregate_id,
                        **_read_values(row_of(kinded.codec, aggregate, last, None)),
                    }
                )
            with self._transaction(write=True) as db:
                db.run_many(
                    f"UPDATE {t['aggregates']} SET "
                    + ", ".join(f"{name} = :{name}" for name in _READ)
                    + " WHERE id = :id",
                    updates,
                )
            after = str(found[-1][0])

    def _has_column(self, table: str, column: str) -> bool:
        try:
            with self._transaction(write=False, single=True) as db:
                db.run(f"SELECT {column} FROM {table} WHERE 1 = 0")
        except StoreError:
            return False
        return True

    def drop_schema(self) -> None:
        """Drop every table of this store (all data is lost)."""
        with self._transaction(write=True) as db:
            for table in self._t.values():
                db.run(f"DROP TABLE IF EXISTS {table}")
        self._checked = False

    def schema_version(self) -> int | None:
        """The version recorded in the database, or ``None`` if there is no schema."""
        try:
            with self._transaction(write=False, single=True) as db:
                rows = db.run(f"SELECT value FROM {self._t['meta']} WHERE name = 'schema_version'")
        except StoreError:
            # No meta table means no schema, but only if the server answers at all:
            # an unreachable server must say so, not "no clientflow schema here".
            with self._transaction(write=False, single=True) as db:
                db.run("SELECT 1")
            return None
        return _version(rows)

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
        if found < SCHEMA_VERSION:
            raise StoreError(
                self._label,
                f"schema version {found} is older than this release's {SCHEMA_VERSION};"
                " run `clientflow migrate --store URL` (or store.migrate()) first",
            )
        self._checked = True
