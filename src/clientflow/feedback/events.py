"""What happens to feedback and surveys, as facts, and how each fact changes an aggregate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import attrs
import pendulum

from clientflow.core import DomainEvent, EventRegistry, ValidationError
from clientflow.feedback.machine import SURVEY_TABLE, TABLE
from clientflow.feedback.model import (
    Channel,
    ContactSurveys,
    Feedback,
    Sentiment,
    StepRecord,
    SurveyRecord,
    Targets,
    Trigger,
)

__all__ = [
    "EVENTS",
    "FEEDBACK_EVENTS",
    "SURVEY_EVENTS",
    "ActionCompleted",
    "ActionPlanned",
    "ClientConfirmed",
    "ClientContacted",
    "FeedbackClosed",
    "FeedbackReceived",
    "FeedbackThanked",
    "FeedbackTriaged",
    "FollowUpAssigned",
    "FollowUpOverdue",
    "FollowUpReopened",
    "PeriodicSurveyScheduled",
    "SurveyAnswered",
    "SurveyDeferred",
    "SurveyDropped",
    "SurveyExpired",
    "SurveyReminded",
    "SurveySent",
    "apply",
    "apply_surveys",
]


@attrs.frozen(kw_only=True)
class FeedbackReceived(DomainEvent):
    """Feedback arrived; ``sentiment`` is the automatic classification (None: no score)."""

    event_type: ClassVar[str] = "feedback.received"
    client: str
    project: str
    contact: str
    channel: Channel
    csat: int | None
    nps: int | None
    text: str
    sentiment: Sentiment | None
    targets: Targets
    due: pendulum.DateTime


@attrs.frozen(kw_only=True)
class _Step(DomainEvent):
    """A follow-up step was done; ``next_step`` is due at ``due`` (None when none is)."""

    transition: ClassVar[str] = ""
    next_step: str | None
    due: pendulum.DateTime | None


@attrs.frozen(kw_only=True)
class FeedbackTriaged(_Step):
    """Someone read it and confirmed (or set) its sentiment.

    ``overridden_from`` is the sentiment the score gave when a person chose another one,
    with their ``reason``; ``None`` when the score's sentiment was confirmed.
    """

    event_type: ClassVar[str] = "feedback.triaged"
    transition: ClassVar[str] = "triage"
    sentiment: Sentiment
    overridden_from: Sentiment | None = None
    reason: str = ""


@attrs.frozen(kw_only=True)
class FeedbackThanked(_Step):
    """Positive feedback was answered with thanks."""

    event_type: ClassVar[str] = "feedback.thanked"
    transition: ClassVar[str] = "thank"
    message: str


@attrs.frozen(kw_only=True)
class FollowUpAssigned(_Step):
    """An owner took on the follow-up."""

    event_type: ClassVar[str] = "feedback.follow_up_assigned"
    transition: ClassVar[str] = "assign"
    owner: str


@attrs.frozen(kw_only=True)
class ClientContacted(_Step):
    """The owner talked to the client: listened, acknowledged."""

    event_type: ClassVar[str] = "feedback.client_contacted"
    transition: ClassVar[str] = "contact"
    note: str


@attrs.frozen(kw_only=True)
class ActionPlanned(_Step):
    """A solution was agreed."""

    event_type: ClassVar[str] = "feedback.action_planned"
    transition: ClassVar[str] = "plan"
    plan: str


@attrs.frozen(kw_only=True)
class ActionCompleted(_Step):
    """The solution was carried out."""

    event_type: ClassVar[str] = "feedback.action_completed"
    transition: ClassVar[str] = "complete"
    note: str


@attrs.frozen(kw_only=True)
class ClientConfirmed(_Step):
    """The client confirmed they are satisfied."""

    event_type: ClassVar[str] = "feedback.client_confirmed"
    transition: ClassVar[str] = "confirm"
    note: str


@attrs.frozen(kw_only=True)
class FollowUpReopened(_Step):
    """The client is still unhappy: back to planning a solution."""

    event_type: ClassVar[str] = "feedback.follow_up_reopened"
    transition: ClassVar[str] = "reopen"
    reason: str


@attrs.frozen(kw_only=True)
class FeedbackClosed(_Step):
    """Done: thanked, or followed up to the client's confirmation."""

    event_type: ClassVar[str] = "feedback.closed"
    transition: ClassVar[str] = "close"


@attrs.frozen(kw_only=True)
class FollowUpOverdue(DomainEvent):
    """A follow-up deadline passed: the escalation an issue can be opened from."""

    event_type: ClassVar[str] = "feedback.follow_up_overdue"
    step: str
    was_due: pendulum.DateTime
    level: int
    owner: str | None
    client: str
    project: str
    sentiment: Sentiment | None
    next_deadline: pendulum.DateTime


