"""What the client reads: an issue's notices in their language, as the policy allows.

How much a client is told is the client's notice policy (:data:`NOTICE_LEVELS`).

Notices are stored as codes and values (:class:`~clientflow.escalation.ClientNotified`),
so the same event can be rendered in each reader's language and zone, and told in as much
detail as the client's policy allows: at ``standard`` (the default) an escalation reads
"您的问题 ACME-1 已升级，由资深同事负责跟进，我们会尽快给您答复。"; at ``full``
(:func:`render_notice`) "您的问题 ACME-1 已升级至 项目经理：解决时限已用 75%（截止
2026年3月3日（周二）17:00（北京时间），剩余 2 个工作小时）。", the level's name as the
rules file writes it.
"""

from __future__ import annotations

from clientflow.core import DomainEvent
from clientflow.escalation import (
    METRIC_WORDS,
    ClientNotified,
    IssueAcknowledged,
    IssueReported,
)
from clientflow.i18n import N_, Language, language

__all__ = ["DEFAULT_NOTICES", "NOTICE_LEVELS", "client_notice", "render_notice"]

NOTICE_LEVELS = ("minimal", "standard", "full")
"""How much a client is told (``[clients.X] notices``):

- ``minimal``: that an issue was received, is being handled, waits on the client, is
  resolved;
- ``standard``: also that it was escalated to a senior person, without the ladder's level
  names, the trigger or any percentage of an internal target;
- ``full``: every notice with its internal detail (level, why, deadline) and the event id,
  as earlier releases sent every notice.
"""

DEFAULT_NOTICES = "standard"
"""What a client is told unless the rules say otherwise: a client whose issue goes to a
senior person is reassured to hear it, and never sees how the team measures itself."""

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


_END = (".", "!", "?", "\u3002", "\uff01", "\uff1f")  # full stops, in Chinese too


def _sentence(text: str, lang: Language) -> str:
    """``text`` ending in a full stop, unless it already ends a sentence."""
    text = text.strip()
    if not text or text.endswith(_END):
        return text
    return text + ("." if lang.locale == "en" else "。")


def client_notice(
    event: DomainEvent,
    level: str = DEFAULT_NOTICES,
    lang: Language | None = None,
    timezone: str = "UTC",
) -> str | None:
    """What the client is told of ``event`` under notice policy ``level``, or ``None``
    when the policy tells the client nothing of it.

    Only an issue's reception (``issue.reported``), its acknowledgement
    (``issue.acknowledged``) and the notices (``issue.client_notified``) are told; no
    level but ``full`` shows an event id, a level name or a percentage.

    >>> import pendulum
    >>> from clientflow.core import EventMeta
    >>> meta = EventMeta("ISS-1", 5, pendulum.datetime(2026, 10, 8, 9), "system")
    >>> notice = ClientNotified(meta=meta, clocks=(), escalation=None, quiet_at=None,
    ...     topic="escalated", level_name="项目经理", trigger="sla warning",
    ...     metric="next_reply", fraction=0.75, due=pendulum.datetime(2026, 10, 8, 10),
    ...     left_hours=0.25)
    >>> zh = language("zh_CN")
    >>> client_notice(notice, "standard", zh, "Asia/Shanghai")
    '您的问题 ISS-1 已升级，由资深同事负责跟进，我们会尽快给您答复。'
    >>> client_notice(notice, "minimal", zh, "Asia/Shanghai") is None
    True
    >>> client_notice(notice, "full", zh, "Asia/Shanghai")
    '您的问题 ISS-1 已升级至 项目经理：下次回复时限已用 75%（截止 2026年10月8日（周四）18:00（北京时间），剩余 0.25 个工作小时）。 [ISS-1@5]'
    """  # noqa: D205, E501 - a notice is one line
    lang = lang or language("en")
    _ = lang.gettext
    issue = event.aggregate_id
    if isinstance(event, IssueReported):
        return _(
            'We have received your issue "{title}" ({issue}) and will get back to you shortly.'
        ).format(title=event.title, issue=issue)
    if isinstance(event, IssueAcknowledged):
        return _("Your issue {issue} is being handled; we will keep you posted.").format(
            issue=issue
        )
    if not isinstance(event, ClientNotified):
        return None
    if level == "full" or (event.message and event.topic != "escalated"):
        # A notice stored as an English sentence by a release before 0.2 is sent as it was
        # written, except an escalation, whose sentence names the level: that one is
        # worded again from its topic like any other.
        return f"{render_notice(event, lang, timezone)} [{event.event_id}]"
    if event.topic == "escalated":
        if level == "minimal":
            return None
        return _(
            "Your issue {issue} has been escalated to a senior member of our team, who will"
            " get back to you shortly."
        ).format(issue=issue)
    if event.topic == "paused":
        return _(
            "We need your input on {issue}: {question} We will carry on as soon as you reply."
        ).format(issue=issue, question=_sentence(event.note, lang))
    return _(
        "Your issue {issue} has been resolved: {resolution} If anything is still not right,"
        " just let us know."
    ).format(issue=issue, resolution=_sentence(event.note, lang))
