"""Commands on feedback and surveys: pure functions from (aggregate, input, now) to a Decision.

Every follow-up step starts the clock for the next one: its deadline is the step's
target in business time on the team's calendar, and ``next_deadline`` is that deadline.
When it passes, the engine's sweep calls :func:`escalate_overdue`, whose
``feedback.follow_up_overdue`` event is what the issue workflow opens an issue from.
"""

from __future__ import annotations

import pendulum

from clientflow.core import (
    CLIENT_PARTY,
    MAX_TEXT_LENGTH,
    Actor,
    BusinessCalendar,
    Command,
    CommandSet,
    Decision,
    DomainEvent,
    EventMeta,
    HasRole,
    Rule,
    TransitionNotAllowed,
    ValidationError,
    check_line,
    check_text,
    checked,
    decide,
    require,
    to_utc,
)
from clientflow.feedback.events import (
    ActionCompleted,
    ActionPlanned,
    ClientConfirmed,
    ClientContacted,
    FeedbackClosed,
    FeedbackReceived,
    FeedbackThanked,
    FeedbackTriaged,
    FollowUpAssigned,
    FollowUpOverdue,
    FollowUpReopened,
    PeriodicSurveyScheduled,
    SurveyAnswered,
    SurveyDeferred,
    SurveyDropped,
    SurveyExpired,
    SurveyReminded,
    SurveySent,
    apply,
    apply_surveys,
)
from clientflow.feedback.machine import SURVEY_TABLE, TABLE
from clientflow.feedback.model import (
    Channel,
    ContactSurveys,
    Feedback,
    Sentiment,
    SurveyRecord,
    Trigger,
)
from clientflow.feedback.policy import (
    FeedbackPermissions,
    FeedbackPolicy,
    OverLimit,
    SurveyPolicy,
)

__all__ = [
    "COMMANDS",
    "answer_survey",
    "assign",
    "close",
    "complete_action",
    "confirm",
    "escalate_overdue",
    "fire_surveys",
    "plan_action",
    "receive",
    "record_contact",
    "reopen",
    "request_survey",
    "schedule_periodic",
    "surveys_id",
    "thank",
    "triage",
]

_DEFAULT = FeedbackPermissions()
OVERRIDE_SENTIMENT: Rule = HasRole("pm")
"""Who may read a score as another sentiment than it gives (see :func:`triage`)."""
# The step that is due after each transition, per path.
_NEXT = {
    "thank": "close",
    "assign": "contact",
    "contact": "plan",
    "plan": "complete",
    "complete": "confirm",
    "confirm": "close",
    "reopen": "plan",
}


def _text(
    value: object, field: str, *, required: bool = False, limit: int = MAX_TEXT_LENGTH
) -> str:
    return check_text(value, field, required=required, limit=limit)


def _parties(feedback: Feedback) -> dict[str, str]:
    return {"owner": feedback.owner or "", CLIENT_PARTY: feedback.client}


def _meta(
    feedback: Feedback, transition: str, actor: Actor, rule: Rule, now: pendulum.DateTime
) -> EventMeta:
    if not TABLE.can(feedback.status, transition):
        # Named as users call the command, with the commands the state allows.
        name = _COMMAND_OF.get(transition, transition)
        raise TransitionNotAllowed(feedback.status, name, COMMANDS.allowed(feedback.status))
    require(rule, actor, f"{transition} feedback {feedback.id}", _parties(feedback))
    return EventMeta(feedback.id, feedback.version + 1, to_utc(now, "now"), actor.id)


FROM_RECEIPT = frozenset({"thank", "assign", "contact"})
"""Follow-up steps whose targets count from when the feedback arrived (see StepTargets)."""


def _due(
    feedback: Feedback,
    step: str | None,
    calendar: BusinessCalendar,
    at: pendulum.DateTime,
    sentiment: Sentiment | None = None,
) -> pendulum.DateTime | None:
    chosen = sentiment or feedback.sentiment
    if step is None or chosen is None:
        return None
    target = getattr(feedback.targets.for_sentiment(chosen), step)
    return calendar.add(feedback.received_at if step in FROM_RECEIPT else at, target)


