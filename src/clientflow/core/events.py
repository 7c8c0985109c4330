"""Domain events: immutable facts with who, when and where in the stream they belong.

Every event carries an :class:`EventMeta` (aggregate id, aggregate version, when, who)
plus its own fields. An :class:`EventRegistry` names event types and turns events into
JSON and back without loss, so a store can keep any event and return an equal one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, TypeVar

import attrs
import cattrs
import pendulum
from cattrs.preconf.json import make_converter

from clientflow.core.errors import ValidationError
from clientflow.core.ids import check_id
from clientflow.core.instants import UTC, duration_micros, parse_instant, to_utc
from clientflow.core.jsontext import TextWriter
from clientflow.core.spans import WorkingDays

__all__ = [
    "DomainEvent",
    "EventMeta",
    "EventRegistry",
    "make_converter_for_events",
    "read_json",
    "write_json",
]

T = TypeVar("T")


def _instant(value: object) -> pendulum.DateTime:
    return to_utc(value, "occurred_at")


@attrs.frozen
class EventMeta:
    """Where an event sits: which aggregate, which version it produced, when, by whom.

    ``actor`` is the id of the person or system that caused it (``"system"`` for
    timers fired by the engine).
    """

    aggregate_id: str
    aggregate_version: int
    occurred_at: pendulum.DateTime = attrs.field(converter=_instant)
    actor: str

    def __attrs_post_init__(self) -> None:
        check_id(self.aggregate_id, "aggregate_id")
        if not isinstance(self.aggregate_version, int) or self.aggregate_version < 1:
            raise ValidationError(
                "aggregate_version", "an integer >= 1", got=self.aggregate_version
            )
        check_id(self.actor, "actor")

    def next(self) -> EventMeta:
        """The meta for one more event in the same command (next version, same time)."""
        # Every field was checked when this meta was made and only the version moves (up):
        # built without __init__, so a command's later events skip the checks (~3 us each).
        made = object.__new__(EventMeta)
        _set(made, "aggregate_id", self.aggregate_id)
        _set(made, "aggregate_version", self.aggregate_version + 1)
        _set(made, "occurred_at", self.occurred_at)
        _set(made, "actor", self.actor)
        return made


_set = object.__setattr__  # how attrs itself sets a frozen instance's fields


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Base of every domain event; subclasses are frozen attrs classes with a type name.

    >>> @attrs.frozen(kw_only=True)
    ... class TicketOpened(DomainEvent):
    ...     event_type: ClassVar[str] = "ticket.opened"
    ...     title: str
    >>> meta = EventMeta("T-1", 1, pendulum.datetime(2026, 1, 5, 9), "alice")
    >>> event = TicketOpened(meta=meta, title="Login fails")
    >>> event.event_id, event.actor
    ('T-1@1', 'alice')
    """

    event_type: ClassVar[str] = ""
    meta: EventMeta

    @property
    def event_id(self) -> str:
        """Stable id derived from the stream position: the same fact always has the same id.

        Being deterministic, it doubles as the de-duplication key of a redelivered
        notification.
        """
        return f"{self.meta.aggregate_id}@{self.meta.aggregate_version}"

    @property
    def aggregate_id(self) -> str:
        """Id of the aggregate this event belongs to."""
        return self.meta.aggregate_id

    @property
    def aggregate_version(self) -> int:
        """The aggregate's version once this event is applied (the first event is 1)."""
        return self.meta.aggregate_version

    @property
    def occurred_at(self) -> pendulum.DateTime:
        """When it happened, in UTC."""
        return self.meta.occurred_at

    @property
    def actor(self) -> str:
        """Id of who (or what) caused it."""
        return self.meta.actor


