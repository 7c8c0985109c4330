"""Replay one aggregate's facts under some rules: the commands again, the timers again.

A recorded history mixes facts (what people and clients did) with what the rules made
of them (an issue's thresholds, escalations and notices; a change's route, stages and
decision; a plan's alerts; a risk's rating and review alerts). :func:`replay` keeps the
facts, at their instants and with their words, runs each through the same declared
command the engine ran (one dispatch table per workflow: event type -> command and
the event's fields), and fires the workflow's timers in between; derived events are
produced anew. A fact the rules being replayed cannot take is left out and flagged,
never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter
from types import MappingProxyType
from typing import Any

import attrs
import pendulum

from clientflow import cadence, changes, risks
from clientflow import escalation as esc
from clientflow.config import Rules
from clientflow.core import (
    Actor,
    Aggregate,
    Anyone,
    ClientflowError,
    Command,
    ConfigError,
    ConfigProblem,
    Decision,
    DomainEvent,
    ValidationError,
    duration_micros,
)
from clientflow.core.instants import from_micros, to_micros
from clientflow.escalation import Issue

__all__ = [
    "CHANGES",
    "CHANGE_FACTS",
    "FACTS",
    "ISSUES",
    "PLANS",
    "PLAN_FACTS",
    "RISKS",
    "RISK_FACTS",
    "Fact",
    "Flag",
    "Flow",
    "Replay",
    "SweepGrid",
    "is_fact",
    "replay",
    "replay_issue",
    "sweep",
    "timer",
]

_ANYONE = Anyone()
_PERMISSIVE = esc.IssuePermissions(team=_ANYONE, client=_ANYONE)
"""Permissions are not replayed: the person did act (see docs/what-if.md)."""
_CHANGE_PERMISSIVE = changes.ChangePermissions(
    **{f.name: _ANYONE for f in attrs.fields(changes.ChangePermissions)}
)
_RISK_PERMISSIVE = risks.RiskPermissions(
    **{f.name: _ANYONE for f in attrs.fields(risks.RiskPermissions)}
)


@attrs.frozen
class Flag:
    """A fact the replay could not apply under the rules replayed, and why."""

    issue: str
    """The aggregate's id (an issue's, a change request's)."""
    event: str
    """The recorded event's id and type, e.g. ``NW-1@5 issue.escalation_acknowledged``."""
    reason: str


@attrs.frozen
class Replay:
    """What replaying one aggregate produced: its state at the end, events and flags."""

    aggregate: Aggregate | None
    """``None`` when even the opening event could not be replayed (see ``flags``)."""
    events: tuple[DomainEvent, ...]
    flags: tuple[Flag, ...]

    @property
    def issue(self) -> Issue | None:
        """The replayed issue (``None`` for another workflow's replay)."""
        return self.aggregate if isinstance(self.aggregate, Issue) else None


