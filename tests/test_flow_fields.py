"""A rules workflow's fields are typed (date, number, money, text, person, choice):
checked on input with errors naming the field and what it allows, kept in one typed
form on every store, and described by a JSON Schema per command (issue 26)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import jsonschema
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import clientflow
from clientflow import Actor, ManualClock, to_json
from clientflow.config.flow_fields import field_type, typed
from clientflow.core import ConfigError, ValidationError, decimal_of
from clientflow.workspace import Workspace
from clientflow.workspace.flows import RulesFlowService
from tests.rulefiles import demo_rules_with

START = pendulum.datetime(2026, 9, 1, 2)
LI = Actor("li.wei", {"pm"})

TICKET = """
[workflows.visit]
noun = "site visit"
states = ["planned", "done"]
final = "done"
fields = { on = "date", visitors = "number", budget = "money", urgency = ["low", "normal", "high"] }

[[workflows.visit.transitions]]
name = "report"
from = "planned"
to = "done"
fields = { summary = "text", signed_by = "person" }

[workflows.visit.timers.planned]
before_field = "on"
days = 2
"""

GOOD = {
    "client": "lotus",
    "owner": "li.wei",
    "on": "2026-09-10",
    "visitors": 3,
    "budget": "1200.50",
    "urgency": "high",
}


@pytest.fixture(params=["memory", "sqlite"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    rules = demo_rules_with(tmp_path, TICKET)
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'f.db'}"
    with clientflow.open(url, rules, clock=ManualClock(START)) as workspace:
        yield workspace


def _visits(ws: Workspace) -> RulesFlowService:
    flow = ws.workflow("visit")
    assert isinstance(flow, RulesFlowService)
    return flow


def test_fields_are_stored_typed_and_read_back_the_same(ws: Workspace) -> None:
    """A number stays a number, a date and money keep their exact text, on every store;
    ``typed`` gives them back as date and Decimal."""
    item = _visits(ws).run("V-1", "open", by=LI, **GOOD).aggregate
    values = {"on": "2026-09-10", "visitors": 3, "budget": "1200.50", "urgency": "high"}
    assert item.values == values
    assert _visits(ws).get("V-1").values == values
    assert json.loads(to_json(item))["values"]["visitors"] == 3
    kinds = ws.rules.workflows["visit"].fields
    assert typed(kinds, item.values) == {
        "on": dt.date(2026, 9, 10),
        "visitors": 3,
        "budget": Decimal("1200.50"),
        "urgency": "high",
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("on", "10/09/2026", "on: expected a date as YYYY-MM-DD, got '10/09/2026'"),
        ("visitors", "three", "visitors: expected a whole number of size below 10^15"),
        ("visitors", 2.5, "visitors: expected a whole number of size below 10^15"),
        ("visitors", "²", "visitors: expected a whole number of size below 10^15"),
        ("visitors", "--5", "visitors: expected a whole number of size below 10^15"),
        ("visitors", "١٢", "visitors: expected a whole number of size below 10^15"),
        ("budget", 12.5, "budget: expected an amount below 10^15 such as 1200 or 99.50"),
        ("budget", "1e5", "budget: expected an amount below 10^15 such as 1200 or 99.50"),
        ("budget", "1_000", "budget: expected an amount below 10^15 such as 1200 or 99.50"),
        ("budget", "١٢", "budget: expected an amount below 10^15 such as 1200 or 99.50"),
        ("budget", "0.00000", "budget: expected an amount below 10^15 such as 1200 or 99.50"),
        ("on", "20261012", "on: expected a date as YYYY-MM-DD, got '20261012'"),
        ("on", "2026-W41-1", "on: expected a date as YYYY-MM-DD, got '2026-W41-1'"),
        ("on", "0001-01-01", "on: expected a date in the years 1970 to 2199"),
        ("on", "9999-12-31", "on: expected a date in the years 1970 to 2199"),
        ("urgency", "hihg", "urgency: expected one of low, normal, high (did you mean 'high'?)"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_field_and_what_it_allows(
    ws: Workspace, field: str, value: object, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _visits(ws).run("V-1", "open", by=LI, **{**GOOD, field: value})
    assert str(refused.value).startswith(message)
    assert list(ws.rows(clientflow.ports.Query(kind="visit"))) == []


def test_a_person_field_takes_only_people_the_rules_name(ws: Workspace) -> None:
    """The demo rules name their people (directory, people, contacts): a signature by
    someone else is refused with who may sign; text must be one line."""
    _visits(ws).run("V-1", "open", by=LI, **GOOD)
    with pytest.raises(ValidationError, match=r"signed_by: expected a person the rules name \("):
        _visits(ws).run("V-1", "report", by=LI, summary="ok", signed_by="nobody")
    with pytest.raises(ValidationError, match="summary"):
        _visits(ws).run("V-1", "report", by=LI, summary="two\nlines", signed_by="li.wei")
    done = _visits(ws).run("V-1", "report", by=LI, summary="ok", signed_by="li.wei").aggregate
    assert (done.status, done.values["signed_by"]) == ("done", "li.wei")


def test_a_person_field_takes_the_team_and_the_items_own_clients_people(ws: Workspace) -> None:
    """Grace is ACME's contact: a Lotus visit is not signed by her, but by Lotus's
    contact or the team; an ACME visit may name her."""
    _visits(ws).run("V-1", "open", by=LI, **GOOD)
    with pytest.raises(ValidationError, match=r"signed_by: .* of client lotus \(.*zhao\.min"):
        _visits(ws).run("V-1", "report", by=LI, summary="ok", signed_by="grace")
    assert _visits(ws).get("V-1").status == "planned"
    done = _visits(ws).run("V-1", "report", by=LI, summary="ok", signed_by="zhao.min").aggregate
    assert done.values["signed_by"] == "zhao.min"
    _visits(ws).run("V-2", "open", by=LI, **{**GOOD, "client": "acme"})
    signed = _visits(ws).run("V-2", "report", by=LI, summary="ok", signed_by="grace").aggregate
    assert signed.values["signed_by"] == "grace"


def test_each_command_has_a_json_schema_of_its_typed_fields(ws: Workspace) -> None:
    """The schema of open describes the typed fields a form sends; what it accepts the
    command accepts too."""
    schema = _visits(ws).schema("open")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(GOOD, schema)
    assert schema["properties"]["urgency"] == {"enum": ["low", "normal", "high"]}  # type: ignore[index]
    assert schema["properties"]["on"] == {"type": "string", "format": "date"}  # type: ignore[index]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**GOOD, "urgency": "hihg"}, schema)
    with pytest.raises(ValidationError, match="one of open, report"):
        _visits(ws).schema("close")


def test_a_field_type_mistake_is_reported_at_its_key(tmp_path: Path) -> None:
    broken = TICKET.replace('visitors = "number"', 'visitors = "numbr"').replace(
        '"low", "normal", "high"', '"low", "low"'
    )
    rules = demo_rules_with(tmp_path, broken)
    with pytest.raises(ConfigError) as error:
        clientflow.open("memory://", rules, clock=ManualClock(START))
    assert {p.path for p in error.value.problems} == {
        "workflows.visit.fields.visitors",
        "workflows.visit.fields.urgency[1]",
    }


_FORMS = {
    "number": r"-?[0-9]{1,15}",
    "money": r"-?[0-9]{1,15}(\.[0-9]{1,4})?",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
}


_ODD = "0123456789-+._eE:W\u00b2 \u0661\u0662\U0001d7d7T/"
"""ASCII digits and signs, with a superscript, Arabic-Indic and mathematical digits."""


@given(
    st.sampled_from(sorted(_FORMS)),
    st.text(alphabet=st.sampled_from(_ODD), max_size=14) | st.text(),
)
def test_typed_fields_take_only_their_documented_forms_and_store_them_canonically(
    kind: str, given_text: str
) -> None:
    """Whatever text comes in, a typed field either refuses it with a ValidationError or
    accepts one of the documented forms (ASCII digits) and stores its one canonical text,
    which it takes again unchanged."""
    field = field_type(kind)
    try:
        stored = field.parse("f", given_text)
    except ValidationError:
        return
    assert re.fullmatch(_FORMS[kind], given_text.strip())
    assert re.fullmatch(_FORMS[kind], str(stored))
    assert field.parse("f", str(stored)) == stored


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_a_number_is_read_the_same_from_json_text_or_a_number(value: int) -> None:
    kind = field_type("number")
    assert kind.parse("n", value) == kind.parse("n", str(value)) == value


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_money_is_kept_exactly(value: Decimal) -> None:
    stored = field_type("money").parse("cost", str(value))
    assert isinstance(stored, str)
    assert Decimal(stored) == value


@given(st.from_regex(_FORMS["money"], fullmatch=True) | st.decimals(allow_nan=False).map(str))
def test_money_text_is_stored_as_the_checked_decimal_writes_it(text: str) -> None:
    """The documented text form of an amount is stored as decimal_of's value writes it
    (zero as 0), and any other text is refused."""
    try:
        stored = field_type("money").parse("cost", text)
    except ValidationError:
        assert not re.fullmatch(_FORMS["money"], text.strip())
        return
    assert stored == format(decimal_of(text.strip(), "cost"), "f")


def test_values_handed_out_cannot_change_what_the_store_holds(ws: Workspace) -> None:
    """An item's and its events' values are read-only: writing into the returned
    aggregate or an event of its history is refused, and the store (history and the
    cached aggregate) reads the same; the events still round-trip through the codec."""
    flow = _visits(ws)
    item = flow.run("V-1", "open", by=LI, **GOOD).aggregate
    history = ws.history("V-1")
    for values in (item.values, history[0].values):
        with pytest.raises(TypeError):
            values["visitors"] = 666  # type: ignore[index]
    assert flow.get("V-1").values["visitors"] == 3
    assert ws.history("V-1")[0].values["visitors"] == 3
    registry = ws.engine.kinds.kind("visit").events
    for event in ws.history("V-1"):
        assert registry.decode(*registry.encode(event)) == event


def test_a_handler_called_without_the_runner_still_parses_its_fields(ws: Workspace) -> None:
    """The runner parses a command's fields once and calls the handler's unchecked body;
    the handler itself, called directly, parses them as the runner would."""
    handler = _visits(ws).declared.command("open").handler
    context = {"calendar": ws.rules.calendar_for("lotus"), "directory": ws.rules.directory}
    direct = handler("V-9", actor=LI, now=START, **{**GOOD, "visitors": "3"}, **context)
    through = _visits(ws).run("V-9", "open", by=LI, **{**GOOD, "visitors": "3"}).aggregate
    values = {"on": "2026-09-10", "visitors": 3, "budget": "1200.50", "urgency": "high"}
    assert direct.aggregate.values == through.values == values
    with pytest.raises(ValidationError, match="visitors"):
        handler("V-10", actor=LI, now=START, **{**GOOD, "visitors": "three"}, **context)
