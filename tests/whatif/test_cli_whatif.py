"""`clientflow what-if`: a proposed rules file against a store's quarter, as text, JSON and HTML."""

from __future__ import annotations

import json
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner, Result

import clientflow
from clientflow.cli import cli
from clientflow.core import ClientflowError
from clientflow.demo import RULES_FILE
from clientflow.ports import Query


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A SQLite store with one Northwind P2 issue met in 15.5 business hours."""
    url = f"sqlite:///{tmp_path / 'team.db'}"
    clock = clientflow.ManualClock(pendulum.datetime(2026, 9, 7, 8))
    with clientflow.open(url, RULES_FILE, clock=clock) as ws:
        tom = clientflow.Actor("tom", {"client"}, {"northwind"})
        sarah = clientflow.Actor("sarah.jones", {"support"})
        ws.issues.report("NW-1", by=tom, client="northwind", project="northwind-tms",
                         title="Labels misprint", priority="P2", owner="sarah.jones")  # fmt: skip
        ws.issues.acknowledge("NW-1", by=sarah, at=pendulum.datetime(2026, 9, 7, 9))
        ws.issues.resolve(
            "NW-1", by=sarah, resolution="fixed", at=pendulum.datetime(2026, 9, 8, 15)
        )
    return url


@pytest.fixture
def proposed(tmp_path: Path) -> Path:
    """The demo's rules with the standard SLA's P2 resolution at 12 h instead of 40 h."""
    text = RULES_FILE.read_text(encoding="utf-8")
    standard = text.index('name = "standard"')
    head, tail = text[:standard], text[standard:]
    tail = tail.replace('resolution = "40h"', 'resolution = "12h"', 1)
    path = tmp_path / "proposed.toml"
    path.write_text(head + tail, encoding="utf-8")
    return path


def _run(store: str, proposed: Path, *extra: str) -> Result:
    args = ["what-if", "--store", store, "--rules", str(proposed)]
    args += ["--from", "2026-09-01", "--to", "2026-10-01", *extra]
    return CliRunner().invoke(cli, args)


def _what_if(store: str, proposed: Path, *extra: str) -> tuple[int, str]:
    result = _run(store, proposed, *extra)
    return result.exit_code, result.output


def test_json_says_how_many_more_breaches_for_a_ci_gate(store: str, proposed: Path) -> None:
    """The JSON's total.delta.breached is the additional breaches; changes name the issue."""
    code, output = _what_if(store, proposed, "--format", "json")
    assert code == 0, output
    data = json.loads(output)
    assert data["total"]["delta"]["breached"] == 1
    assert data["total"]["after"]["clocks"]["resolution"]["P2"] == {
        "met": 0, "breached": 1, "open": 0, "moved_hours": -28.0,
    }  # fmt: skip
    assert data["changes"][0] == {
        "issue": "NW-1", "client": "northwind", "what": "resolution P2",
        "before": "met", "after": "breached",
    }  # fmt: skip
    assert data["reproduced"] == 1
    assert data["clients"][0]["client"] == "northwind"


def test_text_lists_the_changed_issue_with_the_clients_name(store: str, proposed: Path) -> None:
    """The text report names the client as the rules do and shows before -> after."""
    code, output = _what_if(store, proposed, "--client", "northwind")
    assert code == 0, output
    assert "NW-1 (Northwind Logistics) resolution P2: met → breached" in output
    assert "SLA clocks breached" in output
    # the proposal pulls P2 deadlines in by 28 business hours: said as earlier, not -28
    assert "resolution P2 breached (deadlines 28 business hours earlier)" in output
    assert "moved" not in output
    assert "first response P2 breached  " in output  # unmoved: nothing said of it


def test_text_in_chinese(store: str, proposed: Path) -> None:
    """--locale zh_CN translates the labels; ids and numbers stay as they are."""
    code, output = _what_if(store, proposed, "--locale", "zh_CN")
    assert code == 0, output
    assert "NW-1" in output
    assert "SLA clocks breached" not in output


def test_html_in_the_health_reports_style(store: str, proposed: Path) -> None:
    """The HTML page is self-contained: the summary table, bars per client, the changes."""
    code, output = _what_if(store, proposed, "--format", "html")
    assert code == 0, output
    assert output.startswith("<!DOCTYPE html>")
    assert 'class="summary"' in output
    assert "<svg" in output
    assert "NW-1 (Northwind Logistics)" in output


def test_the_store_is_left_as_it_was(store: str, proposed: Path) -> None:
    """A what-if writes no event, row or revision to the store it reads."""
    with clientflow.open(store) as ws:
        rows, backlog = ws.rows(Query()), ws.store.backlog(0)
        revision = ws.store.rules_revision()
    assert _what_if(store, proposed)[0] == 0
    with clientflow.open(store) as ws:
        assert ws.rows(Query()) == rows
        assert ws.store.backlog(0) == backlog
        assert ws.store.rules_revision() == revision


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--client", "nobody"), "nobody"),
        (("--to", "2026-13-01"), "--to"),
    ],
)
def test_bad_input_is_one_message(
    store: str, proposed: Path, extra: tuple[str, ...], message: str
) -> None:
    """An unknown client or an impossible date is a clientflow error (exit 1, one line from
    main()) naming what was wrong."""
    result = _run(store, proposed, *extra)
    assert result.exit_code == 1
    assert isinstance(result.exception, ClientflowError)
    assert message in str(result.exception)


def test_two_workers_give_the_same_answer_as_one(store: str, proposed: Path) -> None:
    """Replaying in two processes changes how long it takes, not what it says."""
    one = _what_if(store, proposed, "--format", "json")
    two = _what_if(store, proposed, "--format", "json", "--workers", "2")
    assert one[0] == two[0] == 0
    assert json.loads(one[1]) == json.loads(two[1])
    assert json.loads(two[1])["workflows"][0]["kind"] == "change"
