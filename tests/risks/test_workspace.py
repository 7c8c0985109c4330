"""Risks through the workspace on every store: the register, the sweep, trigger -> issue."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest

import clientflow
from clientflow import Actor, ManualClock
from clientflow.core import ConfigError, Money, PermissionDenied, WorkingDays
from clientflow.demo import RULES_FILE
from clientflow.escalation import IssueKind
from clientflow.ports import Store
from clientflow.risks import PlannedAction, Rating, heat_map
from clientflow.storage import SQLiteStore
from clientflow.workspace import Workspace
from tests.storage.servers import MARIADB_URL, POSTGRES_URL, fresh_prefix, require_server

SHANGHAI = "Asia/Shanghai"
START = pendulum.datetime(2026, 9, 21, 10, tz=SHANGHAI)
LI = Actor("li.wei", {"pm"})
SPONSOR = Actor("wang.fang", {"sponsor"})


def rules_data() -> dict[str, Any]:
    """The demo rules, with the risk register on the Shanghai team's calendar."""
    data = tomllib.loads(Path(RULES_FILE).read_text("utf-8"))
    data["risks"] = {"calendar": "shanghai", "categories": ["vendor"]}
    return data


def _store(kind: str, folder: Path) -> Store:
    if kind == "memory":
        return clientflow.storage.open_store("memory://")
    if kind == "sqlite":
        store: Any = SQLiteStore(str(folder / "risks.db"))
    else:
        url = POSTGRES_URL if kind == "postgresql" else MARIADB_URL
        require_server(url)
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415 - the sql extra

        store = SQLAlchemyStore(url, prefix=fresh_prefix())
    store.create_schema()
    return store  # type: ignore[no-any-return]


