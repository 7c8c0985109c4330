"""JSON forms of everything clientflow returns: one call, the same rules everywhere.

- instants: ISO 8601 with their offset (UTC, ``2026-03-02T02:00:00+00:00``); dates ISO;
- durations: ISO 8601 durations in hours, minutes and seconds (``PT16H``, ``PT52H30M``;
  never days, which would read as calendar days: working time is counted in hours; a
  negative one starts with ``-``);
- money and other decimals: strings (``"1500.50"``), never floats;
- enums: their value; sets: sorted lists; tuples: lists;
- attrs classes (aggregates, events, rows, reports): objects of their fields; an event
  also carries ``"type"`` and ``"event_id"``.

>>> import pendulum
>>> from decimal import Decimal
>>> json_form({"due": pendulum.datetime(2026, 3, 2, 2), "left": pendulum.duration(hours=16),
...            "cost": Decimal("1500.50")})
{'due': '2026-03-02T02:00:00+00:00', 'left': 'PT16H', 'cost': '1500.50'}
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Union

import attrs

from clientflow.core.errors import ValidationError
from clientflow.core.events import DomainEvent
from clientflow.core.instants import duration_micros

__all__ = ["JSONValue", "iso_duration", "json_form", "to_json"]

JSONValue = Union[None, bool, int, float, str, list["JSONValue"], dict[str, "JSONValue"]]  # noqa: UP007
"""What :func:`json_form` returns: plain JSON types only."""


def iso_duration(value: dt.timedelta) -> str:
    """An ISO 8601 duration in hours and smaller units (a "day" would read as a calendar
    day, but clientflow's durations are amounts of working time).

    >>> iso_duration(dt.timedelta(days=2, hours=4, minutes=30))
    'PT52H30M'
    >>> iso_duration(dt.timedelta(0))
    'PT0S'
    """  # noqa: D205
    micros = duration_micros(value)
    sign, micros = ("-", -micros) if micros < 0 else ("", micros)
    seconds, fraction = divmod(micros, 1_000_000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    clock = "".join(f"{amount}{unit}" for amount, unit in ((hours, "H"), (minutes, "M")) if amount)
    if seconds or fraction:
        clock += f"{seconds}.{fraction:06d}".rstrip("0").rstrip(".") + "S"
    return f"{sign}PT{clock or '0S'}"


def json_form(value: object) -> JSONValue:
    """``value`` as plain JSON types (see the module's rules); ``ValidationError`` if it
    holds something that has no JSON form (a function, a connection)."""  # noqa: D205, D209
    if value is None or isinstance(value, bool | int | float | str):
        return value
    for kind, convert in _LEAVES:
        if isinstance(value, kind):
            return convert(value)
    if isinstance(value, Mapping):
        return {str(json_form(key)): json_form(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((json_form(item) for item in value), key=json.dumps)
    if isinstance(value, list | tuple):
        return [json_form(item) for item in value]
    if attrs.has(type(value)):
        return _fields(value)
    raise ValidationError("value", "a value with a JSON form", got=type(value).__name__)


def _fields(value: Any) -> JSONValue:
    found: dict[str, JSONValue] = {}
    if isinstance(value, DomainEvent):
        found["type"] = type(value).event_type
        found["event_id"] = value.event_id
    for field in attrs.fields(type(value)):
        if not field.name.startswith("_"):
            found[field.name] = json_form(getattr(value, field.name))
    return found


_LEAVES: tuple[tuple[type | tuple[type, ...], Callable[[Any], JSONValue]], ...] = (
    (enum.Enum, lambda member: json_form(member.value)),
    ((dt.datetime, dt.date, dt.time), lambda instant: instant.isoformat()),
    (dt.timedelta, iso_duration),
    (Decimal, str),
)


def to_json(value: object, *, indent: int | None = None) -> str:
    """:func:`json_form` as JSON text (UTF-8 characters kept as they are)."""
    return json.dumps(json_form(value), ensure_ascii=False, indent=indent)