@checked
def receive(
    feedback_id: str,
    *,
    client: str,
    project: str,
    contact: str,
    channel: Channel,
    text: str = "",
    csat: int | None = None,
    nps: int | None = None,
    policy: FeedbackPolicy,
    calendar: BusinessCalendar,
    actor: Actor,
    now: pendulum.DateTime,
    rule: Rule = _DEFAULT.receive,
) -> Decision[Feedback]:
    """Record feedback; it is classified from its scores and must be triaged in time."""
    for field, value in (
        ("feedback_id", feedback_id),
        ("client", client),
        ("project", project),
        ("contact", contact),
    ):
        check_line(value, field)
    require(rule, actor, f"receive feedback {feedback_id}", {CLIENT_PARTY: client})
    if not isinstance(channel, Channel):
        raise ValidationError(
            "channel", f"one of {', '.join(c.value for c in Channel)}", got=channel
        )
    at = to_utc(now, "now")
    # Scores are checked by the aggregate too; checking first keeps the error naming them.
    if csat is not None and (
        isinstance(csat, bool) or not isinstance(csat, int) or not 1 <= csat <= 5
    ):
        raise ValidationError("csat", "a whole number from 1 to 5, or none", got=csat)
    if nps is not None and (
        isinstance(nps, bool) or not isinstance(nps, int) or not 0 <= nps <= 10
    ):
        raise ValidationError("nps", "a whole number from 0 to 10, or none", got=nps)
    event = FeedbackReceived(
        meta=EventMeta(feedback_id, 1, at, actor.id),
        client=client,
        project=project,
        contact=contact,
        channel=channel,
        csat=csat,
        nps=nps,
        text=_text(text, "text"),
        sentiment=policy.bands.classify(csat=csat, nps=nps, channel=channel),
        targets=policy.targets,
        due=calendar.add(at, policy.targets.triage),
    )
    return decide(apply, None, event)


@checked
def triage(
    feedback: Feedback,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    sentiment: Sentiment | None = None,
    rule: Rule = _DEFAULT.triage,
    reason: str = "",
    override: Rule = OVERRIDE_SENTIMENT,
) -> Decision[Feedback]:
    """Confirm the automatic sentiment, or set it (required when there was no score).

    Choosing another sentiment than the score gave is an override: it needs ``override``
    (by default role ``pm``) and a ``reason``, and is recorded on the event and counted
    in :func:`~clientflow.feedback.satisfaction` (``overridden``), so a detractor cannot
    be closed quietly as "positive".
    """
    meta = _meta(feedback, "triage", actor, rule, now)
    chosen = sentiment or feedback.sentiment
    if not isinstance(chosen, Sentiment):
        raise ValidationError(
            "sentiment", "positive, neutral or negative (the feedback has no score)", got=sentiment
        )
    overridden = feedback.sentiment if feedback.sentiment not in (None, chosen) else None
    if overridden is not None:
        action = f"override the {overridden.value} sentiment of {feedback.id}"
        require(override, actor, action, _parties(feedback))
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationError(
                "reason", f"why the {overridden.value} score is read as {chosen.value}", got=reason
            )
    step = "thank" if chosen is Sentiment.POSITIVE else "assign"
    event = FeedbackTriaged(
        meta=meta,
        sentiment=chosen,
        next_step=step,
        due=_due(feedback, step, calendar, meta.occurred_at, chosen),
        overridden_from=overridden,
        reason=_text(reason, "reason") if overridden is not None else "",
    )
    return decide(apply, feedback, event)


def _path(feedback: Feedback, transition: str, wanted: bool) -> None:
    positive = feedback.sentiment is Sentiment.POSITIVE
    if positive != wanted:
        path = "positive" if wanted else "neutral or negative"
        raise ValidationError(
            "sentiment",
            f"{path} feedback to {transition} it",
            got=feedback.sentiment.value if feedback.sentiment else None,
        )


