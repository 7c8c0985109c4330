"""Commands on communication plans, and the alerts their timers raise.

Alerts, each raised once (the plan remembers their keys):

- ``cadence.occurrence_due`` when a scheduled communication's time comes;
- ``cadence.occurrence_overdue`` when its grace period passes with no touchpoint;
- ``cadence.silence_detected`` after ``silence_days`` working days with no outbound contact;
- ``cadence.reply_owed`` when an inbound message has no reply within ``reply_within``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs
import pendulum

from clientflow.cadence.events import (
    ItemAdded,
    ItemRemoved,
    OccurrenceDue,
    OccurrenceOverdue,
    PlanArchived,
    PlanCreated,
    ReplyOwed,
    SilenceDetected,
    TouchpointRecorded,
    _Alert,
    apply,
)
from clientflow.cadence.machine import TABLE
from clientflow.cadence.model import (
    ALERT_WINDOW,
    Channel,
    CommunicationPlan,
    Direction,
    ItemKind,
    PlanItem,
    Touchpoint,
)
from clientflow.cadence.policy import PlanPermissions, Schedule
from clientflow.core import (
    CLIENT_PARTY,
    Actor,
    Command,
    CommandSet,
    Decision,
    DomainEvent,
    EventMeta,
    Rule,
    ValidationError,
    check_line,
    checked,
    decide,
    duration_micros,
    parse_instant,
    require,
    to_utc,
    validate_duration,
    zone,
)
from clientflow.core.edge import enum_of, json_object
from clientflow.i18n import N_

__all__ = [
    "COMMANDS",
    "add_item",
    "archive",
    "create_plan",
    "fire_alerts",
    "record_touchpoint",
    "remove_item",
    "touchpoint_from",
]

_FOUR_HOURS = pendulum.duration(hours=4)
_DEFAULT = PlanPermissions()
Pending = tuple[str, pendulum.DateTime, Callable[[EventMeta, pendulum.DateTime | None], _Alert]]


def _pending(plan: CommunicationPlan, schedule: Schedule, now: pendulum.DateTime) -> list[Pending]:
    """Every alert not raised yet, with the instant it is due (past or future)."""
    found: list[Pending] = []
    # Nothing scheduled before the plan existed is owed; nothing older than the lookback
    # is still news.
    since = max(now - ALERT_WINDOW, plan.created_at)
    for item in plan.items:
        past = schedule.statuses(plan, item, since, now)
        for occurrence in past:
            if occurrence.status in {"due", "overdue"}:
                if f"due:{occurrence.key}" not in plan.alerted:
                    found.append(
                        (f"due:{occurrence.key}", occurrence.at, _due(item, occurrence.at))
                    )
                key = f"overdue:{occurrence.key}"
                if key not in plan.alerted:
                    found.append(
                        (key, occurrence.due_by, _overdue(item, occurrence.at, occurrence.due_by))
                    )
        upcoming = schedule.next_after(item, plan.timezone, now)
        if (
            upcoming is not None
            and f"due:{upcoming.key}" not in plan.alerted
            and not schedule.satisfied_early(plan, item, past, upcoming)
        ):
            found.append((f"due:{upcoming.key}", upcoming.at, _due(item, upcoming.at)))
    outbound = [tp.at for tp in plan.touchpoints if tp.direction is Direction.OUTBOUND]
    last = max(outbound) if outbound else None
    key = f"silence:{last.isoformat() if last else 'start'}"
    if key not in plan.alerted:
        found.append((key, schedule.silence_deadline(plan), _silence(last)))
    for touchpoint, deadline in schedule.replies_owed(plan):
        key = f"reply:{touchpoint.id}"
        if key not in plan.alerted:
            found.append((key, deadline, _reply(touchpoint)))
    return found


def _due(
    item: PlanItem, at: pendulum.DateTime
) -> Callable[[EventMeta, pendulum.DateTime | None], _Alert]:
    return lambda meta, following: OccurrenceDue(
        meta=meta, key="", owner=item.owner, item_id=item.id, at=at, next_deadline=following
    )


def _overdue(
    item: PlanItem, at: pendulum.DateTime, due_by: pendulum.DateTime
) -> Callable[[EventMeta, pendulum.DateTime | None], _Alert]:
    return lambda meta, following: OccurrenceOverdue(
        meta=meta,
        key="",
        owner=item.owner,
        item_id=item.id,
        at=at,
        due_by=due_by,
        next_deadline=following,
    )


def _silence(
    last: pendulum.DateTime | None,
) -> Callable[[EventMeta, pendulum.DateTime | None], _Alert]:
    return lambda meta, following: SilenceDetected(
        meta=meta, key="", owner=None, last_outbound=last, next_deadline=following
    )


def _reply(touchpoint: Touchpoint) -> Callable[[EventMeta, pendulum.DateTime | None], _Alert]:
    return lambda meta, following: ReplyOwed(
        meta=meta,
        key="",
        owner=None,
        touchpoint_id=touchpoint.id,
        received_at=touchpoint.at,
        next_deadline=following,
    )


def next_deadline(
    plan: CommunicationPlan, schedule: Schedule, now: pendulum.DateTime
) -> pendulum.DateTime | None:
    """The earliest alert not raised yet (the plan's ``next_deadline``)."""
    times = [at for _, at, _ in _pending(plan, schedule, now)]
    return min(times) if times else None


@checked
def create_plan(
    plan_id: str,
    *,
    client: str,
    project: str,
    timezone: str,
    items: tuple[PlanItem, ...],
    silence_days: int = 5,
    reply_within: dt.timedelta = _FOUR_HOURS,
    schedule: Schedule,
    actor: Actor,
    now: pendulum.DateTime,
    rule: Rule = _DEFAULT.manage,
    template: str = "",
) -> Decision[CommunicationPlan]:
    """Agree a plan: its items, the client's time zone, the silence and reply limits.

    ``rule`` says who may (each command takes the rule its action needs; the workspace
    passes the rules' ``[permissions.plans]``); only within the plan's client.
    ``template`` names the rules' plan template the items come from (empty: given).
    """
    at = to_utc(now, "now")
    require(rule, actor, f"create plan {plan_id}", {CLIENT_PARTY: client})
    zone(timezone, "plan.timezone")
    validate_duration(reply_within, "plan.reply_within", allow_zero=False)
    draft = CommunicationPlan(
        id=plan_id,
        version=0,
        status=TABLE.initial,
        client=client,
        project=project,
        timezone=timezone,
        items=items,
        created_at=at,
        silence_days=silence_days,
        reply_within=pendulum.Duration(microseconds=duration_micros(reply_within)),
    )
    event = PlanCreated(
        meta=EventMeta(plan_id, 1, at, actor.id),
        client=client,
        project=project,
        timezone=timezone,
        items=items,
        silence_days=silence_days,
        reply_within=draft.reply_within,
        next_deadline=next_deadline(draft, schedule, at),
        template=check_line(template, "template", required=False),
    )
    return decide(apply, None, event)


def _allowed(
    plan: CommunicationPlan, transition: str, rule: Rule, actor: Actor, action: str
) -> None:
    TABLE.target(plan.status, transition)
    require(rule, actor, action, {CLIENT_PARTY: plan.client})


def _change(
    plan: CommunicationPlan,
    build: Callable[[EventMeta, pendulum.DateTime | None], DomainEvent],
    *,
    preview: CommunicationPlan,
    schedule: Schedule,
    actor: Actor,
    at: pendulum.DateTime,
) -> Decision[CommunicationPlan]:
    TABLE.target(plan.status, "change")
    meta = EventMeta(plan.id, plan.version + 1, at, actor.id)
    return decide(apply, plan, build(meta, next_deadline(preview, schedule, at)))


@checked
def add_item(
    plan: CommunicationPlan,
    item: PlanItem,
    *,
    schedule: Schedule,
    actor: Actor,
    now: pendulum.DateTime,
    rule: Rule = _DEFAULT.manage,
) -> Decision[CommunicationPlan]:
    """Add a recurring communication."""
    at = to_utc(now, "now")
    _allowed(plan, "change", rule, actor, f"add an item to plan {plan.id}")
    if any(existing.id == item.id for existing in plan.items):
        raise ValidationError("item.id", "an id not used in this plan", got=item.id)
    preview = attrs.evolve(plan, items=(*plan.items, item))
    return _change(
        plan,
        lambda meta, nd: ItemAdded(meta=meta, item=item, next_deadline=nd),
        preview=preview,
        schedule=schedule,
        actor=actor,
        at=at,
    )


@checked
def remove_item(
    plan: CommunicationPlan,
    item_id: str,
    *,
    schedule: Schedule,
    actor: Actor,
    now: pendulum.DateTime,
    rule: Rule = _DEFAULT.manage,
) -> Decision[CommunicationPlan]:
    """Stop a recurring communication."""
    at = to_utc(now, "now")
    _allowed(plan, "change", rule, actor, f"remove an item from plan {plan.id}")
    plan.item(item_id)
    preview = attrs.evolve(plan, items=tuple(i for i in plan.items if i.id != item_id))
    return _change(
        plan,
        lambda meta, nd: ItemRemoved(meta=meta, item_id=item_id, next_deadline=nd),
        preview=preview,
        schedule=schedule,
        actor=actor,
        at=at,
    )


@checked
def record_touchpoint(
    plan: CommunicationPlan,
    touchpoint: Touchpoint,
    *,
    schedule: Schedule,
    actor: Actor,
    now: pendulum.DateTime,
    rule: Rule = _DEFAULT.record,
) -> Decision[CommunicationPlan]:
    """Record a contact (its time must be aware; it may be in the past, never the future)."""
    at = to_utc(now, "now")
    _allowed(plan, "change", rule, actor, f"record a touchpoint on plan {plan.id}")
    if not isinstance(touchpoint, Touchpoint):
        raise ValidationError("touchpoint", "a Touchpoint", got=touchpoint)
    if touchpoint.at > at:
        raise ValidationError(
            "touchpoint.at", f"an instant not after now ({at.isoformat()})", got=touchpoint.at
        )
    if any(tp.id == touchpoint.id for tp in plan.touchpoints):
        raise ValidationError("touchpoint.id", "an id not recorded before", got=touchpoint.id)
    if touchpoint.item_id is not None:
        plan.item(touchpoint.item_id)
    preview = attrs.evolve(plan, touchpoints=(*plan.touchpoints, touchpoint))
    return _change(
        plan,
        lambda meta, nd: TouchpointRecorded(meta=meta, touchpoint=touchpoint, next_deadline=nd),
        preview=preview,
        schedule=schedule,
        actor=actor,
        at=at,
    )


@checked
def archive(
    plan: CommunicationPlan, *, actor: Actor, now: pendulum.DateTime, rule: Rule = _DEFAULT.archive
) -> Decision[CommunicationPlan]:
    """End the plan: no more alerts."""
    _allowed(plan, "archive", rule, actor, f"archive plan {plan.id}")
    meta = EventMeta(plan.id, plan.version + 1, to_utc(now, "now"), actor.id)
    return decide(apply, plan, PlanArchived(meta=meta, next_deadline=None))


@checked
def fire_alerts(
    plan: CommunicationPlan, *, schedule: Schedule, now: pendulum.DateTime
) -> Decision[CommunicationPlan]:
    """The engine's timer: raise every alert due by ``now``, each once (none: no events)."""
    TABLE.target(plan.status, "change")
    at = to_utc(now, "now")
    due = sorted((p for p in _pending(plan, schedule, at) if p[1] <= at), key=lambda p: p[1])
    if not due:
        return Decision(plan, ())
    current = plan
    events: list[DomainEvent] = []
    for index, (key, _, build) in enumerate(due):
        meta = EventMeta(plan.id, current.version + 1, at, "system")
        last = index == len(due) - 1
        following = None
        if last:
            alerted = current.alerted | {k for k, _, _ in due}
            following = next_deadline(attrs.evolve(current, alerted=alerted), schedule, at)
        else:
            following = current.next_deadline
        event = attrs.evolve(build(meta, following), key=key)
        current = apply(current, event)
        events.append(event)
    return Decision(current, tuple(events))


_TOUCHPOINT = ("id", "direction", "channel", "at", "participants", "kind", "item_id", "summary")


def touchpoint_from(value: object) -> Touchpoint:
    """A :class:`Touchpoint`, or one built from its JSON form (``at`` as ISO 8601 with
    its offset, enums by value)."""  # noqa: D205, D209
    if isinstance(value, Touchpoint):
        return value
    data = json_object(value, "touchpoint", _TOUCHPOINT)
    at = data.get("at")
    return Touchpoint(
        data.get("id"),  # type: ignore[arg-type]
        enum_of(Direction, data.get("direction")),  # type: ignore[arg-type]
        enum_of(Channel, data.get("channel")),  # type: ignore[arg-type]
        parse_instant(at, "touchpoint.at") if isinstance(at, str) else at,
        participants=data.get("participants", ()),  # checked there: a str is refused
        kind=enum_of(ItemKind, data.get("kind")),  # type: ignore[arg-type]
        item_id=data.get("item_id"),
        summary=data.get("summary", ""),
    )


_NEEDS = ("schedule", "rule")

COMMANDS: CommandSet[CommunicationPlan] = CommandSet(
    "plan",
    N_("communication plan"),
    TABLE,
    (
        Command(
            "create",
            create_plan,
            creates=True,
            needs=_NEEDS,
            rule="manage",
            words=N_("create a communication plan"),
        ),
        Command(
            "add_item", add_item, ("change",), _NEEDS, rule="manage", words=N_("add a plan item")
        ),
        Command(
            "remove_item",
            remove_item,
            ("change",),
            _NEEDS,
            rule="manage",
            words=N_("remove a plan item"),
        ),
        Command(
            "record_touchpoint",
            record_touchpoint,
            ("change",),
            _NEEDS,
            rule="record",
            parsers={"touchpoint": touchpoint_from},
            words=N_("record a touchpoint"),
        ),
        Command("archive", archive, ("archive",), ("rule",), words=N_("archive")),
    ),
    state_words={"active": N_("active"), "archived": N_("archived")},
)
"""The communication-plan commands, declared once (``ws.plans.create`` fills in the
client's template from the rules)."""
