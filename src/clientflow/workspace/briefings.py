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

__all__ = ["change_lines", "feedback_lines", "issue_lines", "issue_summary", "risk_lines"]

_ESCALATED = N_("escalated, a senior colleague is following it up")
"""An open issue that was escalated, as a client meeting hears it: the internal level it
reached (and who that is), the issue's id and internal priority stay with the team."""
_NONE = N_("n/a")


def _open_issues(ws: Workspace, client: str) -> list[escalation.Issue]:
    rows = ws.all_rows(Query(kind=escalation.KIND_NAME, client=client, open=True))
    loaded = ws.engine.kinded.load_many([row.id for row in rows])
    return sorted(
        (i for i in loaded.values() if isinstance(i, escalation.Issue)),
        key=lambda issue: (issue.reported_at, issue.id),
    )


def issue_lines(ws: Workspace, client: str, lang: Language) -> list[str]:
    """The client's open issues, oldest first, as the client hears of them: the title,
    and whether it was escalated (no id, no internal priority)."""  # noqa: D205, D209
    return [
        issue.title + ("" if issue.escalation is None else lang.aside(lang.gettext(_ESCALATED)))
        for issue in _open_issues(ws, client)
    ]


def issue_summary(ws: Workspace, client: str, lang: Language) -> list[str]:
    """The client's open issues in one line for the weekly report ("未解决的问题 8 个，
    均已升级跟进"), or nothing without any."""  # noqa: D205, D209
    issues = _open_issues(ws, client)
    n, escalated = len(issues), sum(issue.escalation is not None for issue in issues)
    if not n:
        return []
    if n == 1:
        one = (
            N_("1 open issue, escalated and being followed up")
            if escalated
            else N_("1 open issue, being worked on")
        )
        return [lang.gettext(one)]
    if escalated == n:
        text = N_("{n} open issues, all escalated and being followed up")
    elif escalated:
        text = N_("{n} open issues, {escalated} of them escalated and being followed up")
    else:
        text = N_("{n} open issues, being worked on")
    return [lang.gettext(text).format(n=n, escalated=escalated)]


def change_lines(ws: Workspace, client: str, lang: Language) -> list[str]:
    """Changes of the client's projects awaiting a decision, with what they would cost."""
    rows = ws.all_rows(Query(kind=changes.KIND_NAME, client=client, status="awaiting_approval"))
    loaded = ws.engine.kinded.load_many([row.id for row in rows])
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
    loaded = ws.engine.kinded.load_many([row.id for row in rows])
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
