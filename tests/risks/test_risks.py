"""The risk workflow's rules, each with the promise a PM relies on."""

from __future__ import annotations

import csv
import io

import attrs
import pendulum
import pytest

from clientflow.core import (
    Actor,
    HasRole,
    Money,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    WorkingDays,
    rebuild,
)
from clientflow.i18n import language
from clientflow.risks import (
    EVENTS,
    REGISTER_COLUMNS,
    ActionOverdue,
    CloseReason,
    HeatMap,
    Matrix,
    PlannedAction,
    Rating,
    ReviewMissed,
    RiskPermissions,
    RiskPolicy,
    Scale,
    Strategy,
    apply,
    assess,
    close,
    complete_action,
    fire_timers,
    heat_map,
    identify,
    overdue_reviews,
    plan_response,
    register_csv,
    register_rows,
    review,
    start_monitoring,
    statement,
    top_risks,
    trigger,
    without_plan,
)
from tests.risks.fixtures import CALENDAR, MONDAY, PM, POLICY, SPONSOR, assessed, identified

SHANGHAI = "Asia/Shanghai"


def test_the_matrix_rates_each_cell_by_its_score_band() -> None:
    matrix = Matrix()
    ratings = {(p, i): matrix.rate(p, i).value for p in range(1, 6) for i in range(1, 6)}
    assert ratings[(1, 1)] == "low"
    assert ratings[(1, 4)] == "low"
    assert ratings[(1, 5)] == ratings[(3, 3)] == "medium"
    assert ratings[(2, 5)] == ratings[(3, 4)] == "high"
    assert ratings[(3, 5)] == ratings[(4, 4)] == ratings[(5, 5)] == "critical"
    three = Matrix(Scale(("low", "medium", "high")), Scale(("minor", "major", "severe")), 2, 4, 6)
    assert three.rate(2, 3) is Rating.CRITICAL
    assert three.rate(1, 1) is Rating.LOW


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Matrix(medium=10, high=5), "1 < medium < high < critical <= 25"),
        (lambda: Matrix(critical=26), "critical <= 25"),
        (lambda: Scale(("only",)), "2 to 10 non-empty labels"),
        (lambda: Scale(("a", "a")), "labels that differ"),
        (lambda: RiskPolicy(action_repeat=pendulum.duration()), "action_repeat"),
        (lambda: RiskPolicy(review_every={Rating.LOW: pendulum.duration(days=1)}), "each rating"),
    ],
)
def test_a_policy_that_makes_no_sense_is_refused_with_what_is_allowed(
    make: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        make()  # type: ignore[operator]


def test_an_assessment_off_the_scale_names_the_levels_and_changes_nothing() -> None:
    risk = identified()
    with pytest.raises(
        ValidationError, match=r"probability: expected a level from 1 to 5 \(1 rare"
    ):
        assess(risk, PM, MONDAY, probability=6, impact=2, policy=POLICY, calendar=CALENDAR)
    with pytest.raises(ValidationError, match="likelihood: expected a fraction from 0 to 1"):
        assess(
            risk,
            PM,
            MONDAY,
            probability=2,
            impact=2,
            policy=POLICY,
            calendar=CALENDAR,
            likelihood="1.5",
        )
    assert risk.assessments == ()
    assert risk.status == "identified"


def test_an_unknown_category_lists_the_known_ones() -> None:

    with pytest.raises(ValidationError, match="category: expected one of schedule, cost"):
        identify(
            "RSK-9",
            client="acme",
            project="p",
            title="t",
            owner="li.wei",
            category="weather",
            cause="c",
            event="e",
            effect="f",
            policy=POLICY,
            actor=PM,
            now=MONDAY,
        )


def test_every_assessment_is_kept_and_the_exposure_is_exact() -> None:
    risk = assessed(4, 4)
    again = assess(
        risk, PM, MONDAY.add(days=1), probability=2, impact=4, policy=POLICY, calendar=CALENDAR
    ).aggregate
    assert [(a.probability, a.impact, a.rating.value) for a in again.assessments] == [
        (4, 4, "critical"),
        (2, 4, "medium"),
    ]
    assert risk.current is not None
    assert risk.current.exposure == Money("30000.00", "USD")
    assert again.current is not None
    assert again.current.exposure is None


def test_the_review_is_due_by_the_rating_and_a_holiday_moves_it_to_the_first_working_morning() -> (
    None
):
    high = assessed(3, 4)  # high: every two weeks -> Mon 5 Oct, inside National Day
    assert high.rating is Rating.HIGH
    assert high.review_due == pendulum.datetime(2026, 10, 8, 9, tz=SHANGHAI)
    critical = assessed(4, 4)  # weekly -> Mon 28 Sep 11:00, a working morning
    assert critical.review_due == pendulum.datetime(2026, 9, 28, 11, tz=SHANGHAI)


def test_a_missed_review_is_raised_once_and_a_review_starts_a_new_period() -> None:
    risk = assessed(3, 4)
    assert risk.review_due is not None
    before = fire_timers(
        risk, risk.review_due.subtract(minutes=1), policy=POLICY, calendar=CALENDAR
    )
    assert before.events == ()
    fired = fire_timers(risk, risk.review_due, policy=POLICY, calendar=CALENDAR)
    assert [type(e) for e in fired.events] == [ReviewMissed]
    assert (
        fire_timers(
            fired.aggregate, risk.review_due.add(days=30), policy=POLICY, calendar=CALENDAR
        ).events
        == ()
    )
    assert overdue_reviews([fired.aggregate], risk.review_due) == [fired.aggregate]
    reviewed = review(
        fired.aggregate, PM, risk.review_due.add(hours=1), policy=POLICY, calendar=CALENDAR
    ).aggregate
    assert reviewed.review_due == pendulum.datetime(2026, 10, 22, 10, tz=SHANGHAI)
    assert not reviewed.review_alerted
    assert overdue_reviews([reviewed], risk.review_due) == []


def _planned(strategy: Strategy = Strategy.MITIGATE) -> object:
    return plan_response(
        assessed(),
        strategy,
        PM,
        MONDAY.add(hours=2),
        policy=POLICY,
        calendar=CALENDAR,
        actions=[
            PlannedAction("A1", "Book a second DBA", "chen.jie", WorkingDays(2)),
            PlannedAction("A2", "Dry-run the export", "zhou.min", pendulum.duration(hours=4)),
        ],
        trigger="export not started by 28 Sep",
        contingency="run the export ourselves from a replica",
        residual=(2, 4),
    )


def test_actions_are_due_in_business_time_and_escalate_until_done() -> None:
    plan = _planned().aggregate  # type: ignore[attr-defined]
    a1, a2 = plan.plan.actions
    assert a2.due == pendulum.datetime(2026, 9, 21, 17, tz=SHANGHAI)  # 12:00 + 4h, lunch skipped
    assert a1.due == pendulum.datetime(2026, 9, 22, 18, tz=SHANGHAI)  # from lunch: end of day 2
    assert plan.residual.rating is Rating.MEDIUM
    assert plan.next_deadline == a2.due
    first = fire_timers(plan, a2.due, policy=POLICY, calendar=CALENDAR)
    [overdue] = first.events
    assert isinstance(overdue, ActionOverdue)
    assert (overdue.action_id, overdue.level) == ("A2", 1)
    assert overdue.next_alert == pendulum.datetime(2026, 9, 22, 17, tz=SHANGHAI)  # +8 business h
    late = fire_timers(
        first.aggregate,
        pendulum.datetime(2026, 9, 23, 12, tz=SHANGHAI),
        policy=POLICY,
        calendar=CALENDAR,
    )
    assert [(e.action_id, e.level) for e in late.events] == [("A1", 1), ("A2", 2)]  # type: ignore[attr-defined]
    assert late.aggregate.next_deadline > pendulum.datetime(2026, 9, 23, 12, tz=SHANGHAI)
    done = complete_action(late.aggregate, "A2", PM, MONDAY.add(days=3), policy=POLICY).aggregate
    assert [a.id for a in done.open_actions()] == ["A1"]
    with pytest.raises(ValidationError, match="action: expected one of the open actions: A1"):
        complete_action(done, "A2", PM, MONDAY.add(days=3), policy=POLICY)


def test_a_response_other_than_accepting_needs_actions() -> None:
    with pytest.raises(ValidationError, match="at least one action to mitigate"):
        plan_response(
            assessed(),
            Strategy.MITIGATE,
            PM,
            MONDAY.add(hours=2),
            policy=POLICY,
            calendar=CALENDAR,
        )


def test_accepting_a_serious_risk_needs_the_named_role_and_leaves_it_untouched_otherwise() -> None:
    risk = assessed(3, 4)  # high
    with pytest.raises(PermissionDenied, match="has role sponsor"):
        plan_response(
            risk, Strategy.ACCEPT, PM, MONDAY.add(hours=2), policy=POLICY, calendar=CALENDAR
        )
    with pytest.raises(PermissionDenied, match="accepted"):
        close(risk, CloseReason.ACCEPTED, PM, MONDAY.add(hours=2), policy=POLICY)
    assert risk.status == "assessed"
    assert risk.plan is None
    accepted = plan_response(
        risk, Strategy.ACCEPT, SPONSOR, MONDAY.add(hours=2), policy=POLICY, calendar=CALENDAR
    ).aggregate
    assert accepted.plan is not None
    assert accepted.plan.strategy is Strategy.ACCEPT
    low = assessed(1, 2)
    closed = close(low, CloseReason.ACCEPTED, PM, MONDAY.add(hours=2), policy=POLICY).aggregate
    assert closed.status == "closed"
    assert closed.next_deadline is None


def test_only_a_triggered_risk_is_resolved_and_reassessing_a_closed_one_reopens_it() -> None:
    risk = assessed()
    with pytest.raises(ValidationError, match="expired, avoided or accepted for a assessed risk"):
        close(risk, CloseReason.RESOLVED, PM, MONDAY.add(hours=2), policy=POLICY)
    hit = trigger(risk, "ISS-7", PM, MONDAY.add(hours=3), policy=POLICY, note="export slipped")
    assert (hit.aggregate.status, hit.aggregate.issues) == ("triggered", ("ISS-7",))
    assert hit.events[0].priority == "P1"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="resolved for a triggered risk"):
        close(hit.aggregate, CloseReason.EXPIRED, PM, MONDAY.add(hours=4), policy=POLICY)
    done = close(hit.aggregate, CloseReason.RESOLVED, PM, MONDAY.add(hours=4), policy=POLICY)
    with pytest.raises(TransitionNotAllowed, match="cannot 'trigger' in state 'closed'"):
        trigger(done.aggregate, "ISS-8", PM, MONDAY.add(hours=5), policy=POLICY, note="again")
    back = assess(
        done.aggregate,
        PM,
        MONDAY.add(days=2),
        probability=2,
        impact=3,
        policy=POLICY,
        calendar=CALENDAR,
    )
    assert back.aggregate.status == "assessed"
    assert back.events[0].reopened
    assert back.aggregate.closed_reason is None
    assert back.aggregate.review_due is not None


