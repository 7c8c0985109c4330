"""Issues as the engine sees them: SLA thresholds and escalation steps fire in sweeps."""

from __future__ import annotations

from collections.abc import Callable

import pendulum

from clientflow.core import BusinessCalendar, Decision, Description, WorkflowKind
from clientflow.escalation.commands import COMMANDS, fire_timers
from clientflow.escalation.events import EVENTS, apply
from clientflow.escalation.machine import TABLE
from clientflow.escalation.model import Issue
from clientflow.escalation.policy import EscalationPolicy

__all__ = ["KIND_NAME", "kind"]

KIND_NAME = COMMANDS.kind


def kind(
    calendar_for: Callable[[Issue], BusinessCalendar],
    escalation_for: Callable[[Issue], EscalationPolicy | None],
) -> WorkflowKind[Issue]:
    """The issue kind.

    ``calendar_for`` is the calendar an issue's SLA runs on (the client's or the
    team's), ``escalation_for`` its escalation policy.
    """

    def fire(issue: Issue, now: pendulum.DateTime) -> Decision[Issue]:
        return fire_timers(
            issue, now, calendar=calendar_for(issue), escalation=escalation_for(issue)
        )

    return WorkflowKind(KIND_NAME, Issue, apply, EVENTS, fire, describe)


def describe(issue: Issue) -> Description:
    """What the read side indexes about an issue."""
    return Description(
        client=issue.client,
        project=issue.project,
        owner=issue.owner,
        priority=issue.priority,
        opened_at=issue.reported_at,
        closed=issue.status in TABLE.final,
    )
