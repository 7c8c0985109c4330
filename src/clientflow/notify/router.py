"""Which events go to which channel, for which client and priority: the engine's notifier.

A :class:`Router` is the ``Notifier`` the engine hands each event to. It matches the
event against the routes (event types, clients, priorities), renders the text once,
and sends it to each matching channel in route order. A channel with a rate limit
(the Chinese group robots take about 20 messages a minute) counts against a
sliding minute; when the minute is full the router raises
:class:`~clientflow.ports.RateLimited` with the seconds until the minute has room, so the
event waits in the feed (queued, never dropped, never counted as a failed attempt) and
the engine offers it again then, in order.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence

import attrs
import jinja2
import markupsafe

from clientflow.core import Codec, DomainEvent, ValidationError, check_id, json_form
from clientflow.escalation import ClientNotified
from clientflow.i18n import Language, Templates, language
from clientflow.notify.channels import Channel, Now, RichChannel
from clientflow.notify.message import Message
from clientflow.notify.messages import details
from clientflow.notify.notices import DEFAULT_NOTICES, client_notice, client_title
from clientflow.notify.team import Directory, Team, team_message, team_mirror
from clientflow.ports import EventLog, PermanentDeliveryError, RateLimited, StoredEvent

__all__ = ["AUDIENCES", "RateLimit", "Route", "Router", "describe_from", "subject_from"]

AUDIENCES = ("team", "client")
"""Who reads a channel: the team's own group (team notices) or the client (client
notices only, as the client's notice policy allows)."""

Describe = Callable[[str], tuple[str, str]]
"""An aggregate id -> its ``(client, priority)``, empty strings where unknown."""

Subject = Callable[[str], tuple[str, str]]
"""An aggregate id -> its ``(subject, owner)`` (an issue's title and owner), empty strings
where unknown: what a client notice's title and a team notice's "who owns it" name."""