@attrs.frozen(kw_only=True)
class SurveySent(DomainEvent):
    """A survey went to the contact (now, or when its deferral ended)."""

    event_type: ClassVar[str] = "survey.sent"
    survey_id: str
    client: str
    trigger: Trigger
    next_reminder: pendulum.DateTime | None
    expires_at: pendulum.DateTime
    follow_up_open: bool = False
    """Whether the contact had feedback in follow-up when this was decided (an input
    from another aggregate, recorded so a what-if can decide again; ``False`` on events
    recorded before it was)."""


@attrs.frozen(kw_only=True)
class SurveyDeferred(DomainEvent):
    """Over the contact's limit: the survey waits until ``send_at``."""

    event_type: ClassVar[str] = "survey.deferred"
    survey_id: str
    client: str
    trigger: Trigger
    send_at: pendulum.DateTime
    reason: str
    follow_up_open: bool = False
    """Whether the contact had feedback in follow-up when this was decided (an input
    from another aggregate, recorded so a what-if can decide again; ``False`` on events
    recorded before it was)."""


@attrs.frozen(kw_only=True)
class SurveyDropped(DomainEvent):
    """Over the contact's limit (or a follow-up is open): the survey is not sent."""

    event_type: ClassVar[str] = "survey.dropped"
    survey_id: str
    client: str
    trigger: Trigger
    reason: str
    follow_up_open: bool = False
    """Whether the contact had feedback in follow-up when this was decided (an input
    from another aggregate, recorded so a what-if can decide again; ``False`` on events
    recorded before it was)."""


@attrs.frozen(kw_only=True)
class SurveyReminded(DomainEvent):
    """A reminder went out (it does not count against the limit)."""

    event_type: ClassVar[str] = "survey.reminded"
    survey_id: str
    next_reminder: pendulum.DateTime | None


@attrs.frozen(kw_only=True)
class SurveyAnswered(DomainEvent):
    """The contact answered; ``feedback_id`` is the feedback item it became."""

    event_type: ClassVar[str] = "survey.answered"
    survey_id: str
    feedback_id: str | None


@attrs.frozen(kw_only=True)
class SurveyExpired(DomainEvent):
    """No answer in time."""

    event_type: ClassVar[str] = "survey.expired"
    survey_id: str


@attrs.frozen(kw_only=True)
class PeriodicSurveyScheduled(DomainEvent):
    """The next periodic survey to this contact is planned for ``at``."""

    event_type: ClassVar[str] = "survey.periodic_scheduled"
    client: str
    at: pendulum.DateTime | None


_STEP_EVENTS: tuple[type[_Step], ...] = (
    FeedbackTriaged,
    FeedbackThanked,
    FollowUpAssigned,
    ClientContacted,
    ActionPlanned,
    ActionCompleted,
    ClientConfirmed,
    FollowUpReopened,
    FeedbackClosed,
)
FEEDBACK_EVENTS = EventRegistry([FeedbackReceived, *_STEP_EVENTS, FollowUpOverdue])
"""The event types of feedback items."""
SURVEY_EVENTS = EventRegistry(
    [
        SurveySent,
        SurveyDeferred,
        SurveyDropped,
        SurveyReminded,
        SurveyAnswered,
        SurveyExpired,
        PeriodicSurveyScheduled,
    ]
)
"""The event types of contacts' survey records."""
EVENTS = FEEDBACK_EVENTS | SURVEY_EVENTS
"""Every feedback and survey event type."""


def _steps_after(feedback: Feedback, event: _Step) -> tuple[StepRecord, ...]:
    steps = list(feedback.steps)
    if steps and steps[-1].done is None:
        steps[-1] = attrs.evolve(steps[-1], done=event.occurred_at)
    if event.next_step is not None and event.due is not None:
        steps.append(StepRecord(event.next_step, event.due))
    return tuple(steps)


def _stepped(feedback: Feedback, event: _Step) -> Feedback:
    changes: dict[str, Any] = {}
    if isinstance(event, FeedbackTriaged):
        changes["sentiment"] = event.sentiment
        if event.overridden_from is not None:
            changes["override_reason"] = event.reason
    elif isinstance(event, FollowUpAssigned):
        changes["owner"] = event.owner
    elif isinstance(event, ActionPlanned):
        changes["plan"] = event.plan
    elif isinstance(event, FollowUpReopened):
        changes["reopened"] = feedback.reopened + 1
    return attrs.evolve(
        feedback,
        version=event.aggregate_version,
        status=TABLE.target(feedback.status, type(event).transition),
        steps=_steps_after(feedback, event),
        next_deadline=event.due,
        **changes,
    )


