"""Per-client health: communications, escalations, SLA compliance, satisfaction, scope.

Pure functions of a :class:`Portfolio` snapshot, the rules and an instant: the same
inputs always give the same report, so a report can be tested and diffed.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable

import attrs
import pendulum
from babel.dates import format_skeleton

from clientflow import cadence, changes, escalation, feedback, risks
from clientflow.config import Rules
from clientflow.core import BusinessCalendar, to_utc
from clientflow.i18n import Language
from clientflow.reports.portfolio import Portfolio

__all__ = ["ClientHealth", "RiskLine", "WeekScore", "health"]

_MISSED = frozenset({"overdue", "missed"})
_KEPT = frozenset({"satisfied", "satisfied_late"})
_UNDECIDED = frozenset({"draft", "submitted", "assessed", "awaiting_approval"})


@attrs.frozen
class WeekScore:
    """Satisfaction at one week (starting Monday), for the trend chart.

    Scores and counts cover the feedback policy's ``trend_window_weeks`` weeks ending
    with this one. A score is ``None`` when the window had fewer answers than the policy's
    ``trend_min_answers``; the counts (of the window) are always there.
    """

    week: dt.date
    csat: float | None
    nps: float | None
    answers: int
    """Survey answers in the window: feedback items with a CSAT or an NPS score, each
    counted once (an answer giving both scores is one answer, not two)."""
    csat_answers: int = 0
    nps_answers: int = 0
    window_weeks: int = 1
    """How many weeks, ending with this one, the scores and counts cover."""


@attrs.frozen
class OverdueCommunication:
    """A scheduled communication that was not kept: which plan item, and when it was due.

    ``str()`` is the short label the text report shows: ``Weekly status report (Fri Oct 2)``;
    :meth:`label` gives it in a reader's language (``Weekly status report（10月2日周五）``).
    """

    plan_id: str
    item_id: str
    title: str
    due: pendulum.DateTime
    timezone: str
    status: str  # overdue or missed

    def __str__(self) -> str:
        return self.label()

    def label(self, lang: Language | None = None) -> str:
        """The short label in ``lang`` (English), the date in the plan's time zone."""
        day = self.due.in_timezone(self.timezone).date()
        if lang is None or lang.locale == "en":
            return f"{self.title} ({day.strftime('%a %b')} {day.day})"
        return f"{self.title}（{format_skeleton('MMMdEEE', day, locale=lang.locale)}）"


@attrs.frozen
class RiskLine:
    """One of a client's top open risks, as the report lists it."""

    id: str
    title: str
    rating: str
    score: int
    exposure: changes.Money | None
    owner: str
    client_visible: bool = True
    """Whether the client may see it (an internal risk shows in team reports only)."""
    strategy: str | None = None
    """The response strategy (``mitigate`` …), ``None`` before a response is planned."""

    @classmethod
    def of(cls, risk: risks.Risk) -> RiskLine:
        """The line of one risk (an unassessed risk has rating ``""`` and score 0)."""
        current = risk.current
        return cls(
            risk.id,
            risk.title,
            "" if current is None else current.rating.value,
            0 if current is None else current.score,
            None if current is None else current.exposure,
            risk.owner,
            risk.client_visible,
            None if risk.plan is None else risk.plan.strategy.value,
        )


