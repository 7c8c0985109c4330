"""SLA and escalation policies, and the clock arithmetic (in business time).

Clock rules, each a place where SLA tools in the wild go wrong:

- paused time is measured in **business time** and pushes the deadline by exactly that
  working time: ``deadline = calendar.add(start, target + paused)``;
- stopping a paused clock (pause and resolve in one step) first accounts the pause;
- a priority change recomputes targets **from the original start** and keeps the
  pauses already accumulated;
- threshold instants (50 %, 75 %, 100 % = breach by default) are derived from the live
  deadline, move when it moves, and each fires once per clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs
import pendulum

from clientflow.core import (
    ROLE_PREFIX,
    AnyOf,
    BusinessCalendar,
    BusinessSpan,
    HasRole,
    IsActor,
    IsParty,
    Rule,
    ValidationError,
    WorkingDays,
    check_id,
    duration_micros,
    duration_of,
    from_micros,
    to_micros,
    to_utc,
    validate_duration,
)
from clientflow.escalation.model import (
    CLIENT_PAUSES_ALL,
    Escalation,
    IssueKind,
    PauseRule,
    PriorityTargets,
    SlaClock,
    SlaTerms,
    Threshold,
)

__all__ = [
    "ClockReport",
    "Digest",
    "EscalationPolicy",
    "IssuePermissions",
    "Level",
    "SlaAgreement",
    "SlaPolicy",
    "digest",
    "fire",
    "pause",
    "projected_clocks",
    "report",
    "restart",
    "resume",
    "retime",
    "start_clock",
    "start_clocks",
    "stop",
]


def _span(value: BusinessSpan | None, key: str, *, optional: bool = False) -> BusinessSpan | None:
    if value is None and optional:
        return None
    if isinstance(value, WorkingDays):
        return value
    if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
        raise ValidationError(key, "a duration > 0, or whole working days", got=value)
    return pendulum.Duration(microseconds=duration_micros(value))


MAX_THRESHOLDS = 10
"""The most warning thresholds an SLA policy may have (each one is a timer per clock)."""


@attrs.frozen
class SlaPolicy:
    """Targets per priority and warning thresholds, for the issues its condition selects.

    ``kinds``, ``clients`` and ``projects`` limit which issues it applies to (``None``:
    any). ``version`` is recorded on every issue, which keeps its terms when the policy
    is edited. ``pauses`` says which clocks stop for which reason (by default, waiting on
    the client stops them all and nothing else stops any).
    """

    name: str
    targets: tuple[PriorityTargets, ...]
    thresholds: tuple[float, ...] = (0.5, 0.75, 1.0)
    version: int = 1
    kinds: frozenset[IssueKind] | None = None
    clients: frozenset[str] | None = None
    projects: frozenset[str] | None = None
    pauses: tuple[PauseRule, ...] = CLIENT_PAUSES_ALL
    _terms: SlaTerms | None = attrs.field(
        default=None, init=False, eq=False, hash=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        base = f"sla.{self.name}"
        if not self.targets:
            raise ValidationError(f"{base}.targets", "targets for at least one priority")
        seen = set()
        for target in self.targets:
            key = f"{base}.{target.priority}"
            if target.priority in seen:
                raise ValidationError(key, "one set of targets per priority")
            seen.add(target.priority)
            _span(target.first_response, f"{key}.first_response")
            _span(target.resolution, f"{key}.resolution")
            _span(target.next_reply, f"{key}.next_reply", optional=True)
        if len(self.thresholds) > MAX_THRESHOLDS:
            raise ValidationError(
                f"{base}.thresholds",
                f"at most {MAX_THRESHOLDS} thresholds",
                got=len(self.thresholds),
            )
        reasons = [rule.reason for rule in self.pauses]
        if len(set(reasons)) != len(reasons):
            raise ValidationError(f"{base}.pauses", "one rule per pause reason", got=reasons)
        for fraction in self.thresholds:
            if (
                isinstance(fraction, bool)
                or not isinstance(fraction, int | float)
                or not 0 < fraction <= 1
            ):
                raise ValidationError(
                    f"{base}.thresholds", "fractions in (0, 1], e.g. 0.5, 0.75, 1.0", got=fraction
                )

    def matches(self, kind: IssueKind, client: str, project: str) -> bool:
        """Whether this policy applies to such an issue."""
        return (
            (self.kinds is None or kind in self.kinds)
            and (self.clients is None or client in self.clients)
            and (self.projects is None or project in self.projects)
        )

    def terms(self) -> SlaTerms:
        """The snapshot an issue keeps: this version's targets and thresholds (with 1.0)."""
        found = self._terms
        if found is None:  # built once per policy: every report asks for it
            fractions = tuple(sorted({*(float(f) for f in self.thresholds), 1.0}))
            found = SlaTerms(self.name, self.version, self.targets, fractions, self.pauses)
            object.__setattr__(self, "_terms", found)
        return found


