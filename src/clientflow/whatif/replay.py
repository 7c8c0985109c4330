"""Replay one issue's facts under some rules: the commands again, the timers again.

A recorded history mixes facts (what people and clients did) with what the rules made
of them (thresholds, escalations, notices). :func:`replay_issue` keeps the facts, at
their instants and with their words, runs each through the same pure command the engine
ran, and fires the timers the replay arms in between; derived events are produced anew.
A fact the rules being replayed cannot take is left out and flagged, never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import attrs
import pendulum

from clientflow import escalation as esc
from clientflow.config import Rules
from clientflow.core import (
    Actor,
    Anyone,
    ClientflowError,
    ConfigError,
    ConfigProblem,
    Decision,
    DomainEvent,
    ValidationError,
)
from clientflow.escalation import Issue

__all__ = ["FACTS", "Flag", "Replay", "SweepGrid", "is_fact", "replay_issue"]

_ANYONE = Anyone()
_PERMISSIVE = esc.IssuePermissions(team=_ANYONE, client=_ANYONE)
"""Permissions are not replayed: the person did act (see docs/what-if.md)."""


@attrs.frozen
class Flag:
    """A fact the replay could not apply under the rules replayed, and why."""

    issue: str
    event: str
    """The recorded event's id and type, e.g. ``NW-1@5 issue.escalation_acknowledged``."""
    reason: str


@attrs.frozen
class Replay:
    """What replaying one issue produced: its state at the end, its events, its flags."""

    issue: Issue | None
    """``None`` when even the report could not be replayed (see ``flags``)."""
    events: tuple[DomainEvent, ...]
    flags: tuple[Flag, ...]


@attrs.frozen
class SweepGrid:
    """When the replayed sweeper runs: at each timer's instant (``every`` ``None``), or on
    the UTC grid of ``every`` (a sweeper run hourly fires a 10:20 timer at 11:00)."""  # noqa: D205, D209

    every: pendulum.Duration | None = None

    def __attrs_post_init__(self) -> None:
        if self.every is not None and not (
            isinstance(self.every, dt.timedelta) and self.every.total_seconds() >= 1
        ):
            raise ValidationError("sweep_every", "a period of at least one second", got=self.every)

    def tick(self, due: pendulum.DateTime) -> pendulum.DateTime:
        """The first sweep at or after ``due``."""
        if self.every is None:
            return due
        # Integer microseconds since the epoch: pendulum's own arithmetic costs ~20 us.
        step = int(self.every.total_seconds() * 1_000_000)
        late = (due.int_timestamp * 1_000_000 + due.microsecond) % step
        if late == 0:
            return due
        return due + dt.timedelta(microseconds=step - late)


def is_fact(event: DomainEvent) -> bool:
    """Whether a person or client caused ``event`` (else a rule derived it)."""
    if isinstance(event, esc.IssueEscalated):
        return event.trigger == "manual"
    return type(event) in FACTS


_Step = Callable[[Issue, DomainEvent, Rules], Decision[Issue]]


def _person(event: DomainEvent, issue: Issue, rules: Rules) -> Actor:
    """The recorded actor, bound to the issue's client, with the roles the rules' directory
    gives them (the event does not record roles)."""  # noqa: D205, D209
    roles = {role for role, people in rules.directory.items() if event.actor in people}
    return Actor(event.actor, roles, {issue.client})


def _team(command: Callable[..., Decision[Issue]], *words: str, timers: bool = True) -> _Step:
    def step(issue: Issue, event: DomainEvent, rules: Rules) -> Decision[Issue]:
        context: dict[str, object] = {"calendar": rules.calendar_for(issue.client)}
        if timers:
            context["escalation"] = rules.escalation_for(issue.client)
        args = [getattr(event, word) for word in words]
        return command(
            issue,
            *args,
            _person(event, issue, rules),
            event.occurred_at,
            **context,
            permissions=_PERMISSIVE,
        )

    return step


def _wait(issue: Issue, event: DomainEvent, rules: Rules) -> Decision[Issue]:
    assert isinstance(event, esc.WaitingOnClient)
    return esc.wait_on_client(
        issue,
        event.reason,
        _person(event, issue, rules),
        event.occurred_at,
        calendar=rules.calendar_for(issue.client),
        permissions=_PERMISSIVE,
    )


def _pause(issue: Issue, event: DomainEvent, rules: Rules) -> Decision[Issue]:
    assert isinstance(event, esc.SlaPaused)
    return esc.pause_sla(
        issue,
        event.reason,
        event.note,
        _person(event, issue, rules),
        event.occurred_at,
        permissions=_PERMISSIVE,
    )


def _resume(issue: Issue, event: DomainEvent, rules: Rules) -> Decision[Issue]:
    assert isinstance(event, esc.SlaResumed)
    return esc.resume_sla(
        issue,
        event.reason,
        event.note,
        _person(event, issue, rules),
        event.occurred_at,
        calendar=rules.calendar_for(issue.client),
        permissions=_PERMISSIVE,
    )


def _priority(issue: Issue, event: DomainEvent, rules: Rules) -> Decision[Issue]:
    assert isinstance(event, esc.PriorityChanged)
    return esc.change_priority(
        issue,
        event.new,
        _person(event, issue, rules),
        event.occurred_at,
        calendar=rules.calendar_for(issue.client),
        permissions=_PERMISSIVE,
    )


