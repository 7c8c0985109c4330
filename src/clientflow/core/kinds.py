"""What the engine and the stores need to know about one workflow's aggregates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import attrs
import pendulum

from clientflow.core.aggregate import Aggregate, Apply, Decision
from clientflow.core.events import EventRegistry

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

    client: str = ""
    project: str = ""
    owner: str = ""
    priority: str = ""
    opened_at: pendulum.DateTime | None = None
    closed: bool = False


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