@attrs.frozen
class SlaAgreement:
    """Ordered SLA policies; the first whose condition matches an issue applies."""

    policies: tuple[SlaPolicy, ...]

    def select(self, kind: IssueKind, client: str, project: str) -> SlaPolicy:
        """The policy for such an issue."""
        for policy in self.policies:
            if policy.matches(kind, client, project):
                return policy
        raise ValidationError(
            "sla",
            "a policy matching this issue (end the list with a catch-all)",
            got=(kind.value, client, project),
        )


def _recipients(value: Iterable[str]) -> tuple[str, ...]:
    found = (value,) if isinstance(value, str) else tuple(value)
    for entry in found:
        name = (
            entry[len(ROLE_PREFIX) :]
            if isinstance(entry, str) and entry.startswith(ROLE_PREFIX)
            else entry
        )
        check_id(name, "escalation level notify (a person id or role:<role>)")
    return found


@attrs.frozen
class Level:
    """One escalation level: who is told, who takes over, how long before the next level.

    ``notify`` lists person ids and roles written ``role:<name>``: the people named and
    the holders of those roles may acknowledge the level. People and roles never share a
    namespace, so holding a role named like a person does not make you that person.
    """

    name: str
    notify: tuple[str, ...] = attrs.field(converter=_recipients)
    delay: pendulum.Duration
    assign: str | None = None

    @property
    def people(self) -> frozenset[str]:
        """The person ids among the recipients."""
        return frozenset(n for n in self.notify if not n.startswith(ROLE_PREFIX))

    @property
    def roles(self) -> frozenset[str]:
        """The roles among the recipients (without the ``role:`` prefix)."""
        return frozenset(n[len(ROLE_PREFIX) :] for n in self.notify if n.startswith(ROLE_PREFIX))

    def recipients(self) -> Rule:
        """The rule an actor must pass to act as a recipient of this level."""
        return AnyOf((IsActor(self.people), *(HasRole(role) for role in sorted(self.roles))))


_TEAM = IsParty("owner") | HasRole("support") | HasRole("engineer") | HasRole("pm")
_CLIENT = IsParty("reporter") | HasRole("client")


@attrs.frozen
class IssuePermissions:
    """Who may act on an issue.

    ``team`` acts on it (acknowledge, investigate, propose, pause for the client, reply,
    update, re-prioritise, resolve, escalate by hand); the client side (``client``) or
    the team may record the client's reply, reject a solution, reopen and close. The
    parties are ``owner`` and ``reporter``. Defaults: the owner or anyone with role
    ``support``, ``engineer`` or ``pm`` is the team; the reporter or role ``client`` is
    the client side. Set them in the rules file's ``[permissions.issues]`` with names
    such as ``party:owner``, ``role:pm`` or a person id.
    """

    team: Rule = _TEAM
    client: Rule = _CLIENT
    _either: Rule | None = attrs.field(default=None, init=False, eq=False, hash=False, repr=False)

    def rule(self, action: str) -> Rule:
        """The rule for one action (a command's name)."""
        if action not in _CLIENT_ACTIONS:
            return self.team
        either = self._either
        if either is None:  # built once: every client-side command asks
            either = self.client | self.team
            object.__setattr__(self, "_either", either)
        return either


_CLIENT_ACTIONS = frozenset({"client_replied", "reject_solution", "reopen", "close"})


