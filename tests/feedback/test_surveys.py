"""Surveys: throttled per contact from the last send, reminded, expired, scheduled."""

from __future__ import annotations

import pendulum
import pytest

from clientflow import ValidationError
from clientflow.core import TransitionNotAllowed
from clientflow.feedback import (
    ContactSurveys,
    OverLimit,
    SurveyPolicy,
    Trigger,
    answer_survey,
    fire_surveys,
    request_survey,
    response_rate,
    schedule_periodic,
)
from tests.feedback.fixtures import NOW, PM

H = pendulum.duration
POLICY = SurveyPolicy(
    min_between=H(days=30), remind_after=H(days=3), max_reminders=2, expire_after=H(days=14)
)


def ask(
    surveys: ContactSurveys | None,
    survey_id: str,
    at: pendulum.DateTime,
    *,
    policy: SurveyPolicy = POLICY,
    follow_up_open: bool = False,
) -> ContactSurveys:
    return request_survey(
        surveys,
        survey_id,
        contact="anna",
        client="acme",
        trigger=Trigger.MILESTONE,
        policy=policy,
        follow_up_open=follow_up_open,
        now=at,
        actor=PM,
    ).aggregate


def test_first_survey_is_sent_with_a_reminder_and_an_expiry() -> None:
    """Nothing sent before: it goes out, reminder in 3 days, expiry in 14."""
    surveys = ask(None, "S-1", NOW)
    record = surveys.surveys[0]
    assert record.status == "sent"
    assert record.next_reminder == NOW.add(days=3)
    assert record.expires_at == NOW.add(days=14)
    assert surveys.id == "surveys:anna"
    assert surveys.next_deadline == NOW.add(days=3)


def test_throttle_is_a_rolling_window_from_the_last_send_and_defers() -> None:
    """A second survey within 30 days of the last send waits until day 30, then goes."""
    surveys = ask(None, "S-1", NOW)
    surveys = answer_survey(
        surveys, "S-1", NOW.add(days=20), actor=PM
    ).aggregate  # answering does not reset
    surveys = ask(surveys, "S-2", NOW.add(days=25))
    deferred = surveys.surveys[1]
    assert deferred.status == "deferred"
    assert deferred.send_at == NOW.add(days=30)
    fired = fire_surveys(surveys, POLICY, NOW.add(days=30), follow_up_open=False)
    assert fired.aggregate.surveys[1].status == "sent"
    assert fired.aggregate.surveys[1].sent_at == NOW.add(days=30)


def test_over_limit_survey_can_be_dropped_instead() -> None:
    """With OverLimit.DROP the survey is recorded as dropped, with the reason."""
    dropping = SurveyPolicy(min_between=H(days=30), over_limit=OverLimit.DROP)
    surveys = ask(ask(None, "S-1", NOW, policy=dropping), "S-2", NOW.add(days=1), policy=dropping)
    assert surveys.surveys[1].status == "dropped"


def test_no_survey_while_a_follow_up_is_open() -> None:
    """An unhappy client in follow-up is not surveyed; it is deferred and re-checked."""
    surveys = ask(None, "S-1", NOW, follow_up_open=True)
    assert surveys.surveys[0].status == "deferred"
    still = fire_surveys(surveys, POLICY, NOW.add(days=30), follow_up_open=True).aggregate
    assert still.surveys[0].status == "deferred"
    sent = fire_surveys(still, POLICY, NOW.add(days=60), follow_up_open=False).aggregate
    assert sent.surveys[0].status == "sent"


def test_reminders_do_not_count_against_the_limit_and_stop_at_the_maximum() -> None:
    """Two reminders at most, then expiry; the limit is still measured from the send."""
    surveys = ask(None, "S-1", NOW)
    surveys = fire_surveys(surveys, POLICY, NOW.add(days=3), follow_up_open=False).aggregate
    surveys = fire_surveys(surveys, POLICY, NOW.add(days=6), follow_up_open=False).aggregate
    assert surveys.surveys[0].reminders == 2
    assert surveys.surveys[0].next_reminder is None
    assert surveys.last_sent() == NOW
    expired = fire_surveys(surveys, POLICY, NOW.add(days=14), follow_up_open=False).aggregate
    assert expired.surveys[0].status == "expired"
    assert expired.next_deadline is None
    after = fire_surveys(expired, POLICY, NOW.add(days=15), follow_up_open=False)
    assert after.events == ()  # nothing left to time
    assert after.aggregate == expired


def test_periodic_surveys_run_every_quarter() -> None:
    """A quarterly schedule sends, then plans the next quarter."""
    quarterly = SurveyPolicy(periodic_every=H(days=91))
    surveys = schedule_periodic(
        None, contact="anna", client="acme", first=NOW, actor=PM, now=NOW
    ).aggregate
    assert surveys.next_deadline == NOW
    surveys = fire_surveys(surveys, quarterly, NOW, follow_up_open=False).aggregate
    assert [s.trigger for s in surveys.surveys] == [Trigger.PERIODIC]
    assert surveys.next_periodic == NOW.add(days=91)


def test_response_rate_counts_answers_over_sends() -> None:
    """Answered / sent; nothing sent is undefined, not zero."""
    surveys = ask(None, "S-1", NOW)
    assert response_rate([surveys]) == 0
    surveys = answer_survey(surveys, "S-1", NOW.add(days=1), actor=PM).aggregate
    assert response_rate([surveys]) == 1
    assert response_rate([]) is None


def test_bad_survey_input_is_refused() -> None:
    """Unknown ids, reused ids and answering twice are typed errors."""
    surveys = ask(None, "S-1", NOW)
    with pytest.raises(ValidationError, match="survey_id"):
        answer_survey(surveys, "S-9", NOW, actor=PM)
    with pytest.raises(ValidationError, match="not used before"):
        ask(surveys, "S-1", NOW.add(days=40))
    answered = answer_survey(surveys, "S-1", NOW, actor=PM).aggregate
    with pytest.raises(TransitionNotAllowed):
        answer_survey(answered, "S-1", NOW, actor=PM)
    with pytest.raises(ValidationError, match="min_between"):
        SurveyPolicy(min_between=H(days=0))
