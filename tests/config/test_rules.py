"""Rules files: what they build, and every mistake reported with its key path."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import clientflow
from clientflow import changes, escalation
from clientflow.config import json_schema, load_rules, rules_from_dict
from clientflow.core import ConfigError, ConfigProblem, NotFound

PACKAGE = Path(clientflow.__file__).parent
DEMO_RULES = PACKAGE / "demo" / "rules.toml"


def demo_data() -> dict[str, Any]:
    return tomllib.loads(DEMO_RULES.read_text(encoding="utf-8"))


def as_json(data: object) -> Any:
    """The data as a host keeping rules in JSON would have it (ISO date strings)."""
    return json.loads(json.dumps(data, default=lambda value: value.isoformat()))


def problems_of(data: object) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        rules_from_dict(data)  # type: ignore[arg-type]
    return {problem.path: problem.message for problem in caught.value.problems}


def test_the_demo_rules_build_working_policies() -> None:
    rules = load_rules(DEMO_RULES)
    shanghai = rules.calendar_for("lotus")
    # 2 business hours from Golden Week's eve land after the holiday week
    start = pendulum.datetime(2026, 9, 30, 17, tz="Asia/Shanghai")
    due = shanghai.add(start, pendulum.duration(hours=2)).in_timezone("Asia/Shanghai")
    assert (due.month, due.day, due.hour) == (10, 8, 10)
    assert rules.sla is not None
    assert rules.sla.select(escalation.IssueKind.ISSUE, "lotus", "lotus-app").name == "gold"
    assert rules.sla.select(escalation.IssueKind.ISSUE, "sakura", "x").name == "standard"
    gold = rules.sla.policies[0]
    assert gold.targets[0].resolution == pendulum.duration(hours=8)
    assert gold.thresholds == (0.5, 0.75)
    policy = rules.escalation_for("acme")
    assert policy is not None
    assert [level.name for level in policy.levels][-1] == "client sponsor"
    assert rules.escalation_for("sakura") is None
    approval = rules.approval_for("acme")
    assert [route.name for route in approval.routes] == ["standard", "budget", "major"]
    major = approval.routes[2]
    assert [group.name for stage in major.stages for group in stage] == ["sponsor", "director"]
    assert major.stages[1][0].comment is changes.CommentRule.ON_REJECT
    assert rules.feedback.targets.negative.contact == pendulum.duration(hours=8)  # from receipt
    assert rules.feedback.targets.negative.plan == pendulum.duration(hours=16)  # default kept
    assert rules.surveys.min_between == pendulum.duration(days=30)
    items = rules.plan_items("northwind")
    assert [item.id for item in items] == ["status-report", "steering"]
    assert items[0].start == dt.datetime(2026, 9, 4, 16)
    assert rules.directory["client-sponsor"][0] == "grace"
    assert rules.client_of_project("acme-shop") == "acme"
    assert not rules.calendars["london"].is_working_day(dt.date(2026, 12, 30))
    assert rules.calendars["tokyo"].hours.days[4][0].end == 16 * 60


def test_unknown_clients_use_the_default_calendar_or_are_named() -> None:
    rules = load_rules(DEMO_RULES)
    assert rules.calendar_for("somebody-else").timezone == "UTC"
    data = demo_data()
    del data["calendars"]["default"]
    with pytest.raises(NotFound, match="somebody-else"):
        rules_from_dict(data).calendar_for("somebody-else")
    with pytest.raises(NotFound, match="nobody"):
        rules_from_dict(data).client("nobody")


def test_every_mistake_in_a_file_is_reported_at_once_with_its_key_path() -> None:
    data = demo_data()
    data["version"] = 2
    data["calendars"]["shanghai"]["contry"] = "CN"
    data["calendars"]["london"]["hours"] = ["9-17"]
    data["calendars"]["tokyo"]["timezone"] = "Asia/Tokio"
    data["sla"][0]["targets"]["P1"]["resolution"] = "soon"
    data["sla"][1]["thresholds"] = [0.5, 1.5]
    data["escalation"]["standard"]["levels"][1]["notify"] = 7
    data["approval"]["default"]["routes"][1]["stages"][0][0]["mode"] = "anyone"
    data["plans"]["weekly"]["items"][0]["rule"] = "FREQ=FORTNIGHTLY"
    data["plans"]["weekly"]["items"][1]["id"] = "status-report"
    data["clients"]["acme"]["calendar"] = "newyork"
    data["clients"]["sakura"]["plan"] = "monthly"
    data["surveys"]["over_limit"] = "discard"
    found = problems_of(data)
    assert set(found) == {
        "version",
        "calendars.shanghai.contry",
        "calendars.london.hours[0]",
        "calendars.tokyo.timezone",
        "sla[0].targets.P1.resolution",
        "sla[1].thresholds[1]",
        "escalation.standard.levels[1].notify[0]",
        "approval.default.routes[1].stages[0][0].mode",
        "plans.weekly.items[0].rule",
        "plans.weekly.items[1].id",
        "clients.acme.calendar",
        "clients.sakura.plan",
        "surveys.over_limit",
    }
    assert found["version"] == "expected a number from 1 to 1, got 2"
    assert found["calendars.london.hours[0]"] == (
        "expected a shift such as \"09:00-17:30\", got '9-17'"
    )
    assert found["clients.sakura.plan"] == "no plan named 'monthly'; defined: weekly"
    assert "did you mean 'country'?" in found["calendars.shanghai.contry"]
    assert "allowed here: closed, country" in found["calendars.shanghai.contry"]
    assert (
        "IANA" in found["calendars.tokyo.timezone"] or "zone" in found["calendars.tokyo.timezone"]
    )
    assert "8h" in found["sla[0].targets.P1.resolution"]
    assert "1.5" in found["sla[1].thresholds[1]"]
    assert "'any'" in found["approval.default.routes[1].stages[0][0].mode"]
    assert "did you mean 'any'?" in found["approval.default.routes[1].stages[0][0].mode"]
    assert "RFC 5545" in found["plans.weekly.items[0].rule"]
    assert "items[0]" in found["plans.weekly.items[1].id"]
    assert "did you mean 'new-york'?" in found["clients.acme.calendar"]
    assert "defer, drop" in found["surveys.over_limit"]


def test_wrong_types_name_what_was_expected_and_what_came() -> None:
    found = problems_of({"version": "1", "calendars": ["shanghai"], "clients": {"x": []}})
    assert found == {
        "version": "expected an integer, got a string '1'",
        "calendars": "expected a table of named entries, got an array ['shanghai']",
        "clients.x": "expected a table, got an array []",
    }
    assert problems_of([]) == {"rules": "expected a table, got an array []"}
    assert problems_of({}) == {
        "version": "required key is missing",
        "calendars": "required key is missing",
    }


def test_nothing_in_a_rules_file_is_evaluated() -> None:
    data = demo_data()
    data["sla"][0]["targets"]["P1"]["resolution"] = "__import__('os').system('false')"
    data["calendars"]["shanghai"]["hours"] = ["eval('9')-17:00"]
    found = problems_of(data)
    assert set(found) == {"sla[0].targets.P1.resolution", "calendars.shanghai.hours[0]"}


def test_missing_and_malformed_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_rules(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text('version = 1\n[calendars.x\ntimezone = "UTC"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken.toml: is not valid TOML.*line 2"):
        load_rules(broken)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_rules(binary)


def test_rules_come_from_json_data_as_well() -> None:
    data = as_json(demo_data())
    rules = rules_from_dict(data)
    assert not rules.calendars["london"].is_working_day(dt.date(2026, 12, 29))
    assert rules.plan_items("lotus")[0].start == dt.datetime(2026, 9, 4, 16)
    data["plans"]["weekly"]["items"][0]["start"] = "2026-09-04T16:00:00+08:00"
    assert "without offset" in problems_of(data)["plans.weekly.items[0].start"]


def test_the_shipped_json_schema_is_the_generated_one_and_accepts_the_demo() -> None:
    shipped = (PACKAGE / "config" / "rules.schema.json").read_text(encoding="utf-8")
    assert shipped == json_schema(), "regenerate: clientflow schema > src/.../rules.schema.json"
    schema = json.loads(shipped)
    jsonschema.Draft202012Validator.check_schema(schema)
    demo = as_json(demo_data())
    jsonschema.validate(demo, schema)
    demo["calendars"]["shanghai"]["contry"] = "CN"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(demo, schema)


_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(["8h", "0m", "09:00-17:00", "FREQ=DAILY", "2026-02-30", "any", "UTC"]),
    # what once escaped as raw exceptions or hung: overflow, huge numbers, file-system
    # names as zones, module attributes as countries, runaway recurrences
    st.sampled_from(
        [
            "1000000000d",
            "9" * 5000 + "h",
            10**5000,
            -(10**30),
            float("nan"),
            float("inf"),
            "A" * 300,
            "Europe",
            "../../etc/passwd",
            "country_holidays",
            "FREQ=MINUTELY",
            "FREQ=SECONDLY",
            "FREQ=DAILY;INTERVAL=0",
            "FREQ=DAILY;COUNT=99999999",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=DAILY\nEXRULE:FREQ=DAILY",
            20000,
            [0.5] * 10_000,
            "a\udcffb",
            "x" * 100_000,
            # the ends of time as TOML dates and date-times (a plan starting in 9999)
            dt.datetime(9999, 12, 31, 16, 0),
            dt.datetime(1, 1, 1),
            dt.date(9999, 12, 31),
            dt.date(1, 1, 1),
            dt.time(23, 59),
        ]
    ),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found: list[tuple[object, ...]] = [prefix] if prefix else []
    children: list[tuple[object, object]] = []
    if isinstance(node, dict):
        children = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))
    for key, child in children:
        found += _paths(child, (*prefix, key))
    return found


PATHS = _paths(demo_data())


@settings(deadline=1000, max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(PATHS), _JUNK), min_size=1, max_size=4))
def test_any_damage_to_a_rules_file_is_a_config_error_and_nothing_else(
    damage: list[tuple[tuple[object, ...], object]],
) -> None:
    data = copy.deepcopy(demo_data())
    for path, junk in damage:
        node: Any = data
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = junk
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced this branch
    problems: tuple[ConfigProblem, ...] = ()
    try:
        rules_from_dict(data)
    except ConfigError as error:
        problems = error.problems
        assert problems, "a ConfigError always lists its problems"
    for problem in problems:
        assert problem.path
        assert problem.message


@pytest.mark.parametrize(
    "value",
    ["9" * 5001, "-" + "1" * 4400, "1e999999", "nan", "inf", "9999-12-31T23:59:59", "0001-01-01"],
)
def test_extreme_values_in_the_toml_text_are_a_config_error(tmp_path: Path, value: str) -> None:
    """What the TOML reader itself refuses (an integer of 5,001 digits) or reads into
    values out of clientflow's range (a plan starting in 9999) is a ConfigError, which
    `clientflow check` prints without a traceback."""
    from clientflow.demo import RULES_FILE  # noqa: PLC0415

    text = Path(RULES_FILE).read_text(encoding="utf-8")
    damaged = text.replace("start = 2026-09-04T16:00:00", f"start = {value}", 1)
    assert damaged != text
    path = tmp_path / "rules.toml"
    path.write_text(damaged, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_rules(path)
    assert raised.value.problems
    checked = subprocess.run(
        [sys.executable, "-m", "clientflow", "check", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 1
    assert "Traceback" not in checked.stderr
    assert "error: rules have 1 problem" in checked.stderr


def test_rules_nested_without_end_are_a_config_error(tmp_path: Path) -> None:
    """TOML or dicts nested 100,000 deep end in a ConfigError, not a RecursionError."""
    deep = tmp_path / "deep.toml"
    deep.write_text("version = 1\nx = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_rules(deep)
    data = demo_data()
    nested: list[object] = []
    for _ in range(100_000):
        nested = [nested]
    data["plans"]["weekly"]["items"] = nested
    with pytest.raises(ConfigError, match=r"plans\.weekly\.items\[0\]: expected a table"):
        rules_from_dict(data)


def test_approval_delegations_come_only_from_the_rules() -> None:
    """Delegations are listed per approval policy, with offsets; bad ones name their key."""
    data = demo_data()
    data["approval"]["default"]["delegations"] = [
        {
            "delegator": "wang.fang",
            "delegate": "li.wei",
            "start": dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))),
            "end": "2026-03-09T09:00+08:00",
        }
    ]
    [delegation] = rules_from_dict(data).approval["default"].delegations
    assert delegation.start == pendulum.datetime(2026, 3, 2, 1)
    assert delegation.end == pendulum.datetime(2026, 3, 9, 1)
    data["approval"]["default"]["delegations"] = [
        {"delegator": "li.wei", "delegate": "li.wei", "start": "2026-03-02T09:00", "end": "x"}
    ]
    found = problems_of(data)
    assert "offset" in found["approval.default.delegations[0].start"]
    assert "offset" in found["approval.default.delegations[0].end"]


def test_permissions_come_from_the_rules_in_names() -> None:
    """[permissions] sets who acts on issues and who may override a sentiment."""
    from clientflow import Actor  # noqa: PLC0415

    data = demo_data()
    data["permissions"] = {
        "issues": {"team": ["party:owner", "role:support"], "client": "party:reporter"},
        "feedback": {"override_sentiment": ["role:account-director"]},
    }
    rules = rules_from_dict(data)
    team = rules.issue_permissions.team
    assert team.allows(Actor("x", {"support"}), {})
    assert not team.allows(Actor("x", {"pm"}), {})
    assert rules.override_sentiment.allows(Actor("w", {"account-director"}), {})
    assert not rules.override_sentiment.allows(Actor("li", {"pm"}), {})
    data["permissions"] = {"issues": {"team": ["role: pm", "party:"]}}
    assert "permissions.issues.team" in problems_of(data)
    defaults = rules_from_dict(demo_data())
    assert defaults.issue_permissions.team.allows(Actor("e", {"engineer"}), {})


def test_single_rules_answer_without_a_store() -> None:
    """SLA clocks for a host's own ticket, an approval route, the next communications."""
    rules = rules_from_dict(demo_data())
    opened = pendulum.datetime(2026, 9, 30, 1)  # Wednesday 09:00 in Shanghai
    first, resolution = rules.sla_clocks("lotus", priority="P1", opened_at=opened)
    assert (first.metric, resolution.metric) == ("first_response", "resolution")
    assert first.deadline == pendulum.datetime(2026, 9, 30, 10, tz="Asia/Shanghai")
    paused = rules.sla_clocks(
        "lotus",
        priority="P1",
        opened_at=opened,
        pauses=[(opened.add(hours=1), opened.add(hours=3))],  # 10:00-12:00: 2 working hours
    )
    assert paused[1].deadline == rules.calendar_for("lotus").add(
        resolution.deadline, pendulum.duration(hours=2)
    )
    small = changes.Impact(
        schedule_days=0,
        cost=changes.Money("100", "CNY"),
        effort_hours=2,
        risk=changes.Risk.LOW,
        in_scope=True,
        priority=changes.Priority.COULD,
    )
    assert rules.approval_route("lotus-app", small).name == "standard"
    upcoming = rules.next_communications("lotus", after=opened, count=3)
    assert len(upcoming) == 3
    assert [o.at for o in upcoming] == sorted(o.at for o in upcoming)
    assert all(o.at > opened for o in upcoming)


