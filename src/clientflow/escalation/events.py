"""What happens to an issue, as facts, and how each fact changes it.

Events that move clocks or the escalation carry the resulting clocks, escalation and
no-update deadline, computed by the command on the calendar: the history shows every
deadline as it was, and rebuilding needs no calendar.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import attrs
import pendulum

from clientflow.core import DomainEvent, EventRegistry, ValidationError
from clientflow.escalation.machine import TABLE
from clientflow.escalation.model import (
    Escalation,
    Issue,
    IssueKind,
    PauseReason,
    SlaClock,
    SlaTerms,
    first_timer,
)

__all__ = [
    "EVENTS",
    "ClientNotified",
    "ClientReplied",
    "EscalationAcknowledged",
    "InvestigationStarted",
    "IssueAcknowledged",
    "IssueClosed",
    "IssueDeescalated",
    "IssueEscalated",
    "IssueReopened",
    "IssueReported",
    "IssueResolved",
    "IssueUpdated",
    "PriorityChanged",
    "SlaPaused",
    "SlaResumed",
    "SlaThresholdReached",
    "SolutionProposed",
    "SolutionRejected",
    "TeamReplied",
    "WaitingOnClient",
    "apply",
    "fold_changes",
]


@attrs.frozen(kw_only=True)
class IssueReported(DomainEvent):
    """A client raised an issue (the reporter is the event's actor)."""

    event_type: ClassVar[str] = "issue.reported"
    kind: IssueKind
    client: str
    project: str
    title: str
    owner: str
    priority: str
    terms: SlaTerms
    clocks: tuple[SlaClock, ...]
    quiet_at: pendulum.DateTime | None
    opened_from: str = ""
    """What the issue was opened from (a triggered risk's id); empty when reported."""


@attrs.frozen(kw_only=True)
class _Change(DomainEvent):
    """A change of state, clocks or escalation; ``update`` says whether the team acted."""

    transition: ClassVar[str] = "update"
    update: ClassVar[bool] = True
    clocks: tuple[SlaClock, ...]
    escalation: Escalation | None
    quiet_at: pendulum.DateTime | None


@attrs.frozen(kw_only=True)
class IssueAcknowledged(_Change):
    """First response: someone took the issue."""

    event_type: ClassVar[str] = "issue.acknowledged"
    transition: ClassVar[str] = "acknowledge"


@attrs.frozen(kw_only=True)
class InvestigationStarted(_Change):
    """Work on the cause began."""

    event_type: ClassVar[str] = "issue.investigation_started"
    transition: ClassVar[str] = "investigate"


@attrs.frozen(kw_only=True)
class SolutionProposed(_Change):
    """A solution was put to the client."""

    event_type: ClassVar[str] = "issue.solution_proposed"
    transition: ClassVar[str] = "propose"
    solution: str


@attrs.frozen(kw_only=True)
class SolutionRejected(_Change):
    """The client did not accept the solution: back to investigating."""

    event_type: ClassVar[str] = "issue.solution_rejected"
    transition: ClassVar[str] = "reject_solution"
    reason: str


@attrs.frozen(kw_only=True)
class WaitingOnClient(_Change):
    """The team needs the client: SLA clocks are paused."""

    event_type: ClassVar[str] = "issue.waiting_on_client"
    transition: ClassVar[str] = "wait_on_client"
    reason: str


@attrs.frozen(kw_only=True)
class ClientReplied(_Change):
    """The client wrote: clocks resume (if paused) and a reply is owed."""

    event_type: ClassVar[str] = "issue.client_replied"
    update: ClassVar[bool] = False
    message: str
    resumed: bool


@attrs.frozen(kw_only=True)
class TeamReplied(_Change):
    """The team answered the client's message."""

    event_type: ClassVar[str] = "issue.team_replied"
    message: str


@attrs.frozen(kw_only=True)
class SlaPaused(_Change):
    """Clocks the SLA pauses for ``reason`` stopped counting (a vendor, a maintenance
    window, a pending change); the issue keeps its status."""  # noqa: D205, D209

    event_type: ClassVar[str] = "issue.sla_paused"
    reason: PauseReason
    metrics: tuple[str, ...]
    note: str


@attrs.frozen(kw_only=True)
class SlaResumed(_Change):
    """What ``reason`` held up is over: its clocks count again (unless another pauses them)."""

    event_type: ClassVar[str] = "issue.sla_resumed"
    reason: PauseReason
    note: str


@attrs.frozen(kw_only=True)
class IssueUpdated(_Change):
    """A progress note (resets the no-update trigger)."""

    event_type: ClassVar[str] = "issue.updated"
    note: str


@attrs.frozen(kw_only=True)
class PriorityChanged(_Change):
    """Priority changed: targets recomputed from the original start, pauses kept."""

    event_type: ClassVar[str] = "issue.priority_changed"
    old: str
    new: str


@attrs.frozen(kw_only=True)
class IssueResolved(_Change):
    """Resolved (clocks stopped, a pause in progress accounted first)."""

    event_type: ClassVar[str] = "issue.resolved"
    transition: ClassVar[str] = "resolve"
    resolution: str


@attrs.frozen(kw_only=True)
class IssueReopened(_Change):
    """The problem came back: resolution clock running again, counted."""

    event_type: ClassVar[str] = "issue.reopened"
    transition: ClassVar[str] = "reopen"
    update: ClassVar[bool] = False
    reason: str
    count: int


@attrs.frozen(kw_only=True)
class IssueClosed(_Change):
    """Closed after resolution."""

    event_type: ClassVar[str] = "issue.closed"
    transition: ClassVar[str] = "close"


@attrs.frozen(kw_only=True)
class SlaThresholdReached(_Change):
    """An SLA clock passed a threshold (``breach`` when it is 100 %)."""

    event_type: ClassVar[str] = "issue.sla_threshold_reached"
    update: ClassVar[bool] = False
    metric: str
    fraction: float
    breach: bool
    deadline: pendulum.DateTime
    notify: tuple[str, ...]


@attrs.frozen(kw_only=True)
class IssueEscalated(_Change):
    """Escalated to a level: who is told, who takes over, and why."""

    event_type: ClassVar[str] = "issue.escalated"
    update: ClassVar[bool] = False
    level: int
    level_name: str
    notify: tuple[str, ...]
    assign: str | None
    trigger: str
    reason: str


@attrs.frozen(kw_only=True)
class EscalationAcknowledged(_Change):
    """A recipient of the current level took the escalation."""

    event_type: ClassVar[str] = "issue.escalation_acknowledged"
    by: str


@attrs.frozen(kw_only=True)
class IssueDeescalated(_Change):
    """The escalation ended (the issue was resolved)."""

    event_type: ClassVar[str] = "issue.deescalated"
    update: ClassVar[bool] = False
    reason: str


@attrs.frozen(kw_only=True)
class ClientNotified(_Change):
    """What the client is told: every escalation, resolution and pause produces one.

    Codes and values, not a sentence, so it can be rendered in the reader's language
    and time zone, now or later (:func:`clientflow.notify.render_notice`): ``topic``
    (escalated, paused, resolved), the level reached, why (``trigger``: sla warning, sla
    breach, no update, complaint, reopened, manual, not acknowledged, ack expired; with
    the ``metric``, ``fraction`` and ``due`` of an SLA trigger, the ``count`` of
    reopenings or the silent ``hours``), ``note`` (what a person wrote: the question,
    the resolution, a manual reason) and whether clocks ``paused``. ``message`` is the
    English sentence releases before 0.2 stored instead; it is empty on new events.
    """

    event_type: ClassVar[str] = "issue.client_notified"
    update: ClassVar[bool] = False
    topic: str
    message: str = ""
    level_name: str = ""
    trigger: str = ""
    metric: str = ""
    fraction: float | None = None
    due: pendulum.DateTime | None = None
    count: int | None = None
    hours: float | None = None
    left_hours: float | None = None
    """Business hours left to the deadline when an SLA warning was due."""
    note: str = ""
    paused: bool = False


EVENTS = EventRegistry(
    [
        IssueReported,
        IssueAcknowledged,
        InvestigationStarted,
        SolutionProposed,
        SolutionRejected,
        WaitingOnClient,
        ClientReplied,
        SlaPaused,
        SlaResumed,
        TeamReplied,
        IssueUpdated,
        PriorityChanged,
        IssueResolved,
        IssueReopened,
        IssueClosed,
        SlaThresholdReached,
        IssueEscalated,
        EscalationAcknowledged,
        IssueDeescalated,
        ClientNotified,
    ]
)
"""Every issue event type."""


def apply(issue: Issue | None, event: DomainEvent) -> Issue:
    """Evolve an issue by one event; the only code that changes one."""
    if isinstance(event, _Change) and issue is not None:  # every event but the first
        return fold_changes(issue, (event,))
    if isinstance(event, IssueReported):
        if issue is not None:
            raise ValidationError(
                "event", "issue.reported only as the first event", got=event.event_id
            )
        reported = Issue(
            id=event.aggregate_id,
            version=event.aggregate_version,
            status=TABLE.initial,
            kind=event.kind,
            client=event.client,
            project=event.project,
            title=event.title,
            reporter=event.actor,
            owner=event.owner,
            priority=event.priority,
            reported_at=event.occurred_at,
            terms=event.terms,
            clocks=event.clocks,
            last_update=event.occurred_at,
            quiet_at=event.quiet_at,
            next_deadline=first_timer(event.clocks, None, event.quiet_at),
            opened_from=event.opened_from,
        )
        return reported
    if issue is None:
        raise ValidationError("event", "issue.reported as the first event", got=event.event_type)
    raise ValidationError("event", "an issue event", got=type(event).__name__)


_target = TABLE.target  # looked up once: rebuilding asks it for every event


def fold_changes(issue: Issue, events: Sequence[_Change]) -> Issue:
    """:func:`apply` of each of ``events`` in turn (changes of ``issue``), building one
    ``Issue`` at the end: a command that records several events (a sweep's threshold,
    escalation and notice) builds its issue once, not once per event."""  # noqa: D205, D209
    status, priority, reopened = issue.status, issue.priority, issue.reopened
    owner, last_update = issue.owner, issue.last_update
    last = None
    for last in events:
        kind = type(last)
        transition = kind.transition
        if isinstance(last, ClientReplied) and last.resumed:
            transition = "client_replied"
        status = _target(status, transition)
        if isinstance(last, PriorityChanged):
            priority = last.new
        elif isinstance(last, IssueReopened):
            reopened = last.count
        elif isinstance(last, IssueEscalated) and last.assign is not None:
            owner = last.assign
        if kind.update:
            last_update = last.meta.occurred_at  # the meta's own: no property call
    if last is None:
        return issue
    # Built directly, every field named (attrs.evolve reads each field by name, ~3 us an
    # event); _ISSUE_FIELDS below fails the import if Issue gains a field not named here.
    return Issue(
        id=issue.id,
        version=last.meta.aggregate_version,
        status=status,
        kind=issue.kind,
        client=issue.client,
        project=issue.project,
        title=issue.title,
        reporter=issue.reporter,
        owner=owner,
        priority=priority,
        reported_at=issue.reported_at,
        terms=issue.terms,
        clocks=last.clocks,
        escalation=last.escalation,
        reopened=reopened,
        last_update=last_update,
        quiet_at=last.quiet_at,
        next_deadline=first_timer(last.clocks, last.escalation, last.quiet_at),
        opened_from=issue.opened_from,
    )


_ISSUE_FIELDS = (
    "id",
    "version",
    "status",
    "kind",
    "client",
    "project",
    "title",
    "reporter",
    "owner",
    "priority",
    "reported_at",
    "terms",
    "clocks",
    "escalation",
    "reopened",
    "last_update",
    "quiet_at",
    "next_deadline",
    "opened_from",
)
if tuple(field.name for field in attrs.fields(Issue)) != _ISSUE_FIELDS:
    raise ImportError("escalation.apply names every Issue field: update it with the new one")
