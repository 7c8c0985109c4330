"""The JSON Schema of :func:`~clientflow.core.forms.json_form`'s output, from the classes.

The shapes are derived from the same annotations the JSON forms are written from, so the
schema cannot drift from what hosts receive (a test compares the shipped file with this
generator and validates real outputs against it).
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs
import pendulum

from clientflow.core.events import DomainEvent

__all__ = ["output_schema"]

JsonSchema = dict[str, Any]

_DURATION = r"^-?PT(\d+H)?(\d+M)?(\d+(\.\d+)?S)?$"


def output_schema(classes: Iterable[type], *, title: str) -> JsonSchema:
    """A JSON Schema (draft 2020-12) with one definition per class, reachable by name."""
    defs: dict[str, JsonSchema] = {}
    names = []
    events: list[str] = []
    for cls in classes:
        _shape(cls, defs)
        names.append(cls.__name__)
        if issubclass(cls, DomainEvent) and cls.event_type:
            events.append(cls.__name__)
    if "DomainEvent" in defs:
        # A field typed as the base (a result's or a sweep's events) holds concrete
        # events: any of the ones given, each with its own fields and ``type``.
        defs["DomainEvent"] = {"anyOf": [{"$ref": f"#/$defs/{name}"} for name in sorted(events)]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "description": "JSON forms of clientflow's outputs (clientflow.json_form).",
        "$defs": dict(sorted(defs.items())),
        "anyOf": [{"$ref": f"#/$defs/{name}"} for name in sorted(names)],
    }


def _shape(kind: Any, defs: dict[str, JsonSchema]) -> JsonSchema:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_shape(part, defs) for part in typing.get_args(kind)]}
    if origin in (tuple, list, frozenset, set) or kind in (tuple, list):
        items = [a for a in typing.get_args(kind) if a is not Ellipsis]
        found: JsonSchema = {"type": "array"}
        if len(items) == 1:
            found["items"] = _shape(items[0], defs)
        return found
    if origin in (dict, Mapping) or kind is dict:
        return {"type": "object"}
    return _leaf(kind, defs)


def _leaf(kind: Any, defs: dict[str, JsonSchema]) -> JsonSchema:
    simple: dict[Any, JsonSchema] = {
        type(None): {"type": "null"},
        bool: {"type": "boolean"},
        int: {"type": "integer"},
        float: {"type": "number"},
        str: {"type": "string"},
        Decimal: {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"},
        pendulum.DateTime: {"type": "string", "format": "date-time"},
        dt.datetime: {"type": "string", "format": "date-time"},
        dt.date: {"type": "string", "format": "date"},
        dt.time: {"type": "string"},
        pendulum.Duration: {"type": "string", "pattern": _DURATION},
        dt.timedelta: {"type": "string", "pattern": _DURATION},
    }
    if kind in simple:
        return simple[kind]
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return {"enum": [member.value for member in kind]}
    if isinstance(kind, type) and attrs.has(kind):
        name = kind.__name__
        if name not in defs:
            defs[name] = {}  # a placeholder stops recursion through self-references
            defs[name] = _object(kind, defs)
        return {"$ref": f"#/$defs/{name}"}
    return {}  # anything else (a type variable): no constraint


def _object(kind: type, defs: dict[str, JsonSchema]) -> JsonSchema:
    hints = typing.get_type_hints(kind)
    properties: dict[str, JsonSchema] = {}
    if issubclass(kind, DomainEvent):
        properties["type"] = {"const": kind.event_type}
        properties["event_id"] = {"type": "string"}
    for field in attrs.fields(kind):
        if not field.name.startswith("_"):
            properties[field.name] = _shape(hints.get(field.name, Any), defs)
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(properties),
        "additionalProperties": False,
    }
