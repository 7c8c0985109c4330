"""Every workflow's timer handler may be called at any instant: before anything is due it
returns an empty decision and the aggregate unchanged, never an error (issue 15)."""

from __future__ import annotations

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from clientflow.cadence import fire_alerts
from clientflow.escalation import fire_timers
from clientflow.feedback import fire_surveys
from tests.cadence.fixtures import NY_SCHEDULE, plan
from tests.escalation.fixtures import CALENDAR, LADDER, reported
from tests.feedback.fixtures import NOW
from tests.feedback.test_surveys import POLICY, ask

before = st.integers(min_value=1, max_value=60 * 24 * 30)  # minutes before the deadline


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
    surveys = ask(None, "S-1", NOW)
    assert surveys.next_deadline is not None
    early = surveys.next_deadline.subtract(minutes=minutes)
    decision = fire_surveys(surveys, POLICY, early, follow_up_open=False)
    assert decision.events == ()
    assert decision.aggregate == surveys
