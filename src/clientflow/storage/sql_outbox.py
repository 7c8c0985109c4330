"""The feed and its consumers on SQL: positions, leased cursors, held and parked events."""

from __future__ import annotations

from collections.abc import Sequence

import pendulum

from clientflow.core import ConcurrencyError, from_micros, to_micros
from clientflow.ports import CursorLease, EventRecord, FeedRecord, ParkedEvent
from clientflow.storage.sqlparts import _ERROR_TEXT, SQLPart, UniqueViolation

__all__ = ["OutboxSQL"]


class OutboxSQL(SQLPart):
    """The feed and its consumers on SQL: positions, leased cursors, held and parked events."""

    def read_feed(self, after: int = 0, limit: int = 1000) -> Sequence[FeedRecord]:
        """Event records after position ``after``, in order."""
        self._check()
        with self._transaction(write=False, single=True) as db:
            rows = db.run(
                f"SELECT position, aggregate_id, version, type, payload FROM {self._t['events']}"
                f" WHERE position > :after{self._feed_horizon()} ORDER BY position LIMIT :limit",
                {"after": after, "limit": limit},
            )
        return [
            FeedRecord(
                int(pos),
                EventRecord(
                    aggregate_id,
                    int(version),
                    name,
                    None,
                    payload if isinstance(payload, str) else bytes(payload).decode(),
                ),
            )
            for pos, aggregate_id, version, name, payload in rows
        ]

    def backlog(self, after: int) -> int:
        """Events after position ``after`` a reader can see now (counted by index)."""
        self._check()
        with self._transaction(write=False, single=True) as db:
            rows = db.run(
                f"SELECT COUNT(*) FROM {self._t['events']} WHERE position > :after"
                f"{self._feed_horizon()}",
                {"after": after},
            )
        return int(rows[0][0])

    def cursor(self, name: str) -> int:
        """Last processed feed position of a consumer."""
        self._check()
        with self._transaction(write=False, single=True) as db:
            rows = db.run(
                f"SELECT position FROM {self._t['cursors']} WHERE name = :name", {"name": name}
            )
        return int(rows[0][0]) if rows else 0

    def clock(self) -> pendulum.DateTime:
        """The database server's time now."""
        self._check()
        with self._transaction(write=False, single=True) as db:
            rows = db.run(self._dialect.now)
        return from_micros(int(rows[0][0]))

    def lease_cursor(
        self, name: str, *, holder: str, at: pendulum.DateTime, until: pendulum.DateTime
    ) -> CursorLease | None:
        """Take a consumer's cursor unless another holder's lease is still running."""
        self._check()
        table = self._t["cursors"]
        params = {"name": name, "holder": holder, "at": to_micros(at), "until": to_micros(until)}
        try:
            with self._transaction(write=True) as db:
                db.run(
                    f"UPDATE {table} SET holder = :holder, lease_until = :until WHERE name = :name"
                    " AND (holder IS NULL OR holder = :holder OR lease_until IS NULL"
                    " OR lease_until <= :at)",
                    params,
                )
                if db.changed() != 1:
                    if db.run(f"SELECT 1 FROM {table} WHERE name = :name", {"name": name}):
                        return None
                    db.run(
                        f"INSERT INTO {table} (name, position, holder, lease_until)"
                        " VALUES (:name, 0, :holder, :until)",
                        params,
                    )
                row = db.run(
                    f"SELECT position, attempts, retry_at, last_error FROM {table}"
                    " WHERE name = :name",
                    {"name": name},
                )[0]
        except (UniqueViolation, ConcurrencyError):
            return None  # another deliverer created or holds the cursor row
        retry_at = None if row[2] is None else from_micros(int(row[2]))
        return CursorLease(name, holder, int(row[0]), until, int(row[1]), retry_at, row[3])

    def update_cursor(self, lease: CursorLease) -> bool:
        """Write the lease's state if its holder still holds the cursor."""
        self._check()
        with self._transaction(write=True) as db:
            db.run(
                f"UPDATE {self._t['cursors']} SET position = :position, attempts = :attempts,"
                " retry_at = :retry_at, last_error = :error, lease_until = :until"
                " WHERE name = :name AND holder = :holder",
                {
                    "name": lease.consumer,
                    "holder": lease.holder,
                    "position": lease.position,
                    "attempts": lease.attempts,
                    "retry_at": None if lease.retry_at is None else to_micros(lease.retry_at),
                    "error": None if lease.error is None else lease.error[:_ERROR_TEXT],
                    "until": to_micros(lease.until),
                },
            )
            return db.changed() == 1

    def release_cursor(self, lease: CursorLease) -> None:
        """End the lease early, keeping its position."""
        self._check()
        with self._transaction(write=True) as db:
            db.run(
                f"UPDATE {self._t['cursors']} SET holder = NULL, lease_until = NULL"
                " WHERE name = :name AND holder = :holder",
                {"name": lease.consumer, "holder": lease.holder},
            )

    def park(self, parked: ParkedEvent) -> None:
        """Record (or update) an event set aside: held for a retry or parked for good."""
        self._check()
        row = {
            "consumer": parked.consumer,
            "position": parked.position,
            "event_id": parked.event_id,
            "attempts": parked.attempts,
            "error": parked.error[:_ERROR_TEXT],
            "parked_at": to_micros(parked.parked_at),
            "aggregate_id": parked.aggregate_id or None,
            "retry_at": None if parked.retry_at is None else to_micros(parked.retry_at),
        }
        table = self._t["parked"]
        with self._transaction(write=True) as db:
            db.run(
                f"UPDATE {table} SET attempts = :attempts, error = :error,"
                " retry_at = :retry_at WHERE consumer = :consumer AND position = :position",
                row,
            )
            if db.changed() != 1:
                db.run(
                    f"INSERT INTO {table} (consumer, position, event_id, attempts, error,"
                    " parked_at, aggregate_id, retry_at) VALUES (:consumer, :position,"
                    " :event_id, :attempts, :error, :parked_at, :aggregate_id, :retry_at)",
                    row,
                )

    def parked(self, name: str, limit: int = 1000) -> Sequence[ParkedEvent]:
        """A consumer's events parked for good, by position."""
        return self._set_aside(name, limit, " AND retry_at IS NULL")

    def held(self, name: str, limit: int = 100_000) -> Sequence[ParkedEvent]:
        """Every event a consumer set aside, held or parked, by position."""
        return self._set_aside(name, limit, "")

    def _set_aside(self, name: str, limit: int, condition: str) -> Sequence[ParkedEvent]:
        self._check()
        with self._transaction(write=False, single=True) as db:
            rows = db.run(
                "SELECT position, event_id, attempts, error, parked_at, aggregate_id, retry_at"
                f" FROM {self._t['parked']} WHERE consumer = :name{condition}"
                " ORDER BY position LIMIT :limit",
                {"name": name, "limit": limit},
            )
        return [
            ParkedEvent(
                name,
                int(p),
                e,
                int(a),
                err,
                from_micros(int(at)),
                aggregate_id=agg or "",
                retry_at=None if retry is None else from_micros(int(retry)),
            )
            for p, e, a, err, at, agg, retry in rows
        ]

    def unpark(self, name: str, position: int) -> bool:
        """Forget a parked event."""
        self._check()
        with self._transaction(write=True) as db:
            db.run(
                f"DELETE FROM {self._t['parked']} WHERE consumer = :name AND position = :position",
                {"name": name, "position": position},
            )
            return db.changed() == 1
