"""Typed fields of a rules-declared workflow: what ``fields = { ... }`` may declare.

A field is ``text``, ``date``, ``number`` (a whole number; ``int`` is the same),
``money`` (an amount with up to four decimal places), ``person`` (a person's id, one of
those the rules name when they name any) or a choice, written as the list of its values.
Each is checked on input with an error naming the field and what it allows, and kept in
one stored form (JSON-friendly: a number as a number, a date as ``YYYY-MM-DD``, money as
a decimal string, the rest as text), which :func:`typed` turns back into Python values.

>>> kind = field_type(["low", "normal", "high"])
>>> kind.parse("urgency", "high")
'high'
>>> kind.parse("urgency", "urgent")
Traceback (most recent call last):
...
clientflow.core.errors.ValidationError: urgency: expected one of low, normal, high, got 'urgent'
>>> field_type("number").parse("days", "12")
12
>>> fields_schema({"on": field_type("date")})["properties"]["on"]
{'type': 'string', 'format': 'date'}
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal

import attrs

from clientflow.config.spec import INVALID, JsonSchema, Node, Problems, got, suggest
from clientflow.core import ConfigProblem, ValidationError, check_id, check_line, decimal_of
from clientflow.core.errors import N_, Phrase
from clientflow.core.money import MAX_DIGITS

__all__ = [
    "FIELD_TYPES",
    "FIELD_TYPE_NODE",
    "FieldType",
    "StoredValue",
    "field_type",
    "fields_schema",
    "typed",
]

FIELD_TYPES = ("text", "date", "number", "money", "person", "int")
"""The field types by name (``int`` is ``number``, kept for rules written before it);
a list of values declares a choice."""

StoredValue = str | int
"""A field's value as an item keeps it (and its events record it)."""

_LIMIT = 10**MAX_DIGITS
_SHOWN = 12
"""How many allowed people an error lists before it says how many more there are."""


@attrs.frozen
class FieldType:
    """One field's type: ``kind`` is one of :data:`FIELD_TYPES` or ``choice`` (with
    ``choices``); ``people`` are the ids a ``person`` may be (empty: any id)."""  # noqa: D205, D209

    kind: str
    choices: tuple[str, ...] = ()
    people: frozenset[str] = frozenset()
    bound: Mapping[str, frozenset[str]] = attrs.field(factory=dict, eq=False, hash=False)
    """The clients the rules bind people of ``people`` to (contacts, scoped team
    members): on an item of another client they are not one of its people."""

    @property
    def annotation(self) -> type:
        """The Python type a handler's signature names (what JSON forms describe)."""
        return {"date": dt.date, "number": int, "int": int}.get(self.kind, str)

    def parse(self, field: str, value: object) -> StoredValue:
        """``value`` (as Python or JSON gives it) in its stored form; ``ValidationError``
        naming ``field`` and what it allows otherwise."""  # noqa: D205, D209
        if self.kind == "choice":
            if value not in self.choices:
                allowed = ", ".join(self.choices)
                hint = suggest(value, self.choices) if isinstance(value, str) else ""
                raise ValidationError(field, f"one of {allowed}{hint}", got=value)
            return str(value)
        if self.kind == "date":
            return _date(field, value).isoformat()
        if self.kind in ("number", "int"):
            return _whole(field, value)
        if self.kind == "money":
            return _money(field, value)
        if self.kind == "person":
            person = check_id(value, field)
            if self.people and person not in self.people:
                raise ValidationError(field, _people_words(self.people), got=value)
            return person
        return check_line(value, field)

    def check_client(self, field: str, value: StoredValue, client: str) -> None:
        """``ValidationError`` if ``value`` of a ``person`` field is someone the rules
        bind to other clients only: an item of ``client`` names the team and its own
        client's people, never another client's contact."""  # noqa: D205, D209
        if self.kind != "person" or not isinstance(value, str):
            return
        clients = self.bound.get(value)
        if clients is not None and client not in clients:
            allowed = frozenset(
                p for p in self.people if p not in self.bound or client in self.bound[p]
            )
            raise ValidationError(field, _people_words(allowed, client), got=value)

    def schema(self) -> JsonSchema:
        """The JSON Schema of the field's JSON form."""
        if self.kind == "choice":
            return {"enum": list(self.choices)}
        if self.kind == "date":
            return {"type": "string", "format": "date"}
        if self.kind in ("number", "int"):
            return {"type": "integer", "minimum": 1 - _LIMIT, "maximum": _LIMIT - 1}
        if self.kind == "money":
            return {"type": ["string", "integer"], "pattern": r"^-?\d+(\.\d{1,4})?$"}
        if self.kind == "person" and self.people:
            return {"enum": sorted(self.people)}
        return {"type": "string", "minLength": 1}


