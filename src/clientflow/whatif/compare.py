"""Two replays of one period, counted and set side by side.

:func:`what_if` reads the issues reported in a period from a store (never writing),
replays each under the rules the store runs under (the baseline) and under proposed
rules, and counts SLA clocks, escalations, notices and thresholds per client and in
total; every issue whose outcome differs is listed with before and after. The change
requests, plans and risks opened in the period are replayed and compared the same way
(:mod:`clientflow.whatif.flows`), each workflow on its own.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections import Counter, deque
from collections.abc import Iterator, Mapping, Sequence
from multiprocessing.pool import AsyncResult

import attrs
import pendulum

from clientflow import escalation as esc
from clientflow import feedback
from clientflow.config import Rules
from clientflow.core import (
    ClientflowError,
    DomainEvent,
    ValidationError,
    check_id,
    to_utc,
)
from clientflow.core.edge import check_count
from clientflow.escalation import ClockState
from clientflow.ports import AggregateRow, Query, Store
from clientflow.storage.sqlbase import SQLStore
from clientflow.whatif.flows import FLOWS, Comparison, FlowWhatIf, Workflow
from clientflow.whatif.read import (
    Reader,
    Recorded,
    Row,
    from_rows,
    histories,
    raw_pages,
    recorded_events,
    reproduces,
)
from clientflow.whatif.replay import ISSUES, Flag, Replay, SweepGrid, replay, timer
from clientflow.whatif.surveys import follow_ups, replay_surveys, survey_measure

__all__ = [
    "PUNCTUAL",
    "Change",
    "ClientWhatIf",
    "ClockCount",
    "Outcome",
    "Tally",
    "WhatIf",
    "outcome",
    "what_if",
]

_HOUR = dt.timedelta(hours=1)


@attrs.frozen
class ClockCount:
    """SLA clocks of one metric and priority: met, breached, still running or paused at
    the period's end, and the business hours by which their deadlines moved against the
    baseline (negative: earlier; always 0 in the baseline itself)."""  # noqa: D205, D209

    met: int = 0
    breached: int = 0
    open: int = 0
    moved_hours: float = 0.0

    def __add__(self, other: ClockCount) -> ClockCount:
        return ClockCount(
            self.met + other.met,
            self.breached + other.breached,
            self.open + other.open,
            round(self.moved_hours + other.moved_hours, 2),
        )


@attrs.frozen
class Outcome:
    """What one replay made of one issue by the period's end."""

    issue: str
    client: str
    priority: str
    clocks: Mapping[str, tuple[str, pendulum.DateTime]]
    """Per metric: ``met``, ``breached`` or ``open``, and the deadline."""
    escalations: tuple[str, ...]
    """The levels reached, in order (a level reached twice appears twice)."""
    notices: Mapping[str, int]
    """Client notices per topic."""
    warnings: int
    breaches: int
    """SLA thresholds reached below 100 % and at 100 %."""


@attrs.frozen
class Tally:
    """Outcomes of many issues under one set of rules, counted."""

    issues: int = 0
    clocks: Mapping[str, Mapping[str, ClockCount]] = attrs.field(factory=dict)
    """Per metric, per priority."""
    escalations: Mapping[str, int] = attrs.field(factory=dict)
    """Per level name: how many times it was reached."""
    notices: Mapping[str, int] = attrs.field(factory=dict)
    warnings: int = 0
    breaches: int = 0
    flagged: int = 0
    """Facts that could not be applied under these rules."""

    @property
    def breached(self) -> int:
        """SLA clocks breached, every metric and priority."""
        return sum(c.breached for by in self.clocks.values() for c in by.values())

    @property
    def met(self) -> int:
        """SLA clocks met, every metric and priority."""
        return sum(c.met for by in self.clocks.values() for c in by.values())


@attrs.frozen
class ClientWhatIf:
    """One client's (or the total's) counts before and after."""

    client: str
    before: Tally
    after: Tally


@attrs.frozen
class Change:
    """One way an issue's outcome differs: ``what`` (a clock, ``escalations``, ``notices``),
    with the value before and after, e.g. ``resolution P2``: ``met`` -> ``breached``."""  # noqa: D205, D209

    issue: str
    client: str
    what: str
    before: str
    after: str


