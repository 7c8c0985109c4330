"""Feedback items and contacts' surveys as the engine sees them."""

from __future__ import annotations

from collections.abc import Callable

import pendulum

from clientflow.core import BusinessCalendar, Decision, Description, WorkflowKind
from clientflow.feedback.commands import escalate_overdue, fire_surveys
from clientflow.feedback.events import FEEDBACK_EVENTS, SURVEY_EVENTS, apply, apply_surveys
from clientflow.feedback.machine import TABLE
from clientflow.feedback.model import ContactSurveys, Feedback
from clientflow.feedback.policy import SurveyPolicy

__all__ = ["FEEDBACK_KIND", "SURVEYS_KIND", "kind", "surveys_kind"]

FEEDBACK_KIND = "feedback"
SURVEYS_KIND = "surveys"


def kind(calendar_for: Callable[[Feedback], BusinessCalendar]) -> WorkflowKind[Feedback]:
    """The feedback kind; an overdue follow-up step is escalated by the sweep."""

    def fire(feedback: Feedback, now: pendulum.DateTime) -> Decision[Feedback]:
        return escalate_overdue(feedback, calendar_for(feedback), now)

    return WorkflowKind(FEEDBACK_KIND, Feedback, apply, FEEDBACK_EVENTS, fire, describe)


def describe(feedback: Feedback) -> Description:
    """What the read side indexes about feedback (its priority is its sentiment)."""
    return Description(
        client=feedback.client,
        project=feedback.project,
        owner=feedback.owner or "",
        priority="" if feedback.sentiment is None else feedback.sentiment.value,
        opened_at=feedback.received_at,
        closed=feedback.status in TABLE.final,
    )


def describe_surveys(surveys: ContactSurveys) -> Description:
    """What the read side indexes about a contact's surveys."""
    return Description(client=surveys.client, owner=surveys.contact)


def surveys_kind(
    policy_for: Callable[[ContactSurveys], SurveyPolicy],
    follow_up_open: Callable[[str], bool],
) -> WorkflowKind[ContactSurveys]:
    """The contacts' surveys kind: deferred sends, reminders, expiry and periodic surveys.

    ``follow_up_open(contact)`` tells whether the contact has feedback in follow-up.
    """

    def fire(surveys: ContactSurveys, now: pendulum.DateTime) -> Decision[ContactSurveys]:
        return fire_surveys(
            surveys, policy_for(surveys), now, follow_up_open=follow_up_open(surveys.contact)
        )

    return WorkflowKind(
        SURVEYS_KIND, ContactSurveys, apply_surveys, SURVEY_EVENTS, fire, describe_surveys
    )