@attrs.frozen
class EscalationPolicy:
    """Ordered levels and what triggers them.

    Triggers: the resolution clock passing ``on_warning`` (a fraction) or breaching
    (``on_breach``), no update for ``no_update_after`` business time, ``reopen_limit``
    reopenings, a complaint (``on_complaint``), or a person with a reason. An
    unacknowledged level passes to the next after its ``delay``; past the last level the
    chain starts again ``repeat`` times; an acknowledgement that is not followed by
    resolution within ``ack_timeout`` re-opens the escalation at its level.
    """

    levels: tuple[Level, ...]
    on_warning: float | None = 0.75
    on_breach: bool = True
    no_update_after: pendulum.Duration | None = None
    reopen_limit: int | None = 2
    on_complaint: bool = True
    repeat: int = 0
    ack_timeout: pendulum.Duration | None = None

    def __attrs_post_init__(self) -> None:
        if not self.levels:
            raise ValidationError("escalation.levels", "at least one level")
        for level in self.levels:
            _span(level.delay, f"escalation.levels.{level.name}.delay")
            if not level.notify:
                raise ValidationError(
                    f"escalation.levels.{level.name}.notify", "at least one recipient"
                )
        if self.on_warning is not None and not 0 < self.on_warning <= 1:
            raise ValidationError(
                "escalation.on_warning", "a fraction in (0, 1]", got=self.on_warning
            )
        _span(self.no_update_after, "escalation.no_update_after", optional=True)
        _span(self.ack_timeout, "escalation.ack_timeout", optional=True)
        if self.repeat < 0 or (self.reopen_limit is not None and self.reopen_limit < 1):
            raise ValidationError(
                "escalation.repeat",
                "repeat >= 0 and reopen_limit >= 1",
                got=(self.repeat, self.reopen_limit),
            )

    def level(self, number: int) -> Level:
        """Level ``number`` (1-based); ``ValidationError`` for a level the policy lacks."""
        if not 1 <= number <= len(self.levels):
            raise ValidationError(
                "escalation level",
                f"a level from 1 to {len(self.levels)} of this policy",
                got=number,
            )
        return self.levels[number - 1]

    def in_force(self, number: int) -> int:
        """The level an escalation at ``number`` stands at under this policy.

        A policy edited down to fewer levels after an issue escalated leaves it past the
        new top: it counts as at the top level (whose recipients may acknowledge it),
        never as an error that would stop its timers.
        """
        return min(max(number, 1), len(self.levels))

    def _pass_at(
        self, level: int, cycles: int, at: pendulum.DateTime, calendar: BusinessCalendar
    ) -> pendulum.DateTime | None:
        if level < len(self.levels) or cycles < self.repeat:
            # calendar.add without checking the delay again (the policy checked it).
            delay = duration_micros(self.level(level).delay)
            return from_micros(calendar.add_micros(to_micros(to_utc(at, "at")), (delay,))[0])
        return None

    def raise_to(
        self,
        current: Escalation | None,
        reason: str,
        trigger: str,
        at: pendulum.DateTime,
        calendar: BusinessCalendar,
    ) -> Escalation:
        """Escalate one level (to the first if none yet; the top level stays the top)."""
        level = 1 if current is None else min(current.level + 1, len(self.levels))
        cycles = 0 if current is None else current.cycles
        return Escalation(
            level, reason, trigger, at, cycles, None, self._pass_at(level, cycles, at, calendar)
        )

    def passed(
        self, current: Escalation, at: pendulum.DateTime, calendar: BusinessCalendar
    ) -> Escalation:
        """An unacknowledged level timed out: the next level, or the chain again."""
        if current.level < len(self.levels):
            level, cycles = current.level + 1, current.cycles
        else:
            level, cycles = 1, current.cycles + 1
        return Escalation(
            level,
            current.reason,
            "unacknowledged",
            at,
            cycles,
            None,
            self._pass_at(level, cycles, at, calendar),
        )

    def acknowledged(
        self, current: Escalation, by: str, at: pendulum.DateTime, calendar: BusinessCalendar
    ) -> Escalation:
        """A recipient took it: the chain stops, until the acknowledgement times out."""
        expires = calendar.add(at, self.ack_timeout) if self.ack_timeout is not None else None
        return attrs.evolve(current, acknowledged_by=by, pass_at=None, ack_expires_at=expires)

    def ack_expired(
        self, current: Escalation, at: pendulum.DateTime, calendar: BusinessCalendar
    ) -> Escalation:
        """Acknowledged but not resolved in time: the escalation is open again at its level.

        If the policy no longer has that level, it re-opens at the policy's top level and
        the trigger says so.
        """
        level = self.in_force(current.level)
        trigger = "acknowledgement timed out"
        if level != current.level:
            trigger += (
                f"; level {current.level} is no longer in the policy, so its top level {level}"
            )
        return Escalation(
            level,
            current.reason,
            trigger,
            at,
            current.cycles,
            None,
            self._pass_at(level, current.cycles, at, calendar),
        )