@attrs.frozen
class WhatIf:
    """A period replayed under the rules in force (before) and proposed rules (after).

    ``earlier`` counts issues reported before ``since`` still open then (not replayed);
    ``reproduced`` the issues whose baseline replay equals the record exactly and
    ``diverged`` the ids of the others (the rules changed during the period, or the
    sweeper ran late); ``flags`` the facts left out, per side.
    """

    since: pendulum.DateTime
    until: pendulum.DateTime
    total: ClientWhatIf
    clients: tuple[ClientWhatIf, ...]
    changes: tuple[Change, ...]
    flags_before: tuple[Flag, ...]
    flags_after: tuple[Flag, ...]
    earlier: int
    reproduced: int
    diverged: tuple[str, ...]
    workflows: tuple[FlowWhatIf, ...] = ()
    """The other workflows (change approvals ...), each compared on its own."""


def outcome(replay: Replay) -> Outcome | None:
    """What a replay made of its issue (``None`` if the issue could not be reported)."""
    issue = replay.issue
    if issue is None:
        return None
    notices: Counter[str] = Counter()
    escalations: list[str] = []
    warnings = breaches = 0
    for event in replay.events:
        if isinstance(event, esc.ClientNotified):
            notices[event.topic] += 1
        elif isinstance(event, esc.IssueEscalated):
            escalations.append(event.level_name)
        elif isinstance(event, esc.SlaThresholdReached):
            if event.breach:
                breaches += 1
            else:
                warnings += 1
    return Outcome(
        issue.id,
        issue.client,
        issue.priority,
        {clock.metric: (_state(clock), clock.deadline) for clock in issue.clocks},
        tuple(escalations),
        dict(notices),
        warnings,
        breaches,
    )


def _state(clock: esc.SlaClock) -> str:
    state = clock.state
    if state is ClockState.MET:
        return "met"
    if state is ClockState.BREACHED:
        return "breached"
    return "open"


_STATE_PLACE = {"met": 0, "breached": 1, "open": 2}


class _Counts:
    """A tally being built (one per client and side; frozen into a :class:`Tally`)."""

    def __init__(self) -> None:
        self.issues = 0
        # Per metric and priority: met, breached, open, moved hours (a ClockCount each
        # when frozen; plain numbers while counting, one issue at a time).
        self.clocks: dict[str, dict[str, list[float]]] = {}
        self.escalations: Counter[str] = Counter()
        # How early in an issue's escalations each level comes: levels listed in the
        # order issues reach them (project manager before account director), not by name.
        self.rank: dict[str, int] = {}
        self.notices: Counter[str] = Counter()
        self.warnings = 0
        self.breaches = 0
        self.flagged = 0

    def add(self, found: Outcome, moved: Mapping[str, float]) -> None:
        self.issues += 1
        for metric, (state, _) in found.clocks.items():
            by = self.clocks.setdefault(metric, {})
            count = by.get(found.priority)
            if count is None:
                count = by[found.priority] = [0, 0, 0, 0.0]
            count[_STATE_PLACE[state]] += 1
            count[3] = round(count[3] + moved.get(metric, 0.0), 2)
        self.escalations.update(found.escalations)
        for place, name in enumerate(dict.fromkeys(found.escalations)):
            self.rank[name] = min(self.rank.get(name, place), place)
        self.notices.update(found.notices)
        self.warnings += found.warnings
        self.breaches += found.breaches

    def frozen(self) -> Tally:
        return Tally(
            self.issues,
            {
                m: {
                    priority: ClockCount(int(c[0]), int(c[1]), int(c[2]), c[3])
                    for priority, c in sorted(by.items())
                }
                for m, by in sorted(self.clocks.items())
            },
            dict(sorted(self.escalations.items(), key=lambda e: (self.rank[e[0]], e[0]))),
            dict(sorted(self.notices.items())),
            self.warnings,
            self.breaches,
            self.flagged,
        )


