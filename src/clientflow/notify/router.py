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

from clientflow.core import Codec, ValidationError, check_id
from clientflow.i18n import Language, language
from clientflow.notify.channels import Channel, Now
from clientflow.notify.messages import message_of
from clientflow.ports import RateLimited, Store, StoredEvent

__all__ = ["RateLimit", "Route", "Router", "describe_from"]

Describe = Callable[[str], tuple[str, str]]
"""An aggregate id -> its ``(client, priority)``, empty strings where unknown."""


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

    Client notices are rendered in the client's language and time zone (``reader``).
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
        self._reader = reader or (lambda client: ("en", "UTC"))
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

    def notify(self, stored: StoredEvent) -> None:
        """Send the event to every channel its routes name (see the class docstring)."""
        event = stored.event
        client, priority = self._describe(event.aggregate_id)
        names = self.targets(event.event_type, client, priority)
        if not names:
            return
        locale, timezone = self._reader(client)  # the client's language and zone
        if locale not in self._languages:
            self._languages[locale] = language(locale)
        text = message_of(event, self._languages[locale], timezone)
        for name in names:
            key = (event.event_id, name)
            if key in self._sent:
                continue
            limit = self._limits.get(name)
            if limit is not None and not limit.take():
                raise RateLimited(
                    f"{name}: {limit.per_minute} messages a minute; waiting",
                    retry_after=limit.wait(),
                )
            self.channels[name].send(text, event)
            self._sent[key] = None
            if len(self._sent) > 10_000:
                self._sent.popitem(last=False)


def describe_from(store: Store, codec: Codec | None = None) -> Describe:
    """``(client, priority)`` of an aggregate, read from ``store`` (for :class:`Router`)."""
    kinds = codec or store.codec

    def describe(aggregate_id: str) -> tuple[str, str]:
        found = store.load(aggregate_id)
        if found is None:
            return "", ""
        description = kinds.describe(found)
        return description.client, description.priority

    return describe