# -- clock arithmetic ---------------------------------------------------------------------


def _deadlines(
    start: pendulum.DateTime,
    target: dt.timedelta,
    paused: dt.timedelta,
    thresholds: tuple[Threshold, ...],
    calendar: BusinessCalendar,
) -> tuple[pendulum.DateTime, tuple[Threshold, ...]]:
    """The live deadline and ``thresholds`` moved to it (each fraction fired as it was
    fired), in one pass over the calendar."""  # noqa: D205, D209
    goal = duration_micros(target)
    pause = duration_micros(paused)
    amounts = [goal + pause]
    fired = set()
    for t in thresholds:
        amounts.append(_scaled(goal, t.fraction) + pause)
        if t.fired:
            fired.add(t.fraction)
    found = calendar.add_micros(to_micros(start), amounts)
    first = found[0]
    deadline = from_micros(first)
    # The breach threshold (1.0) falls on the deadline itself: that instant built once.
    moved = tuple(
        [
            Threshold(t.fraction, deadline if at == first else from_micros(at), t.fraction in fired)
            for t, at in zip(thresholds, found[1:], strict=True)
        ]
    )
    return deadline, moved


def _instants(found: list[int]) -> list[pendulum.DateTime]:
    """Each instant of ``found`` (microseconds; the first a deadline), one on the
    deadline built once: the breach threshold (1.0) falls on the deadline itself, and a
    no-update deadline often does too."""  # noqa: D205, D209
    first = found[0]
    deadline = from_micros(first)
    return [deadline if t == first else from_micros(t) for t in found]


def _scaled(micros: int, fraction: float) -> int:
    """``timedelta(microseconds=micros) * fraction`` in microseconds: rounded as timedelta
    rounds (to the nearest, half to even), without building one."""  # noqa: D205, D209
    if fraction == 1:  # the breach threshold, on every clock
        return micros
    a, b = fraction.as_integer_ratio()
    q, r = divmod(micros * a, b)
    r *= 2
    if r > b or (r == b and q % 2 == 1):
        q += 1
    return q


_NO_PAUSE = duration_of(0)


def _business_time(
    calendar: BusinessCalendar, start: pendulum.DateTime, target: BusinessSpan
) -> pendulum.Duration:
    """The target as business time from ``start`` (working days become hours here)."""
    return duration_of(duration_micros(calendar.span(start, target)))


def start_clock(
    metric: str,
    target: BusinessSpan,
    at: pendulum.DateTime,
    fractions: tuple[float, ...],
    calendar: BusinessCalendar,
) -> SlaClock:
    """A new running clock; a target in working days counts from ``at``."""
    return start_clocks(((metric, target),), at, fractions, calendar)[0]


def start_clocks(
    targets: Iterable[tuple[str, BusinessSpan]],
    at: pendulum.DateTime,
    fractions: tuple[float, ...],
    calendar: BusinessCalendar,
) -> tuple[SlaClock, ...]:
    """:func:`start_clock` for each ``(metric, target)``: every deadline and threshold
    found in one pass over the calendar (they all count from ``at``)."""  # noqa: D205, D209
    return clocks_and_deadlines(targets, at, fractions, calendar)[0]


def clocks_and_deadlines(
    targets: Iterable[tuple[str, BusinessSpan]],
    at: pendulum.DateTime,
    fractions: tuple[float, ...],
    calendar: BusinessCalendar,
    also: Iterable[dt.timedelta] = (),
) -> tuple[tuple[SlaClock, ...], list[pendulum.DateTime]]:
    """:func:`start_clocks`, and ``at`` plus each business time in ``also`` (an issue's
    no-update deadline), all in the same pass over the calendar."""  # noqa: D205, D209
    start = to_micros(to_utc(at, "at"))
    goals = []
    amounts: list[int] = []
    for metric, target in targets:
        plain = duration_micros(calendar.span(at, target))  # what _business_time gives
        goals.append((metric, duration_of(plain)))
        amounts.append(plain)
        for f in fractions:
            amounts.append(_scaled(plain, f))
    for d in also:
        amounts.append(duration_micros(validate_duration(d, "duration")))
    if not amounts:
        return (), []
    instants = iter(_instants(calendar.add_micros(start, amounts)))
    clocks = []
    for metric, goal in goals:
        deadline = next(instants)
        thresholds = tuple([Threshold(f, next(instants), False) for f in fractions])
        clocks.append(SlaClock(metric, at, goal, _NO_PAUSE, deadline, deadline, thresholds))
    return tuple(clocks), list(instants)


