"""Every workspace service, fed what a web form may send, works or says what was wrong.

The methods are enumerated from the workspace's service classes, so a new one is fuzzed
without editing this file. Each example calls one method, on a workspace over a real
store (memory and SQLite here; PostgreSQL and MariaDB under CI=true) that holds one
aggregate of each workflow, with its parameters drawn from JSON-like values: None,
booleans, huge integers, non-finite floats, strings with lone surrogates, controls, line
breaks or bidi overrides, 20,000-character strings, lists, objects, and objects shaped
like an impact or a touchpoint with junk inside. The only outcomes allowed are a result
or a ClientflowError; after a refusal the rows and every history are unchanged.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pendulum
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import clientflow
from clientflow import Actor, ClientflowError, ManualClock
from clientflow.config import load_rules
from clientflow.demo import RULES_FILE
from clientflow.ports import Query
from clientflow.workspace import Service, Workspace
from tests.storage.servers import MARIADB_URL, POSTGRES_URL, fresh_prefix, require_server

MONDAY = pendulum.datetime(2026, 3, 2, 2)
ANNA = Actor("anna", {"client"})
LI = Actor("li.wei", {"pm"})

IDS = ["CR-1", "ISS-1", "FB-1", "P-1", "RSK-1", "anna", "lotus", "lotus-app", "chen.jie"]
STRINGS = [
    "",
    " ",
    "2026-10",
    "2026-03-02T10:00:00+08:00",
    "1e999999 USD",
    "9e999999999 USD",
    "9000 CNY",
    "a\udcffb",
    "nul\x00byte",
    "title\n## FORGED\n- FORGED",
    "\u202egnp.exe",
    "x" * 300,
    "x" * 20_000,
    "medium",
    "approve",
    "email",
    "inbound",
    "P2",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**40, -(10**40), 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(IDS + STRINGS),
    st.text(max_size=12),
)
JUNK = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
IMPACT = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys(
        ("schedule_days", "cost", "effort_hours", "risk", "in_scope", "priority", "milestones"),
        JUNK,
    ),
)
TOUCHPOINT = st.fixed_dictionaries(
    {"id": st.sampled_from(["tp-1", "tp-2"]), "direction": st.just("inbound")},
    optional=dict.fromkeys(("channel", "at", "participants", "kind", "item_id", "summary"), JUNK),
)
JSON = st.one_of(JUNK, IMPACT, TOUCHPOINT)

_TEXT = st.sampled_from(["fixed the export", "我们明天回复"])
VALID: dict[str, st.SearchStrategy[object]] = {
    "client": st.just("lotus"),
    "project": st.just("lotus-app"),
    "owner": st.just("chen.jie"),
    "contact": st.just("anna"),
    "channel": st.just("email"),
    "priority": st.just("P2"),
    "kind": st.just("issue"),
    "verdict": st.just("approve"),
    "strategy": st.just("mitigate"),
    "sentiment": st.just("negative"),
    "csat": st.integers(1, 5),
    "nps": st.integers(0, 10),
    "probability": st.integers(1, 5),
    "likelihood": st.just("0.4"),
    "schedule_days": st.integers(0, 30),
    "residual": st.just((2, 2)),
    "limit": st.integers(0, 50),
    "client_visible": st.booleans(),
    "open_only": st.booleans(),
    "month": st.just(pendulum.date(2026, 3, 1)),
    "week_start": st.just(MONDAY),
    "first": st.just(MONDAY.add(days=1)),
    "survey_id": st.just("S-2"),
    "release": st.just("2026.4"),
    "category": st.just("resource"),
    "impact": st.just(
        {"schedule_days": 2, "cost": "9000 CNY", "effort_hours": "16", "risk": "medium",
         "in_scope": False, "priority": "should"}
    ),
    "touchpoint": st.just(
        {"id": "tp-1", "direction": "inbound", "channel": "email",
         "at": "2026-03-02T09:30:00+08:00", "participants": ["anna"], "summary": "导出很慢"}
    ),
    **dict.fromkeys(
        (
            "title", "description", "reason", "comment", "note", "solution", "resolution",
            "message", "plan", "text", "cause", "event", "effect", "contingency", "trigger",
        ),
        _TEXT,
    ),
}  # fmt: skip
"""A plausible value per parameter name, so junk in one field reaches deep checks."""


def _service_names() -> dict[str, type[Service]]:  # type: ignore[type-arg]
    """Each service attribute of a workspace and its class, found on a live workspace."""
    with clientflow.open("memory://", RULES_FILE, clock=ManualClock(MONDAY)) as ws:
        return {name: type(value) for name, value in vars(ws).items() if isinstance(value, Service)}


def _public(owner: type) -> list[str]:
    return sorted(
        name
        for name, member in inspect.getmembers(owner, inspect.isfunction)
        if not name.startswith("_")
    )


SERVICES = _service_names()
CALLS = [(attr, name) for attr, cls in sorted(SERVICES.items()) for name in _public(cls)]
CALLS += [("", name) for name in _public(Workspace) if name not in {"close", "deliver"}]


def test_every_workspace_service_and_method_is_fuzzed() -> None:
    """The six services and their commands, queries and reports are all in the fuzzing."""
    assert set(SERVICES) == {"changes", "issues", "feedback", "surveys", "plans", "risks"}
    assert ("risks", "export_csv") in CALLS
    assert ("plans", "monthly_agenda") in CALLS
    assert ("", "overview") in CALLS
    assert ("changes", "list") in CALLS


def _seed(ws: Workspace) -> None:
    ws.changes.request("CR-1", by=ANNA, project="lotus-app", title="SSO")
    ws.issues.report(
        "ISS-1", by=ANNA, client="lotus", project="lotus-app", title="Down",
        priority="P2", owner="chen.jie",
    )  # fmt: skip
    ws.feedback.receive(
        "FB-1", by=LI, client="lotus", project="lotus-app", contact="anna", channel="email",
        csat=2,
    )  # fmt: skip
    ws.plans.create("P-1", by=LI, client="lotus", project="lotus-app")
    ws.surveys.request("anna", by=LI, survey_id="S-1", client="lotus")
    ws.risks.identify(
        "RSK-1", by=LI, client="lotus", project="lotus-app", title="Vendor late",
        owner="chen.jie", category="resource", cause="one DBA", event="the export slips",
        effect="delay",
    )  # fmt: skip


def _opened(folder: Path) -> Iterator[Workspace]:
    clock = ManualClock(MONDAY)
    yield clientflow.open("memory://", RULES_FILE, clock=clock)
    yield clientflow.open(f"sqlite:///{folder / 'fuzz.db'}", RULES_FILE, clock=clock)
    if os.environ.get("CI") == "true":
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        rules = load_rules(RULES_FILE)
        for url in (POSTGRES_URL, MARIADB_URL):
            require_server(url)
            store = SQLAlchemyStore(url, prefix=fresh_prefix())
            store.create_schema()
            yield clientflow.open(store, rules, clock=clock)


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Workspace]]:
    opened = list(_opened(tmp_path_factory.mktemp("fuzz")))
    for ws in opened:
        _seed(ws)
    yield opened
    for ws in opened:
        drop = getattr(ws.store, "drop_schema", None)
        if drop is not None and "sqlite" not in type(ws.store).__name__.lower():
            drop()
        ws.close()


def _snapshot(ws: Workspace) -> object:
    rows = {kind: ws.all_rows(Query(kind=kind)) for kind in ws.engine.kinds.kinds}
    ids = [row.id for found in rows.values() for row in found]
    return rows, {i: ws.history(i) for i in ids}


def _target(ws: Workspace, service: str, name: str) -> Callable[..., object]:
    return getattr(getattr(ws, service) if service else ws, name)  # type: ignore[no-any-return]


@pytest.mark.parametrize(("service", "name"), CALLS, ids=[f"{s or 'ws'}.{n}" for s, n in CALLS])
@settings(
    max_examples=int(os.environ.get("CLIENTFLOW_FUZZ_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_json_junk_gives_a_result_or_a_clientflow_error_and_a_refusal_changes_nothing(
    workspaces: list[Workspace], service: str, name: str, data: st.DataObject
) -> None:
    """Whatever JSON a web form sends a service, it answers or refuses with a typed error."""
    method = _target(workspaces[0], service, name)
    params = list(inspect.signature(method).parameters.values())
    args: list[object] = []
    kwargs: dict[str, object] = {}
    for param in params:
        if param.name == "by":
            kwargs["by"] = data.draw(st.sampled_from([ANNA, LI]), label="by")
        elif param.name == "at":
            continue  # the workspace's clock: refusals are about the payload here
        elif param.default is param.empty or data.draw(st.booleans(), label=f"{param.name}?"):
            plausible = VALID.get(param.name, st.sampled_from(IDS))
            junk = data.draw(st.integers(0, 2), label=f"{param.name} junk?") == 0
            value = data.draw(JSON if junk else plausible, label=param.name)
            if param.kind == param.POSITIONAL_OR_KEYWORD and param.default is param.empty:
                args.append(value)
            else:
                kwargs[param.name] = value
    for ws in workspaces:
        before = _snapshot(ws)
        try:
            _target(ws, service, name)(*args, **kwargs)
        except ClientflowError as error:
            event(f"refused: {type(error).__name__}")
            assert _snapshot(ws) == before, f"a refused {name} changed the store"
        else:
            event("accepted")


@pytest.mark.parametrize("name", ["x" * 300, "CR-1", "Europe", "../../etc/passwd", "Asia/Nowhere"])
def test_a_time_zone_name_from_a_form_is_refused_at_the_edge(name: str) -> None:
    """A junk zone name is a ``ValidationError``, not zoneinfo's raw ``OSError``."""
    with clientflow.open("memory://", RULES_FILE) as ws:
        for call in (ws.agenda, ws.agenda_text):
            with pytest.raises(clientflow.ValidationError, match="IANA time zone"):
                call("li.wei", timezone=name)


def test_a_health_window_from_a_form_is_bounded() -> None:
    """``days`` past ten years is refused by name, not by an instant before 1970."""
    with (
        clientflow.open("memory://", RULES_FILE) as ws,
        pytest.raises(clientflow.ValidationError, match="days: expected a whole number"),
    ):
        ws.health(days=739_677)