@attrs.frozen
class ClientHealth:
    """How one client stands at ``at``; percentages are ``None`` where nothing was measured.

    ``rating`` is ``"healthy"``, ``"watch"`` or ``"at risk"``: at risk with an open
    escalation, SLA compliance under 80 %, NPS below 0 or scope creep; watch with an
    overdue communication, SLA compliance under 95 %, a falling CSAT, a risk review
    overdue or a high or critical risk without a response plan.
    """

    client: str
    name: str
    at: pendulum.DateTime
    overdue_communications: tuple[OverdueCommunication, ...]
    communications_on_time: float | None
    open_issues: int
    open_escalations: tuple[str, ...]
    sla_met: int
    sla_breached: int
    csat: float | None
    nps: float | None
    csat_delta: float | None
    nps_delta: float | None
    weeks: tuple[WeekScore, ...]
    open_changes: int  # awaiting a decision
    approved_changes: int
    scope_cost_percent: float | None
    scope_schedule_percent: float | None
    scope_threshold_percent: float | None
    scope_creep: bool
    assignment_wait_hours: float | None = None
    """Median business hours feedback waited for a follow-up owner (receipt to
    assignment) in the period: time lost before anyone could act, which the client's
    contact deadline does not give back."""
    assignment_target_hours: float | None = None
    """The rules' target for that wait (the negative path's ``assign``, from receipt)."""
    risk_map: risks.HeatMap | None = None
    """Open risks per probability x impact cell; ``None`` when the client has none open."""
    top_risks: tuple[RiskLine, ...] = ()
    """The open risks that matter most: by money exposure, then by score (the first five,
    and the first five the client may see)."""
    client_risk_map: risks.HeatMap | None = None
    """:attr:`risk_map` of the open risks the client may see (``client_visible``)."""
    risks_without_plan: tuple[str, ...] = ()
    """Open risks with no response plan yet, highest score first."""
    overdue_risk_reviews: tuple[str, ...] = ()
    """Open risks whose review is overdue, the longest overdue first."""
    serious_unplanned: bool = False
    """Whether a high or critical risk has no response plan."""
    calendar_gaps: tuple[int, ...] = ()
    """Years within the next 12 months whose make-up working days the client's calendar
    does not know yet (not published in the holidays package, none added by hand)."""

    @property
    def sla_compliance(self) -> float | None:
        """% of resolved-or-breached SLA clocks that met their target."""
        total = self.sla_met + self.sla_breached
        return None if not total else 100 * self.sla_met / total

    @property
    def rating(self) -> str:
        """``healthy``, ``watch`` or ``at risk`` (see the class docstring)."""
        compliance = self.sla_compliance
        if (
            self.open_escalations
            or (compliance is not None and compliance < 80)
            or (self.nps is not None and self.nps < 0)
            or self.scope_creep
        ):
            return "at risk"
        if (
            self.overdue_communications
            or (compliance is not None and compliance < 95)
            or (self.csat_delta is not None and self.csat_delta < 0)
            or self.overdue_risk_reviews
            or self.serious_unplanned
        ):
            return "watch"
        return "healthy"


def _communications(
    plans: Iterable[cadence.CommunicationPlan],
    rules: Rules,
    since: pendulum.DateTime,
    at: pendulum.DateTime,
) -> tuple[tuple[OverdueCommunication, ...], float | None]:
    overdue: list[OverdueCommunication] = []
    kept = counted = 0
    for plan in plans:
        if plan.status != "active":
            continue
        schedule = rules.schedule_for(plan.client)
        for item in plan.items:
            for occurrence in schedule.statuses(plan, item, since, at):
                if occurrence.status in _MISSED:
                    overdue.append(
                        OverdueCommunication(
                            plan.id,
                            item.id,
                            item.label(),
                            occurrence.at,
                            plan.timezone,
                            occurrence.status,
                        )
                    )
                if occurrence.status in _MISSED | _KEPT:
                    counted += 1
                    kept += occurrence.status in _KEPT
    return tuple(overdue), (100 * kept / counted if counted else None)


def _sla(issues: Iterable[escalation.Issue], at: pendulum.DateTime) -> tuple[int, int]:
    met = breached = 0
    for issue in issues:
        for clock in issue.clocks:
            if clock.metric != "resolution":
                continue
            state = clock.state
            if state is escalation.ClockState.MET:
                met += 1
            elif state is escalation.ClockState.BREACHED or (
                clock.stopped_at is None and clock.deadline < at
            ):
                breached += 1
    return met, breached


def _weeks(
    items: list[feedback.Feedback],
    since: pendulum.DateTime,
    at: pendulum.DateTime,
    policy: feedback.FeedbackPolicy,
) -> tuple[WeekScore, ...]:
    weeks = []
    start = since.start_of("week")
    enough = policy.trend_min_answers
    window = policy.trend_window_weeks
    while start < at:
        end = start.add(weeks=1)
        metrics = feedback.satisfaction(
            items, since=end.subtract(weeks=window), until=end, bands=policy.bands
        )
        weeks.append(
            WeekScore(
                start.date(),
                metrics.csat if metrics.csat_answers >= enough else None,
                metrics.nps if metrics.nps_answers >= enough else None,
                _answered(items, end.subtract(weeks=window), end),
                metrics.csat_answers,
                metrics.nps_answers,
                window,
            )
        )
        start = end
    return tuple(weeks)


def _answered(
    items: Iterable[feedback.Feedback], since: pendulum.DateTime, until: pendulum.DateTime
) -> int:
    """Feedback items received in ``[since, until)`` that carry a score."""
    return sum(
        since <= item.received_at < until and (item.csat is not None or item.nps is not None)
        for item in items
    )