@attrs.frozen
class SweepGrid:
    """When the replayed sweeper runs: at each timer's instant (``every`` ``None``), or on
    the UTC grid of ``every`` (a sweeper run hourly fires a 10:20 timer at 11:00)."""  # noqa: D205, D209

    every: pendulum.Duration | None = None
    _step: int = attrs.field(init=False, default=0, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.every is None:
            return
        if not (isinstance(self.every, dt.timedelta) and self.every.total_seconds() >= 1):
            raise ValidationError("sweep_every", "a period of at least one second", got=self.every)
        object.__setattr__(self, "_step", duration_micros(self.every))

    def tick(self, due: pendulum.DateTime) -> pendulum.DateTime:
        """The first sweep at or after ``due``."""
        if self.every is None:
            return due
        # Integer microseconds since the epoch, and back without pendulum's arithmetic
        # (its own ``+`` and ``int_timestamp`` cost ~60 us a sweep).
        step = self._step
        micros = to_micros(due)
        late = micros % step
        if late == 0:
            return due
        return from_micros(micros + step - late)


def is_fact(event: DomainEvent) -> bool:
    """Whether a person or client caused ``event`` (else a rule derived it)."""
    fact = _ALL_FACTS.get(type(event))
    return fact is not None and (fact.when is None or fact.when(event))


def _person(actor: str, client: str, rules: Rules) -> Actor:
    """The recorded actor, bound to the aggregate's client, with the roles the rules'
    directory gives them (the event does not record roles)."""  # noqa: D205, D209
    roles = {role for role, people in rules.directory.items() if actor in people}
    return Actor(actor, roles, {client})


Resolve = Callable[[str, str, Rules], object]
"""One of a command's ``needs`` for a client, from some rules (``None``: not configured)."""


@attrs.frozen
class Fact:
    """How one fact event's command runs again: its declared ``command`` (handler,
    actor parameter, needs), which of the event's attributes (dotted) fill which of the
    handler's parameters, and ``when`` the event is a fact at all (``None``: always)."""  # noqa: D205, D209

    command: Command[Any]
    fields: Mapping[str, str | Callable[[Any], object]] = attrs.field(factory=dict)
    """Handler parameter -> the event attribute (dotted) or a function of the event."""
    when: Callable[[DomainEvent], bool] | None = None
    reads: tuple[str, ...] = ()
    """Fields ``when`` or a function in ``fields`` reads (a stand-in decodes only the
    fields named here and in ``fields``; with a function and no ``reads``, all)."""
    derive: Callable[[Any, str, Rules], Mapping[str, object]] | None = None
    """Parameters the rules being replayed give instead of the event (a plan's template
    items), from the event, the client and the rules."""
    _read: tuple[tuple[str, Callable[[DomainEvent], object]], ...] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        read = tuple(
            (name, attrgetter(path) if isinstance(path, str) else path)
            for name, path in self.fields.items()
        )
        object.__setattr__(self, "_read", read)

    def run(
        self, target: object, event: DomainEvent, client: str, rules: Rules, resolve: Resolve
    ) -> Decision[Any]:
        """The command again: same person, instant and words, the needs from ``rules``."""
        command = self.command
        kwargs = {name: read(event) for name, read in self._read}
        for need in command.needs:
            found = resolve(need, client, rules)
            if found is None and need in _REQUIRED:
                raise ConfigError([ConfigProblem(need, _REQUIRED[need].format(client=client))])
            kwargs[need] = found
        if self.derive is not None:
            kwargs.update(self.derive(event, client, rules))
        kwargs[command.actor] = _person(event.actor, client, rules)
        return command.decide(target, now=event.occurred_at, **kwargs)


_REQUIRED = {"sla": "rules with [[sla]] policies to replay issues"}
"""Needs a command cannot run without, and what the rules must then have."""


def _issue_need(need: str, client: str, rules: Rules) -> object:
    if need == "calendar":
        return rules.calendar_for(client)
    if need == "escalation":
        return rules.escalation_for(client)
    if need == "permissions":
        return _PERMISSIVE
    if need == "sla":
        return rules.sla
    raise ValidationError("needs", "calendar, escalation, permissions or sla", got=need)


def _escalation_need(need: str, client: str, rules: Rules) -> object:
    """As :func:`_issue_need`, but an escalation needs a policy to climb."""
    if need == "escalation":
        found = rules.escalation_for(client)
        if found is None:
            raise ConfigError(
                [ConfigProblem("escalation", f"an escalation policy for client {client!r}")]
            )
        return found
    return _issue_need(need, client, rules)


def _change_need(need: str, client: str, rules: Rules) -> object:
    if need == "permissions":
        return _CHANGE_PERMISSIVE
    if need == "policy":
        return attrs.evolve(rules.approval_for(client), permissions=_CHANGE_PERMISSIVE)
    if need == "directory":
        return rules.directory_for(client)
    if need == "calendar":
        return rules.calendar_for(client)
    if need == "delegations":
        return ()  # only the delegations the round recorded from its policy count
    raise ValidationError("needs", "permissions, policy, directory, calendar", got=need)


def _risk_need(need: str, client: str, rules: Rules) -> object:
    if need == "policy":
        return attrs.evolve(rules.risks, permissions=_RISK_PERMISSIVE)
    if need == "calendar":
        return rules.risk_calendar_for(client)
    raise ValidationError("needs", "policy or calendar", got=need)


def _plan_need(need: str, client: str, rules: Rules) -> object:
    if need == "schedule":
        return rules.schedule_for(client)
    if need == "rule":
        return _ANYONE
    raise ValidationError("needs", "schedule or rule", got=need)


def _issue(name: str, *words: str) -> Fact:
    return Fact(esc.COMMANDS.command(name), {word: word for word in words})


def _change(name: str, *words: str, **fields: str) -> Fact:
    return Fact(changes.COMMANDS.command(name), {**{word: word for word in words}, **fields})


@attrs.frozen
class Flow:
    """One workflow as the replay sees it: its kind, the event that opens an aggregate
    and how (``first``), the fact events and their commands (one dispatch table), how
    a command's needs come from the rules (``resolve``, per fact type where it differs),
    and the client of an aggregate."""  # noqa: D205, D209

    kind: str
    first: type[DomainEvent]
    opening: Fact
    facts: Mapping[type[DomainEvent], Fact]
    resolve: Resolve
    client: Callable[[Any, Rules], str]
    opened_by: Callable[[DomainEvent, Rules], str]
    """The client of the aggregate the opening event creates."""
    special: Mapping[type[DomainEvent], Resolve] = attrs.field(factory=dict)


FACTS: Mapping[type[DomainEvent], Fact] = MappingProxyType(
    {
        esc.IssueAcknowledged: _issue("acknowledge"),
        esc.InvestigationStarted: _issue("start_investigation"),
        esc.SolutionProposed: _issue("propose_solution", "solution"),
        esc.SolutionRejected: _issue("reject_solution", "reason"),
        esc.WaitingOnClient: _issue("wait_on_client", "reason"),
        esc.ClientReplied: _issue("client_replied", "message"),
        esc.TeamReplied: _issue("reply", "message"),
        esc.IssueUpdated: _issue("add_update", "note"),
        esc.SlaPaused: _issue("pause", "reason", "note"),
        esc.SlaResumed: _issue("resume", "reason", "note"),
        esc.PriorityChanged: Fact(esc.COMMANDS.command("change_priority"), {"priority": "new"}),
        esc.IssueResolved: _issue("resolve", "resolution"),
        esc.IssueReopened: _issue("reopen", "reason"),
        esc.IssueClosed: _issue("close"),
        esc.IssueEscalated: Fact(
            esc.COMMANDS.command("escalate"),
            {"reason": "reason"},
            lambda event: getattr(event, "trigger", "") == "manual",
            ("trigger",),
        ),
        esc.EscalationAcknowledged: _issue("acknowledge_escalation"),
    }
)
"""Each fact event of an issue (besides its report) and the command it runs again."""

CHANGE_FACTS: Mapping[type[DomainEvent], Fact] = MappingProxyType(
    {
        changes.ChangeSubmitted: _change("submit"),
        changes.ChangeAssessed: _change("assess", "impact"),
        # Asking for approval is the fact; the round (route, approvers, deadline) or the
        # automatic approval it led to is what the rules made of it.
        changes.ApprovalRequested: _change("request_approval"),
        changes.ChangeApproved: Fact(
            changes.COMMANDS.command("request_approval"),
            when=lambda event: getattr(event, "automatic", False),
            reads=("automatic",),
        ),
        changes.VoteCast: _change("vote", verdict="vote.verdict", comment="vote.comment"),
        changes.ChangeSentBack: _change("send_back", "reason"),
        changes.ChangeDeferred: _change("defer", "release", "reason"),
        changes.ChangeWithdrawn: _change("withdraw", "reason"),
        changes.ChangeImplemented: _change("implement", "note"),
        changes.ChangeClosed: _change("close"),
    }
)
"""Each fact event of a change request (besides its request) and the command it runs
again: a vote is a fact, the stage, approval or rejection it decided is derived."""

ISSUES = Flow(
    esc.KIND_NAME,
    esc.IssueReported,
    _issue("report", "kind", "client", "project", "title", "priority", "owner", "opened_from"),
    FACTS,
    _issue_need,
    lambda issue, _: issue.client,
    lambda event, _: getattr(event, "client", ""),
    {esc.IssueEscalated: _escalation_need, esc.EscalationAcknowledged: _escalation_need},
)
"""Issues: SLA clocks, thresholds, escalations and client notices re-derived."""

CHANGES = Flow(
    changes.KIND_NAME,
    changes.ChangeRequested,
    _change("request", "project", "title", "description"),
    CHANGE_FACTS,
    _change_need,
    lambda change, rules: rules.client_of_project(change.project),
    lambda event, rules: rules.client_of_project(getattr(event, "project", "")),
)
"""Change requests: routes, approvers, stages, decisions and approval escalations
re-derived."""


def _risk(name: str, *words: str, **fields: str | Callable[[Any], object]) -> Fact:
    return Fact(risks.COMMANDS.command(name), {**{word: word for word in words}, **fields})


def _planned(plan: risks.ResponsePlan) -> tuple[risks.PlannedAction, ...]:
    """The actions as planned: each due at its recorded instant (see docs/what-if.md)."""
    return tuple(risks.PlannedAction(a.id, a.title, a.owner, a.due) for a in plan.actions)


def _residual(plan: risks.ResponsePlan) -> tuple[int, int] | None:
    found = plan.residual
    return None if found is None else (found.probability, found.impact)


RISK_FACTS: Mapping[type[DomainEvent], Fact] = MappingProxyType(
    {
        # The person's numbers are the fact; the score, rating and next review are the
        # policy's (its matrix and review cadence).
        risks.RiskAssessed: _risk(
            "assess",
            probability="assessment.probability",
            impact="assessment.impact",
            likelihood="assessment.likelihood",
            cost="assessment.cost",
            schedule_days="assessment.schedule_days",
            note="assessment.note",
        ),
        risks.ResponsePlanned: _risk(
            "plan_response",
            strategy="plan.strategy",
            actions=lambda event: _planned(event.plan),
            trigger="plan.trigger",
            contingency="plan.contingency",
            residual=lambda event: _residual(event.plan),
        ),
        risks.MonitoringStarted: _risk("start_monitoring", "note"),
        risks.RiskReviewed: _risk("review", "note"),
        risks.ActionDone: _risk("complete_action", "note", action="action_id"),
        # The issue it opened and its priority are kept as recorded (a person may have
        # chosen the priority; the event does not say).
        risks.RiskTriggered: _risk("trigger", "issue_id", "note", "priority"),
        risks.RiskClosed: _risk("close", "reason", "note"),
    }
)
"""Each fact event of a risk (besides its identification) and the command it runs again:
missed reviews and overdue actions are derived."""


def _template(event: Any, client: str, rules: Rules) -> Mapping[str, object]:
    """What a plan takes from the client's plan template in these rules: its silence and
    reply limits always (as the workspace does), its items when the recorded plan's
    items came from a template."""  # noqa: D205, D209
    found = rules.clients.get(client)
    if found is None or not found.plan or found.plan not in rules.plans:
        return {}
    template = rules.plans[found.plan]
    taken: dict[str, object] = {
        "silence_days": template.silence_days,
        "reply_within": template.reply_within,
    }
    if event.template:
        taken.update(items=template.items, template=found.plan)
    return taken


def _plan(name: str, *words: str) -> Fact:
    return Fact(cadence.COMMANDS.command(name), {word: word for word in words})


PLAN_FACTS: Mapping[type[DomainEvent], Fact] = MappingProxyType(
    {
        cadence.ItemAdded: _plan("add_item", "item"),
        cadence.ItemRemoved: _plan("remove_item", "item_id"),
        cadence.TouchpointRecorded: _plan("record_touchpoint", "touchpoint"),
        cadence.PlanArchived: _plan("archive"),
    }
)
"""Each fact event of a communication plan (besides its creation) and the command it
runs again: occurrences due and overdue, silences and replies owed are derived."""

RISKS = Flow(
    risks.KIND_NAME,
    risks.RiskIdentified,
    _risk(
        "identify",
        "client",
        "project",
        "title",
        "owner",
        "category",
        "cause",
        "effect",
        "description",
        "client_visible",
        event="risk_event",
    ),
    RISK_FACTS,
    _risk_need,
    lambda risk, _: risk.client,
    lambda event, _: getattr(event, "client", ""),
)
"""Risks: ratings, review dates, missed reviews and overdue actions re-derived."""

PLANS = Flow(
    cadence.KIND_NAME,
    cadence.PlanCreated,
    attrs.evolve(
        _plan(
            "create",
            "client",
            "project",
            "timezone",
            "items",
            "silence_days",
            "reply_within",
            "template",
        ),
        derive=_template,
    ),
    PLAN_FACTS,
    _plan_need,
    lambda plan, _: plan.client,
    lambda event, _: getattr(event, "client", ""),
)
"""Communication plans: occurrences due and overdue, silences and replies owed
re-derived on the client's calendar."""

_ALL_FACTS: Mapping[type[DomainEvent], Fact] = {
    **FACTS,
    **CHANGE_FACTS,
    **RISK_FACTS,
    **PLAN_FACTS,
}


def _label(event: DomainEvent) -> str:
    return f"{event.event_id} {event.event_type}"


def timer(rules: Rules, kind: str) -> Callable[[Any, pendulum.DateTime], Decision[Any]]:
    """The timer of workflow ``kind`` wired to ``rules`` (what a sweep fires)."""
    for found in rules.kinds():
        if found.name == kind and found.fire is not None:
            return found.fire
    raise ValidationError("kind", "a workflow kind with a timer", got=kind)


def replay(
    flow: Flow,
    history: Sequence[DomainEvent],
    rules: Rules,
    *,
    until: pendulum.DateTime,
    sweeps: SweepGrid | None = None,
    fire: Callable[[Any, pendulum.DateTime], Decision[Any]] | None = None,
) -> Replay:
    """Replay one aggregate's recorded ``history`` of ``flow`` under ``rules`` up to (not
    including) ``until``.

    Facts run at their instants through the commands of ``flow``'s dispatch table;
    timers fire at the sweeps of ``sweeps`` between them (a fact before a sweep at the
    same instant), never before the aggregate's last event. Derived events in
    ``history`` are ignored: the replay derives its own. ``fire`` is the kind's timer
    under ``rules`` (found in ``rules.kinds()`` when not given).
    """  # noqa: D205
    if not history or not isinstance(history[0], flow.first):
        raise ConfigError(
            [ConfigProblem("history", f"a {flow.kind}'s history, {flow.first.event_type} first")]
        )
    grid = sweeps or SweepGrid()
    timer_of = fire or timer(rules, flow.kind)
    first = history[0]
    client = flow.opened_by(first, rules)
    try:
        decision = flow.opening.run(first.aggregate_id, first, client, rules, flow.resolve)
    except ClientflowError as error:
        return Replay(None, (), (Flag(first.aggregate_id, _label(first), str(error)),))
    aggregate = decision.aggregate
    events: list[DomainEvent] = list(decision.events)
    flags: list[Flag] = []

    facts, special = flow.facts, flow.special
    for event in history[1:]:
        if event.occurred_at >= until:
            break
        fact = facts.get(type(event))
        if fact is None or (fact.when is not None and not fact.when(event)):
            continue
        aggregate = sweep(aggregate, events, event.occurred_at, grid, timer_of)
        try:
            decision = fact.run(
                aggregate, event, client, rules, special.get(type(event), flow.resolve)
            )
        except ClientflowError as error:
            flags.append(Flag(aggregate.id, _label(event), str(error)))
            continue
        aggregate = decision.aggregate
        events.extend(decision.events)
    aggregate = sweep(aggregate, events, until, grid, timer_of)
    return Replay(aggregate, tuple(events), tuple(flags))


def sweep(
    aggregate: Any,
    events: list[DomainEvent],
    before: pendulum.DateTime,
    grid: SweepGrid,
    fire: Callable[[Any, pendulum.DateTime], Decision[Any]],
) -> Any:
    """Fire ``aggregate``'s timers at the sweeps of ``grid`` before ``before``, appending
    what they produce to ``events`` (the aggregate's replayed events so far, never
    empty); the aggregate after them."""  # noqa: D205, D209
    for _ in range(100_000):  # each round fires at least one timer and moves on
        due = aggregate.next_deadline
        if due is None:
            break
        # A deadline already past when it was set (a priority raised late) fires at
        # the first sweep after the event that set it, as the engine's would.
        at = grid.tick(max(due, events[-1].occurred_at))
        if at >= before:
            break
        fired = fire(aggregate, at)
        if not fired.events:
            break
        aggregate = fired.aggregate
        events.extend(fired.events)
    return aggregate


def replay_issue(
    history: Sequence[DomainEvent],
    rules: Rules,
    *,
    until: pendulum.DateTime,
    sweeps: SweepGrid | None = None,
) -> Replay:
    """Replay one issue's recorded ``history`` under ``rules`` (see :func:`replay`)."""
    return replay(ISSUES, history, rules, until=until, sweeps=sweeps)