def _names(values: Sequence[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(check_id(v, "route") for v in values)


@attrs.frozen
class Route:
    """Events of these types (all, if empty), for these clients and priorities (any, if
    ``None``), go to these channels."""  # noqa: D205, D209

    channels: tuple[str, ...]
    events: frozenset[str] = frozenset()
    clients: frozenset[str] | None = attrs.field(default=None, converter=_names)
    priorities: frozenset[str] | None = attrs.field(default=None, converter=_names)

    def matches(self, event_type: str, client: str, priority: str) -> bool:
        """Whether an event of this type, client and priority takes this route."""
        return (
            (not self.events or event_type in self.events)
            and (self.clients is None or client in self.clients)
            and (self.priorities is None or priority in self.priorities)
        )


@attrs.define
class RateLimit:
    """At most ``per_minute`` messages in any 60 seconds (a sliding window, as the robots
    count: a burst of 20 then nothing until the first of them is a minute old)."""  # noqa: D205, D209

    per_minute: int
    now: Now
    _sent: deque[float] = attrs.field(init=False, factory=deque)

    def take(self) -> bool:
        """Count one message now if the last minute has room for it."""
        now = self.now()
        while self._sent and self._sent[0] <= now - 60:
            self._sent.popleft()
        if len(self._sent) >= self.per_minute:
            return False
        self._sent.append(now)
        return True

    def wait(self) -> float:
        """Seconds until the minute has room again (0 when it has now)."""
        if len(self._sent) < self.per_minute:
            return 0.0
        return max(self._sent[0] + 60 - self.now(), 0.0)


class Router:
    """The notifier: routes each event to its channels (see the module docstring).

    What each channel is sent depends on who reads it (``audience``, by channel name:
    ``team`` unless given). A client's channel gets only what the client's notice
    policy tells (:func:`~clientflow.notify.client_notice`: received, being handled,
    waiting on you, resolved, and at ``standard`` escalated), in the client's language
    and zone (``reader``); anything else is not sent there. A team channel gets team
    notices (:func:`~clientflow.notify.team.team_message`: who must act, by when, the
    ``link``), with names, @mentions, languages and calendars from ``directory`` (the
    rules). What the client is told (``issue.client_notified``) reaches a team channel
    as "told the client" with the client's words quoted. A client notice's title is what
    happened and the issue's subject (``subject``, e.g. :func:`subject_from`; the id
    without it); an email to a client opens with a greeting and, when ``team_name`` is
    set (``[notify] team_name``), ends with it. An event type clientflow does not word
    (a host's own workflow kind's) keeps a one-line summary; a host template words any
    event type:
    ``notify/<event type>.<channel type>.j2`` or
    ``notify/<event type>.j2`` in ``templates``' folders (the host's first), rendered
    with ``id`` (the aggregate's), ``event_type``, ``event`` (its JSON form), ``message``,
    ``text``, ``markdown`` (the message in
    the channel's markup), ``link``, ``client``, ``client_name`` and ``priority``; its
    output is posted as the message's body. A template's own error parks the event.

    A channel that took an event is remembered (the last 10,000), so when a later
    channel fails and the engine offers the event again, the ones that took it are not
    sent it twice by this process; after a restart a receiver recognises a repeat by
    the event id every message carries.
    """

    def __init__(
        self,
        routes: Sequence[Route],
        channels: Mapping[str, Channel],
        *,
        describe: Describe,
        now: Now,
        per_minute: Mapping[str, int] | None = None,
        reader: Callable[[str], tuple[str, str]] | None = None,
        directory: Directory | None = None,
        audience: Mapping[str, str] | None = None,
        link: str | None = None,
        templates: Templates | None = None,
        subject: Subject | None = None,
        team_name: str = "",
    ) -> None:
        unknown = sorted({c for r in routes for c in r.channels} - set(channels))
        if unknown:
            raise ValidationError(
                "routes.channels", f"channels among: {', '.join(sorted(channels))}", got=unknown
            )
        self.routes = tuple(routes)
        self.channels = dict(channels)
        self._describe = describe
        self._limits = {name: RateLimit(n, now) for name, n in (per_minute or {}).items()}
        self._sent: OrderedDict[tuple[str, str], None] = OrderedDict()
        for name, who in (audience or {}).items():
            if who not in AUDIENCES:
                raise ValidationError(f"{name}.audience", f"one of {', '.join(AUDIENCES)}", got=who)
        if reader is None and directory is not None:
            reader = directory.reader
        self._reader = reader or (lambda client: ("en", "UTC"))
        self._directory = directory
        self._audience = dict(audience or {})
        self._link = link
        self._templates = templates
        self._subject = subject or (lambda aggregate_id: ("", ""))
        self._team_name = team_name
        self._missing: set[str] = set()
        self._languages: dict[str, Language] = {}

    def targets(self, event_type: str, client: str, priority: str) -> tuple[str, ...]:
        """The channels an event goes to, in route order, each once."""
        found = (
            name
            for route in self.routes
            if route.matches(event_type, client, priority)
            for name in route.channels
        )
        return tuple(dict.fromkeys(found))

    def _language(self, locale: str) -> Language:
        if locale not in self._languages:
            self._languages[locale] = language(locale)
        return self._languages[locale]

    def message(
        self, event: DomainEvent, audience: str, client: str, priority: str
    ) -> Message | None:
        """What ``audience`` (team or client) is sent of ``event`` (``None``: nothing)."""
        locale, timezone = self._reader(client)
        subject, owner = self._subject(event.aggregate_id)
        if audience == "client":
            return self._client_message(event, client, subject, locale, timezone)
        team = Team(self._directory, self._link, (locale, timezone), owner, subject, client)
        if isinstance(event, ClientNotified):
            # The team sees what its client was told, quoted, in the client's language.
            told = self._client_message(event, client, subject, locale, timezone)
            if told is None:
                return None
            return team_mirror(event, team, client, told.lines[0][0])
        worded = team_message(event, team, client, priority)
        if worded is not None:
            return worded
        # Not worded: the fields as they are, with the event id a receiver can recognise
        # a redelivery by (a host template words it better).
        fields = f"{details(event)} [{event.event_id}]".lstrip()
        title = f"{event.aggregate_id}: {event.event_type}"
        link = team.link_for(event.aggregate_id)
        label = self._language(locale).gettext("Open: ") if link is not None else ""
        return Message(title, (fields,), link=link, link_label=label, locale=locale)

    def _client_message(
        self, event: DomainEvent, client: str, subject: str, locale: str, timezone: str
    ) -> Message | None:
        """The client's notice: its state and subject as the title, greeted and signed
        (the greeting and sign-off show in an email).
        """  # noqa: D205
        level = DEFAULT_NOTICES
        if self._directory is not None and client:
            level = self._directory.notice_level(client)
        lang = self._language(locale)
        said = client_notice(event, level, lang, timezone)
        if said is None:
            return None
        _ = lang.gettext
        return Message(
            client_title(event, lang, subject),
            (said,),
            locale=locale,
            greeting=_("Hello,"),
            # A letter is never left unsigned: without [notify] team_name, the team signs.
            sign_off=_("Best regards,\n{team}").format(
                team=self._team_name or _("Your project team")
            ),
        )

    def _template(self, kind: str, event: DomainEvent) -> str | None:
        """The host's template for this event type on this channel type, if any."""
        if self._templates is None:
            return None
        names = [f"notify/{event.event_type}.j2"]
        if kind:
            names.insert(0, f"notify/{event.event_type}.{kind}.j2")
        for name in names:
            if name not in self._missing:
                if self._templates.has(name):
                    return name
                self._missing.add(name)
        return None

    def _hosted(
        self, message: Message, kind: str, event: DomainEvent, client: str, priority: str
    ) -> Message:
        """``message`` with a host template's output as its body, if the host has one."""
        try:
            name = self._template(kind, event)
        except jinja2.TemplateError as error:
            raise PermanentDeliveryError(f"template for {event.event_type}: {error}") from None
        if name is None or self._templates is None:
            return message
        context = {
            "id": event.aggregate_id,
            "event_type": event.event_type,
            "event": json_form(event),
            "message": message,
            # clientflow's own layout, kept line for line (people's words in it are
            # escaped for the channel already), not indented as a multi-line value
            "text": markupsafe.Markup(message.text),
            "markdown": markupsafe.Markup(message.markdown(kind) if kind else message.text),
            "link": message.link,
            "client": client,
            "client_name": client
            if self._directory is None or not client
            else self._directory.client_name(client),
            "priority": priority,
        }
        try:
            body = self._templates.render(name, self._language(message.locale), **context)
        except jinja2.TemplateError as error:
            raise PermanentDeliveryError(f"template {name}: {error}") from None
        return Message(message.title, link=message.link, body=body.strip(), locale=message.locale)

    def notify(self, stored: StoredEvent) -> None:
        """Send the event to every channel its routes name (see the class docstring)."""
        event = stored.event
        client, priority = self._describe(event.aggregate_id)
        names = self.targets(event.event_type, client, priority)
        if not names:
            return
        said: dict[str, Message | None] = {}
        for name in names:
            key = (event.event_id, name)
            if key in self._sent:
                continue
            audience = self._audience.get(name, "team")
            if audience not in said:
                said[audience] = self.message(event, audience, client, priority)
            message = said[audience]
            if message is None:  # nothing this audience is told
                continue
            limit = self._limits.get(name)
            if limit is not None and not limit.take():
                raise RateLimited(
                    f"{name}: {limit.per_minute} messages a minute; waiting",
                    retry_after=limit.wait(),
                )
            channel = self.channels[name]
            if isinstance(channel, RichChannel):
                channel.deliver(self._hosted(message, channel.kind, event, client, priority), event)
            else:
                channel.send(self._hosted(message, "", event, client, priority).text, event)
            self._sent[key] = None
            if len(self._sent) > 10_000:
                self._sent.popitem(last=False)


def describe_from(store: EventLog, codec: Codec | None = None) -> Describe:
    """``(client, priority)`` of an aggregate, read from ``store`` (for :class:`Router`):
    the typed view of a store that knows the kinds (``ws.engine.kinded``)."""  # noqa: D205, D209
    kinds = codec or store.codec

    def describe(aggregate_id: str) -> tuple[str, str]:
        found = store.load(aggregate_id)
        if found is None:
            return "", ""
        description = kinds.describe(found)
        return description.client, description.priority

    return describe


def subject_from(store: EventLog) -> Subject:
    """``(subject, owner)`` of an aggregate, read from ``store`` (for :class:`Router`): an
    issue's, change's or risk's title and its owner (a change's requester); empty strings
    for what an aggregate does not have."""  # noqa: D205, D209

    def subject(aggregate_id: str) -> tuple[str, str]:
        found = store.load(aggregate_id)
        title = getattr(found, "title", "")
        # a change has a requester where other aggregates have an owner
        owner = getattr(found, "owner", "") or getattr(found, "requester", "")
        return (title if isinstance(title, str) else "", owner if isinstance(owner, str) else "")

    return subject
