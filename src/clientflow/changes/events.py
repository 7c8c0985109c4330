"""What happens to a change request, as facts, and how each fact changes the aggregate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import attrs
import pendulum

from clientflow.changes.machine import TABLE
from clientflow.changes.model import (
    ApprovalRound,
    ChangeRequest,
    Impact,
    Outcome,
    VoteRecord,
)
from clientflow.core import DomainEvent, EventRegistry, ValidationError
from clientflow.core.evolve import evolver

__all__ = [
    "EVENTS",
    "ApprovalEscalated",
    "ApprovalRequested",
    "ApprovalStageOpened",
    "ChangeApproved",
    "ChangeAssessed",
    "ChangeClosed",
    "ChangeDeferred",
    "ChangeImplemented",
    "ChangeRejected",
    "ChangeRequested",
    "ChangeSentBack",
    "ChangeSubmitted",
    "ChangeWithdrawn",
    "VoteCast",
    "apply",
]


@attrs.frozen(kw_only=True)
class ChangeRequested(DomainEvent):
    """A change was drafted by its requester (the event's actor)."""

    event_type: ClassVar[str] = "change.requested"
    project: str
    title: str
    description: str


@attrs.frozen(kw_only=True)
class ChangeSubmitted(DomainEvent):
    """The change was submitted for assessment (or resubmitted after deferral)."""

    event_type: ClassVar[str] = "change.submitted"


@attrs.frozen(kw_only=True)
class ChangeAssessed(DomainEvent):
    """Its impact on schedule, cost, effort and risk was assessed."""

    event_type: ClassVar[str] = "change.assessed"
    impact: Impact


@attrs.frozen(kw_only=True)
class ApprovalRequested(DomainEvent):
    """An approval round opened, routed by the named rule, with its approvers."""

    event_type: ClassVar[str] = "change.approval_requested"
    round: ApprovalRound


@attrs.frozen(kw_only=True)
class VoteCast(DomainEvent):
    """An approver voted; ``late`` votes are recorded but change nothing."""

    event_type: ClassVar[str] = "change.vote_cast"
    vote: VoteRecord


@attrs.frozen(kw_only=True)
class ApprovalStageOpened(DomainEvent):
    """A stage approved; the next sequential stage now votes."""

    event_type: ClassVar[str] = "change.approval_stage_opened"
    stage: int
    approvers: tuple[str, ...]


@attrs.frozen(kw_only=True)
class ChangeApproved(DomainEvent):
    """The change was approved, by its approvers or automatically as a standard change."""

    event_type: ClassVar[str] = "change.approved"
    route: str
    automatic: bool


@attrs.frozen(kw_only=True)
class ChangeRejected(DomainEvent):
    """The approval round rejected the change."""

    event_type: ClassVar[str] = "change.rejected"
    route: str
    rejected_by: tuple[str, ...]


@attrs.frozen(kw_only=True)
class ChangeSentBack(DomainEvent):
    """An approver sent the change back for re-assessment; a new round will follow."""

    event_type: ClassVar[str] = "change.sent_back"
    reason: str


@attrs.frozen(kw_only=True)
class ChangeDeferred(DomainEvent):
    """The change was deferred to a later release; it can be resubmitted."""

    event_type: ClassVar[str] = "change.deferred"
    release: str
    reason: str


@attrs.frozen(kw_only=True)
class ChangeWithdrawn(DomainEvent):
    """The requester withdrew the change."""

    event_type: ClassVar[str] = "change.withdrawn"
    reason: str


@attrs.frozen(kw_only=True)
class ChangeImplemented(DomainEvent):
    """The approved change was implemented."""

    event_type: ClassVar[str] = "change.implemented"
    note: str


@attrs.frozen(kw_only=True)
class ChangeClosed(DomainEvent):
    """The change was closed after implementation."""

    event_type: ClassVar[str] = "change.closed"


@attrs.frozen(kw_only=True)
class ApprovalEscalated(DomainEvent):
    """The approval deadline passed: ``notify`` are told who is still ``pending``."""

    event_type: ClassVar[str] = "change.approval_escalated"
    level: int
    notify: tuple[str, ...]
    pending: tuple[str, ...]
    next_deadline: pendulum.DateTime | None


EVENTS = EventRegistry(
    [
        ChangeRequested,
        ChangeSubmitted,
        ChangeAssessed,
        ApprovalRequested,
        VoteCast,
        ApprovalStageOpened,
        ChangeApproved,
        ChangeRejected,
        ChangeSentBack,
        ChangeDeferred,
        ChangeWithdrawn,
        ChangeImplemented,
        ChangeClosed,
        ApprovalEscalated,
    ]
)
"""Every change-request event type, for stores and the engine."""

# attrs.evolve made once for the aggregate: apply evolves it once per event of every fold
_evolve = evolver(ChangeRequest)


def _close_round(change: ChangeRequest, outcome: Outcome) -> ApprovalRound | None:
    current = change.round
    if current is None or current.outcome is not None:
        return current
    return attrs.evolve(current, outcome=outcome)


def _open_round(change: ChangeRequest) -> ApprovalRound:
    if change.round is None:
        raise ValidationError("event", "an approval event on a change with an approval round")
    return change.round


def _status(change: ChangeRequest, transition: str) -> str:
    return TABLE.target(change.status, transition)


def _submitted(c: ChangeRequest, e: ChangeSubmitted) -> ChangeRequest:
    return _evolve(c, version=e.aggregate_version, status=_status(c, "submit"), release=None)


def _assessed(c: ChangeRequest, e: ChangeAssessed) -> ChangeRequest:
    return _evolve(c, version=e.aggregate_version, status=_status(c, "assess"), impact=e.impact)


def _approval_requested(c: ChangeRequest, e: ApprovalRequested) -> ChangeRequest:
    return _evolve(
        c,
        version=e.aggregate_version,
        status=_status(c, "request_approval"),
        round=e.round,
        route=e.round.route,
        next_deadline=e.round.deadline,
    )


def _vote_cast(c: ChangeRequest, e: VoteCast) -> ChangeRequest:
    return _evolve(c, version=e.aggregate_version, round=_open_round(c).with_vote(e.vote))


def _stage_opened(c: ChangeRequest, e: ApprovalStageOpened) -> ChangeRequest:
    current = attrs.evolve(_open_round(c), stage=e.stage)
    return _evolve(c, version=e.aggregate_version, round=current)


def _escalated(c: ChangeRequest, e: ApprovalEscalated) -> ChangeRequest:
    current = attrs.evolve(_open_round(c), escalations=e.level)
    return _evolve(c, version=e.aggregate_version, round=current, next_deadline=e.next_deadline)


def _approved(c: ChangeRequest, e: ChangeApproved) -> ChangeRequest:
    return _evolve(
        c,
        version=e.aggregate_version,
        status=_status(c, "auto_approve" if e.automatic else "approve"),
        route=e.route,
        round=_close_round(c, Outcome.APPROVED),
        next_deadline=None,
    )


def _rejected(c: ChangeRequest, e: ChangeRejected) -> ChangeRequest:
    return _evolve(
        c,
        version=e.aggregate_version,
        status=_status(c, "reject"),
        round=_close_round(c, Outcome.REJECTED),
        next_deadline=None,
    )


def _sent_back(c: ChangeRequest, e: ChangeSentBack) -> ChangeRequest:
    return _evolve(
        c,
        version=e.aggregate_version,
        status=_status(c, "send_back"),
        round=_close_round(c, Outcome.SENT_BACK),
        next_deadline=None,
    )


def _deferred(c: ChangeRequest, e: ChangeDeferred) -> ChangeRequest:
    return _evolve(
        c,
        version=e.aggregate_version,
        status=_status(c, "defer"),
        release=e.release,
        round=_close_round(c, Outcome.DEFERRED),
        next_deadline=None,
    )


def _withdrawn(c: ChangeRequest, e: ChangeWithdrawn) -> ChangeRequest:
    return _evolve(
        c,
        version=e.aggregate_version,
        status=_status(c, "withdraw"),
        round=_close_round(c, Outcome.WITHDRAWN),
        next_deadline=None,
    )


def _implemented(c: ChangeRequest, e: ChangeImplemented) -> ChangeRequest:
    return _evolve(c, version=e.aggregate_version, status=_status(c, "implement"))


def _closed(c: ChangeRequest, e: ChangeClosed) -> ChangeRequest:
    return _evolve(c, version=e.aggregate_version, status=_status(c, "close"))


_HANDLERS: Mapping[type[DomainEvent], Callable[[ChangeRequest, Any], ChangeRequest]] = {
    ChangeSubmitted: _submitted,
    ChangeAssessed: _assessed,
    ApprovalRequested: _approval_requested,
    VoteCast: _vote_cast,
    ApprovalStageOpened: _stage_opened,
    ApprovalEscalated: _escalated,
    ChangeApproved: _approved,
    ChangeRejected: _rejected,
    ChangeSentBack: _sent_back,
    ChangeDeferred: _deferred,
    ChangeWithdrawn: _withdrawn,
    ChangeImplemented: _implemented,
    ChangeClosed: _closed,
}


def apply(change: ChangeRequest | None, event: DomainEvent) -> ChangeRequest:
    """Evolve a change request by one event; the only code that changes one.

    Events are facts, so this trusts them (no permission or policy checks) but still
    refuses a transition the machine does not declare. Late votes are recorded without
    a transition: they are annotations of a decided round, not moves of the change.
    """
    if isinstance(event, ChangeRequested):
        if change is not None:
            raise ValidationError(
                "event", "change.requested only as the first event", got=event.event_id
            )
        return ChangeRequest(
            id=event.aggregate_id,
            version=event.aggregate_version,
            status=TABLE.initial,
            project=event.project,
            title=event.title,
            description=event.description,
            requester=event.actor,
            requested_at=event.occurred_at,
        )
    if change is None:
        raise ValidationError("event", "change.requested as the first event", got=event.event_type)
    handler = _HANDLERS.get(type(event))
    if handler is None:
        raise ValidationError("event", "a change-request event", got=type(event).__name__)
    return handler(change, event)
