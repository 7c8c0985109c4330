"""Approval policy: which changes need whose approval, and how votes decide.

Routing is an ordered list of :class:`Route` rules; the first whose :class:`Condition`
matches the impact wins. A route with no stages approves automatically (a *standard
change*, with the rule recorded); otherwise its stages vote one after another, every
:class:`ApproverGroup` of a stage deciding by its :class:`Mode`.

Documented choices (each a known source of confusion in approval tools):

- **Quorum and percentage complete on the first decisive vote**: the moment a group has
  its approvals it is approved; later votes in it are recorded as *late*.
- **Percentages round up**: 50 % of 3 approvers needs 2; never fewer than 1.
- **A rejection** rejects at once by default (:attr:`OnRejection.REJECT`); with
  :attr:`OnRejection.WAIT` a group is rejected only when it can no longer approve.
- **Late votes** (after the group or round is decided, even after approval) are
  recorded in the history with ``late=True`` and change nothing, so a dissent is kept.
- **One vote per approver per stage**: a second vote is an error, not an overwrite.
- **The requester never approves** their own change, even as a delegate; a group left
  with no one else is a configuration error raised when approval is requested.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs
import pendulum

from clientflow.changes.model import (
    ApprovalRound,
    CommentRule,
    Delegation,
    GroupTally,
    Impact,
    Mode,
    Money,
    OnRejection,
    Priority,
    QuorumBase,
    Risk,
    Verdict,
)
from clientflow.core import (
    BusinessCalendar,
    IsParty,
    OnTeam,
    Rule,
    ValidationError,
    duration_micros,
    validate_duration,
)

__all__ = [
    "ApprovalPolicy",
    "ApproverGroup",
    "ChangePermissions",
    "Condition",
    "Delegation",
    "Route",
    "open_round",
    "required_comment",
]


def _frozen_names(value: Iterable[str]) -> frozenset[str]:
    return frozenset({value}) if isinstance(value, str) else frozenset(value)


@attrs.frozen
class Condition:
    """When a route applies; every limit given must hold (an empty condition always does).

    >>> small = Condition(max_risk=Risk.LOW, in_scope=True, max_cost=Money(5000, "EUR"),
    ...                   max_schedule_days=2)
    >>> impact = Impact(schedule_days=1, cost=Money(800, "EUR"), effort_hours=6,
    ...                 risk=Risk.LOW, in_scope=True, priority=Priority.SHOULD)
    >>> small.matches(impact)
    True
    """

    min_risk: Risk | None = None
    max_risk: Risk | None = None
    in_scope: bool | None = None
    max_cost: Money | None = None
    max_schedule_days: int | None = None
    max_effort_hours: Decimal | None = None
    priorities: frozenset[Priority] | None = None

    def matches(self, impact: Impact) -> bool:
        """Whether ``impact`` satisfies every limit; costs must share a currency."""
        if self.min_risk is not None and impact.risk.rank < self.min_risk.rank:
            return False
        if self.max_risk is not None and impact.risk.rank > self.max_risk.rank:
            return False
        if self.in_scope is not None and impact.in_scope != self.in_scope:
            return False
        if self.max_cost is not None:
            if impact.cost.currency != self.max_cost.currency:
                raise ValidationError(
                    "impact.cost.currency",
                    f"the policy's currency {self.max_cost.currency} (no silent conversion)",
                    got=impact.cost.currency,
                )
            if impact.cost.amount > self.max_cost.amount:
                return False
        if self.max_schedule_days is not None and impact.schedule_days > self.max_schedule_days:
            return False
        if self.max_effort_hours is not None and impact.effort_hours > self.max_effort_hours:
            return False
        return self.priorities is None or impact.priority in self.priorities


@attrs.frozen
class ApproverGroup:
    """Approvers named by role and/or actor id, and how many of them must approve.

    ``quorum`` is used by :attr:`Mode.QUORUM`, ``percent`` (1-100, rounded up) by
    :attr:`Mode.PERCENT`; ``comment`` says when a vote must carry a comment.
    ``min_approvers`` is how many distinct approvers the group must keep once the
    requester is left out: a two-person ``all`` group whose one member requested the
    change would otherwise approve with the other's single vote.
    """

    name: str
    roles: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen_names)
    actors: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen_names)
    mode: Mode = Mode.ALL
    quorum: int = 1
    percent: int = 50
    comment: CommentRule = CommentRule.NEVER
    min_approvers: int = 1

    def __attrs_post_init__(self) -> None:
        where = f"approvers.{self.name}"
        if (
            isinstance(self.min_approvers, bool)
            or not isinstance(self.min_approvers, int)
            or (self.min_approvers < 1)
        ):
            raise ValidationError(
                f"{where}.min_approvers", "an integer >= 1", got=self.min_approvers
            )
        if not self.name:
            raise ValidationError("approvers.name", "a non-empty group name")
        if not self.roles and not self.actors:
            raise ValidationError(where, "at least one role or actor")
        if self.mode is Mode.QUORUM and self.quorum < 1:
            raise ValidationError(f"{where}.quorum", "an integer >= 1", got=self.quorum)
        if self.mode is Mode.PERCENT and not 1 <= self.percent <= 100:
            raise ValidationError(f"{where}.percent", "an integer from 1 to 100", got=self.percent)

    def resolve(
        self,
        directory: Mapping[str, Iterable[str]],
        requester: str,
        base: QuorumBase = QuorumBase.REMAINING,
    ) -> GroupTally:
        """Freeze who may vote (roles looked up in ``directory``) and how many must approve.

        The requester is excluded, and recorded as excluded; ``base`` says whether the
        quorum counts the members left or the whole group (see :class:`QuorumBase`).
        """
        members = set(self.actors)
        for role in self.roles:
            members.update(directory.get(role, ()))
        eligible = members - {requester}
        excluded = ((requester, "requested the change"),) if requester in members else ()
        where = f"approvers.{self.name}"
        if not eligible:
            raise ValidationError(
                where, "at least one approver other than the requester", got=sorted(self.roles)
            )
        if len(eligible) < self.min_approvers:
            left = ", ".join(sorted(eligible))
            raise ValidationError(
                f"{where}.min_approvers",
                f"at least {self.min_approvers} distinct approvers once {requester}, who"
                " requested the change, is left out; name a delegate or a substitute"
                f" (delegations, or actors in the group) so it has enough",
                got=f"{len(eligible)} ({left})",
            )
        count = len(eligible) if base is QuorumBase.REMAINING else len(members)
        needed = {
            Mode.ANY: 1,
            Mode.ALL: count,
            Mode.QUORUM: self.quorum,
            Mode.PERCENT: max(1, math.ceil(self.percent * count / 100)),
        }[self.mode]
        if needed > len(eligible):
            because = f" ({requester} requested the change and cannot vote)" if excluded else ""
            raise ValidationError(
                f"{where}.quorum",
                f"a quorum of at most {len(eligible)}, the approvers who may vote{because}",
                got=needed,
            )
        return GroupTally(
            self.name, self.mode, needed, frozenset(eligible), self.comment, excluded=excluded
        )


@attrs.frozen
class Route:
    """A routing rule: when it matches, these stages approve (none: a standard change)."""

    name: str
    when: Condition = Condition()
    stages: tuple[tuple[ApproverGroup, ...], ...] = ()

    def __attrs_post_init__(self) -> None:
        if not self.name:
            raise ValidationError("routes.name", "a non-empty rule name")
        for index, stage in enumerate(self.stages):
            if not stage:
                raise ValidationError(f"routes.{self.name}.stages[{index}]", "at least one group")

    @property
    def standard(self) -> bool:
        """Whether matching changes are approved automatically."""
        return not self.stages


_REQUESTER = IsParty("requester")
_TEAM = OnTeam()


@attrs.frozen
class ChangePermissions:
    """Who may move a change along; defaults suit a small team, hosts tighten them.

    The requester submits and withdraws; the team (anyone but a client's people, rule
    name ``team``) assesses, requests approval, defers, implements and closes, so a
    client never sets the impact of their own request.
    """

    submit: Rule = _REQUESTER
    assess: Rule = _TEAM
    request_approval: Rule = _TEAM
    defer: Rule = _TEAM
    withdraw: Rule = _REQUESTER
    implement: Rule = _TEAM
    close: Rule = _TEAM


def _delegations(value: Iterable[Delegation]) -> tuple[Delegation, ...]:
    found = tuple(value)
    for item in found:
        if not isinstance(item, Delegation):
            raise ValidationError("delegations", "Delegation values", got=item)
    return found


def _optional_duration(value: dt.timedelta | None) -> dt.timedelta | None:
    return None if value is None else validate_duration(value, "deadline", allow_zero=False)


@attrs.frozen
class ApprovalPolicy:
    """Routes, the approval deadline and escalation, and the permission rules.

    ``deadline`` is business time on the project's calendar from the moment approval is
    requested; when it passes, ``escalate_to`` (roles or actor ids, for the host to
    notify) are told, again every ``escalation_repeat`` if set.

    ``delegations`` are the only delegations votes may use: each round records the
    policy's list when it opens, and a delegation a caller merely claims is refused.
    """

    routes: tuple[Route, ...]
    deadline: dt.timedelta | None = attrs.field(default=None, converter=_optional_duration)
    on_rejection: OnRejection = OnRejection.REJECT
    escalate_to: tuple[str, ...] = ()
    escalation_repeat: dt.timedelta | None = attrs.field(default=None, converter=_optional_duration)
    permissions: ChangePermissions = ChangePermissions()
    delegations: tuple[Delegation, ...] = attrs.field(default=(), converter=_delegations)
    quorum_counts: QuorumBase = QuorumBase.REMAINING
    """With the requester in an approver group: count the others, or the whole group."""

    def __attrs_post_init__(self) -> None:
        if not self.routes:
            raise ValidationError("routes", "at least one routing rule")
        names = [route.name for route in self.routes]
        if len(set(names)) != len(names):
            raise ValidationError("routes", "unique rule names", got=names)

    def route(self, impact: Impact) -> Route:
        """The first route whose condition matches ``impact``."""
        for candidate in self.routes:
            if candidate.when.matches(impact):
                return candidate
        raise ValidationError(
            "routes", "a rule matching this impact (end the list with a catch-all rule)", got=impact
        )


def open_round(
    policy: ApprovalPolicy,
    route: Route,
    *,
    number: int,
    directory: Mapping[str, Iterable[str]] | None,
    requester: str,
    calendar: BusinessCalendar | None,
    now: pendulum.DateTime,
) -> ApprovalRound:
    """Snapshot the route's approvers and the policy's deadline rules into a new round.

    ``directory`` is needed only if the route names roles, ``calendar`` only if the
    policy has a deadline.
    """
    roles = sorted({role for stage in route.stages for group in stage for role in group.roles})
    if roles and directory is None:
        raise ValidationError(
            "directory",
            f"a directory of who holds each role (route {route.name!r} names {', '.join(roles)})",
        )
    stages = tuple(
        tuple(group.resolve(directory or {}, requester, policy.quorum_counts) for group in stage)
        for stage in route.stages
    )
    if policy.deadline is not None and calendar is None:
        raise ValidationError(
            "calendar", "the project's business calendar (the policy has an approval deadline)"
        )
    deadline = (
        calendar.add(now, policy.deadline)
        if policy.deadline is not None and calendar is not None
        else None
    )
    repeat = policy.escalation_repeat
    return ApprovalRound(
        number=number,
        route=route.name,
        stages=stages,
        on_rejection=policy.on_rejection,
        deadline=deadline,
        escalate_to=policy.escalate_to,
        escalation_repeat=None
        if repeat is None
        else pendulum.Duration(microseconds=duration_micros(repeat)),
        delegations=policy.delegations,
    )


def required_comment(groups: Iterable[GroupTally], verdict: Verdict) -> bool:
    """Whether a vote with ``verdict`` must carry a comment in any of ``groups``."""
    for group in groups:
        if group.comment is CommentRule.ALWAYS:
            return True
        if group.comment is CommentRule.ON_REJECT and verdict is Verdict.REJECT:
            return True
    return False
