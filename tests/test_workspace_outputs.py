"""Everything a host needs is a workspace call, and every value a workspace call returns
has a JSON form the shipped outputs schema describes."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import types
import typing
from collections.abc import Iterator

import attrs
import pendulum
import pytest

import clientflow
from clientflow import Actor, ManualClock, NotFound, ValidationError, to_json
from clientflow.changes import Impact, Money, Priority, Risk
from clientflow.demo import RULES_FILE
from clientflow.engine import Result
from clientflow.ports import Query
from clientflow.risks import PlannedAction
from clientflow.workspace import OUTPUTS_SCHEMA_FILE, DeliverySettings, Service, Workspace

MONDAY = pendulum.datetime(2026, 3, 2, 2)  # 10:00 in Shanghai
ANNA = Actor("anna", {"client"})
LI = Actor("li.wei", {"pm"})
CHEN = Actor("chen.jie", {"engineer"})
IMPACT = Impact(
    schedule_days=2,
    cost=Money("9000", "CNY"),
    effort_hours=16,
    risk=Risk.MEDIUM,
    in_scope=False,
    priority=Priority.SHOULD,
)


def _calls(ws: Workspace) -> Iterator[tuple[str, object, typing.Any]]:
    """(name, bound method, return annotation) of every public call of the workspace."""
    holders: list[tuple[str, object]] = [("ws", ws)]
    holders += [
        (f"ws.{name}", value) for name, value in vars(ws).items() if isinstance(value, Service)
    ]
    for prefix, holder in holders:
        for name, function in inspect.getmembers(type(holder), inspect.isfunction):
            if name.startswith("_"):
                continue
            returned = typing.get_type_hints(function).get("return")
            if isinstance(returned, typing.TypeVar):  # get(): the service's aggregate
                returned = type(holder).aggregate  # type: ignore[attr-defined]
            yield f"{prefix}.{name}", getattr(holder, name), returned


def _classes(annotation: object) -> set[type]:
    """The attrs classes a return annotation hands out (inside tuples, lists, Result)."""
    origin = typing.get_origin(annotation)
    if origin is not None or isinstance(annotation, types.UnionType):
        found = {origin} if isinstance(origin, type) and attrs.has(origin) else set()
        for argument in typing.get_args(annotation):
            found |= _classes(argument)
        return found
    if isinstance(annotation, type) and attrs.has(annotation):
        return {annotation}
    return set()


def _validator(name: str) -> typing.Any:
    import jsonschema  # noqa: PLC0415 - test extra

    schema = json.loads(OUTPUTS_SCHEMA_FILE.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": schema["$defs"]})


@pytest.fixture
def ws() -> Iterator[Workspace]:
    clock = ManualClock(MONDAY)
    with clientflow.open("memory://", RULES_FILE, clock=clock) as opened:
        opened.changes.request("CR-1", by=ANNA, project="lotus-app", title="SSO")
        opened.changes.submit("CR-1", by=ANNA)
        opened.changes.assess("CR-1", by=LI, impact=IMPACT)
        opened.issues.report(
            "ISS-1", by=ANNA, client="lotus", project="lotus-app", title="Login fails",
            priority="P1", owner="chen.jie",
        )  # fmt: skip
        opened.feedback.receive(
            "FB-1", by=LI, client="lotus", project="lotus-app", contact="anna",
            channel="survey", nps=3,
        )  # fmt: skip
        opened.surveys.request("anna", by=LI, survey_id="S-1", client="lotus")
        opened.plans.create("P-1", by=LI, client="lotus", project="lotus-app")
        opened.risks.identify(
            "RSK-1", by=LI, client="lotus", project="lotus-app", title="Vendor late",
            owner="li.wei", category="vendor", cause="c", event="e", effect="f",
        )  # fmt: skip
        opened.risks.assess("RSK-1", by=LI, probability=4, impact=4)
        opened.risks.plan_response(
            "RSK-1", by=LI, strategy="mitigate",
            actions=[PlannedAction("A1", "Second DBA", "chen.jie", pendulum.duration(hours=4))],
        )  # fmt: skip
        clock.set(MONDAY.add(hours=3))
        yield opened


def test_every_return_type_of_the_workspace_is_in_the_shipped_outputs_schema(
    ws: Workspace,
) -> None:
    """A host generating client code from outputs.schema.json finds every type a call
    returns: a new call returning a new type fails here until the schema has it."""
    schema = json.loads(OUTPUTS_SCHEMA_FILE.read_text(encoding="utf-8"))
    returned = set().union(*(_classes(annotation) for _, _, annotation in _calls(ws)))
    missing = sorted(cls.__name__ for cls in returned if cls.__name__ not in schema["$defs"])
    assert not missing, f"regenerate: clientflow schema --outputs (missing {missing})"


def test_real_values_of_every_workspace_call_validate_against_the_schema(ws: Workspace) -> None:
    """Every query's real answer, and a command's result, validates against the
    definition of the type its signature declares; each declared type is exercised."""
    answers: dict[str, object] = {
        "ws.issues.add_update": ws.issues.add_update("ISS-1", by=CHEN, note="Looking"),
        "ws.all_rows": ws.all_rows(Query()),
        "ws.rows": ws.rows(Query(client="lotus")),
        "ws.history": ws.history("ISS-1"),
        "ws.overview": ws.overview("lotus"),
        "ws.deliver": None,  # needs a notifier: covered in tests/notify
        "ws.agenda": ws.agenda("chen.jie"),
        "ws.health": ws.health(client="lotus"),
        "ws.parked": ws.parked(),
        "ws.issues.sla_report": ws.issues.sla_report("ISS-1"),
        "ws.changes.impact_summary": ws.changes.impact_summary("CR-1"),
        "ws.risks.heat_map": ws.risks.heat_map("lotus"),
        "ws.risks.register": ws.risks.register("lotus"),
        "ws.what_if": ws.what_if(RULES_FILE, since=MONDAY, until=MONDAY.add(days=7)),
    }
    answers["ws.sweep"] = ws.sweep(MONDAY.add(days=3))  # last: it moves the issue on
    for service in ("changes", "issues", "feedback", "surveys", "plans", "risks"):
        answers[f"ws.{service}.list"] = getattr(ws, service).list(client="lotus")
    for aggregate_id, service in [
        ("CR-1", "changes"), ("ISS-1", "issues"), ("FB-1", "feedback"),
        ("surveys:anna", "surveys"), ("P-1", "plans"), ("RSK-1", "risks"),
    ]:  # fmt: skip
        answers[f"ws.{service}.get"] = getattr(ws, service).get(aggregate_id)
    exercised: set[str] = set()
    declared = {name: annotation for name, _, annotation in _calls(ws)}
    for name, value in answers.items():
        if value is None:
            continue
        for cls in _classes(declared[name]):
            exercised.add(cls.__name__)
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            form = json.loads(to_json(item))
            _validator(type(item).__name__).validate(form)
            if isinstance(item, Result):
                _validator(type(item.aggregate).__name__).validate(form["aggregate"])
    declared_types = set().union(*(_classes(a) for n, a in declared.items() if n != "ws.deliver"))
    unexercised = {cls.__name__ for cls in declared_types} - exercised
    assert unexercised == set(), f"no real value checked for {sorted(unexercised)}"


def test_the_sla_report_is_read_on_the_clients_calendar(ws: Workspace) -> None:
    """ws.issues.sla_report: a P1 reported Monday 10:00 Shanghai (first response within
    1 business hour), read at 13:00, has used 2 business hours (the lunch hour does not
    count) and is an hour late."""
    first, *_ = ws.issues.sla_report("ISS-1")
    assert first.metric == "first_response"
    assert first.deadline == MONDAY.add(hours=1)
    assert first.business_elapsed == pendulum.duration(hours=2)
    assert first.left == pendulum.duration(hours=-1)
    with pytest.raises(NotFound, match="NOPE"):
        ws.issues.sla_report("NOPE")


def test_the_impact_summary_speaks_the_clients_language(ws: Workspace) -> None:
    """Lotus reads English (the demo rules say so); a host can ask for Chinese."""
    english = ws.changes.impact_summary("CR-1")
    assert english.locale == "en"
    assert english.scope == "outside the agreed scope"
    assert "9,000" in english.cost
    assert "CR-1" in english.text()
    chinese = ws.changes.impact_summary("CR-1", lang=clientflow.i18n.language("zh_CN"))
    assert (chinese.locale, chinese.scope) == ("zh_CN", "超出约定范围")


def test_agenda_and_its_text_come_from_the_workspace(ws: Workspace) -> None:
    """The risk action's owner sees it in their language and zone from [people]."""
    items = ws.agenda("chen.jie")
    assert [item.aggregate_id for item in items] == ["ISS-1", "RSK-1"]
    text = ws.agenda_text("chen.jie")
    assert "风险“Vendor late”的应对措施" in text  # the risk by its title, not RSK-1
    assert text.startswith("时间均为北京时间\n")
    assert ws.agenda_text("nobody") == "Nothing due for nobody in the next 7 days."


