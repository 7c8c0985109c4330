"""Timers on SQL: due aggregates found by the deadline index, claimed with a lease."""

from __future__ import annotations

from collections.abc import Sequence

import pendulum

from clientflow.core import from_micros, to_micros
from clientflow.ports import Backoff, TimerFailure
from clientflow.storage.sqlparts import _ERROR_TEXT, SQLPart

__all__ = ["TimersSQL"]


class TimersSQL(SQLPart):
    """Timers on SQL: due aggregates found by the deadline index, claimed with a lease."""

    def due(self, at: pendulum.DateTime, limit: int = 1000) -> Sequence[str]:
        """Ids whose deadline is at or before ``at``, earliest first (by index)."""
        self._check()
        with self._transaction(write=False, single=True) as db:
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

    def defer_timer(
        self, aggregate_id: str, *, at: pendulum.DateTime, backoff: Backoff, error: str
    ) -> TimerFailure:
        """Count a failed timer and hold its claim for the back-off."""
        self._check()
        table = self._t["aggregates"]
        with self._transaction(write=True) as db:
            rows = db.run(
                f"SELECT failures FROM {table} WHERE id = :id{self._dialect.lock}",
                {"id": aggregate_id},
            )
            attempts = (int(rows[0][0]) if rows else 0) + 1
            retry_at = at + backoff.delay(attempts)
            db.run(
                f"UPDATE {table} SET failures = :n, last_error = :error, claimed_until = :until"
                " WHERE id = :id",
                {
                    "n": attempts,
                    "error": error[:_ERROR_TEXT],
                    "until": to_micros(retry_at),
                    "id": aggregate_id,
                },
            )
        return TimerFailure(aggregate_id, attempts, retry_at, error)

    def timer_failures(self, limit: int = 1000) -> Sequence[TimerFailure]:
        """Failing timers, most failures first."""
        self._check()
        with self._transaction(write=False, single=True) as db:
            rows = db.run(
                f"SELECT id, failures, claimed_until, last_error FROM {self._t['aggregates']}"
                " WHERE failures > 0 ORDER BY failures DESC, id LIMIT :limit",
                {"limit": limit},
            )
        return [
            TimerFailure(i, int(n), from_micros(int(until or 0)), err or "")
            for i, n, until, err in rows
        ]
