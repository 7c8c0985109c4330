"""Every workflow's timer handler may be called at any instant: before anything is due it
returns an empty decision and the aggregate unchanged, never an error (issue 15)."""

from __future__ import annotations

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from clientflow.cadence import fire_alerts
from clientflow.escalation import fire_timers
from clientflow.feedback import ContactSurveys, Trigger, fire_surveys, request_survey
from tests.cadence.fixtures import NY_SCHEDULE, plan
from tests.escalation.fixtures import CALENDAR, LADDER, reported
from tests.feedback.fixtures import NOW, PM
from tests.feedback.test_surveys import POLICY

before = st.integers(min_value=1, max_value=60 * 24 * 30)  # minutes before the deadline


def _surveys() -> ContactSurveys:
    return request_survey(
        None,
        "S-1",
        contact="anna",
        client="acme",
        trigger=Trigger.MILESTONE,
        policy=POLICY,
        follow_up_open=False,
        now=NOW,
        actor=PM,
    ).aggregate


@given(minutes=before)
def test_an_issue_timer_called_early_decides_nothing(minutes: int) -> None:
    issue = reported("P2", escalation=LADDER)
    assert issue.next_deadline is not None
    early = issue.next_deadline.subtract(minutes=minutes)
    decision = fire_timers(issue, early, calendar=CALENDAR, escalation=LADDER)
    assert decision.events == ()
    assert decision.aggregate == issue


@given(minutes=before)
def test_a_plan_alert_called_early_decides_nothing(minutes: int) -> None:
    current = plan()
    assert current.next_deadline is not None
    early = max(current.next_deadline.subtract(minutes=minutes), pendulum.datetime(2026, 1, 1))
    decision = fire_alerts(current, schedule=NY_SCHEDULE, now=early)
    assert decision.events == ()
    assert decision.aggregate == current


@given(minutes=before)
def test_a_survey_timer_called_early_decides_nothing(minutes: int) -> None:
    surveys = _surveys()
    assert surveys.next_deadline is not None
    early = surveys.next_deadline.subtract(minutes=minutes)
    decision = fire_surveys(surveys, POLICY, early, follow_up_open=False)
    assert decision.events == ()
    assert decision.aggregate == surveys
