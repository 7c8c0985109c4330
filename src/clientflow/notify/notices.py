"""What the client reads: an issue's notices in their language, as the policy allows.

How much a client is told is the client's notice policy (:data:`NOTICE_LEVELS`).

Notices are stored as codes and values (:class:`~clientflow.escalation.ClientNotified`),
so the same event can be rendered in each reader's language and zone, and told in as much
detail as the client's policy allows: at ``standard`` (the default) an escalation reads
"您反馈的问题已升级，由资深同事负责跟进，我们会尽快给您答复。"; at ``full``
(:func:`render_notice`) "您反馈的问题已升级至项目经理：解决时限已用 75%，截止3月3日（周二）
17:00（北京时间），剩余 2 个工作小时。", the level's name as the rules file writes it.
A notice's title (:func:`client_title`) says what happened and names the issue's subject.
"""

from __future__ import annotations

from clientflow.changes import (
    ChangeApproved,
    ChangeDeferred,
    ChangeImplemented,
    ChangeRejected,
    ChangeSubmitted,
)
from clientflow.core import DomainEvent
from clientflow.escalation import (
    METRIC_WORDS,
    ClientNotified,
    IssueAcknowledged,
    IssueClosed,
    IssueReopened,
    IssueReported,
)
from clientflow.i18n import N_, Language, language

__all__ = ["DEFAULT_NOTICES", "NOTICE_LEVELS", "client_notice", "client_title", "render_notice"]

NOTICE_LEVELS = ("minimal", "standard", "full")
"""How much a client is told (``[clients.X] notices``):

- ``minimal``: that an issue was received, is being handled, waits on the client, is
  resolved or reopened; that a change request was approved, not approved, deferred or
  implemented;
- ``standard``: also that an issue was escalated to a senior person (without the ladder's
  level names, the trigger or any percentage of an internal target) or closed, and that a
  change request was received;
- ``full``: every notice with its internal detail (level, why, deadline) and the event id,
  as earlier releases sent every notice.
"""

DEFAULT_NOTICES = "standard"
"""What a client is told unless the rules say otherwise: a client whose issue goes to a
senior person is reassured to hear it, and never sees how the team measures itself."""

_FIXED = {  # triggers whose reason needs no numbers
    "not acknowledged": N_("not acknowledged in time"),
    "ack expired": N_("acknowledged but not resolved in time"),
}


