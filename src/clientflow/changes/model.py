"""Change requests: the aggregate and the value objects it is made of."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs
import pendulum

from clientflow.core import Money, Rating, ValidationError, check_id, check_line, to_utc
from clientflow.core.money import decimal_of as _decimal
from clientflow.i18n import N_

__all__ = [
    "MAX_SCHEDULE_DAYS",
    "ApprovalRound",
    "ChangeRequest",
    "CommentRule",
    "GroupTally",
    "Impact",
    "Mode",
    "Money",
    "OnRejection",
    "Outcome",
    "Priority",
    "Risk",
    "Verdict",
    "VoteRecord",
]


def _hours(value: Decimal | int | str) -> Decimal:
    return _decimal(value, "effort_hours")


MAX_SCHEDULE_DAYS = 36_600
"""The largest schedule delay (or saving) of one change, in business days (100 years)."""

Risk = Rating
"""How risky a change is, low to critical: the same scale as a risk's rating."""


class Priority(enum.Enum):
    """MoSCoW priority of a change."""

    MUST = "must"
    SHOULD = "should"
    COULD = "could"
    WONT = "wont"


def _milestones(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    elif not isinstance(value, Iterable) or isinstance(value, Mapping):
        raise ValidationError("milestones", "a list of milestone names", got=value)
    return tuple(check_line(name, "milestones") for name in value)


@attrs.frozen
class Impact:
    """What a change does to the project: the assessment the client is shown.

    ``schedule_days`` is the delay in business days (negative when the change saves
    time); ``cost`` the cost delta; ``effort_hours`` the work it takes.
    """

    schedule_days: int
    cost: Money
    effort_hours: Decimal = attrs.field(converter=_hours)
    risk: Risk
    in_scope: bool
    priority: Priority
    milestones: tuple[str, ...] = attrs.field(default=(), converter=_milestones)

    def __attrs_post_init__(self) -> None:
        days = self.schedule_days
        if isinstance(days, bool) or not isinstance(days, int) or abs(days) > MAX_SCHEDULE_DAYS:
            raise ValidationError(
                "schedule_days",
                N_("a whole number of business days from -{most} to {most}"),
                got=days if not isinstance(days, int) or abs(days) < 10**30 else "a huge number",
                values={"most": MAX_SCHEDULE_DAYS},
            )
        if not isinstance(self.cost, Money):
            raise ValidationError("cost", "a Money value (amount and currency)", got=self.cost)
        if self.effort_hours < 0:
            raise ValidationError(
                "effort_hours", N_("a number of hours >= 0"), got=self.effort_hours
            )
        if not isinstance(self.risk, Risk):
            raise ValidationError.one_of("risk", [r.value for r in Risk], got=self.risk)
        if not isinstance(self.in_scope, bool):
            raise ValidationError("in_scope", N_("true or false"), got=self.in_scope)
        if not isinstance(self.priority, Priority):
            raise ValidationError.one_of("priority", [p.value for p in Priority], got=self.priority)
        if not all(isinstance(m, str) and m.strip() for m in self.milestones):
            raise ValidationError("milestones", "non-empty milestone names", got=self.milestones)


class Mode(enum.Enum):
    """How many members of an approver group must approve."""

    ANY = "any"
    ALL = "all"
    QUORUM = "quorum"
    PERCENT = "percent"


class CommentRule(enum.Enum):
    """When a vote must carry a comment."""

    NEVER = "never"
    ON_REJECT = "on_reject"
    ALWAYS = "always"


class QuorumBase(enum.Enum):
    """What a group's quorum counts when the requester is one of its members.

    The requester never votes on their own change. ``REMAINING``: the quorum (and a
    percentage) counts the members left, so a 3-person group with the requester in it
    needs 2 of the 2 others for ``ALL``. ``WHOLE``: it counts the whole group, so a
    quorum of 2 of 3 still needs 2 approvals, from the others; a quorum the others
    cannot reach is refused when approval is requested.
    """

    REMAINING = "remaining"
    WHOLE = "whole"


class OnRejection(enum.Enum):
    """What a rejection does to an undecided approver group.

    ``REJECT``: one rejection by an approver the group still needs rejects the change at
    once (a veto; in an ``ANY`` group the first vote decides either way).
    ``WAIT``: the group keeps collecting votes and is rejected only when its threshold
    can no longer be reached.
    """

    REJECT = "reject"
    WAIT = "wait"


class Verdict(enum.Enum):
    """An approver's vote."""

    APPROVE = "approve"
    REJECT = "reject"


class Outcome(enum.Enum):
    """How an approval round ended."""

    APPROVED = "approved"
    REJECTED = "rejected"
    SENT_BACK = "sent_back"
    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"


@attrs.frozen
class VoteRecord:
    """A vote as recorded: who voted, for whom (delegation), what, and whether it counted."""

    voter: str
    principal: str
    verdict: Verdict
    comment: str
    stage: int
    late: bool
    at: pendulum.DateTime


@attrs.frozen
class GroupTally:
    """One approver group within a round: who may vote, how many must approve, the votes."""

    name: str
    mode: Mode
    needed: int
    eligible: frozenset[str]
    comment: CommentRule
    approvals: frozenset[str] = frozenset()
    rejections: frozenset[str] = frozenset()
    excluded: tuple[tuple[str, str], ...] = ()
    """Members who may not vote in this round, each with why (the requester)."""

    def approved(self) -> bool:
        """Whether enough members approved."""
        return len(self.approvals) >= self.needed

    def rejected(self, on_rejection: OnRejection) -> bool:
        """Whether the group can no longer approve under ``on_rejection``."""
        if self.approved():
            return False
        if on_rejection is OnRejection.REJECT and self.rejections:
            return True
        return len(self.eligible) - len(self.rejections) < self.needed

    def decided(self, on_rejection: OnRejection) -> bool:
        """Whether the group's result is fixed."""
        return self.approved() or self.rejected(on_rejection)

    def pending(self) -> frozenset[str]:
        """Members who have not voted."""
        return self.eligible - self.approvals - self.rejections


def _person(value: str) -> str:
    return check_id(value, "delegation person")


def _instant(value: pendulum.DateTime) -> pendulum.DateTime:
    return to_utc(value, "delegation period")


@attrs.frozen
class Delegation:
    """``delegator`` lets ``delegate`` vote for them from ``start`` until ``end``.

    Recorded in an :class:`~clientflow.changes.ApprovalPolicy` (the rules file's
    ``approval.<name>.delegations``); only recorded delegations give a right to vote.
    """

    delegator: str = attrs.field(converter=_person)
    delegate: str = attrs.field(converter=_person)
    start: pendulum.DateTime = attrs.field(converter=_instant)
    end: pendulum.DateTime = attrs.field(converter=_instant)

    def __attrs_post_init__(self) -> None:
        if self.delegator == self.delegate:
            raise ValidationError("delegation.delegate", "someone other than the delegator")
        if self.end <= self.start:
            raise ValidationError("delegation.end", "an instant after the start", got=self.end)

    def active(self, at: pendulum.DateTime) -> bool:
        """Whether the delegation covers ``at`` (start inclusive, end exclusive)."""
        return self.start <= at < self.end


@attrs.frozen
class ApprovalRound:
    """One approval round: a snapshot of the policy it was opened under, and its votes.

    The snapshot is taken when the round opens, so a change already awaiting approval
    keeps the rules it started with when the policy is edited.
    """

    number: int
    route: str
    stages: tuple[tuple[GroupTally, ...], ...]
    on_rejection: OnRejection
    deadline: pendulum.DateTime | None
    escalate_to: tuple[str, ...]
    escalation_repeat: pendulum.Duration | None
    stage: int = 0
    outcome: Outcome | None = None
    votes: tuple[VoteRecord, ...] = ()
    escalations: int = 0
    delegations: tuple[Delegation, ...] = ()

    @property
    def current(self) -> tuple[GroupTally, ...]:
        """The groups of the stage now voting."""
        return self.stages[self.stage]

    def pending(self) -> frozenset[str]:
        """Approvers of the current stage who still have to vote, in undecided groups."""
        if self.outcome is not None:
            return frozenset()
        found: frozenset[str] = frozenset()
        for group in self.current:
            if not group.decided(self.on_rejection):
                found |= group.pending()
        return found

    def eligible_anywhere(self, actor_id: str) -> bool:
        """Whether the actor is an approver in any stage of this round."""
        return any(actor_id in group.eligible for stage in self.stages for group in stage)

    def principal_for(self, voter: str, at: pendulum.DateTime) -> str | None:
        """Whom ``voter``'s next vote at ``at`` is for: of the voter (if an approver of
        this round) and the approvers who delegated to them (delegations the round
        recorded, active then), the first who still has to vote in the open stage, else
        the first of them (a late or second vote, refused or recorded as such); ``None``:
        nobody. So a delegate holding several votes casts them one after another, their
        own first."""  # noqa: D205, D209
        own = [voter] if self.eligible_anywhere(voter) else []
        held = own + [
            delegation.delegator
            for delegation in self.delegations
            if delegation.delegate == voter
            and delegation.active(at)
            and self.eligible_anywhere(delegation.delegator)
        ]
        if len(held) < 2:
            return held[0] if held else None
        waiting = self.pending()
        return next((who for who in held if who in waiting), held[0])

    def stage_of(self, principal: str) -> int | None:
        """The stage a vote by ``principal`` belongs to: the open one, else the last one
        already behind (a late vote), or ``None`` if they approve in neither."""  # noqa: D205, D209
        if any(principal in g.eligible for g in self.current):
            return self.stage
        reachable = len(self.stages) if self.outcome is not None else self.stage
        for index in range(reachable - 1, -1, -1):
            if any(principal in g.eligible for g in self.stages[index]):
                return index
        return None

    def counts(self, principal: str, stage: int) -> bool:
        """Whether a vote by ``principal`` in ``stage`` still decides something (else late)."""
        return (
            self.outcome is None
            and stage == self.stage
            and any(
                principal in g.eligible and not g.decided(self.on_rejection) for g in self.current
            )
        )

    def with_vote(self, vote: VoteRecord) -> ApprovalRound:
        """The round with ``vote`` recorded and, unless late, counted in its groups."""
        if vote.late:
            return attrs.evolve(self, votes=(*self.votes, vote))
        groups = []
        for group in self.current:
            counted = group
            if vote.principal in group.eligible and not group.decided(self.on_rejection):
                if vote.verdict is Verdict.APPROVE:
                    counted = attrs.evolve(group, approvals=group.approvals | {vote.principal})
                else:
                    counted = attrs.evolve(group, rejections=group.rejections | {vote.principal})
            groups.append(counted)
        stages = (*self.stages[: self.stage], tuple(groups), *self.stages[self.stage + 1 :])
        return attrs.evolve(self, stages=stages, votes=(*self.votes, vote))

    def rejected_by(self) -> tuple[str, ...]:
        """Who rejected the open stage, if one of its groups can no longer approve."""
        rejected = [g for g in self.current if g.rejected(self.on_rejection)]
        return tuple(sorted({p for g in rejected for p in g.rejections}))

    def next_stage(self) -> int | None:
        """When every group of the open stage approved: the next stage's index, or
        ``len(stages)`` when that was the last (the round is approved); else ``None``."""  # noqa: D205, D209
        if self.outcome is not None or self.rejected_by():
            return None
        if not all(g.approved() for g in self.current):
            return None
        return self.stage + 1


@attrs.frozen(kw_only=True)
class ChangeRequest:
    """A change the client asked for, from draft to closed.

    ``status`` is a state of :class:`~clientflow.changes.machine.ChangeRequestMachine`;
    ``round`` is the current or last approval round; ``next_deadline`` is the approval
    deadline (or the next escalation) while the change awaits approval.
    """

    id: str
    version: int
    status: str
    project: str
    title: str
    description: str
    requester: str
    requested_at: pendulum.DateTime
    impact: Impact | None = None
    release: str | None = None
    route: str | None = None
    round: ApprovalRound | None = None
    next_deadline: pendulum.DateTime | None = None
