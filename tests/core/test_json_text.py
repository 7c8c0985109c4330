"""Generated JSON writers give the very text of the cattrs path, for every built-in kind."""

from __future__ import annotations

import gc
import random
import weakref
from functools import cache

import attrs
import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

import clientflow
from clientflow.core.clock import ManualClock
from clientflow.core.events import make_converter_for_events, write_json
from clientflow.core.jsontext import TextWriter
from clientflow.demo import demo_rules
from clientflow.demo.register import seed_risks
from clientflow.demo.scenario import seed
from clientflow.demo.simulation import Simulation

_CONVERTER = make_converter_for_events()
_START = pendulum.datetime(2026, 9, 1)  # the demo register's risks start on 7 September


@cache
def _demo_values() -> tuple[object, ...]:
    """Every event of a ten-day demo and every aggregate it left (all built-in kinds)."""
    with clientflow.open("memory://", demo_rules("en"), clock=ManualClock(_START)) as ws:
        sim = Simulation(ws, _START)
        seed(sim, 10, random.Random(3))
        seed_risks(sim)
        sim.run(_START.add(days=10))
        events = [stored.event for stored in ws.engine.feed(0, 100_000)]
        aggregates = {e.aggregate_id: ws.engine.load(e.aggregate_id) for e in events}
    return (*events, *aggregates.values())


def test_the_demo_covers_every_built_in_kind() -> None:
    kinds = {type(value).__module__.split(".")[1] for value in _demo_values()}
    assert {"changes", "escalation", "feedback", "cadence", "risks"} <= kinds


def _varied(data: st.DataObject, found: object) -> object:
    """``found`` with some of its strings, at any depth, replaced by any text (a new
    object where something changed; parts left alone stay the very same objects)."""
    if not attrs.has(type(found)):
        return found
    changes = {}
    for field in attrs.fields(type(found)):
        current = getattr(found, field.name)
        if field.init and type(current) is str and data.draw(st.booleans()):
            changes[field.name] = data.draw(st.text())
        elif attrs.has(type(current)):
            changes[field.name] = _varied(data, current)
    # bypass validation: the writer must match cattrs for any value, valid or not
    made = object.__new__(type(found))
    for field in attrs.fields(type(found)):
        object.__setattr__(made, field.name, changes.get(field.name, getattr(found, field.name)))
    return made


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_generated_text_is_the_cattrs_text(data: st.DataObject) -> None:
    """Any event or snapshot of the built-in kinds, its strings replaced by any text."""
    value = data.draw(st.sampled_from(_demo_values()))
    varied = _varied(data, value)
    writer = TextWriter(_CONVERTER)
    assert writer.write(varied) == write_json(_CONVERTER, varied)
    assert writer.write(value) == write_json(_CONVERTER, value)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_remembering_writer_writes_the_cattrs_text(data: st.DataObject) -> None:
    """An import's writer, which writes a part an aggregate shares with its events once,
    gives every event and snapshot of every built-in kind the cattrs text, whatever the
    order and whichever parts are shared or varied."""
    values = list(data.draw(st.permutations(_demo_values())))
    values += [_varied(data, value) for value in values[:10]]  # share some parts, not all
    writer = TextWriter(_CONVERTER, remember=True)
    for value in data.draw(st.permutations(values)):
        assert writer.write(value) == write_json(_CONVERTER, value)
    writer.forget()
    for value in values[:5]:
        assert writer.write(value) == write_json(_CONVERTER, value)


@attrs.frozen
class Part:
    note: str


@attrs.frozen
class Whole:
    part: Part


def test_a_remembering_writer_keeps_what_it_wrote_only_until_it_forgets() -> None:
    """An import's writer holds the parts it wrote (their ids stay theirs) until told to forget."""
    writer = TextWriter(make_converter_for_events(), remember=True)
    part = Part("x")
    gone = weakref.ref(part)
    assert writer.write(Whole(part)) == '{"part":{"note":"x"}}'
    assert writer.write(Whole(part)) == '{"part":{"note":"x"}}'  # the text remembered
    del part
    gc.collect()
    assert gone() is not None
    writer.forget()
    gc.collect()
    assert gone() is None


def test_every_demo_value_is_written_as_before() -> None:
    writer = TextWriter(_CONVERTER)
    for value in _demo_values():
        assert writer.write(value) == write_json(_CONVERTER, value)


class Opaque:
    """A type the writer knows nothing about."""

    def __init__(self, note: str) -> None:
        self.note = note


@attrs.frozen
class Holder:
    note: str
    opaque: Opaque
    maybe: int | None
    wrong: str  # holds an int below: a value of another type than declared


def test_an_unknown_field_type_or_value_falls_back_to_the_converter() -> None:
    converter = make_converter_for_events()
    converter.register_unstructure_hook(Opaque, lambda value: {"note": value.note})
    value = Holder('ü "q"', Opaque("x"), None, 5)  # type: ignore[arg-type]
    assert TextWriter(converter).write(value) == write_json(converter, value)
    assert (
        TextWriter(converter).write(value)
        == '{"note":"ü \\"q\\"","opaque":{"note":"x"},"maybe":null,"wrong":5}'
    )
    assert TextWriter(converter).write([1, "a"]) == '[1,"a"]'  # not a class: the old path
