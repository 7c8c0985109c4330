"""A store checked against its own history (``clientflow check-store``).

Events are the facts; snapshots and read-side rows are derived from them and can drift
(a migration that filled rows with the wrong rules, a restore that left a snapshot
behind its history). :func:`check_store` rebuilds each aggregate from its events with
the kinds of the rules the store runs under, compares, and with ``fix`` writes the
rebuilt snapshot and row back.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol, runtime_checkable

import attrs

from clientflow.core import Aggregate, Codec, ValidationError, rebuild
from clientflow.ports import AggregateRow, EventRecord, Query, SnapshotRecord, Store
from clientflow.storage.kinded import Kinded
from clientflow.storage.streams import row_of

__all__ = ["BatchCheckable", "Rewritable", "StoreCheck", "StoreProblem", "check_store"]

_COMPARED = ("kind", "version", "status", "client", "project", "owner", "priority")


@attrs.frozen
class StoreProblem:
    """One aggregate whose snapshot or read-side row differs from what its events say."""

    aggregate_id: str
    what: str


@attrs.frozen
class StoreCheck:
    """What :func:`check_store` looked at, found and (with ``fix``) mended."""

    checked: int
    problems: tuple[StoreProblem, ...]
    fixed: int = 0

    @property
    def ok(self) -> bool:
        """Whether everything matched (or was mended)."""
        return not self.problems or self.fixed == len({p.aggregate_id for p in self.problems})


@runtime_checkable
class Rewritable(Protocol):
    """A store that can write an aggregate's snapshot and row back (a repair)."""

    def rewrite(
        self, snapshot: SnapshotRecord, row: AggregateRow, *, expected: int | None = None
    ) -> bool:
        """Overwrite the stored snapshot and read-side row of an aggregate; with
        ``expected``, only if the stored version is still that (returns whether it wrote)."""  # noqa: D205, D209
        ...

    def read_row(self, aggregate_id: str) -> AggregateRow | None:
        """One aggregate's read-side row as stored now."""
        ...


@runtime_checkable
class BatchCheckable(Protocol):
    """A store that reads many histories at once (a check's quick first look)."""

    def histories(self, aggregate_ids: Sequence[str]) -> Mapping[str, Sequence[EventRecord]]:
        """The histories of these aggregates (those with events), read in one pass."""
        ...


def check_store(store: Store, kinds: Codec, *, fix: bool = False, batch: int = 500) -> StoreCheck:
    """Compare every aggregate's snapshot and read-side row with its history.

    ``kinds`` are the workflow kinds of the rules the store runs under (the store keeps
    neutral records: ``rules.codec()``, or an engine's ``engine.kinds``).

    A snapshot behind its history (its version lower than the last event's) and a row
    whose kind, version, status, client, project, owner or priority differ from what the
    rules derive are reported; with ``fix`` (on a :class:`Rewritable` store) the rebuilt
    state is written back.
    """
    typed = Kinded(store, kinds)
    problems: list[StoreProblem] = []
    fixed = checked = 0
    after: str | None = None
    while True:
        rows = list(store.rows(Query(), after=after, limit=batch))
        if not rows:
            break
        after = rows[-1].id
        agreeing = _agreeing(store, kinds, rows)
        loaded = typed.load_many([row.id for row in rows if row.id not in agreeing])
        for row in rows:
            checked += 1
            if row.id in agreeing:
                continue
            found = _settled(store, typed, row, loaded.get(row.id))
            if found is None:
                continue
            rebuilt, expected, what, version = found
            if fix and isinstance(store, Rewritable):
                name, text = kinds.dump_aggregate(rebuilt)
                snapshot = SnapshotRecord(rebuilt.id, name, rebuilt.version, text, rebuilt)
                if store.rewrite(snapshot, expected, expected=version):
                    fixed += 1
                else:  # a command committed meanwhile: never roll it back
                    what = [*what, "changed while being mended: not mended, check again"]
            problems += [StoreProblem(row.id, text) for text in what]
    return StoreCheck(checked, tuple(problems), fixed)


def _agreeing(store: Store, codec: Codec, rows: Sequence[AggregateRow]) -> Collection[str]:
    """Ids of ``rows`` that agree with their histories, found in bulk (a quick first look).

    On a :class:`BatchCheckable` store, the histories are read in one pass, then the
    snapshots as the store keeps them (neutral records: text, nothing decoded), and a
    snapshot agrees when its text is the one the aggregate rebuilt encodes to: encoding
    is deterministic and its text decodes to an equal aggregate, so no snapshot is
    decoded (decoding was most of a check). Any other row goes through the full look
    below, which reads the snapshot before the history: a command committed between the
    two reads here shows as a difference, never hides one.
    """
    if not isinstance(store, BatchCheckable):
        return ()
    ids = [row.id for row in rows]
    histories = store.histories(ids)
    stored = store.read_many(ids)
    agreeing = set()
    for row in rows:
        records, snapshot = histories.get(row.id), stored.get(row.id)
        if not records or snapshot is None:
            continue  # the full look decides
        try:
            history = [codec.load_event(record.type, record.payload) for record in records]
        except (ValidationError, RecursionError):
            continue  # unreadable: the full look reports it
        aggregate = rebuild(codec.kind_of_event(history[0]).apply, history)
        expected = row_of(codec, aggregate, history[-1:], row.closed_at)
        if any(getattr(row, column) != getattr(expected, column) for column in _COMPARED):
            continue
        if (snapshot.kind, snapshot.snapshot) == codec.dump_aggregate(aggregate):
            agreeing.add(row.id)
    return agreeing


def _settled(
    store: Store, typed: Kinded, row: AggregateRow, snapshot: Aggregate | None
) -> tuple[Aggregate, AggregateRow, list[str], int] | None:
    """The differences of one aggregate that hold while nothing writes to it.

    On a live store a command may commit between reading the snapshot, the history and
    the row; a difference counts only once a second look finds the aggregate unmoved.
    One that keeps moving is being written, which a damaged aggregate cannot be (its
    saves are refused), so it is left for the next check. Returns the stored version it
    was seen at, for a guarded repair.
    """
    for _ in range(_LOOKS):
        found = _differences(typed, row, snapshot)
        if found is None:
            return None
        again = typed.load(row.id)
        fresh = store.read_row(row.id) if isinstance(store, Rewritable) else row
        if again == snapshot and fresh == row:
            version = row.version if snapshot is None else snapshot.version
            return (*found, version)
        if fresh is None:
            return None  # gone meanwhile: nothing to say
        snapshot, row = again, fresh
    return None


_LOOKS = 3


def _differences(
    typed: Kinded, row: AggregateRow, snapshot: Aggregate | None
) -> tuple[Aggregate, AggregateRow, list[str]] | None:
    history = tuple(typed.history(row.id))
    if not history:
        return None
    codec = typed.codec
    rebuilt = rebuild(codec.kind_of_event(history[0]).apply, history)
    expected = row_of(codec, rebuilt, history[-1:], row.closed_at)
    what = []
    if snapshot is None or snapshot.version < rebuilt.version:
        version = "none" if snapshot is None else snapshot.version
        what.append(f"snapshot at version {version} behind its history ({rebuilt.version})")
    elif snapshot != rebuilt:
        what.append("snapshot differs from its history rebuilt")
    for column in _COMPARED:
        have, want = getattr(row, column), getattr(expected, column)
        if have != want:
            what.append(f"read side {column} is {have!r}, its events say {want!r}")
    return (rebuilt, expected, what) if what else None
