"""A tiny declarative schema: checks plain data and describes itself as JSON Schema.

One declaration is both the validator (every problem collected with its key path, never
just the first) and the source of the shipped JSON Schema, so the two cannot drift.
Nothing is ever evaluated: values are only compared, parsed as numbers, durations,
shift strings or dates, and looked up in closed lists.
"""

from __future__ import annotations

import abc
import datetime as dt
import difflib
import math
import re
from collections.abc import Mapping, Sequence

import attrs
import pendulum

from clientflow.core import (
    MAX_WORKING_DAYS,
    ConfigProblem,
    ValidationError,
    WorkingDays,
    to_utc,
    zone,
)
from clientflow.core.errors import N_, Phrase, quoted, shown

__all__ = [
    "INVALID",
    "Boolean",
    "BusinessDuration",
    "ByType",
    "Choice",
    "Date",
    "Duration",
    "Field",
    "Instant",
    "Integer",
    "LocalDateTime",
    "Node",
    "Number",
    "Problems",
    "Seq",
    "Table",
    "Tables",
    "Text",
    "parse_duration",
    "suggest",
]

JsonSchema = dict[str, object]
Problems = list[ConfigProblem]


class _Invalid:
    """Marks a value that failed its check (its problem is already recorded)."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID = _Invalid()
"""What :meth:`Node.check` returns for a value it rejected."""


def _type_name(value: object) -> str:
    names = {
        str: _STRING,
        bool: N_("a boolean"),
        int: _INTEGER,
        float: _NUMBER,
        list: _ARRAY,
        dict: _TABLE,
        dt.date: N_("a date"),
        dt.datetime: N_("a date-time"),
        dt.time: N_("a time"),
    }
    return names.get(type(value), type(value).__name__)


_STRING = N_("a string")
_INTEGER = N_("an integer")
_NUMBER = N_("a number")
_ARRAY = N_("an array")
_TABLE = N_("a table")
# What a node of these forms takes, by which of a string, an array and a table it takes.
_FORMS = {
    (True, False, False): _STRING,
    (False, True, False): _ARRAY,
    (False, False, True): _TABLE,
    (True, True, False): N_("a string or an array"),
    (True, False, True): N_("a string or a table"),
    (False, True, True): N_("an array or a table"),
    (True, True, True): N_("a string, an array or a table"),
}


def _shown(value: object) -> str:
    return shown(value)


def suggest(word: str, options: Sequence[str]) -> str:
    """A "did you mean" hint for a misspelt name, or an empty string.

    >>> suggest("resolutoin", ["first_response", "resolution"])
    " (did you mean 'resolution'?)"
    """
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return Phrase(_MEANT, {"name": close[0]}) if close else ""


_MEANT = N_(" (did you mean '{name}'?)")
_GOT = N_("expected {expected}, got {got}")
_GOT_HINT = N_("expected {expected}, got {got}{hint}")
_GOT_TYPE = N_("expected {expected}, got {type} {shown}")
_UNKNOWN = N_("unknown key{hint}; allowed here: {known}")
_MISSING = N_("required key is missing")
_DURATION_WORDS = N_('a duration such as "8h", "1d 4h", "90m" or "2w"')
_BUSINESS_TIME = N_('business time such as "8h", "1h 30m"')
_BUSINESS_TIME_DAYS = N_('business time such as "8h", "1h 30m" or "1wd" (one working day)')
_BUSINESS_HOURS = N_('business hours such as "8h", "1h 30m"')
_ZONE = N_("an IANA time zone name such as 'Asia/Shanghai'")


def got(expected: str, value: object, hint: str = "") -> Phrase:
    """The words "expected X, got 'v'" as a :class:`Phrase`: said in the reader's language, the
    value quoted as :func:`~clientflow.core.errors.quoted` does."""  # noqa: D205, D209
    said = expected if isinstance(expected, Phrase) else Phrase(expected)
    if hint:
        return Phrase(_GOT_HINT, {"expected": said, "got": quoted(value), "hint": hint})
    return Phrase(_GOT, {"expected": said, "got": quoted(value)})


class Node(abc.ABC):
    """One kind of value in a rules file."""

    description: str = ""

    @abc.abstractmethod
    def check(self, value: object, path: str, problems: Problems) -> object:
        """The checked (and converted) value, or ``INVALID`` after recording problems."""

    @abc.abstractmethod
    def schema(self) -> JsonSchema:
        """The JSON Schema (draft 2020-12) fragment of this node."""

    def _wrong_type(self, value: object, path: str, problems: Problems, expected: str) -> _Invalid:
        """Record "expected X, got an integer 3" (``expected`` a message id or a phrase)."""
        said = expected if isinstance(expected, Phrase) else Phrase(expected)
        values = {"expected": said, "type": Phrase(_type_name(value)), "shown": _shown(value)}
        problems.append(ConfigProblem(path, Phrase(_GOT_TYPE, values)))
        return INVALID

    def _described(self, schema: JsonSchema) -> JsonSchema:
        if self.description:
            schema["description"] = self.description
        return schema


@attrs.frozen
class Text(Node):
    """A string, optionally matching a pattern (described in words for the message)."""

    description: str = ""
    pattern: str | None = None
    pattern_words: str = ""
    min_length: int = 1

    def check(self, value: object, path: str, problems: Problems) -> object:
        if not isinstance(value, str):
            return self._wrong_type(value, path, problems, _STRING)
        if len(value.strip()) < self.min_length:
            problems.append(ConfigProblem(path, Phrase(N_("expected a non-empty string"))))
            return INVALID
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            words = self.pattern_words or f"a string matching {self.pattern}"
            problems.append(ConfigProblem(path, got(words, value)))
            return INVALID
        return value

    def schema(self) -> JsonSchema:
        schema: JsonSchema = {"type": "string", "minLength": self.min_length}
        if self.pattern is not None:
            schema["pattern"] = f"^(?:{self.pattern})$"
        return self._described(schema)


@attrs.frozen
class Integer(Node):
    """A whole number in ``[minimum, maximum]``."""

    description: str = ""
    minimum: int | None = None
    maximum: int | None = None

    def check(self, value: object, path: str, problems: Problems) -> object:
        if isinstance(value, bool) or not isinstance(value, int):
            return self._wrong_type(value, path, problems, _INTEGER)
        if abs(value) > MAX_NUMBER:
            problems.append(ConfigProblem(path, f"expected an integer of at most {MAX_NUMBER:,}"))
            return INVALID
        return _in_range(value, self.minimum, self.maximum, path, problems)

    def schema(self) -> JsonSchema:
        return self._described(_range_schema("integer", self.minimum, self.maximum))


@attrs.frozen
class Number(Node):
    """A number (integer or float) in ``[minimum, maximum]``, or above ``exclusive_min``."""

    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_min: float | None = None

    def check(self, value: object, path: str, problems: Problems) -> object:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self._wrong_type(value, path, problems, _NUMBER)
        if isinstance(value, int) and abs(value) > MAX_NUMBER:
            problems.append(ConfigProblem(path, f"expected a number of at most {MAX_NUMBER:,}"))
            return INVALID
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            problems.append(
                ConfigProblem(
                    path, f"expected a finite number of at most {MAX_NUMBER:,}, got {value}"
                )
            )
            return INVALID
        if self.exclusive_min is not None and value <= self.exclusive_min:
            problems.append(
                ConfigProblem(path, f"expected a number > {self.exclusive_min}, got {value}")
            )
            return INVALID
        return _in_range(float(value), self.minimum, self.maximum, path, problems)

    def schema(self) -> JsonSchema:
        schema = _range_schema("number", self.minimum, self.maximum)
        if self.exclusive_min is not None:
            schema["exclusiveMinimum"] = self.exclusive_min
        return self._described(schema)


def _in_range(
    value: float, low: float | None, high: float | None, path: str, problems: Problems
) -> object:
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"from {low} to {high}"
            if low is not None and high is not None
            else (f">= {low}" if low is not None else f"<= {high}")
        )
        problems.append(ConfigProblem(path, f"expected a number {bounds}, got {value}"))
        return INVALID
    return value


def _range_schema(kind: str, low: float | None, high: float | None) -> JsonSchema:
    schema: JsonSchema = {"type": kind}
    if low is not None:
        schema["minimum"] = low
    if high is not None:
        schema["maximum"] = high
    return schema


@attrs.frozen
class Boolean(Node):
    """``true`` or ``false``."""

    description: str = ""

    def check(self, value: object, path: str, problems: Problems) -> object:
        if not isinstance(value, bool):
            return self._wrong_type(value, path, problems, N_("true or false"))
        return value

    def schema(self) -> JsonSchema:
        return self._described({"type": "boolean"})


@attrs.frozen
class Choice(Node):
    """One of a closed list of strings (an enum's values)."""

    options: tuple[str, ...]
    description: str = ""

    def check(self, value: object, path: str, problems: Problems) -> object:
        one_of = Phrase(N_("one of {choices}"), {"choices": self.options})
        if not isinstance(value, str):
            return self._wrong_type(value, path, problems, one_of)
        if value not in self.options:
            hint = suggest(value, self.options)
            problems.append(ConfigProblem(path, got(one_of, value, hint)))
            return INVALID
        return value

    def schema(self) -> JsonSchema:
        return self._described({"enum": list(self.options)})


_DURATION = re.compile(
    r"(?:(?P<w>\d{1,6})\s*w)?\s*(?:(?P<d>\d{1,6})\s*d)?\s*(?:(?P<h>\d{1,7})\s*h)?"
    r"\s*(?:(?P<m>\d{1,9})\s*m)?"
)
MAX_DURATION = pendulum.duration(days=3660)
"""The longest duration a rules file may give (about ten years)."""
MAX_NUMBER = 10**12
"""The largest number a rules file may give (anything bigger is a typo or an attack)."""
# the same expression for JSON Schema (ECMA regexes have no named groups), padded
DURATION_PATTERN = r"\s*" + re.sub(r"\?P<\w>", "", _DURATION.pattern) + r"\s*"


def parse_duration(text: str) -> pendulum.Duration:
    """A duration written as weeks, days, hours and minutes: ``"8h"``, ``"1d 4h"``, ``"90m"``.

    A day is 24 hours. Business-time targets (SLA, follow-up, approval) count working
    time, so write them in hours: ``"16h"`` is two 8-hour working days.

    >>> parse_duration("1h 30m").in_words()
    '1 hour 30 minutes'
    >>> parse_duration("soon")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    clientflow.core.errors.ValidationError: duration: expected a duration such as "8h", ...
    """
    match = _DURATION.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or not any(match.groupdict().values()):
        raise ValidationError("duration", _DURATION_WORDS, got=text)
    parts = {key: int(value or 0) for key, value in match.groupdict().items()}
    total = (
        dt.timedelta(weeks=parts["w"], days=parts["d"], hours=parts["h"], minutes=parts["m"])
        if parts["w"] + parts["d"] // 7 < 1000
        else MAX_DURATION + dt.timedelta(1)
    )
    if total > MAX_DURATION:
        raise ValidationError("duration", f"{_DURATION_WORDS}, at most 3660 days", got=text)
    return pendulum.duration(
        weeks=parts["w"], days=parts["d"], hours=parts["h"], minutes=parts["m"]
    )


@attrs.frozen
class Zone(Text):
    """An IANA time zone name, checked with the rest of its table: a bad zone is reported
    even when a sibling key (the calendar's ``hours``) is wrong too."""  # noqa: D205, D209

    def check(self, value: object, path: str, problems: Problems) -> object:
        checked = super().check(value, path, problems)
        if checked is INVALID:
            return INVALID
        try:
            zone(checked)
        except ValidationError:
            problems.append(ConfigProblem(path, got(_ZONE, value)))
            return INVALID
        return checked


@attrs.frozen
class Duration(Node):
    """A duration string (see :func:`parse_duration`), greater than zero."""

    description: str = ""

    def check(self, value: object, path: str, problems: Problems) -> object:
        if not isinstance(value, str):
            return self._wrong_type(value, path, problems, _DURATION_WORDS)
        try:
            parsed = parse_duration(value)
        except ValidationError:
            problems.append(ConfigProblem(path, got(_DURATION_WORDS, value)))
            return INVALID
        if parsed.total_seconds() <= 0:
            problems.append(ConfigProblem(path, f"expected a duration > 0, got {value!r}"))
            return INVALID
        return parsed

    def schema(self) -> JsonSchema:
        return self._described(
            {"type": "string", "pattern": f"^{DURATION_PATTERN}$", "examples": ["8h", "1d 4h"]}
        )


_WORKING_DAYS = re.compile(r"(?P<n>\d{1,4})\s*(?:wd|working\s+days?)", re.IGNORECASE)
WORKING_DAYS_PATTERN = r"\s*\d{1,4}\s*([wW][dD]|[wW]orking\s+[dD]ays?)\s*"
_HOURS_PATTERN = r"\s*(?:\d{1,7}\s*h)?\s*(?:\d{1,9}\s*m)?\s*"


@attrs.frozen
class BusinessDuration(Node):
    """Business time: hours and minutes (``"8h"``, ``"1h 30m"``), and where
    ``working_days`` allows, whole working days (``"1wd"``, ``"2 working days"``).

    Days and weeks are refused: in business time ``"1d"`` would be 24 working hours,
    three 8-hour days, which is never what "within 1 day" means.
    """  # noqa: D205

    description: str = ""
    working_days: bool = False

    def check(self, value: object, path: str, problems: Problems) -> object:
        offer = _BUSINESS_TIME_DAYS if self.working_days else _BUSINESS_TIME
        if not isinstance(value, str):
            return self._wrong_type(value, path, problems, offer)
        days = _WORKING_DAYS.fullmatch(value.strip())
        if days is not None:
            if not self.working_days:
                problems.append(ConfigProblem(path, got(_BUSINESS_HOURS, value)))
                return INVALID
            count = int(days.group("n"))
            if not 1 <= count <= MAX_WORKING_DAYS:
                problems.append(
                    ConfigProblem(
                        path, f"expected 1 to {MAX_WORKING_DAYS} working days, got {value!r}"
                    )
                )
                return INVALID
            return WorkingDays(count)
        match = _DURATION.fullmatch(value.strip())
        if match is not None and (match.group("d") or match.group("w")):
            whole = (
                f'write "{match.group("d") or "1"}wd" for working days (the same time on the'
                " next working day), or "
                if self.working_days
                else "write "
            )
            hours = 24 * int(match.group("d") or 0) + 168 * int(match.group("w") or 0)
            problems.append(
                ConfigProblem(
                    path,
                    f"{value!r} is ambiguous in business time: {whole}hours such as"
                    f' "{hours}h" ({hours} working hours, not {hours // 24} working days)',
                )
            )
            return INVALID
        if match is None or not any(match.groupdict().values()):
            problems.append(ConfigProblem(path, got(offer, value)))
            return INVALID
        return Duration(self.description).check(value, path, problems)

    def schema(self) -> JsonSchema:
        pattern = f"^{_HOURS_PATTERN}$"
        if self.working_days:
            pattern = f"^(?:{_HOURS_PATTERN}|{WORKING_DAYS_PATTERN})$"
        examples = ["8h", "1h 30m", *(["1wd"] if self.working_days else [])]
        return self._described({"type": "string", "pattern": pattern, "examples": examples})


@attrs.frozen
class Date(Node):
    """A TOML date (``2026-10-01``) or an ISO date string (from JSON or a dict)."""

    description: str = ""

    def check(self, value: object, path: str, problems: Problems) -> object:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        return self._wrong_type(value, path, problems, N_("a date such as 2026-10-01"))

    def schema(self) -> JsonSchema:
        return self._described({"type": "string", "format": "date"})


def _datetime(value: object) -> object:
    """A TOML date-time as it is, an ISO string parsed, anything else ``None``."""
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return value


@attrs.frozen
class Instant(Node):
    """A date-time with its offset (TOML ``2026-03-02T09:00:00+08:00`` or an ISO string)."""

    description: str = ""

    def check(self, value: object, path: str, problems: Problems) -> object:
        parsed = _datetime(value)
        if isinstance(parsed, dt.datetime) and parsed.tzinfo is not None:
            try:
                return to_utc(parsed)
            except ValidationError as error:
                problems.append(ConfigProblem(path, str(error)))
                return INVALID
        return self._wrong_type(
            value, path, problems, N_("a date-time with its offset such as 2026-03-02T09:00+08:00")
        )

    def schema(self) -> JsonSchema:
        return self._described({"type": "string", "format": "date-time"})


@attrs.frozen
class LocalDateTime(Node):
    """A local date-time without offset (``2026-01-05T10:00:00``), read in a plan's zone."""

    description: str = ""

    def check(self, value: object, path: str, problems: Problems) -> object:
        parsed = _datetime(value)
        if isinstance(parsed, dt.datetime):
            if parsed.tzinfo is not None:
                problems.append(
                    ConfigProblem(
                        path,
                        "expected a local date-time without offset (the plan's time zone "
                        f"applies), got {value!r}",
                    )
                )
                return INVALID
            return parsed
        return self._wrong_type(
            value, path, problems, N_("a local date-time such as 2026-01-05T10:00")
        )

    def schema(self) -> JsonSchema:
        return self._described({"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d"})


@attrs.frozen
class Seq(Node):
    """An array of items of one kind; a single item is accepted only if ``single``."""

    item: Node
    description: str = ""
    min_items: int = 0
    single: bool = False

    def check(self, value: object, path: str, problems: Problems) -> object:
        if self.single and not isinstance(value, list):
            value = [value]
        if not isinstance(value, list):
            return self._wrong_type(value, path, problems, _ARRAY)
        if len(value) < self.min_items:
            problems.append(
                ConfigProblem(path, f"expected at least {self.min_items} item(s), got none")
            )
            return INVALID
        # a bad item stays in place as INVALID, so the good ones can still be built
        return [self.item.check(item, f"{path}[{i}]", problems) for i, item in enumerate(value)]

    def schema(self) -> JsonSchema:
        schema: JsonSchema = {"type": "array", "items": self.item.schema()}
        if self.min_items:
            schema["minItems"] = self.min_items
        if self.single:
            schema = {"anyOf": [self.item.schema(), schema]}
        return self._described(schema)


@attrs.frozen
class ByType(Node):
    """A value that may take one of several forms, told apart by its TOML type: a
    string, an array or a table, each checked by its own node."""  # noqa: D205, D209

    text: Node | None = None
    array: Node | None = None
    table: Node | None = None
    description: str = ""

    def check(self, value: object, path: str, problems: Problems) -> object:
        node = (
            self.text
            if isinstance(value, str)
            else self.array
            if isinstance(value, list)
            else self.table
            if isinstance(value, Mapping)
            else None
        )
        if node is None:
            forms = (self.text is not None, self.array is not None, self.table is not None)
            return self._wrong_type(value, path, problems, _FORMS[forms])
        return node.check(value, path, problems)

    def schema(self) -> JsonSchema:
        forms = [node.schema() for node in (self.text, self.array, self.table) if node]
        return self._described({"anyOf": forms})


@attrs.frozen
class Field:
    """One key of a table: its node, whether it is required, and its documentation."""

    node: Node
    required: bool = False
    default: object = None


@attrs.frozen
class Table(Node):
    """A table with known keys; an unknown key is a problem with a "did you mean".

    A table with a bad value is ``INVALID`` as a whole, unless ``partial``: then it keeps
    its other keys (and the bad ones as ``INVALID``).
    """

    fields: Mapping[str, Field]
    description: str = ""
    partial: bool = False

    def check(self, value: object, path: str, problems: Problems) -> object:
        if not isinstance(value, Mapping):
            return self._wrong_type(value, path or "rules", problems, _TABLE)
        before = len(problems)
        result: dict[str, object] = {}
        meant = set()  # keys an unknown key was taken for: not missing twice over
        for key in value:
            if key not in self.fields:
                hint = suggest(str(key), list(self.fields))
                if isinstance(hint, Phrase):
                    meant.add(hint.values["name"])
                known = tuple(sorted(self.fields))
                problems.append(
                    ConfigProblem(
                        _join(path, str(key)), Phrase(_UNKNOWN, {"hint": hint, "known": known})
                    )
                )
        for name, field in self.fields.items():
            if name in value:
                result[name] = field.node.check(value[name], _join(path, name), problems)
            elif field.required:
                if name not in meant:
                    problems.append(ConfigProblem(_join(path, name), Phrase(_MISSING)))
                result[name] = INVALID
            elif field.default is not None:
                # defaults are written as a user would write them, so they convert alike
                result[name] = field.node.check(field.default, _join(path, name), problems)
            else:
                result[name] = None
        # a partial table keeps its good keys, so the top level can build what is sound
        return INVALID if len(problems) > before and not self.partial else result

    def schema(self) -> JsonSchema:
        properties: dict[str, JsonSchema] = {}
        for name, field in self.fields.items():
            fragment = field.node.schema()
            if field.default is not None and isinstance(field.default, str | int | float | bool):
                fragment = {**fragment, "default": field.default}
            properties[name] = fragment
        schema: JsonSchema = {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }
        required = [name for name, field in self.fields.items() if field.required]
        if required:
            schema["required"] = required
        return self._described(schema)


@attrs.frozen
class Tables(Node):
    """Named tables of one kind (``[calendars.shanghai]``), keyed by an identifier."""

    item: Node
    description: str = ""

    def check(self, value: object, path: str, problems: Problems) -> object:
        if not isinstance(value, Mapping):
            return self._wrong_type(value, path, problems, N_("a table of named entries"))
        checked: dict[str, object] = {}
        for name, entry in value.items():
            if not isinstance(name, str) or not re.fullmatch(_NAME, name):
                problems.append(
                    ConfigProblem(
                        _join(path, str(name)),
                        "expected a name of letters, digits, '-', '_' and '.'",
                    )
                )
                continue
            checked[name] = self.item.check(entry, _join(path, name), problems)
        return checked

    def schema(self) -> JsonSchema:
        return self._described(
            {
                "type": "object",
                "propertyNames": {"pattern": f"^{_NAME}$"},
                "additionalProperties": self.item.schema(),
            }
        )


_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]*"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