@checked
def thank(
    feedback: Feedback,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    message: str = "",
    rule: Rule = _DEFAULT.thank,
) -> Decision[Feedback]:
    """Thank the client for positive feedback."""
    meta = _meta(feedback, "thank", actor, rule, now)
    _path(feedback, "thank", wanted=True)
    due = _due(feedback, _NEXT["thank"], calendar, meta.occurred_at)
    return decide(
        apply,
        feedback,
        FeedbackThanked(meta=meta, message=_text(message, "message"), next_step="close", due=due),
    )


@checked
def assign(
    feedback: Feedback,
    owner: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    rule: Rule = _DEFAULT.assign,
) -> Decision[Feedback]:
    """Give neutral or negative feedback a follow-up owner."""
    meta = _meta(feedback, "assign", actor, rule, now)
    _path(feedback, "assign", wanted=False)
    due = _due(feedback, "contact", calendar, meta.occurred_at)
    event = FollowUpAssigned(
        meta=meta, owner=check_line(owner, "owner"), next_step="contact", due=due
    )
    return decide(apply, feedback, event)


def _step(
    feedback: Feedback,
    transition: str,
    actor: Actor,
    *,
    now: pendulum.DateTime,
    calendar: BusinessCalendar,
    rule: Rule,
) -> tuple[EventMeta, str, pendulum.DateTime | None]:
    meta = _meta(feedback, transition, actor, rule, now)
    step = _NEXT[transition]
    return meta, step, _due(feedback, step, calendar, meta.occurred_at)


def _noted_step(
    feedback: Feedback,
    name: str,
    event: type[ClientContacted | ActionCompleted | ClientConfirmed],
    *,
    actor: Actor,
    now: pendulum.DateTime,
    calendar: BusinessCalendar,
    note: str,
    rule: Rule,
) -> Decision[Feedback]:
    """A follow-up step that only records a note (contact, completion, confirmation)."""
    meta, step, due = _step(feedback, name, actor, now=now, calendar=calendar, rule=rule)
    return decide(
        apply, feedback, event(meta=meta, note=_text(note, "note"), next_step=step, due=due)
    )


@checked
def record_contact(
    feedback: Feedback,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    note: str = "",
    rule: Rule = _DEFAULT.follow_up,
) -> Decision[Feedback]:
    """The owner has talked to the client."""
    return _noted_step(
        feedback,
        "contact",
        ClientContacted,
        actor=actor,
        now=now,
        calendar=calendar,
        note=note,
        rule=rule,
    )


@checked
def plan_action(
    feedback: Feedback,
    plan: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    rule: Rule = _DEFAULT.follow_up,
) -> Decision[Feedback]:
    """Record the agreed solution."""
    meta, step, due = _step(feedback, "plan", actor, now=now, calendar=calendar, rule=rule)
    return decide(
        apply,
        feedback,
        ActionPlanned(meta=meta, plan=_text(plan, "plan", required=True), next_step=step, due=due),
    )


@checked
def complete_action(
    feedback: Feedback,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    note: str = "",
    rule: Rule = _DEFAULT.follow_up,
) -> Decision[Feedback]:
    """The solution was carried out; the client must now confirm."""
    return _noted_step(
        feedback,
        "complete",
        ActionCompleted,
        actor=actor,
        now=now,
        calendar=calendar,
        note=note,
        rule=rule,
    )


@checked
def confirm(
    feedback: Feedback,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    note: str = "",
    rule: Rule = _DEFAULT.confirm,
) -> Decision[Feedback]:
    """The client confirmed they are satisfied."""
    return _noted_step(
        feedback,
        "confirm",
        ClientConfirmed,
        actor=actor,
        now=now,
        calendar=calendar,
        note=note,
        rule=rule,
    )


@checked
def reopen(
    feedback: Feedback,
    reason: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    rule: Rule = _DEFAULT.reopen,
) -> Decision[Feedback]:
    """The client is still unhappy after the action: plan again."""
    meta, step, due = _step(feedback, "reopen", actor, now=now, calendar=calendar, rule=rule)
    return decide(
        apply,
        feedback,
        FollowUpReopened(
            meta=meta, reason=_text(reason, "reason", required=True), next_step=step, due=due
        ),
    )


