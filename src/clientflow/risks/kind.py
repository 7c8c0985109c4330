"""Risks as the engine sees them: missed reviews and overdue actions fire in sweeps."""

from __future__ import annotations

from collections.abc import Callable

import pendulum

from clientflow.core import BusinessCalendar, Decision, Description, WorkflowKind
from clientflow.risks.commands import fire_timers
from clientflow.risks.events import EVENTS, apply
from clientflow.risks.model import Risk
from clientflow.risks.policy import RiskPolicy

__all__ = ["KIND_NAME", "describe", "kind"]

KIND_NAME = "risk"


def kind(
    calendar_for: Callable[[Risk], BusinessCalendar], policy_for: Callable[[Risk], RiskPolicy]
) -> WorkflowKind[Risk]:
    """The risk kind: ``calendar_for`` is the client's calendar, ``policy_for`` the rules."""

    def fire(risk: Risk, now: pendulum.DateTime) -> Decision[Risk]:
        return fire_timers(risk, now, policy=policy_for(risk), calendar=calendar_for(risk))

    return WorkflowKind(KIND_NAME, Risk, apply, EVENTS, fire, describe)


def describe(risk: Risk) -> Description:
    """What the read side indexes about a risk.

    Its priority is its matrix cell, ``"<probability>x<impact>"`` (empty before the
    first assessment), so a heat map is one count per cell from the read side.
    """
    current = risk.current
    return Description(
        client=risk.client,
        project=risk.project,
        owner=risk.owner,
        priority="" if current is None else current.cell,
        opened_at=risk.identified_at,
        closed=risk.status == "closed",
    )
