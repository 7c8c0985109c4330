"""Small, realistic sample data for contract tests: change requests at every stage."""

from __future__ import annotations

from decimal import Decimal

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
from clientflow.core import Actor, BusinessCalendar, Codec, Decision, ValidationError, WorkingHours

__all__ = [
    "CALENDAR",
    "IMPACT",
    "PM",
    "START",
    "assessed",
    "awaiting_approval",
    "draft",
    "reassess",
    "sample_codec",
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
    """The kinds the contract's samples use (change requests on a London calendar)."""
    return Codec([kind(lambda change: CALENDAR)])


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