def _moved(before: Outcome, after: Outcome, rules: Rules) -> dict[str, float]:
    """Business hours each clock's deadline moved, on the client's calendar (proposed)."""
    calendar = rules.calendar_for(after.client)
    moved: dict[str, float] = {}
    for metric, (_, new) in after.clocks.items():
        if metric not in before.clocks:
            continue
        old = before.clocks[metric][1]
        if new >= old:
            moved[metric] = round(calendar.elapsed(old, new) / _HOUR, 2)
        else:
            moved[metric] = -round(calendar.elapsed(new, old) / _HOUR, 2)
    return moved


def _changes(
    before: Outcome | None, after: Outcome | None, issue: str, client: str
) -> list[Change]:
    if before is None or after is None:
        if before is after:
            return []
        return [
            Change(
                issue,
                client,
                "replayed",
                "no" if before is None else "yes",
                "no" if after is None else "yes",
            )
        ]
    found = []
    for metric in sorted(set(before.clocks) | set(after.clocks)):
        old = before.clocks.get(metric, ("none", None))[0]
        new = after.clocks.get(metric, ("none", None))[0]
        if old != new:
            found.append(Change(issue, client, f"{metric} {after.priority}", old, new))
    if before.escalations != after.escalations:
        found.append(
            Change(
                issue,
                client,
                "escalations",
                ", ".join(before.escalations) or "none",
                ", ".join(after.escalations) or "none",
            )
        )
    if before.notices != after.notices:
        found.append(
            Change(issue, client, "notices", _topics(before.notices), _topics(after.notices))
        )
    return found


def _topics(notices: Mapping[str, int]) -> str:
    return ", ".join(f"{topic} {n}" for topic, n in sorted(notices.items())) or "none"


def _rows(store: Store, kind: str, clients: Sequence[str] | None) -> Iterator[AggregateRow]:
    for client in clients if clients is not None else (None,):
        after: str | None = None
        while True:
            rows = store.rows(Query(kind=kind, client=client), after=after, limit=1000)
            yield from rows
            if len(rows) < 1000:
                break
            after = rows[-1].id


def _population(
    store: Store,
    kind: str,
    clients: Sequence[str] | None,
    start: pendulum.DateTime,
    end: pendulum.DateTime,
) -> tuple[list[AggregateRow], int]:
    """The aggregates of ``kind`` opened in ``[start, end)``, and how many opened before
    ``start`` were still open then (counted, not replayed)."""  # noqa: D205, D209
    found, earlier = [], 0
    for row in _rows(store, kind, clients):
        opened = row.opened_at
        if opened is None or opened >= end:
            continue
        if opened < start:
            earlier += row.closed_at is None or row.closed_at >= start
            continue
        found.append(row)
    return found, earlier


@attrs.frozen
class _Done:
    """One issue replayed under both rules, reduced to what the comparison counts (small:
    a worker process sends it back)."""  # noqa: D205, D209

    id: str
    reproduced: bool
    before: Outcome | None
    after: Outcome | None
    moved: Mapping[str, float]
    flags: tuple[tuple[Flag, ...], tuple[Flag, ...]]


class _Issues:
    """Replays one issue under both rules and reduces the replays to a :class:`_Done`."""

    def __init__(
        self, baseline: Rules, proposed: Rules, sweeps: SweepGrid, end: pendulum.DateTime
    ) -> None:
        self.rules = (baseline, proposed)
        self.same = _Unchanged(baseline, proposed)
        self.fire = (timer(baseline, ISSUES.kind), timer(proposed, ISSUES.kind))
        self.sweeps = sweeps
        self.end = end

    def __call__(self, recorded: Recorded) -> _Done:
        history, (baseline, proposed), end = recorded.facts, self.rules, self.end
        old = replay(ISSUES, history, baseline, until=end, sweeps=self.sweeps, fire=self.fire[0])
        # An outcome does not name the SLA policy, so the baseline's replay also serves
        # when only the policy's name or other priorities' targets differ; unless it
        # flagged a fact (a flag's reason may name the policy).
        new = (
            old
            if self.same(history[0]) or (not old.flags and self.same.alike(history))
            else replay(ISSUES, history, proposed, until=end, sweeps=self.sweeps, fire=self.fire[1])
        )
        before, after = outcome(old), outcome(new)
        moved = {} if before is None or after is None else _moved(before, after, proposed)
        return _Done(
            recorded.id,
            reproduces(recorded, old.events, end),
            before,
            after,
            moved,
            (old.flags, new.flags),
        )


