"""What the engine and the stores need to know about one workflow's aggregates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import attrs
import pendulum

from clientflow.core.aggregate import Aggregate, Apply, Decision
from clientflow.core.errors import ValidationError
from clientflow.core.events import EventRegistry
from clientflow.core.ids import check_id

__all__ = ["Description", "Timer", "WorkflowKind"]

A = TypeVar("A", bound=Aggregate)

Timer = Callable[[A, pendulum.DateTime], Decision[A]]
"""Fires an aggregate's due timer at ``now``; returns the decision (events to save)."""


@attrs.frozen
class Description:
    """What the read side indexes about an aggregate, besides its status and deadline.

    ``closed`` says whether the aggregate reached a final state (its store records
    when); empty strings mean "does not apply" (a survey record has no project).
    """

    client: str = attrs.field(default="", validator=lambda _, a, v: _indexed(a.name, v))
    project: str = attrs.field(default="", validator=lambda _, a, v: _indexed(a.name, v))
    owner: str = attrs.field(default="", validator=lambda _, a, v: _indexed(a.name, v))
    priority: str = attrs.field(default="", validator=lambda _, a, v: _indexed(a.name, v, 64))
    opened_at: pendulum.DateTime | None = None
    closed: bool = False


def _indexed(field: str, value: object, limit: int | None = None) -> None:
    """What the read side indexes is empty or an id (the stores' columns hold an id on
    every store, so a 300-character client is refused here, the same everywhere)."""  # noqa: D205, D209
    if value == "":
        return
    check_id(value, field)
    if limit is not None and len(value) > limit:  # type: ignore[arg-type]
        raise ValidationError(field, f"at most {limit} characters", got=value)


@attrs.frozen
class WorkflowKind(Generic[A]):
    """A workflow as the engine sees it.

    A name, the aggregate type, how to evolve it from events, which events it has, and
    what to do when its ``next_deadline`` passes (``fire``), and what the read side
    indexes about it (``describe``: client, project, owner, priority, opened, closed).

    ``name`` is stored with every aggregate, so it must never change once data exists.
    """

    name: str
    aggregate: type[A]
    apply: Apply[A]
    events: EventRegistry
    fire: Timer[A] | None = None
    describe: Callable[[A], Description] | None = None
