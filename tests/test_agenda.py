"""An owner's agenda: every open obligation once, in the right section (issue 15).

Before: an issue whose escalation had reached its top level had no timer left, so it
vanished from its owner's agenda while breached; a report still within its grace period
was listed under "Overdue" marked [due].
"""

from __future__ import annotations

import pendulum
import pytest

import clientflow
from clientflow import Actor, ManualClock
from clientflow.demo import RULES_FILE, demo_rules
from clientflow.i18n import language
from clientflow.reports import Portfolio, agenda_lines, owner_agenda
from clientflow.risks import PlannedAction

MONDAY = pendulum.datetime(2026, 3, 2, 2)  # 10:00 in Shanghai
ANNA = Actor("anna", {"client"})
CHEN = Actor("chen.jie", {"engineer"})


def _agenda(ws: clientflow.workspace.Workspace, owner: str) -> list[tuple[str, bool, str]]:
    portfolio = Portfolio.from_store(ws.store, aggregates=ws.engine.kinded, owner=owner)
    found = owner_agenda(portfolio, demo_rules(), owner=owner, at=ws.clock.now(), days=7)
    return [(item.aggregate_id, item.overdue, item.text) for item in found]


def test_a_breached_issue_at_the_top_of_its_ladder_stays_on_the_agenda_as_overdue() -> None:
    clock = ManualClock(MONDAY)
    with clientflow.open("memory://", RULES_FILE, clock=clock) as ws:
        ws.issues.report(
            "LOT-1", by=ANNA, client="lotus", project="lotus-app", title="Login fails",
            priority="P1", owner="chen.jie",
        )  # fmt: skip
        ws.issues.acknowledge("LOT-1", by=CHEN)
        clock.set(MONDAY.add(days=10))  # far past every deadline and escalation level
        ws.sweep()
        issue = ws.issues.get("LOT-1")
        assert issue.next_deadline is None  # no timer left to put it on an agenda
        assert issue.escalation is not None
        owner = issue.owner  # the ladder may have reassigned it
        entries = [e for e in _agenda(ws, owner) if e[0] == "LOT-1"]
        text = "issue LOT-1 (P1, acknowledged): resolution deadline passed"
        assert entries == [("LOT-1", True, text)]


def test_an_issue_with_several_running_clocks_appears_once_at_its_earliest_deadline() -> None:
    clock = ManualClock(MONDAY)
    with clientflow.open("memory://", RULES_FILE, clock=clock) as ws:
        reported = ws.issues.report(
            "LOT-2", by=ANNA, client="lotus", project="lotus-app", title="Slow page",
            priority="P2", owner="chen.jie",
        ).aggregate  # fmt: skip
        assert len([c for c in reported.clocks if c.stopped_at is None]) > 1
        earliest = min(c.deadline for c in reported.clocks)
        entries = _agenda(ws, "chen.jie")
        assert [e[0] for e in entries] == ["LOT-2"]
        portfolio = Portfolio.from_store(ws.store, aggregates=ws.engine.kinded, owner="chen.jie")
        [item] = owner_agenda(portfolio, demo_rules(), owner="chen.jie", at=MONDAY, days=7)
        assert (item.at, item.overdue) == (earliest, False)


def test_a_report_within_its_grace_period_is_due_not_overdue() -> None:
    """Friday 16:00 weekly report, 4 business hours of grace (Friday 16-18, Monday 9-11):
    at 17:00 it is due, not overdue; on Monday at noon it is overdue."""
    friday = pendulum.datetime(2026, 9, 4, 16, tz="Asia/Shanghai")
    clock = ManualClock(friday.subtract(days=4))
    with clientflow.open("memory://", RULES_FILE, clock=clock) as ws:
        ws.plans.create(
            "plan-lotus", by=Actor("li.wei", {"pm"}), client="lotus", project="lotus-app"
        )
        clock.set(friday.add(hours=1))
        [report] = [e for e in _agenda(ws, "li.wei") if "status report" in e[2]]
        assert report[1:] == (False, "Weekly status report for Lotus Bank")
        clock.set(friday.add(days=3, hours=-4))  # Monday 12:00: the grace has run out
        overdue = [e for e in _agenda(ws, "li.wei") if "status report" in e[2]]
        assert (True, "Weekly status report for Lotus Bank") in [e[1:] for e in overdue]


def test_risk_reviews_and_actions_reach_their_owners_agendas_in_their_language() -> None:
    """The risk's owner reviews it; each action's owner does the action (chen.jie reads
    Chinese, in Shanghai time, as the demo rules' [people] say)."""
    li = Actor("li.wei", {"pm"})
    clock = ManualClock(pendulum.datetime(2026, 9, 21, 2))
    with clientflow.open("memory://", RULES_FILE, clock=clock) as ws:
        ws.risks.identify(
            "RSK-1", by=li, client="acme", project="acme-shop", title="Vendor late",
            owner="li.wei", category="vendor", cause="c", event="e", effect="f",
        )  # fmt: skip
        ws.risks.assess("RSK-1", by=li, probability=4, impact=4)
        ws.risks.plan_response(
            "RSK-1", by=li, strategy="mitigate",
            actions=[PlannedAction("A1", "Second DBA", "chen.jie", pendulum.duration(hours=4))],
        )  # fmt: skip
        rules = demo_rules()
        locale, zone = rules.person_reader("chen.jie")
        lang = language(locale)
        clock.set(pendulum.datetime(2026, 9, 22, 2))
        portfolio = Portfolio.from_store(ws.store, aggregates=ws.engine.kinded, owner="chen.jie")
        items = owner_agenda(portfolio, rules, owner="chen.jie", at=clock.now(), lang=lang)
        assert agenda_lines(items, at=clock.now(), timezone=zone, lang=lang) == [
            "时间均为北京时间",
            "已逾期：",
            "  9月21日（周一）15:00  风险“Vendor late”的应对措施：Second DBA",  # 10:00 + 4h
        ]
        mine = _agenda(ws, "li.wei")
        assert ("RSK-1", False, "review risk: Vendor late") in mine


@pytest.mark.parametrize("days", [0, -1, 367, 2**63, True])
def test_an_agendas_window_is_bounded(days: object) -> None:
    """days= comes from a form or the command line: 1 to 366, else a ValidationError."""
    with (
        clientflow.open("memory://", RULES_FILE) as ws,
        pytest.raises(clientflow.ValidationError, match=r"^days: expected a"),
    ):
        ws.agenda("li.wei", days=days)  # type: ignore[arg-type]