def test_who_may_assess_comes_from_the_policy() -> None:

    strict = RiskPolicy(permissions=RiskPermissions(assess=HasRole("risk_manager")))
    with pytest.raises(PermissionDenied, match=r"li\.wei may not assess risk RSK-1"):
        assess(identified(), PM, MONDAY, probability=2, impact=2, policy=strict, calendar=CALENDAR)
    manager = Actor("sun.li", {"risk_manager"})
    assert (
        assess(
            identified(), manager, MONDAY, probability=2, impact=2, policy=strict, calendar=CALENDAR
        ).aggregate.rating
        is Rating.LOW
    )


def test_events_survive_json_and_rebuild_the_same_risk() -> None:

    decision = _planned()
    risk = decision.aggregate  # type: ignore[attr-defined]
    history = [*_history_of(risk)]
    stored = [EVENTS.decode(*EVENTS.encode(e)) for e in history]
    assert stored == history
    assert rebuild(apply, stored) == risk


def _history_of(risk: object) -> list[object]:

    first = identify(
        "RSK-1",
        client="acme",
        project="migration",
        title="Vendor delivers the export late",
        owner="li.wei",
        category="resource",
        cause="the vendor has one DBA for our account",
        event="the data export slips",
        effect="push the cut-over past the freeze",
        policy=POLICY,
        actor=PM,
        now=MONDAY,
    )
    second = assess(
        first.aggregate,
        PM,
        MONDAY.add(hours=1),
        probability=4,
        impact=4,
        policy=POLICY,
        calendar=CALENDAR,
        likelihood="0.6",
        cost=Money("50000", "USD"),
        schedule_days=5,
    )
    third = _planned()
    return [*first.events, *second.events, *third.events]  # type: ignore[attr-defined]


