"""Every public command, fed junk, either works or raises a ClientflowError, state untouched.

Each example prepares an aggregate at some point of its workflow in a real store (memory
and SQLite here; PostgreSQL and MariaDB under CI=true), then runs one public command of
that workflow through the engine with some arguments replaced by junk: wrong types, huge
or non-finite numbers, lone surrogates, control characters, 100,000-character text,
naive or out-of-range instants. The only outcomes allowed are a saved result or a
ClientflowError; after a refusal the aggregate, its history and the feed are unchanged.
"""

from __future__ import annotations

import datetime as dt
import inspect
import itertools
import os
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from clientflow import Actor, ClientflowError
from clientflow.cadence import commands as cadence
from clientflow.cadence import kind as cadence_kind
from clientflow.cadence.model import Channel as PlanChannel
from clientflow.cadence.model import Direction, Touchpoint
from clientflow.changes import Verdict
from clientflow.changes import commands as changes
from clientflow.changes import kind as change_kind
from clientflow.core import Codec, Decision
from clientflow.engine import Command, Engine
from clientflow.escalation import IssueKind
from clientflow.escalation import commands as escalation
from clientflow.escalation import kind as issue_kind
from clientflow.feedback import (
    Channel,
    FeedbackPolicy,
    Sentiment,
    SurveyPolicy,
    Trigger,
    surveys_kind,
)
from clientflow.feedback import commands as feedback
from clientflow.feedback import kind as feedback_kind
from clientflow.ports import Store
from clientflow.risks import CloseReason, PlannedAction, RiskPolicy, Strategy
from clientflow.risks import commands as risks
from clientflow.risks import kind as risk_kind
from clientflow.storage import MemoryStore, SQLiteStore
from clientflow.storage.kinded import TypedStore
from tests.cadence import fixtures as plans
from tests.changes import fixtures as crs
from tests.escalation import fixtures as issues
from tests.feedback import fixtures as fb
from tests.risks import fixtures as rk
from tests.storage.servers import MARIADB_URL, POSTGRES_URL, fresh_prefix, require_server

WHEN = pendulum.datetime(2026, 3, 2, 2)  # Monday 10:00 in Shanghai, 21:00 Sunday in New York

JUNK: list[object] = [
    None,
    0,
    -1,
    10**5000,
    float("nan"),
    Decimal("NaN"),
    "",
    " ",
    "a\udcffb",
    "nul\x00byte",
    "x" * 100_000,
    [],
    {},
    b"bytes",
    dt.datetime(2026, 3, 2, 12),  # naive
    pendulum.datetime(8999, 1, 1),
    dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))),
    Actor("stranger"),
]

ACTORS = [
    crs.PM1,
    crs.ANNA,
    issues.OWNER,
    issues.CLIENT,
    fb.PM,
    Actor("stranger"),
    Actor("boss", {"pm", "engineer", "client-sponsor", "account-director"}),
]

TEXT = {
    "title",
    "description",
    "reason",
    "comment",
    "note",
    "solution",
    "resolution",
    "message",
    "plan",
    "release",
    "text",
    "cause",
    "event",
    "effect",
    "contingency",
}
NAMES = {"owner": "zhou.min", "client": "acme", "project": "portal", "contact": "anna"}