def test_health_of_one_client_or_an_unknown_one(ws: Workspace) -> None:
    """One client's health by index; an unknown client is NotFound naming it."""
    [lotus] = ws.health(client="lotus")
    assert (lotus.client, lotus.open_issues) == ("lotus", 1)
    with pytest.raises(NotFound, match="ghost"):
        ws.health(client="ghost")


def test_delivery_settings_reach_the_engine() -> None:
    """clientflow.open(..., delivery=...) sets retries and parking; a wrong value is
    refused by name."""
    settings = DeliverySettings(consumer="crm", max_attempts=2, lease=dt.timedelta(minutes=1))
    with clientflow.open("memory://", RULES_FILE, delivery=settings) as ws:
        assert (ws.engine.consumer, ws.engine.max_attempts) == ("crm", 2)
        assert ws.engine.lease == pendulum.duration(minutes=1)
    with pytest.raises(ValidationError, match="delivery"):
        clientflow.open("memory://", RULES_FILE, delivery={"max_attempts": 2})  # type: ignore[arg-type]


def test_bulk_import_through_the_workspace(ws: Workspace) -> None:
    """Histories exported from one workspace import into another with their read side."""
    events = [event for aggregate in ("ISS-1", "CR-1") for event in ws.history(aggregate)]
    with clientflow.open("memory://", RULES_FILE) as other:
        assert other.import_history(events) == len(events)
        assert other.issues.get("ISS-1") == ws.issues.get("ISS-1")
        assert [row.id for row in other.issues.list(client="lotus")] == ["ISS-1"]