def _why(notice: ClientNotified, lang: Language, timezone: str) -> str:
    _ = lang.gettext
    metric = _(METRIC_WORDS.get(notice.metric, notice.metric)) if notice.metric else ""
    at = notice.meta.occurred_at
    due = "" if notice.due is None else lang.instant_within(notice.due, timezone, at)
    if notice.trigger == "sla breach":
        return _("{metric} breached (due {due})").format(metric=metric, due=due)
    if notice.trigger == "sla warning":
        percent = round((notice.fraction or 0) * 100)
        if notice.left_hours is not None:
            return _("{metric} at {percent}% (due {due}, {left})").format(
                metric=metric, percent=percent, due=due, left=lang.time_left(notice.left_hours)
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
    return lang.quote(notice.note)  # a manual escalation: what the person wrote


def render_notice(
    notice: ClientNotified, lang: Language | None = None, timezone: str = "UTC"
) -> str:
    """The notice as the client reads it at ``full``, in ``lang`` (English) and
    ``timezone``: the level, why and by when, without the event id.

    A notice stored by an older release (a sentence in ``message``) is returned as it
    was written.
    """  # noqa: D205
    if notice.message:
        return notice.message
    lang = lang or language("en")
    _ = lang.gettext
    if notice.topic == "escalated":
        if notice.trigger == "complaint":  # the client's own words are the reason
            return _("Following your feedback, your issue has been escalated to {level}.").format(
                level=notice.level_name
            )
        return _("Your issue has been escalated to {level}: {why}.").format(
            level=notice.level_name, why=_why(notice, lang, timezone)
        )
    if notice.topic == "paused":
        text = _("We need your input: {question}").format(question=lang.sentence(notice.note))
        if notice.paused:
            text += ("" if lang.locale != "en" else " ") + _(
                "The SLA clock is paused until you reply."
            )
        return text
    return _("Your issue has been resolved: {resolution}").format(
        resolution=lang.sentence(notice.note)
    )


def _with_id(text: str, event: DomainEvent, lang: Language) -> str:
    """``text`` then the id a receiver recognises it by (``full`` only): the event id in
    English, as earlier releases sent it, the issue's id in other languages.
    """  # noqa: D205
    text = lang.sentence(text).lstrip("\n")
    if lang.locale == "en":
        return f"{text} [{event.event_id}]"
    # A client reading their own language is given the issue's id, not an event version.
    return lang.gettext("{text} (issue {issue})").format(text=text, issue=event.aggregate_id)


# Outcomes a client is told of as they happen, beyond an issue's notices: the title (what
# happened, then the subject), the body, and the least detailed policy that tells it.
_OUTCOMES: dict[type[DomainEvent], tuple[str, str, str]] = {
    IssueReopened: (
        N_("Reopened: {subject}"),
        N_("Your issue has been reopened; we are on it again and will keep you posted."),
        "minimal",
    ),
    IssueClosed: (
        N_("Closed: {subject}"),
        N_(
            "Your issue is closed. Thank you for your patience; if it comes back, just let us know."
        ),
        "standard",
    ),
    ChangeSubmitted: (
        N_("Received: {subject}"),
        N_(
            "We have received your change request and will assess its impact on schedule and"
            " cost before we come back to you."
        ),
        "standard",
    ),
    ChangeApproved: (
        N_("Approved: {subject}"),
        N_("Your change request has been approved; we will schedule the work and keep you posted."),
        "minimal",
    ),
    ChangeRejected: (
        N_("Not approved: {subject}"),
        N_(
            "Your change request was not approved this time. The project manager will explain"
            " why and talk the options through with you."
        ),
        "minimal",
    ),
    ChangeDeferred: (
        N_("Deferred: {subject}"),
        N_("Your change request has been deferred to release {release}."),
        "minimal",
    ),
    ChangeImplemented: (
        N_("Implemented: {subject}"),
        N_(
            "Your change request has been implemented. If anything is not as you expected,"
            " just let us know."
        ),
        "minimal",
    ),
}

_TITLES = {  # what a client notice's title says happened, before the issue's subject
    "reported": N_("Received: {subject}"),
    "acknowledged": N_("In progress: {subject}"),
    "escalated": N_("Escalated: {subject}"),
    "paused": N_("Your input needed: {subject}"),
    "resolved": N_("Resolved: {subject}"),
}


def client_title(event: DomainEvent, lang: Language | None = None, subject: str = "") -> str:
    """The title of the client's notice of ``event``: what happened, then the issue's
    subject ("your issue" without one), as a phone's preview shows it
    ("处理中：手机银行登录页打不开").

    >>> import pendulum
    >>> from clientflow.core import EventMeta
    >>> meta = EventMeta("ISS-1", 1, pendulum.datetime(2026, 3, 2, 1), "anna")
    >>> event = IssueAcknowledged(meta=meta, clocks=(), escalation=None, quiet_at=None)
    >>> client_title(event, language("zh_CN"), "手机银行登录页打不开")
    '处理中：手机银行登录页打不开'
    """  # noqa: D205
    lang = lang or language("en")
    outcome = _OUTCOMES.get(type(event))
    if outcome is not None:
        if not subject:
            is_issue = isinstance(event, IssueReopened | IssueClosed)
            subject = lang.gettext("your issue") if is_issue else lang.gettext("your request")
        return lang.gettext(outcome[0]).format(subject=subject)
    if isinstance(event, IssueReported):
        topic = "reported"
        subject = subject or event.title
    elif isinstance(event, IssueAcknowledged):
        topic = "acknowledged"
    elif isinstance(event, ClientNotified) and event.topic in _TITLES:
        topic = event.topic
    elif getattr(event, "client_label", ""):  # a rules workflow's step told to the client
        label = str(getattr(event, "client_label", ""))
        return lang.gettext("{label}: {subject}").format(
            label=label, subject=subject or lang.gettext("your request")
        )
    else:
        topic = "resolved"
    # Without a subject the title still speaks to the client, not in ids.
    return lang.gettext(_TITLES[topic]).format(subject=subject or lang.gettext("your issue"))


def client_notice(
    event: DomainEvent,
    level: str = DEFAULT_NOTICES,
    lang: Language | None = None,
    timezone: str = "UTC",
) -> str | None:
    """What the client is told of ``event`` under notice policy ``level``, or ``None``
    when the policy tells the client nothing of it.

    An issue's reception (``issue.reported``), acknowledgement, notices
    (``issue.client_notified``), reopening and closing (``standard``) are told, and a
    change request's outcomes: approved, not approved, deferred, implemented, and its
    receipt (``standard``); no level but ``full`` shows an event id, a level name or a
    percentage. People's words
    (a question, a resolution) end in one full stop (:meth:`~clientflow.i18n.Language.sentence`).

    >>> import pendulum
    >>> from clientflow.core import EventMeta
    >>> meta = EventMeta("ISS-1", 5, pendulum.datetime(2026, 10, 8, 9), "system")
    >>> notice = ClientNotified(meta=meta, clocks=(), escalation=None, quiet_at=None,
    ...     topic="escalated", level_name="项目经理", trigger="sla warning",
    ...     metric="next_reply", fraction=0.75, due=pendulum.datetime(2026, 10, 8, 10),
    ...     left_hours=0.25)
    >>> zh = language("zh_CN")
    >>> client_notice(notice, "standard", zh, "Asia/Shanghai")
    '您反馈的问题已升级，由资深同事负责跟进，我们会尽快给您答复。'
    >>> client_notice(notice, "minimal", zh, "Asia/Shanghai") is None
    True
    >>> full = client_notice(notice, "full", zh, "Asia/Shanghai")
    >>> print(full.replace("，", "，" + chr(10)))  # one clause a line, to fit here
    您反馈的问题已升级至项目经理：下次回复时限已用 75%，
    截止10月8日（周四）18:00（北京时间），
    剩余 15 分钟。问题编号：ISS-1
    """  # noqa: D205 - a notice is one line
    lang = lang or language("en")
    _ = lang.gettext
    if isinstance(event, IssueReported):
        # The notice's title names the issue already (client_title).
        return _("We have received your issue and will get back to you shortly.")
    if isinstance(event, IssueAcknowledged):
        if event.escalation is not None:  # the client may have read "escalated" just now
            return _(
                "The colleague in charge has started work on your issue; we will keep you posted."
            )
        return _("Your issue is being handled; we will keep you posted.")
    outcome = _OUTCOMES.get(type(event))
    if outcome is not None:
        if NOTICE_LEVELS.index(level) < NOTICE_LEVELS.index(outcome[2]):
            return None
        return _(outcome[1]).format(release=getattr(event, "release", ""))
    label = getattr(event, "client_label", "")
    if isinstance(label, str) and label:
        # a rules workflow's step, in the words its rules declare for the client: a label
        # as written, in whatever language the team wrote it (no full stop added)
        return label
    if not isinstance(event, ClientNotified):
        return None
    return _told(event, level, lang, timezone)


def _told(event: ClientNotified, level: str, lang: Language, timezone: str) -> str | None:
    """An issue's notice (escalated, paused, resolved) as ``level`` tells it."""
    _ = lang.gettext
    if level == "full":
        if event.message or event.topic == "escalated":
            return _with_id(render_notice(event, lang, timezone), event, lang)
        # The title says "your input needed" or "resolved" already: the body goes on from
        # there, as below full, and also says the clock is paused.
        if event.topic == "paused" and event.note and event.paused:
            said = _(
                "{question} The SLA clock is paused until you reply; we will carry on as soon"
                " as we hear from you."
            )
            return _with_id(_quoting(said, lang, question=event.note), event, lang)
        return _with_id(_told(event, "standard", lang, timezone) or "", event, lang)
    # Below full, every notice is worded again from its topic, also one stored as an
    # English sentence by a release before 0.2: the client reads their language, no ids.
    if event.topic == "escalated":
        if level == "minimal":
            return None
        return _(
            "Your issue has been escalated to a senior member of our team, who will get back"
            " to you shortly."
        )
    if event.topic == "paused":
        if not event.note:
            return _("We need your input; we will carry on as soon as we hear from you.")
        said = _("We need your input: {question} We will carry on as soon as we hear from you.")
        return _quoting(said, lang, question=event.note)
    if not event.note:
        return _("Your issue has been resolved. If anything is still not right, just let us know.")
    said = _(
        "Your issue has been resolved: {resolution} If anything is still not right, just let"
        " us know."
    )
    return _quoting(said, lang, resolution=event.note)


def _quoting(message: str, lang: Language, **notes: str) -> str:
    """``message`` with what people wrote in it, each an ended sentence
    (:meth:`~clientflow.i18n.Language.sentence`); a note of several lines (a numbered
    list) stands on lines of its own, and the message goes on on the next line."""  # noqa: D205, D209
    blocks = {name: lang.sentence(note) for name, note in notes.items()}
    said = message.format(**blocks)
    for block in blocks.values():
        if block.startswith("\n"):
            head, _, tail = said.partition(block)
            said = head.rstrip(" ") + block + ("\n" + tail.lstrip(" ") if tail else "")
    return said
