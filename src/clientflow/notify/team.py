"""What the team's own group reads: who must act, by when, and where to open the issue.

A team notice names the person who must act (their name from ``[people]``, an @mention
on the channels that have one), the deadline in that person's time zone (else the
client's) with the business time left on the client's calendar, and a link from the
host's template (``[notify] link = "https://pm.example.com/issues/{id}"``). It is written
in that person's language (else the client's). Every event type of the built-in
workflows is worded (the steps that ask nothing of anyone say who did what,
:data:`_HAPPENED`); a host's own workflow kind keeps a one-line summary, which a host
template (see :class:`~clientflow.notify.Router`) words as the host likes.

Every family reads the same way (one table, :data:`_FAMILIES`, over the same helpers):
a change waiting for approval or sent back, new or assigned feedback, a communication due
or overdue, a silence, a client message owed a reply, a missed risk review, an overdue
risk action, a triggered risk, and a custom workflow's item opened, moved or reminded.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, runtime_checkable

import attrs

from clientflow.cadence import (
    OccurrenceDue,
    OccurrenceOverdue,
    PlanItem,
    ReplyOwed,
    SilenceDetected,
)
from clientflow.changes import (
    ApprovalEscalated,
    ApprovalRequested,
    ApprovalStageOpened,
    ChangeApproved,
    ChangeAssessed,
    ChangeRejected,
    ChangeRequested,
    ChangeSentBack,
    ChangeSubmitted,
    Verdict,
    VoteCast,
)
from clientflow.core import BusinessCalendar, ClientflowError, DomainEvent
from clientflow.escalation import (
    METRIC_WORDS,
    ClientNotified,
    ClientReplied,
    IssueAcknowledged,
    IssueDeescalated,
    IssueEscalated,
    IssueReported,
    IssueResolved,
    SlaClock,
    SlaThresholdReached,
    WaitingOnClient,
)
from clientflow.feedback import FeedbackReceived, FollowUpAssigned, FollowUpOverdue
from clientflow.i18n import N_, Language, language
from clientflow.notify.message import Mention, Message, Segment
from clientflow.risks import ActionOverdue, ReviewMissed, RiskTriggered

__all__ = ["Directory", "Team", "team_message", "team_mirror"]


class Directory(Protocol):
    """What the notifier asks the rules (:class:`clientflow.config.Rules` is one)."""

    def reader(self, client_id: str) -> tuple[str, str]:
        """``(locale, time zone)`` the client reads in."""
        ...

    def person_reader(self, person_id: str) -> tuple[str, str]:
        """``(locale, time zone)`` a team member reads in."""
        ...

    def client_name(self, client_id: str) -> str:
        """The name people read for a client."""
        ...

    def person_name(self, person_id: str) -> str:
        """The name people read for a person."""
        ...

    def mention_ids(self, person_id: str) -> Mapping[str, str]:
        """A person's id per channel type, for @mentions (empty: by name)."""
        ...

    def holders(self, entry: str, client: str = "") -> tuple[str, ...]:
        """The people an escalation level's entry means (``role:pm`` -> its holders),
        as ``client``'s work sees them (no other client's people)."""  # noqa: D205, D209
        ...

    def calendar_for(self, client_id: str) -> BusinessCalendar:
        """The calendar the client's clocks run on."""
        ...

    def notice_level(self, client_id: str) -> str:
        """How much the client is told (:data:`~clientflow.notify.NOTICE_LEVELS`)."""
        ...

    def knows_person(self, person_id: str) -> bool:
        """Whether ``[people]`` lists the person."""
        ...


@runtime_checkable
class _Plans(Protocol):
    """A directory that also knows the clients' communication plans (the rules do)."""

    def plan_items(self, client_id: str) -> tuple[PlanItem, ...]:
        """The items of the client's communication plans."""
        ...


@attrs.frozen
class Team:
    """What a team notice is written with: the rules (``directory``, optional), the
    host's link template (``{id}`` is the aggregate's id) and the client's language and
    zone to fall back on."""  # noqa: D205, D209

    directory: Directory | None = None
    link: str | None = None
    fallback: tuple[str, str] = ("en", "UTC")
    owner: str = ""
    """Who owns the issue now (its id), when the notifier knows (a change's requester)."""
    subject: str = ""
    """What the aggregate is about (an issue's, change's or risk's title), when known."""
    client: str = ""
    """Whose aggregate it is (a communication plan's client), when known."""

    def mention(self, person: str) -> Mention:
        """``person`` as an @mention: their name and channel ids from the rules."""
        if self.directory is None:
            return Mention(person)
        return Mention(self.directory.person_name(person), self.directory.mention_ids(person))

    def people(self, entries: Sequence[str], *, roles: bool = False) -> tuple[str, ...]:
        """Person ids behind a level's entries (roles resolved), each once; with
        ``roles``, a bare name the rules do not know as a person is a role's."""  # noqa: D205, D209
        found: list[str] = []
        for entry in entries:
            if self.directory is None:
                found.append(entry)
            elif roles and not self.directory.knows_person(entry):
                found += self.directory.holders(f"role:{entry}", self.client) or (entry,)
            else:
                found += self.directory.holders(entry, self.client)
        return tuple(dict.fromkeys(found))

    def reader(self, people: Sequence[str]) -> tuple[str, str]:
        """The language and zone of the first person the rules know, else the client's."""
        if self.directory is not None:
            for person in people:
                if self.directory.knows_person(person):
                    return self.directory.person_reader(person)
        return self.fallback

    def person_name(self, person: str) -> str:
        """The name people read for ``person`` (the id without rules)."""
        return person if self.directory is None else self.directory.person_name(person)

    def client_name(self, client: str) -> str:
        """The client's name (its id without rules)."""
        if not client:
            return ""
        return client if self.directory is None else self.directory.client_name(client)

    def left(self, client: str, at: dt.datetime, due: dt.datetime) -> float | None:
        """Business hours from ``at`` to ``due`` on the client's calendar (``None``:
        unknown calendar)."""  # noqa: D205, D209
        if self.directory is None or not client:
            return None
        try:
            calendar = self.directory.calendar_for(client)
        except ClientflowError:
            return None
        return calendar.elapsed(at, due) / dt.timedelta(hours=1)

    def item(self, item_id: str) -> PlanItem | None:
        """A communication plan item of the client, from the rules (``[plans]``)."""
        if isinstance(self.directory, _Plans) and self.client:
            for item in self.directory.plan_items(self.client):
                if item.id == item_id:
                    return item
        return None

    def item_title(self, item_id: str) -> str:
        """A communication plan item's title from the rules, else its id."""
        item = self.item(item_id)
        return item_id if item is None else item.label()

    def link_for(self, aggregate_id: str) -> str | None:
        """The host's link to the aggregate, if it set a template."""
        if self.link is None:
            return None
        return self.link.replace("{id}", urllib.parse.quote(aggregate_id, safe=""))