def projected_clocks(
    terms: SlaTerms,
    priority: str,
    opened_at: pendulum.DateTime,
    calendar: BusinessCalendar,
    pauses: Iterable[tuple[pendulum.DateTime, pendulum.DateTime]] = (),
) -> tuple[SlaClock, ...]:
    """The first-response and resolution clocks of a ticket, after these pauses.

    The same arithmetic as the issue workflow, for hosts that keep their own tickets.
    """
    targets = terms.for_priority(priority)
    clocks = list(
        start_clocks(
            (("first_response", targets.first_response), ("resolution", targets.resolution)),
            opened_at,
            terms.thresholds,
            calendar,
        )
    )
    for begin, end in pauses:
        clocks = [resume(pause(clock, begin), end, calendar) for clock in clocks]
    return tuple(clocks)


def retime(
    clock: SlaClock, calendar: BusinessCalendar, target: BusinessSpan | None = None
) -> SlaClock:
    """Recompute deadline and thresholds (after a pause ends or the target changes).

    Always from the original start, keeping accumulated pauses and fired thresholds.
    """
    return _retimed(
        clock,
        calendar,
        target,
        clock.paused,
        paused_since=clock.paused_since,
        pause_reasons=clock.pause_reasons,
    )


def _retimed(
    clock: SlaClock,
    calendar: BusinessCalendar,
    target: BusinessSpan | None,
    paused: pendulum.Duration,
    *,
    paused_since: pendulum.DateTime | None,
    pause_reasons: tuple[str, ...],
) -> SlaClock:
    """:func:`retime` of ``clock`` with these pause fields, built once."""
    goal = clock.target if target is None else _business_time(calendar, clock.started_at, target)
    deadline, thresholds = _deadlines(clock.started_at, goal, paused, clock.thresholds, calendar)
    if target is None:
        original = clock.original_deadline
    elif not paused:
        original = deadline  # the same sum on the same calendar: add(start, goal + 0)
    else:
        original = calendar.add(clock.started_at, goal)
    # Built directly, every field in order (checked below): attrs.evolve reads the fields
    # one by one.
    return SlaClock(
        clock.metric,
        clock.started_at,
        goal,
        paused,
        original,
        deadline,
        thresholds,
        paused_since,
        clock.stopped_at,
        pause_reasons,
    )


def pause(clock: SlaClock, at: pendulum.DateTime, reason: str = "client") -> SlaClock:
    """Stop counting for ``reason``; nothing fires while paused."""
    if clock.stopped_at is not None or reason in clock.pause_reasons:
        return clock
    since = at if clock.paused_since is None else clock.paused_since
    return attrs.evolve(clock, paused_since=since, pause_reasons=(*clock.pause_reasons, reason))


def resume(
    clock: SlaClock, at: pendulum.DateTime, calendar: BusinessCalendar, reason: str | None = None
) -> SlaClock:
    """Count again once no reason to pause is left (``None``: whatever the reasons); the
    business time spent paused pushes the deadline by exactly that."""  # noqa: D205, D209
    since = clock.paused_since
    if since is None:
        return clock
    reasons = clock.pause_reasons
    if reason is not None and reasons != (reason,):  # paused for more than this reason?
        left = tuple(r for r in reasons if r != reason)
        if left:
            return attrs.evolve(clock, pause_reasons=left)
    # Summed in microseconds: a pendulum Duration's + builds one more Duration (~5 us).
    paused = duration_micros(clock.paused) + duration_micros(calendar.elapsed(since, at))
    return _retimed(
        clock,
        calendar,
        None,
        duration_of(paused),
        paused_since=None,
        pause_reasons=(),
    )


