"""The store logic shared by every SQL database, written once over a tiny executor.

Adapters (:mod:`~clientflow.storage.sqlite` on the standard library, and
:mod:`~clientflow.storage.sql` on SQLAlchemy for PostgreSQL and MariaDB/MySQL) only open
transactions and translate their driver's errors. The SQL of events and snapshots (the
:class:`~clientflow.ports.RecordLog`) and the concurrency rules live here; each other
concern's in its own part: the schema and its migrations in ``sql_schema``, timers in
``sql_timers``, the feed's consumers in ``sql_outbox``, the read side in
``sql_readside`` and rules revisions in ``sql_rules``.

Concurrency, in SQL terms:

- optimistic concurrency is a primary key on the aggregate id plus a version-checked
  ``UPDATE`` (and a unique key on ``(aggregate_id, version)`` for events);
- feed positions come from a one-row counter locked in the saving transaction, so
  positions are handed out in commit order and readers never see a gap (on SQLite, the
  single writer's rowid does the same; on PostgreSQL, transaction ids);
- sweepers claim due rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` where the database
  has it (SQLite has a single writer and needs none) and a lease column.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager

import pendulum

from clientflow.core import (
    AlreadyExists,
    ConcurrencyError,
    CorruptData,
    DuplicateCommand,
    RulesChanged,
    ValidationError,
    from_micros,
    to_micros,
)
from clientflow.ports import EventRecord, RecordCommit, SnapshotRecord
from clientflow.storage.schema import TABLES
from clientflow.storage.sql_outbox import OutboxSQL
from clientflow.storage.sql_readside import ReadSideSQL
from clientflow.storage.sql_rules import RulesSQL
from clientflow.storage.sql_schema import SCHEMA_VERSION, SchemaSQL
from clientflow.storage.sql_timers import TimersSQL
from clientflow.storage.sqlparts import (
    _READ,
    _READ_NAMES,
    _READ_PARAMS,
    MARIADB,
    MYSQL,
    POSTGRESQL,
    SQLITE,
    Dialect,
    Executor,
    Row,
    SQLPart,
    UniqueViolation,
    _str,
)
from clientflow.storage.streams import check_order, checked_history, stale_snapshot

__all__ = [
    "MARIADB",
    "MYSQL",
    "POSTGRESQL",
    "SCHEMA_VERSION",
    "SQLITE",
    "Dialect",
    "SQLStore",
    "UniqueViolation",
]

# PostgreSQL feed positions: transaction id << 20 plus the event's place in it.
_TRANSACTION_BITS = 20
_PER_TRANSACTION = (1 << _TRANSACTION_BITS) - 1

_Dumped = tuple[EventRecord, tuple[str, str]]  # an event and its (type, payload) row

# The columns an import writes to the aggregates table, in the order ``_imported``
# gives their values (positional: SQLite binds them ~1 us faster a row).
_IMPORTED = (
    "id",
    "kind",
    "version",
    "snapshot",
    "deadline",
    "client",
    "project",
    "owner",
    "status",
    "priority",
    "opened_at",
    "closed_at",
    "updated_at",
)
if set(_IMPORTED) != {"id", "kind", "version", "snapshot", "deadline", *_READ}:
    raise RuntimeError(f"an import writes {_IMPORTED}, the read side has {_READ}")


def _imported(commit: RecordCommit) -> tuple[tuple[object, ...], list[tuple[object, ...]]]:
    """The aggregates row (``_IMPORTED``'s columns) and the events' rows (aggregate id,
    version, type, payload) of a commit creating its aggregate: ``_prepared``'s values,
    as tuples straight away (an import writes every row of a table in one statement)."""  # noqa: D205, D209
    snapshot, described, given = commit.snapshot, commit.row, commit.events
    last = None
    if given:
        at = given[-1].occurred_at
        last = None if at is None else to_micros(at)
    opened, deadline = described.opened_at, described.next_deadline
    row = (
        snapshot.id,
        snapshot.kind,
        snapshot.version,
        snapshot.snapshot,
        None if deadline is None else to_micros(deadline),
        described.client,
        described.project,
        described.owner,
        described.status,
        described.priority,
        None if opened is None else to_micros(opened),
        last if commit.closed else None,
        last,
    )
    return row, [(e.aggregate_id, e.version, e.type, e.payload) for e in given]


_PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


class SQLStore(SchemaSQL, TimersSQL, OutboxSQL, ReadSideSQL, RulesSQL, SQLPart):
    """A store on any SQL database; subclasses supply transactions and error translation.

    It keeps neutral records (:class:`~clientflow.ports.RecordLog`): snapshot and event
    texts, never decoded here; it knows no workflow kinds.
    """

    _kind_beside_narrower = "kind"
    """How a query names ``kind`` when it also gives a client or owner: a planner without
    statistics (SQLite) may otherwise pick the kind index and scan every aggregate of
    that kind; SQLite spells "not through an index" ``+kind``."""

    # Whether an update first tries leaving the indexed columns alone (see _update_sql):
    # worth it where rewriting index entries costs more than a missed attempt (SQLite).
    _narrow_update = False

    def __init__(self, dialect: Dialect, *, prefix: str, label: str) -> None:
        if not isinstance(prefix, str) or not _PREFIX.match(prefix):
            raise ValidationError(
                "prefix", "lower-case letters, digits and _ (starting with a letter)", got=prefix
            )
        self._dialect = dialect
        self._label = label
        self._checked = False
        self._prefix = prefix
        self._t = {declared.name: f"{prefix}{declared.name}" for declared in TABLES}
        # The statements of a save, built once (see _built): a command's are the same text.
        self._statements_built: dict[str, str] = {}

    # -- what adapters provide ----------------------------------------------------------

    @abstractmethod
    def _transaction(self, write: bool, single: bool = False) -> AbstractContextManager[Executor]:
        """Open a transaction; translate driver errors (``UniqueViolation``, ``StoreError``).

        ``single`` promises one statement, which the adapter may run without ``BEGIN`` and
        ``COMMIT`` (a statement is atomic on its own): two round trips fewer.
        """

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    # -- schema ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._label})"

    # -- the Store port -------------------------------------------------------------------

    def read(self, aggregate_id: str) -> SnapshotRecord | None:
        """The current snapshot, or ``None``."""
        self._check()
        read = self._built(
            "load",
            lambda: f"SELECT kind, version, snapshot FROM {self._t['aggregates']} WHERE id = :id",
        )
        with self._transaction(write=False, single=True) as db:
            rows = db.run(read, {"id": aggregate_id})
        if not rows:
            return None
        kind, version, text = rows[0]
        return SnapshotRecord(
            aggregate_id, kind, int(version), text if type(text) is str else bytes(text).decode()
        )

    def read_many(self, aggregate_ids: Sequence[str]) -> Mapping[str, SnapshotRecord]:
        """The current snapshots with these ids, 500 per query, in one transaction."""
        self._check()
        found: dict[str, SnapshotRecord] = {}
        ids = list(dict.fromkeys(aggregate_ids))
        with self._transaction(write=False) as db:
            select = (
                f"SELECT id, kind, version, snapshot FROM {self._t['aggregates']}"
                " WHERE id IN (:ids)"
            )
            for aggregate_id, kind, version, snapshot in _rows_in(db, select, ids):
                found[aggregate_id] = _snapshot(aggregate_id, kind, version, snapshot)
        return found

    def write(self, commits: Sequence[RecordCommit]) -> None:
        """Write the commits in one transaction: all or nothing."""
        self._check()
        if not commits or commits[1:]:  # (no len(): a command's save counts its calls)
            prepared = [(commit, *self._prepared(commit)) for commit in commits]
            self._saving(commits, lambda: self._save_in_steps(prepared))
            return
        commit = commits[0]
        row, events = self._prepared(commit)
        # One statement on PostgreSQL; a create that must check the rules revision takes
        # the steps (an INSERT ... VALUES cannot carry the condition).
        one = self._dialect.concurrent_feed and not (
            commit.rules_revision is not None and commit.expected_version == 0
        )
        self._saving(
            commits,
            lambda: (
                self._save_in_one_statement(commit, row, events)
                if one
                else self._save_in_steps(((commit, row, events),))
            ),
        )

    def _prepared(self, commit: RecordCommit) -> tuple[dict[str, object], list[_Dumped]]:
        """The aggregate's row (snapshot and read side) and the events' rows of a commit.

        The read side's values are the commit's row for a row not closed before (the
        UPDATE keeps an earlier ``closed_at``), written straight into the row.
        """
        snapshot, described = commit.snapshot, commit.row
        given = commit.events
        first = last = None
        if given:
            at = given[0].occurred_at
            first = last = None if at is None else to_micros(at)
            if len(given) > 1:
                at = given[-1].occurred_at
                last = None if at is None else to_micros(at)
        opened = described.opened_at
        deadline = described.next_deadline
        row = {
            "id": snapshot.id,
            "kind": snapshot.kind,
            "version": snapshot.version,
            "snapshot": snapshot.snapshot,
            "deadline": None if deadline is None else to_micros(deadline),
            "expected": commit.expected_version,
            "client": described.client,
            "project": described.project,
            "owner": described.owner,
            "status": described.status,
            "priority": described.priority,
            "opened_at": None if opened is None else to_micros(opened),
            "closed_at": last if commit.closed else None,
            "updated_at": last,
            "closed": 1 if commit.closed else 0,
            "first_at": first,
        }
        events = [(event, (event.type, event.payload)) for event in given]
        return row, events

    def _saving(self, commits: Sequence[RecordCommit], write: Callable[[], None]) -> None:
        """Run ``write`` and turn what went wrong into the error of the commit it hit."""
        try:
            write()
        except _Exists as found:
            aggregate_id = commits[found.index].id
            raise AlreadyExists(aggregate_id, actual=self._version_of(aggregate_id)) from None
        except _Stale as found:
            commit = commits[found.index]
            aggregate_id = commit.id
            current, last = self._version_and_time(aggregate_id)
            if current == commit.expected_version:
                check_order(aggregate_id, last, commit.events)  # the only other reason
            raise ConcurrencyError(
                aggregate_id, expected=commit.expected_version, actual=current
            ) from None
        except _Duplicate as found:
            key = commits[found.index].idempotency_key or ""
            recalled = self.recall(key)
            assert recalled is not None
            raise DuplicateCommand(key, *recalled) from None
        except UniqueViolation:
            for commit in commits:
                given = commit.idempotency_key
                recalled = None if given is None else self.recall(given)
                if recalled is not None:
                    raise DuplicateCommand(given or "", *recalled) from None
            self._check_head()
            for commit in commits:
                self._check_snapshot(commit)
            # Two writers raced to the same event version past the version check.
            aggregate_id = commits[0].id
            raise ConcurrencyError(
                aggregate_id,
                expected=commits[0].expected_version,
                actual=self._version_of(aggregate_id),
            ) from None

    def _check_snapshot(self, commit: RecordCommit) -> None:
        """Raise if the commit's aggregate has events past its stored snapshot."""
        aggregate_id = commit.id
        with self._transaction(write=False, single=True) as db:
            rows = db.run(
                f"SELECT MAX(version) FROM {self._t['events']} WHERE aggregate_id = :id",
                {"id": aggregate_id},
            )
        last = int(rows[0][0]) if rows and rows[0][0] is not None else 0
        snapshot = self._version_of(aggregate_id)
        if snapshot == commit.expected_version and last > snapshot:
            raise stale_snapshot(self._label, aggregate_id, snapshot, last) from None

    def _built(self, name: str, build: Callable[[], str]) -> str:
        """The statement called ``name``, built by ``build`` the first time only."""
        found = self._statements_built.get(name)
        if found is None:
            if len(self._statements_built) >= 512:  # commits of many sizes: stay bounded
                self._statements_built.clear()
            found = self._statements_built[name] = build()
        return found

    def _insert_sql(self) -> str:
        return self._built("insert", self._build_insert)

    def _build_insert(self) -> str:
        return (
            f"INSERT INTO {self._t['aggregates']} (id, kind, version, snapshot, deadline,"
            f" {_READ_NAMES}) VALUES (:id, :kind, :version, :snapshot, :deadline, {_READ_PARAMS})"
        )

    def _update_sql(self, *, narrow: bool = False) -> str:
        """Write the new state if the stored version is the expected one and time runs on.

        ``narrow``: only where the indexed columns (deadline, client, owner; the kind
        never changes) already hold the new values, which are then left out of SET.
        """
        if narrow:
            return self._built("update narrow", lambda: self._build_update(narrow=True))
        return self._built("update", lambda: self._build_update(narrow=False))

    def _build_update(self, *, narrow: bool) -> str:
        indexed = (
            " AND deadline IS :deadline AND client = :client AND owner = :owner" if narrow else ""
        )
        return (
            f"UPDATE {self._t['aggregates']} SET version = :version, snapshot = :snapshot,"
            + ("" if narrow else " deadline = :deadline,")
            + " claimed_until = NULL, failures = 0, last_error = NULL,"
            + ("" if narrow else " client = :client, owner = :owner,")
            + " project = :project, status = :status, priority = :priority,"
            " opened_at = :opened_at, closed_at = CASE WHEN :closed = 1"
            " THEN COALESCE(closed_at, :closed_at) ELSE NULL END,"
            " updated_at = COALESCE(:updated_at, updated_at)"
            " WHERE id = :id AND version = :expected"
            " AND (updated_at IS NULL OR :first_at IS NULL OR updated_at <= :first_at)" + indexed
        )

    def _update_row(self, db: Executor, row: Mapping[str, object]) -> bool:
        """Update an aggregate's row at its expected version; whether it was there."""
        if self._narrow_update:
            # The indexed columns seldom change: try without setting them (a column in
            # SET rewrites its index entries even when its value is the same), then, if
            # the row did not match, as before.
            db.run(self._update_sql(narrow=True), row)
            if db.changed() == 1:
                return True
        db.run(self._update_sql(), row)
        return db.changed() == 1

    def _save_in_steps(
        self, commits: Sequence[tuple[RecordCommit, dict[str, object], list[_Dumped]]]
    ) -> None:
        """Aggregate rows, events under the locked counter, idempotency keys: one transaction."""
        with self._transaction(write=True) as db:
            revisions = {c.rules_revision for c, _, _ in commits} - {None}
            if revisions:
                found = db.run(f"SELECT MAX(revision) FROM {self._t['rules']}")
                current = None if found[0][0] is None else int(found[0][0])
                for expected in revisions:
                    if expected != (current or 0):
                        raise RulesChanged(expected=int(expected or 0), actual=current)
            for index, (commit, row, _) in enumerate(commits):
                if commit.expected_version == 0:
                    try:
                        db.run(self._insert_sql(), row)
                    except UniqueViolation:
                        raise _Exists(index) from None
                elif not self._update_row(db, row):
                    raise _Stale(index)
            self._append(db, [event for _, _, events in commits for event in events])
            for index, (commit, row, _) in enumerate(commits):
                if commit.idempotency_key is not None:
                    try:
                        db.run(
                            f"INSERT INTO {self._t['commands']} (command_key, aggregate_id,"
                            " version) VALUES (:key, :id, :version)",
                            {
                                "key": commit.idempotency_key,
                                "id": row["id"],
                                "version": row["version"],
                            },
                        )
                    except UniqueViolation:
                        raise _Duplicate(index) from None

    def _save_in_one_statement(
        self, commit: RecordCommit, row: dict[str, object], events: Sequence[_Dumped]
    ) -> None:
        """The whole commit as one statement (one round trip, atomic on its own).

        The aggregate row is written only at the expected version (or only if new); the
        events and the idempotency key are written only if it was. A reused key breaks
        its primary key and the statement writes nothing.
        """
        params = dict(row)
        if commit.rules_revision is not None:
            params["rules_revision"] = commit.rules_revision
        for n, (event, (name, payload)) in enumerate(events):
            params[f"o{n}"] = n + 1
            params[f"v{n}"] = event.version
            params[f"t{n}"] = name
            params[f"p{n}"] = payload
        if commit.idempotency_key is not None:
            params["key"] = commit.idempotency_key
        shape = (
            commit.expected_version == 0,
            commit.rules_revision is not None,
            len(events),
            commit.idempotency_key is not None,
        )
        statement = self._built(f"one statement {shape}", lambda: self._one_statement(*shape))
        with self._transaction(write=True, single=True) as db:
            found = db.run(statement, params)
        if int(found[0][0]) != 1:
            if commit.rules_revision is not None:
                current = self.rules_revision()
                if current is None or current.number != commit.rules_revision:
                    number = None if current is None else current.number
                    raise RulesChanged(expected=commit.rules_revision, actual=number)
            raise _Exists(0) if commit.expected_version == 0 else _Stale(0)

    def _one_statement(self, new: bool, revision: bool, events: int, key: bool) -> str:
        """The statement of :meth:`_save_in_one_statement` for a commit of this shape."""
        t = self._t
        saved = self._insert_sql() + " ON CONFLICT (id) DO NOTHING" if new else self._update_sql()
        if revision:  # an update, here: see save()
            saved += f" AND (SELECT MAX(revision) FROM {t['rules']}) = :rules_revision"
        parts = [f"saved AS ({saved} RETURNING id)"]
        if events:
            values = ", ".join(
                f"(CAST(:o{n} AS BIGINT), CAST(:v{n} AS INTEGER), CAST(:t{n} AS VARCHAR),"
                f" CAST(:p{n} AS TEXT))"
                for n in range(events)
            )
            parts.append(
                f"written AS (INSERT INTO {t['events']} (position, aggregate_id, version, type,"
                f" payload) SELECT {self._next_positions()} + e.o, :id, e.v, e.t, e.p"
                f" FROM (VALUES {values}) AS e (o, v, t, p) WHERE EXISTS (SELECT 1 FROM saved))"
            )
        if key:
            parts.append(
                f"kept AS (INSERT INTO {t['commands']} (command_key, aggregate_id, version)"
                " SELECT :key, id, :version FROM saved)"
            )
        return f"WITH {', '.join(parts)} SELECT COUNT(*) FROM saved"

    def _next_positions(self) -> str:
        """Where this transaction's events go in the feed: an SQL expression (PostgreSQL).

        The transaction's id, shifted past room for ``_PER_TRANSACTION`` events, above
        the counter's last position (frozen when the store moved to schema 3). Readers
        stop below the oldest transaction still running (:meth:`_feed_horizon`), and
        every transaction that commits later has an id at least that old, so a reader
        never passes an event that appears later below its cursor.
        """
        return (
            f"((SELECT position FROM {self._t['head']} WHERE id = 1)"
            f" + (pg_current_xact_id()::text::bigint << {_TRANSACTION_BITS}))"
        )

    def _feed_horizon(self) -> str:
        """The condition on ``position`` that keeps a reader to final positions.

        On PostgreSQL, positions below the oldest running transaction's are final: no
        transaction can still write one. Elsewhere the locked counter makes every
        committed position final, and there is no condition.
        """
        if not self._dialect.concurrent_feed:
            return ""
        return (
            f" AND position < ((SELECT position FROM {self._t['head']} WHERE id = 1)"
            f" + (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << {_TRANSACTION_BITS}))"
        )

    def _append(self, db: Executor, events: Sequence[_Dumped]) -> None:
        t = self._t
        if self._dialect.concurrent_feed:
            if len(events) > _PER_TRANSACTION:
                raise ValidationError(
                    "events", f"at most {_PER_TRANSACTION:,} events per import", got=len(events)
                )
            if events:
                db.run_many(
                    f"INSERT INTO {t['events']} (position, aggregate_id, version, type, payload)"
                    f" VALUES ({self._next_positions()} + :offset, :aggregate_id, :version,"
                    " :type, :payload)",
                    [
                        {
                            "offset": offset,
                            "aggregate_id": event.aggregate_id,
                            "version": event.version,
                            "type": name,
                            "payload": payload,
                        }
                        for offset, (event, (name, payload)) in enumerate(events, 1)
                    ],
                )
            return
        if not events:
            return
        if self._dialect.rowid_feed:
            self._append_rowid(db, events)
            return
        # Move the counter first: its row stays locked until commit, so positions follow
        # commit order (and, locked for writing at once, two writers never deadlock
        # upgrading a read lock). Each event then takes its place below the new value,
        # read by the INSERT itself: two statements, whatever the number of events.
        count = len(events)
        db.run(
            self._built(
                "move head", lambda: f"UPDATE {t['head']} SET position = position + :n WHERE id = 1"
            ),
            {"n": count},
        )
        insert = self._built(
            "events",
            lambda: (
                f"INSERT INTO {t['events']} (position, aggregate_id, version, type, payload)"
                " SELECT position - :back, :aggregate_id, :version, :type, :payload"
                f" FROM {t['head']} WHERE id = 1"
            ),
        )
        rows = [
            {
                "back": count - offset,
                "aggregate_id": event.aggregate_id,
                "version": event.version,
                "type": name,
                "payload": payload,
            }
            for offset, (event, (name, payload)) in enumerate(events, 1)
        ]
        if count == 1:  # most commands: executemany's set-up costs more than one run
            db.run(insert, rows[0])
        else:
            db.run_many(insert, rows)

    def _append_rowid(self, db: Executor, events: Sequence[_Dumped]) -> None:
        """SQLite (schema 5): each event's position is its rowid, the newest plus one.

        The write lock is held from ``BEGIN IMMEDIATE`` to ``COMMIT``, so positions
        follow commit order as under a counter. Events are never deleted, so the newest
        plus one is never a position handed out before (``AUTOINCREMENT`` would promise
        that even after a delete, at the price of the counter row this replaces: it
        updates ``sqlite_sequence`` with every insert).
        """
        insert = self._built(
            "events by rowid",
            lambda: (
                f"INSERT INTO {self._t['events']} (aggregate_id, version, type, payload)"
                " VALUES (:aggregate_id, :version, :type, :payload)"
            ),
        )
        rows = [
            {
                "aggregate_id": event.aggregate_id,
                "version": event.version,
                "type": name,
                "payload": payload,
            }
            for event, (name, payload) in events
        ]
        if len(rows) == 1:  # most commands: executemany's set-up costs more than one run
            db.run(insert, rows[0])
        else:
            db.run_many(insert, rows)

    def _check_head(self) -> None:
        """``CorruptData`` if the feed counter is behind the newest event."""
        if self._dialect.concurrent_feed or self._dialect.rowid_feed:
            return  # the counter is a fixed base (PostgreSQL) or unused (SQLite)
        t = self._t
        with self._transaction(write=False) as db:
            head = int(db.run(f"SELECT position FROM {t['head']} WHERE id = 1")[0][0])
            newest = db.run(f"SELECT MAX(position) FROM {t['events']}")[0][0]
        if newest is not None and int(newest) > head:
            raise CorruptData(
                self._label,
                f"the feed counter ({head}) is behind the newest event ({int(newest)}), so"
                " no event can be written; the database was edited or partly restored:"
                " run `clientflow repair --store URL` (store.repair_feed_counter())",
            )

    @property
    def feed_counter(self) -> bool:
        """Whether feed positions come from a counter row a partial restore can leave
        behind the events (MariaDB/MySQL); SQLite's are the events' rowids and
        PostgreSQL's follow transaction ids, so :meth:`repair_feed_counter` has nothing
        to move there."""  # noqa: D205, D209
        return not (self._dialect.concurrent_feed or self._dialect.rowid_feed)

    def repair_feed_counter(self) -> int:
        """Move a feed counter left behind the events up to the newest event; returns it.

        On PostgreSQL the counter is a fixed base below every position written since
        schema 3 (positions come from transaction ids); it is left as it is. On SQLite
        (schema 5) positions are the events' rowids and nothing can fall behind: this
        returns the newest position.
        """
        self._check()
        if self._dialect.concurrent_feed:
            with self._transaction(write=False, single=True) as db:
                return int(db.run(f"SELECT position FROM {self._t['head']} WHERE id = 1")[0][0])
        if self._dialect.rowid_feed:  # no counter: positions are the rowids
            with self._transaction(write=False, single=True) as db:
                newest = db.run(f"SELECT MAX(position) FROM {self._t['events']}")[0][0]
            return int(newest or 0)
        return self._repair_counter()

    def _repair_counter(self) -> int:
        t = self._t
        with self._transaction(write=True) as db:
            newest = db.run(f"SELECT MAX(position) FROM {t['events']}")[0][0]
            head = int(
                db.run(f"SELECT position FROM {t['head']} WHERE id = 1{self._dialect.lock}")[0][0]
            )
            fixed = max(head, int(newest or 0))
            db.run(f"UPDATE {t['head']} SET position = :p WHERE id = 1", {"p": fixed})
        return fixed

    def _version_and_time(self, aggregate_id: str) -> tuple[int | None, pendulum.DateTime | None]:
        with self._transaction(write=False, single=True) as db:
            rows = db.run(
                f"SELECT version, updated_at FROM {self._t['aggregates']} WHERE id = :id",
                {"id": aggregate_id},
            )
        if not rows:
            return None, None
        version, at = rows[0]
        return int(version), None if at is None else from_micros(int(at))

    def _version_of(self, aggregate_id: str) -> int | None:
        with self._transaction(write=False, single=True) as db:
            rows = db.run(
                f"SELECT version FROM {self._t['aggregates']} WHERE id = :id", {"id": aggregate_id}
            )
        return int(rows[0][0]) if rows else None

    def read_history(self, aggregate_id: str) -> Sequence[EventRecord]:
        """Every event record of one aggregate, oldest first."""
        self._check()
        return self._read_history(aggregate_id)

    def _read_history(self, aggregate_id: str) -> Sequence[EventRecord]:
        with self._transaction(write=False, single=True) as db:
            rows = db.run(
                f"SELECT version, type, payload FROM {self._t['events']}"
                " WHERE aggregate_id = :id ORDER BY version",
                {"id": aggregate_id},
            )
        events = [
            EventRecord(aggregate_id, int(version), name, None, _str(payload))
            for version, name, payload in rows
        ]
        return checked_history(self._label, aggregate_id, events)

    def histories(self, aggregate_ids: Sequence[str]) -> Mapping[str, Sequence[EventRecord]]:
        """The histories of these aggregates (those with events), 500 ids per query."""
        self._check()
        ids = list(dict.fromkeys(aggregate_ids))
        streams: dict[str, list[EventRecord]] = {}
        with self._transaction(write=False) as db:
            select = (
                f"SELECT aggregate_id, version, type, payload FROM {self._t['events']}"
                " WHERE aggregate_id IN (:ids) ORDER BY aggregate_id, version"
            )
            for aggregate_id, version, name, payload in _rows_in(db, select, ids):
                record = EventRecord(aggregate_id, int(version), name, None, _str(payload))
                streams.setdefault(aggregate_id, []).append(record)
        return {
            aggregate_id: checked_history(self._label, aggregate_id, records)
            for aggregate_id, records in streams.items()
        }

    def recall(self, idempotency_key: str) -> tuple[str, int] | None:
        """Where a command with this key was applied."""
        self._check()
        with self._transaction(write=False, single=True) as db:
            rows = db.run(
                f"SELECT aggregate_id, version FROM {self._t['commands']} WHERE command_key = :key",
                {"key": idempotency_key},
            )
        return (rows[0][0], int(rows[0][1])) if rows else None

    def write_history(self, commits: Sequence[RecordCommit]) -> int:
        """Write whole histories, each creating its aggregate, in one transaction.

        Each snapshot and row is encoded once; every row of a table goes in one
        ``executemany`` (positions computed up front behind a counter, or SQLite's rowids).
        """
        self._check()
        if self._dialect.concurrent_feed:
            return self._write_history_concurrent(commits)
        aggregates = []
        stream: list[tuple[object, ...]] = []
        for commit in commits:
            row, events = _imported(commit)
            aggregates.append(row)
            stream.extend(events)
        try:
            with self._transaction(write=True) as db:
                self._insert_many(db, "aggregates", _IMPORTED, aggregates)
                self._append_positioned(db, stream)
        except UniqueViolation:
            clash = self._first_existing([row[0] for row in aggregates])
            raise AlreadyExists(clash, actual=self._version_of(clash)) from None
        return len(stream)

    def _write_history_concurrent(self, commits: Sequence[RecordCommit]) -> int:
        """``write_history`` where feed positions follow transaction ids (PostgreSQL)."""
        aggregates = []
        stream: list[_Dumped] = []
        for commit in commits:
            row, dumped = self._prepared(commit)
            aggregates.append(row)
            stream.extend(dumped)
        try:
            with self._transaction(write=True) as db:
                if aggregates:
                    db.run_many(self._insert_sql(), aggregates)
                self._append(db, stream)
        except UniqueViolation:
            clash = self._first_existing([row["id"] for row in aggregates])
            raise AlreadyExists(clash, actual=self._version_of(clash)) from None
        return len(stream)

    def _append_positioned(self, db: Executor, events: Sequence[tuple[object, ...]]) -> None:
        """``_append`` for many events (rows of aggregate id, version, type, payload)
        behind a moving counter (not PostgreSQL's feed).

        The counter is moved first (locking it, as ``_append`` does) and read back, so
        each row carries its position instead of a sub-select per row (~0.8 us an event).
        """  # noqa: D205
        if not events:
            return
        columns = ("aggregate_id", "version", "type", "payload")
        if self._dialect.rowid_feed:  # positions are rowids, given in insertion order
            self._insert_many(db, "events", columns, events)
            return
        t = self._t
        count = len(events)
        db.run(f"UPDATE {t['head']} SET position = position + :n WHERE id = 1", {"n": count})
        base = int(db.run(f"SELECT position FROM {t['head']} WHERE id = 1")[0][0]) - count
        self._insert_many(
            db,
            "events",
            ("position", *columns),
            [(base + offset, *row) for offset, row in enumerate(events, 1)],
        )

    def _insert_many(
        self, db: Executor, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> None:
        """Insert ``rows`` (values in ``columns`` order) into one of the store's tables."""
        if not rows:
            return
        db.run_many(
            f"INSERT INTO {self._t[table]} ({', '.join(columns)})"
            f" VALUES ({', '.join(':' + name for name in columns)})",
            [dict(zip(columns, row, strict=True)) for row in rows],
        )

    def _first_existing(self, ids: Sequence[object]) -> str:
        select = f"SELECT id FROM {self._t['aggregates']} WHERE id IN (:ids)"
        with self._transaction(write=False) as db:
            for (found,) in _rows_in(db, select, ids):
                return str(found)
        return "?"


def _rows_in(db: Executor, select: str, ids: Sequence[object]) -> Iterator[Row]:
    """The rows ``select`` answers for ``ids``, asked 500 at a time (``:ids`` in it
    stands for the list: databases bound the parameters of one statement)."""  # noqa: D205, D209
    for start in range(0, len(ids), 500):
        chunk = {f"i{n}": value for n, value in enumerate(ids[start : start + 500])}
        yield from db.run(select.replace(":ids", ", ".join(f":{name}" for name in chunk)), chunk)


class _Stale(Exception):
    def __init__(self, index: int = 0) -> None:
        super().__init__(index)
        self.index = index  # which commit of a save_all


class _Exists(Exception):
    def __init__(self, index: int = 0) -> None:
        super().__init__(index)
        self.index = index


class _Duplicate(Exception):
    def __init__(self, index: int = 0) -> None:
        super().__init__(index)
        self.index = index


def _snapshot(aggregate_id: str, kind: str, version: int, snapshot: str | bytes) -> SnapshotRecord:
    return SnapshotRecord(aggregate_id, kind, int(version), _str(snapshot))