def make_converter_for_events() -> cattrs.Converter:
    """A cattrs converter that writes events as plain JSON types and reads them back equal.

    Instants become ISO 8601 strings in UTC, ``Decimal`` a string (no float rounding),
    durations integer microseconds and dates ISO dates.
    """
    converter = make_converter(forbid_extra_keys=True)

    converter.register_unstructure_hook(pendulum.DateTime, _isoformat)
    converter.register_structure_hook(pendulum.DateTime, lambda v, _: _parse_instant(v))
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, lambda v, _: _parse_decimal(v))
    converter.register_unstructure_hook(dt.date, lambda v: v.isoformat())
    converter.register_structure_hook(dt.date, lambda v, _: _parse_date(v))
    for kind in (dt.timedelta, pendulum.Duration):
        converter.register_unstructure_hook(kind, duration_micros)
        converter.register_structure_hook(kind, lambda v, _: _parse_duration(v))
    # Business time: microseconds, or {"days": n} for whole working days.
    spans = {pendulum.Duration | WorkingDays, pendulum.Duration | WorkingDays | None}
    converter.register_structure_hook_func(lambda kind: kind in spans, _parse_span)
    return converter


_NAIVE = dt.datetime
_ISO = dt.datetime.isoformat


def _isoformat(value: pendulum.DateTime) -> str:
    """``value.isoformat()``, twice as fast for the UTC instants clientflow keeps.

    pendulum's UTC offset is computed in Python on every ``isoformat``; a naive copy
    written by ``datetime``'s own code plus the fixed offset gives the same text.
    """
    if value.tzinfo is UTC:
        return (
            _ISO(
                _NAIVE(
                    value.year,
                    value.month,
                    value.day,
                    value.hour,
                    value.minute,
                    value.second,
                    value.microsecond,
                )
            )
            + "+00:00"
        )
    return value.isoformat()


def _parse_span(value: object, _: object) -> pendulum.Duration | WorkingDays | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return WorkingDays(value.get("days"))
    return _parse_duration(value)


class EventRegistry:
    """The event types a store may hold, by type name; immutable once built.

    >>> @attrs.frozen(kw_only=True)
    ... class Pinged(DomainEvent):
    ...     event_type: ClassVar[str] = "demo.pinged"
    ...     note: str
    >>> registry = EventRegistry([Pinged])
    >>> meta = EventMeta("P-1", 1, pendulum.datetime(2026, 1, 5, 9), "bob")
    >>> name, payload = registry.encode(Pinged(meta=meta, note="hi"))
    >>> name, registry.decode(name, payload) == Pinged(meta=meta, note="hi")
    ('demo.pinged', True)
    """

    __slots__ = ("_converter", "_text", "_types")

    def __init__(self, types: Iterable[type[DomainEvent]]) -> None:
        found: dict[str, type[DomainEvent]] = {}
        for kind in types:
            name = kind.__dict__.get("event_type")
            if not (isinstance(kind, type) and issubclass(kind, DomainEvent)) or not name:
                raise ValidationError(
                    "event type",
                    "a DomainEvent subclass with its own non-empty 'event_type'",
                    got=kind,
                )
            if name in found and found[name] is not kind:
                raise ValidationError(
                    "event_type", f"a name used by one class only ({name!r} is taken)", got=kind
                )
            found[name] = kind
        self._types: Mapping[str, type[DomainEvent]] = found
        self._converter = make_converter_for_events()
        self._text = TextWriter(self._converter)

    def __or__(self, other: EventRegistry) -> EventRegistry:
        """A registry with the types of both (a name may not mean two classes)."""
        return EventRegistry([*self._types.values(), *other._types.values()])

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def __repr__(self) -> str:
        return f"EventRegistry({sorted(self._types)!r})"

    @property
    def names(self) -> tuple[str, ...]:
        """The registered type names, sorted."""
        return tuple(sorted(self._types))

    def type_of(self, name: str) -> type[DomainEvent]:
        """The class registered under ``name``."""
        try:
            return self._types[name]
        except KeyError:
            raise ValidationError(
                "event type", f"one of the registered names ({', '.join(self.names)})", got=name
            ) from None

    def holds(self, event: DomainEvent) -> bool:
        """Whether ``event``'s class is the one registered under its type name."""
        return self._types.get(type(event).event_type) is type(event)

    def encode(self, event: DomainEvent, *, writer: TextWriter | None = None) -> tuple[str, str]:
        """``(type name, JSON payload)`` of an event of a registered type.

        ``writer``, when given, writes the payload instead of the registry's own (a
        remembering one, for an import; made with a converter like the registry's).
        """
        name = type(event).event_type
        if self._types.get(name) is not type(event):
            raise ValidationError(
                "event", f"an event of a registered type ({', '.join(self.names)})", got=type(event)
            )
        return name, (self._text if writer is None else writer).write(event)

    def decode(self, name: str, payload: str | bytes) -> DomainEvent:
        """The event a type name and JSON payload describe; ``ValidationError`` if malformed."""
        return read_json(self._converter, payload, self.type_of(name), f"payload of {name}")


