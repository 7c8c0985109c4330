"""Reading a period's histories for a replay: the facts decoded, the rest only stamped.

A replay needs the facts (what people did) and, to say whether the baseline reproduces
the record, each recorded event's type, version and instant. Decoding a whole stored
event costs ~0.4 ms (an issue event carries its clocks and thresholds, dozens of
instants), and most events are derived ones the replay derives again anyway. So from a
SQL store the raw rows are read a page of aggregates at a time, derived events are
only stamped (type, version, instant from the payload's leading ``meta``), and a fact
is decoded into a *stand-in*: an instance of its event class holding its ``meta`` and
just the fields its command reads (a stored row was validated when it was written).
Stand-ins never leave a replay: the replay's own events are built by the commands.

Other stores (memory) hold events as objects: their histories are used as they are.
"""

from __future__ import annotations

import datetime as dt
import json
import typing
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs
import pendulum

from clientflow.config.revisions import records_codec
from clientflow.core import DomainEvent, EventMeta
from clientflow.core.events import make_converter_for_events
from clientflow.core.instants import UTC
from clientflow.ports import Store
from clientflow.storage.sqlbase import SQLStore
from clientflow.whatif.replay import Fact, Flow

__all__ = [
    "Reader",
    "Recorded",
    "Row",
    "Stamp",
    "from_rows",
    "histories",
    "raw_pages",
    "recorded_events",
    "reproduces",
]

Stamp = tuple[str, int, pendulum.DateTime]
"""A recorded event's type, version and instant."""

Row = tuple[str, int, str, str]
"""A raw event row: aggregate id, version, type name, JSON payload."""

_PAGE = 500
"""Aggregates per query: one round trip each, and a bounded number of rows in memory."""


@attrs.frozen
class Recorded:
    """One aggregate's recorded history as the replay reads it: its ``facts`` (the
    opening event first; stand-ins when read raw), every event's ``stamps``, and its
    ``events`` when the store held them decoded anyway (else ``None``)."""  # noqa: D205, D209

    id: str
    facts: tuple[DomainEvent, ...]
    stamps: tuple[Stamp, ...]
    events: tuple[DomainEvent, ...] | None = None


def _instant(text: str) -> pendulum.DateTime:
    """A stored instant (always written in UTC by the codec), without re-validation."""
    p = dt.datetime.fromisoformat(text)
    if p.utcoffset():
        p = p.astimezone(dt.UTC)
    return pendulum.DateTime(
        p.year, p.month, p.day, p.hour, p.minute, p.second, p.microsecond, tzinfo=UTC
    )


_set = object.__setattr__  # how attrs itself sets a frozen instance's fields

_META = '{"meta":{"aggregate_id":'
_AT = '"occurred_at":"'


def _stamp_instant(payload: str) -> pendulum.DateTime:
    """The ``occurred_at`` of a payload the codec wrote (meta first), without parsing the
    rest; a payload of another shape is parsed whole."""  # noqa: D205, D209
    if payload.startswith(_META):
        start = payload.find(_AT)
        if start > 0:
            start += len(_AT)
            return _instant(payload[start : payload.index('"', start)])
    data = json.loads(payload)
    return _instant(data["meta"]["occurred_at"])


class Reader:
    """Decodes the facts of one flow into stand-ins; knows which fields each reads."""

    def __init__(self, flow: Flow) -> None:
        self.converter = make_converter_for_events()
        self.types: dict[str, tuple[type[DomainEvent], Fact]] = {}
        self.fields: dict[str, tuple[tuple[str, Any], ...]] = {}
        for cls, fact in ((flow.first, flow.opening), *flow.facts.items()):
            name = cls.event_type
            self.types[name] = (cls, fact)
            hints = typing.get_type_hints(cls)
            wanted = (_read_by(fact) or {f.name for f in attrs.fields(cls)}) - {"meta"}
            self.fields[name] = tuple((n, hints[n]) for n in sorted(wanted))

    def fact(self, name: str, payload: str) -> DomainEvent | None:
        """The stand-in of a fact row (``None``: not a fact of this flow, or not one here)."""
        found = self.types.get(name)
        if found is None:
            return None
        cls, fact = found
        data = json.loads(payload)
        meta = data["meta"]
        event = object.__new__(cls)
        # Frozen attrs classes refuse setattr: a stand-in is built as a decoder builds one,
        # its meta too (checked when the row was written, as ``EventMeta.next`` skips).
        made = object.__new__(EventMeta)
        _set(made, "aggregate_id", meta["aggregate_id"])
        _set(made, "aggregate_version", meta["aggregate_version"])
        _set(made, "occurred_at", _instant(meta["occurred_at"]))
        _set(made, "actor", meta["actor"])
        _set(event, "meta", made)
        structure = self.converter.structure
        for field, hint in self.fields[name]:
            if field in data:
                object.__setattr__(event, field, structure(data[field], hint))
            else:  # a field added later: old events load with its default
                default = attrs.fields_dict(cls)[field].default
                object.__setattr__(event, field, default)
        if fact.when is not None and not fact.when(event):
            return None
        return event