def _people_words(people: frozenset[str], client: str = "") -> str:
    shown = sorted(people)
    more = f" and {len(shown) - _SHOWN} more" if len(shown) > _SHOWN else ""
    whose = f" on the team or of client {client}" if client else ""
    return f"a person the rules name{whose} ({', '.join(shown[:_SHOWN])}{more})"


_WHOLE = re.compile(r"-?[0-9]{1,15}")
_AMOUNT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,4})?")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""The documented text forms (ASCII digits only: ``str.isdigit`` and ``Decimal`` also
take superscripts, other scripts' digits, exponents and underscores)."""


def _money(field: str, value: object) -> str:
    """An amount in its one stored form: plain decimal text, no exponent."""
    allowed = (
        f"an amount below 10^{MAX_DIGITS} such as 1200 or 99.50"
        " (ASCII digits, at most 4 decimal places)"
    )
    if isinstance(value, str):
        text = value.strip()
        if not _AMOUNT.fullmatch(text):
            raise ValidationError(field, allowed, got=value)
        # The pattern admits only what decimal_of accepts (finite, below 10^15, at most
        # 4 places, ASCII digits): its checks would pass, ~1 us a field a command.
        parsed = Decimal(text)
        return "0" if parsed == 0 else format(parsed, "f")  # 0.00 and -0 as decimal_of
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValidationError(field, allowed, got=value)
    return format(decimal_of(value, field), "f")


def _date(field: str, value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValidationError(field, "a date as YYYY-MM-DD (not an instant)", got=value)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DAY.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(field, "a date as YYYY-MM-DD", got=value)


def _whole(field: str, value: object) -> int:
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= _LIMIT:
        raise ValidationError(
            field, f"a whole number of size below 10^{MAX_DIGITS} (ASCII digits)", got=value
        )
    return value


def field_type(declared: str | list[str] | tuple[str, ...]) -> FieldType:
    """The type a rules file declares: a type's name, or the values of a choice."""
    if isinstance(declared, str):
        if declared not in FIELD_TYPES:
            raise ValidationError("type", f"one of {', '.join(FIELD_TYPES)}", got=declared)
        return FieldType(declared)
    return FieldType("choice", tuple(declared))


def typed(kinds: Mapping[str, FieldType], values: Mapping[str, StoredValue]) -> dict[str, object]:
    """An item's ``values`` as Python values: dates as ``date``, money as ``Decimal``.

    >>> typed({"on": field_type("date"), "cost": field_type("money")},
    ...       {"on": "2026-10-12", "cost": "99.50", "note": "kept as it is"})
    {'on': datetime.date(2026, 10, 12), 'cost': Decimal('99.50'), 'note': 'kept as it is'}
    """
    found: dict[str, object] = {}
    for name, value in values.items():
        kind = kinds.get(name)
        if kind is not None and kind.kind == "date" and isinstance(value, str):
            found[name] = dt.date.fromisoformat(value)
        elif kind is not None and kind.kind == "money" and isinstance(value, str):
            found[name] = Decimal(value)
        else:
            found[name] = value
    return found


def fields_schema(fields: Mapping[str, FieldType]) -> JsonSchema:
    """The JSON Schema of a payload with these fields, every one required."""
    return {
        "type": "object",
        "properties": {name: kind.schema() for name, kind in fields.items()},
        "required": list(fields),
        "additionalProperties": False,
    }


@attrs.frozen
class _FieldNode(Node):
    """A field's type in a rules file: a type's name or the list of a choice's values."""

    description: str = ""

    def check(self, value: object, path: str, problems: Problems) -> object:
        if isinstance(value, str):
            if value in FIELD_TYPES:
                return field_type(value)
            hint = suggest(value, FIELD_TYPES)
            problems.append(
                _problem(path, Phrase(_TYPES, {"types": tuple(FIELD_TYPES)}), value, hint)
            )
            return INVALID
        if not isinstance(value, list) or not value:
            return self._wrong_type(value, path, problems, N_("a type's name or a list of values"))
        for i, choice in enumerate(value):
            if not isinstance(choice, str) or not choice.strip() or choice in value[:i]:
                problems.append(_problem(f"{path}[{i}]", Phrase(N_("a value given once")), choice))
                return INVALID
        return field_type([str(choice) for choice in value])

    def schema(self) -> JsonSchema:
        names: JsonSchema = {"enum": list(FIELD_TYPES)}
        choices: JsonSchema = {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": 1,
            "uniqueItems": True,
        }
        return self._described({"anyOf": [names, choices]})


def _problem(path: str, expected: Phrase, value: object, hint: str = "") -> ConfigProblem:
    return ConfigProblem(path, got(expected, value, hint))


_TYPES = N_("one of {types} or a list of values")


FIELD_TYPE_NODE = _FieldNode(
    "text, date, number, money, person, or a choice as the list of its values."
)
"""The rules-file node of one field's type."""
