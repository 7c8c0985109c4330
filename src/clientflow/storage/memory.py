"""A real, thread-safe store in process memory: for tests, scripts and simulations.

It keeps the neutral records it is given, with the immutable aggregates and events the
engine put beside them, so nothing is ever encoded or decoded; it indexes deadlines in a
sorted list, and passes the same contract as the database stores.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence

import attrs
import pendulum
from sortedcontainers import SortedList

from clientflow.core import (
    AlreadyExists,
    ConcurrencyError,
    DuplicateCommand,
    RulesChanged,
    ValidationError,
    from_micros,
    to_micros,
)
from clientflow.ports import (
    AggregateRow,
    Backoff,
    CursorLease,
    EventRecord,
    FeedRecord,
    ParkedEvent,
    Query,
    RecordCommit,
    RulesRevision,
    SnapshotRecord,
    TimerFailure,
    count_column,
)
from clientflow.storage.streams import check_order, checked_history, stale_snapshot

__all__ = ["MemoryStore"]

_MAX_ID = "\U0010ffff"


class MemoryStore:
    """Everything in dicts and lists behind one lock.

    It keeps neutral records and knows no workflow kinds: an engine holds them.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._aggregates: dict[str, SnapshotRecord] = {}
        self._histories: dict[str, list[EventRecord]] = {}
        self._feed: list[FeedRecord] = []
        self._deadlines: dict[str, int] = {}
        self._index: SortedList = SortedList()  # (deadline micros, aggregate id)
        self._claims: dict[str, int] = {}
        self._commands: dict[str, tuple[str, int]] = {}
        self._cursors: dict[str, CursorLease] = {}
        self._parked: dict[tuple[str, int], ParkedEvent] = {}
        self._failures: dict[str, TimerFailure] = {}
        self._rules: list[RulesRevision] = []
        self._rows: dict[str, AggregateRow] = {}
        # Secondary indexes of the read side: owner and client -> ids.
        self._by_owner: dict[str, set[str]] = {}
        self._by_client: dict[str, set[str]] = {}

    def __repr__(self) -> str:
        return f"MemoryStore({len(self._aggregates)} aggregates, {len(self._feed)} events)"

    def read(self, aggregate_id: str) -> SnapshotRecord | None:
        """The current snapshot, or ``None``."""
        return self._aggregates.get(aggregate_id)

    def read_many(self, aggregate_ids: Sequence[str]) -> Mapping[str, SnapshotRecord]:
        """The current snapshots with these ids."""
        found = self._aggregates
        return {i: found[i] for i in aggregate_ids if i in found}

    def write(self, commits: Sequence[RecordCommit]) -> None:
        """Write several aggregates' commits under one lock: all checked, then all written."""
        with self._lock:
            keys: set[str] = set()
            for commit in commits:
                self._check_commit(commit, keys)
            for commit in commits:
                self._write(commit)

    def _check_commit(self, commit: RecordCommit, keys: set[str]) -> None:
        aggregate, key = commit.snapshot, commit.idempotency_key
        if commit.rules_revision is not None and commit.rules_revision != len(self._rules):
            raise RulesChanged(expected=commit.rules_revision, actual=len(self._rules) or None)
        current = self._aggregates.get(aggregate.id)
        actual = 0 if current is None else current.version
        if current is not None and commit.creates:
            raise AlreadyExists(aggregate.id, actual=actual)
        if actual != commit.expected_version:
            raise ConcurrencyError(
                aggregate.id,
                expected=commit.expected_version,
                actual=None if current is None else actual,
            )
        last = len(self._histories.get(aggregate.id, ()))
        if last > actual:
            raise stale_snapshot("memory://", aggregate.id, actual, last)
        if key is not None and key in self._commands:
            raise DuplicateCommand(key, *self._commands[key])
        if key is not None and key in keys:
            raise ValidationError("idempotency_key", "one key per commit", got=key)
        if key is not None:
            keys.add(key)
        before = self._rows.get(aggregate.id)
        check_order(aggregate.id, None if before is None else before.updated_at, commit.events)

    def _write(self, commit: RecordCommit) -> None:
        aggregate, key = commit.snapshot, commit.idempotency_key
        self._aggregates[aggregate.id] = aggregate
        self._histories.setdefault(aggregate.id, []).extend(commit.events)
        position = len(self._feed)
        self._feed.extend(
            FeedRecord(position + offset, event) for offset, event in enumerate(commit.events, 1)
        )
        self._reindex(aggregate.id, commit.row)
        self._index_row(commit)
        if key is not None:
            self._commands[key] = (aggregate.id, aggregate.version)

    def rewrite(
        self, snapshot: SnapshotRecord, row: AggregateRow, *, expected: int | None = None
    ) -> bool:
        """Overwrite an aggregate's snapshot and read-side row (a repair); with ``expected``,
        only while its stored version is still that one. Returns whether it wrote."""  # noqa: D205, D209
        with self._lock:
            current = self._aggregates.get(snapshot.id)
            if expected is not None and (current is None or current.version != expected):
                return False
            self._aggregates[snapshot.id] = snapshot
            self._reindex(snapshot.id, row)
            self._put_row(row)
            return True

    def read_row(self, aggregate_id: str) -> AggregateRow | None:
        """One aggregate's read-side row, or ``None``."""
        with self._lock:
            return self._rows.get(aggregate_id)

    def _reindex(self, aggregate_id: str, row: AggregateRow) -> None:
        old = self._deadlines.pop(aggregate_id, None)
        if old is not None:
            self._index.remove((old, aggregate_id))
        self._claims.pop(aggregate_id, None)
        self._failures.pop(aggregate_id, None)
        if row.next_deadline is not None:
            new = to_micros(row.next_deadline)
            self._deadlines[aggregate_id] = new
            self._index.add((new, aggregate_id))

    def _index_row(self, commit: RecordCommit) -> None:
        row = commit.row
        if commit.closed:  # an aggregate that stays closed keeps when it closed
            before = self._rows.get(row.id)
            closed = None if before is None else before.closed_at
            if closed is not None and closed != row.closed_at:
                row = attrs.evolve(row, closed_at=closed)
        self._put_row(row)

    def _put_row(self, row: AggregateRow) -> None:
        before = self._rows.get(row.id)
        if before is not None:
            self._by_owner.get(before.owner, set()).discard(before.id)
            self._by_client.get(before.client, set()).discard(before.id)
        self._rows[row.id] = row
        self._by_owner.setdefault(row.owner, set()).add(row.id)
        self._by_client.setdefault(row.client, set()).add(row.id)

    def rows(
        self, query: Query, *, after: str | None = None, limit: int = 100
    ) -> Sequence[AggregateRow]:
        """Rows matching ``query``, by id, after ``after``."""
        with self._lock:
            if query.owner is not None:
                ids: Iterable[str] = tuple(self._by_owner.get(query.owner, ()))
            elif query.client is not None:
                ids = tuple(self._by_client.get(query.client, ()))
            else:
                ids = tuple(self._rows)
            found = [self._rows[i] for i in ids if (after is None or i > after)]
        chosen = sorted((row for row in found if query.matches(row)), key=lambda r: r.id)
        return chosen[: max(limit, 0)]

    def counts(self, query: Query, *, by: str = "status") -> Mapping[str, int]:
        """Rows matching ``query`` per value of column ``by`` (see :data:`COUNT_BY`)."""
        column = count_column(by)
        tally: dict[str, int] = {}
        after: str | None = None
        while True:
            page = self.rows(query, after=after, limit=10_000)
            for row in page:
                value = getattr(row, column)
                tally[value] = tally.get(value, 0) + 1
            if len(page) < 10_000:
                return tally
            after = page[-1].id

    def read_history(self, aggregate_id: str) -> Sequence[EventRecord]:
        """Every event record of one aggregate, oldest first."""
        with self._lock:
            events = tuple(self._histories.get(aggregate_id, ()))
        return checked_history("memory://", aggregate_id, events)

    def read_feed(self, after: int = 0, limit: int = 1000) -> Sequence[FeedRecord]:
        """Event records after position ``after``, in order."""
        with self._lock:
            return tuple(self._feed[max(after, 0) : max(after, 0) + limit])

    def backlog(self, after: int) -> int:
        """Events after position ``after``."""
        with self._lock:
            return max(len(self._feed) - max(after, 0), 0)

    def due(self, at: pendulum.DateTime, limit: int = 1000) -> Sequence[str]:
        """Ids whose deadline is at or before ``at``, earliest first."""
        bound = (to_micros(at), _MAX_ID)
        with self._lock:
            found = []
            for _, aggregate_id in self._index.irange(maximum=bound):
                found.append(aggregate_id)
                if len(found) >= limit:
                    break
            return found

    def claim_due(
        self, at: pendulum.DateTime, *, lease: pendulum.Duration, limit: int = 1000
    ) -> Sequence[str]:
        """Claim due aggregates not claimed by someone else until ``at + lease``."""
        now = to_micros(at)
        until = to_micros(at + lease)
        with self._lock:
            found = []
            for _, aggregate_id in self._index.irange(maximum=(now, _MAX_ID)):
                if self._claims.get(aggregate_id, now) > now:
                    continue
                self._claims[aggregate_id] = until
                found.append(aggregate_id)
                if len(found) >= limit:
                    break
            return found

    def recall(self, idempotency_key: str) -> tuple[str, int] | None:
        """Where a command with this key was applied."""
        return self._commands.get(idempotency_key)

    def cursor(self, name: str) -> int:
        """Last processed feed position of a consumer."""
        found = self._cursors.get(name)
        return 0 if found is None else found.position

    def clock(self) -> pendulum.DateTime:
        """The process's clock: every deliverer sharing a memory store shares it."""
        return pendulum.now("UTC")

    def lease_cursor(
        self, name: str, *, holder: str, at: pendulum.DateTime, until: pendulum.DateTime
    ) -> CursorLease | None:
        """Take a consumer's cursor unless another holder's lease is still running."""
        with self._lock:
            found = self._cursors.get(name) or CursorLease(name, holder, 0, at)
            if found.holder != holder and found.until > at:
                return None
            taken = attrs.evolve(found, holder=holder, until=until)
            self._cursors[name] = taken
            return taken

    def update_cursor(self, lease: CursorLease) -> bool:
        """Write the lease's state if its holder still holds the cursor."""
        with self._lock:
            found = self._cursors.get(lease.consumer)
            if found is None or found.holder != lease.holder:
                return False
            self._cursors[lease.consumer] = lease
            return True

    def release_cursor(self, lease: CursorLease) -> None:
        """End the lease early, keeping its position."""
        with self._lock:
            found = self._cursors.get(lease.consumer)
            if found is not None and found.holder == lease.holder:
                self._cursors[lease.consumer] = attrs.evolve(found, holder="", until=from_micros(0))

    def park(self, parked: ParkedEvent) -> None:
        """Record an event a consumer gave up on."""
        with self._lock:
            self._parked[(parked.consumer, parked.position)] = parked

    def parked(self, name: str, limit: int = 1000) -> Sequence[ParkedEvent]:
        """A consumer's events parked for good, by position."""
        return [p for p in self.held(name, limit=1_000_000) if p.retry_at is None][:limit]

    def held(self, name: str, limit: int = 100_000) -> Sequence[ParkedEvent]:
        """Every event a consumer set aside, by position."""
        with self._lock:
            found = [p for (c, _), p in self._parked.items() if c == name]
        return sorted(found, key=lambda p: p.position)[:limit]

    def unpark(self, name: str, position: int) -> bool:
        """Forget a parked event."""
        with self._lock:
            return self._parked.pop((name, position), None) is not None

    def defer_timer(
        self, aggregate_id: str, *, at: pendulum.DateTime, backoff: Backoff, error: str
    ) -> TimerFailure:
        """Count a failed timer and hold its claim for the back-off."""
        with self._lock:
            before = self._failures.get(aggregate_id)
            attempts = 1 if before is None else before.attempts + 1
            failure = TimerFailure(aggregate_id, attempts, at + backoff.delay(attempts), error)
            if aggregate_id in self._aggregates:
                self._failures[aggregate_id] = failure
                self._claims[aggregate_id] = to_micros(failure.retry_at)
            return failure

    def timer_failures(self, limit: int = 1000) -> Sequence[TimerFailure]:
        """Failing timers, most failures first."""
        with self._lock:
            found = list(self._failures.values())
        return sorted(found, key=lambda f: (-f.attempts, f.aggregate_id))[:limit]

    def rules_revision(self) -> RulesRevision | None:
        """The rules revision in force."""
        with self._lock:
            return self._rules[-1] if self._rules else None

    def rules_revisions(self) -> Sequence[RulesRevision]:
        """Every rules revision recorded, oldest first."""
        with self._lock:
            return tuple(self._rules)

    def apply_rules(
        self,
        fingerprint: str,
        source: str,
        at: pendulum.DateTime,
        *,
        over: int | None = None,
    ) -> RulesRevision:
        """Record a new rules revision unless it is the one in force."""
        with self._lock:
            if self._rules and self._rules[-1].fingerprint == fingerprint:
                return self._rules[-1]
            if over is not None and over != len(self._rules):
                raise ConcurrencyError("rules", expected=over, actual=len(self._rules) or None)
            applied = from_micros(to_micros(at))
            revision = RulesRevision(len(self._rules) + 1, fingerprint, source, applied)
            self._rules.append(revision)
            return revision

    def write_history(self, commits: Sequence[RecordCommit]) -> int:
        """Store whole histories, each creating its aggregate, all or nothing."""
        with self._lock:
            clashes = [c.id for c in commits if c.id in self._aggregates]
            if clashes:
                raise AlreadyExists(clashes[0], actual=self._aggregates[clashes[0]].version)
            self.write(commits)
        return sum(len(c.events) for c in commits)

    def close(self) -> None:
        """Nothing to release."""