def _valid(workflow: str, name: str, now: pendulum.DateTime) -> st.SearchStrategy[object]:
    """A plausible value for a parameter, by its name (and workflow where names clash)."""
    plan_item = plans.STEERING
    table: dict[str, object] = {
        "now": now,
        "first": now.add(days=1),
        "calendar": {
            "changes": crs.CALENDAR,
            "issues": issues.CALENDAR,
            "feedback": fb.CALENDAR,
            "risks": rk.CALENDAR,
        }.get(workflow),
        "schedule": plans.NY_SCHEDULE,
        "escalation": issues.LADDER,
        "sla": issues.SLA,
        "policy": {
            "changes": crs.POLICY,
            "feedback": FeedbackPolicy(),
            "surveys": SurveyPolicy(),
            "risks": RiskPolicy(),
        }.get(workflow),
        "directory": crs.DIRECTORY,
        "impact": crs.impact(),
        "priority": "P1",
        "kind": IssueKind.ISSUE,
        "channel": Channel.EMAIL,
        "trigger": Trigger.MILESTONE,
        "follow_up_open": False,
        "timezone": "America/New_York",
        "items": (plans.WEEKLY,),
        "item": plan_item,
        "item_id": "weekly-report",
        "silence_days": 3,
        "template": "weekly",
        "reply_within": pendulum.duration(hours=4),
        "survey_id": "S-1",
        "feedback_id": None,
        "csat": 2,
        "nps": 3,
        "touchpoint": Touchpoint(
            "tp-1", Direction.OUTBOUND, PlanChannel.EMAIL, now.subtract(minutes=5)
        ),
        **NAMES,
    }
    if name in {"actor", "voter", "requester", "reporter"}:
        return st.sampled_from(ACTORS)
    if name == "verdict":
        return st.sampled_from(Verdict)
    if name == "sentiment":
        return st.sampled_from([None, *Sentiment])
    if name == "delegations":
        return st.just(())
    if name == "opened_from":
        return st.sampled_from(["", "RSK-1", "bad id"])
    if workflow == "risks":
        found = _risk_value(name, now)
        if found is not None:
            return found
    if name in TEXT:
        return st.sampled_from(["fixed the export", "我们明天回复", ""])
    if name in table:
        return st.just(table[name])
    raise AssertionError(f"no value for parameter {name!r} of a {workflow} command")


def _risk_value(name: str, now: pendulum.DateTime) -> st.SearchStrategy[object] | None:
    """Values of the risk commands' own parameters (names other workflows use differently)."""
    risk_values: dict[str, st.SearchStrategy[object]] = {
        "probability": st.integers(0, 6),
        "impact": st.integers(0, 6),
        "category": st.sampled_from(["resource", "weather"]),
        "likelihood": st.sampled_from([None, "0.4", "1.5", Decimal("0.25")]),
        "cost": st.sampled_from([None, rk.Money("5000", "USD")]),
        "schedule_days": st.sampled_from([None, 3, -1]),
        "client_visible": st.booleans(),
        "strategy": st.sampled_from(Strategy),
        "reason": st.sampled_from(CloseReason),
        "actions": st.sampled_from(
            [
                (),
                (PlannedAction("A1", "Second DBA", "chen.jie", pendulum.duration(hours=8)),),
                (PlannedAction("A1", "x", "y", now.add(days=2)),) * 2,
                (PlannedAction("A1", "x", "y", "tomorrow"),),  # type: ignore[arg-type]
            ]
        ),
        "trigger": st.sampled_from(["export not started", ""]),
        "residual": st.sampled_from([None, (2, 3), (9, 9), (1,)]),
        "action": st.sampled_from(["A1", "A9"]),
        "issue_id": st.sampled_from(["ISS-1", "bad id"]),
        "priority": st.sampled_from([None, "P2"]),
    }
    return risk_values.get(name)


