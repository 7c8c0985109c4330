"""Events are immutable facts that survive a JSON round trip unchanged."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from enum import Enum
from typing import ClassVar

import attrs
import pendulum
import pytest
from cattrs import Converter
from hypothesis import given
from hypothesis import strategies as st

from clientflow import DomainEvent, EventMeta, EventRegistry, ValidationError
from clientflow.core.events import write_json
from clientflow.core.instants import FIRST_YEAR, LAST_YEAR


class Risk(Enum):
    LOW = "low"
    HIGH = "high"


@attrs.frozen
class Money:
    amount: Decimal
    currency: str


@attrs.frozen(kw_only=True)
class ChangeAssessed(DomainEvent):
    event_type: ClassVar[str] = "test.change_assessed"
    cost: Money
    delay: dt.timedelta
    risk: Risk
    milestones: tuple[str, ...]
    due: pendulum.DateTime | None
    decided_on: dt.date
    tags: frozenset[str] = frozenset()


@attrs.frozen(kw_only=True)
class Closed(DomainEvent):
    event_type: ClassVar[str] = "test.closed"


REGISTRY = EventRegistry([ChangeAssessed, Closed])
META = EventMeta("CR-1", 2, pendulum.datetime(2026, 1, 5, 9, tz="Asia/Shanghai"), "alice")


def assessed(**changes: object) -> ChangeAssessed:
    fields: dict[str, object] = {
        "meta": META,
        "cost": Money(Decimal("1200.10"), "EUR"),
        "delay": pendulum.duration(hours=16),
        "risk": Risk.HIGH,
        "milestones": ("M2", "M3"),
        "due": pendulum.datetime(2026, 2, 1, 12, 30, 15, 7),
        "decided_on": dt.date(2026, 1, 5),
        "tags": frozenset({"scope", "client"}),
    }
    fields.update(changes)
    return ChangeAssessed(**fields)  # type: ignore[arg-type]


def test_meta_is_normalised_to_utc_and_exposed_on_the_event() -> None:
    """Event time is stored in UTC whatever zone it was given in."""
    event = assessed()
    assert event.occurred_at == pendulum.datetime(2026, 1, 5, 1)
    assert event.occurred_at.timezone_name == "UTC"
    assert (event.aggregate_id, event.aggregate_version, event.actor) == ("CR-1", 2, "alice")
    assert event.event_id == "CR-1@2"


def test_events_are_frozen() -> None:
    """An event cannot be altered after the fact."""
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        assessed().risk = Risk.LOW  # type: ignore[misc]


def test_round_trip_is_lossless() -> None:
    """Decimals, enums, durations, instants, dates and sets come back equal."""
    event = assessed()
    name, payload = REGISTRY.encode(event)
    assert name == "test.change_assessed"
    assert REGISTRY.decode(name, payload) == event
    data = json.loads(payload)
    assert data["cost"]["amount"] == "1200.10"  # a string: no float rounding
    assert data["meta"]["occurred_at"] == "2026-01-05T01:00:00+00:00"


@given(
    amount=st.decimals(allow_nan=False, allow_infinity=False, places=4),
    micros=st.integers(0, 10**13),
    due=st.none()
    | st.datetimes(
        min_value=dt.datetime(FIRST_YEAR, 1, 1),
        max_value=dt.datetime(LAST_YEAR, 12, 31),
        timezones=st.just(dt.UTC),
    ).map(pendulum.instance),
    text=st.text(),
)
def test_round_trip_holds_for_any_values(
    amount: Decimal, micros: int, due: pendulum.DateTime | None, text: str
) -> None:
    """Any payload the types allow survives encode/decode unchanged."""
    event = assessed(
        cost=Money(amount, "USD"),
        delay=dt.timedelta(microseconds=micros),
        due=due,
        milestones=(text,),
    )
    assert REGISTRY.decode(*REGISTRY.encode(event)) == event


def test_unknown_type_name_is_a_validation_error() -> None:
    """Decoding a name nobody registered says which names exist."""
    with pytest.raises(ValidationError, match=r"test\.change_assessed, test\.closed"):
        REGISTRY.decode("test.reopened", "{}")


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        "[]",
        '{"meta": {}}',
        '{"meta": {"aggregate_id": "X", "aggregate_version": 1,'
        ' "occurred_at": "2026-01-01T00:00:00", "actor": "a"}}',
        '{"meta": {"aggregate_id": "X", "aggregate_version": 0,'
        ' "occurred_at": "2026-01-01T00:00:00Z", "actor": "a"}}',
        '{"meta": {"aggregate_id": "X", "aggregate_version": 1,'
        ' "occurred_at": "2026-01-01T00:00:00Z", "actor": "a"}, "extra": 1}',
    ],
)
def test_malformed_payloads_are_validation_errors(payload: str) -> None:
    """Corrupt rows never surface as KeyError or TypeError."""
    with pytest.raises(ValidationError, match=r"payload of test\.closed"):
        REGISTRY.decode("test.closed", payload)


def test_registry_refuses_classes_without_their_own_name() -> None:
    """A subclass that forgets event_type cannot be registered."""

    @attrs.frozen(kw_only=True)
    class Nameless(DomainEvent):
        pass

    with pytest.raises(ValidationError, match="event_type"):
        EventRegistry([Nameless])


def test_registry_refuses_one_name_for_two_classes() -> None:
    """Type names are what stores keep, so they must be unique."""

    @attrs.frozen(kw_only=True)
    class OtherClosed(DomainEvent):
        event_type: ClassVar[str] = "test.closed"

    with pytest.raises(ValidationError, match="is taken"):
        REGISTRY | EventRegistry([OtherClosed])


def test_encoding_an_unregistered_event_is_refused() -> None:
    """A store cannot be handed an event it could not read back."""
    with pytest.raises(ValidationError, match="registered type"):
        EventRegistry([Closed]).encode(assessed())


def test_registries_combine() -> None:
    """Workflows' registries combine into the engine's one."""
    combined = EventRegistry([Closed]) | EventRegistry([ChangeAssessed])
    assert combined.names == REGISTRY.names
    assert "test.closed" in combined


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("aggregate_id", {"aggregate_id": ""}),
        ("aggregate_version", {"aggregate_version": 0}),
        ("actor", {"actor": ""}),
        ("occurred_at", {"occurred_at": dt.datetime(2026, 1, 1)}),
    ],
)
def test_meta_rejects_bad_values(field: str, kwargs: dict[str, object]) -> None:
    """Every event names its aggregate, a version >= 1, an aware time and an actor."""
    values: dict[str, object] = {
        "aggregate_id": "X",
        "aggregate_version": 1,
        "occurred_at": pendulum.datetime(2026, 1, 1),
        "actor": "a",
    }
    values.update(kwargs)
    with pytest.raises(ValidationError) as caught:
        EventMeta(**values)  # type: ignore[arg-type]
    assert caught.value.field == field


@given(
    st.datetimes(
        min_value=dt.datetime(FIRST_YEAR, 1, 2),
        max_value=dt.datetime(LAST_YEAR, 12, 30),
        timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8))]),
    )
)
def test_stored_instants_are_their_iso_8601_text(at: dt.datetime) -> None:
    """An instant is stored as its ``isoformat()`` in UTC, whatever its offset was."""
    meta = EventMeta("CR-1", 1, at, "alice")
    _, payload = REGISTRY.encode(Closed(meta=meta))
    assert json.loads(payload)["meta"]["occurred_at"] == meta.occurred_at.isoformat()


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_JSON)
def test_stored_json_text_is_that_of_compact_json_dumps(value: object) -> None:
    # Stored text is compared (a held aggregate is reused when the row's text is the one
    # written), so the faster writer must give json.dumps' text exactly.
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert write_json(Converter(), value) == expected