@checked
def close(
    feedback: Feedback, actor: Actor, now: pendulum.DateTime, *, rule: Rule = _DEFAULT.close
) -> Decision[Feedback]:
    """Close thanked feedback, or feedback the client confirmed."""
    meta = _meta(feedback, "close", actor, rule, now)
    return decide(apply, feedback, FeedbackClosed(meta=meta, next_step=None, due=None))


@checked
def escalate_overdue(
    feedback: Feedback, calendar: BusinessCalendar, now: pendulum.DateTime
) -> Decision[Feedback]:
    """The engine's timer: a follow-up step is overdue. Escalates, then re-arms.

    The next escalation is the policy's ``repeat`` after the missed deadline (not after
    the sweep), so a late sweep neither drifts nor floods.
    """
    TABLE.target(feedback.status, "escalate")
    at = to_utc(now, "now")
    due = feedback.next_deadline
    step = feedback.open_step
    if due is None or due > at or step is None:
        raise ValidationError(
            "now", f"an instant at or after the follow-up deadline ({due})", got=at
        )
    following = calendar.add(due, feedback.targets.repeat)
    if following <= at:
        following = calendar.add(at, feedback.targets.repeat)
    event = FollowUpOverdue(
        meta=EventMeta(feedback.id, feedback.version + 1, at, "system"),
        step=step.step,
        was_due=due,
        level=feedback.escalations + 1,
        owner=feedback.owner,
        client=feedback.client,
        project=feedback.project,
        sentiment=feedback.sentiment,
        next_deadline=following,
    )
    return decide(apply, feedback, event)


# -- surveys --------------------------------------------------------------------------


SURVEYS_PREFIX = "surveys:"
"""Ids starting with this are survey records' (:func:`surveys_id`); no other kind's."""


@checked
def surveys_id(contact: str) -> str:
    """The id of a contact's survey record (one aggregate per contact)."""
    return f"{SURVEYS_PREFIX}{contact}"


def _survey_meta(
    surveys: ContactSurveys | None, contact: str, at: pendulum.DateTime, actor: str
) -> EventMeta:
    version = 0 if surveys is None else surveys.version
    return EventMeta(surveys_id(contact), version + 1, at, actor)


def _send(  # noqa: PLR0917 - private; both callers pass the same six
    meta: EventMeta,
    survey_id: str,
    client: str,
    trigger: Trigger,
    policy: SurveyPolicy,
    follow_up_open: bool,
) -> SurveySent:
    at = meta.occurred_at
    return SurveySent(
        meta=meta,
        survey_id=survey_id,
        client=client,
        trigger=trigger,
        next_reminder=at + policy.remind_after if policy.max_reminders > 0 else None,
        expires_at=at + policy.expire_after,
        follow_up_open=follow_up_open,
    )


def _blocked(
    surveys: ContactSurveys | None,
    at: pendulum.DateTime,
    policy: SurveyPolicy,
    follow_up_open: bool,
) -> tuple[str, pendulum.DateTime | None] | None:
    """Why a survey may not go now, and from when it may (None: only when the follow-up ends)."""
    if follow_up_open and policy.block_during_follow_up:
        return "a follow-up with this contact is open", None
    last = None if surveys is None else surveys.last_sent()
    if last is not None and at < last + policy.min_between:
        return (
            f"one survey per {policy.min_between.in_words()}"
            f" (last sent {last.to_iso8601_string()})",
            last + policy.min_between,
        )
    return None


def _require_client(
    surveys: ContactSurveys | None, client: str, rule: Rule, actor: Actor, action: str
) -> None:
    """Check ``actor`` against the client a contact's surveys belong to.

    Once a contact has a survey record, it belongs to the client it started under: the
    caller's ``client`` can neither move it nor decide whose permission applies, or one
    client's user could relabel another client's contact and then act on it.
    """
    if surveys is None or not surveys.client:
        require(rule, actor, action, {CLIENT_PARTY: client})
        return
    require(rule, actor, action, {CLIENT_PARTY: surveys.client})
    if client != surveys.client:
        raise ValidationError(
            "client",
            f"{surveys.client!r}, the client contact {surveys.contact!r} belongs to",
            got=client,
        )