def test_follow_up_targets_counted_from_receipt_must_leave_room_for_each_other() -> None:
    """Contact before assignment, or assignment before triage, cannot be met: the problem
    names the key to change and the lower bound."""
    data = {
        "version": 1,
        "calendars": {"default": {"timezone": "UTC", "hours": ["09:00-17:00"]}},
        "feedback": {"triage": "4h", "negative": {"contact": "4h"}},
    }
    with pytest.raises(ConfigError) as caught:
        rules_from_dict(data)
    [problem] = caught.value.problems
    assert problem.path == "feedback.negative.contact"
    assert "at least the assign target (8 hours)" in problem.message


def _sla_rules(resolution: str, **feedback: str) -> dict[str, object]:
    return {
        "version": 1,
        "calendars": {"default": {"timezone": "UTC", "hours": ["09:00-17:00"]}},
        "sla": [
            {
                "name": "standard",
                "targets": {"P2": {"first_response": "4h", "resolution": resolution}},
            }
        ],
        **({"feedback": feedback} if feedback else {}),
    }


@pytest.mark.parametrize("written", ["1wd", "1 working day", "1 Working Days", " 1WD "])
def test_sla_targets_may_be_whole_working_days(written: str) -> None:
    """ "Resolve within 1 working day" of Friday 15:00 is Monday 15:00; from Saturday, the
    end of Monday; the clock's warnings and pauses work as for hours."""
    rules = rules_from_dict(_sla_rules(written))
    friday = pendulum.datetime(2026, 3, 6, 15)
    clocks = rules.sla_clocks(client="acme", kind="issue", priority="P2", opened_at=friday)
    resolution = next(c for c in clocks if c.metric == "resolution")
    assert resolution.deadline == pendulum.datetime(2026, 3, 9, 15)
    assert resolution.target == pendulum.duration(hours=8)
    saturday = pendulum.datetime(2026, 3, 7, 10)
    clocks = rules.sla_clocks(client="acme", kind="issue", priority="P2", opened_at=saturday)
    assert next(c for c in clocks if c.metric == "resolution").deadline == pendulum.datetime(
        2026, 3, 9, 17
    )
    jsonschema.validate(_sla_rules(written), json.loads(json_schema()))


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("1d", "'1d' is ambiguous in business time: write \"1wd\" for working days"),
        ("2d", '"48h" (48 working hours, not 2 working days)'),
        ("1w", '"168h"'),
    ],
)
def test_days_are_refused_in_business_time_with_both_readings_offered(
    written: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        rules_from_dict(_sla_rules(written))
    [problem] = caught.value.problems
    assert problem.path == "sla[0].targets.P2.resolution"
    assert message in problem.message
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_sla_rules(written), json.loads(json_schema()))