_language = functools.lru_cache(maxsize=8)(language)
"""A locale's catalogue, read once (a team notice may be in each member's language)."""


def _heading(lang: Language, what: str, issue: str, client: str, priority: str) -> str:
    facts = [part for part in (client, priority) if part]
    tail = lang.aside(lang.comma.join(facts)) if facts else ""
    return f"{what}{lang.colon}{issue}{tail}"


def _who(team: Team, people: Sequence[str]) -> tuple[Segment, ...]:
    mentions = [team.mention(p) for p in people]
    segments: list[Segment] = []
    for n, person in enumerate(mentions):
        if n:
            segments.append(" ")
        segments.append(person)
    return tuple(segments)


def _around(text: str, who: tuple[Segment, ...]) -> tuple[Segment, ...]:
    """``text`` (formatted with a NUL for ``who``) with the mentions put where ``{who}`` was.

    Chinese spaces an @mention from the request after it ("@李伟 请…"), never a word
    ("负责人请…").
    """
    head, _, tail = text.partition("\0")
    if who and not any(isinstance(s, Mention) for s in who) and tail.startswith(" 请"):
        tail = tail[1:]
    return (head, *who, tail)


_ASK = {  # (due ahead, due passed, no deadline): the sentence asking someone to act
    "act": (
        N_("{who}, please {action} by {due} ({left})."),
        N_("{who}, please {action} now: it was due {due}."),
        N_("{who}, please {action}."),
    ),
    "follow": (
        N_("{who}, please follow up: {action} by {due} ({left})."),
        N_("{who}, please follow up and {action} now: it was due {due}."),
        N_("{who}, please follow up and {action}."),
    ),
}


def _act_by(  # noqa: PLR0917 - each is a fact of the sentence
    lang: Language,
    team: Team,
    people: Sequence[str],
    at: dt.datetime,
    due: dt.datetime | None,
    client: str,
    timezone: str,
    action: str,
    ask: str = "act",
) -> tuple[Segment, ...]:
    """Who must act by when, the mention first ("@李伟 请在…前处理（剩余 2 个工作小时）。")."""
    _ = lang.gettext
    ahead, passed, plain = _ASK[ask]
    owner = _("the owner")  # starts the sentence: capitalised where the language has case
    who = _who(team, people) if people else (owner[:1].upper() + owner[1:],)
    if due is None:
        return _around(_(plain).format(who="\0", action=action), who)
    when = lang.instant_within(due, timezone, at)
    hours = team.left(client, at, due)
    if hours is not None and hours <= 0:
        return _around(_(passed).format(who="\0", action=action, due=when), who)
    if hours is None:
        text = _("{who}, please {action} by {due}.")
        return _around(text.format(who="\0", action=action, due=when), who)
    left = lang.time_left(hours)
    return _around(_(ahead).format(who="\0", action=action, due=when, left=left), who)


def _running(clocks: Sequence[SlaClock]) -> SlaClock | None:
    """The running clock due first (stopped and paused clocks set no deadline now)."""
    live = [c for c in clocks if c.stopped_at is None and c.paused_since is None]
    return min(live, key=lambda c: c.deadline, default=None)


def _fired(clocks: Sequence[SlaClock], at: dt.datetime) -> tuple[SlaClock, float] | None:
    """The clock whose threshold fired last by ``at``, with that threshold's fraction."""
    found = [
        (t.at, c.metric, c, t.fraction)
        for c in clocks
        for t in c.thresholds
        if t.fired and t.at <= at
    ]
    if not found:
        return None
    _, _, clock, fraction = max(found, key=lambda f: (f[0], f[3]))
    return clock, fraction


def _sla(lang: Language, metric: str, fraction: float) -> str:
    _ = lang.gettext
    words = _(METRIC_WORDS.get(metric, metric))
    if fraction >= 1:
        return _("{metric} breached").format(metric=words)
    # A stored fraction is the SLA's own threshold (0 to 1); anything else, from a
    # damaged or hand-written event, is shown clamped rather than failing the delivery.
    percent = round(min(max(fraction, 0.0), 1.0) * 100) if math.isfinite(fraction) else 0
    return _("{metric} at {percent}%").format(metric=words, percent=percent)


