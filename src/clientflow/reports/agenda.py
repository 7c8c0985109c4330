"""One person's agenda: every open obligation they own, once, due or overdue.

Risks are named by their titles, not their ids; every time is in the reader's zone,
named once. Communications come from the plans' schedules, issues from their running SLA clocks
(a breached clock stays on the agenda as overdue, whatever the escalation did since),
feedback from its follow-up deadline, risks from their review dates and the response
actions the person owns. Texts are in the reader's language (``lang``).
"""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum

from clientflow import cadence
from clientflow.config import Rules
from clientflow.core import to_utc
from clientflow.escalation import METRIC_WORDS, OPEN_STATES
from clientflow.escalation import STATUS_WORDS as ISSUE_STATUS_WORDS
from clientflow.feedback import STATUS_WORDS as FEEDBACK_STATUS_WORDS
from clientflow.i18n import N_, Language, language
from clientflow.reports.portfolio import Portfolio

__all__ = ["AgendaItem", "agenda_lines", "agenda_section", "owner_agenda"]


@attrs.frozen
class AgendaItem:
    """One obligation: what, for which client, due when (UTC), and whether it is late.

    ``kind`` is ``"communication"``, ``"issue"``, ``"feedback"`` or ``"risk"``;
    ``aggregate_id`` the plan, issue, feedback item or risk it belongs to.
    """

    at: pendulum.DateTime
    overdue: bool
    kind: str
    aggregate_id: str
    client: str
    text: str


def owner_agenda(
    portfolio: Portfolio,
    rules: Rules,
    *,
    owner: str,
    at: dt.datetime,
    days: int = 7,
    timezone: str = "UTC",
    lang: Language | None = None,
) -> tuple[AgendaItem, ...]:
    """What ``owner`` must do: everything overdue, and what falls due in ``days`` days.

    Each obligation appears once, by time. A communication is overdue once its grace
    period has passed (before that it is due, even if its time is earlier than
    ``at``); an issue is overdue when a running SLA clock has passed its deadline.
    """
    lang = lang or language("en")
    _ = lang.gettext
    now = to_utc(at, "at")
    until = now.add(days=days)
    found: list[AgendaItem] = []
    by_client: dict[str, list[cadence.CommunicationPlan]] = {}
    for plan in portfolio.plans:  # one pass, not one per client
        by_client.setdefault(plan.client, []).append(plan)
    for client, plans in sorted(by_client.items()):
        schedule = rules.schedule_for(client)
        for entry in cadence.agenda(
            plans, schedule, owner=owner, now=now, timezone=timezone, days=days
        ):
            found.append(
                AgendaItem(
                    to_utc(entry.at),
                    entry.status == "overdue",
                    "communication",
                    entry.plan_id,
                    entry.client,
                    # no "[due]": the section it is listed under says due or overdue
                    _("{item} for {client}").format(
                        item=entry.title, client=rules.client_name(entry.client)
                    ),
                )
            )
    for issue in portfolio.issues:
        if issue.owner != owner or issue.status not in OPEN_STATES:
            continue
        # running clocks, breached or not; a paused clock waits on the client
        live = [c for c in issue.clocks if c.stopped_at is None and c.paused_since is None]
        if not live:
            continue
        clock = min(live, key=lambda c: c.deadline)
        if clock.deadline >= until:
            continue
        late = clock.deadline <= now
        what = _("{metric} deadline passed") if late else _("{metric} deadline coming up")
        metric = _(METRIC_WORDS.get(clock.metric, clock.metric))
        found.append(
            AgendaItem(
                clock.deadline,
                late,
                "issue",
                issue.id,
                issue.client,
                _("issue {id} ({priority}, {status}): {what}").format(
                    id=issue.id,
                    priority=issue.priority,
                    status=_(ISSUE_STATUS_WORDS.get(issue.status, issue.status)),
                    what=what.format(metric=metric),
                ),
            )
        )
    for item in portfolio.feedback:
        due = item.next_deadline
        if item.owner == owner and due is not None and due < until:
            found.append(
                AgendaItem(
                    due,
                    due <= now,
                    "feedback",
                    item.id,
                    item.client,
                    _("feedback {id} from {client}: {status} step due").format(
                        id=item.id,
                        client=rules.client_name(item.client),
                        status=_(FEEDBACK_STATUS_WORDS.get(item.status, item.status)),
                    ),
                )
            )
    found += _risk_items(portfolio, owner, now, until, lang)
    return tuple(sorted(found, key=lambda entry: (entry.at, entry.aggregate_id)))


