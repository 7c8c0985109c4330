"""A survey decision records the follow-up state it was decided on (a what-if input)."""

from __future__ import annotations

import json

import pendulum
import pytest

from clientflow import feedback
from clientflow.core import Actor

NOW = pendulum.datetime(2026, 9, 7, 9)
PM = Actor("li.wei", {"pm"}, {"lotus"})


def _request(policy: feedback.SurveyPolicy, busy: bool) -> object:
    """The one event of a first survey request to Anna, a follow-up open or not."""
    decision = feedback.request_survey(
        None,
        "S-1",
        contact="anna",
        client="lotus",
        trigger=feedback.Trigger.MILESTONE,
        policy=policy,
        follow_up_open=busy,
        now=NOW,
        actor=PM,
    )
    (event,) = decision.events
    return event


@pytest.mark.parametrize(
    ("over_limit", "busy", "kind"),
    [
        (feedback.OverLimit.DEFER, False, feedback.SurveySent),
        (feedback.OverLimit.DEFER, True, feedback.SurveyDeferred),
        (feedback.OverLimit.DROP, True, feedback.SurveyDropped),
    ],
)
def test_sent_deferred_and_dropped_say_whether_a_follow_up_was_open(
    over_limit: feedback.OverLimit, busy: bool, kind: type
) -> None:
    """The follow-up state comes from another aggregate: the event keeps it."""
    event = _request(feedback.SurveyPolicy(over_limit=over_limit), busy)
    assert isinstance(event, kind)
    assert event.follow_up_open is busy


def test_a_survey_event_recorded_before_the_field_still_loads() -> None:
    """An old ``survey.deferred`` without ``follow_up_open`` reads as ``False``."""
    event = _request(feedback.SurveyPolicy(), busy=True)
    assert isinstance(event, feedback.SurveyDeferred)
    name, payload = feedback.SURVEY_EVENTS.encode(event)
    data = json.loads(payload)
    del data["follow_up_open"]
    old = feedback.SURVEY_EVENTS.decode(name, json.dumps(data))
    assert old.follow_up_open is False  # type: ignore[attr-defined]