_ACTIONS = {  # what a clock's deadline asks of whoever must act
    "first_response": N_("respond to the client"),
    "next_reply": N_("reply to the client"),
}


_HANDLE = N_("handle it")  # any other clock's deadline


def _action(lang: Language, metric: str) -> str:
    return lang.gettext(_ACTIONS.get(metric, _HANDLE))


_NOT_YET = {  # what the owner has not done yet, by the clock that fired
    "first_response": N_("{owner}, the owner, has not responded to the client yet ({sla})."),
    "next_reply": N_("{owner}, the owner, has not replied to the client yet ({sla})."),
}


def _why(lang: Language, event: IssueEscalated, owner: str) -> str:
    _ = lang.gettext
    if event.trigger in {"sla warning", "sla breach"}:
        fired = _fired(event.clocks, event.meta.occurred_at)
        if fired is not None:
            sla = _sla(lang, fired[0].metric, fired[1])
            not_yet = _NOT_YET.get(fired[0].metric)
            if owner and not_yet is not None:
                return _(not_yet).format(owner=owner, sla=sla)
            return lang.sentence(_("Why: {why}").format(why=sla))
    words = {
        "complaint": _("client complaint"),
        "not acknowledged": _("not acknowledged in time"),
        "ack expired": _("acknowledged but not resolved in time"),
        "reopened": _("reopened"),
        "no update": _("no update in time"),
    }
    why = words.get(event.trigger)
    return lang.sentence(_("Why: {why}").format(why=why or lang.quote(event.reason)))


def _escalated(event: IssueEscalated, team: Team, client: str, priority: str) -> Message:
    people = team.people((event.assign,) if event.assign else event.notify)
    locale, timezone = team.reader(people)
    lang = _language(locale)
    _ = lang.gettext
    title = _heading(lang, _("Escalated"), event.aggregate_id, team.client_name(client), priority)
    level = _("{name} (level {level})").format(name=event.level_name, level=event.level)
    owner = team.person_name(team.owner) if team.owner else ""
    why = _("Escalated to {level}.").format(level=level)
    why += ("" if lang.locale != "en" else " ") + _why(lang, event, owner)
    fired = _fired(event.clocks, event.meta.occurred_at)
    clock = fired[0] if fired is not None else _running(event.clocks)
    due = None if clock is None or clock.stopped_at is not None else clock.deadline
    action = _action(lang, clock.metric if clock is not None else "")
    at = event.meta.occurred_at
    act = _act_by(lang, team, people, at, due, client, timezone, action, "follow")
    return _finish(lang, team, event, title, (why, act), "alert")


def _threshold(event: SlaThresholdReached, team: Team, client: str, priority: str) -> Message:
    people = team.people(event.notify)
    locale, timezone = team.reader(people)
    lang = _language(locale)
    _ = lang.gettext
    what = _("SLA breached") if event.breach else _("SLA warning")
    title = _heading(lang, what, event.aggregate_id, team.client_name(client), priority)
    state = _sla(lang, event.metric, event.fraction)
    state = lang.sentence(state[:1].upper() + state[1:])
    act = _act_by(
        lang,
        team,
        people,
        event.meta.occurred_at,
        event.deadline,
        client,
        timezone,
        _action(lang, event.metric),
    )
    return _finish(lang, team, event, title, (state, act), "alert" if event.breach else "warning")


def _reported(event: IssueReported, team: Team, client: str, priority: str) -> Message:
    people = team.people((event.owner,))
    locale, timezone = team.reader(people)
    lang = _language(locale)
    _ = lang.gettext
    title = _heading(
        lang, _("New issue"), event.aggregate_id, team.client_name(event.client), event.priority
    )
    first = next((c for c in event.clocks if c.metric == "first_response"), None)
    due = first.deadline if first is not None else None
    act = _act_by(
        lang,
        team,
        people,
        event.meta.occurred_at,
        due,
        event.client,
        timezone,
        _("respond to the client"),
    )
    return _finish(lang, team, event, title, (lang.quote(event.title), act))


_STEPS = {  # what a feedback follow-up step asks of its owner, as an action
    "triage": N_("triage the feedback"),
    "thank": N_("thank the client"),
    "assign": N_("assign a follow-up owner"),
    "contact": N_("contact the client"),
    "plan": N_("plan an action"),
    "complete": N_("complete the action"),
    "confirm": N_("confirm with the client"),
    "close": N_("close the feedback"),
}


def _follow_up(event: FollowUpOverdue, team: Team, client: str) -> Message:
    people = team.people((event.owner,) if event.owner else ())
    locale, timezone = team.reader(people)
    lang = _language(locale)
    _ = lang.gettext
    title = _heading(
        lang, _("Follow-up overdue"), event.aggregate_id, team.client_name(event.client), ""
    )
    action = _(_STEPS[event.step]) if event.step in _STEPS else event.step
    at = event.meta.occurred_at
    late = _("{action}: overdue (it was due {due}).").format(
        action=action[:1].upper() + action[1:], due=lang.instant_within(event.was_due, timezone, at)
    )
    act = _act_by(lang, team, people, at, event.next_deadline, event.client, timezone, action)
    return _finish(lang, team, event, title, (late, act), "warning")