def test_reports_rank_by_exposure_and_find_the_gaps() -> None:
    big = assessed(4, 4, "RSK-1")  # exposure 30,000
    small = assess(
        identified("RSK-2"),
        PM,
        MONDAY,
        probability=5,
        impact=5,
        policy=POLICY,
        calendar=CALENDAR,
        likelihood="0.1",
        cost=Money("1000", "USD"),
    ).aggregate
    unpriced = assessed(5, 5, "RSK-3")
    unpriced = assess(
        unpriced, PM, MONDAY.add(hours=2), probability=5, impact=5, policy=POLICY, calendar=CALENDAR
    ).aggregate
    internal = assess(
        identified("RSK-4", client_visible=False),
        PM,
        MONDAY,
        probability=1,
        impact=1,
        policy=POLICY,
        calendar=CALENDAR,
    ).aggregate
    assert [r.id for r in top_risks([small, unpriced, big, internal], 3)] == [
        "RSK-1",
        "RSK-2",
        "RSK-3",
    ]
    assert [r.id for r in top_risks([small, unpriced, big, internal], 9)][-1] == "RSK-4"
    assert [r.id for r in top_risks([small, internal], 9, client_view=True)] == ["RSK-2"]
    planned = _planned().aggregate  # type: ignore[attr-defined]
    assert [r.id for r in without_plan([planned, small, internal])] == ["RSK-2", "RSK-4"]
    grid = heat_map([big, small, unpriced, internal, identified("RSK-5")], POLICY.matrix)
    assert (grid.count(4, 4), grid.count(5, 5), grid.count(1, 1), grid.unassessed) == (1, 2, 1, 1)
    assert grid.by_rating() == {
        Rating.LOW: 1,
        Rating.MEDIUM: 0,
        Rating.HIGH: 0,
        Rating.CRITICAL: 3,
    }
    assert grid.grid()[0][4] == (2, Rating.CRITICAL)  # top row is probability 5