def _read_by(fact: Fact) -> set[str]:
    """The event's fields ``fact`` reads (empty: it does not say, so all of them)."""
    found = set(fact.reads)
    for path in fact.fields.values():
        if not isinstance(path, str):
            return set()
        found.add(path.partition(".")[0])
    return found or {"meta"}


def _raw_rows(store: SQLStore, ids: Sequence[str]) -> list[Row]:
    """Every event of ``ids``, by aggregate and version: id, version, type, payload.

    Reads the store's tables directly (one query per page of aggregates, no decoding);
    kept here so the stores' own decoding is not bypassed anywhere else.
    """
    names = {f"i{n}": ident for n, ident in enumerate(ids)}
    marks = ", ".join(f":{name}" for name in names)
    table = store._t["events"]
    with store._transaction(write=False, single=True) as db:
        rows = db.run(
            f"SELECT aggregate_id, version, type, payload FROM {table}"
            f" WHERE aggregate_id IN ({marks}) ORDER BY aggregate_id, version",
            names,
        )
    return [
        (str(a), int(v), str(t), p if isinstance(p, str) else json.dumps(p)) for a, v, t, p in rows
    ]


def raw_pages(store: SQLStore, ids: Sequence[str]) -> Iterator[tuple[Sequence[str], list[Row]]]:
    """The raw rows of ``ids``, a page of aggregates at a time."""
    for start in range(0, len(ids), _PAGE):
        page = ids[start : start + _PAGE]
        yield page, _raw_rows(store, page)


def from_rows(reader: Reader, page: Sequence[str], rows: Sequence[Row]) -> list[Recorded]:
    """The histories of ``page`` from its raw rows: facts as stand-ins, the rest stamped."""
    by_id: dict[str, tuple[list[DomainEvent], list[Stamp]]] = {i: ([], []) for i in page}
    for ident, version, name, payload in rows:
        found, stamped = by_id[ident]
        event = reader.fact(name, payload) if name in reader.types else None
        if event is not None:
            found.append(event)
            stamped.append((name, version, event.occurred_at))
        else:
            stamped.append((name, version, _stamp_instant(payload)))
    return [Recorded(i, tuple(by_id[i][0]), tuple(by_id[i][1])) for i in page]


def recorded_events(store: Store, ids: Iterable[str]) -> Iterator[tuple[DomainEvent, ...]]:
    """The events of each of ``ids`` as recorded, in the order given: a store's own
    objects, or its texts decoded with the records' codec (a host store keeping text)."""  # noqa: D205, D209
    codec = None
    for ident in ids:
        events = []
        for record in store.read_history(ident):
            if record.event is None:
                codec = codec or records_codec()
                events.append(codec.load_event(record.type, record.payload))
            else:
                events.append(record.event)
        yield tuple(events)


def histories(store: Store, flow: Flow, ids: Sequence[str]) -> Iterator[Recorded]:
    """The recorded histories of ``ids`` (aggregates of ``flow``), in the order given."""
    if not isinstance(store, SQLStore):
        for ident, events in zip(ids, recorded_events(store, ids), strict=True):
            stamps = tuple((e.event_type, e.aggregate_version, e.occurred_at) for e in events)
            facts = tuple(e for n, e in enumerate(events) if n == 0 or _is_fact(flow, e))
            yield Recorded(ident, facts, stamps, events)
        return
    reader = Reader(flow)
    for page, rows in raw_pages(store, ids):
        yield from from_rows(reader, page, rows)


def _is_fact(flow: Flow, event: DomainEvent) -> bool:
    fact = flow.facts.get(type(event))
    return fact is not None and (fact.when is None or fact.when(event))


def reproduces(recorded: Recorded, events: Sequence[DomainEvent], end: pendulum.DateTime) -> bool:
    """Whether a replay's ``events`` are the record's before ``end``: equal events when
    the record was decoded, else the same type, version and instant for every one."""  # noqa: D205, D209
    if recorded.events is not None:
        return tuple(events) == tuple(e for e in recorded.events if e.occurred_at < end)
    kept = [s for s in recorded.stamps if s[2] < end]
    return len(kept) == len(events) and all(
        s == (e.event_type, e.aggregate_version, e.occurred_at)
        for s, e in zip(kept, events, strict=True)
    )