_STEPS_TAKEN = {  # an issue's step by the team or the client: its title
    IssueAcknowledged: N_("Acknowledged"),
    WaitingOnClient: N_("Waiting on the client"),
    ClientReplied: N_("Client replied"),
    IssueResolved: N_("Resolved"),
    IssueDeescalated: N_("Escalation closed"),
}


def _step(event: DomainEvent, team: Team, client: str, priority: str) -> Message:
    """An issue's step: who did what, and who acts next if anyone must."""
    owner = team.owner or event.meta.actor
    people = (owner,) if owner else ()
    locale, timezone = team.reader(people)
    lang = _language(locale)
    _ = lang.gettext
    what = _(_STEPS_TAKEN[type(event)])
    title = _heading(lang, what, event.aggregate_id, team.client_name(client), priority)
    actor = team.person_name(event.meta.actor)
    lines: tuple[str | tuple[Segment, ...], ...]
    if isinstance(event, IssueAcknowledged):
        lines = (_("{person} has responded to the client.").format(person=actor),)
    elif isinstance(event, WaitingOnClient):
        asked = _("{person} asked the client: {question}").format(
            person=actor, question=lang.quote(event.reason)
        )
        lines = (asked + _("; the SLA clock is paused until the client replies."),)
    elif isinstance(event, ClientReplied):
        ask = (
            _("{who}, please carry on; the SLA clock is running again.")
            if event.resumed
            else _("{who}, please carry on.")
        )
        lines = (lang.quote(event.message), _around(ask.format(who="\0"), _who(team, people)))
    elif isinstance(event, IssueResolved):
        lines = (
            _("{person}: {resolution}").format(
                person=actor, resolution=lang.sentence(event.resolution)
            ),
        )
    else:
        assert isinstance(event, IssueDeescalated)
        lines = (
            _("The issue is resolved; its escalation is closed.")
            if event.reason == "resolved"
            else lang.sentence(_("Why: {why}").format(why=lang.quote(event.reason))),
        )
    del timezone  # a step has no deadline to show
    return _finish(lang, team, event, title, lines)


def team_mirror(event: ClientNotified, team: Team, client: str, told: Segment) -> Message:
    """What the team's group reads when the client was told something: "told the
    client", the client's name and the words the client read, quoted."""  # noqa: D205, D209
    locale, _zone = team.fallback
    lang = _language(locale)
    _ = lang.gettext
    title = _heading(lang, _("Client notified"), event.aggregate_id, team.client_name(client), "")
    return _finish(lang, team, event, title, (lang.quote(str(told), whole=True),))


def _finish(  # noqa: PLR0917 - each is a part of the message
    lang: Language,
    team: Team,
    event: DomainEvent,
    title: str,
    lines: Sequence[str | tuple[Segment, ...]],
    severity: str = "info",
) -> Message:
    link = team.link_for(event.aggregate_id)
    label = lang.gettext("Open: ") if link is not None else ""
    return Message(
        title, tuple(lines), link=link, link_label=label, locale=lang.locale, severity=severity
    )


@attrs.frozen
class _Family:
    """How a team notice of one event type reads: its title, what happened (lines, each
    given the language and the team), who must act, by when, doing what, how urgent."""  # noqa: D205, D209

    title: str
    said: Callable[[DomainEvent, Language, Team], tuple[str, ...]]
    people: Callable[[DomainEvent, Team], tuple[str, ...]]
    due: Callable[[DomainEvent, Team], dt.datetime | None]
    action: Callable[[DomainEvent, Language, Team], str]
    severity: str = "info"
    ask: str = "act"
    """How the ask reads (:data:`_ASK`); ``""``: the notice only tells what happened."""


def _owner(event: DomainEvent, team: Team) -> tuple[str, ...]:
    """The aggregate's owner (the event's own when it names one), else nobody named."""
    named = getattr(event, "owner", None)
    owner = named if isinstance(named, str) and named else team.owner
    return (owner,) if owner else ()


def _nobody(event: DomainEvent, team: Team) -> tuple[str, ...]:
    return ()


def _pm(event: DomainEvent, team: Team) -> tuple[str, ...]:
    """The project managers (``[directory] pm``), who assess and schedule a change: the
    requester is often the client."""  # noqa: D205, D209
    return () if team.directory is None else team.directory.holders("role:pm")


def _never(event: DomainEvent, team: Team) -> dt.datetime | None:
    return None


def _field(name: str) -> Callable[[DomainEvent, Team], dt.datetime | None]:
    """The deadline an event carries in its field ``name``."""

    def due(event: DomainEvent, team: Team) -> dt.datetime | None:
        found = getattr(event, name, None)
        return found if isinstance(found, dt.datetime) else None

    return due


def _occurrence_due(event: DomainEvent, team: Team) -> dt.datetime | None:
    """When a communication due now turns overdue: its instant plus the item's grace,
    in business time on the client's calendar."""  # noqa: D205, D209
    assert isinstance(event, OccurrenceDue)
    item = team.item(event.item_id)
    if item is None or team.directory is None or not team.client:
        return None
    try:
        calendar = team.directory.calendar_for(team.client)
    except ClientflowError:
        return None
    return calendar.add(event.at, item.grace)


