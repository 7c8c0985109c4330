"""Several ``[workflows.*]`` tables in one rules file stay apart: each item is stored,
listed, read, shown to its client, migrated and timed as an item of its own workflow,
and another workflow's id is refused as one of a different kind."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import clientflow
from clientflow import Actor, ManualClock
from clientflow.cli import cli
from clientflow.core import ClientflowError, NotFound
from clientflow.ports import Query
from clientflow.workspace import Workspace
from tests.rulefiles import demo_rules_with

START = pendulum.datetime(2026, 9, 1, 2)
LI = Actor("li.wei", {"pm"})
ANNA = Actor("anna", {"client"}, clients={"lotus"})
NAMES = ("quote", "offer", "bid")


def flow(name: str) -> str:
    """One small workflow called ``name``: its own label for the client, and a timer that
    reminds the owner after a working hour in ``pricing``."""
    return f"""
[workflows.{name}]
noun = "{name}"
states = ["drafting", "pricing", "done"]
final = ["done"]
client_states = {{ pricing = "{name} 报价中" }}

[[workflows.{name}.transitions]]
name = "price"
from = "drafting"
to = "pricing"
fields = {{ amount = "money" }}

[[workflows.{name}.transitions]]
name = "finish"
from = "pricing"
to = "done"

[workflows.{name}.timers.pricing]
after = "1h"
"""


def open_workspace(folder: Path, url: str) -> Workspace:
    rules = demo_rules_with(folder, "".join(flow(name) for name in NAMES))
    return clientflow.open(url, rules, clock=ManualClock(START))


@pytest.fixture(params=["memory", "sqlite"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'apart.db'}"
    with open_workspace(tmp_path, url) as workspace:
        for name in NAMES:
            item = f"{name.upper()}-1"
            workspace.workflow(name).run(item, "open", by=LI, client="lotus", owner="li.wei")
            workspace.workflow(name).run(item, "price", by=LI, amount="100")
        yield workspace


def test_each_workflow_lists_only_its_own_items(ws: Workspace) -> None:
    for name in NAMES:
        assert [row.id for row in ws.workflow(name).list()] == [f"{name.upper()}-1"]
        assert [row.kind for row in ws.rows(Query(kind=name))] == [name]


@pytest.mark.parametrize(("mine", "other"), [("quote", "offer"), ("bid", "quote")])
def test_another_workflows_id_is_refused_by_every_command(
    ws: Workspace, mine: str, other: str
) -> None:
    service, foreign = ws.workflow(mine), f"{other.upper()}-1"
    before = ws.history(foreign)
    for attempt in (
        lambda: service.get(foreign),
        lambda: service.run(foreign, "finish", by=LI),
        lambda: service.migrate(foreign, by=LI),
        lambda: service.client_view(foreign, by=LI),
    ):
        with pytest.raises(ClientflowError, match=rf"{foreign}.*{other}|{other}.*{foreign}"):
            attempt()
    assert ws.history(foreign) == before


@pytest.mark.parametrize(
    "person",
    [Actor("tom", {"client"}, clients={"northwind"}), ANNA],
    ids=["another client's", "the item's client's"],
)
def test_a_clients_person_is_not_told_that_another_kinds_id_exists(
    ws: Workspace, person: Actor
) -> None:
    """A client's person asking one workflow for an id of another workflow learns
    nothing: the same refusal, word for word, as for an id nobody uses."""
    quotes = ws.workflow("quote")
    for attempt in (
        lambda item: quotes.client_view(item, by=person),
        lambda item: quotes.run(item, "finish", by=person),
        lambda item: quotes.get(item, by=person),
        lambda item: quotes.history(item, by=person),
    ):
        with pytest.raises(NotFound) as told:
            attempt("OFFER-1")
        with pytest.raises(NotFound) as unknown:
            attempt("OFFER-9")
        assert str(told.value) == str(unknown.value).replace("OFFER-9", "OFFER-1")


def test_a_rules_workflows_reads_hide_another_clients_item_from_its_viewer(
    ws: Workspace,
) -> None:
    tom = Actor("tom", {"client"}, clients={"northwind"})
    quotes = ws.workflow("quote")
    assert quotes.get("QUOTE-1", by=ANNA) == quotes.get("QUOTE-1")
    assert quotes.history("QUOTE-1", by=ANNA) == ws.history("QUOTE-1")
    for read in (quotes.get, quotes.history):
        with pytest.raises(NotFound, match="QUOTE-1") as hidden:
            read("QUOTE-1", by=tom)
        assert "lotus" not in str(hidden.value)


def test_timers_fire_through_each_items_own_workflow(ws: Workspace) -> None:
    assert isinstance(ws.clock, ManualClock)
    ws.clock.advance(pendulum.duration(days=3))
    ws.sweep()
    for name in NAMES:
        types = [event.event_type for event in ws.history(f"{name.upper()}-1")]
        assert types == [f"{name}.opened", f"{name}.stepped", f"{name}.reminded"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(NAMES), st.integers(1, 3), st.sampled_from(("open", "price"))),
        max_size=12,
    )
)
def test_any_sequence_of_items_across_workflows_keeps_each_in_its_own(
    tmp_path: Path, steps: list[tuple[str, int, str]]
) -> None:
    opened: dict[str, str] = {}
    with open_workspace(tmp_path, "memory://") as ws:
        for name, number, command in steps:
            item = f"{name.upper()}-{number}"
            service = ws.workflow(name)
            try:
                if command == "open":
                    service.run(item, "open", by=LI, client="lotus", owner="li.wei")
                    opened[item] = name
                else:
                    service.run(item, "price", by=LI, amount="1")
            except ClientflowError:
                pass
        for name in NAMES:
            mine = sorted(item for item, owner in opened.items() if owner == name)
            assert sorted(row.id for row in ws.rows(Query(kind=name))) == mine
            for item, owner in opened.items():
                if owner == name:
                    assert ws.workflow(name).get(item).id == item
                else:
                    with pytest.raises(ClientflowError):
                        ws.workflow(name).get(item)


def test_the_operators_commands_read_and_sweep_rules_workflows(tmp_path: Path) -> None:
    """`status` counts each workflow's items, `check-store` reads them, `sweep` fires their
    timers through each item's own workflow: the command line registers the rules' own
    workflows as a workspace does."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with open_workspace(tmp_path, url) as ws:
        for name in NAMES:
            ws.workflow(name).run(f"{name.upper()}-1", "open", by=LI, client="lotus", owner="li")
            ws.workflow(name).run(f"{name.upper()}-1", "price", by=LI, amount="100")
    status = CliRunner().invoke(cli, ["status", "--store", url])
    assert status.exit_code == 0, status.output
    for name in NAMES:
        assert re.search(rf"^  {name} +pricing 1$", status.output, re.MULTILINE), status.output
    checked = CliRunner().invoke(cli, ["check-store", "--store", url])
    assert checked.exit_code == 0, checked.output
    assert "3 aggregates checked, ok" in checked.output
    later = START.add(days=3).isoformat()
    swept = CliRunner().invoke(cli, ["sweep", "--store", url, "--now", later])
    assert swept.exit_code == 0, swept.output
    for name in NAMES:
        assert f" {name}.reminded " in swept.output, swept.output


def test_a_store_that_misfiled_items_is_mended_by_check_store(tmp_path: Path) -> None:
    """Releases before item_type filed every rules item under the last workflow's kind;
    `check-store --fix` (and `migrate`, which runs it) re-files each from its events."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with open_workspace(tmp_path, url) as ws:
        ws.workflow("quote").run("QUOTE-1", "open", by=LI, client="lotus", owner="li.wei")
    path = str(tmp_path / "old.db")
    with sqlite3.connect(path) as db:  # as the earlier release wrote it
        db.execute("UPDATE clientflow_aggregates SET kind = 'bid' WHERE id = 'QUOTE-1'")
    found = CliRunner().invoke(cli, ["check-store", "--store", url])
    assert found.exit_code == 1
    assert "QUOTE-1: read side kind is 'bid', its events say 'quote'" in found.output
    mended = CliRunner().invoke(cli, ["check-store", "--store", url, "--fix"])
    assert mended.exit_code == 0, mended.output
    with open_workspace(tmp_path, url) as ws:
        assert [row.id for row in ws.workflow("quote").list()] == ["QUOTE-1"]
        assert ws.workflow("quote").get("QUOTE-1").status == "drafting"
