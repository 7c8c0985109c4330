"""Feedback rules: classification bands, follow-up targets, survey throttling.

Survey throttling, as documented choices:

- the limit is a rolling window per contact measured from the last survey *sent* (not
  the last answer): at most one survey every ``min_days_between`` days;
- reminders never count against the limit;
- with ``block_during_follow_up`` (default), no survey goes to a contact whose
  negative or neutral feedback is still being followed up;
- an over-limit survey is deferred to the first day it is allowed (``OverLimit.DEFER``,
  default) or dropped (``OverLimit.DROP``); a deferred survey is re-checked when due.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs
import pendulum

from clientflow.core import Anyone, HasRole, IsParty, Rule, ValidationError
from clientflow.feedback.model import Bands, Targets

__all__ = ["FeedbackPermissions", "FeedbackPolicy", "OverLimit", "SurveyPolicy"]

_OWNER, _PM, _SUPPORT, _CLIENT = (
    IsParty("owner"),
    HasRole("pm"),
    HasRole("support"),
    HasRole("client"),
)


@attrs.frozen
class FeedbackPermissions:
    """Who may move feedback along and survey contacts (``[permissions.feedback]``).

    The party is ``owner`` (the follow-up owner, once assigned); every check also needs
    the actor to act within the feedback's client (see :func:`clientflow.core.require`).
    Defaults, as a support lead runs it: anyone of the client or the team may record
    feedback (``receive``); the support desk and the project manager triage, thank and
    ``assign``; the owner, support and the PM do the follow-up steps (``follow_up``:
    contact, plan, complete); the client's own people confirm, or the owner or PM
    records their confirmation (``confirm``); the client, the owner, support or the PM
    reopen; only the owner or the PM ``close``; support and the PM send surveys
    (``survey``), and the contact's answer is recorded by them or by the client
    (``answer_survey``).
    """

    receive: Rule = Anyone()
    triage: Rule = _OWNER | _PM | _SUPPORT
    thank: Rule = _OWNER | _PM | _SUPPORT
    assign: Rule = _PM | _SUPPORT
    follow_up: Rule = _OWNER | _PM | _SUPPORT
    confirm: Rule = _CLIENT | _OWNER | _PM
    reopen: Rule = _CLIENT | _OWNER | _PM | _SUPPORT
    close: Rule = _OWNER | _PM
    survey: Rule = _PM | _SUPPORT
    answer_survey: Rule = _CLIENT | _PM | _SUPPORT


@attrs.frozen
class FeedbackPolicy:
    """How feedback is classified and how fast each follow-up step must happen.

    Trend charts draw one point a week, each over the ``trend_window_weeks`` weeks that
    end with it (a rolling window, so sparse answers still draw a line); a point whose
    window has fewer answers than ``trend_min_answers`` shows no score (one or two
    answers swing a percentage from 0 to 100), its count still shows.
    """

    bands: Bands = Bands()
    targets: Targets = Targets()
    trend_min_answers: int = attrs.field(default=3)
    trend_window_weeks: int = attrs.field(default=4)

    @trend_min_answers.validator
    @trend_window_weeks.validator
    def _at_least_one(self, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError(attribute.name, "a whole number of 1 or more", got=value)


class OverLimit(enum.Enum):
    """What happens to a survey the throttle does not allow now."""

    DEFER = "defer"
    DROP = "drop"


@attrs.frozen
class SurveyPolicy:
    """Throttling, reminders, expiry and the optional periodic schedule of surveys."""

    min_between: pendulum.Duration = pendulum.duration(days=30)
    over_limit: OverLimit = OverLimit.DEFER
    block_during_follow_up: bool = True
    remind_after: pendulum.Duration = pendulum.duration(days=3)
    max_reminders: int = 2
    expire_after: pendulum.Duration = pendulum.duration(days=14)
    periodic_every: pendulum.Duration | None = None

    def __attrs_post_init__(self) -> None:
        spans = {
            "min_between": self.min_between,
            "remind_after": self.remind_after,
            "expire_after": self.expire_after,
            "periodic_every": self.periodic_every,
        }
        for name, value in spans.items():
            if value is None and name == "periodic_every":
                continue
            if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
                raise ValidationError(f"surveys.{name}", "a duration > 0", got=value)
        reminders = self.max_reminders
        if isinstance(reminders, bool) or not isinstance(reminders, int) or reminders < 0:
            raise ValidationError("surveys.max_reminders", "a whole number >= 0", got=reminders)