def _approvers(event: DomainEvent, team: Team) -> tuple[str, ...]:
    """Who an approval waits on or escalates to: people, or roles' holders (approval
    rules name either)."""  # noqa: D205, D209
    if isinstance(event, ApprovalRequested):
        entries: tuple[str, ...] = tuple(sorted(event.round.pending()))
    elif isinstance(event, ApprovalStageOpened):
        entries = tuple(sorted(event.approvers))
    else:
        entries = tuple(getattr(event, "notify", ()))
    return team.people(entries, roles=True)


def _subject(event: DomainEvent, lang: Language, team: Team) -> tuple[str, ...]:
    """The subject quoted, when the notifier knows it."""
    return (lang.quote(team.subject),) if team.subject else ()


def _silent(event: DomainEvent, lang: Language, team: Team) -> str:
    return ""  # a notice that asks nothing of anyone


def _words(message: str) -> Callable[[DomainEvent, Language, Team], str]:
    return lambda event, lang, team: lang.gettext(message)


def _requested(event: DomainEvent, lang: Language, team: Team) -> tuple[str, ...]:
    assert isinstance(event, ChangeRequested)
    by = lang.gettext("{person} requested this change.").format(
        person=team.person_name(event.meta.actor)
    )
    return (lang.quote(event.title), by)


def _impact(event: DomainEvent, lang: Language, team: Team) -> tuple[str, ...]:
    """What the assessment found for schedule and cost, as the team reads it first."""
    assert isinstance(event, ChangeAssessed)
    _ = lang.gettext
    days, cost = event.impact.schedule_days, event.impact.cost
    if days > 0:
        schedule = lang.ngettext(
            "Schedule slips by {n} business day", "Schedule slips by {n} business days", days
        ).format(n=days)
    elif days < 0:
        schedule = lang.ngettext(
            "Schedule gains {n} business day", "Schedule gains {n} business days", -days
        ).format(n=-days)
    else:
        schedule = _("Schedule unchanged")
    if cost.amount:
        worded = _("cost rises by {cost}") if cost.amount > 0 else _("cost falls by {cost}")
        money = worded.format(cost=lang.money(abs(cost.amount), cost.currency))
    else:
        money = _("cost unchanged")
    return (lang.sentence(schedule + lang.comma + money),)


def _voted(event: DomainEvent, lang: Language, team: Team) -> tuple[str, ...]:
    assert isinstance(event, VoteCast)
    _ = lang.gettext
    vote = event.vote
    voter, principal = team.person_name(vote.voter), team.person_name(vote.principal)
    approved = vote.verdict is Verdict.APPROVE
    if vote.voter != vote.principal:
        said = (
            _("{voter} approved this change for {principal}.")
            if approved
            else _("{voter} rejected this change for {principal}.")
        ).format(voter=voter, principal=principal)
    else:
        said = (
            _("{voter} approved this change.") if approved else _("{voter} rejected this change.")
        ).format(voter=voter)
    return (said, lang.quote(vote.comment, whole=True)) if vote.comment else (said,)


def _pending(event: DomainEvent, lang: Language, team: Team) -> tuple[str, ...]:
    assert isinstance(event, ApprovalEscalated)
    waiting = lang.items(sorted(team.person_name(p) for p in event.pending))
    return (
        *_subject(event, lang, team),
        lang.gettext("Still waiting on {who}.").format(who=waiting),
    )


def _rejected(event: DomainEvent, lang: Language, team: Team) -> tuple[str, ...]:
    assert isinstance(event, ChangeRejected)
    by = lang.items(sorted(team.person_name(p) for p in event.rejected_by))
    return (*_subject(event, lang, team), lang.gettext("Rejected by {who}.").format(who=by))


def _sent_back(event: DomainEvent, lang: Language, team: Team) -> tuple[str, ...]:
    assert isinstance(event, ChangeSentBack)
    why = lang.sentence(lang.gettext("Why: {why}").format(why=lang.quote(event.reason)))
    return (*_subject(event, lang, team), why)


def _feedback(event: DomainEvent, lang: Language, team: Team) -> tuple[str, ...]:
    assert isinstance(event, FeedbackReceived)
    scores = [f"CSAT {event.csat}" if event.csat is not None else ""]
    scores.append(f"NPS {event.nps}" if event.nps is not None else "")
    shown = lang.comma.join(s for s in scores if s)
    lines = (lang.quote(event.text, whole=True),) if event.text else ()
    return (*lines, shown) if shown else lines


def _next_step(event: DomainEvent, lang: Language, team: Team) -> str:
    step = getattr(event, "next_step", None) or ""
    return lang.gettext(_STEPS[step]) if step in _STEPS else lang.gettext(_HANDLE)


def _item(event: DomainEvent, lang: Language, team: Team) -> tuple[str, ...]:
    item = getattr(event, "item_id", "")
    title = team.item_title(item)
    return (lang.gettext("Communication: {item}.").format(item=lang.quote(title)),)


def _do_item(event: DomainEvent, lang: Language, team: Team) -> str:
    title = team.item_title(getattr(event, "item_id", ""))
    return lang.gettext("take care of {item}").format(item=lang.quote(title))


def _silence(event: DomainEvent, lang: Language, team: Team) -> tuple[str, ...]:
    assert isinstance(event, SilenceDetected)
    if event.last_outbound is None:
        return (lang.gettext("No one has contacted the client yet."),)
    at, zone = event.meta.occurred_at, team.reader(_owner(event, team))[1]
    when = lang.instant_within(event.last_outbound, zone, at)
    return (lang.gettext("Last contact with the client: {when}.").format(when=when),)


