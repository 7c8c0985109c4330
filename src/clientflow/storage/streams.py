"""Helpers every store shares."""

from __future__ import annotations

from collections.abc import Iterable

from clientflow.core import Codec, DomainEvent, decide
from clientflow.ports import Commit

__all__ = ["commits_from_history"]


def commits_from_history(codec: Codec, events: Iterable[DomainEvent]) -> list[Commit]:
    """Group events into per-aggregate streams and rebuild each aggregate (for imports).

    Each stream must start at version 1 and be gap-free; ``decide`` checks it.
    """
    streams: dict[str, list[DomainEvent]] = {}
    for event in events:
        streams.setdefault(event.aggregate_id, []).append(event)
    commits = []
    for stream in streams.values():
        decision = decide(codec.kind_of_event(stream[0]).apply, None, *stream)
        commits.append(Commit(decision.aggregate, decision.events, 0))
    return commits
