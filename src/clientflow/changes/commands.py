"""Commands on change requests: pure functions from (change, input, now) to a Decision.

Each command checks, in this order, that the machine allows the transition
(``TransitionNotAllowed``), that the actor may do it (``PermissionDenied``) and that the
input is valid (``ValidationError``); only then does it build events. A rejected
command raises before anything is built, so the caller's aggregate is untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import pendulum

from clientflow.changes.events import (
    ApprovalEscalated,
    ApprovalRequested,
    ApprovalStageOpened,
    ChangeApproved,
    ChangeAssessed,
    ChangeClosed,
    ChangeDeferred,
    ChangeImplemented,
    ChangeRejected,
    ChangeRequested,
    ChangeSentBack,
    ChangeSubmitted,
    ChangeWithdrawn,
    VoteCast,
    apply,
)
from clientflow.changes.machine import TABLE
from clientflow.changes.model import (
    ChangeRequest,
    Impact,
    Money,
    Priority,
    Risk,
    Verdict,
    VoteRecord,
)
from clientflow.changes.policy import (
    ApprovalPolicy,
    ChangePermissions,
    Delegation,
    open_round,
    required_comment,
)
from clientflow.core import (
    MAX_TEXT_LENGTH,
    Actor,
    BusinessCalendar,
    Command,
    CommandSet,
    Decision,
    DomainEvent,
    EventMeta,
    IsNotParty,
    PermissionDenied,
    Phrase,
    Rule,
    ValidationError,
    check_line,
    check_text,
    checked,
    decide,
    refusal,
    to_utc,
)
from clientflow.core.edge import enum_of, json_object
from clientflow.i18n import N_

__all__ = [
    "COMMANDS",
    "assess",
    "cast_vote",
    "close",
    "defer",
    "escalate_overdue",
    "impact_from",
    "implement",
    "request_approval",
    "request_change",
    "send_back",
    "submit",
    "withdraw",
]

DEFAULT_PERMISSIONS = ChangePermissions()
_NOT_REQUESTER = IsNotParty("requester")


def _text(value: object, field: str, *, required: bool = True, limit: int = MAX_TEXT_LENGTH) -> str:
    return check_text(value, field, required=required, limit=limit)


def _begin(
    change: ChangeRequest, transition: str, rule: Rule, actor: Actor, now: pendulum.DateTime
) -> EventMeta:
    """Check transition and permission, and return the meta of the first new event."""
    TABLE.target(change.status, transition)
    COMMANDS.require(rule, actor, transition, change.id, {"requester": change.requester})
    return EventMeta(change.id, change.version + 1, to_utc(now, "now"), actor.id)


@checked
def request_change(
    change_id: str,
    *,
    project: str,
    title: str,
    description: str,
    requester: Actor,
    now: pendulum.DateTime,
) -> Decision[ChangeRequest]:
    """Draft a new change request; the requester is the acting actor."""
    _text(change_id, "change_id", limit=200)
    event = ChangeRequested(
        meta=EventMeta(change_id, 1, to_utc(now, "now"), requester.id),
        project=check_line(project, "project"),
        title=check_line(title, "title"),
        description=_text(description, "description", required=False),
    )
    return decide(apply, None, event)


@checked
def submit(
    change: ChangeRequest,
    actor: Actor,
    now: pendulum.DateTime,
    permissions: ChangePermissions = DEFAULT_PERMISSIONS,
) -> Decision[ChangeRequest]:
    """Submit a draft for assessment, or resubmit a deferred change."""
    meta = _begin(change, "submit", permissions.submit, actor, now)
    return decide(apply, change, ChangeSubmitted(meta=meta))


@checked
def assess(
    change: ChangeRequest,
    impact: Impact,
    actor: Actor,
    now: pendulum.DateTime,
    permissions: ChangePermissions = DEFAULT_PERMISSIONS,
) -> Decision[ChangeRequest]:
    """Record (or revise, before approval is requested) the impact assessment."""
    meta = _begin(change, "assess", permissions.assess, actor, now)
    if not isinstance(impact, Impact):
        raise ValidationError("impact", "an Impact assessment", got=impact)
    return decide(apply, change, ChangeAssessed(meta=meta, impact=impact))


@checked
def request_approval(
    change: ChangeRequest,
    policy: ApprovalPolicy,
    *,
    actor: Actor,
    now: pendulum.DateTime,
    directory: Mapping[str, Iterable[str]] | None = None,
    calendar: BusinessCalendar | None = None,
) -> Decision[ChangeRequest]:
    """Route the assessed change: approve it as a standard change, or open a round.

    ``directory`` maps each role named by the route to the actor ids holding it now;
    the round freezes that list, so later staffing changes do not alter a vote in flight.
    It is needed only when the route names roles, and ``calendar`` only when the policy
    has a deadline. A requester who is also an approver is excluded from the round and
    listed in it as excluded (``policy.quorum_counts`` says what the quorum counts then).
    """
    meta = _begin(change, "request_approval", policy.permissions.request_approval, actor, now)
    assert change.impact is not None  # the machine only reaches "assessed" via assess
    route = policy.route(change.impact)
    if route.standard:
        return decide(apply, change, ChangeApproved(meta=meta, route=route.name, automatic=True))
    number = 1 if change.round is None else change.round.number + 1
    new_round = open_round(
        policy,
        route,
        number=number,
        directory=directory,
        requester=change.requester,
        calendar=calendar,
        now=meta.occurred_at,
    )
    return decide(apply, change, ApprovalRequested(meta=meta, round=new_round))


def _principal(
    change: ChangeRequest, voter: Actor, delegations: Iterable[Delegation], now: pendulum.DateTime
) -> str | None:
    """Whom the voter votes for: themselves if an approver, else an active delegator.

    Only delegations the round recorded from its policy count; one the caller claims
    that the policy does not record is refused, so a delegation cannot be invented.
    """
    current = change.round
    assert current is not None
    for claimed in delegations:
        if claimed not in current.delegations:
            raise PermissionDenied(
                voter.id,
                Phrase(
                    N_("vote on change {id} for {delegator}"),
                    {"id": change.id, "delegator": getattr(claimed, "delegator", "?")},
                ),
                N_("uses a delegation recorded in the approval policy"),
            )
    return current.principal_for(voter.id, now)


def _not_the_requester(change: ChangeRequest, voter: Actor) -> None:
    """``PermissionDenied`` if ``voter`` requested ``change`` (words only when refused)."""
    refused = refusal(_NOT_REQUESTER, voter, {"requester": change.requester})
    if refused is not None:
        raise PermissionDenied(voter.id, Phrase(_VOTE, {"id": change.id}), refused)


@checked
def cast_vote(
    change: ChangeRequest,
    voter: Actor,
    verdict: Verdict,
    now: pendulum.DateTime,
    *,
    comment: str = "",
    delegations: Iterable[Delegation] = (),
) -> Decision[ChangeRequest]:
    """Record a vote and whatever it decides (next stage, approval or rejection).

    A vote on a group or round that is already decided is recorded as late and changes
    nothing. ``delegations`` are the host's current delegations; a delegate's vote
    counts for the delegator and records both.
    """
    current = change.round
    if change.status != "awaiting_approval" and (current is None or current.outcome is None):
        raise COMMANDS.refuse(change.status, "vote")
    assert current is not None
    at = to_utc(now, "now")
    if not isinstance(verdict, Verdict):
        raise ValidationError("verdict", "Verdict.APPROVE or Verdict.REJECT", got=verdict)
    _text(comment, "comment", required=False)
    _not_the_requester(change, voter)
    principal = _principal(change, voter, delegations, at)
    if principal is None:
        raise PermissionDenied(
            voter.id,
            Phrase(_VOTE, {"id": change.id}),
            N_("is an approver of this round or their delegate"),
        )
    _not_the_requester(change, Actor(principal))
    stage = current.stage_of(principal)
    if stage is None:
        raise PermissionDenied(
            principal,
            Phrase(_VOTE, {"id": change.id}),
            Phrase(
                N_("is an approver of the open stage (stage {stage})"), {"stage": current.stage + 1}
            ),
        )
    if any(v.principal == principal and v.stage == stage for v in current.votes):
        raise ValidationError(
            "vote", f"one vote per approver per stage ({principal} has voted in stage {stage + 1})"
        )
    groups = tuple(g for g in current.stages[stage] if principal in g.eligible)
    counted = current.counts(principal, stage)
    if required_comment(groups, verdict) and not comment.strip():
        raise ValidationError(
            "comment", f"a comment with a {verdict.value} vote (the policy requires one)"
        )
    record = VoteRecord(
        voter=voter.id,
        principal=principal,
        verdict=verdict,
        comment=comment,
        stage=stage,
        late=not counted,
        at=at,
    )
    meta = EventMeta(change.id, change.version + 1, at, voter.id)
    voted = decide(apply, change, VoteCast(meta=meta, vote=record))
    follow = _consequence(voted.aggregate, meta.next())
    if follow is None:
        return voted
    final = decide(apply, voted.aggregate, follow)
    return Decision(final.aggregate, voted.events + final.events)


def _consequence(change: ChangeRequest, meta: EventMeta) -> DomainEvent | None:
    current = change.round
    assert current is not None
    if current.outcome is not None:
        return None
    rejected_by = current.rejected_by()
    if rejected_by:
        return ChangeRejected(meta=meta, route=current.route, rejected_by=rejected_by)
    following = current.next_stage()
    if following is None:
        return None
    if following < len(current.stages):
        approvers = tuple(sorted({p for g in current.stages[following] for p in g.eligible}))
        return ApprovalStageOpened(meta=meta, stage=following, approvers=approvers)
    return ChangeApproved(meta=meta, route=current.route, automatic=False)


@checked
def send_back(
    change: ChangeRequest,
    actor: Actor,
    reason: str,
    now: pendulum.DateTime,
    *,
    delegations: Iterable[Delegation] = (),
) -> Decision[ChangeRequest]:
    """An approver of the current stage returns the change for re-assessment."""
    TABLE.target(change.status, "send_back")
    assert change.round is not None
    at = to_utc(now, "now")
    principal = _principal(change, actor, delegations, at)
    if principal is None or not any(principal in g.eligible for g in change.round.current):
        raise PermissionDenied(
            actor.id,
            Phrase(N_("send back change {id}"), {"id": change.id}),
            N_("is an approver of the current stage"),
        )
    meta = EventMeta(change.id, change.version + 1, at, actor.id)
    return decide(apply, change, ChangeSentBack(meta=meta, reason=_text(reason, "reason")))


@checked
def defer(
    change: ChangeRequest,
    release: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    reason: str = "",
    permissions: ChangePermissions = DEFAULT_PERMISSIONS,
) -> Decision[ChangeRequest]:
    """Defer the change to a named later release (it can be resubmitted then)."""
    meta = _begin(change, "defer", permissions.defer, actor, now)
    event = ChangeDeferred(
        meta=meta,
        release=check_line(release, "release"),
        reason=_text(reason, "reason", required=False),
    )
    return decide(apply, change, event)


@checked
def withdraw(
    change: ChangeRequest,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    reason: str = "",
    permissions: ChangePermissions = DEFAULT_PERMISSIONS,
) -> Decision[ChangeRequest]:
    """Withdraw the change from any open state."""
    meta = _begin(change, "withdraw", permissions.withdraw, actor, now)
    event = ChangeWithdrawn(meta=meta, reason=_text(reason, "reason", required=False))
    return decide(apply, change, event)


@checked
def implement(
    change: ChangeRequest,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    note: str = "",
    permissions: ChangePermissions = DEFAULT_PERMISSIONS,
) -> Decision[ChangeRequest]:
    """Mark an approved change as implemented."""
    meta = _begin(change, "implement", permissions.implement, actor, now)
    return decide(
        apply, change, ChangeImplemented(meta=meta, note=_text(note, "note", required=False))
    )


@checked
def close(
    change: ChangeRequest,
    actor: Actor,
    now: pendulum.DateTime,
    permissions: ChangePermissions = DEFAULT_PERMISSIONS,
) -> Decision[ChangeRequest]:
    """Close an implemented change."""
    meta = _begin(change, "close", permissions.close, actor, now)
    return decide(apply, change, ChangeClosed(meta=meta))


@checked
def escalate_overdue(
    change: ChangeRequest, calendar: BusinessCalendar, now: pendulum.DateTime
) -> Decision[ChangeRequest]:
    """The engine's timer: the approval deadline passed, so tell who must be told.

    The next escalation (if the round's policy repeats) is measured from the deadline
    that fired, not from when the sweep ran, so a late sweep does not drift the schedule.
    """
    TABLE.target(change.status, "escalate")
    at = to_utc(now, "now")
    due = change.next_deadline
    if due is None or due > at:
        raise ValidationError(
            "now", f"an instant at or after the approval deadline ({due})", got=at
        )
    current = change.round
    assert current is not None
    repeat = current.escalation_repeat
    following = None
    if repeat is not None:
        following = calendar.add(due, repeat)
        if following <= at:  # the sweep ran very late: one escalation now, not a burst
            following = calendar.add(at, repeat)
    event = ApprovalEscalated(
        meta=EventMeta(change.id, change.version + 1, at, "system"),
        level=current.escalations + 1,
        notify=current.escalate_to,
        pending=tuple(sorted(current.pending())),
        next_deadline=following,
    )
    return decide(apply, change, event)


_IMPACT = ("schedule_days", "cost", "effort_hours", "risk", "in_scope", "priority", "milestones")


def impact_from(value: object) -> Impact:
    """An :class:`Impact`, or one built from its JSON form (cost as ``"9000 CNY"`` or
    ``{"amount": "9000", "currency": "CNY"}``, enums by value).

    >>> impact_from({"schedule_days": 2, "cost": "9000 CNY", "effort_hours": 16,
    ...              "risk": "medium", "in_scope": False, "priority": "should"}).cost
    Money(amount=Decimal('9000'), currency='CNY')
    """  # noqa: D205
    if isinstance(value, Impact):
        return value
    data = json_object(value, "impact", _IMPACT)
    cost = data.get("cost")
    if isinstance(cost, str):
        amount, _, currency = cost.strip().partition(" ")
        cost = Money(amount, currency.strip())
    elif isinstance(cost, Mapping):
        cost = Money(cost.get("amount"), cost.get("currency"))  # type: ignore[arg-type]
    return Impact(
        schedule_days=data.get("schedule_days"),  # type: ignore[arg-type]
        cost=cost,  # type: ignore[arg-type]
        effort_hours=data.get("effort_hours", 0),
        risk=enum_of(Risk, data.get("risk")),  # type: ignore[arg-type]
        in_scope=data.get("in_scope"),  # type: ignore[arg-type]
        priority=enum_of(Priority, data.get("priority")),  # type: ignore[arg-type]
        milestones=data.get("milestones", ()),
    )


_PERMISSIONS = ("permissions",)
_VOTE = N_("vote on change {id}")
_OPEN_STAGE = N_("is an approver of the open stage (stage {stage})")

STATUS_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "draft": N_("draft"),
        "submitted": N_("submitted"),
        "assessed": N_("assessed"),
        "awaiting_approval": N_("awaiting approval"),
        "approved": N_("approved"),
        "deferred": N_("deferred"),
        "implemented": N_("implemented"),
        "rejected": N_("rejected"),
        "closed": N_("closed"),
        "withdrawn": N_("withdrawn"),
    }
)
"""Each change-request status (a state of the machine) as a message id, for what people
read."""

COMMANDS: CommandSet[ChangeRequest] = CommandSet(
    "change",
    "change request",
    TABLE,
    (
        Command(
            "request",
            request_change,
            creates=True,
            actor="requester",
            defaults={"description": ""},
            words=N_("request a change"),
        ),
        Command("submit", submit, ("submit",), _PERMISSIONS, words=N_("submit")),
        Command(
            "assess",
            assess,
            ("assess",),
            _PERMISSIONS,
            parsers={"impact": impact_from},
            words=N_("assess"),
        ),
        Command(
            "request_approval",
            request_approval,
            ("request_approval", "auto_approve"),
            ("policy", "directory", "calendar"),
            words=N_("request approval"),
        ),
        Command("vote", cast_vote, ("vote",), ("delegations",), actor="voter", words=N_("vote")),
        Command("send_back", send_back, ("send_back",), ("delegations",), words=N_("send back")),
        Command("defer", defer, ("defer",), _PERMISSIONS, words=N_("defer")),
        Command("withdraw", withdraw, ("withdraw",), _PERMISSIONS, words=N_("withdraw")),
        Command("implement", implement, ("implement",), _PERMISSIONS, words=N_("implement")),
        Command("close", close, ("close",), _PERMISSIONS, words=N_("close")),
    ),
    state_words=STATUS_WORDS,
)
"""The change-request commands, declared once: ``ws.changes``' methods and ``run``'s
names, with their payloads, come from here."""
