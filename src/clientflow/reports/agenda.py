"""One person's agenda: every open obligation they own, once, due or overdue.

Communications come from the plans' schedules, issues from their running SLA clocks
(a breached clock stays on the agenda as overdue, whatever the escalation did since),
feedback from its follow-up deadline.
"""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum

from clientflow import cadence
from clientflow.config import Rules
from clientflow.core import to_utc
from clientflow.escalation import OPEN_STATES
from clientflow.reports.portfolio import Portfolio

__all__ = ["AgendaItem", "owner_agenda"]


@attrs.frozen
class AgendaItem:
    """One obligation: what, for which client, due when (UTC), and whether it is late.

    ``kind`` is ``"communication"``, ``"issue"`` or ``"feedback"``; ``aggregate_id`` the
    plan, issue or feedback item it belongs to.
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
) -> tuple[AgendaItem, ...]:
    """What ``owner`` must do: everything overdue, and what falls due in ``days`` days.

    Each obligation appears once, by time. A communication is overdue once its grace
    period has passed (before that it is due, even if its time is earlier than
    ``at``); an issue is overdue when a running SLA clock has passed its deadline.
    """
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
                    f"{entry.title} for {entry.client} [{entry.status}]",
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
        what = "breached" if late else "due"
        found.append(
            AgendaItem(
                clock.deadline,
                late,
                "issue",
                issue.id,
                issue.client,
                f"issue {issue.id} ({issue.priority}, {issue.status}):"
                f" {clock.metric.replace('_', ' ')} {what}",
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
                    f"feedback {item.id} from {item.client}: {item.status} step due",
                )
            )
    return tuple(sorted(found, key=lambda entry: (entry.at, entry.aggregate_id)))
