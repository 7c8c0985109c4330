"""Communication plans as the engine sees them: their alerts fire in sweeps."""

from __future__ import annotations

from collections.abc import Callable

import pendulum

from clientflow.cadence.commands import fire_alerts
from clientflow.cadence.events import EVENTS, apply
from clientflow.cadence.machine import TABLE
from clientflow.cadence.model import CommunicationPlan
from clientflow.cadence.policy import Schedule
from clientflow.core import Decision, Description, WorkflowKind

__all__ = ["KIND_NAME", "kind"]

KIND_NAME = "plan"


def kind(schedule_for: Callable[[CommunicationPlan], Schedule]) -> WorkflowKind[CommunicationPlan]:
    """The plan kind; ``schedule_for`` gives the Schedule (calendar + cache) of a plan.

    Share one Schedule per calendar across plans: its expansion cache is what makes
    sweeping many plans cheap.
    """

    def fire(plan: CommunicationPlan, now: pendulum.DateTime) -> Decision[CommunicationPlan]:
        return fire_alerts(plan, schedule=schedule_for(plan), now=now)

    return WorkflowKind(KIND_NAME, CommunicationPlan, apply, EVENTS, fire, describe)


def describe(plan: CommunicationPlan) -> Description:
    """What the read side indexes about a communication plan."""
    return Description(
        client=plan.client,
        project=plan.project,
        opened_at=plan.created_at,
        closed=plan.status in TABLE.final,
    )
