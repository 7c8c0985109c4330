"""What the other workflows add to a client's weekly report and monthly meeting agenda.

Cadence lays the texts out but cannot read issues, changes, feedback or risks; the
workspace can, so it gathers one finished line per item here, in the reader's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pendulum

from clientflow import changes, escalation, feedback, risks
from clientflow.i18n import N_, Language
from clientflow.ports import Query

if TYPE_CHECKING:
    from clientflow.workspace.core import Workspace

__all__ = ["change_lines", "feedback_lines", "issue_lines", "risk_lines"]

_ESCALATED = N_("escalated")
"""An open issue that was escalated, as a client meeting hears it: the internal level it
reached (and who that is) stays with the team."""
_NONE = N_("n/a")


def issue_lines(ws: Workspace, client: str, lang: Language) -> list[str]:
    """The client's open issues, oldest first: id, title, priority, whether escalated."""
    rows = ws.all_rows(Query(kind=escalation.KIND_NAME, client=client, open=True))
    loaded = ws.store.load_many([row.id for row in rows])
    issues = sorted(
        (i for i in loaded.values() if isinstance(i, escalation.Issue)),
        key=lambda issue: (issue.reported_at, issue.id),
    )
    lines = []
    for issue in issues:
        line = f"{issue.id} {issue.title}" + lang.aside(issue.priority)
        if issue.escalation is not None:
            # "（P2）已升级处理": Chinese needs no space after the closing bracket
            gap = " " if lang.locale == "en" else ""
            line += gap + lang.gettext(_ESCALATED)
        lines.append(line)
    return lines


def change_lines(ws: Workspace, client: str, lang: Language) -> list[str]:
    """Changes of the client's projects awaiting a decision, with what they would cost."""
    rows = ws.all_rows(Query(kind=changes.KIND_NAME, client=client, status="awaiting_approval"))
    loaded = ws.store.load_many([row.id for row in rows])
    timezone = ws.rules.calendar_for(client).timezone
    lines = []
    for change in sorted(loaded.values(), key=lambda c: c.id):
        if isinstance(change, changes.ChangeRequest):
            summary = changes.impact_summary(change, timezone, lang=lang)
            then = "; " if lang.locale == "en" else "；"  # clauses, as each language joins them
            lines.append(
                f"{change.id} {change.title}{lang.colon}{summary.cost}{then}{summary.schedule}"
            )
    return lines


def feedback_lines(
    ws: Workspace,
    client: str,
    since: pendulum.DateTime,
    until: pendulum.DateTime,
    lang: Language,
) -> list[str]:
    """CSAT and NPS of the client's feedback received in ``[since, until)``."""
    rows = ws.all_rows(Query(kind=feedback.FEEDBACK_KIND, client=client))
    loaded = ws.store.load_many([row.id for row in rows])
    items = [item for item in loaded.values() if isinstance(item, feedback.Feedback)]
    metrics = feedback.satisfaction(items, since=since, until=until, bands=ws.rules.feedback.bands)
    # answers are items with a score, each once (an answer giving CSAT and NPS is one)
    answers = sum(
        since <= item.received_at < until and (item.csat is not None or item.nps is not None)
        for item in items
    )
    if not answers:
        return []
    percent = "%" if lang.locale != "en" else " %"  # 67% in Chinese
    csat = lang.gettext(_NONE) if metrics.csat is None else f"{metrics.csat:.0f}{percent}"
    nps = lang.gettext(_NONE) if metrics.nps is None else f"{metrics.nps:+.0f}"
    return [
        lang.ngettext(
            "CSAT {csat}, NPS {nps} from {n} answer",
            "CSAT {csat}, NPS {nps} from {n} answers",
            answers,
        ).format(csat=csat, nps=nps, n=answers)
    ]


def risk_lines(ws: Workspace, client: str, lang: Language) -> list[str]:
    """The top open risks the client may see (see :func:`clientflow.risks.client_lines`)."""
    return risks.client_lines(ws.risks.register(client, open_only=True), lang)
