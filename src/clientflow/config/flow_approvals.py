"""Approval steps of rules workflows, decided by the change workflow's approval rounds.

An item entering a state an approval step leaves opens a round
(:func:`clientflow.changes.open_round`, as a change's request for approval does): the
groups' members are frozen from the directory, the person who moved the item there is
left out (and a group left with too few people refuses the move). Each ``approve`` or
``reject`` is recorded per approver with :meth:`~clientflow.changes.ApprovalRound.with_vote`;
the same choices as a change's approval hold (see :mod:`clientflow.changes.policy`):
one vote per approver per stage, a rejection by a needed approver rejects at once, a
vote after its group or the round was decided is recorded as late and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

import attrs
import pendulum

from clientflow import changes
from clientflow.config.flow_steps import ApprovalStep
from clientflow.core import (
    Actor,
    BusinessCalendar,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    check_line,
)

__all__ = ["Ballot", "cast", "open_step"]


class _Waiting(Protocol):
    """What a vote reads of an item (a rules workflow's :class:`~clientflow.config.flows.Item`)."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def requester(self) -> str: ...
    @property
    def round(self) -> changes.ApprovalRound | None: ...


def open_step(
    step: ApprovalStep | None,
    *,
    number: int,
    requester: str,
    directory: Mapping[str, Iterable[str]],
    calendar: BusinessCalendar,
    now: pendulum.DateTime,
    values: Mapping[str, object],
    delegations: tuple[changes.Delegation, ...] = (),
) -> changes.ApprovalRound | None:
    """The round an item with ``values`` entering the state ``step`` leaves opens, with
    the stages whose ``when`` holds and the workflow's ``delegations`` recorded (``None``:
    no step)."""  # noqa: D205, D209
    if step is None:
        return None
    route = step.route_for(values)
    policy = changes.ApprovalPolicy(
        (route,), on_rejection=step.on_rejection, delegations=delegations
    )
    return changes.open_round(
        policy,
        route,
        number=number,
        directory=directory,
        requester=requester,
        calendar=calendar,
        now=now,
    )


@attrs.frozen
class Ballot:
    """A vote as decided: the record, and whether it decides the step (``approved`` or
    ``rejected``; empty while votes are still needed or when the vote is late)."""  # noqa: D205, D209

    vote: changes.VoteRecord
    outcome: str = ""


def cast(
    item: _Waiting,
    verdict: changes.Verdict,
    *,
    actor: Actor,
    now: pendulum.DateTime,
    comment: str,
    noun: str,
) -> Ballot:
    """``actor``'s vote on ``item``'s open approval step, checked as a change's vote is."""
    current = item.round
    action = f"{verdict.value} {noun} {item.id}"
    if current is None:
        raise TransitionNotAllowed(item.status, verdict.value, ())
    principal = current.principal_for(actor.id, now)
    if item.requester in (actor.id, principal):  # nor for them, by a delegation
        raise PermissionDenied(actor.id, action, "is not the requester")
    comment = check_line(comment, "comment") if comment else ""
    stage = None if principal is None else current.stage_of(principal)
    if principal is None or stage is None:
        groups = ", ".join(g.name for g in current.current)
        raise PermissionDenied(actor.id, action, f"is an approver of the open stage ({groups})")
    if any(v.principal == principal and v.stage == stage for v in current.votes):
        raise ValidationError(
            "vote", f"one vote per approver per stage ({principal} has voted in stage {stage + 1})"
        )
    groups_voting = tuple(g for g in current.stages[stage] if principal in g.eligible)
    if changes.required_comment(groups_voting, verdict) and not comment.strip():
        raise ValidationError(
            "comment", f"a comment with a {verdict.value} vote (the approver group requires one)"
        )
    record = changes.VoteRecord(
        voter=actor.id,
        principal=principal,
        verdict=verdict,
        comment=comment,
        stage=stage,
        late=not current.counts(principal, stage),
        at=now,
    )
    after = tally(current, record)
    if after.outcome is changes.Outcome.APPROVED:
        return Ballot(record, "approved")
    if after.outcome is changes.Outcome.REJECTED:
        return Ballot(record, "rejected")
    return Ballot(record)


def tally(current: changes.ApprovalRound, vote: changes.VoteRecord) -> changes.ApprovalRound:
    """The round after ``vote``: counted, the next stage opened, or its outcome set."""
    counted = current.with_vote(vote)
    if counted.outcome is not None:
        return counted
    if counted.rejected_by():
        return attrs.evolve(counted, outcome=changes.Outcome.REJECTED)
    following = counted.next_stage()
    if following is None:
        return counted
    if following < len(counted.stages):
        return attrs.evolve(counted, stage=following)
    return attrs.evolve(counted, outcome=changes.Outcome.APPROVED)
