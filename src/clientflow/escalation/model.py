"""Issues, their SLA clocks and their escalation: the aggregate and its value objects."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

import attrs
import pendulum

from clientflow.core import ValidationError, WorkingDays
from clientflow.i18n import N_

__all__ = [
    "CLIENT_PAUSES_ALL",
    "EVENT_WORDS",
    "METRICS",
    "METRIC_WORDS",
    "STATUS_WORDS",
    "ClockState",
    "Escalation",
    "Issue",
    "IssueKind",
    "PauseReason",
    "PauseRule",
    "PriorityTargets",
    "SlaClock",
    "SlaTerms",
    "Threshold",
    "first_timer",
]


class IssueKind(enum.Enum):
    """What the client raised."""

    ISSUE = "issue"
    COMPLAINT = "complaint"
    CONFLICT = "conflict"
    RISK = "risk"


METRIC_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "first_response": N_("first response"),
        "resolution": N_("resolution"),
        "next_reply": N_("next reply"),
    }
)
"""Each SLA metric as a message id, for what people read."""

STATUS_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "reported": N_("reported"),
        "acknowledged": N_("acknowledged"),
        "investigating": N_("investigating"),
        "waiting_on_client": N_("waiting on the client"),
        "solution_proposed": N_("solution proposed"),
        "resolved": N_("resolved"),
        "closed": N_("closed"),
    }
)
"""Each issue status (a state of the machine) as a message id, for what people read."""

EVENT_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "acknowledge": N_("acknowledge"),
        "investigate": N_("investigate"),
        "propose": N_("propose a solution"),
        "reject_solution": N_("reject the solution"),
        "wait_on_client": N_("wait on the client"),
        "client_replied": N_("record the client's reply"),
        "resolve": N_("resolve"),
        "reopen": N_("reopen"),
        "close": N_("close"),
        "update": N_("update"),
        "escalate": N_("escalate"),
        "acknowledge_escalation": N_("acknowledge the escalation"),
    }
)
"""Each event of the issue machine (and the escalation commands) as a message id; the
commands as users call them are in :data:`clientflow.escalation.COMMAND_WORDS`."""


class ClockState(enum.Enum):
    """Where an SLA clock stands."""

    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@attrs.frozen
class Threshold:
    """A warning point of a clock: ``fraction`` of its target, due at ``at``."""

    fraction: float
    at: pendulum.DateTime
    fired: bool = False


@attrs.frozen
class SlaClock:
    """One SLA metric (first response, next reply, resolution) of one issue.

    ``deadline`` is live: ``calendar.add(started_at, target + paused)``, where ``paused``
    is the business time spent paused; ``original_deadline`` is the deadline the clock
    started with. Threshold instants move with the deadline; each fires once.
    """

    metric: str
    started_at: pendulum.DateTime
    target: pendulum.Duration
    paused: pendulum.Duration
    original_deadline: pendulum.DateTime
    deadline: pendulum.DateTime
    thresholds: tuple[Threshold, ...]
    paused_since: pendulum.DateTime | None = None
    stopped_at: pendulum.DateTime | None = None
    pause_reasons: tuple[str, ...] = ()
    """Why it is paused now (a clock may wait on the client and a vendor at once)."""

    @property
    def state(self) -> ClockState:
        """Running, paused, met (stopped in time) or breached (stopped late, or past due)."""
        if self.stopped_at is not None:
            return ClockState.MET if self.stopped_at <= self.deadline else ClockState.BREACHED
        if self.paused_since is not None:
            return ClockState.PAUSED
        if any(t.fired and t.fraction >= 1 for t in self.thresholds):
            return ClockState.BREACHED
        return ClockState.RUNNING

    def next_timer(self) -> pendulum.DateTime | None:
        """When the next threshold fires; ``None`` if stopped, paused or all fired."""
        if self.stopped_at is not None or self.paused_since is not None:
            return None
        pending = [t.at for t in self.thresholds if not t.fired]
        return min(pending) if pending else None


class PauseReason(enum.Enum):
    """Why SLA clocks may stop counting (the SLA policy says which clocks, per reason)."""

    CLIENT = "client"  # waiting on the client (``wait_on_client``)
    VENDOR = "vendor"  # waiting on a third party or vendor
    MAINTENANCE = "maintenance"  # scheduled for a maintenance window
    CHANGE = "change"  # pending a change request


METRICS = ("first_response", "resolution", "next_reply")
"""The SLA clocks an issue may run."""


@attrs.frozen
class PauseRule:
    """For one reason, the clocks that pause (the others keep running)."""

    reason: PauseReason
    metrics: frozenset[str] = frozenset(METRICS)

    def __attrs_post_init__(self) -> None:
        unknown = sorted(set(self.metrics) - set(METRICS))
        if unknown or not isinstance(self.reason, PauseReason):
            raise ValidationError(
                f"pauses.{getattr(self.reason, 'value', self.reason)}",
                f"clocks among {', '.join(METRICS)}",
                got=unknown or self.reason,
            )


CLIENT_PAUSES_ALL = (PauseRule(PauseReason.CLIENT),)
"""The default: waiting on the client pauses every clock; nothing else pauses."""


@attrs.frozen
class PriorityTargets:
    """SLA targets of one priority, in business time: hours, or whole working days.

    A target in :class:`~clientflow.core.WorkingDays` is turned into business time when
    its clock starts ("within 1 working day" of a Friday 15:00 report is Monday 15:00).
    """

    priority: str
    first_response: pendulum.Duration | WorkingDays
    resolution: pendulum.Duration | WorkingDays
    next_reply: pendulum.Duration | WorkingDays | None = None


@attrs.frozen
class SlaTerms:
    """The SLA an issue runs under, snapshotted when it is reported.

    The policy's name and version, targets for every priority (a priority change stays
    within this version) and warning thresholds (1.0 = breach).
    """

    policy: str
    version: int
    targets: tuple[PriorityTargets, ...]
    thresholds: tuple[float, ...]
    pauses: tuple[PauseRule, ...] = CLIENT_PAUSES_ALL

    def pausing(self, reason: PauseReason) -> frozenset[str] | None:
        """The clocks ``reason`` pauses, or ``None`` if this SLA does not pause for it."""
        return next((rule.metrics for rule in self.pauses if rule.reason is reason), None)

    def for_priority(self, priority: str) -> PriorityTargets:
        """Targets of one priority; ``ValidationError`` naming the known ones."""
        for target in self.targets:
            if target.priority == priority:
                return target
        known = [t.priority for t in self.targets]
        # The caller passed ``priority``: name that field (the SLA is the client's, not theirs).
        raise ValidationError.one_of("priority", known, got=priority)


@attrs.frozen
class Escalation:
    """Where an escalation stands: level (1-based), why, who acknowledged, what comes next."""

    level: int
    reason: str
    trigger: str
    since: pendulum.DateTime
    cycles: int = 0
    acknowledged_by: str | None = None
    pass_at: pendulum.DateTime | None = None
    ack_expires_at: pendulum.DateTime | None = None

    def next_timer(self) -> pendulum.DateTime | None:
        """When the escalation next moves by itself."""
        times = [t for t in (self.pass_at, self.ack_expires_at) if t is not None]
        return min(times) if times else None


@attrs.frozen(kw_only=True)
class Issue:
    """A problem, complaint, conflict or risk raised by a client, with its SLA clocks."""

    id: str
    version: int
    status: str
    kind: IssueKind
    client: str
    project: str
    title: str
    reporter: str
    owner: str
    priority: str
    reported_at: pendulum.DateTime
    terms: SlaTerms
    clocks: tuple[SlaClock, ...]
    escalation: Escalation | None = None
    reopened: int = 0
    last_update: pendulum.DateTime
    quiet_at: pendulum.DateTime | None = None
    next_deadline: pendulum.DateTime | None = None
    opened_from: str = ""
    """The id of what this issue was opened from (a triggered risk); empty if reported."""

    def timers(self) -> pendulum.DateTime | None:
        """The earliest instant anything of this issue fires (its ``next_deadline``).

        An SLA threshold, an escalation step, or the no-update trigger.
        """
        return first_timer(self.clocks, self.escalation, self.quiet_at)

    def clock(self, metric: str) -> SlaClock | None:
        """The clock of one metric, if it has started."""
        for clock in self.clocks:
            if clock.metric == metric:
                return clock
        return None


def first_timer(
    clocks: tuple[SlaClock, ...],
    escalation: Escalation | None,
    quiet_at: pendulum.DateTime | None,
) -> pendulum.DateTime | None:
    """:meth:`Issue.timers` of an issue with these clocks, escalation and no-update
    deadline (``apply`` computes it before building the issue, to build it once)."""  # noqa: D205, D209
    # One pass, no lists: apply asks this once per event. The same instant as the min()
    # over each clock's next_timer(), the escalation's and quiet_at.
    first = None
    for clock in clocks:
        if clock.stopped_at is not None or clock.paused_since is not None:
            continue
        for threshold in clock.thresholds:
            if not threshold.fired and (first is None or threshold.at < first):
                first = threshold.at
    if escalation is not None:
        step = escalation.next_timer()
        if step is not None and (first is None or step < first):
            first = step
    if quiet_at is not None and (first is None or quiet_at < first):
        first = quiet_at
    return first
