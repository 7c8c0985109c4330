"""What happens to a communication plan, as facts, and how each fact changes it.

Every event carries the plan's ``next_deadline`` as the command computed it on the
calendar (the next due, overdue, silence or reply-owed alert), so rebuilding needs none.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import attrs
import pendulum

from clientflow.cadence.machine import TABLE
from clientflow.cadence.model import (
    ALERT_WINDOW,
    CommunicationPlan,
    Direction,
    PlanItem,
    Touchpoint,
)
from clientflow.core import DomainEvent, EventRegistry, ValidationError

__all__ = [
    "EVENTS",
    "ItemAdded",
    "ItemRemoved",
    "OccurrenceDue",
    "OccurrenceOverdue",
    "PlanArchived",
    "PlanCreated",
    "ReplyOwed",
    "SilenceDetected",
    "TouchpointRecorded",
    "apply",
]


@attrs.frozen(kw_only=True)
class PlanCreated(DomainEvent):
    """A communication plan was agreed with the client."""

    event_type: ClassVar[str] = "cadence.plan_created"
    client: str
    project: str
    timezone: str
    items: tuple[PlanItem, ...]
    silence_days: int
    reply_within: pendulum.Duration
    next_deadline: pendulum.DateTime | None
    template: str = ""
    """The rules' plan template the items came from; empty when the host gave the items
    (or the plan was created before this was recorded). A what-if reads it to take the
    proposed template's items."""


@attrs.frozen(kw_only=True)
class _PlanEvent(DomainEvent):
    transition: ClassVar[str] = "change"
    next_deadline: pendulum.DateTime | None


@attrs.frozen(kw_only=True)
class ItemAdded(_PlanEvent):
    """An item was added to the plan."""

    event_type: ClassVar[str] = "cadence.item_added"
    item: PlanItem


@attrs.frozen(kw_only=True)
class ItemRemoved(_PlanEvent):
    """An item was removed from the plan."""

    event_type: ClassVar[str] = "cadence.item_removed"
    item_id: str


@attrs.frozen(kw_only=True)
class TouchpointRecorded(_PlanEvent):
    """A contact with the client happened."""

    event_type: ClassVar[str] = "cadence.touchpoint_recorded"
    touchpoint: Touchpoint


@attrs.frozen(kw_only=True)
class PlanArchived(_PlanEvent):
    """The plan ended (project over)."""

    event_type: ClassVar[str] = "cadence.plan_archived"
    transition: ClassVar[str] = "archive"


@attrs.frozen(kw_only=True)
class _Alert(_PlanEvent):
    key: str
    owner: str | None


@attrs.frozen(kw_only=True)
class OccurrenceDue(_Alert):
    """A scheduled communication is due now."""

    event_type: ClassVar[str] = "cadence.occurrence_due"
    item_id: str
    at: pendulum.DateTime


@attrs.frozen(kw_only=True)
class OccurrenceOverdue(_Alert):
    """A scheduled communication passed its grace period without a touchpoint."""

    event_type: ClassVar[str] = "cadence.occurrence_overdue"
    item_id: str
    at: pendulum.DateTime
    due_by: pendulum.DateTime


@attrs.frozen(kw_only=True)
class SilenceDetected(_Alert):
    """No outbound contact with the client for the plan's silence period."""

    event_type: ClassVar[str] = "cadence.silence_detected"
    last_outbound: pendulum.DateTime | None


@attrs.frozen(kw_only=True)
class ReplyOwed(_Alert):
    """An inbound client message has no reply within the plan's reply time."""

    event_type: ClassVar[str] = "cadence.reply_owed"
    touchpoint_id: str
    received_at: pendulum.DateTime


EVENTS = EventRegistry(
    [
        PlanCreated,
        ItemAdded,
        ItemRemoved,
        TouchpointRecorded,
        PlanArchived,
        OccurrenceDue,
        OccurrenceOverdue,
        SilenceDetected,
        ReplyOwed,
    ]
)
"""Every cadence event type."""


def apply(plan: CommunicationPlan | None, event: DomainEvent) -> CommunicationPlan:
    """Evolve a plan by one event; the only code that changes one."""
    if isinstance(event, PlanCreated):
        if plan is not None:
            raise ValidationError(
                "event", "cadence.plan_created only as the first event", got=event.event_id
            )
        return CommunicationPlan(
            id=event.aggregate_id,
            version=event.aggregate_version,
            status=TABLE.initial,
            client=event.client,
            project=event.project,
            timezone=event.timezone,
            items=event.items,
            created_at=event.occurred_at,
            silence_days=event.silence_days,
            reply_within=event.reply_within,
            next_deadline=event.next_deadline,
        )
    if plan is None:
        raise ValidationError(
            "event", "cadence.plan_created as the first event", got=event.event_type
        )
    if not isinstance(event, _PlanEvent):
        raise ValidationError("event", "a cadence event", got=type(event).__name__)
    changed = attrs.evolve(
        plan,
        version=event.aggregate_version,
        status=TABLE.target(plan.status, type(event).transition),
        next_deadline=event.next_deadline,
    )
    if isinstance(event, ItemAdded | ItemRemoved):
        items = (
            (
                *plan.items,
                attrs.evolve(event.item, added_at=event.item.added_at or event.occurred_at),
            )
            if isinstance(event, ItemAdded)
            else tuple(i for i in plan.items if i.id != event.item_id)
        )
        return attrs.evolve(
            changed,
            items=items,
            items_revision=plan.items_revision + 1,
            items_changed_at=event.occurred_at,
        )
    if isinstance(event, TouchpointRecorded):
        return attrs.evolve(changed, touchpoints=(*plan.touchpoints, event.touchpoint))
    if isinstance(event, _Alert):
        return attrs.evolve(changed, alerted=_window(plan, event.key, event.occurred_at))
    return changed


def _window(plan: CommunicationPlan, key: str, now: pendulum.DateTime) -> frozenset[str]:
    """The alert keys still worth remembering once ``key`` is raised at ``now``.

    Alerts are only looked for in the last :data:`ALERT_WINDOW`, so keys of older
    occurrences can go; only the newest silence key matters; a reply that was given
    will never be owed again. Without this a plan swept hourly grows for ever.
    """
    cutoff = (now - ALERT_WINDOW - dt.timedelta(days=2)).naive()
    answered = _answered(plan)
    kept = {key}
    silences = [k for k in (*plan.alerted, key) if k.startswith("silence:")]
    newest = max(silences, key=lambda k: (k != "silence:start", k)) if silences else None
    for old in plan.alerted:
        kind, _, rest = old.partition(":")
        if kind in {"due", "overdue"}:
            try:
                nominal = dt.datetime.fromisoformat(rest.rpartition("@")[2])
            except ValueError:
                nominal = None
            if nominal is not None and nominal.replace(tzinfo=None) < cutoff:
                continue
        elif (kind == "silence" and old != newest) or (kind == "reply" and rest in answered):
            continue
        kept.add(old)
    return frozenset(kept)


def _answered(plan: CommunicationPlan) -> set[str]:
    """Ids of inbound touchpoints an outbound one followed."""
    found: set[str] = set()
    last_out = max(
        (tp.at for tp in plan.touchpoints if tp.direction is Direction.OUTBOUND), default=None
    )
    if last_out is not None:
        found.update(
            tp.id
            for tp in plan.touchpoints
            if tp.direction is Direction.INBOUND and tp.at < last_out
        )
    return found
