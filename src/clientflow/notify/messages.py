"""What an event says, in one line of plain text: client notices in the client's language."""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from clientflow.core import DomainEvent, to_utc
from clientflow.escalation import ClientNotified
from clientflow.i18n import Language
from clientflow.notify.notices import render_notice

__all__ = ["details", "message_of", "truncated"]

_LEFT_OUT = {"meta", "clocks", "round", "targets", "next_deadline", "terms", "quiet_at"}


def details(event: DomainEvent) -> str:
    """The event's short fields as ``name=value`` (who is notified, levels, reasons).

    Nested states (clocks, rounds, policy snapshots) are left out; long texts are cut.
    """
    parts = []
    for field in attrs.fields(type(event)):
        value = getattr(event, field.name)
        if field.name in _LEFT_OUT or value in (None, "", ()):
            continue
        if isinstance(value, enum.Enum):
            value = value.value
        if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            value = ",".join(value)
        if isinstance(value, dt.datetime):
            value = to_utc(value).to_iso8601_string()
        if isinstance(value, str | int | float | bool):
            text = str(value)
            parts.append(f"{field.name}={text if len(text) <= 60 else text[:57] + '...'}")
    return " ".join(parts)


def message_of(event: DomainEvent, lang: Language | None = None, timezone: str = "UTC") -> str:
    """The text a person reads: a client notice rendered in ``lang`` and ``timezone``,
    else what happened to what.

    Ends with the event id, so a receiver can recognise a redelivery.
    """  # noqa: D205
    if isinstance(event, ClientNotified):
        text = render_notice(event, lang, timezone)
    else:
        text = f"{event.aggregate_id}: {event.event_type} {details(event)}".rstrip()
    return f"{text} [{event.event_id}]"


def truncated(text: str, limit: int, marker: str = " …(truncated)") -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, with a marker when cut."""
    raw = text.encode()
    if len(raw) <= limit:
        return text
    room = limit - len(marker.encode())
    return raw[:room].decode(errors="ignore") + marker