@checked
def request_survey(
    surveys: ContactSurveys | None,
    survey_id: str,
    *,
    contact: str,
    client: str,
    trigger: Trigger,
    policy: SurveyPolicy,
    follow_up_open: bool,
    now: pendulum.DateTime,
    actor: Actor,
    rule: Rule = _DEFAULT.survey,
) -> Decision[ContactSurveys]:
    """Send a survey to a contact if the throttle allows; otherwise defer or drop it.

    ``follow_up_open`` says whether the contact has feedback being followed up (the host
    knows; :func:`clientflow.feedback.has_open_follow_up` answers it from a list).
    """
    _text(survey_id, "survey_id", required=True)
    _text(contact, "contact", required=True)
    _require_client(surveys, client, rule, actor, f"survey {contact}")
    if not isinstance(trigger, Trigger):
        raise ValidationError(
            "trigger", f"one of {', '.join(t.value for t in Trigger)}", got=trigger
        )
    if surveys is not None and any(r.id == survey_id for r in surveys.surveys):
        raise ValidationError("survey_id", "an id not used before for this contact", got=survey_id)
    at = to_utc(now, "now")
    meta = _survey_meta(surveys, contact, at, actor.id)
    blocked = _blocked(surveys, at, policy, follow_up_open)
    if blocked is None:
        event: SurveySent | SurveyDeferred | SurveyDropped = _send(
            meta, survey_id, client, trigger, policy, follow_up_open
        )
    elif policy.over_limit is OverLimit.DEFER:
        reason, allowed = blocked
        # Blocked by a follow-up: look again after the minimum interval.
        event = SurveyDeferred(
            meta=meta,
            survey_id=survey_id,
            client=client,
            trigger=trigger,
            send_at=allowed or at + policy.min_between,
            reason=reason,
            follow_up_open=follow_up_open,
        )
    else:
        event = SurveyDropped(
            meta=meta,
            survey_id=survey_id,
            client=client,
            trigger=trigger,
            reason=blocked[0],
            follow_up_open=follow_up_open,
        )
    return decide(apply_surveys, surveys, event)


@checked
def answer_survey(
    surveys: ContactSurveys,
    survey_id: str,
    now: pendulum.DateTime,
    *,
    feedback_id: str | None = None,
    actor: Actor,
    rule: Rule = _DEFAULT.answer_survey,
) -> Decision[ContactSurveys]:
    """Record the contact's answer (usually together with a :func:`receive`)."""
    record = _record(surveys, survey_id)
    require(rule, actor, f"answer survey {survey_id}", {CLIENT_PARTY: surveys.client})
    SURVEY_TABLE.target(record.status, "answer")
    meta = _survey_meta(surveys, surveys.contact, to_utc(now, "now"), actor.id)
    return decide(
        apply_surveys,
        surveys,
        SurveyAnswered(meta=meta, survey_id=survey_id, feedback_id=feedback_id),
    )


def _record(surveys: ContactSurveys, survey_id: str) -> SurveyRecord:
    for record in surveys.surveys:
        if record.id == survey_id:
            return record
    raise ValidationError(
        "survey_id",
        f"one of {', '.join(r.id for r in surveys.surveys) or 'no surveys yet'}",
        got=survey_id,
    )


@checked
def schedule_periodic(
    surveys: ContactSurveys | None,
    *,
    contact: str,
    client: str,
    first: pendulum.DateTime,
    actor: Actor,
    now: pendulum.DateTime,
    rule: Rule = _DEFAULT.survey,
) -> Decision[ContactSurveys]:
    """Start periodic surveys to a contact.

    The first goes at ``first``, then one every ``policy.periodic_every``.
    """
    _require_client(surveys, client, rule, actor, f"survey {contact} periodically")
    meta = _survey_meta(surveys, contact, to_utc(now, "now"), actor.id)
    return decide(
        apply_surveys,
        surveys,
        PeriodicSurveyScheduled(meta=meta, client=client, at=to_utc(first, "first")),
    )


