"""The what-if reads every store the same way and writes to none of them."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest

import clientflow
from clientflow.config import load_rules
from clientflow.demo import RULES_FILE
from clientflow.ports import Query
from clientflow.workspace import Workspace
from tests.storage.servers import MARIADB_URL, POSTGRES_URL, fresh_prefix, require_server

MONDAY = pendulum.datetime(2026, 9, 7, 8)


@pytest.fixture(params=["memory", "sqlite", "postgresql", "mariadb"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    clock = clientflow.ManualClock(MONDAY)
    if request.param == "memory":
        opened = clientflow.open("memory://", RULES_FILE, clock=clock)
    elif request.param == "sqlite":
        opened = clientflow.open(f"sqlite:///{tmp_path / 'w.db'}", RULES_FILE, clock=clock)
    else:
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        url = POSTGRES_URL if request.param == "postgresql" else MARIADB_URL
        require_server(url)
        store = SQLAlchemyStore(url, prefix=fresh_prefix())  # neutral records: no kinds
        store.create_schema()
        opened = clientflow.open(store, load_rules(RULES_FILE), clock=clock)
    yield opened
    drop = getattr(opened.store, "drop_schema", None)
    if drop is not None and request.param in {"postgresql", "mariadb"}:
        drop()
    opened.close()


def test_the_same_answer_on_every_store_and_nothing_written(ws: Workspace) -> None:
    """Two Northwind issues, one resolved in 15.5 business hours: under a 12 h P2 target it
    breaches; the store's rows and feed are unchanged afterwards."""
    tom = clientflow.Actor("tom", {"client"}, {"northwind"})
    sarah = clientflow.Actor("sarah.jones", {"support"})
    for issue in ("NW-1", "NW-2"):
        ws.issues.report(issue, by=tom, client="northwind", project="northwind-tms",
                         title="Labels misprint", priority="P2", owner="sarah.jones")  # fmt: skip
        ws.issues.acknowledge(issue, by=sarah, at=MONDAY.add(hours=1))
    ws.issues.resolve("NW-1", by=sarah, resolution="fixed", at=pendulum.datetime(2026, 9, 8, 15))
    rows, backlog = ws.rows(Query()), ws.store.backlog(0)
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    data["sla"][1]["targets"]["P2"]["resolution"] = "12h"
    result = ws.what_if(data, since=MONDAY, until=pendulum.datetime(2026, 9, 8, 16))
    p2 = result.total.after.clocks["resolution"]["P2"]
    assert (p2.met, p2.breached, p2.open) == (0, 2, 0)
    assert result.total.before.clocks["resolution"]["P2"].met == 1
    assert [c.issue for c in result.changes if c.what == "resolution P2"] == ["NW-1", "NW-2"]
    assert ws.rows(Query()) == rows
    assert ws.store.backlog(0) == backlog
    # Two processes read nothing else and say the same.
    assert (
        ws.what_if(data, since=MONDAY, until=pendulum.datetime(2026, 9, 8, 16), workers=2) == result
    )


def test_surveys_replayed_alike_on_every_store(ws: Workspace) -> None:
    """Tom's second survey, 40 days after the first, went under 30 days between
    surveys; under 60 days it waits until day 60 (the record reproduced on each store)."""
    pm = clientflow.Actor("li.wei", {"pm"})
    ws.surveys.request("tom", by=pm, survey_id="S-1", client="northwind", at=MONDAY)
    for days in (3, 6, 14):
        ws.sweep(MONDAY.add(days=days))
    ws.surveys.request("tom", by=pm, survey_id="S-2", client="northwind", at=MONDAY.add(days=40))
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    data["surveys"]["min_between"] = "60d"
    result = ws.what_if(data, since=MONDAY, until=MONDAY.add(days=41))
    (surveys,) = [f for f in result.workflows if f.kind == "surveys"]
    assert (surveys.reproduced, surveys.diverged) == (1, ())
    assert (surveys.before["sent"], surveys.after["sent"]) == (2, 1)
    assert (surveys.before["deferred"], surveys.after["deferred"]) == (0, 1)
    assert surveys.flags_before == surveys.flags_after == ()