def _risk_items(
    portfolio: Portfolio,
    owner: str,
    now: pendulum.DateTime,
    until: pendulum.DateTime,
    lang: Language,
) -> list[AgendaItem]:
    """Reviews of the risks ``owner`` owns, and the response actions they own."""
    _ = lang.gettext
    found: list[AgendaItem] = []
    for risk in portfolio.risks:
        if risk.status == "closed":
            continue
        review = risk.review_due
        if risk.owner == owner and review is not None and review < until:
            found.append(
                AgendaItem(
                    review,
                    review <= now,
                    "risk",
                    risk.id,
                    risk.client,
                    _("review risk: {title}").format(title=risk.title),
                )
            )
        for action in risk.open_actions():
            if action.owner == owner and action.due < until:
                found.append(
                    AgendaItem(
                        action.due,
                        action.due <= now,
                        "risk",
                        risk.id,
                        risk.client,
                        _("response to risk {title}: {action}").format(
                            title=risk.title, action=action.title
                        ),
                    )
                )
    return found


_SECTIONS = {
    "overdue": N_("Overdue:"),
    "today": N_("Today:"),
    "week": N_("This week:"),
    "next week": N_("Next week:"),
    "later": N_("Later:"),
}


def agenda_section(day: dt.date, today: dt.date) -> str:
    """Where an obligation not yet overdue falls, for a reader whose local date is
    ``today``: ``"today"`` (or earlier), ``"week"`` (to Sunday of this Monday-to-Sunday
    week), ``"next week"``, or ``"later"``. Both dates are in the reader's time zone.

    >>> monday = dt.date(2026, 9, 28)
    >>> [agenda_section(monday + dt.timedelta(days=n), monday) for n in (0, 6, 7, 13, 14)]
    ['today', 'week', 'next week', 'next week', 'later']
    """  # noqa: D205
    if day <= today:
        return "today"
    sunday = today + dt.timedelta(days=6 - today.weekday())
    if day <= sunday:
        return "week"
    return "next week" if day <= sunday + dt.timedelta(days=7) else "later"


def agenda_lines(
    items: tuple[AgendaItem, ...], *, at: dt.datetime, timezone: str, lang: Language | None = None
) -> list[str]:
    """The agenda as the ``agenda`` command prints it: overdue, today, this week (to
    Sunday), next week and later, each entry at its local time in ``timezone``, in
    ``lang`` (English). The zone is named once, on the first line ("时间均为北京时间"),
    not on every entry; nothing due gives no lines."""  # noqa: D205, D209
    lang = lang or language("en")
    today = to_utc(at, "at").in_timezone(timezone).date()
    sections: dict[str, list[str]] = {name: [] for name in _SECTIONS}
    for item in items:
        local = item.at.in_timezone(timezone)
        gap = " " if lang.locale == "en" else ""  # "9月21日（周一）15:00": no space after ）
        when = f"{lang.weekday_date(local.date())}{gap}{local.format('HH:mm')}"
        section = "overdue" if item.overdue else agenda_section(local.date(), today)
        sections[section].append(f"  {when}  {item.text}")
    lines: list[str] = []
    if items:
        lines.append(lang.gettext("All times are {zone}.").format(zone=lang.zone(timezone)))
    for name, entries in sections.items():
        if entries:
            lines.extend([lang.gettext(_SECTIONS[name]), *entries])
    return lines
