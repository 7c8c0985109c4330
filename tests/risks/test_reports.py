"""Risks in the health report (text, JSON, HTML) and in the weekly report, per locale."""

from __future__ import annotations

import datetime as dt
import json

import pendulum

import clientflow
from clientflow import ManualClock
from clientflow.cadence import CommunicationPlan, Schedule, create_plan, weekly_report
from clientflow.changes import Impact, Priority, Risk
from clientflow.core import Money
from clientflow.i18n import language
from clientflow.reports import Portfolio, health, to_html, to_json, to_text
from clientflow.risks import PlannedAction, client_lines
from clientflow.workspace import Workspace
from tests.risks.test_workspace import LI, START, rules_data
from tests.test_zh_conventions import _offences

AT = START.add(days=30)


def _register() -> Workspace:
    ws = clientflow.open("memory://", rules_data(), clock=ManualClock(START))
    specs = [
        ("RSK-1", "Vendor delivers the export late", 4, 4, "80000", True),
        ("RSK-2", "Key tester on leave in October", 3, 4, None, True),
        ("RSK-3", "Our margin on the fixed price", 3, 3, None, False),
    ]
    for risk_id, title, p, i, cost, visible in specs:
        ws.risks.identify(
            risk_id,
            by=LI,
            client="acme",
            project="data-migration",
            title=title,
            owner="li.wei",
            category="schedule",
            cause="c",
            event="e",
            effect="f",
            client_visible=visible,
        )
        ws.risks.assess(
            risk_id,
            by=LI,
            probability=p,
            impact=i,
            likelihood="0.5" if cost else None,
            cost=Money(cost, "USD") if cost else None,
        )
    ws.risks.plan_response(
        "RSK-1",
        by=LI,
        strategy="mitigate",
        actions=[PlannedAction("A1", "Second DBA", "chen.jie", pendulum.duration(hours=8))],
    )
    return ws


def _row(ws: Workspace) -> object:
    [row] = health(
        Portfolio.from_store(ws.store, aggregates=ws.engine.kinded), ws.rules, AT, clients=["acme"]
    )
    return row


def test_the_health_report_shows_the_heat_map_the_top_risks_and_the_gaps() -> None:
    ws = _register()
    row = _row(ws)
    assert row.rating == "watch"  # type: ignore[attr-defined]  # RSK-2 is high without a plan
    text = to_text([row], audience="team")  # type: ignore[list-item]
    assert "3 open risks (1 critical, 1 high, 1 medium)" in text
    assert "top risk RSK-1 Vendor delivers the export late: critical, exposure $40,000.00" in text
    assert "risks without a response plan: RSK-2, RSK-3" in text
    assert "risk reviews overdue: RSK-1, RSK-2, RSK-3" in text  # weekly/fortnightly/monthly
    grid = text.split("probability \\ impact", 1)[1].splitlines()
    assert grid[3].split() == ["4", ".", ".", ".", "1", "."]
    assert grid[4].split() == ["3", ".", ".", "1", "1", "."]
    data = json.loads(to_json([row]))["clients"][0]["risks"]  # type: ignore[list-item]
    assert data["heat_map"]["rows"][1] == [0, 0, 0, 1, 0]
    assert data["heat_map"]["by_rating"] == {"low": 0, "medium": 1, "high": 1, "critical": 1}
    assert data["top"][0] == {
        "id": "RSK-1",
        "title": "Vendor delivers the export late",
        "rating": "critical",
        "score": 16,
        "exposure": {"amount": "40000.00", "currency": "USD"},
        "owner": "li.wei",
        "client_visible": True,
        "strategy": "mitigate",
    }
    page = to_html([row], lang=language("zh_CN"), audience="team")  # type: ignore[list-item]
    assert '<svg class="heat"' in page
    assert 'aria-label="风险热力图"' in page
    assert "3 项未关闭风险" in page
    assert "重点风险 RSK-1“Vendor delivers the export late”" in page


def test_a_client_without_risks_shows_no_heat_map() -> None:
    ws = clientflow.open("memory://", rules_data(), clock=ManualClock(START))
    [row] = health(
        Portfolio.from_store(ws.store, aggregates=ws.engine.kinded), ws.rules, AT, clients=["acme"]
    )
    assert row.risk_map is None
    assert '<svg class="heat"' not in to_html([row])
    assert json.loads(to_json([row]))["clients"][0]["risks"]["heat_map"] is None


