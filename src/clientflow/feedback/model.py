"""Feedback and surveys: aggregates and value objects."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

import attrs
import pendulum

from clientflow.core import ValidationError
from clientflow.i18n import N_

__all__ = [
    "STATUS_WORDS",
    "Bands",
    "Channel",
    "ContactSurveys",
    "Feedback",
    "Sentiment",
    "StepRecord",
    "StepTargets",
    "SurveyRecord",
    "Targets",
    "Trigger",
]

STATUS_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "received": N_("received"),
        "triaged": N_("triaged"),
        "thanked": N_("thanked"),
        "follow_up_assigned": N_("follow-up assigned"),
        "client_contacted": N_("client contacted"),
        "action_planned": N_("action planned"),
        "action_done": N_("action done"),
        "client_confirmed": N_("client confirmed"),
        "closed": N_("closed"),
    }
)
"""Each feedback status (a state of the machine) as a message id, for what people read."""


class Channel(enum.Enum):
    """Where the feedback came from."""

    SURVEY = "survey"
    MEETING = "meeting"
    EMAIL = "email"
    COMPLAINT = "complaint"
    REVIEW = "review"
    OTHER = "other"


class Sentiment(enum.Enum):
    """The classification that decides the follow-up path."""

    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


def _score(value: int | None, low: int, high: int, field: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(field, f"a whole number from {low} to {high}, or none", got=value)


@attrs.frozen
class Bands:
    """Score bands (the standard ones by default; configurable).

    NPS: promoter ``>= promoter_min`` (9), passive ``>= passive_min`` (7), else
    detractor. CSAT: satisfied ``>= satisfied_min`` (4), neutral ``>= neutral_min``
    (3), else dissatisfied.

    >>> Bands().classify(csat=None, nps=8, channel=Channel.SURVEY)
    <Sentiment.NEUTRAL: 'neutral'>
    >>> Bands().classify(csat=5, nps=3, channel=Channel.SURVEY)   # the worse signal wins
    <Sentiment.NEGATIVE: 'negative'>
    """

    promoter_min: int = 9
    passive_min: int = 7
    satisfied_min: int = 4
    neutral_min: int = 3

    def __attrs_post_init__(self) -> None:
        if not 0 < self.passive_min < self.promoter_min <= 10:
            raise ValidationError("bands.nps", "0 < passive_min < promoter_min <= 10", got=self)
        if not 1 < self.neutral_min < self.satisfied_min <= 5:
            raise ValidationError("bands.csat", "1 < neutral_min < satisfied_min <= 5", got=self)

    def nps_group(self, score: int) -> str:
        """``"promoter"``, ``"passive"`` or ``"detractor"``."""
        if score >= self.promoter_min:
            return "promoter"
        return "passive" if score >= self.passive_min else "detractor"

    def classify(self, *, csat: int | None, nps: int | None, channel: Channel) -> Sentiment | None:
        """Sentiment from the scores (the worse wins); a complaint is negative; no score: None."""
        found: list[Sentiment] = []
        if channel is Channel.COMPLAINT:
            found.append(Sentiment.NEGATIVE)
        if nps is not None:
            group = self.nps_group(nps)
            found.append(
                {"promoter": Sentiment.POSITIVE, "passive": Sentiment.NEUTRAL}.get(
                    group, Sentiment.NEGATIVE
                )
            )
        if csat is not None:
            if csat >= self.satisfied_min:
                found.append(Sentiment.POSITIVE)
            else:
                found.append(Sentiment.NEUTRAL if csat >= self.neutral_min else Sentiment.NEGATIVE)
        if not found:
            return None
        order = (Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE)
        return min(found, key=order.index)


@attrs.frozen
class StepTargets:
    """Business time allowed for each follow-up step.

    ``thank``, ``assign`` and ``contact`` count from when the feedback arrived, as
    survey platforms measure closing the loop: a slow triage or assignment must not
    quietly extend what the client was promised. ``plan`` counts from the contact,
    ``complete`` from the plan, ``confirm`` from the completion, ``close`` from the
    step before it.
    """

    thank: pendulum.Duration = pendulum.duration(hours=16)
    assign: pendulum.Duration = pendulum.duration(hours=8)
    contact: pendulum.Duration = pendulum.duration(hours=16)
    plan: pendulum.Duration = pendulum.duration(hours=16)
    complete: pendulum.Duration = pendulum.duration(hours=40)
    confirm: pendulum.Duration = pendulum.duration(hours=24)
    close: pendulum.Duration = pendulum.duration(hours=8)

    def __attrs_post_init__(self) -> None:
        for field in attrs.fields(StepTargets):
            value = getattr(self, field.name)
            if not isinstance(value, pendulum.Duration) or value.total_seconds() <= 0:
                raise ValidationError(f"targets.{field.name}", "a pendulum duration > 0", got=value)


@attrs.frozen
class Targets:
    """Follow-up targets per sentiment, the triage target, and the escalation repeat.

    Snapshotted into each feedback item when it arrives, so editing the policy does not
    move the deadlines of items in flight.
    """

    triage: pendulum.Duration = pendulum.duration(hours=4)
    positive: StepTargets = StepTargets()
    neutral: StepTargets = StepTargets(contact=pendulum.duration(hours=24))
    negative: StepTargets = StepTargets()
    repeat: pendulum.Duration = pendulum.duration(hours=8)

    def __attrs_post_init__(self) -> None:
        # Counted from receipt, each of these must leave room for the one before it.
        if not isinstance(self.triage, pendulum.Duration) or self.triage.total_seconds() <= 0:
            raise ValidationError("targets.triage", "a pendulum duration > 0", got=self.triage)
        pairs = [("positive.thank", self.positive.thank, "triage", self.triage)]
        for name in ("neutral", "negative"):
            steps: StepTargets = getattr(self, name)
            pairs += [
                (f"{name}.assign", steps.assign, "triage", self.triage),
                (f"{name}.contact", steps.contact, "assign", steps.assign),
            ]
        for field, target, earlier, floor in pairs:
            if target < floor:
                raise ValidationError(
                    f"targets.{field}",
                    f"at least the {earlier} target ({floor.in_words()}): both count from receipt",
                    got=target.in_words(),
                )

    def for_sentiment(self, sentiment: Sentiment) -> StepTargets:
        """The step targets of one sentiment."""
        return {Sentiment.POSITIVE: self.positive, Sentiment.NEUTRAL: self.neutral}.get(
            sentiment, self.negative
        )


@attrs.frozen
class StepRecord:
    """One follow-up step: its deadline and when it was done (``None`` while open)."""

    step: str
    due: pendulum.DateTime
    done: pendulum.DateTime | None = None

    @property
    def on_time(self) -> bool | None:
        """Whether it was done by its deadline; ``None`` while open."""
        return None if self.done is None else self.done <= self.due


@attrs.frozen(kw_only=True)
class Feedback:
    """One piece of client feedback and its follow-up."""

    id: str
    version: int
    status: str
    client: str
    project: str
    contact: str
    channel: Channel
    csat: int | None
    nps: int | None
    text: str
    received_at: pendulum.DateTime
    sentiment: Sentiment | None
    targets: Targets
    owner: str | None = None
    plan: str | None = None
    steps: tuple[StepRecord, ...] = ()
    escalations: int = 0
    reopened: int = 0
    next_deadline: pendulum.DateTime | None = None
    override_reason: str | None = None

    def __attrs_post_init__(self) -> None:
        _score(self.csat, 1, 5, "csat")
        _score(self.nps, 0, 10, "nps")

    @property
    def open_step(self) -> StepRecord | None:
        """The step now waiting to be done, if any."""
        return self.steps[-1] if self.steps and self.steps[-1].done is None else None


class Trigger(enum.Enum):
    """Why a survey is sent."""

    PERIODIC = "periodic"
    MILESTONE = "milestone"
    ISSUE_CLOSED = "issue_closed"
    PROJECT_END = "project_end"


@attrs.frozen
class SurveyRecord:
    """One survey to one contact, through its life: deferred, sent, reminded, answered..."""

    id: str
    trigger: Trigger
    status: str
    requested_at: pendulum.DateTime
    send_at: pendulum.DateTime | None = None
    sent_at: pendulum.DateTime | None = None
    reminders: int = 0
    next_reminder: pendulum.DateTime | None = None
    expires_at: pendulum.DateTime | None = None
    answered_at: pendulum.DateTime | None = None
    feedback_id: str | None = None

    def next_timer(self) -> pendulum.DateTime | None:
        """When this survey next needs the engine: send, remind or expire."""
        if self.status == "deferred":
            return self.send_at
        if self.status == "sent":
            times = [t for t in (self.next_reminder, self.expires_at) if t is not None]
            return min(times) if times else None
        return None


@attrs.frozen(kw_only=True)
class ContactSurveys:
    """Every survey to one contact: the unit that throttling is enforced on atomically."""

    id: str
    version: int
    status: str
    contact: str
    client: str
    surveys: tuple[SurveyRecord, ...] = ()
    next_periodic: pendulum.DateTime | None = None
    next_deadline: pendulum.DateTime | None = None

    def last_sent(self) -> pendulum.DateTime | None:
        """When the last survey (not reminder) went out."""
        sent = [s.sent_at for s in self.surveys if s.sent_at is not None]
        return max(sent) if sent else None

    def response_rate(self) -> float | None:
        """Answered / sent; ``None`` when nothing was sent."""
        sent = [s for s in self.surveys if s.sent_at is not None]
        if not sent:
            return None
        return sum(1 for s in sent if s.answered_at is not None) / len(sent)
