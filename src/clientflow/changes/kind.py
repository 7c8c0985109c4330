"""Change requests as the engine sees them: aggregate, events and the approval timer."""

from __future__ import annotations

from collections.abc import Callable

import pendulum

from clientflow.changes.commands import escalate_overdue
from clientflow.changes.events import EVENTS, apply
from clientflow.changes.machine import TABLE
from clientflow.changes.model import ChangeRequest
from clientflow.core import BusinessCalendar, Decision, Description, WorkflowKind

__all__ = ["KIND_NAME", "kind"]

KIND_NAME = "change"


def kind(
    calendar_for: Callable[[ChangeRequest], BusinessCalendar],
    client_of: Callable[[ChangeRequest], str] | None = None,
) -> WorkflowKind[ChangeRequest]:
    """The change-request kind; ``calendar_for`` gives a change's project calendar.

    When a change's approval deadline passes, the engine's sweep escalates it.
    ``client_of`` names the client of a change's project for the read side (a change
    records only its project).
    """

    def fire(change: ChangeRequest, now: pendulum.DateTime) -> Decision[ChangeRequest]:
        return escalate_overdue(change, calendar_for(change), now)

    def describe(change: ChangeRequest) -> Description:
        return Description(
            client="" if client_of is None else client_of(change),
            project=change.project,
            owner=change.requester,
            priority="" if change.impact is None else change.impact.priority.value,
            opened_at=change.requested_at,
            closed=change.status in TABLE.final,
        )

    return WorkflowKind(KIND_NAME, ChangeRequest, apply, EVENTS, fire, describe)