def _owed(event: DomainEvent, lang: Language, team: Team) -> tuple[str, ...]:
    assert isinstance(event, ReplyOwed)
    at, zone = event.meta.occurred_at, team.reader(_owner(event, team))[1]
    when = lang.instant_within(event.received_at, zone, at)
    return (lang.gettext("The client wrote {when}; no one has replied yet.").format(when=when),)


def _triggered(event: DomainEvent, lang: Language, team: Team) -> tuple[str, ...]:
    assert isinstance(event, RiskTriggered)
    opened = lang.gettext("Issue {issue} opened ({priority}).").format(
        issue=event.issue_id, priority=event.priority
    )
    return (*_subject(event, lang, team), opened)


def _risk_action(event: DomainEvent, lang: Language, team: Team) -> tuple[str, ...]:
    assert isinstance(event, ActionOverdue)
    return (
        *_subject(event, lang, team),
        lang.gettext("Response action {action} is overdue.").format(action=event.action_id),
    )


_FAMILIES: Mapping[type[DomainEvent], _Family] = {
    ChangeRequested: _Family(
        N_("New change request"), _requested, _nobody, _never, _silent, ask=""
    ),
    ChangeSubmitted: _Family(
        N_("Awaiting assessment"),
        _subject,
        _pm,
        _never,
        _words(N_("assess its impact on schedule, cost, effort and risk")),
    ),
    ChangeAssessed: _Family(N_("Impact assessed"), _impact, _nobody, _never, _silent, ask=""),
    VoteCast: _Family(N_("Vote cast"), _voted, _nobody, _never, _silent, ask=""),
    ApprovalRequested: _Family(
        N_("Approval needed"),
        _subject,
        _approvers,
        lambda e, t: e.round.deadline if isinstance(e, ApprovalRequested) else None,
        _words(N_("approve or reject the change")),
    ),
    ApprovalStageOpened: _Family(
        N_("Approval needed"),
        _subject,
        _approvers,
        _never,
        _words(N_("approve or reject the change")),
    ),
    ApprovalEscalated: _Family(
        N_("Approval overdue"),
        _pending,
        _approvers,
        _field("next_deadline"),
        _words(N_("get the change decided")),
        "alert",
        "follow",
    ),
    ChangeApproved: _Family(
        # the requester is often the client: whoever owns the project acts
        N_("Change approved"),
        _subject,
        _pm,
        _never,
        _words(N_("implement the change")),
    ),
    ChangeRejected: _Family(
        N_("Change rejected"), _rejected, _nobody, _never, _words(N_("tell the client"))
    ),
    ChangeSentBack: _Family(
        N_("Change sent back"),
        _sent_back,
        _owner,
        _never,
        _words(N_("revise the change and submit it again")),
        "warning",
    ),
    FeedbackReceived: _Family(
        N_("New feedback"),
        _feedback,
        _owner,
        _field("due"),
        _words(N_("triage the feedback")),
    ),
    FollowUpAssigned: _Family(
        N_("Follow-up assigned"), _subject, _owner, _field("due"), _next_step
    ),
    OccurrenceDue: _Family(N_("Communication due"), _item, _owner, _occurrence_due, _do_item),
    OccurrenceOverdue: _Family(
        N_("Communication overdue"),
        _item,
        _owner,
        _field("due_by"),
        _do_item,
        "warning",
    ),
    SilenceDetected: _Family(
        N_("Client not contacted"),
        _silence,
        _owner,
        _never,
        _words(N_("contact the client")),
        "warning",
    ),
    ReplyOwed: _Family(
        N_("Client message awaiting a reply"),
        _owed,
        _owner,
        lambda e, t: e.meta.occurred_at,  # fired when the reply was due
        _words(N_("reply to the client")),
        "warning",
    ),
    ReviewMissed: _Family(
        N_("Risk review overdue"),
        _subject,
        _owner,
        _field("was_due"),
        _words(N_("review the risk")),
        "warning",
    ),
    ActionOverdue: _Family(
        N_("Risk action overdue"),
        _risk_action,
        _owner,
        _field("was_due"),
        _words(N_("complete the action")),
        "alert",
    ),
    RiskTriggered: _Family(
        N_("Risk triggered"), _triggered, _owner, _never, _words(N_("handle the issue")), "alert"
    ),
}


