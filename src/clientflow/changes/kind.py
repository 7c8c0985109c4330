"""Change requests as the engine sees them: aggregate, events and the approval timer."""

from __future__ import annotations

from collections.abc import Callable

import pendulum

from clientflow.changes.commands import escalate_overdue
from clientflow.changes.events import EVENTS, apply
from clientflow.changes.model import ChangeRequest
from clientflow.core import BusinessCalendar, Decision, WorkflowKind

__all__ = ["KIND_NAME", "kind"]

KIND_NAME = "change"


def kind(calendar_for: Callable[[ChangeRequest], BusinessCalendar]) -> WorkflowKind[ChangeRequest]:
    """The change-request kind; ``calendar_for`` gives a change's project calendar.

    When a change's approval deadline passes, the engine's sweep escalates it.
    """

    def fire(change: ChangeRequest, now: pendulum.DateTime) -> Decision[ChangeRequest]:
        return escalate_overdue(change, calendar_for(change), now)

    return WorkflowKind(KIND_NAME, ChangeRequest, apply, EVENTS, fire)
