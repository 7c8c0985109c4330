"""What the client reads: an issue's notices rendered in their language and time zone.

Notices are stored as codes and values (:class:`~clientflow.escalation.ClientNotified`),
so the same event reads "Your issue ACME-1 has been escalated to project manager:
resolution at 75% (due Tue 2026-03-03 17:00 CST, 2 business hours left)." in English
and "您的问题 ACME-1 已升级至 project manager：解决时限已用 75%（截止 周二 2026-03-03
17:00 中国标准时间，剩余 2 个工作小时）。" in Chinese. Level names come from the rules
file and stay as written there.
"""

from __future__ import annotations

from clientflow.escalation import METRIC_WORDS, ClientNotified
from clientflow.i18n import N_, Language, language

__all__ = ["render_notice"]

_FIXED = {  # triggers whose reason needs no numbers
    "complaint": N_("client complaint"),
    "not acknowledged": N_("not acknowledged in time"),
    "ack expired": N_("acknowledged but not resolved in time"),
}


def _why(notice: ClientNotified, lang: Language, timezone: str) -> str:
    _ = lang.gettext
    metric = _(METRIC_WORDS.get(notice.metric, notice.metric)) if notice.metric else ""
    due = "" if notice.due is None else lang.instant(notice.due, timezone)
    if notice.trigger == "sla breach":
        return _("{metric} breached (due {due})").format(metric=metric, due=due)
    if notice.trigger == "sla warning":
        percent = round((notice.fraction or 0) * 100)
        if notice.left_hours is not None:
            return _("{metric} at {percent}% (due {due}, {left})").format(
                metric=metric, percent=percent, due=due, left=lang.business_left(notice.left_hours)
            )
        return _("{metric} at {percent}% (due {due})").format(
            metric=metric, percent=percent, due=due
        )
    if notice.trigger == "no update":
        hours = notice.hours or 0
        return lang.ngettext(
            "no update for {hours:g} business hour",
            "no update for {hours:g} business hours",
            1 if hours == 1 else 2,
        ).format(hours=hours)
    if notice.trigger == "reopened":
        count = notice.count or 0
        return lang.ngettext("reopened {n} time", "reopened {n} times", count).format(n=count)
    if notice.trigger in _FIXED:
        return _(_FIXED[notice.trigger])
    return notice.note  # a manual escalation: what the person wrote


def render_notice(
    notice: ClientNotified, lang: Language | None = None, timezone: str = "UTC"
) -> str:
    """The notice as the client reads it, in ``lang`` (English) and ``timezone``.

    A notice stored by an older release (a sentence in ``message``) is returned as it
    was written.
    """
    if notice.message:
        return notice.message
    lang = lang or language("en")
    _ = lang.gettext
    issue = notice.aggregate_id
    if notice.topic == "escalated":
        return _("Your issue {issue} has been escalated to {level}: {why}.").format(
            issue=issue, level=notice.level_name, why=_why(notice, lang, timezone)
        )
    if notice.topic == "paused":
        text = _("We need your input on {issue}: {question}.").format(
            issue=issue, question=notice.note
        )
        if notice.paused:
            text += " " + _("The SLA clock is paused until you reply.")
        return text
    return _("Your issue {issue} is resolved: {resolution}").format(
        issue=issue, resolution=notice.note
    )
