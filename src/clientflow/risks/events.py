"""What happens to a risk, as facts, and how each fact changes one."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
import pendulum

from clientflow.core import DomainEvent, EventRegistry, ValidationError
from clientflow.risks.machine import TABLE
from clientflow.risks.model import (
    Action,
    Assessment,
    CloseReason,
    Rating,
    ResponsePlan,
    Risk,
    next_timer,
)

__all__ = [
    "EVENTS",
    "ActionDone",
    "ActionOverdue",
    "MonitoringStarted",
    "ResponsePlanned",
    "ReviewMissed",
    "RiskAssessed",
    "RiskClosed",
    "RiskIdentified",
    "RiskReviewed",
    "RiskTriggered",
    "apply",
]


@attrs.frozen(kw_only=True)
class RiskIdentified(DomainEvent):
    """A risk was put on the register (``risk_event`` is the "event" of cause -> event ->
    effect; ``client_visible`` says whether the client may see it)."""  # noqa: D205, D209

    event_type: ClassVar[str] = "risk.identified"
    client: str
    project: str
    title: str
    description: str
    category: str
    owner: str
    cause: str
    risk_event: str
    effect: str
    client_visible: bool


@attrs.frozen(kw_only=True)
class _Change(DomainEvent):
    transition: ClassVar[str] = ""


@attrs.frozen(kw_only=True)
class RiskAssessed(_Change):
    """Probability and impact were (re-)assessed; the next review is due at ``review_due``.

    ``reopened`` is true when the assessment brought a closed risk back on the register.
    """

    event_type: ClassVar[str] = "risk.assessed"
    transition: ClassVar[str] = "assess"
    assessment: Assessment
    review_due: pendulum.DateTime
    reopened: bool = False


@attrs.frozen(kw_only=True)
class ResponsePlanned(_Change):
    """The response: strategy, actions with owners and due dates, trigger, contingency."""

    event_type: ClassVar[str] = "risk.response_planned"
    transition: ClassVar[str] = "plan"
    plan: ResponsePlan


@attrs.frozen(kw_only=True)
class MonitoringStarted(_Change):
    """The response is in place; the team now watches the trigger."""

    event_type: ClassVar[str] = "risk.monitoring_started"
    transition: ClassVar[str] = "monitor"
    note: str = ""


@attrs.frozen(kw_only=True)
class RiskReviewed(_Change):
    """Someone looked at the risk again without changing its assessment."""

    event_type: ClassVar[str] = "risk.reviewed"
    transition: ClassVar[str] = "review"
    note: str
    review_due: pendulum.DateTime


@attrs.frozen(kw_only=True)
class ActionDone(_Change):
    """A response action was completed."""

    event_type: ClassVar[str] = "risk.action_done"
    transition: ClassVar[str] = "complete_action"
    action_id: str
    note: str = ""


@attrs.frozen(kw_only=True)
class RiskTriggered(_Change):
    """The risk happened: issue ``issue_id`` was opened with ``priority`` from the rating."""

    event_type: ClassVar[str] = "risk.triggered"
    transition: ClassVar[str] = "trigger"
    issue_id: str
    priority: str
    rating: Rating | None
    note: str


@attrs.frozen(kw_only=True)
class RiskClosed(_Change):
    """The risk left the register (expired, avoided, accepted or resolved)."""

    event_type: ClassVar[str] = "risk.closed"
    transition: ClassVar[str] = "close"
    reason: CloseReason
    note: str = ""


@attrs.frozen(kw_only=True)
class ReviewMissed(_Change):
    """The sweep found the review due at ``was_due`` not done (raised once per period)."""

    event_type: ClassVar[str] = "risk.review_missed"
    transition: ClassVar[str] = "alert"
    was_due: pendulum.DateTime
    owner: str
    client: str
    project: str
    rating: Rating | None


@attrs.frozen(kw_only=True)
class ActionOverdue(_Change):
    """A response action passed its due date; escalated again at ``next_alert``."""

    event_type: ClassVar[str] = "risk.action_overdue"
    transition: ClassVar[str] = "alert"
    action_id: str
    owner: str
    was_due: pendulum.DateTime
    level: int
    next_alert: pendulum.DateTime
    client: str


EVENTS = EventRegistry(
    [
        RiskIdentified,
        RiskAssessed,
        ResponsePlanned,
        MonitoringStarted,
        RiskReviewed,
        ActionDone,
        RiskTriggered,
        RiskClosed,
        ReviewMissed,
        ActionOverdue,
    ]
)
"""The event types of risks."""


def _changes(risk: Risk, event: _Change) -> dict[str, Any]:
    at = event.occurred_at
    if isinstance(event, RiskAssessed):
        return {
            "assessments": (*risk.assessments, event.assessment),
            "review_due": event.review_due,
            "review_alerted": False,
            "last_reviewed": at,
            "closed_reason": None,
        }
    if isinstance(event, ResponsePlanned):
        return {"plan": event.plan}
    if isinstance(event, RiskReviewed):
        return {"review_due": event.review_due, "review_alerted": False, "last_reviewed": at}
    if isinstance(event, ActionDone | ActionOverdue):
        assert risk.plan is not None  # the commands check there is a plan with this action
        actions = tuple(
            _action_after(action, event) if action.id == event.action_id else action
            for action in risk.plan.actions
        )
        return {"plan": attrs.evolve(risk.plan, actions=actions)}
    if isinstance(event, RiskTriggered):
        return {"issues": (*risk.issues, event.issue_id)}
    if isinstance(event, RiskClosed):
        return {"closed_reason": event.reason, "review_due": None, "review_alerted": False}
    if isinstance(event, ReviewMissed):
        return {"review_alerted": True}
    return {}


def _action_after(action: Action, event: ActionDone | ActionOverdue) -> Action:
    if isinstance(event, ActionDone):
        return attrs.evolve(action, done_at=event.occurred_at, next_alert=None)
    return attrs.evolve(action, alerts=event.level, next_alert=event.next_alert)


def apply(risk: Risk | None, event: DomainEvent) -> Risk:
    """Evolve a risk by one event; the only code that changes one."""
    if isinstance(event, RiskIdentified):
        if risk is not None:
            raise ValidationError(
                "event", "risk.identified only as the first event", got=event.event_id
            )
        return Risk(
            id=event.aggregate_id,
            version=event.aggregate_version,
            status=TABLE.initial,
            client=event.client,
            project=event.project,
            title=event.title,
            description=event.description,
            category=event.category,
            owner=event.owner,
            cause=event.cause,
            event=event.risk_event,
            effect=event.effect,
            client_visible=event.client_visible,
            identified_at=event.occurred_at,
        )
    if risk is None:
        raise ValidationError("event", "risk.identified as the first event", got=event.event_type)
    if not isinstance(event, _Change):
        raise ValidationError("event", "a risk event", got=type(event).__name__)
    status = TABLE.target(risk.status, type(event).transition)
    changes = _changes(risk, event)
    # One evolve, the next deadline computed from the fields as they will be.
    deadline = next_timer(
        status,
        changes.get("plan", risk.plan),
        changes.get("review_due", risk.review_due),
        changes.get("review_alerted", risk.review_alerted),
    )
    return attrs.evolve(
        risk, version=event.aggregate_version, status=status, next_deadline=deadline, **changes
    )
