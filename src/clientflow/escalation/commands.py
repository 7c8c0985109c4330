"""Commands on issues: pure functions from (issue, input, now) to a Decision.

Commands that move clocks take the calendar the issue's SLA is measured on (the
client's or the team's, as the host decides); commands that may escalate take the
escalation policy.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pendulum

from clientflow.core import (
    CLIENT_PARTY,
    MAX_TEXT_LENGTH,
    UTC,
    Actor,
    Anyone,
    BusinessCalendar,
    Command,
    CommandSet,
    Decision,
    EventMeta,
    PermissionDenied,
    Phrase,
    TransitionNotAllowed,
    ValidationError,
    check_id,
    check_line,
    check_text,
    checked,
    refusal,
    require,
    to_utc,
)
from clientflow.escalation.events import (
    ClientNotified,
    ClientReplied,
    EscalationAcknowledged,
    InvestigationStarted,
    IssueAcknowledged,
    IssueClosed,
    IssueDeescalated,
    IssueEscalated,
    IssueReopened,
    IssueReported,
    IssueResolved,
    IssueUpdated,
    PriorityChanged,
    SlaPaused,
    SlaResumed,
    SlaThresholdReached,
    SolutionProposed,
    SolutionRejected,
    TeamReplied,
    WaitingOnClient,
    _Change,
    apply,
    fold_changes,
)
from clientflow.escalation.machine import TABLE
from clientflow.escalation.model import (
    EVENT_WORDS,
    STATUS_WORDS,
    Escalation,
    Issue,
    IssueKind,
    PauseReason,
    SlaClock,
)
from clientflow.escalation.policy import (
    EscalationPolicy,
    IssuePermissions,
    SlaAgreement,
    clocks_and_deadlines,
    fire,
    pause,
    restart,
    resume,
    retime,
    stop,
)
from clientflow.i18n import N_

__all__ = [
    "COMMANDS",
    "COMMAND_WORDS",
    "acknowledge",
    "acknowledge_escalation",
    "add_update",
    "change_priority",
    "client_replied",
    "close",
    "escalate",
    "fire_timers",
    "pause_sla",
    "propose_solution",
    "reject_solution",
    "reopen",
    "report_issue",
    "resolve",
    "resume_sla",
    "start_investigation",
    "team_reply",
    "wait_on_client",
]


_REPORT = N_("report issue {id} for client {client}")

DEFAULT_PERMISSIONS = IssuePermissions()
"""Who may act on an issue unless the caller passes its own (see :class:`IssuePermissions`)."""

# acknowledge_escalation checks the level's recipients itself; no team rule applies first.
_ANYONE = Anyone()
_RECIPIENTS_DECIDE = IssuePermissions(team=_ANYONE, client=_ANYONE)


def _text(value: object, field: str, *, required: bool = True, limit: int = MAX_TEXT_LENGTH) -> str:
    return check_text(value, field, required=required, limit=limit)


class _Run:
    """Builds a command's events one by one; later ones see the clocks, escalation,
    no-update deadline and owner the earlier ones left. The issue itself is built once,
    at the end (:func:`fold_changes`: what ``apply`` of each event in turn gives)."""  # noqa: D205, D209

    def __init__(self, issue: Issue, actor: str, at: pendulum.DateTime) -> None:
        self.start = issue
        self.actor = actor
        self.at = at
        self.events: list[_Change] = []
        self.meta: EventMeta | None = None
        self.clocks = issue.clocks
        self.escalation = issue.escalation
        self.quiet_at = issue.quiet_at
        self.owner = issue.owner

    def add(self, kind: type[_Change], **fields: Any) -> None:
        # An event keeps what it does not change.
        fields.setdefault("clocks", self.clocks)
        fields.setdefault("escalation", self.escalation)
        fields.setdefault("quiet_at", self.quiet_at)
        # The first event's meta is checked; the next ones follow it (same id, time, actor).
        meta = (
            EventMeta(self.start.id, self.start.version + 1, self.at, self.actor)
            if self.meta is None
            else self.meta.next()
        )
        self.meta = meta
        event = kind(meta=meta, **fields)
        self.events.append(event)
        self.clocks, self.escalation, self.quiet_at = event.clocks, event.escalation, event.quiet_at
        if isinstance(event, IssueEscalated) and event.assign is not None:
            self.owner = event.assign  # as apply hands the issue over

    def notify_client(self, topic: str, **facts: Any) -> None:
        self.add(ClientNotified, topic=topic, **facts)

    def issue(self) -> Issue:
        """The issue after the events so far."""
        return fold_changes(self.start, self.events)

    def decision(self) -> Decision[Issue]:
        return Decision(self.issue(), tuple(self.events))


def _begin(  # noqa: PLR0917 - private; every command passes the same six
    issue: Issue,
    transition: str,
    actor: Actor,
    now: pendulum.DateTime,
    permissions: IssuePermissions,
    action: str,
) -> _Run:
    if not TABLE.can(issue.status, transition):
        # Named as the caller called it, with the commands the state allows by their names.
        raise COMMANDS.refuse(issue.status, action)
    refused = refusal(
        permissions.rule(action),
        actor,
        {"owner": issue.owner, "reporter": issue.reporter, CLIENT_PARTY: issue.client},
    )
    if refused is not None:  # the action in words only for the error
        raise PermissionDenied(actor.id, COMMANDS.doing(action, issue.id), refused)
    return _Run(issue, actor.id, to_utc(now, "now"))


def _quiet(
    policy: EscalationPolicy | None, at: pendulum.DateTime, calendar: BusinessCalendar
) -> pendulum.DateTime | None:
    if policy is None or policy.no_update_after is None:
        return None
    return calendar.add(at, policy.no_update_after)


def _map(
    clocks: tuple[SlaClock, ...], change: Any, metrics: set[str] | None = None
) -> tuple[SlaClock, ...]:
    return tuple(change(c) if metrics is None or c.metric in metrics else c for c in clocks)


def _escalate(
    run: _Run,
    policy: EscalationPolicy,
    escalation: Escalation,
    reason: str,
    facts: dict[str, Any],
    **fields: Any,
) -> None:
    level = policy.level(escalation.level)
    run.add(
        IssueEscalated,
        **fields,
        escalation=escalation,
        level=escalation.level,
        level_name=level.name,
        notify=level.notify,
        assign=level.assign,
        trigger=escalation.trigger,
        reason=reason,
    )
    run.notify_client("escalated", level_name=level.name, **facts)


def _team_step(  # noqa: PLR0917 - private; the public commands name their arguments
    issue: Issue,
    transition: str,
    event: type[_Change],
    actor: Actor,
    now: pendulum.DateTime,
    calendar: BusinessCalendar,
    escalation: EscalationPolicy | None,
    permissions: IssuePermissions,
    action: str,
    **text: str,
) -> Decision[Issue]:
    """One team step that records what was said and re-arms the no-update trigger."""
    run = _begin(issue, transition, actor, now, permissions, action)
    fields = {name: _text(value, name) for name, value in text.items()}
    run.add(event, quiet_at=_quiet(escalation, run.at, calendar), **fields)
    return run.decision()


@checked
def report_issue(
    issue_id: str,
    *,
    kind: IssueKind,
    client: str,
    project: str,
    title: str,
    priority: str,
    owner: str,
    reporter: Actor,
    now: pendulum.DateTime,
    sla: SlaAgreement,
    escalation: EscalationPolicy | None,
    calendar: BusinessCalendar,
    opened_from: str = "",
) -> Decision[Issue]:
    """Record a new issue: its SLA is chosen (first matching policy) and its clocks start.

    A complaint escalates at once when the escalation policy says so. ``opened_from`` is
    the id of what the issue comes from (a triggered risk), kept on the issue.
    """
    for field, value in (
        ("issue_id", issue_id),
        ("client", client),
        ("project", project),
        ("title", title),
        ("owner", owner),
    ):
        check_line(value, field)
    if not isinstance(kind, IssueKind):
        raise ValidationError("kind", f"one of {', '.join(k.value for k in IssueKind)}", got=kind)
    # Anyone may report, but only within their own client.
    refused = refusal(_ANYONE, reporter, {CLIENT_PARTY: client})
    if refused is not None:
        doing = Phrase(
            N_("report issue {id} for client {client}"), {"id": issue_id, "client": client}
        )
        raise PermissionDenied(reporter.id, doing, refused)
    at = to_utc(now, "now")
    policy = sla.select(kind, client, project)
    terms = policy.terms()
    targets = terms.for_priority(priority)
    silence = None if escalation is None else escalation.no_update_after
    # The clocks and the no-update deadline all count from `at`: one pass over the calendar.
    clocks, quiet = clocks_and_deadlines(
        (("first_response", targets.first_response), ("resolution", targets.resolution)),
        at,
        terms.thresholds,
        calendar,
        () if silence is None else (silence,),
    )
    reported = IssueReported(
        meta=EventMeta(issue_id, 1, at, reporter.id),
        kind=kind,
        client=client,
        project=project,
        title=title,
        owner=owner,
        priority=priority,
        terms=terms,
        clocks=clocks,
        quiet_at=quiet[0] if quiet else None,
        opened_from=check_id(opened_from, "opened_from") if opened_from else "",
    )
    issue = apply(None, reported)
    if escalation is None or not (escalation.on_complaint and kind is IssueKind.COMPLAINT):
        return Decision(issue, (reported,))
    run = _Run(issue, "system", at)
    _escalate(
        run,
        escalation,
        escalation.raise_to(None, "client complaint", "complaint", at, calendar),
        "client complaint",
        {"trigger": "complaint"},
    )
    return Decision(run.issue(), (reported, *run.events))


@checked
def acknowledge(
    issue: Issue,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    escalation: EscalationPolicy | None = None,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """First response: stops the first-response clock."""
    run = _begin(issue, "acknowledge", actor, now, permissions, "acknowledge")
    clocks = _map(issue.clocks, lambda c: stop(c, run.at, calendar), {"first_response"})
    run.add(IssueAcknowledged, clocks=clocks, quiet_at=_quiet(escalation, run.at, calendar))
    return run.decision()


@checked
def start_investigation(
    issue: Issue,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    escalation: EscalationPolicy | None = None,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """Work on the cause begins."""
    return _team_step(
        issue,
        "investigate",
        InvestigationStarted,
        actor,
        now,
        calendar,
        escalation,
        permissions,
        "start_investigation",
    )


@checked
def propose_solution(
    issue: Issue,
    solution: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    escalation: EscalationPolicy | None = None,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """Put a solution to the client."""
    return _team_step(
        issue,
        "propose",
        SolutionProposed,
        actor,
        now,
        calendar,
        escalation,
        permissions,
        "propose_solution",
        solution=solution,
    )


@checked
def reject_solution(
    issue: Issue,
    reason: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    escalation: EscalationPolicy | None = None,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """The client turned the solution down: back to investigating."""
    return _team_step(
        issue,
        "reject_solution",
        SolutionRejected,
        actor,
        now,
        calendar,
        escalation,
        permissions,
        "reject_solution",
        reason=reason,
    )


@checked
def wait_on_client(
    issue: Issue,
    reason: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """Ask the client for something: the clocks the SLA pauses for the client (by
    default all of them) stop until they reply."""  # noqa: D205, D209
    run = _begin(issue, "wait_on_client", actor, now, permissions, "wait_on_client")
    metrics = issue.terms.pausing(PauseReason.CLIENT) or frozenset()
    clocks = _map(issue.clocks, lambda c: pause(c, run.at, PauseReason.CLIENT.value), set(metrics))
    run.add(WaitingOnClient, clocks=clocks, reason=_text(reason, "reason"), quiet_at=None)
    paused = any(c.paused_since is not None and c.stopped_at is None for c in clocks)
    run.notify_client("paused", note=_text(reason, "reason"), paused=paused)
    return run.decision()


@checked
def pause_sla(
    issue: Issue,
    reason: PauseReason,
    note: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """Pause the clocks the SLA pauses for ``reason`` (a vendor, a maintenance window, a
    pending change request); the issue keeps its status. Waiting on the client is
    :func:`wait_on_client`."""  # noqa: D205, D209
    run = _begin(issue, "update", actor, now, permissions, "pause_sla")
    metrics = _pausable(issue, reason)
    clocks = _map(issue.clocks, lambda c: pause(c, run.at, reason.value), set(metrics))
    run.add(
        SlaPaused,
        clocks=clocks,
        reason=reason,
        metrics=tuple(sorted(metrics)),
        note=_text(note, "note"),
    )
    return run.decision()


@checked
def resume_sla(
    issue: Issue,
    reason: PauseReason,
    note: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """What held the issue up for ``reason`` is over: those clocks count again (a clock
    also paused for another reason stays paused until that one ends too)."""  # noqa: D205, D209
    run = _begin(issue, "update", actor, now, permissions, "resume_sla")
    _pausable(issue, reason)
    if not any(reason.value in c.pause_reasons for c in issue.clocks):
        raise ValidationError(
            "reason", "a reason the issue's clocks are paused for", got=reason.value
        )
    clocks = _map(issue.clocks, lambda c: resume(c, run.at, calendar, reason.value))
    run.add(SlaResumed, clocks=clocks, reason=reason, note=_text(note, "note"))
    return run.decision()


def _pausable(issue: Issue, reason: PauseReason) -> frozenset[str]:
    if not isinstance(reason, PauseReason) or reason is PauseReason.CLIENT:
        raise ValidationError(
            "reason",
            "vendor, maintenance or change (waiting on the client is wait_on_client)",
            got=getattr(reason, "value", reason),
        )
    metrics = issue.terms.pausing(reason)
    if metrics is None:
        allowed = ", ".join(r.reason.value for r in issue.terms.pauses) or "none"
        raise ValidationError(
            "reason",
            f"a reason SLA {issue.terms.policy!r} pauses for (it pauses for: {allowed})",
            got=reason.value,
        )
    return metrics


@checked
def client_replied(
    issue: Issue,
    message: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    escalation: EscalationPolicy | None = None,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """The client wrote: paused clocks resume, and a next-reply clock starts if the SLA has one."""
    waiting = issue.status == "waiting_on_client"
    run = _begin(
        issue, "client_replied" if waiting else "update", actor, now, permissions, "client_replied"
    )
    at, client = run.at, PauseReason.CLIENT.value
    clocks = tuple([resume(c, at, calendar, client) for c in issue.clocks])
    target = issue.terms.for_priority(issue.priority).next_reply
    silence = None if escalation is None or not waiting else escalation.no_update_after
    # The next-reply clock and the no-update deadline both count from now: one pass.
    started, found = clocks_and_deadlines(
        () if target is None else (("next_reply", target),),
        at,
        issue.terms.thresholds,
        calendar,
        () if silence is None else (silence,),
    )
    if started:
        clocks = (*(c for c in clocks if c.metric != "next_reply"), *started)
    quiet = (found[0] if found else None) if waiting else issue.quiet_at
    run.add(
        ClientReplied,
        clocks=clocks,
        message=_text(message, "message"),
        resumed=waiting,
        quiet_at=quiet,
    )
    return run.decision()


@checked
def team_reply(
    issue: Issue,
    message: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    escalation: EscalationPolicy | None = None,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """The team answered: the next-reply clock stops."""
    run = _begin(issue, "update", actor, now, permissions, "team_reply")
    clocks = _map(issue.clocks, lambda c: stop(c, run.at, calendar), {"next_reply"})
    run.add(
        TeamReplied,
        clocks=clocks,
        message=_text(message, "message"),
        quiet_at=_quiet(escalation, run.at, calendar),
    )
    return run.decision()


@checked
def add_update(
    issue: Issue,
    note: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    escalation: EscalationPolicy | None = None,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """A progress note; resets the no-update trigger."""
    return _team_step(
        issue,
        "update",
        IssueUpdated,
        actor,
        now,
        calendar,
        escalation,
        permissions,
        "add_update",
        note=note,
    )


@checked
def change_priority(
    issue: Issue,
    priority: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """Re-prioritise: targets from the same SLA version, from the original start, pauses kept."""
    run = _begin(issue, "update", actor, now, permissions, "change_priority")
    targets = issue.terms.for_priority(priority)
    goals = {
        "first_response": targets.first_response,
        "resolution": targets.resolution,
        "next_reply": targets.next_reply,
    }

    def retarget(clock: SlaClock) -> SlaClock:
        goal = goals.get(clock.metric)
        if goal is None or clock.stopped_at is not None:
            return clock
        return retime(clock, calendar, goal)

    run.add(
        PriorityChanged,
        clocks=tuple(retarget(c) for c in issue.clocks),
        old=issue.priority,
        new=priority,
    )
    return run.decision()


@checked
def resolve(
    issue: Issue,
    resolution: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """Resolve: every clock stops (a pause in progress is accounted first); de-escalate."""
    run = _begin(issue, "resolve", actor, now, permissions, "resolve")
    clocks = _map(issue.clocks, lambda c: stop(c, run.at, calendar))
    run.add(IssueResolved, clocks=clocks, resolution=_text(resolution, "resolution"), quiet_at=None)
    if issue.escalation is not None:
        run.add(IssueDeescalated, escalation=None, reason="resolved")
    run.notify_client("resolved", note=_text(resolution, "resolution"))
    return run.decision()


@checked
def reopen(
    issue: Issue,
    reason: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    escalation: EscalationPolicy | None = None,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """The problem is back: the resolution clock runs again (time resolved counts as paused)."""
    run = _begin(issue, "reopen", actor, now, permissions, "reopen")
    clocks = _map(issue.clocks, lambda c: restart(c, run.at, calendar), {"resolution"})
    count = issue.reopened + 1
    run.add(
        IssueReopened,
        clocks=clocks,
        reason=_text(reason, "reason"),
        count=count,
        quiet_at=_quiet(escalation, run.at, calendar),
    )
    if (
        escalation is not None
        and escalation.reopen_limit is not None
        and count >= escalation.reopen_limit
    ):
        why = f"reopened {count} times"
        _escalate(
            run,
            escalation,
            escalation.raise_to(run.escalation, why, "reopened", run.at, calendar),
            why,
            {"trigger": "reopened", "count": count},
        )
    return run.decision()


@checked
def close(
    issue: Issue,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """Close a resolved issue (the client side confirms, or the team)."""
    run = _begin(issue, "close", actor, now, permissions, "close")
    run.add(IssueClosed, quiet_at=None)
    return run.decision()


@checked
def escalate(
    issue: Issue,
    reason: str,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    escalation: EscalationPolicy,
    permissions: IssuePermissions = DEFAULT_PERMISSIONS,
) -> Decision[Issue]:
    """Escalate by hand, with a reason, one level up."""
    run = _begin(issue, "update", actor, now, permissions, "escalate")
    if issue.status == "resolved":
        raise TransitionNotAllowed(
            issue.status, "escalate", ("reopen", "close"), words=COMMANDS.vocabulary
        )
    why = _text(reason, "reason")
    _escalate(
        run,
        escalation,
        escalation.raise_to(issue.escalation, why, "manual", run.at, calendar),
        why,
        {"trigger": "manual", "note": why},
    )
    return run.decision()


@checked
def acknowledge_escalation(
    issue: Issue,
    actor: Actor,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    escalation: EscalationPolicy,
) -> Decision[Issue]:
    """A recipient of the current level takes the escalation; the chain stops."""
    run = _begin(issue, "update", actor, now, _RECIPIENTS_DECIDE, "acknowledge_escalation")
    current = issue.escalation
    if current is None or current.acknowledged_by is not None:
        raise TransitionNotAllowed(
            issue.status, "acknowledge_escalation", ("escalate",), words=COMMANDS.vocabulary
        )
    # An edited policy may have fewer levels now: its top level's recipients act then.
    level = escalation.level(escalation.in_force(current.level))
    try:
        require(level.recipients(), actor, f"acknowledge the escalation of {issue.id}")
    except PermissionDenied:
        raise PermissionDenied(
            actor.id,
            f"acknowledge the escalation of {issue.id}",
            f"is a recipient of level {level.name}",
        ) from None
    run.add(
        EscalationAcknowledged,
        escalation=escalation.acknowledged(current, actor.id, run.at, calendar),
        by=actor.id,
    )
    return run.decision()


@checked
def fire_timers(
    issue: Issue,
    now: pendulum.DateTime,
    *,
    calendar: BusinessCalendar,
    escalation: EscalationPolicy | None,
) -> Decision[Issue]:
    """The engine's timer: every threshold, escalation step and no-update trigger due by ``now``.

    Thresholds fire in time order, each once; a warning at the policy's fraction or a
    breach escalates. Afterwards ``next_deadline`` lies in the future. With nothing due
    the decision is empty, so a script may call it whenever it likes.
    """
    at = to_utc(now, "now")
    run = _Run(issue, "system", at)
    for _ in range(1000):  # bounded: each round fires one timer and moves it on
        if not _fire_one(run, at, calendar, escalation):
            break
    if not run.events:
        return Decision(issue, ())
    return run.decision()


def _already_at(current: Escalation | None, raised: Escalation) -> bool:
    """Whether the issue already stands, unacknowledged, at the level ``raised`` reaches.

    On a ladder's top level (a one-level ladder: the warning raised it there) a later
    threshold of the same issue has nowhere higher to go; escalating again would tell the
    same people and the client the same thing twice. The threshold itself is still
    recorded, and the level's own timer still passes it on as before.
    """
    return current is not None and current.acknowledged_by is None and current.level == raised.level


def _first_due(
    clocks: tuple[SlaClock, ...], at: pendulum.DateTime
) -> tuple[pendulum.DateTime, str, float] | None:
    """The earliest threshold due by ``at`` of a running clock, as ``(at, metric,
    fraction)`` (the first of them sorted), found in one pass: a sweep asks once per event."""  # noqa: D205, D209
    due: tuple[pendulum.DateTime, str, float] | None = None
    for clock in clocks:
        if clock.stopped_at is not None or clock.paused_since is not None:
            continue  # paused or stopped: nothing of it fires (what next_timer says)
        for t in clock.thresholds:
            if not t.fired and t.at <= at:
                found = (t.at, clock.metric, t.fraction)
                if due is None or found < due:
                    due = found
    return due


def _fire_one(
    run: _Run, at: pendulum.DateTime, calendar: BusinessCalendar, policy: EscalationPolicy | None
) -> bool:
    # What the events so far left (the run builds the issue once, at the end).
    due = _first_due(run.clocks, at)
    if due is not None:
        when, metric, fraction = due
        clock = next(c for c in run.clocks if c.metric == metric)
        breach = fraction >= 1
        clocks = _map(run.clocks, lambda c: fire(c, fraction), {metric})
        run.add(
            SlaThresholdReached,
            clocks=clocks,
            metric=metric,
            fraction=fraction,
            breach=breach,
            deadline=clock.deadline,
            notify=(run.owner,),
        )
        warned = not breach and policy is not None and policy.on_warning == fraction
        if policy is not None and ((breach and policy.on_breach) or warned):
            trigger = "sla breach" if breach else "sla warning"
            state = "breached" if breach else f"at {fraction:.0%}"
            due_at = _iso(clock.deadline)
            why = f"{metric.replace('_', ' ')} {state} (due {due_at})"
            # Measured from when the threshold was due, not from when the sweep ran.
            raised = policy.raise_to(run.escalation, why, trigger, when, calendar)
            facts: dict[str, Any] = {
                "trigger": trigger,
                "metric": metric,
                "fraction": fraction,
                "due": clock.deadline,
            }
            if not breach:
                left = calendar.elapsed(when, clock.deadline) / dt.timedelta(hours=1)
                facts["left_hours"] = round(left, 2)
            if not _already_at(run.escalation, raised):
                _escalate(run, policy, raised, why, facts)
        return True
    current = run.escalation
    if policy is not None and current is not None:
        # Each step is measured from when the previous one was due, so a late sweep
        # climbs the ladder exactly as a punctual one would have.
        if current.pass_at is not None and current.pass_at <= at:
            passed = policy.passed(current, current.pass_at, calendar)
            _escalate(
                run, policy, passed, "not acknowledged in time", {"trigger": "not acknowledged"}
            )
            return True
        if current.ack_expires_at is not None and current.ack_expires_at <= at:
            reopened = policy.ack_expired(current, current.ack_expires_at, calendar)
            why = "acknowledged but not resolved in time"
            _escalate(run, policy, reopened, why, {"trigger": "ack expired"})
            return True
    quiet = None if policy is None else policy.no_update_after
    quiet_at = run.quiet_at
    if policy is not None and quiet is not None and quiet_at is not None and quiet_at <= at:
        why = f"no update for {_in_words(quiet, pendulum.get_locale())}"
        escalated = policy.raise_to(run.escalation, why, "no update", quiet_at, calendar)
        # Fires once per silence: the next update re-arms it.
        facts = {"trigger": "no update", "hours": quiet.total_seconds() / 3600}
        _escalate(run, policy, escalated, why, facts, quiet_at=None)
        return True
    return False


def _iso(at: pendulum.DateTime) -> str:
    """``at.to_iso8601_string()``; for a UTC instant (what clocks hold) without pendulum's
    format dispatch (~3 us)."""  # noqa: D205, D209
    if at.tzinfo is UTC:
        return dt.datetime.isoformat(at).replace("+00:00", "Z")
    return at.to_iso8601_string()


@functools.lru_cache(maxsize=256)
def _in_words(span: pendulum.Duration, locale: str) -> str:
    # pendulum spells a duration out in ~25 us; an issue's policy has a few silences.
    return span.in_words(locale=locale)


_TEAM_NEEDS = ("calendar", "escalation", "permissions")

COMMANDS: CommandSet[Issue] = CommandSet(
    "issue",
    "issue",
    TABLE,
    (
        Command(
            "report",
            report_issue,
            creates=True,
            actor="reporter",
            needs=("sla", "escalation", "calendar"),
            defaults={"kind": IssueKind.ISSUE},
            words=N_("report an issue"),
        ),
        Command("acknowledge", acknowledge, ("acknowledge",), _TEAM_NEEDS, words=N_("acknowledge")),
        Command(
            "start_investigation",
            start_investigation,
            ("investigate",),
            _TEAM_NEEDS,
            words=N_("investigate"),
        ),
        Command(
            "propose_solution",
            propose_solution,
            ("propose",),
            _TEAM_NEEDS,
            words=N_("propose a solution"),
        ),
        Command(
            "reject_solution",
            reject_solution,
            ("reject_solution",),
            _TEAM_NEEDS,
            words=N_("reject the solution"),
        ),
        Command(
            "wait_on_client",
            wait_on_client,
            ("wait_on_client",),
            ("calendar", "permissions"),
            words=N_("wait on the client"),
        ),
        Command("pause", pause_sla, ("update",), ("permissions",), words=N_("pause the SLA")),
        Command(
            "resume",
            resume_sla,
            ("update",),
            ("calendar", "permissions"),
            words=N_("resume the SLA"),
        ),
        Command(
            "client_replied",
            client_replied,
            ("client_replied", "update"),
            _TEAM_NEEDS,
            words=N_("record the client's reply"),
        ),
        Command("reply", team_reply, ("update",), _TEAM_NEEDS, words=N_("reply to the client")),
        Command("add_update", add_update, ("update",), _TEAM_NEEDS, words=N_("add an update")),
        Command(
            "change_priority",
            change_priority,
            ("update",),
            ("calendar", "permissions"),
            words=N_("change the priority"),
        ),
        Command("resolve", resolve, ("resolve",), ("calendar", "permissions"), words=N_("resolve")),
        Command("reopen", reopen, ("reopen",), _TEAM_NEEDS, words=N_("reopen")),
        Command("close", close, ("close",), ("permissions",), words=N_("close")),
        Command("escalate", escalate, ("update",), _TEAM_NEEDS, words=N_("escalate")),
        Command(
            "acknowledge_escalation",
            acknowledge_escalation,
            ("update",),
            ("calendar", "escalation"),
            words=N_("acknowledge the escalation"),
        ),
    ),
    state_words=STATUS_WORDS,
)
"""The issue commands, declared once: the workspace's ``ws.issues`` methods, the generic
``run``, JSON parsing and the names refusals use all come from here."""

COMMAND_WORDS: Mapping[str, str] = MappingProxyType({**EVENT_WORDS, **COMMANDS.words})
"""Each issue command (as users call it, and each machine event) as a message id, for
errors a person reads (:meth:`TransitionNotAllowed.render`)."""