def apply(feedback: Feedback | None, event: DomainEvent) -> Feedback:
    """Evolve a feedback item by one event; the only code that changes one."""
    if isinstance(event, FeedbackReceived):
        if feedback is not None:
            raise ValidationError(
                "event", "feedback.received only as the first event", got=event.event_id
            )
        return Feedback(
            id=event.aggregate_id,
            version=event.aggregate_version,
            status=TABLE.initial,
            client=event.client,
            project=event.project,
            contact=event.contact,
            channel=event.channel,
            csat=event.csat,
            nps=event.nps,
            text=event.text,
            received_at=event.occurred_at,
            sentiment=event.sentiment,
            targets=event.targets,
            steps=(StepRecord("triage", event.due),),
            next_deadline=event.due,
        )
    if feedback is None:
        raise ValidationError("event", "feedback.received as the first event", got=event.event_type)
    if isinstance(event, _Step):
        return _stepped(feedback, event)
    if isinstance(event, FollowUpOverdue):
        TABLE.target(feedback.status, "escalate")
        return attrs.evolve(
            feedback,
            version=event.aggregate_version,
            escalations=event.level,
            next_deadline=event.next_deadline,
        )
    raise ValidationError("event", "a feedback event", got=type(event).__name__)


def _survey_update(
    surveys: ContactSurveys, survey_id: str, transition: str, **fields: Any
) -> tuple[SurveyRecord, ...]:
    updated = []
    for record in surveys.surveys:
        if record.id == survey_id:
            record = attrs.evolve(  # noqa: PLW2901 - replacing the one record that changes
                record, status=SURVEY_TABLE.target(record.status, transition), **fields
            )
        updated.append(record)
    return tuple(updated)


def _with(
    surveys: ContactSurveys, event: DomainEvent, records: tuple[SurveyRecord, ...], **fields: Any
) -> ContactSurveys:
    timers = [t for t in (r.next_timer() for r in records) if t is not None]
    next_periodic = fields.pop("next_periodic", surveys.next_periodic)
    if next_periodic is not None:
        timers.append(next_periodic)
    return attrs.evolve(
        surveys,
        version=event.aggregate_version,
        surveys=records,
        next_periodic=next_periodic,
        next_deadline=min(timers) if timers else None,
        **fields,
    )


def _new_record(
    surveys: ContactSurveys, event: SurveySent | SurveyDeferred | SurveyDropped
) -> tuple[SurveyRecord, ...]:
    if any(r.id == event.survey_id for r in surveys.surveys):
        return surveys.surveys
    return (
        *surveys.surveys,
        SurveyRecord(event.survey_id, event.trigger, "requested", event.occurred_at),
    )


_SURVEY_HANDLERS: Mapping[
    type[DomainEvent], Callable[[ContactSurveys, Any], tuple[SurveyRecord, ...]]
] = {
    SurveySent: lambda s, e: _survey_update(
        attrs.evolve(s, surveys=_new_record(s, e)),
        e.survey_id,
        "send",
        sent_at=e.occurred_at,
        next_reminder=e.next_reminder,
        expires_at=e.expires_at,
        send_at=None,
    ),
    SurveyDeferred: lambda s, e: _survey_update(
        attrs.evolve(s, surveys=_new_record(s, e)), e.survey_id, "defer", send_at=e.send_at
    ),
    SurveyDropped: lambda s, e: _survey_update(
        attrs.evolve(s, surveys=_new_record(s, e)), e.survey_id, "drop", send_at=None
    ),
    SurveyReminded: lambda s, e: _survey_update(
        s,
        e.survey_id,
        "remind",
        next_reminder=e.next_reminder,
        reminders=next(r.reminders for r in s.surveys if r.id == e.survey_id) + 1,
    ),
    SurveyAnswered: lambda s, e: _survey_update(
        s,
        e.survey_id,
        "answer",
        answered_at=e.occurred_at,
        feedback_id=e.feedback_id,
        next_reminder=None,
    ),
    SurveyExpired: lambda s, e: _survey_update(s, e.survey_id, "expire", next_reminder=None),
}


def apply_surveys(surveys: ContactSurveys | None, event: DomainEvent) -> ContactSurveys:
    """Evolve a contact's survey record by one event."""
    if surveys is None:
        if not isinstance(
            event, PeriodicSurveyScheduled | SurveySent | SurveyDeferred | SurveyDropped
        ):
            raise ValidationError(
                "event", "a survey request or schedule as the first event", got=event.event_type
            )
        contact = event.aggregate_id.removeprefix("surveys:")
        surveys = ContactSurveys(
            id=event.aggregate_id, version=0, status="active", contact=contact, client=event.client
        )
    if isinstance(event, PeriodicSurveyScheduled):
        return _with(
            surveys,
            event,
            surveys.surveys,
            next_periodic=event.at,
            client=event.client or surveys.client,
        )
    handler = _SURVEY_HANDLERS.get(type(event))
    if handler is None:
        raise ValidationError("event", "a survey event", got=type(event).__name__)
    return _with(surveys, event, handler(surveys, event))
