"""The weekly satisfaction trend: a week with one or two answers does not swing the line
from 0 to 100; its answers are counted and shown (issue 15)."""

from __future__ import annotations

import json

import pendulum

from clientflow import Actor, ManualClock
from clientflow.config import load_rules, rules_from_dict
from clientflow.demo import RULES_FILE
from clientflow.i18n import language
from clientflow.reports import Portfolio, health, to_html, to_json, to_text
from clientflow.workspace import open_workspace

MONDAY = pendulum.datetime(2026, 3, 2, 2)
ANNA = Actor("anna", {"client"})


def _week_scores(min_answers: int | None, window: int = 1) -> list[tuple[float | None, int]]:
    """Week 1: one answer (CSAT 1); week 2: three answers (5, 5, 4)."""
    rules_data = json.loads(load_rules(RULES_FILE).source)  # the rules as plain data
    rules_data["feedback"]["trend_window_weeks"] = window
    if min_answers is not None:
        rules_data["feedback"]["trend_min_answers"] = min_answers
    rules = rules_from_dict(rules_data)
    clock = ManualClock(MONDAY)
    with open_workspace("memory://", rules, clock=clock) as ws:
        answers = [(0, 1), (7, 5), (7, 5), (8, 4)]
        for n, (day, score) in enumerate(answers):
            clock.set(MONDAY.add(days=day))
            ws.feedback.receive(
                f"FB-{n}", by=ANNA, client="lotus", project="lotus-app", contact="anna",
                channel="survey", csat=score,
            )  # fmt: skip
        at = MONDAY.add(days=13)
        [row] = health(
            Portfolio.from_store(ws.store, aggregates=ws.engine.kinded),
            rules,
            at,
            days=14,
            clients=["lotus"],
        )
    weeks = row.weeks[-2:]  # the two weeks with answers (the window starts a week earlier)
    assert all(w.window_weeks == window for w in weeks)
    return [(w.csat, w.answers) for w in weeks]


def test_a_week_with_too_few_answers_has_no_score_but_keeps_its_count() -> None:
    assert _week_scores(None) == [(None, 1), (100.0, 3)]  # default minimum: 3 answers


def test_a_rolling_window_draws_a_point_where_single_weeks_are_too_sparse() -> None:
    """Over two weeks, the second point counts all four answers (1, 5, 5, 4): three of
    four satisfied is CSAT 75, drawn although the first week alone had one answer."""
    assert _week_scores(None, window=2) == [(None, 1), (75.0, 4)]
    assert _week_scores(None, window=4) == [(None, 1), (75.0, 4)]  # the default window


def test_the_minimum_is_a_rules_setting() -> None:
    assert _week_scores(1) == [(0.0, 1), (100.0, 3)]
    assert _week_scores(4) == [(None, 1), (None, 3)]


def test_the_reports_show_the_sample_sizes() -> None:
    rules = load_rules(RULES_FILE)
    clock = ManualClock(MONDAY)
    with open_workspace("memory://", rules, clock=clock) as ws:
        ws.feedback.receive(
            "FB-1", by=ANNA, client="lotus", project="lotus-app", contact="anna",
            channel="survey", csat=1,
        )  # fmt: skip
        rows = health(
            Portfolio.from_store(ws.store, aggregates=ws.engine.kinded),
            rules,
            MONDAY.add(days=3),
            days=7,
            clients=["lotus"],
        )
    [lotus] = json.loads(to_json(rows))["clients"]
    week = lotus["satisfaction"]["weeks"][-1]
    assert (week["csat"], week["csat_answers"], week["answers"]) == (None, 1, 1)
    # the caption says what a point is; its tooltip the answers each counts
    assert '<span class="answers" title="answers at each point: ' in to_html(rows)
    assert "points with too few answers are not drawn" in to_html(rows)
    assert ">satisfaction (rolling 4 weeks)</span>" in to_html(rows)


def test_the_report_shows_time_lost_before_assignment() -> None:
    """Received Monday 10:00 Shanghai, assigned Tuesday 12:00: 10 business hours waited
    for an owner, over the 8-hour target, and the report says so."""
    rules = load_rules(RULES_FILE)
    monday = pendulum.datetime(2026, 3, 2, 10, tz="Asia/Shanghai")
    clock = ManualClock(monday)
    pm = Actor("li.wei", {"pm"})
    with open_workspace("memory://", rules, clock=clock) as ws:
        ws.feedback.receive(
            "FB-1", by=ANNA, client="lotus", project="lotus-app", contact="anna",
            channel="survey", csat=1,
        )  # fmt: skip
        ws.feedback.triage("FB-1", by=pm)
        clock.set(monday.add(days=1, hours=2))
        ws.feedback.assign("FB-1", by=pm, owner="li.wei")
        [row] = health(
            Portfolio.from_store(ws.store, aggregates=ws.engine.kinded),
            rules,
            monday.add(days=2),
            days=7,
            clients=["lotus"],
        )
    assert (row.assignment_wait_hours, row.assignment_target_hours) == (10.0, 8.0)
    assert "feedback waited a median 10.0 business hours for an owner (target 8 h" in to_text(
        [row], audience="team"
    )


def test_overdue_communications_are_structured_in_json_and_short_in_text() -> None:
    friday = pendulum.datetime(2026, 9, 4, 16, tz="Asia/Shanghai")
    clock = ManualClock(friday.subtract(days=4))
    rules = load_rules(RULES_FILE)
    with open_workspace("memory://", rules, clock=clock) as ws:
        ws.plans.create(
            "plan-lotus", by=Actor("li.wei", {"pm"}), client="lotus", project="lotus-app"
        )
        at = friday.add(days=4)  # Tuesday: Friday's report is past its grace
        rows = health(
            Portfolio.from_store(ws.store, aggregates=ws.engine.kinded),
            rules,
            at,
            days=7,
            clients=["lotus"],
        )
    [lotus] = json.loads(to_json(rows))["clients"]
    [overdue] = lotus["communications"]["overdue"]
    assert overdue == {
        "plan_id": "plan-lotus",
        "item_id": "status-report",
        "title": "Weekly status report",
        "due": "2026-09-04T08:00:00+00:00",
        "status": "overdue",
        "label": "Weekly status report (Fri Sep 4)",
    }
    assert "overdue communications: Weekly status report (Fri Sep 4)" in to_text(rows)
    chinese = to_text(rows, lang=language("zh_CN"))
    assert "Weekly status report（9月4日周五）" in chinese  # the date as Chinese writes it
    assert "(Fri Sep 4)" not in chinese