@pytest.fixture(params=["memory", "sqlite", "postgresql", "mariadb"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    store = _store(request.param, tmp_path)
    workspace = clientflow.open(store, rules_data(), clock=ManualClock(START))
    yield workspace
    drop = getattr(store, "drop_schema", None)
    if drop is not None and not isinstance(store, SQLiteStore):
        drop()
    workspace.close()


def _vendor_risk(ws: Workspace, risk_id: str = "RSK-1") -> None:
    ws.risks.identify(
        risk_id,
        by=LI,
        client="acme",
        project="data-migration",
        title="Vendor delivers the legacy export late",
        owner="li.wei",
        category="vendor",
        cause="the vendor has one DBA on our account",
        event="the legacy export slips past 30 September",
        effect="push the cut-over past the client's freeze",
    )


def test_a_vendor_delay_goes_from_identified_to_an_issue_with_an_sla(ws: Workspace) -> None:
    """The docs' scenario on every store: assessed high, mitigated, review missed over
    National Day, triggered -> a P2 risk issue whose SLA runs from that moment."""
    _vendor_risk(ws)
    risk = ws.risks.assess(
        "RSK-1", by=LI, probability=3, impact=4, likelihood="0.5", cost=Money("80000", "USD")
    ).aggregate
    assert risk.rating is Rating.HIGH
    assert risk.review_due == pendulum.datetime(2026, 10, 8, 9, tz=SHANGHAI)
    ws.risks.plan_response(
        "RSK-1",
        by=LI,
        strategy="mitigate",
        actions=[
            PlannedAction("A1", "Second DBA from the vendor's bench", "chen.jie", WorkingDays(3)),
            PlannedAction("A2", "Dry-run the export on a replica", "zhou.min", WorkingDays(5)),
        ],
        trigger="export not started by 28 September",
        contingency="export from our read replica",
        residual=(2, 4),
    )
    ws.risks.start_monitoring("RSK-1", by=LI)
    ws.risks.complete_action("RSK-1", by=LI, action="A1", at=START.add(days=2))
    # Nobody reviews over National Day: the sweep on the first working morning raises it once.
    first = ws.sweep(pendulum.datetime(2026, 10, 8, 9, tz=SHANGHAI))
    types = [e.event_type for e in ws.history("RSK-1")]
    assert types.count("risk.review_missed") == 1
    assert "risk.action_overdue" in types  # A2 (due 29 Sep) is still open
    assert [aggregate for aggregate, _ in first.fired] == ["RSK-1"]
    ws.sweep(pendulum.datetime(2026, 10, 8, 9, 30, tz=SHANGHAI))
    again = [e.event_type for e in ws.history("RSK-1")]
    assert again.count("risk.review_missed") == 1
    at = pendulum.datetime(2026, 10, 9, 10, tz=SHANGHAI)
    triggered = ws.risks.trigger(
        "RSK-1", by=LI, issue_id="ISS-42", note="export not started", at=at
    ).aggregate
    assert (triggered.status, triggered.issues) == ("triggered", ("ISS-42",))
    issue = ws.issues.get("ISS-42")
    assert (issue.kind, issue.priority, issue.opened_from) == (IssueKind.RISK, "P2", "RSK-1")
    assert issue.reported_at == at
    assert {clock.metric for clock in issue.clocks} == {"first_response", "resolution"}
    assert all(clock.started_at == at for clock in issue.clocks)
    # The register, the heat map from the read side and the export agree.
    assert ws.risks.heat_map("acme").count(3, 4) == 1
    assert ws.risks.export_csv("acme").splitlines()[1].startswith("RSK-1,acme,data-migration")


def test_the_read_side_heat_map_equals_the_one_from_the_risks(ws: Workspace) -> None:
    cells = [(1, 1), (3, 4), (3, 4), (5, 5), (2, 2)]
    for n, (p, i) in enumerate(cells):
        _vendor_risk(ws, f"RSK-{n}")
        ws.risks.assess(f"RSK-{n}", by=LI, probability=p, impact=i)
    _vendor_risk(ws, "RSK-new")  # not assessed yet
    ws.risks.close("RSK-4", by=LI, reason="expired")  # closed: off the map
    from_rows = ws.risks.heat_map("acme")
    from_risks = heat_map(ws.risks.register("acme"), ws.rules.risks.matrix)
    assert from_rows == from_risks
    assert (from_rows.count(3, 4), from_rows.count(2, 2), from_rows.unassessed) == (2, 0, 1)
    assert from_rows.by_rating()[Rating.CRITICAL] == 1


def test_a_retried_trigger_opens_one_issue(ws: Workspace) -> None:
    """An issue left opened alone (a crash between the two saves of an earlier release,
    which saved them one after the other): the trigger finishes the job on the risk's
    side, the issue (key ``<key>.issue``) is not opened again."""
    _vendor_risk(ws)
    ws.risks.assess("RSK-1", by=LI, probability=4, impact=4)
    ws.issues.report(  # what a crashed first attempt left behind
        "ISS-1",
        by=LI,
        client="acme",
        project="data-migration",
        title="Vendor delivers the legacy export late",
        priority="P1",
        owner="li.wei",
        kind="risk",
        opened_from="RSK-1",
        key="trigger-7.issue",
    )
    done = ws.risks.trigger("RSK-1", by=LI, issue_id="ISS-1", note="slipped", key="trigger-7")
    assert done.aggregate.issues == ("ISS-1",)
    again = ws.risks.trigger("RSK-1", by=LI, issue_id="ISS-1", note="slipped", key="trigger-7")
    assert again.duplicate
    assert [r.id for r in ws.issues.list(client="acme")] == ["ISS-1"]


def test_a_long_risk_id_still_triggers_and_an_overlong_key_is_named(ws: Workspace) -> None:
    long_id = "R" * 200  # the longest id: a key derived from it must still fit
    _vendor_risk(ws, long_id)
    ws.risks.assess(long_id, by=LI, probability=3, impact=4)
    done = ws.risks.trigger(long_id, by=LI, issue_id="ISS-9", note="it happened").aggregate
    assert done.issues == ("ISS-9",)
    assert ws.issues.get("ISS-9").opened_from == long_id
    with pytest.raises(clientflow.ValidationError, match="key: expected an idempotency key"):
        ws.risks.trigger(long_id, by=LI, issue_id="ISS-10", note="again", key="k" * 199)


def test_a_refused_trigger_opens_no_issue(ws: Workspace) -> None:
    _vendor_risk(ws)
    ws.risks.assess("RSK-1", by=LI, probability=4, impact=4)
    with pytest.raises(
        PermissionDenied, match=r"as accepted \(critical\): rule 'has role client-sp"
    ):
        ws.risks.close("RSK-1", by=LI, reason="accepted")  # the rules name who may accept
    with pytest.raises(clientflow.ValidationError, match="priority"):
        ws.risks.trigger("RSK-1", by=LI, issue_id="ISS-1", note="x", priority="P9")
    assert ws.issues.list() == []
    assert ws.risks.get("RSK-1").status == "assessed"


def test_risk_rules_are_checked_with_every_problem_named() -> None:
    data = rules_data()
    data["risks"] = {
        "calendar": "mars",
        "matrix": {"medium": 10, "high": 5, "critical": 20},
        "probability": ["low", "high"],
    }
    with pytest.raises(ConfigError) as caught:
        clientflow.config.rules_from_dict(data)
    text = str(caught.value)
    assert "risks.calendar: no calendar named 'mars'" in text
    assert "risks.matrix: expected score bands with 1 < medium < high < critical <= 10" in text
    data["risks"] = {"calendar": "mars", "accept_from": "severe"}
    with pytest.raises(ConfigError) as caught:
        clientflow.config.rules_from_dict(data)
    text = str(caught.value)
    assert "risks.calendar: no calendar named 'mars'" in text
    assert "risks.accept_from: expected one of low, medium, high, critical" in text
