"""Rules workflows kept apart (ea1f6d2), attacked across upgrades, revisions and
processes (found by review, each fixed since)."""

from __future__ import annotations

import json
import pickle
import sqlite3
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner

import clientflow
from clientflow import Actor, ManualClock
from clientflow.cli import cli
from clientflow.core import ConfigError
from tests.rulefiles import demo_rules_with
from tests.test_rules_workflows_apart import flow

START = pendulum.datetime(2026, 9, 1, 2)
LI = Actor("li.wei", {"pm"})
TOM = Actor("tom", {"client"}, clients={"northwind"})
NAMES = ("quote", "offer", "bid")


def _opened_items(tmp_path: Path, names: tuple[str, ...]) -> tuple[str, Path]:
    """A SQLite store with one priced item per workflow, ``NAME-1``, of Lotus."""
    rules = demo_rules_with(tmp_path, "".join(flow(name) for name in names))
    url = f"sqlite:///{tmp_path / 'flows.db'}"
    with clientflow.open(url, rules, clock=ManualClock(START)) as ws:
        for name in names:
            item, service = f"{name.upper()}-1", ws.workflow(name)
            service.run(item, "open", by=LI, client="lotus", owner="li.wei")
            service.run(item, "price", by=LI, amount="100")
    return url, rules


def test_a_store_written_before_the_fix_keeps_each_workflows_items(tmp_path: Path) -> None:
    """The previous release (cea136f) filed every rules item under the last workflow's
    kind: the same store, byte for byte, but ``kind = 'bid'`` on all three rows (checked
    against a store that release wrote) at schema 5. Opened by this release (schema 6
    re-files each row by its first event), each workflow keeps its items and the first
    sweep fires their timers through their own workflows."""
    url, rules = _opened_items(tmp_path, NAMES)
    with sqlite3.connect(tmp_path / "flows.db") as db:
        db.execute("UPDATE clientflow_aggregates SET kind = 'bid' WHERE kind IN ('quote', 'offer')")
        db.execute("UPDATE clientflow_meta SET value = '5' WHERE name = 'schema_version'")
    clock = ManualClock(START)
    with clientflow.open(url, rules, clock=clock) as ws:
        lists = {name: [row.id for row in ws.workflow(name).list()] for name in NAMES}
        clock.advance(pendulum.duration(days=3))
        ws.sweep()
        kinds = {
            name: {e.event_type.split(".")[0] for e in ws.history(f"{name.upper()}-1")}
            for name in NAMES
        }
        counts = ws.overview("lotus").counts
    assert kinds == {name: {name} for name in NAMES}
    assert lists == {name: [f"{name.upper()}-1"] for name in NAMES}
    assert {kind: dict(n) for kind, n in counts.items()} == {name: {"pricing": 1} for name in NAMES}
    status = CliRunner().invoke(cli, ["status", "--store", url, "--format", "json"])
    assert json.loads(status.output)["aggregates"] == {name: {"pricing": 1} for name in NAMES}


def test_rules_dropping_a_workflow_that_has_items_are_refused(tmp_path: Path) -> None:
    """Applying rules without ``[workflows.offer]`` while OFFER-1 exists would leave its
    history, row and timer unreadable (reports and sweeps failing on it): the rules are
    refused at ``workflows.offer``, naming how many items it holds, and the store runs on
    under the revision that knows them. Dropping one with no items is accepted."""
    url, rules = _opened_items(tmp_path, ("quote", "offer"))
    fewer = demo_rules_with(tmp_path, flow("quote"), name="fewer.toml")
    with pytest.raises(ConfigError) as refused:
        clientflow.open(url, fewer, clock=ManualClock(START), apply=True)
    assert [p.path for p in refused.value.problems] == ["workflows.offer"]
    assert "holds 1 of its items" in str(refused.value)
    with clientflow.open(url, rules, clock=ManualClock(START)) as ws:
        assert ws.revision.number == 1
        assert ws.workflow("offer").get("OFFER-1").status == "pricing"
        assert not ws.sweep(START.add(days=3)).failed
    retired = demo_rules_with(tmp_path, flow("quote") + flow("offer"), name="same.toml")
    empty_url = f"sqlite:///{tmp_path / 'empty.db'}"
    with clientflow.open(empty_url, retired, clock=ManualClock(START)):
        pass
    with clientflow.open(empty_url, fewer, clock=ManualClock(START), apply=True) as ws:
        assert ws.revision.number == 2  # offer had no items: dropped


@pytest.mark.parametrize("names", [("quote",), ("quote", "Quote", "quote_x", "quote_X")])
def test_rules_items_survive_pickling_as_their_own_workflows(
    tmp_path: Path, names: tuple[str, ...]
) -> None:
    """Before ea1f6d2 every rules item was a ``config.flows.Item`` and pickled (a host's
    cache, a task queue, multiprocessing); ``item_type`` classes are made at run time
    under ``clientflow.config.flows.<Title>Item``, which pickle cannot look up, and two
    names differing in case or underscores get the same class name (``QuoteItem``,
    ``QuoteXItem``), so registering them by that name would mix them up again."""
    rules = demo_rules_with(tmp_path, "".join(flow(name) for name in names))
    with clientflow.open("memory://", rules, clock=ManualClock(START)) as ws:
        for n, name in enumerate(names):
            opened = ws.workflow(name).run(f"I-{n}", "open", by=LI, client="lotus", owner="li.wei")
            item = opened.aggregate
            again = pickle.loads(pickle.dumps(item))
            assert again == item
            assert type(again) is type(item)
            assert ws.engine.kinds.kind_of(again).name == name


def test_the_command_line_refuses_dropping_a_workflow_that_has_items(tmp_path: Path) -> None:
    """`clientflow rules apply` decides as `clientflow.open(..., apply=True)` does."""
    url, _ = _opened_items(tmp_path, ("quote", "offer"))
    fewer = demo_rules_with(tmp_path, flow("quote"), name="fewer.toml")
    refused = CliRunner().invoke(cli, ["rules", "apply", "--store", url, str(fewer)])
    assert isinstance(refused.exception, ConfigError)
    assert "workflows.offer: cannot be dropped while the store holds 1 of its items" in str(
        refused.exception
    )
    status = CliRunner().invoke(cli, ["status", "--store", url])
    assert "rules revision 1" in status.output