def _steps(workflow: str, key: str) -> list[Decision[Any]]:
    """Decisions that take one aggregate ``key`` through the start of its workflow."""
    if workflow == "changes":
        made = [
            changes.request_change(
                key, project="portal", title="SSO", description="", requester=crs.ANNA, now=WHEN
            )
        ]
        made.append(changes.submit(made[-1].aggregate, crs.ANNA, WHEN))
        made.append(changes.assess(made[-1].aggregate, crs.impact(), crs.PM1, WHEN))
        made.append(
            changes.request_approval(
                made[-1].aggregate,
                crs.POLICY,
                directory=crs.DIRECTORY,
                calendar=crs.CALENDAR,
                actor=crs.PM1,
                now=WHEN,
            )
        )
        return made
    if workflow == "issues":
        made = [
            escalation.report_issue(
                key,
                kind=IssueKind.ISSUE,
                client="acme",
                project="portal",
                title="Checkout fails",
                priority="P2",
                owner="zhou.min",
                reporter=issues.CLIENT,
                now=WHEN,
                sla=issues.SLA,
                escalation=issues.LADDER,
                calendar=issues.CALENDAR,
            )
        ]
        extra = {"calendar": issues.CALENDAR, "escalation": issues.LADDER}
        made.append(escalation.acknowledge(made[-1].aggregate, issues.OWNER, WHEN, **extra))
        made.append(escalation.start_investigation(made[-1].aggregate, issues.OWNER, WHEN, **extra))
        made.append(
            escalation.propose_solution(made[-1].aggregate, "restart", issues.OWNER, WHEN, **extra)
        )
        return made
    if workflow == "feedback":
        made = [
            feedback.receive(
                key,
                client="acme",
                project="portal",
                contact="anna",
                channel=Channel.SURVEY,
                nps=3,
                policy=FeedbackPolicy(),
                calendar=fb.CALENDAR,
                actor=fb.PM,
                now=WHEN,
            )
        ]
        made.append(feedback.triage(made[-1].aggregate, fb.PM, WHEN, calendar=fb.CALENDAR))
        made.append(
            feedback.assign(made[-1].aggregate, "zhou.min", fb.PM, WHEN, calendar=fb.CALENDAR)
        )
        return made
    if workflow == "risks":
        policy = RiskPolicy()
        made = [
            risks.identify(
                key, client="acme", project="portal", title="Vendor late", owner="zhou.min",
                category="resource", cause="one DBA", event="the export slips",
                effect="delay the cut-over", policy=policy, actor=rk.PM, now=WHEN,
            )
        ]  # fmt: skip
        made.append(
            risks.assess(made[-1].aggregate, rk.PM, WHEN, probability=4, impact=4,
                         policy=policy, calendar=rk.CALENDAR)
        )  # fmt: skip
        made.append(
            risks.plan_response(
                made[-1].aggregate, Strategy.MITIGATE, rk.PM, WHEN, policy=policy,
                calendar=rk.CALENDAR,
                actions=[PlannedAction("A1", "Second DBA", "chen.jie", pendulum.duration(hours=8))],
            )
        )  # fmt: skip
        made.append(risks.start_monitoring(made[-1].aggregate, rk.PM, WHEN, policy=policy))
        return made
    if workflow == "surveys":
        return [
            feedback.schedule_periodic(
                None, contact=key, client="acme", first=WHEN.add(days=1), actor=fb.PM, now=WHEN
            )
        ]
    return [
        cadence.create_plan(
            key,
            client="acme",
            project="portal",
            timezone="America/New_York",
            items=(plans.WEEKLY,),
            silence_days=3,
            schedule=plans.NY_SCHEDULE,
            actor=plans.PM,
            now=WHEN,
        )
    ]


# Each workflow's commands: which create an aggregate (their first argument is the id).
WORKFLOWS: dict[str, tuple[Any, set[str], set[str]]] = {
    "changes": (changes, {"request_change"}, set()),
    "issues": (escalation, {"report_issue"}, set()),
    "feedback": (
        feedback,
        {"receive"},
        {
            "answer_survey",
            "fire_surveys",
            "request_survey",
            "schedule_periodic",
            "surveys_id",
        },
    ),
    "surveys": (
        feedback,
        {"request_survey", "schedule_periodic"},
        {
            "assign",
            "close",
            "complete_action",
            "confirm",
            "escalate_overdue",
            "plan_action",
            "receive",
            "record_contact",
            "reopen",
            "surveys_id",
            "thank",
            "triage",
        },
    ),
    "plans": (cadence, {"create_plan"}, set()),
    "risks": (risks, {"identify"}, {"PlannedAction", "issue_priority"}),
}


def _commands(workflow: str) -> list[str]:
    module, _, skipped = WORKFLOWS[workflow]
    # The declarations (COMMANDS) and word tables are data, not commands to call.
    return sorted(n for n in set(module.__all__) - skipped if callable(getattr(module, n)))


NOT_COMMANDS = frozenset({"surveys_id", "PlannedAction", "issue_priority"})
"""Public names of the command modules that are helpers, not commands."""


def test_the_fuzz_covers_every_public_command() -> None:
    """No public command of any workflow is left out of the fuzzing."""
    covered = {(WORKFLOWS[w][0].__name__, c) for w in WORKFLOWS for c in _commands(w)}
    for module in (changes, escalation, feedback, cadence, risks):
        missing = {
            name
            for name in module.__all__
            if (module.__name__, name) not in covered
            and name not in NOT_COMMANDS
            and callable(getattr(module, name))
        }
        assert not missing, f"{module.__name__}: {sorted(missing)} are not fuzzed"


def _codec() -> Codec:
    return Codec(
        [
            change_kind(lambda change: crs.CALENDAR),
            issue_kind(lambda issue: issues.CALENDAR, lambda issue: issues.LADDER),
            feedback_kind(lambda item: fb.CALENDAR),
            surveys_kind(lambda record: SurveyPolicy(), lambda contact: False),
            cadence_kind(lambda plan: plans.NY_SCHEDULE),
            risk_kind(lambda risk: rk.CALENDAR, lambda risk: RiskPolicy()),
        ]
    )


