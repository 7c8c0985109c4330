"""Reads with a viewer: ``get``, ``history`` and each workflow's reports take ``by=``.

A host's client portal passes its user as ``by=``: another client's item then does not
exist for them (``NotFound``, word for word as an unused id), whatever the read, and
their own client's items read exactly as the team reads them. Without ``by=`` the reads
are the team's and see every client (``docs/limits.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import clientflow
from clientflow import Actor, NotFound
from clientflow.workspace import Workspace
from clientflow.workspace.base import Service
from tests.test_tenants import (
    CHANGE,
    FEEDBACK,
    ISSUE,
    KINDS,
    PLAN,
    RISK,
    SETUP,
    START,
    SURVEY,
    Step,
    _services,
    rules_data,
)

Read = Callable[[Service[Any], str, "Actor | None"], object]


def _listed(service: Service[Any], aggregate_id: str, by: Actor | None) -> object:
    """The item's row in ``service.list(by=by)``; an item not listed does not exist for
    ``by`` (``NotFound``, as :meth:`Service.get` says for an unused id)."""
    for row in service.list(by=by, limit=10_000):
        if row.id == aggregate_id:
            return row
    raise NotFound(service.noun, aggregate_id)


READS: dict[str, Read] = {
    "list": _listed,
    "get": lambda service, i, by: service.get(i, by=by),
    "history": lambda service, i, by: service.history(i, by=by),
    "sla_report": lambda service, i, by: service.sla_report(i, by=by),  # type: ignore[attr-defined]
    "impact_summary": lambda service, i, by: service.impact_summary(i, by=by),  # type: ignore[attr-defined]
}
# One item of Lotus per workflow, opened by the team.
OPEN: dict[str, tuple[str, Step]] = {
    "changes": ("CR-9", CHANGE["request"]),
    "issues": ("ISS-9", ISSUE["report"]),
    "feedback": ("FB-9", FEEDBACK["receive"]),
    "surveys": ("surveys:zhang.lan", lambda ws, _, by: SURVEY["request"](ws, "zhang.lan", by)),
    "plans": ("PLAN-9", PLAN["create"]),
    "risks": ("RISK-9", RISK["identify"]),
}


@pytest.fixture(params=["memory", "sqlite"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'reads.db'}"
    with clientflow.open(url, rules_data(), clock=clientflow.ManualClock(START)) as workspace:
        for aggregate_id, step in OPEN.values():
            step(workspace, aggregate_id, SETUP)
        yield workspace


def test_every_read_with_a_viewer_is_in_the_matrix() -> None:
    """A read added to any service without a row here fails this test."""
    services = _services()
    assert set(OPEN) == set(services)
    assert {read for cls in services.values() for read in cls.reads} == set(READS)


@pytest.mark.parametrize("name", sorted(OPEN))
def test_another_clients_item_does_not_exist_for_its_viewer_whatever_the_read(
    ws: Workspace, name: str
) -> None:
    service: Service[Any] = getattr(ws, name)
    aggregate_id, _ = OPEN[name]
    for read in type(service).reads:
        as_team = READS[read](service, aggregate_id, None)
        for kind, actor in KINDS.items():
            if kind == "other client":
                with pytest.raises(NotFound) as hidden:
                    READS[read](service, aggregate_id, actor)
                with pytest.raises(NotFound) as unused:
                    READS[read](service, "UNUSED-1", actor)
                assert str(hidden.value) == str(unused.value).replace("UNUSED-1", aggregate_id)
                assert "lotus" not in str(hidden.value)
            else:  # Lotus's own people, the team and the unscoped read what the team reads
                assert READS[read](service, aggregate_id, actor) == as_team, (read, kind)


def test_a_clients_person_asking_one_workflow_for_anothers_id_is_told_it_does_not_exist(
    ws: Workspace,
) -> None:
    anna = KINDS["same client"]  # Lotus's own person, asking about Lotus's own change
    with pytest.raises(NotFound):
        ws.issues.get("CR-9", by=anna)
    with pytest.raises(NotFound):
        ws.issues.sla_report("CR-9", by=anna)
    # The team is still told what the id is.
    with pytest.raises(clientflow.ValidationError, match=r"CR-9 \(a change\)"):
        ws.issues.get("CR-9")


def test_a_viewer_of_the_wrong_type_is_refused_before_anything_is_read(ws: Workspace) -> None:
    with pytest.raises(clientflow.ValidationError, match="by"):
        ws.issues.get("ISS-9", by="anna")  # type: ignore[arg-type]


PROJECTS = {
    "lotus": "lotus-app",
    "acme": "acme-shop",
    "northwind": "northwind-tms",
    "sakura": "sakura-portal",
}


@pytest.fixture(scope="module")
def spread() -> Iterator[Workspace]:
    """Thirty issues spread over four clients, ids interleaved across them."""
    with clientflow.open(
        "memory://", rules_data(), clock=clientflow.ManualClock(START)
    ) as workspace:
        clients = sorted(PROJECTS)
        for n in range(30):
            client = clients[(n * 7) % 4]
            workspace.issues.report(
                f"ISS-{n:02}", by=SETUP, client=client, project=PROJECTS[client],
                title="Slow", priority="P3", owner="chen.jie",
            )  # fmt: skip
        yield workspace


@given(
    bound=st.sets(st.sampled_from(sorted(PROJECTS))),
    client=st.none() | st.sampled_from([*sorted(PROJECTS), "nobody"]),
    limit=st.integers(min_value=0, max_value=12),
)
@settings(max_examples=60, deadline=None)
def test_a_viewer_pages_through_exactly_the_rows_of_its_clients(
    spread: Workspace, bound: set[str], client: str | None, limit: int
) -> None:
    """Page by page (``after`` the last id), a viewer bound to some clients lists what
    the team lists of those clients, in id order, nothing of any other: one client, a
    client it may not see (no rows), or none bound (no rows)."""
    viewer = Actor("portal.user", {"client"}, clients=frozenset(bound))
    team = spread.issues.list(client=client, limit=100)
    expected = [row for row in team if row.client in bound]
    if limit == 0:
        assert spread.issues.list(client=client, by=viewer, limit=0) == []
        return
    seen: list[Any] = []
    after = None
    while True:
        page = spread.issues.list(client=client, by=viewer, limit=limit, after=after)
        assert len(page) <= limit
        seen.extend(page)
        if len(page) < limit:
            break
        after = page[-1].id
    assert seen == expected


def test_the_team_and_an_unscoped_viewer_list_every_client(spread: Workspace) -> None:
    everyone = spread.issues.list(limit=100)
    assert {row.client for row in everyone} == set(PROJECTS)
    assert spread.issues.list(by=KINDS["team"], limit=100) == everyone
    assert spread.issues.list(by=KINDS["no role"], limit=100) == everyone
    # Lotus's contact (bound by the rules, not by the login) sees Lotus's rows only.
    lotus = spread.issues.list(by=KINDS["same client"], limit=100)
    assert lotus == [row for row in everyone if row.client == "lotus"]