def test_other_business_time_takes_hours_and_wall_clock_windows_keep_days() -> None:
    """Working days are for SLA targets; a follow-up target in days is refused, a survey
    window of 30 days (calendar days) is fine."""
    with pytest.raises(ConfigError, match=r"feedback.triage: '1d' is ambiguous.*\"24h\""):
        rules_from_dict(_sla_rules("8h", triage="1d"))
    with pytest.raises(ConfigError, match=r"feedback.triage: expected business hours"):
        rules_from_dict(_sla_rules("8h", triage="1wd"))
    data = {**_sla_rules("8h"), "surveys": {"min_between": "30d"}}
    assert rules_from_dict(data).surveys.min_between == pendulum.duration(days=30)


def test_people_and_projects_are_read_by_their_names_and_ids_stay_as_they_were() -> None:
    """`name` of a client, `[clients.X.project_names]` and `[people.X] name` give the names
    people read; anything the rules do not name reads as its id."""
    data = demo_data()
    data["clients"]["lotus"]["name"] = "明珠银行"
    data["clients"]["lotus"]["project_names"] = {"lotus-app": "手机银行 App"}
    data["people"]["li.wei"]["name"] = "李伟"
    rules = rules_from_dict(data)
    assert rules.client_name("lotus") == "明珠银行"
    assert rules.project_name("lotus-app") == "手机银行 App"
    assert rules.person_name("li.wei") == "李伟"
    assert (
        rules.client_name("x"),
        rules.project_name("acme-shop"),
        rules.person_name("chen.jie"),
    ) == (
        "x",
        "acme-shop",
        "chen.jie",
    )
    assert rules.client("lotus").projects == ("lotus-app",)  # old rules files stay valid


def test_a_project_name_for_a_project_the_client_does_not_list_is_a_mistake() -> None:
    """A typo in project_names would leave the id in every text: it is refused at its key."""
    data = demo_data()
    data["clients"]["lotus"]["project_names"] = {"lotus-ap": "手机银行 App"}
    found = problems_of(data)
    assert "did you mean 'lotus-app'" in found["clients.lotus.project_names.lotus-ap"]