def stop(clock: SlaClock, at: pendulum.DateTime, calendar: BusinessCalendar) -> SlaClock:
    """The metric was met (or missed) at ``at``; a pause in progress is accounted first."""
    if clock.stopped_at is not None:
        return clock
    return attrs.evolve(resume(clock, at, calendar), stopped_at=at)


def restart(clock: SlaClock, at: pendulum.DateTime, calendar: BusinessCalendar) -> SlaClock:
    """Reopened: the stopped clock runs again; the time it was stopped counts as paused."""
    if clock.stopped_at is None:
        return clock
    return resume(attrs.evolve(clock, stopped_at=None, paused_since=clock.stopped_at), at, calendar)


def fire(clock: SlaClock, fraction: float) -> SlaClock:
    """Mark one threshold fired."""
    # Built directly, every field in order: attrs.evolve reads the fields one by one.
    return SlaClock(
        clock.metric,
        clock.started_at,
        clock.target,
        clock.paused,
        clock.original_deadline,
        clock.deadline,
        tuple(
            [
                Threshold(t.fraction, t.at, True) if t.fraction == fraction else t
                for t in clock.thresholds
            ]
        ),
        clock.paused_since,
        clock.stopped_at,
        clock.pause_reasons,
    )


# _retimed (positionally) and fire build clocks directly: fail the import if SlaClock
# gains a field they do not name, or its fields change order.
if tuple(f.name for f in attrs.fields(SlaClock)) != (
    "metric",
    "started_at",
    "target",
    "paused",
    "original_deadline",
    "deadline",
    "thresholds",
    "paused_since",
    "stopped_at",
    "pause_reasons",
):
    raise ImportError("escalation.policy names every SlaClock field: update it with the new one")


@attrs.frozen
class ClockReport:
    """A clock at an instant: business and wall-clock elapsed, time left, deadlines, state."""

    metric: str
    state: str
    business_elapsed: pendulum.Duration
    wall_elapsed: pendulum.Duration
    left: pendulum.Duration
    original_deadline: pendulum.DateTime
    deadline: pendulum.DateTime
    paused: pendulum.Duration
    paused_for: tuple[str, ...] = ()
    """Why the clock is paused now (empty while it runs)."""


def report(clock: SlaClock, calendar: BusinessCalendar, now: pendulum.DateTime) -> ClockReport:
    """How the clock stands at ``now`` (or where it stopped). ``left`` is negative when late."""
    end = clock.stopped_at or now
    counted_until = clock.paused_since or end
    worked = calendar.elapsed(clock.started_at, counted_until) - clock.paused
    left = clock.target - worked
    return ClockReport(
        metric=clock.metric,
        state=clock.state.value,
        business_elapsed=pendulum.Duration(microseconds=duration_micros(worked)),
        wall_elapsed=pendulum.Duration(microseconds=duration_micros(end - clock.started_at)),
        left=pendulum.Duration(microseconds=duration_micros(left)),
        original_deadline=clock.original_deadline,
        deadline=clock.deadline,
        paused=clock.paused,
        paused_for=clock.pause_reasons if clock.paused_since is not None else (),
    )


@attrs.frozen
class Digest:
    """Warnings for one recipient in one period, sent as one message."""

    recipient: str
    period_start: pendulum.DateTime
    items: tuple[str, ...]


def digest(
    warnings: Iterable[tuple[pendulum.DateTime, tuple[str, ...], str]], period: dt.timedelta
) -> tuple[Digest, ...]:
    """Batch ``(when, recipients, text)`` warnings into one digest per recipient per period.

    Periods are aligned on the Unix epoch in UTC (``period=1 hour``: 09:00-10:00...), so
    every worker batches alike. Alert fatigue is the reason this exists.
    """
    if period <= dt.timedelta(0):
        raise ValidationError("digest.period", "a duration > 0", got=period)
    size = duration_micros(period)
    buckets: dict[tuple[str, int], list[str]] = {}
    for at, recipients, text in warnings:
        bucket = to_micros(at) // size
        for recipient in recipients:
            buckets.setdefault((recipient, bucket), []).append(text)
    return tuple(
        Digest(recipient, from_micros(bucket * size), tuple(items))
        for (recipient, bucket), items in sorted(buckets.items())
    )