_HAPPENED: Mapping[str, tuple[str, str, str]] = {
    # event type: (title, what happened, the field quoted on its own line when written)
    "change.implemented": (
        N_("Change implemented"),
        N_("{person} implemented the change."),
        "note",
    ),
    "change.closed": (N_("Change closed"), N_("{person} closed the change."), ""),
    "change.withdrawn": (N_("Change withdrawn"), N_("{person} withdrew the change."), "reason"),
    "change.deferred": (
        N_("Change deferred"),
        N_("{person} deferred the change to release {release}."),
        "reason",
    ),
    "issue.closed": (N_("Issue closed"), N_("{person} closed the issue."), ""),
    "issue.reopened": (N_("Issue reopened"), N_("{person} reopened the issue."), "reason"),
    "issue.investigation_started": (N_("Investigating"), N_("{person} started investigating."), ""),
    "issue.solution_proposed": (
        N_("Solution proposed"),
        N_("{person} proposed a solution."),
        "solution",
    ),
    "issue.solution_rejected": (
        N_("Solution rejected"),
        N_("{person} rejected the proposed solution."),
        "reason",
    ),
    "issue.team_replied": (
        N_("Replied to the client"),
        N_("{person} replied to the client."),
        "message",
    ),
    "issue.updated": (N_("Progress update"), N_("{person} added an update."), "note"),
    "issue.priority_changed": (
        N_("Priority changed"),
        N_("{person} changed the priority from {old} to {new}."),
        "",
    ),
    "issue.escalation_acknowledged": (
        N_("Escalation acknowledged"),
        N_("{person} acknowledged the escalation."),
        "",
    ),
    "issue.sla_paused": (N_("SLA clock paused"), N_("{person} paused the SLA clock."), "note"),
    "issue.sla_resumed": (N_("SLA clock resumed"), N_("{person} resumed the SLA clock."), "note"),
    "feedback.triaged": (N_("Feedback triaged"), N_("{person} triaged the feedback."), ""),
    "feedback.thanked": (N_("Client thanked"), N_("{person} thanked the client."), "message"),
    "feedback.client_contacted": (
        N_("Client contacted"),
        N_("{person} contacted the client."),
        "note",
    ),
    "feedback.action_planned": (N_("Action planned"), N_("{person} planned an action."), "plan"),
    "feedback.action_completed": (
        N_("Action completed"),
        N_("{person} completed the action."),
        "note",
    ),
    "feedback.client_confirmed": (
        N_("Client confirmed"),
        N_("{person} recorded the client's confirmation."),
        "note",
    ),
    "feedback.closed": (N_("Feedback closed"), N_("{person} closed the feedback."), ""),
    "feedback.follow_up_reopened": (
        N_("Follow-up reopened"),
        N_("{person} reopened the follow-up."),
        "reason",
    ),
    "risk.identified": (N_("New risk"), N_("{person} identified this risk."), ""),
    "risk.assessed": (N_("Risk assessed"), N_("{person} assessed the risk."), ""),
    "risk.response_planned": (
        N_("Risk response planned"),
        N_("{person} planned the risk response."),
        "",
    ),
    "risk.monitoring_started": (
        N_("Risk monitored"),
        N_("{person} started monitoring the risk."),
        "note",
    ),
    "risk.action_done": (
        N_("Risk action done"),
        N_("{person} completed response action {action_id}."),
        "note",
    ),
    "risk.reviewed": (N_("Risk reviewed"), N_("{person} reviewed the risk."), "note"),
    "risk.closed": (N_("Risk closed"), N_("{person} closed the risk."), "note"),
    "cadence.plan_created": (
        N_("Communication plan created"),
        N_("{person} created the communication plan."),
        "",
    ),
    "cadence.plan_archived": (
        N_("Communication plan archived"),
        N_("{person} archived the communication plan."),
        "",
    ),
    "cadence.item_added": (
        N_("Communication added"),
        N_("{person} added a communication to the plan."),
        "",
    ),
    "cadence.item_removed": (
        N_("Communication removed"),
        N_("{person} removed communication {item_id}."),
        "",
    ),
    "cadence.touchpoint_recorded": (
        N_("Contact recorded"),
        N_("{person} recorded a contact with the client."),
        "",
    ),
    "survey.sent": (N_("Survey sent"), N_("Survey {survey_id} was sent to the client."), ""),
    "survey.reminded": (
        N_("Survey reminder sent"),
        N_("The client was reminded of survey {survey_id}."),
        "",
    ),
    "survey.answered": (N_("Survey answered"), N_("The client answered survey {survey_id}."), ""),
    "survey.expired": (N_("Survey expired"), N_("Survey {survey_id} expired unanswered."), ""),
    "survey.deferred": (N_("Survey deferred"), N_("Survey {survey_id} was deferred."), ""),
    "survey.dropped": (N_("Survey dropped"), N_("Survey {survey_id} was dropped."), ""),
    "survey.periodic_scheduled": (
        N_("Periodic survey scheduled"),
        N_("A periodic survey is scheduled."),
        "",
    ),
}
"""The steps that ask nothing of anyone: who did what, what they wrote (a built-in
workflow's other events; each event type the team group sees is worded)."""

_FACTS = ("release", "old", "new", "action_id", "item_id", "survey_id")
"""The fields a step's sentence names (ids, releases, priorities), as written."""


def _happened(event: DomainEvent, team: Team, client: str, priority: str) -> Message:
    """A step of a built-in workflow: who did what, and what they wrote, quoted."""
    title, said, quoted = _HAPPENED[event.event_type]
    client = getattr(event, "client", "") or client
    # in the language of whoever owns it, else of who did it, as an issue's steps are
    locale, _zone = team.reader((*_owner(event, team), event.meta.actor))
    lang = _language(locale)
    _ = lang.gettext
    # the heading names an issue's priority; other kinds' (a change's MoSCoW, a risk's
    # rating) read as codes there
    shown = priority if event.event_type.startswith("issue.") else ""
    heading = _heading(lang, _(title), event.aggregate_id, team.client_name(client), shown)
    facts = {name: str(getattr(event, name, "")) for name in _FACTS}
    actor = event.meta.actor
    # a timer's step (an automatic close) is clientflow's own, not a person's
    person = _("The system") if actor == "system" else team.person_name(actor)
    line = _(said).format(person=person, **facts)
    lines = [*_subject(event, lang, team), line]
    written = getattr(event, quoted, "") if quoted else ""
    if isinstance(written, str) and written.strip():
        lines.append(lang.quote(written, whole=True))
    return _finish(lang, team, event, heading, lines)


