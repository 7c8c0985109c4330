"""Turning aggregates and events into JSON text and back, once, for every adapter.

Stores that keep text (SQLite, PostgreSQL, MariaDB, a host's own tables) use a
:class:`Codec` built from the workflow kinds they hold; the memory store keeps the
immutable objects themselves and never pays for serialisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from clientflow.core.aggregate import Aggregate
from clientflow.core.errors import ValidationError
from clientflow.core.events import (
    DomainEvent,
    EventRegistry,
    make_converter_for_events,
    read_json,
)
from clientflow.core.jsontext import TextWriter
from clientflow.core.kinds import Description, WorkflowKind

__all__ = ["Codec"]


class Codec:
    """Encodes and decodes the aggregates and events of a set of workflow kinds."""

    __slots__ = (
        "_by_event",
        "_by_name",
        "_by_type",
        "_converter",
        "event_kinds",
        "events",
        "remembering",
        "rules",
        "writer",
    )

    def __init__(self, kinds: Iterable[WorkflowKind[Any]], *, rules: str | None = None) -> None:
        by_name: dict[str, WorkflowKind[Any]] = {}
        registry: EventRegistry | None = None
        for kind in kinds:
            if kind.name in by_name:
                raise ValidationError("kinds", "unique kind names", got=kind.name)
            by_name[kind.name] = kind
            registry = kind.events if registry is None else registry | kind.events
        if registry is None:
            raise ValidationError("kinds", "at least one workflow kind")
        self._by_name: Mapping[str, WorkflowKind[Any]] = by_name
        by_type: dict[type, WorkflowKind[Any]] = {}
        for kind in by_name.values():
            # Aggregates are told apart by their class: two kinds sharing one would file
            # every aggregate of both under whichever came last.
            shared = by_type.setdefault(kind.aggregate, kind)
            if shared is not kind:
                raise ValidationError(
                    f"kinds.{kind.name}.aggregate",
                    f"an aggregate class of its own (the kind {shared.name!r} has"
                    f" {kind.aggregate.__qualname__} already)",
                    got=kind.aggregate,
                )
        self._by_type: Mapping[type, WorkflowKind[Any]] = by_type
        self._by_event: Mapping[str, WorkflowKind[Any]] = {
            name: k for k in by_name.values() for name in k.events.names
        }
        self.event_kinds: Mapping[str, str] = {
            name: kind.name for name, kind in self._by_event.items()
        }
        """Each event type's kind name: a commit's events are checked against it, and a
        migration files an aggregate under its first event's."""
        self._converter = make_converter_for_events()
        self.writer = TextWriter(self._converter)
        """Writes these kinds' aggregates as their snapshot text (code generated once)."""
        self.remembering = TextWriter(self._converter, remember=True)
        """The same texts, for imports: writes each top-level part of an event or
        aggregate (an impact, an approval round) once, reusing the text for the same
        object (an aggregate's round is its event's); ``forget`` after."""
        self.events = registry
        self.rules = rules
        """The fingerprint of the rules whose timers this codec fires (``None``: none)."""

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kind names, sorted."""
        return tuple(sorted(self._by_name))

    def kind(self, name: str) -> WorkflowKind[Any]:
        """The kind called ``name``; ``ValidationError`` naming the known kinds otherwise."""
        try:
            return self._by_name[name]
        except KeyError:
            raise ValidationError("kind", f"one of {', '.join(self.kinds)}", got=name) from None

    def kind_of(self, aggregate: Aggregate) -> WorkflowKind[Any]:
        """The kind an aggregate object belongs to."""
        try:
            return self._by_type[type(aggregate)]
        except KeyError:
            raise ValidationError(
                "aggregate",
                f"an aggregate of one of the kinds {', '.join(self.kinds)}",
                got=type(aggregate),
            ) from None

    def kind_of_event(self, event: DomainEvent) -> WorkflowKind[Any]:
        """The kind whose history an event belongs to."""
        try:
            return self._by_event[type(event).event_type]
        except KeyError:
            raise ValidationError(
                "event", f"an event of one of the kinds {', '.join(self.kinds)}", got=type(event)
            ) from None

    def dump_aggregate(self, aggregate: Aggregate) -> tuple[str, str]:
        """``(kind name, JSON snapshot)`` of an aggregate."""
        kind = self.kind_of(aggregate)
        return kind.name, self.writer.write(aggregate)

    def load_aggregate(self, kind_name: str, snapshot: str | bytes) -> Aggregate:
        """The aggregate a stored snapshot describes; ``ValidationError`` if corrupt."""
        kind = self.kind(kind_name)
        aggregate: Aggregate = read_json(
            self._converter, snapshot, kind.aggregate, f"snapshot of a {kind_name}"
        )
        return aggregate

    def describe(self, aggregate: Aggregate) -> Description:
        """What the read side indexes about an aggregate (empty for kinds that say nothing)."""
        kind = self.kind_of(aggregate)
        return Description() if kind.describe is None else kind.describe(aggregate)

    def dump_event(self, event: DomainEvent) -> tuple[str, str]:
        """``(event type, JSON payload)``."""
        return self.events.encode(event)

    def load_event(self, event_type: str, payload: str | bytes) -> DomainEvent:
        """The event a stored type and payload describe."""
        return self.events.decode(event_type, payload)
