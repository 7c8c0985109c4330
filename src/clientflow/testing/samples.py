"""Small, realistic sample data for contract tests: change requests at every stage."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import attrs
import pendulum

from clientflow.changes import (
    ApprovalPolicy,
    ApproverGroup,
    ChangeRequest,
    Impact,
    Mode,
    Money,
    Priority,
    Risk,
    Route,
    assess,
    kind,
    request_approval,
    request_change,
    submit,
)
from clientflow.core import (
    Actor,
    BusinessCalendar,
    Codec,
    Decision,
    Description,
    DomainEvent,
    EventMeta,
    EventRegistry,
    ValidationError,
    WorkflowKind,
    WorkingHours,
    decide,
)

__all__ = [
    "CALENDAR",
    "IMPACT",
    "PM",
    "START",
    "Parcel",
    "ParcelDelivered",
    "ParcelSent",
    "assessed",
    "awaiting_approval",
    "deliver_parcel",
    "draft",
    "parcel_kind",
    "reassess",
    "sample_codec",
    "send_parcel",
    "submitted",
]

CALENDAR = BusinessCalendar("Europe/London", WorkingHours.weekdays("09:00-17:30"), country="GB")
START = pendulum.datetime(2026, 3, 2, 9)  # a Monday, 09:00 London
REQUESTER = Actor("anna", {"client"})
PM = Actor("pm1", {"pm"})
POLICY = ApprovalPolicy(
    routes=(Route("review", stages=((ApproverGroup("pms", roles={"pm"}, mode=Mode.ANY),),)),),
    deadline=pendulum.duration(hours=4),
    escalation_repeat=pendulum.duration(hours=4),
)
IMPACT = Impact(
    schedule_days=2,
    cost=Money("1500.00", "GBP"),
    effort_hours=Decimal(12),
    risk=Risk.MEDIUM,
    in_scope=False,
    priority=Priority.SHOULD,
)


def sample_codec() -> Codec:
    """The kinds the contract's samples use: change requests on a London calendar, and a
    host's own kind (:func:`parcel_kind`), registered the same way."""  # noqa: D205, D209
    return Codec([kind(lambda change: CALENDAR), parcel_kind()])


@attrs.frozen
class Parcel:
    """A host's own aggregate (not a built-in workflow): a parcel sent to a client."""

    id: str
    version: int
    status: str
    client: str
    next_deadline: pendulum.DateTime | None
    sent_at: pendulum.DateTime


@attrs.frozen(kw_only=True)
class ParcelSent(DomainEvent):
    """A parcel left for a client, due by ``due``."""

    event_type: ClassVar[str] = "sample.parcel_sent"
    client: str
    due: pendulum.DateTime


@attrs.frozen(kw_only=True)
class ParcelDelivered(DomainEvent):
    """The parcel arrived."""

    event_type: ClassVar[str] = "sample.parcel_delivered"


def _apply_parcel(parcel: Parcel | None, event: DomainEvent) -> Parcel:
    if isinstance(event, ParcelSent):
        return Parcel(event.aggregate_id, 1, "sent", event.client, event.due, event.occurred_at)
    if isinstance(event, ParcelDelivered) and parcel is not None:
        return attrs.evolve(
            parcel, version=parcel.version + 1, status="delivered", next_deadline=None
        )
    raise ValidationError("event", "a parcel event", got=event)


def _describe_parcel(parcel: Parcel) -> Description:
    return Description(
        client=parcel.client, opened_at=parcel.sent_at, closed=parcel.status == "delivered"
    )


def parcel_kind() -> WorkflowKind[Parcel]:
    """A host's own workflow kind, as a store contract sees one: stored beside the
    built-in ones by every store, which knows neither."""  # noqa: D205, D209
    return WorkflowKind(
        "sample_parcel",
        Parcel,
        _apply_parcel,
        EventRegistry([ParcelSent, ParcelDelivered]),
        describe=_describe_parcel,
    )


def send_parcel(
    parcel_id: str, client: str = "acme", now: pendulum.DateTime = START
) -> Decision[Parcel]:
    """A parcel sent now, due two days later."""
    meta = EventMeta(parcel_id, 1, now, PM.id)
    return decide(_apply_parcel, None, ParcelSent(meta=meta, client=client, due=now.add(days=2)))


def deliver_parcel(parcel: Parcel, now: pendulum.DateTime = START) -> Decision[Parcel]:
    """The parcel delivered."""
    meta = EventMeta(parcel.id, parcel.version + 1, now, PM.id)
    return decide(_apply_parcel, parcel, ParcelDelivered(meta=meta))


def draft(change_id: str, now: pendulum.DateTime = START) -> Decision[ChangeRequest]:
    """A new draft change request."""
    return request_change(
        change_id,
        project="apollo",
        title="Export to CSV",
        description="",
        requester=REQUESTER,
        now=now,
    )


def submitted(change: ChangeRequest, now: pendulum.DateTime = START) -> Decision[ChangeRequest]:
    """The draft, submitted."""
    return submit(change, REQUESTER, now)


def awaiting_approval(
    change_id: str, now: pendulum.DateTime = START
) -> tuple[ChangeRequest, list[Decision[ChangeRequest]]]:
    """A change awaiting approval (deadline: 4 business hours after ``now``).

    Returns the change and every decision that led there.
    """
    steps = [draft(change_id, now)]
    steps.append(submit(steps[-1].aggregate, REQUESTER, now))
    steps.append(assess(steps[-1].aggregate, IMPACT, PM, now))
    steps.append(
        request_approval(
            steps[-1].aggregate,
            POLICY,
            directory={"pm": ["pm1", "pm2"]},
            calendar=CALENDAR,
            actor=PM,
            now=now,
        )
    )
    return steps[-1].aggregate, steps


def reassess(
    change: ChangeRequest | None, now: pendulum.DateTime, *, hours: int
) -> Decision[ChangeRequest]:
    """Re-assess with ``hours`` of effort: allowed again and again while assessed.

    A command that can be repeated without end, for concurrency tests.
    """
    if change is None:
        raise ValidationError("change", "an existing change request")
    return assess(change, attrs.evolve(IMPACT, effort_hours=Decimal(hours)), PM, now)


def assessed(
    change_id: str, now: pendulum.DateTime = START
) -> tuple[ChangeRequest, list[Decision[ChangeRequest]]]:
    """An assessed change (effort 0 hours), and every decision that led there."""
    steps = [draft(change_id, now)]
    steps.append(submit(steps[-1].aggregate, REQUESTER, now))
    steps.append(reassess(steps[-1].aggregate, now, hours=0))
    return steps[-1].aggregate, steps