def _custom(event: DomainEvent) -> _Family | None:
    """A custom workflow's item (``<name>.opened``, ``.stepped``, ``.reminded``): its
    owner or the people to remind, its deadline (notify sits below config, so the
    events are read by their fields)."""  # noqa: D205, D209
    kind, _, what = event.event_type.rpartition(".")
    if not kind or what not in _CUSTOM:
        return None
    title, action = _CUSTOM[what]
    return _Family(
        title,
        _subject,
        (lambda e, t: t.people(getattr(e, "notify", ()))) if what == "reminded" else _owner,
        _field("deadline"),
        _words(action),
        "warning" if what == "reminded" else "info",
    )


_CUSTOM = {
    "opened": (N_("Opened"), N_("take it on")),
    "stepped": (N_("Moved on"), N_("take the next step")),
    "reminded": (N_("Waiting too long"), N_("move it on")),
}


def _family(event: DomainEvent, family: _Family, team: Team, client: str) -> Message:
    """A notice of ``family``: what happened, then who must act by when (the same
    sentences as an issue's), then the host's link."""  # noqa: D205, D209
    client = getattr(event, "client", "") or client
    team = attrs.evolve(team, client=client)
    people = family.people(event, team)
    locale, timezone = team.reader(people)
    lang = _language(locale)
    what = lang.gettext(family.title)
    title = _heading(lang, what, event.aggregate_id, team.client_name(client), "")
    lines: list[str | tuple[Segment, ...]] = list(family.said(event, lang, team))
    action = family.action(event, lang, team)
    at = event.meta.occurred_at
    due = family.due(event, team)
    if family.ask:
        lines.append(_act_by(lang, team, people, at, due, client, timezone, action, family.ask))
    return _finish(lang, team, event, title, lines, family.severity)


def team_message(
    event: DomainEvent, team: Team | None = None, client: str = "", priority: str = ""
) -> Message | None:
    """The team notice of ``event`` (``None``: clientflow does not word this event type).

    Worded today: a new issue (``issue.reported``), an SLA warning or breach
    (``issue.sla_threshold_reached``), an escalation (``issue.escalated``), an issue's
    steps (``issue.acknowledged``, ``issue.waiting_on_client``, ``issue.client_replied``,
    ``issue.resolved``, ``issue.deescalated``) and an overdue feedback follow-up
    (``feedback.follow_up_overdue``), and each other family's events that ask someone to
    act (:data:`_FAMILIES`: approvals, feedback, communications, risks; a custom
    workflow's ``opened``, ``stepped`` and ``reminded``), and every other step of the
    built-in workflows as who did what (:data:`_HAPPENED`). What the client was told
    reads as :func:`team_mirror`.
    """
    team = team or Team()
    if isinstance(event, IssueEscalated):
        return _escalated(event, team, client, priority)
    if isinstance(event, SlaThresholdReached):
        return _threshold(event, team, client, priority)
    if isinstance(event, IssueReported):
        return _reported(event, team, client, priority)
    if isinstance(event, FollowUpOverdue):
        return _follow_up(event, team, client)
    if type(event) in _STEPS_TAKEN:
        return _step(event, team, client, priority)
    if isinstance(event, RulesStep):
        return _rules_step(event, team, client)
    if isinstance(event, RulesEscalation):
        return _rules_escalated(event, team, client)
    if event.event_type in _HAPPENED:  # before _custom: survey.reminded is built in
        return _happened(event, team, client, priority)
    family = _FAMILIES.get(type(event)) or _custom(event)
    if family is not None:
        return _family(event, family, team, client)
    return None


@runtime_checkable
class RulesStep(Protocol):
    """A step of a workflow declared in the rules file (``<name>.stepped``): the command
    run, who is copied (``cc``, person ids) and what the client reads (``client_label``;
    empty: the client is not told)."""  # noqa: D205, D209

    transition: str
    cc: tuple[str, ...]
    client_label: str


@runtime_checkable
class RulesEscalation(Protocol):
    """A rules workflow's item climbing its escalation ladder (``<name>.escalated``)."""

    level_name: str
    notify: tuple[str, ...]
    assign: str


def _rules_step(event: DomainEvent, team: Team, client: str) -> Message:
    """Who ran which command, with the people copied @mentioned (抄送)."""
    assert isinstance(event, RulesStep)
    copied = team.people(event.cc)
    locale, _zone = team.reader(copied)
    lang = _language(locale)
    _ = lang.gettext
    title = _heading(lang, event.transition, event.aggregate_id, team.client_name(client), "")
    ran = _("{person} ran {command}.").format(
        person=team.person_name(event.meta.actor), command=event.transition
    )
    lines: list[str | tuple[Segment, ...]] = [ran]
    if copied:
        lines.append(_around(_("Copied: {who}").format(who="\0"), _who(team, copied)))
    return _finish(lang, team, event, title, lines)


def _rules_escalated(event: DomainEvent, team: Team, client: str) -> Message:
    """The ladder's level told, @mentioned, to see to the item."""
    assert isinstance(event, RulesEscalation)
    people = team.people(event.notify)
    locale, _zone = team.reader(people)
    lang = _language(locale)
    _ = lang.gettext
    title = _heading(lang, _("Escalated"), event.aggregate_id, team.client_name(client), "")
    ask = _("Escalated to {level}: {who}, please take a look.").format(
        level=event.level_name, who="\0"
    )
    return _finish(lang, team, event, title, (_around(ask, _who(team, people)),), "warning")