def _resolve(issue: Issue, event: DomainEvent, rules: Rules) -> Decision[Issue]:
    assert isinstance(event, esc.IssueResolved)
    return esc.resolve(
        issue,
        event.resolution,
        _person(event, issue, rules),
        event.occurred_at,
        calendar=rules.calendar_for(issue.client),
        permissions=_PERMISSIVE,
    )


def _close(issue: Issue, event: DomainEvent, rules: Rules) -> Decision[Issue]:
    return esc.close(
        issue, _person(event, issue, rules), event.occurred_at, permissions=_PERMISSIVE
    )


def _policy(issue: Issue, rules: Rules) -> esc.EscalationPolicy:
    policy = rules.escalation_for(issue.client)
    if policy is None:
        raise ConfigError(
            [ConfigProblem("escalation", f"an escalation policy for client {issue.client!r}")]
        )
    return policy


def _escalate(issue: Issue, event: DomainEvent, rules: Rules) -> Decision[Issue]:
    assert isinstance(event, esc.IssueEscalated)
    return esc.escalate(
        issue,
        event.reason,
        _person(event, issue, rules),
        event.occurred_at,
        calendar=rules.calendar_for(issue.client),
        escalation=_policy(issue, rules),
        permissions=_PERMISSIVE,
    )


def _acknowledge_escalation(issue: Issue, event: DomainEvent, rules: Rules) -> Decision[Issue]:
    return esc.acknowledge_escalation(
        issue,
        _person(event, issue, rules),
        event.occurred_at,
        calendar=rules.calendar_for(issue.client),
        escalation=_policy(issue, rules),
    )


FACTS: Mapping[type[DomainEvent], _Step] = MappingProxyType(
    {
        esc.IssueAcknowledged: _team(esc.acknowledge),
        esc.InvestigationStarted: _team(esc.start_investigation),
        esc.SolutionProposed: _team(esc.propose_solution, "solution"),
        esc.SolutionRejected: _team(esc.reject_solution, "reason"),
        esc.WaitingOnClient: _wait,
        esc.ClientReplied: _team(esc.client_replied, "message"),
        esc.TeamReplied: _team(esc.team_reply, "message"),
        esc.IssueUpdated: _team(esc.add_update, "note"),
        esc.SlaPaused: _pause,
        esc.SlaResumed: _resume,
        esc.PriorityChanged: _priority,
        esc.IssueResolved: _resolve,
        esc.IssueReopened: _team(esc.reopen, "reason"),
        esc.IssueClosed: _close,
        esc.EscalationAcknowledged: _acknowledge_escalation,
    }
)
"""Each fact event of an issue (besides its report and a manual escalation) and how its
command is run again from what the event recorded."""


def _report(event: esc.IssueReported, rules: Rules) -> Decision[Issue]:
    if rules.sla is None:
        raise ConfigError([ConfigProblem("sla", "rules with [[sla]] policies to replay issues")])
    return esc.report_issue(
        event.aggregate_id,
        kind=event.kind,
        client=event.client,
        project=event.project,
        title=event.title,
        priority=event.priority,
        owner=event.owner,
        reporter=Actor(event.actor, (), {event.client}),
        now=event.occurred_at,
        sla=rules.sla,
        escalation=rules.escalation_for(event.client),
        calendar=rules.calendar_for(event.client),
        opened_from=event.opened_from,
    )


def _label(event: DomainEvent) -> str:
    return f"{event.event_id} {event.event_type}"


def replay_issue(
    history: Sequence[DomainEvent],
    rules: Rules,
    *,
    until: pendulum.DateTime,
    sweeps: SweepGrid | None = None,
) -> Replay:
    """Replay one issue's recorded ``history`` under ``rules`` up to (not including) ``until``.

    Facts run at their instants; timers fire at the sweeps of ``sweeps`` between them
    (a fact before a sweep at the same instant), never before the issue's last event.
    Derived events in ``history`` are ignored: the replay derives its own.
    """
    if not history or not isinstance(history[0], esc.IssueReported):
        raise ConfigError([ConfigProblem("history", "an issue's history, issue.reported first")])
    grid = sweeps or SweepGrid()
    first = history[0]
    try:
        decision = _report(first, rules)
    except ClientflowError as error:
        return Replay(None, (), (Flag(first.aggregate_id, _label(first), str(error)),))
    issue = decision.aggregate
    events: list[DomainEvent] = list(decision.events)
    flags: list[Flag] = []

    def sweep(before: pendulum.DateTime, *, inclusive: bool) -> None:
        nonlocal issue
        for _ in range(100_000):  # each round fires at least one timer and moves on
            due = issue.next_deadline
            if due is None:
                return
            # A deadline already past when it was set (a priority raised late) fires at
            # the first sweep after the event that set it, as the engine's would.
            at = grid.tick(max(due, events[-1].occurred_at))
            if at > before or (at == before and not inclusive):
                return
            fired = esc.fire_timers(
                issue,
                at,
                calendar=rules.calendar_for(issue.client),
                escalation=rules.escalation_for(issue.client),
            )
            if not fired.events:
                return
            issue = fired.aggregate
            events.extend(fired.events)

    for event in history[1:]:
        if event.occurred_at >= until:
            break
        if not is_fact(event):
            continue
        sweep(event.occurred_at, inclusive=False)
        step = _escalate if isinstance(event, esc.IssueEscalated) else FACTS[type(event)]
        try:
            decision = step(issue, event, rules)
        except ClientflowError as error:
            flags.append(Flag(issue.id, _label(event), str(error)))
            continue
        issue = decision.aggregate
        events.extend(decision.events)
    sweep(until, inclusive=False)
    return Replay(issue, tuple(events), tuple(flags))
