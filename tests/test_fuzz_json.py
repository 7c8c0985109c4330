"""Every workspace service, fed what a web form may send, works or says what was wrong.

The services are enumerated from the workspace's classes (so a new method is fuzzed
without editing this file). Each example opens a workspace on a real store (memory and
SQLite here; PostgreSQL and MariaDB under CI=true) holding one aggregate of each kind,
then calls one method with some of its parameters replaced by JSON-like junk: None,
booleans, huge integers, non-finite floats, strings with lone surrogates, controls,
line breaks or bidi overrides, 20,000-character strings, lists and objects. The only
outcomes allowed are a result or a ClientflowError; after a refusal the store is
unchanged (feed, history, rows).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import clientflow
from clientflow import Actor, ClientflowError, ManualClock
from clientflow.demo import RULES_FILE
from clientflow.ports import Query
from clientflow.workspace import Service, Workspace
from tests.storage.servers import MARIADB_URL, POSTGRES_URL, fresh_prefix, require_server

MONDAY = pendulum.datetime(2026, 3, 2, 2)
ANNA = Actor("anna", {"client"})
LI = Actor("li.wei", {"pm"})

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**40, -(10**40), 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "",
            " ",
            "anna",
            "lotus",
            "lotus-app",
            "CR-1",
            "P-1",
            "2026-10",
            "2026-03-02T10:00:00+08:00",
            "1e999999 USD",
            "9e999999999 USD",
            "a\udcffb",
            "nul\x00byte",
            "title\n## FORGED\n- FORGED",
            "\u202egnp.exe",
            "x" * 300,
            "x" * 20_000,
            "medium",
            "approve",
            "email",
        ]
    ),
    st.text(max_size=20),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)

SERVICES = ("changes", "issues", "feedback", "surveys", "plans", "risks")


def _methods(owner: type) -> list[str]:
    return sorted(
        name
        for name, member in inspect.getmembers(owner, inspect.isfunction)
        if not name.startswith("_")
    )


def _service_classes() -> dict[str, type[Service[Any]]]:
    from clientflow.workspace import (  # noqa: PLC0415
        ChangeService,
        FeedbackService,
        IssueService,
        PlanService,
        RiskService,
        SurveyService,
    )

    return {
        "changes": ChangeService,
        "issues": IssueService,
        "feedback": FeedbackService,
        "surveys": SurveyService,
        "plans": PlanService,
        "risks": RiskService,
    }


CALLS = [(attr, name) for attr, cls in _service_classes().items() for name in _methods(cls)]
CALLS += [("", name) for name in ("overview", "rows", "history", "sweep")]


def test_every_service_class_of_the_workspace_is_fuzzed() -> None:
    """A service added to the workspace is picked up by the fuzzing."""
    found = {
        name
        for name, value in vars(Workspace).items()
        if isinstance(value, type) and issubclass(value, Service)
    }
    assert found <= set(SERVICES)
    classes = {type(cls).__name__ for cls in _service_classes().values()}
    assert classes


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


def _urls(folder: Path) -> Iterator[str]:
    yield "memory://"
    yield f"sqlite:///{folder / 'fuzz.db'}"
    if os.environ.get("CI") == "true":
        for url in (POSTGRES_URL, MARIADB_URL):
            require_server(url)
            yield f"{url}?table_prefix={fresh_prefix()}"


def _snapshot(ws: Workspace) -> object:
    rows = {kind: ws.all_rows(Query(kind=kind)) for kind in ws.store.codec.kinds}
    ids = [row.id for found in rows.values() for row in found]
    return rows, {i: ws.history(i) for i in ids}


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Workspace]]:
    opened = []
    for url in _urls(tmp_path_factory.mktemp("fuzz")):
        ws = clientflow.open(url, RULES_FILE, clock=ManualClock(MONDAY))
        _seed(ws)
        opened.append(ws)
    yield opened
    for ws in opened:
        ws.close()


def _target(ws: Workspace, service: str, name: str) -> Callable[..., object]:
    return getattr(getattr(ws, service) if service else ws, name)  # type: ignore[no-any-return]


@pytest.mark.parametrize(("service", "name"), CALLS, ids=[f"{s}.{n}" for s, n in CALLS])
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_json_junk_gives_a_result_or_a_clientflow_error_and_changes_nothing_refused(
    workspaces: list[Workspace], service: str, name: str, data: st.DataObject
) -> None:
    """Whatever JSON a web form sends a service, it answers or refuses with a typed error."""
    for ws in workspaces:
        method = _target(ws, service, name)
        params = [
            p for p in inspect.signature(method).parameters.values() if p.kind != p.VAR_KEYWORD
        ]
        kwargs: dict[str, object] = {}
        for param in params:
            if param.name == "by":
                kwargs["by"] = data.draw(st.sampled_from([ANNA, LI]), label="by")
            elif param.name == "at":
                continue
            elif param.default is param.empty or data.draw(st.booleans()):
                kwargs[param.name] = data.draw(JSON, label=param.name)
        before = _snapshot(ws)
        positional = [
            kwargs.pop(p.name)
            for p in params
            if p.kind == p.POSITIONAL_OR_KEYWORD and p.name in kwargs and p.default is p.empty
        ]
        try:
            method(*positional, **kwargs)
        except ClientflowError:
            assert _snapshot(ws) == before