def _stores() -> Iterator[tuple[str, Callable[[Path], Store]]]:
    yield "memory", lambda folder: TypedStore(MemoryStore(), _codec())

    def sqlite(folder: Path) -> Store:
        store = TypedStore(SQLiteStore(folder / "fuzz.db"), _codec())
        store.store.create_schema()
        return store

    yield "sqlite", sqlite
    if os.environ.get("CI") == "true":
        for url in (POSTGRES_URL, MARIADB_URL):

            def server(folder: Path, url: str = url) -> Store:
                require_server(url)
                from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

                store = TypedStore(SQLAlchemyStore(url, prefix=fresh_prefix()), _codec())
                store.store.create_schema()
                return store

            yield url.split(":", 1)[0], server


@pytest.fixture(params=list(_stores()), ids=lambda p: p[0], scope="module")
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    made = request.param[1](tmp_path_factory.mktemp("fuzz"))
    yield made
    drop = getattr(made, "drop_schema", None)
    if drop is not None and not isinstance(made, SQLiteStore):
        drop()
    made.close()


_KEYS = itertools.count()


@settings(
    max_examples=int(os.environ.get("CLIENTFLOW_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_command_with_any_arguments_works_or_is_refused_cleanly(
    store: Store, data: st.DataObject
) -> None:
    """Success, or a ClientflowError leaving the aggregate, its history and feed as they were."""
    workflow = data.draw(st.sampled_from(sorted(WORKFLOWS)), "workflow")
    module, creators, _ = WORKFLOWS[workflow]
    contact = f"{workflow}-{next(_KEYS)}"
    key = feedback.surveys_id(contact) if workflow == "surveys" else contact
    steps = _steps(workflow, contact)
    prepared = data.draw(st.integers(1, len(steps)), "steps done")
    engine = Engine(store, clock=_Clock(WHEN.add(hours=1)))
    for step in steps[:prepared]:
        engine.execute(Command(key, _returning(step)))
    name = data.draw(st.sampled_from(_commands(workflow)), "command")
    function = getattr(module, name)
    arguments: dict[str, object] = {}
    first = True
    for parameter in inspect.signature(function).parameters.values():
        if first:
            first = False
            continue  # the aggregate (or its id): the engine passes it
        if parameter.name in {"permissions", "rule", "override"}:
            continue
        junk = data.draw(st.integers(0, 9), f"junk? {parameter.name}") == 0
        arguments[parameter.name] = (
            data.draw(st.sampled_from(JUNK), parameter.name)
            if junk
            else data.draw(_valid(workflow, parameter.name, WHEN.add(hours=1)), parameter.name)
        )
    target: object = key
    if name in creators:
        target = data.draw(st.sampled_from([key, f"new-{key}", *JUNK[:4]]), "new id")
        if workflow == "surveys":
            target = key

    def decide(current: object, now: pendulum.DateTime) -> Decision[Any]:
        given_first = target if name in creators else current
        positional = [arguments.pop(p) for p in _positional(function) if p in arguments]
        return function(given_first, *positional, **arguments)  # type: ignore[no-any-return]

    before = _snapshot(store, key)
    try:
        result = engine.execute(Command(target, decide))  # type: ignore[arg-type]
    except ClientflowError as error:
        event(f"refused: {type(error).__name__}")
        assert _snapshot(store, key) == before
        return
    event("applied" if result.events else "nothing to do")
    if result.events:
        assert store.load(result.aggregate.id) == result.aggregate


def _positional(function: Callable[..., object]) -> list[str]:
    return [
        p.name
        for p in list(inspect.signature(function).parameters.values())[1:]
        if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]


def _snapshot(store: Store, key: str) -> tuple[object, ...]:
    return (store.load(key), tuple(store.history(key)), len(store.feed(limit=1_000_000)))


def _returning(step: Decision[Any]) -> Callable[[object, pendulum.DateTime], Decision[Any]]:
    return lambda current, now: step


class _Clock:
    def __init__(self, now: pendulum.DateTime) -> None:
        self._now = now

    def now(self) -> pendulum.DateTime:
        return self._now