# json.dumps builds a new encoder per call when given options; one shared, stateless
# encoder saves that on every event and snapshot written.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _chunks() -> Callable[[object, int], list[str]] | None:
    """The C encoder behind ``_ENCODER``, made once: ~0.7 us less per text.

    ``encode`` makes one per call, with a dict to detect cycles (which unstructured
    values cannot have); the text is the same.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without the C accelerator
        return None
    made: Callable[[object, int], list[str]] = make(
        None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )
    return made


_CHUNKS = _chunks()


def write_json(converter: cattrs.Converter, value: object) -> str:
    """Compact JSON text of ``value`` as ``converter`` unstructures it."""
    return json_text(converter.unstructure(value))


def json_text(value: object) -> str:
    """Compact JSON text of an unstructured value (plain JSON types)."""
    if _CHUNKS is None:
        return _ENCODER.encode(value)
    return "".join(_CHUNKS(value, 0))


def read_json(converter: cattrs.Converter, payload: str | bytes, cls: type[T], field: str) -> T:
    """Parse JSON text into ``cls`` with ``converter``; any problem is a ``ValidationError``.

    ``field`` names what was being read (``"payload of change.approved"``) in the error,
    which lists every problem cattrs found with its path.
    """
    try:
        data: Any = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValidationError(field, "a JSON object", got=str(error)) from None
    except RecursionError:
        raise ValidationError(field, "a JSON object", got="JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise ValidationError(field, "a JSON object", got=type(data).__name__)
    try:
        return converter.structure(data, cls)
    except cattrs.BaseValidationError as error:
        problems = "; ".join(cattrs.transform_error(error))
        raise ValidationError(field, f"the fields of {cls.__name__} ({problems})") from None
    except (ValidationError, TypeError, ValueError, KeyError, AttributeError) as error:
        raise ValidationError(field, f"the fields of {cls.__name__} ({error})") from None


def _parse_instant(value: object) -> pendulum.DateTime:
    if not isinstance(value, str):
        raise ValidationError("instant", "an ISO 8601 string with an offset", got=value)
    return parse_instant(value)


def _parse_decimal(value: object) -> Decimal:
    if not isinstance(value, str):
        raise ValidationError("amount", "a decimal number written as a string", got=value)
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        raise ValidationError("amount", "a decimal number written as a string", got=value) from None
    if not parsed.is_finite():
        raise ValidationError("amount", "a finite decimal number", got=value)
    return parsed


def _parse_date(value: object) -> dt.date:
    if not isinstance(value, str):
        raise ValidationError("date", "an ISO date string YYYY-MM-DD", got=value)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError("date", "an ISO date string YYYY-MM-DD", got=value) from None


def _parse_duration(value: object) -> pendulum.Duration:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError("duration", "an integer number of microseconds", got=value)
    return pendulum.Duration(microseconds=value)
