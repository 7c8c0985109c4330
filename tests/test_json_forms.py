"""Everything clientflow returns has a JSON form through one call, with stable rules."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import clientflow
from clientflow import Actor, ManualClock, json_form, to_json
from clientflow.core import duration_micros, iso_duration
from clientflow.demo import RULES_FILE
from clientflow.ports import Query

MONDAY = pendulum.datetime(2026, 3, 2, 2)


def test_aggregates_events_rows_and_results_serialise(tmp_path: Path) -> None:
    """An issue, its events, its read-side row and a command result all become JSON."""
    with clientflow.open(
        f"sqlite:///{tmp_path / 'j.db'}", RULES_FILE, clock=ManualClock(MONDAY)
    ) as ws:
        result = ws.issues.report(
            "ISS-1", by=Actor("anna", {"client"}), client="lotus", project="lotus-app",
            title="登录失败", priority="P1", owner="chen.jie",
        )  # fmt: skip
        issue = json.loads(to_json(result.aggregate))
        assert issue["status"] == "reported"
        assert issue["reported_at"] == "2026-03-02T02:00:00+00:00"
        assert issue["title"] == "登录失败"
        assert issue["kind"] == "issue"
        first = issue["terms"]["targets"][0]
        assert first["first_response"] == "PT1H"
        event = json_form(result.events[0])
        assert isinstance(event, dict)
        assert (event["type"], event["event_id"]) == ("issue.reported", "ISS-1@1")
        [row] = ws.rows(Query(owner="chen.jie"))
        assert json.loads(to_json(row))["next_deadline"] == "2026-03-02T02:30:00+00:00"
        whole = json.loads(to_json(result))
        assert whole["duplicate"] is False
        assert whole["events"][0]["meta"]["actor"] == "anna"


@given(st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=3000)))
def test_durations_are_iso_8601_that_parse_back_exactly(value: dt.timedelta) -> None:
    """PnDTnHnMn.nS, read back by an independent parser (pendulum), microsecond for microsecond."""
    parsed = pendulum.parse(iso_duration(value))
    assert isinstance(parsed, pendulum.Duration)
    assert duration_micros(parsed) == duration_micros(value)


def test_sets_are_sorted_and_unknown_values_refused() -> None:
    """A set has one JSON form; something with none is a ValidationError naming its type."""
    assert json_form({"b", "a"}) == ["a", "b"]
    with pytest.raises(clientflow.ValidationError, match="a value with a JSON form, got 'object'"):
        json_form(object())


def test_the_shipped_outputs_schema_is_generated_and_holds_for_real_outputs(
    tmp_path: Path,
) -> None:
    """outputs.schema.json equals the generator's, and every JSON form here validates."""
    import jsonschema  # noqa: PLC0415 - test extra

    from clientflow.workspace import OUTPUTS_SCHEMA_FILE, outputs_schema  # noqa: PLC0415

    shipped = OUTPUTS_SCHEMA_FILE.read_text(encoding="utf-8")
    assert shipped == outputs_schema(), "regenerate: clientflow schema --outputs > ..."
    schema = json.loads(shipped)

    validators: dict[str, jsonschema.Draft202012Validator] = {}

    def check(value: object, name: str) -> None:
        if name not in validators:
            validators[name] = jsonschema.Draft202012Validator(
                {"$ref": f"#/$defs/{name}", "$defs": schema["$defs"]}
            )
        validators[name].validate(json.loads(to_json(value)))

    anna, li = Actor("anna", {"client"}), Actor("li.wei", {"pm"})
    with clientflow.open(
        f"sqlite:///{tmp_path / 's.db'}", RULES_FILE, clock=ManualClock(MONDAY)
    ) as ws:
        ws.changes.request("CR-1", by=anna, project="lotus-app", title="SSO")
        ws.issues.report(
            "ISS-1", by=anna, client="lotus", project="lotus-app", title="Down",
            priority="P1", owner="chen.jie",
        )  # fmt: skip
        ws.feedback.receive(
            "FB-1", by=li, client="lotus", project="lotus-app", contact="anna",
            channel="survey", nps=3,
        )  # fmt: skip
        ws.surveys.request("anna", by=li, survey_id="S-1", client="lotus")
        ws.plans.create("P-1", by=li, client="lotus", project="lotus-app")
        for aggregate_id, name in [
            ("CR-1", "ChangeRequest"),
            ("ISS-1", "Issue"),
            ("FB-1", "Feedback"),
            ("surveys:anna", "ContactSurveys"),
            ("P-1", "CommunicationPlan"),
        ]:
            check(ws.engine.kinded.load(aggregate_id), name)
            for event in ws.history(aggregate_id):
                check(event, type(event).__name__)
        for row in ws.rows(Query()):
            check(row, "AggregateRow")
        report = ws.sweep(MONDAY.add(days=3))
        assert report.fired
        check(report, "SweepReport")
        for _, events in report.fired:
            for event in events:
                check(event, type(event).__name__)