@checked
def fire_surveys(
    surveys: ContactSurveys, policy: SurveyPolicy, now: pendulum.DateTime, *, follow_up_open: bool
) -> Decision[ContactSurveys]:
    """The engine's timer: send deferred surveys now allowed, remind, expire, run the period.

    Handles every timer due by ``now`` in one decision, so the aggregate's next deadline
    is always in the future afterwards; with nothing due the decision is empty.
    """
    at = to_utc(now, "now")
    current = surveys
    events: list[DomainEvent] = []
    while True:
        step = _due_timer(current, policy, at, follow_up_open)
        if not step:
            break
        for event in step:
            current = apply_surveys(current, event)
        events.extend(step)
    return Decision(current, tuple(events))


def _due_timer(
    surveys: ContactSurveys, policy: SurveyPolicy, at: pendulum.DateTime, follow_up_open: bool
) -> list[DomainEvent]:
    meta = _survey_meta(surveys, surveys.contact, at, "system")
    client = surveys.client
    for record in surveys.surveys:
        timer = record.next_timer()
        if timer is None or timer > at:
            continue
        if record.status == "deferred":
            blocked = _blocked(surveys, at, policy, follow_up_open)
            if blocked is None:
                return [_send(meta, record.id, client, record.trigger, policy, follow_up_open)]
            if policy.over_limit is OverLimit.DROP:
                dropped = SurveyDropped(
                    meta=meta,
                    survey_id=record.id,
                    client=client,
                    trigger=record.trigger,
                    reason=blocked[0],
                    follow_up_open=follow_up_open,
                )
                return [dropped]
            send_at = blocked[1] or at + policy.min_between
            deferred = SurveyDeferred(
                meta=meta,
                survey_id=record.id,
                client=client,
                trigger=record.trigger,
                send_at=send_at,
                reason=blocked[0],
                follow_up_open=follow_up_open,
            )
            return [deferred]
        if record.expires_at is not None and record.expires_at <= at:
            return [SurveyExpired(meta=meta, survey_id=record.id)]
        more = record.reminders + 1 < policy.max_reminders
        reminder = at + policy.remind_after if more else None
        return [SurveyReminded(meta=meta, survey_id=record.id, next_reminder=reminder)]
    periodic = surveys.next_periodic
    if periodic is None or periodic > at:
        return []
    # A periodic survey the throttle does not allow is skipped, not deferred: the next
    # period is already on its way.
    survey_id = f"periodic-{periodic.format('YYYYMMDD')}"
    blocked = _blocked(surveys, at, policy, follow_up_open)
    first: DomainEvent
    if blocked is None:
        first = _send(meta, survey_id, client, Trigger.PERIODIC, policy, follow_up_open)
    else:
        first = SurveyDropped(
            meta=meta,
            survey_id=survey_id,
            client=client,
            trigger=Trigger.PERIODIC,
            reason=blocked[0],
            follow_up_open=follow_up_open,
        )
    following: pendulum.DateTime | None = None
    if policy.periodic_every is not None:
        following = periodic + policy.periodic_every
        while following <= at:
            following = following + policy.periodic_every
    return [first, PeriodicSurveyScheduled(meta=meta.next(), client=client, at=following)]


_STEP = ("calendar", "rule")

COMMANDS: CommandSet[Feedback] = CommandSet(
    "feedback",
    "feedback item",
    TABLE,
    (
        Command("receive", receive, creates=True, needs=("policy", "calendar", "rule")),
        Command("triage", triage, ("triage",), ("calendar", "rule", "override")),
        Command("thank", thank, ("thank",), _STEP),
        Command("assign", assign, ("assign",), _STEP),
        Command("record_contact", record_contact, ("contact",), _STEP, rule="follow_up"),
        Command("plan_action", plan_action, ("plan",), _STEP, rule="follow_up"),
        Command("complete_action", complete_action, ("complete",), _STEP, rule="follow_up"),
        Command("confirm", confirm, ("confirm",), _STEP),
        Command("reopen", reopen, ("reopen",), _STEP),
        Command("close", close, ("close",), ("rule",)),
    ),
)
"""The feedback follow-up commands, declared once (surveys are ``ws.surveys``')."""

_COMMAND_OF = {"contact": "record_contact", "plan": "plan_action", "complete": "complete_action"}