def test_the_weekly_report_lists_only_risks_the_client_may_see() -> None:
    ws = _register()
    lines = client_lines(ws.risks.register("acme"), language("zh_CN"))
    assert lines == [
        "Vendor delivers the export late：严重风险，应对策略：减轻",
        "Key tester on leave in October：高风险，应对计划制定中",
    ]
    schedule = Schedule(ws.rules.calendar_for("acme"))
    plan: CommunicationPlan = create_plan(
        "PLAN-1",
        client="acme",
        project="data-migration",
        timezone="America/New_York",
        items=(),
        schedule=schedule,
        actor=LI,
        now=START,
    ).aggregate
    report = weekly_report(
        plan,
        schedule,
        week_start=START,
        lang=language("zh_CN"),
        risk_lines=lines,
    )
    section = report.split("风险与问题", 1)[1]
    assert "Vendor delivers the export late" in section
    assert "Our margin" not in report


def test_the_workspace_gathers_the_monthly_agenda_in_the_client_s_language() -> None:
    """Names from the rules, never ids, in headings and lines; Chinese conventions kept."""
    data = rules_data()
    data["clients"]["acme"]["locale"] = "zh_CN"
    data["clients"]["acme"]["name"] = "明珠银行"
    data["clients"]["acme"]["projects"] = ["data-migration"]
    data["people"]["li.wei"]["name"] = "李伟"
    data["clients"]["acme"]["project_names"] = {"data-migration": "手机银行 App"}
    ws = clientflow.open("memory://", data, clock=ManualClock(START))
    ws.plans.create("PLAN-acme", by=LI, client="acme", project="data-migration")
    anna = clientflow.Actor("anna", {"client"}, clients={"acme"})
    ws.issues.report(
        "ACME-1", by=anna, client="acme", project="data-migration", title="导出失败",
        priority="P2", owner="chen.jie",
    )  # fmt: skip
    ws.issues.escalate("ACME-1", by=LI, reason="客户要求")
    ws.feedback.receive(
        "FB-1", by=anna, client="acme", project="data-migration", contact="anna",
        channel="survey", csat=5, nps=9, at=START.subtract(days=5),
    )  # fmt: skip
    ws.risks.identify(
        "RSK-1", by=LI, client="acme", project="data-migration", title="供应商延期交付",
        owner="li.wei", category="vendor", cause="c", event="e", effect="f",
    )  # fmt: skip
    ws.risks.assess("RSK-1", by=LI, probability=3, impact=4)
    ws.changes.request("CR-1", by=anna, project="data-migration", title="单点登录")
    ws.changes.submit("CR-1", by=anna)
    impact = Impact(
        schedule_days=2, cost=Money("9000", "CNY"), effort_hours=16, risk=Risk.MEDIUM,
        in_scope=False, priority=Priority.SHOULD,
    )  # fmt: skip
    ws.changes.assess("CR-1", by=LI, impact=impact)
    ws.changes.request_approval("CR-1", by=LI)
    agenda = ws.plans.monthly_agenda("PLAN-acme", month=dt.date(2026, 10, 1)).splitlines()
    assert agenda[0] == "月度会议：明珠银行 / 手机银行 App，2026年10月"
    # no id, internal priority or level for a client: the title, and that it was escalated
    assert "   - 导出失败（已升级，由资深同事跟进）" in agenda
    assert not [line for line in agenda if "ACME-1" in line or "P2" in line]
    assert "   - 供应商延期交付：高风险，应对计划制定中" in agenda
    assert "   - CSAT 100%，NPS +100（1 份答卷）" in agenda
    report = ws.plans.weekly_report("PLAN-acme", week_start=START)
    assert report.startswith("周报：明珠银行 / 手机银行 App\n")
    assert "（邮件，李伟）" in report  # next week's plan names its owner
    # the open issues follow the risks, counted as the client hears of them
    section = "风险与问题\n- 供应商延期交付：高风险，应对计划制定中\n"
    assert section + "- 未解决的问题 1 个，已升级跟进\n" in report
    assert _offences(report) == []
    assert any(line.startswith("   - CR-1 单点登录：") for line in agenda), agenda
    assert _offences("\n".join(agenda)) == []
    english = ws.plans.weekly_report("PLAN-acme", week_start=START, lang=language("en"))
    assert "- 供应商延期交付: high risk, response being planned" in english
