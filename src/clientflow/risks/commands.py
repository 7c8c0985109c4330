"""Commands on risks: pure functions from (risk, actor, input, now) to a Decision.

Reviews are due by the risk's rating (see :mod:`clientflow.risks.policy`); response
actions are due in business time on the client's calendar. The engine's sweep calls
:func:`fire_timers`, which raises a missed review once and escalates an overdue action
until it is done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import attrs
import pendulum

from clientflow.core import (
    CLIENT_PARTY,
    MAX_TEXT_LENGTH,
    Actor,
    BusinessCalendar,
    BusinessSpan,
    Command,
    CommandSet,
    Decision,
    DomainEvent,
    EventMeta,
    Money,
    Rule,
    ValidationError,
    WorkingDays,
    check_id,
    check_line,
    check_text,
    checked,
    decide,
    duration_micros,
    from_micros,
    require,
    to_micros,
    to_utc,
)
from clientflow.i18n import N_
from clientflow.risks.events import (
    ActionDone,
    ActionOverdue,
    MonitoringStarted,
    ResponsePlanned,
    ReviewMissed,
    RiskAssessed,
    RiskClosed,
    RiskIdentified,
    RiskReviewed,
    RiskTriggered,
    apply,
)
from clientflow.risks.machine import TABLE
from clientflow.risks.model import (
    Action,
    Assessment,
    CloseReason,
    Rating,
    ResponsePlan,
    Risk,
    Strategy,
)
from clientflow.risks.policy import RiskPolicy
from clientflow.risks.register import STATUS_WORDS

__all__ = [
    "COMMANDS",
    "PlannedAction",
    "assess",
    "close",
    "complete_action",
    "fire_timers",
    "identify",
    "issue_priority",
    "plan_response",
    "review",
    "start_monitoring",
    "trigger",
]


@attrs.frozen
class PlannedAction:
    """A response action as planned: ``due`` is an instant, or business time from the
    moment the plan is made (``pendulum.duration(hours=16)``, ``WorkingDays(3)``)."""  # noqa: D205, D209

    id: str
    title: str
    owner: str
    due: dt.datetime | dt.timedelta | WorkingDays


def _text(value: object, field: str, *, required: bool = False) -> str:
    return check_text(value, field, required=required, limit=MAX_TEXT_LENGTH)


def _parties(risk: Risk) -> dict[str, str]:
    return {"owner": risk.owner, CLIENT_PARTY: risk.client}


def _meta(
    risk: Risk, transition: str, actor: Actor, rule: Rule, now: pendulum.DateTime
) -> EventMeta:
    if not TABLE.can(risk.status, transition):
        # Named as users call the command, with the commands the state allows.
        name = _COMMAND_OF.get(transition, transition)
        raise COMMANDS.refuse(risk.status, name)
    name = _COMMAND_OF.get(transition, transition)
    COMMANDS.require(rule, actor, name, risk.id, _parties(risk))
    return EventMeta(risk.id, risk.version + 1, to_utc(now, "now"), actor.id)


def _review_due(
    policy: RiskPolicy, calendar: BusinessCalendar, rating: Rating | None, at: pendulum.DateTime
) -> pendulum.DateTime:
    interval = policy.review_every[rating or Rating.MEDIUM]
    # Integer micros: pendulum's own addition costs a third of a command.
    return calendar.next_working_time(from_micros(to_micros(at) + duration_micros(interval)))


def _rated(
    policy: RiskPolicy,
    probability: int,
    impact: int,
    *,
    field: str = "",
    likelihood: Decimal | str | None = None,
    cost: Money | None = None,
    schedule_days: int | None = None,
    at: pendulum.DateTime | None = None,
    by: str = "",
    note: str = "",
) -> Assessment:
    matrix = policy.matrix
    p = matrix.probability.check(probability, f"{field}probability")
    i = matrix.impact.check(impact, f"{field}impact")
    return Assessment(
        probability=p,
        impact=i,
        score=p * i,
        rating=matrix.rate(p, i),
        likelihood=likelihood,
        cost=cost,
        schedule_days=schedule_days,
        at=at,
        by=by,
        note=note,
    )


@checked
def identify(
    risk_id: str,
    *,
    client: str,
    project: str,
    title: str,
    owner: str,
    category: str,
    cause: str,
    event: str,
    effect: str,
    description: str = "",
    client_visible: bool = True,
    policy: RiskPolicy,
    actor: Actor,
    now: pendulum.DateTime,
) -> Decision[Risk]:
    """Put a risk on a client's register: cause -> event -> effect, an owner, a category.

    ``client_visible=False`` keeps an internal risk out of what the client is shown.
    """
    check_id(client, "client")
    require(
        policy.permissions.manage,
        actor,
        f"identify risk {risk_id}",
        {"owner": owner, CLIENT_PARTY: client},
    )
    check_id(risk_id, "risk_id")
    identified = RiskIdentified(
        meta=EventMeta(risk_id, 1, to_utc(now, "now"), actor.id),
        client=check_id(client, "client"),
        project=check_line(project, "project"),
        title=check_line(title, "title"),
        description=_text(description, "description"),
        category=policy.check_category(category),
        owner=check_id(owner, "owner"),
        cause=_text(cause, "cause", required=True),
        risk_event=_text(event, "event", required=True),
        effect=_text(effect, "effect", required=True),
        client_visible=client_visible,
    )
    return decide(apply, None, identified)


@checked
def assess(
    risk: Risk,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    probability: int,
    impact: int,
    policy: RiskPolicy,
    calendar: BusinessCalendar,
    likelihood: Decimal | str | None = None,
    cost: Money | None = None,
    schedule_days: int | None = None,
    note: str = "",
) -> Decision[Risk]:
    """Assess (or re-assess) probability and impact; every assessment is kept.

    The rating comes from the policy's matrix and sets when the next review is due.
    Re-assessing a closed risk puts it back on the register (``assessed``).
    """
    meta = _meta(risk, "assess", actor, policy.permissions.assess, now)
    assessment = _rated(
        policy,
        probability,
        impact,
        likelihood=likelihood,
        cost=cost,
        schedule_days=schedule_days,
        at=meta.occurred_at,
        by=actor.id,
        note=_text(note, "note"),
    )
    event = RiskAssessed(
        meta=meta,
        assessment=assessment,
        review_due=_review_due(policy, calendar, assessment.rating, meta.occurred_at),
        reopened=risk.status == "closed",
    )
    return decide(apply, risk, event)


def _accepting(risk: Risk, actor: Actor, policy: RiskPolicy, what: str) -> None:
    rating = risk.rating
    if rating is not None and rating.rank >= policy.accept_from.rank:
        require(policy.permissions.accept, actor, f"{what} ({rating.value})", _parties(risk))


def _due(
    due: dt.datetime | BusinessSpan, calendar: BusinessCalendar, at: pendulum.DateTime, field: str
) -> pendulum.DateTime:
    if isinstance(due, dt.datetime):
        return to_utc(due, field)
    if isinstance(due, dt.timedelta | WorkingDays):
        return calendar.add(at, calendar.span(at, due))
    raise ValidationError(
        field, "an aware datetime, a business duration or WorkingDays(n)", got=due
    )


def _actions(
    risk: Risk, planned: Sequence[PlannedAction], calendar: BusinessCalendar, at: pendulum.DateTime
) -> tuple[Action, ...]:
    before = {} if risk.plan is None else {a.id: a for a in risk.plan.actions}
    actions: list[Action] = []
    for n, item in enumerate(planned):
        if not isinstance(item, PlannedAction):
            raise ValidationError(f"actions[{n}]", "a PlannedAction", got=item)
        action_id = check_id(item.id, f"actions[{n}].id")
        if any(a.id == action_id for a in actions):
            raise ValidationError(f"actions[{n}].id", "an id no other action has", got=item.id)
        due = _due(item.due, calendar, at, f"actions[{n}].due")
        kept = before.get(action_id)
        done_at = None if kept is None else kept.done_at
        actions.append(
            Action(
                id=action_id,
                title=check_line(item.title, f"actions[{n}].title"),
                owner=check_id(item.owner, f"actions[{n}].owner"),
                due=due,
                done_at=done_at,
                next_alert=due if done_at is None else None,
            )
        )
    return tuple(actions)


@checked
def plan_response(
    risk: Risk,
    strategy: Strategy,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    policy: RiskPolicy,
    calendar: BusinessCalendar,
    actions: Sequence[PlannedAction] = (),
    trigger: str = "",
    contingency: str = "",
    residual: tuple[int, int] | None = None,
) -> Decision[Risk]:
    """Plan (or re-plan) the response: strategy, actions, trigger, contingency, residual.

    ``residual`` is ``(probability, impact)`` expected once the response works. Accepting
    a risk rated at or above ``policy.accept_from`` needs ``policy.permissions.accept``.
    An action kept by id from the previous plan keeps being done if it was.
    """
    meta = _meta(risk, "plan", actor, policy.permissions.manage, now)
    if strategy is Strategy.ACCEPT:
        _accepting(risk, actor, policy, f"accept risk {risk.id}")
    if strategy is not Strategy.ACCEPT and not actions:
        raise ValidationError(
            "actions", f"at least one action to {strategy.value} the risk", got="none"
        )
    expected = None
    if residual is not None:
        if not isinstance(residual, tuple) or len(residual) != 2:
            raise ValidationError("residual", "(probability, impact)", got=residual)
        expected = _rated(policy, residual[0], residual[1], field="residual.")
    plan = ResponsePlan(
        strategy=strategy,
        actions=_actions(risk, actions, calendar, meta.occurred_at),
        trigger=_text(trigger, "trigger"),
        contingency=_text(contingency, "contingency"),
        residual=expected,
    )
    return decide(apply, risk, ResponsePlanned(meta=meta, plan=plan))


@checked
def start_monitoring(
    risk: Risk, actor: Actor, now: pendulum.DateTime, *, policy: RiskPolicy, note: str = ""
) -> Decision[Risk]:
    """The response is in place: watch the trigger."""
    meta = _meta(risk, "monitor", actor, policy.permissions.manage, now)
    return decide(apply, risk, MonitoringStarted(meta=meta, note=_text(note, "note")))


@checked
def review(
    risk: Risk,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    policy: RiskPolicy,
    calendar: BusinessCalendar,
    note: str = "",
) -> Decision[Risk]:
    """Review without changing the assessment; the next review is due by the rating."""
    meta = _meta(risk, "review", actor, policy.permissions.manage, now)
    due = _review_due(policy, calendar, risk.rating, meta.occurred_at)
    return decide(apply, risk, RiskReviewed(meta=meta, note=_text(note, "note"), review_due=due))


@checked
def complete_action(
    risk: Risk,
    action: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    policy: RiskPolicy,
    note: str = "",
) -> Decision[Risk]:
    """A response action (by its id) is done; its escalations stop."""
    meta = _meta(risk, "complete_action", actor, policy.permissions.manage, now)
    open_ids = [a.id for a in risk.open_actions()]
    if action not in open_ids:
        raise ValidationError(
            "action", f"one of the open actions: {', '.join(open_ids) or 'none'}", got=action
        )
    return decide(apply, risk, ActionDone(meta=meta, action_id=action, note=_text(note, "note")))


def issue_priority(risk: Risk, policy: RiskPolicy) -> str:
    """The priority of the issue a triggered risk opens (see :func:`trigger`)."""
    return policy.issue_priority[risk.rating or Rating.HIGH]


@checked
def trigger(
    risk: Risk,
    issue_id: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    policy: RiskPolicy,
    note: str,
    priority: str | None = None,
) -> Decision[Risk]:
    """The risk happened: record the issue opened for it (``issue_id``).

    ``priority`` defaults to the policy's priority for the rating (an unassessed risk
    takes the one for ``high``). The workspace opens the issue and links both ways.
    """
    meta = _meta(risk, "trigger", actor, policy.permissions.manage, now)
    chosen = priority or issue_priority(risk, policy)
    event = RiskTriggered(
        meta=meta,
        issue_id=check_id(issue_id, "issue_id"),
        priority=check_line(chosen, "priority", limit=64),
        rating=risk.rating,
        note=_text(note, "note", required=True),
    )
    return decide(apply, risk, event)


@checked
def close(
    risk: Risk,
    reason: CloseReason,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    policy: RiskPolicy,
    note: str = "",
) -> Decision[Risk]:
    """Take the risk off the open register.

    ``resolved`` is for a triggered risk (its issue dealt with) and only for one;
    ``accepted`` for a risk rated at or above ``accept_from`` needs the accept permission.
    """
    meta = _meta(risk, "close", actor, policy.permissions.manage, now)
    if (reason is CloseReason.RESOLVED) != (risk.status == "triggered"):
        allowed = "resolved" if risk.status == "triggered" else "expired, avoided or accepted"
        raise ValidationError("reason", f"{allowed} for a {risk.status} risk", got=reason.value)
    if reason is CloseReason.ACCEPTED:
        _accepting(risk, actor, policy, f"close risk {risk.id} as accepted")
    return decide(apply, risk, RiskClosed(meta=meta, reason=reason, note=_text(note, "note")))


@checked
def fire_timers(
    risk: Risk, now: pendulum.DateTime, *, policy: RiskPolicy, calendar: BusinessCalendar
) -> Decision[Risk]:
    """The engine's timer: raise a missed review (once) and escalate overdue actions.

    Everything due by ``now`` is handled in one decision, so afterwards the risk's next
    deadline is in the future; with nothing due the decision is empty. The next
    escalation of an action is ``action_repeat`` after the one it follows (not after
    the sweep), so a late sweep neither drifts nor floods.
    """
    at = to_utc(now, "now")
    current = risk
    events: list[DomainEvent] = []

    def add(event: DomainEvent) -> None:
        nonlocal current
        current = apply(current, event)
        events.append(event)

    if not TABLE.can(risk.status, "alert"):
        return Decision(risk, ())
    due = risk.review_due
    if due is not None and due <= at and not risk.review_alerted:
        add(
            ReviewMissed(
                meta=EventMeta(risk.id, current.version + 1, at, "system"),
                was_due=due,
                owner=risk.owner,
                client=risk.client,
                project=risk.project,
                rating=risk.rating,
            )
        )
    for action in risk.open_actions():
        if action.next_alert is None or action.next_alert > at:
            continue
        following = calendar.add(action.next_alert, policy.action_repeat)
        if following <= at:
            following = calendar.add(at, policy.action_repeat)
        add(
            ActionOverdue(
                meta=EventMeta(risk.id, current.version + 1, at, "system"),
                action_id=action.id,
                owner=action.owner,
                was_due=action.due,
                level=action.alerts + 1,
                next_alert=following,
                client=risk.client,
            )
        )
    return Decision(current, tuple(events))


_NEEDS = ("policy", "calendar")

COMMANDS: CommandSet[Risk] = CommandSet(
    "risk",
    "risk",
    TABLE,
    (
        Command("identify", identify, creates=True, needs=("policy",), words=N_("identify a risk")),
        Command("assess", assess, ("assess",), _NEEDS, words=N_("assess")),
        Command("plan_response", plan_response, ("plan",), _NEEDS, words=N_("plan the response")),
        Command(
            "start_monitoring",
            start_monitoring,
            ("monitor",),
            ("policy",),
            words=N_("start monitoring"),
        ),
        Command("review", review, ("review",), _NEEDS, words=N_("review")),
        Command(
            "complete_action",
            complete_action,
            ("complete_action",),
            ("policy",),
            words=N_("complete a response action"),
        ),
        Command("trigger", trigger, ("trigger",), ("policy",), words=N_("mark as occurred")),
        Command("close", close, ("close",), ("policy",), words=N_("close")),
    ),
    state_words=STATUS_WORDS,
)
"""The risk commands, declared once (the workspace's ``ws.risks.trigger`` also opens the
risk's issue, saving both together)."""

_COMMAND_OF = {"plan": "plan_response", "monitor": "start_monitoring"}