_WORKER: dict[str, object] = {}
"""A worker process's job and reader, inherited from the parent when it forks."""


def _work(page: Sequence[str], rows: Sequence[Row]) -> list[_Done]:
    job, reader = _WORKER["job"], _WORKER.get("reader")
    assert isinstance(job, _Issues)
    if not isinstance(reader, Reader):
        reader = _WORKER["reader"] = Reader(ISSUES)
    return [job(recorded) for recorded in from_rows(reader, page, rows)]


def _replayed(store: Store, job: _Issues, ids: Sequence[str], workers: int) -> Iterator[_Done]:
    """Each issue of ``ids`` replayed by ``job``, in order; in ``workers`` processes when
    the store is SQL and the platform forks (the store is read here, in this process,
    a page at a time; the workers decode, replay and reduce)."""  # noqa: D205, D209
    methods = multiprocessing.get_all_start_methods()
    if workers <= 1 or not isinstance(store, SQLStore) or "fork" not in methods:
        for recorded in histories(store, ISSUES, ids):
            yield job(recorded)
        return
    _WORKER.clear()
    _WORKER["job"] = job
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: deque[AsyncResult[list[_Done]]] = deque()
        for page, rows in raw_pages(store, ids):
            pending.append(pool.apply_async(_work, (page, rows)))
            if len(pending) > 2 * workers:  # bounded: a page in flight per worker, one queued
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
    _WORKER.clear()


class _Comparison:
    """Both sides' counts, per client and in total, as issues are replayed."""

    def __init__(self) -> None:
        self.sides: dict[str, tuple[_Counts, _Counts]] = {}
        self.total = (_Counts(), _Counts())
        self.changes: list[Change] = []
        self.flags: tuple[list[Flag], list[Flag]] = ([], [])
        self.reproduced = 0
        self.diverged: list[str] = []

    def add(self, row: AggregateRow, done: _Done) -> None:
        if done.reproduced:
            self.reproduced += 1
        else:
            self.diverged.append(row.id)
        mine = self.sides.setdefault(row.client, (_Counts(), _Counts()))
        for side, flags in enumerate(done.flags):
            self.flags[side].extend(flags)
            for counts in (mine[side], self.total[side]):
                counts.flagged += len(flags)
        before, after = done.before, done.after
        if before is not None:
            for counts in (mine[0], self.total[0]):
                counts.add(before, {})
        if after is not None:
            for counts in (mine[1], self.total[1]):
                counts.add(after, done.moved)
        self.changes.extend(_changes(before, after, row.id, row.client))

    def result(self, start: pendulum.DateTime, end: pendulum.DateTime, earlier: int) -> WhatIf:
        return WhatIf(
            start,
            end,
            ClientWhatIf("", self.total[0].frozen(), self.total[1].frozen()),
            tuple(
                ClientWhatIf(client, old.frozen(), new.frozen())
                for client, (old, new) in sorted(self.sides.items())
            ),
            tuple(self.changes),
            tuple(self.flags[0]),
            tuple(self.flags[1]),
            earlier,
            self.reproduced,
            tuple(self.diverged),
        )