def _assignment_wait(
    items: Iterable[feedback.Feedback],
    calendar: BusinessCalendar,
    since: pendulum.DateTime,
    at: pendulum.DateTime,
) -> float | None:
    waits = [
        calendar.elapsed(item.received_at, step.done) / dt.timedelta(hours=1)
        for item in items
        if since <= item.received_at < at
        for step in item.steps
        if step.step == "assign" and step.done is not None
    ]
    return statistics.median(waits) if waits else None


def _top(register: list[risks.Risk]) -> tuple[RiskLine, ...]:
    """The five top risks, and the five top ones the client may see, in one order."""
    chosen = {r.id: r for r in risks.top_risks(register)}
    chosen.update((r.id, r) for r in risks.top_risks(register, client_view=True))
    ranked = risks.top_risks(chosen.values(), count=len(chosen))
    return tuple(RiskLine.of(risk) for risk in ranked)


def _open_map(register: list[risks.Risk], rules: Rules) -> risks.HeatMap | None:
    grid = risks.heat_map(register, rules.risks.matrix)
    return grid if grid.total or grid.unassessed else None


def health(
    portfolio: Portfolio,
    rules: Rules,
    at: dt.datetime,
    *,
    days: int = 90,
    clients: Iterable[str] | None = None,
) -> tuple[ClientHealth, ...]:
    """The health of every client in the rules or the portfolio, over the last ``days``.

    ``clients`` limits the report to those clients. Satisfaction trends compare the
    last 30 days with the 30 before.
    """
    now = to_utc(at, "at")
    since = now.subtract(days=days)
    ids = sorted({*rules.clients, *portfolio.clients()} if clients is None else set(clients))
    report = []
    for client in ids:
        known = rules.clients.get(client)
        register = [risk for risk in portfolio.risks if risk.client == client]
        unplanned = risks.without_plan(register)
        issues = [issue for issue in portfolio.issues if issue.client == client]
        items = [item for item in portfolio.feedback if item.client == client]
        requests = [
            change
            for change in portfolio.changes
            if rules.client_of_project(change.project) == client
        ]
        overdue, on_time = _communications(
            (plan for plan in portfolio.plans if plan.client == client), rules, since, now
        )
        met, breached = _sla(issues, now)
        bands = rules.feedback.bands
        overall = feedback.satisfaction(items, since=since, until=now.add(seconds=1), bands=bands)
        recent = feedback.trend(
            items,
            before=(now.subtract(days=60), now.subtract(days=30)),
            after=(now.subtract(days=30), now.add(seconds=1)),
            bands=bands,
        )
        # one baseline per client: the ledger of its first project
        ledger = (
            changes.scope_ledger(known.projects[0], known.baseline, requests)
            if known is not None and known.baseline is not None and known.projects
            else None
        )
        report.append(
            ClientHealth(
                client=client,
                name=known.name if known else client,
                at=now,
                overdue_communications=overdue,
                communications_on_time=on_time,
                open_issues=sum(issue.status in escalation.OPEN_STATES for issue in issues),
                open_escalations=tuple(
                    issue.id
                    for issue in issues
                    if issue.status in escalation.OPEN_STATES and issue.escalation is not None
                ),
                sla_met=met,
                sla_breached=breached,
                csat=overall.csat,
                nps=overall.nps,
                csat_delta=recent.csat_delta,
                nps_delta=recent.nps_delta,
                weeks=_weeks(items, since, now, rules.feedback),
                open_changes=sum(change.status in _UNDECIDED for change in requests),
                approved_changes=len(ledger.counted) if ledger else 0,
                scope_cost_percent=float(ledger.cost_percent) if ledger else None,
                scope_schedule_percent=float(ledger.schedule_percent) if ledger else None,
                scope_threshold_percent=float(ledger.baseline.creep_threshold_percent)
                if ledger
                else None,
                scope_creep=bool(ledger and ledger.creep),
                assignment_wait_hours=_assignment_wait(
                    items, rules.calendar_for(client), since, now
                ),
                # pendulum's Duration cannot be divided by a timedelta: go through seconds
                assignment_target_hours=rules.feedback.targets.negative.assign.total_seconds()
                / 3600,
                risk_map=_open_map(register, rules),
                client_risk_map=_open_map([r for r in register if r.client_visible], rules),
                top_risks=_top(register),
                risks_without_plan=tuple(risk.id for risk in unplanned),
                overdue_risk_reviews=tuple(r.id for r in risks.overdue_reviews(register, now)),
                serious_unplanned=any(
                    risk.rating is not None and risk.rating.rank >= risks.Rating.HIGH.rank
                    for risk in unplanned
                ),
                calendar_gaps=rules.calendar_for(client).unpublished_years(
                    now.date(), now.add(months=12).date()
                ),
            )
        )
    return tuple(report)
