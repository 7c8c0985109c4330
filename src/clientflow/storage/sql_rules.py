"""Rules revisions on SQL: every revision kept, one first revision wins."""

from __future__ import annotations

from collections.abc import Sequence

import pendulum

from clientflow.core import ConcurrencyError, from_micros, to_micros
from clientflow.ports import RulesRevision
from clientflow.storage.sqlparts import SQLPart, UniqueViolation

__all__ = ["RulesSQL"]


class RulesSQL(SQLPart):
    """Rules revisions on SQL: every revision kept, one first revision wins."""

    def rules_revision(self) -> RulesRevision | None:
        """The rules revision in force."""
        self._check()
        with self._transaction(write=False, single=True) as db:
            rows = db.run(
                f"SELECT revision, fingerprint, source, applied_at FROM {self._t['rules']}"
                " ORDER BY revision DESC LIMIT 1"
            )
        if not rows:
            return None
        number, fingerprint, source, at = rows[0]
        return RulesRevision(int(number), fingerprint, source, from_micros(int(at)))

    def rules_revisions(self) -> Sequence[RulesRevision]:
        """Every rules revision recorded, oldest first."""
        self._check()
        with self._transaction(write=False, single=True) as db:
            rows = db.run(
                f"SELECT revision, fingerprint, source, applied_at FROM {self._t['rules']}"
                " ORDER BY revision"
            )
        return tuple(
            RulesRevision(int(number), fingerprint, source, from_micros(int(at)))
            for number, fingerprint, source, at in rows
        )

    def apply_rules(
        self,
        fingerprint: str,
        source: str,
        at: pendulum.DateTime,
        *,
        over: int | None = None,
    ) -> RulesRevision:
        """Record a new rules revision unless it is the one in force."""
        self._check()
        table = self._t["rules"]
        try:
            with self._transaction(write=True) as db:
                rows = db.run(
                    f"SELECT revision, fingerprint, source, applied_at FROM {table}"
                    f" ORDER BY revision DESC LIMIT 1{self._dialect.lock}"
                )
                if rows and rows[0][1] == fingerprint:
                    number, _, kept, applied = rows[0]
                    return RulesRevision(int(number), fingerprint, kept, from_micros(int(applied)))
                current = int(rows[0][0]) if rows else 0
                if over is not None and over != current:
                    raise ConcurrencyError("rules", expected=over, actual=current or None)
                number = current + 1
                db.run(
                    f"INSERT INTO {table} (revision, fingerprint, source, applied_at)"
                    " VALUES (:n, :f, :s, :at)",
                    {"n": number, "f": fingerprint, "s": source, "at": to_micros(at)},
                )
        except UniqueViolation:
            # Two hosts applied rules at once: the other one's revision won; retry.
            raise ConcurrencyError("rules", expected=number - 1, actual=number) from None
        return RulesRevision(number, fingerprint, source, from_micros(to_micros(at)))