class _Unchanged:
    """Whether both rules give an issue the same SLA terms, calendar, escalation policy
    and directory: everything a replay reads. Then one replay serves both sides (a rules
    change for one client replays the others once). Remembered per client, kind, project."""  # noqa: D205, D209

    def __init__(self, baseline: Rules, proposed: Rules) -> None:
        self.baseline = baseline
        self.proposed = proposed
        self.known: dict[tuple[str, str, str], bool] = {}
        self.similar: dict[tuple[str, str, str, frozenset[str]], bool] = {}

    def alike(self, history: Sequence[DomainEvent]) -> bool:
        """Whether both rules give this issue the same outcome: the same calendar,
        escalation policy and directory, and SLA terms alike for every priority the
        issue had (targets, thresholds, pauses; the policy's name may differ)."""  # noqa: D205, D209
        first = history[0]
        if not isinstance(first, esc.IssueReported):
            return False
        had = frozenset(
            {first.priority, *(e.new for e in history if isinstance(e, esc.PriorityChanged))}
        )
        key = (first.client, first.kind.value, first.project, had)
        found = self.similar.get(key)
        if found is None:
            found = self.similar[key] = self._alike(first, had)
        return found

    def _alike(self, first: esc.IssueReported, had: frozenset[str]) -> bool:
        old, new, client = self.baseline, self.proposed, first.client
        if old.sla is None or new.sla is None or not self._around(first):
            return False
        try:
            before = old.sla.select(first.kind, client, first.project).terms()
            after = new.sla.select(first.kind, client, first.project).terms()
        except ClientflowError:
            return False
        return (before.thresholds, before.pauses) == (after.thresholds, after.pauses) and all(
            _target(before, p) == _target(after, p) for p in had
        )

    def _around(self, first: esc.IssueReported) -> bool:
        """The same directory, calendar and escalation policy for the issue's client."""
        old, new, client = self.baseline, self.proposed, first.client
        try:
            return (
                old.directory == new.directory
                and old.calendar_for(client) == new.calendar_for(client)
                and old.escalation_for(client) == new.escalation_for(client)
            )
        except ClientflowError:
            return False

    def __call__(self, first: DomainEvent) -> bool:
        if not isinstance(first, esc.IssueReported):
            return False
        key = (first.client, first.kind.value, first.project)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = self._same(first)
        return found

    def _same(self, first: esc.IssueReported) -> bool:
        old, new, client = self.baseline, self.proposed, first.client
        if old.sla is None or new.sla is None or not self._around(first):
            return False
        try:
            return (
                old.sla.select(first.kind, client, first.project).terms()
                == new.sla.select(first.kind, client, first.project).terms()
            )
        except ClientflowError:
            return False  # one side cannot even report it: replay both to say why


def _target(terms: esc.SlaTerms, priority: str) -> esc.PriorityTargets | None:
    return next((t for t in terms.targets if t.priority == priority), None)


PUNCTUAL = SweepGrid()
"""Timers fire at the instant they fall due."""


def what_if(
    store: Store,
    baseline: Rules,
    proposed: Rules,
    *,
    since: dt.datetime,
    until: dt.datetime,
    clients: Sequence[str] | None = None,
    sweeps: SweepGrid = PUNCTUAL,
    workers: int = 1,
) -> WhatIf:
    """Replay the issues reported in ``[since, until)`` under ``baseline`` and ``proposed``.

    Reads ``store`` only (the read side to find the issues, then each one's history).
    ``clients`` keeps those clients' issues; ``sweeps`` says when the replayed sweeper
    runs; ``workers`` > 1 replays the issues of a SQL store in that many processes
    (where the platform forks; each issue is replayed on its own).
    """
    start, end = to_utc(since, "since"), to_utc(until, "until")
    if end <= start:
        raise ValidationError("until", f"an instant after since ({start.isoformat()})", got=end)
    chosen = None if clients is None else tuple(check_id(c, "client") for c in clients)
    check_count(workers, "workers", low=1, high=64)
    comparison = _Comparison()
    rows, earlier = _population(store, esc.KIND_NAME, chosen, start, end)
    by_id = {row.id: row for row in rows}
    job = _Issues(baseline, proposed, sweeps, end)
    for done in _replayed(store, job, list(by_id), workers):
        comparison.add(by_id[done.id], done)
    result = comparison.result(start, end, earlier)
    flows = tuple(
        _flow(
            store,
            workflow=w,
            rules=(baseline, proposed),
            period=(start, end),
            clients=chosen,
            sweeps=sweeps,
        )
        for w in FLOWS
    )
    surveys = _surveys(store, (baseline, proposed), (start, end), chosen, sweeps)
    return attrs.evolve(result, workflows=(*flows, surveys))


