"""Helpers every store shares."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import pendulum

from clientflow.core import (
    Aggregate,
    Codec,
    CorruptData,
    Description,
    DomainEvent,
    ValidationError,
    rebuild,
)
from clientflow.ports import AggregateRow, EventRecord

__all__ = [
    "check_order",
    "checked_history",
    "collector_paused",
    "folded_histories",
    "row_of",
    "safe_url",
    "stale_snapshot",
]


def row_of(
    codec: Codec,
    aggregate: Aggregate,
    events: Sequence[DomainEvent],
    closed_before: pendulum.DateTime | None,
    described: Description | None = None,
) -> AggregateRow:
    """The read-side row of an aggregate just saved with ``events``.

    ``closed_before`` is the row's previous ``closed_at``: an aggregate that stays closed
    keeps it; one that closes now takes its last event's time; a reopened one clears it.
    ``described`` saves describing the aggregate again when the caller already did.
    """
    if described is None:
        described = codec.describe(aggregate)
    closed_at = None
    if described.closed:
        closed_at = closed_before or (events[-1].occurred_at if events else None)
    return AggregateRow(
        id=aggregate.id,
        kind=codec.kind_of(aggregate).name,
        version=aggregate.version,
        status=aggregate.status,
        client=described.client,
        project=described.project,
        owner=described.owner,
        priority=described.priority,
        next_deadline=aggregate.next_deadline,
        opened_at=described.opened_at,
        closed_at=closed_at,
        updated_at=events[-1].occurred_at if events else None,
    )


def check_order(
    aggregate_id: str, last: pendulum.DateTime | None, events: Sequence[EventRecord]
) -> None:
    """``ValidationError`` if ``events`` start before ``last``, the stream's last event."""
    first = events[0].occurred_at if events else None
    if last is not None and first is not None and first < last:
        raise ValidationError(
            "at",
            f"an instant at or after the last event of {aggregate_id} ({last.isoformat()});"
            " a command cannot be dated before what is already recorded",
            got=first.isoformat(),
        )


def stale_snapshot(store: str, aggregate_id: str, version: int, last: int) -> CorruptData:
    """The error for a snapshot at ``version`` whose history already runs to ``last``.

    No retry can cure it (every reload finds the same old snapshot), so it is not a
    ``ConcurrencyError``: it names the repair instead.
    """
    return CorruptData(
        store,
        f"snapshot at version {version} behind its history ({last}), as after a partial"
        " restore; run `clientflow check-store --fix` to rebuild it from the events",
        aggregate_id=aggregate_id,
    )


def checked_history(
    store: str, aggregate_id: str, events: Sequence[EventRecord]
) -> Sequence[EventRecord]:
    """``events`` if they run 1, 2, 3... for ``aggregate_id``; ``CorruptData`` otherwise.

    A history with a hole would rebuild a wrong aggregate without a word, so every
    store reads histories through this check.
    """
    for expected, event in enumerate(events, 1):
        if event.version != expected or event.aggregate_id != aggregate_id:
            versions = ", ".join(str(e.version) for e in events[:20])
            raise CorruptData(
                store,
                f"history has versions {versions}{', ...' if len(events) > 20 else ''}"
                f" (version {expected} missing or out of place); the store was edited or"
                " partly restored: restore this aggregate's events from a backup",
                aggregate_id=aggregate_id,
            )
    return events


def folded_histories(
    codec: Codec, events: Iterable[DomainEvent]
) -> list[tuple[Aggregate, tuple[DomainEvent, ...]]]:
    """Group events into per-aggregate streams and fold each into its aggregate (imports).

    Each stream must start at version 1 and be gap-free (``ValidationError`` otherwise,
    as from :func:`~clientflow.core.decide`); the aggregate must be the stream's, at its
    last version, as a :class:`~clientflow.ports.Commit` requires. One fold per stream,
    with no decision or commit object per aggregate: imports write whole histories.
    """
    streams: dict[str, list[DomainEvent]] = {}
    for event in events:
        found = streams.get(event.aggregate_id)
        if found is None:
            streams[event.aggregate_id] = [event]
        else:
            found.append(event)
    folded = []
    for stream in streams.values():
        aggregate = rebuild(codec.kind_of_event(stream[0]).apply, stream)
        if aggregate.version != len(stream) or aggregate.id != stream[0].aggregate_id:
            raise ValidationError(
                "commit.aggregate",
                f"{stream[0].aggregate_id} at version {len(stream)} (its events folded)",
                got=f"{aggregate.id}@{aggregate.version}",
            )
        folded.append((aggregate, tuple(stream)))
    return folded


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (back as it was after).

    A bulk import allocates millions of rows, texts and intermediate dicts, none of them
    in a reference cycle (they are freed by reference counting), and each pass of the
    collector walks every live object, the caller's events included: about a third of a
    200,000-event import went to those passes. Another thread that turns it back on
    meanwhile only costs the block its speed.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


_SECRET = re.compile(r"(?i)((?:^|[?&;])(?:[a-z_]*password|passwd|pwd|secret|token|sslkey)=)[^&;]*")
_USERINFO = re.compile(r"(://[^/:@]*:)[^@/]*@")


def safe_url(url: str) -> str:
    """``url`` with its passwords shown as ``***``: the one in ``user:password@`` and any
    in the query string (libpq and its drivers take ``?password=`` too), for labels,
    errors and logs.

    >>> safe_url("postgresql+psycopg://bob:s3cret@db/x?password=s3cret2&sslmode=require")
    'postgresql+psycopg://bob:***@db/x?password=***&sslmode=require'
    """  # noqa: D205
    return _SECRET.sub(r"\1***", _USERINFO.sub(r"\1***@", url))