def test_the_csv_export_cannot_run_formulas_in_a_spreadsheet() -> None:

    evil = identify(
        "RSK-6",
        client="acme",
        project="p",
        title='=HYPERLINK("http://x","click")',
        owner="li.wei",
        category="cost",
        cause="+cmd|' /C calc'!A0",
        event="-1+1",
        effect="@SUM(A1)",
        policy=POLICY,
        actor=PM,
        now=MONDAY,
    ).aggregate
    rows = list(csv.reader(io.StringIO(register_csv([evil, assessed()]))))
    header, second, first = rows  # by id: RSK-1 before RSK-6
    row = dict(zip(header, first, strict=True))
    assert row["title"] == '\'=HYPERLINK("http://x","click")'
    assert row["statement"].startswith("Because +cmd")  # not at the start: harmless
    assert dict(zip(header, second, strict=True))["exposure"] == "30000.00"
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


def test_monitoring_needs_a_plan_first() -> None:
    with pytest.raises(TransitionNotAllowed, match="cannot 'start_monitoring' in state 'assessed'"):
        start_monitoring(assessed(), PM, MONDAY.add(hours=2), policy=POLICY)


def test_cells_the_matrix_no_longer_has_are_counted_apart_not_dropped() -> None:
    """A risk assessed 5 x 5 stays 5 x 5 when the rules shrink the scales to 3 levels."""
    three = Matrix(Scale(("low", "mid", "high")), Scale(("low", "mid", "high")), 2, 4, 6)
    grid = HeatMap.from_cells({"5x5": 2, "3x3": 1, "": 4, "junk": 1}, three)
    assert (grid.total, grid.unassessed, grid.off_scale) == (1, 4, 3)
    assert grid.count(3, 3) == 1


def test_a_risk_statement_reads_in_chinese_word_order() -> None:
    """由于…，存在…的风险；一旦发生，将导致…。: a Chinese sentence a PM writes, not
    English around Chinese parts (nor 可能 in front of the event's subject)."""
    risk = attrs.evolve(
        assessed(),
        cause="支付机构只有一名对接工程师",
        event="接口联调晚于10月20日",
        effect="上线日期顺延",
    )
    assert statement(risk, language("zh_CN")) == (
        "由于支付机构只有一名对接工程师，存在接口联调晚于10月20日的风险；一旦发生，"
        "将导致上线日期顺延。"
    )
    assert statement(identified()) == (
        "Because the vendor has one DBA for our account, the data export slips may happen,"
        " which would push the cut-over past the freeze."
    )


def test_a_chinese_register_keeps_its_keys_and_speaks_chinese_in_its_cells() -> None:
    """Columns stay English keys; the statement, rating and review date read as Chinese."""
    risk = attrs.evolve(assessed(), cause="供应商只有一名DBA", event="导出延期", effect="切换推迟")
    [row] = register_rows([risk], language("zh_CN"), "Asia/Shanghai")
    assert tuple(row) == REGISTER_COLUMNS
    assert (row["rating"], row["statement"]) == (
        "严重",
        "由于供应商只有一名DBA，存在导出延期的风险；一旦发生，将导致切换推迟。",
    )
    assert str(row["review_due"]).endswith("（北京时间）")
    [english] = register_rows([risk])
    assert english["rating"] == "critical"
    assert str(english["review_due"]).endswith("Z") or "+00:00" in str(english["review_due"])
