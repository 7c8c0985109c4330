"""The read side on SQL: one row per aggregate in the aggregates table, and repairs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from clientflow.core import to_micros
from clientflow.ports import AggregateRow, Query, SnapshotRecord, count_column
from clientflow.storage.sqlparts import (
    _READ,
    _ROW_COLUMNS,
    SQLPart,
    _read_values,
    _row,
)

__all__ = ["ReadSideSQL"]


class ReadSideSQL(SQLPart):
    """The read side on SQL: one row per aggregate in the aggregates table, and repairs."""

    def _where(self, query: Query) -> tuple[str, dict[str, object]]:
        clauses: list[str] = []
        params: dict[str, object] = {}
        narrower = query.client is not None or query.owner is not None
        for name in ("kind", "client", "project", "owner"):
            value = getattr(query, name)
            if value is not None:
                column = self._kind_beside_narrower if name == "kind" and narrower else name
                clauses.append(f"{column} = :{name}")
                params[name] = value
        if query.status is not None:
            names = [f"status_{n}" for n in range(len(query.status))]
            clauses.append(f"status IN ({', '.join(':' + n for n in names)})" if names else "1 = 0")
            params.update(zip(names, query.status, strict=True))
        if query.open is not None:
            clauses.append("closed_at IS NULL" if query.open else "closed_at IS NOT NULL")
        if query.due_by is not None:
            clauses.append("deadline IS NOT NULL AND deadline <= :due_by")
            params["due_by"] = to_micros(query.due_by)
        return " AND ".join(clauses) or "1 = 1", params

    def rows(
        self, query: Query, *, after: str | None = None, limit: int = 100
    ) -> Sequence[AggregateRow]:
        """Rows matching ``query``, by id, after ``after`` (served by the read indexes)."""
        self._check()
        where, params = self._where(query)
        if after is not None:
            where += " AND id > :after"
            params["after"] = after
        params["limit"] = max(limit, 0)
        with self._transaction(write=False, single=True) as db:
            found = db.run(
                f"SELECT {_ROW_COLUMNS} FROM {self._t['aggregates']} WHERE {where}"
                " ORDER BY id LIMIT :limit",
                params,
            )
        return [_row(values) for values in found]

    def counts(self, query: Query, *, by: str = "status") -> Mapping[str, int]:
        """Rows matching ``query`` per value of column ``by`` (see :data:`COUNT_BY`)."""
        column = count_column(by)  # from a closed list: safe to put in the statement
        self._check()
        where, params = self._where(query)
        with self._transaction(write=False, single=True) as db:
            found = db.run(
                f"SELECT {column}, COUNT(*) FROM {self._t['aggregates']} WHERE {where}"
                f" GROUP BY {column}",
                params,
            )
        return {str(value): int(count) for value, count in found}

    def rewrite(
        self, snapshot: SnapshotRecord, row: AggregateRow, *, expected: int | None = None
    ) -> bool:
        """Overwrite an aggregate's snapshot and read-side row (a repair; see
        :func:`clientflow.storage.audit.check_store`).

        With ``expected``, only if the stored version is still that one: a command that
        committed since the repair read the aggregate is never rolled back. Returns
        whether it wrote.
        """  # noqa: D205
        self._check()
        deadline = row.next_deadline
        guard = "" if expected is None else " AND version = :expected"
        with self._transaction(write=True) as db:
            db.run(
                f"UPDATE {self._t['aggregates']} SET kind = :kind, version = :version,"
                " snapshot = :snapshot, deadline = :deadline, "
                + ", ".join(f"{name} = :{name}" for name in _READ)
                + " WHERE id = :id"
                + guard,
                {
                    "id": snapshot.id,
                    "kind": snapshot.kind,
                    "version": snapshot.version,
                    "snapshot": snapshot.snapshot,
                    "deadline": None if deadline is None else to_micros(deadline),
                    "expected": expected,
                    **_read_values(row),
                },
            )
            return db.changed() == 1

    def read_row(self, aggregate_id: str) -> AggregateRow | None:
        """One aggregate's read-side row, or ``None``."""
        self._check()
        with self._transaction(write=False, single=True) as db:
            found = db.run(
                f"SELECT {_ROW_COLUMNS} FROM {self._t['aggregates']} WHERE id = :id",
                {"id": aggregate_id},
            )
        return _row(found[0]) if found else None