def _flow(
    store: Store,
    *,
    workflow: Workflow,
    rules: tuple[Rules, Rules],
    period: tuple[pendulum.DateTime, pendulum.DateTime],
    clients: Sequence[str] | None,
    sweeps: SweepGrid,
) -> FlowWhatIf:
    """One workflow's aggregates opened in the period, replayed under both rules."""
    flow, (start, end) = workflow.flow, period
    comparison = Comparison(flow.kind)
    fire = (timer(rules[0], flow.kind), timer(rules[1], flow.kind))
    same: dict[str, bool] = {}
    rows, comparison.earlier = _population(store, flow.kind, clients, start, end)
    by_id = {row.id: row for row in rows}
    for recorded in histories(store, flow, list(by_id)):
        history, client = recorded.facts, by_id[recorded.id].client
        if client not in same:
            same[client] = workflow.same(rules[0], rules[1], client)
        before = replay(flow, history, rules[0], until=end, sweeps=sweeps, fire=fire[0])
        after = (
            before
            if same[client]
            else replay(flow, history, rules[1], until=end, sweeps=sweeps, fire=fire[1])
        )
        measures = (
            workflow.measure(before, client, rules[0]),
            workflow.measure(after, client, rules[1]),
        )
        comparison.add(
            reproduces(recorded, before.events, end), (before, after), measures, recorded.id, client
        )
    return comparison.result()


_STORED_BEFORE = ("survey.sent", "survey.deferred", "survey.dropped")
"""The survey events that record whether a follow-up was open (when stored since then)."""


def _unknown(store: Store, ids: Sequence[str]) -> dict[str, frozenset[int]]:
    """Per survey record, the versions of its events stored before they recorded
    whether a follow-up was open (a decoded event cannot tell: it reads ``False``)."""  # noqa: D205, D209
    if not isinstance(store, SQLStore):
        return {}
    found: dict[str, set[int]] = {}
    for _, rows in raw_pages(store, ids):
        for ident, version, name, payload in rows:
            if name in _STORED_BEFORE and '"follow_up_open"' not in payload:
                found.setdefault(ident, set()).add(version)
    return {ident: frozenset(versions) for ident, versions in found.items()}


def _surveys(
    store: Store,
    rules: tuple[Rules, Rules],
    period: tuple[pendulum.DateTime, pendulum.DateTime],
    clients: Sequence[str] | None,
    sweeps: SweepGrid,
) -> FlowWhatIf:
    """Each contact's surveys with an event in the period, replayed under both rules from
    their first event (the throttle reads the last survey sent), counted in the period;
    whether a follow-up was open comes from the feedback items as recorded."""  # noqa: D205, D209
    start, end = period
    comparison = Comparison(feedback.SURVEYS_KIND)
    found = []
    surveys = list(_rows(store, feedback.SURVEYS_KIND, clients))
    stored = recorded_events(store, [row.id for row in surveys])
    for row, events in zip(surveys, stored, strict=True):
        history = tuple(e for e in events if e.occurred_at < end)
        if any(e.occurred_at >= start for e in history):
            found.append((row, history))
    if not found:
        return comparison.result()
    items = [
        row.id
        for row in _rows(store, feedback.FEEDBACK_KIND, clients)
        if row.opened_at is None or row.opened_at < end
    ]
    follow_up = follow_ups(recorded_events(store, items))
    unknown = _unknown(store, [row.id for row, _ in found])
    same = rules[0].surveys == rules[1].surveys
    for row, history in found:
        old = unknown.get(row.id, frozenset())
        before = replay_surveys(history, rules[0], follow_up, until=end, sweeps=sweeps, unknown=old)
        after = (
            before
            if same
            else replay_surveys(history, rules[1], follow_up, until=end, sweeps=sweeps, unknown=old)
        )
        # An event stored before it recorded the follow-up reads it as false: such a
        # record is compared by type, version and instant only.
        recorded = Recorded(
            row.id,
            history,
            tuple((e.event_type, e.aggregate_version, e.occurred_at) for e in history),
            None if old else history,
        )
        comparison.add(
            reproduces(recorded, before.events, end),
            (before, after),
            (survey_measure(before, row.client, period), survey_measure(after, row.client, period)),
            row.id,
            row.client,
        )
    return comparison.result()
