"""A survey decision records the follow-up state it was decided on (a what-if input)."""

from __future__ import annotations

import json

import pendulum
import pytest

from clientflow import feedback
from clientflow.core import Actor

NOW = pendulum.datetime(2026, 9, 7, 9)
PM = Actor("li.wei", {"pm"}, {"lotus"})


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
    decision = feedback.request_survey(
        None,
        "S-1",
        contact="anna",
        client="lotus",
        trigger=feedback.Trigger.MILESTONE,
        policy=feedback.SurveyPolicy(over_limit=over_limit),
        follow_up_open=busy,
        now=NOW,
        actor=PM,
    )
    (event,) = decision.events
    assert isinstance(event, kind)
    assert event.follow_up_open is busy


def test_a_survey_event_recorded_before_the_field_still_loads() -> None:
    """An old ``survey.deferred`` without ``follow_up_open`` reads as ``False``."""
    decision = feedback.request_survey(
        None,
        "S-1",
        contact="anna",
        client="lotus",
        trigger=feedback.Trigger.MILESTONE,
        policy=feedback.SurveyPolicy(),
        follow_up_open=True,
        now=NOW,
        actor=PM,
    )
    name, payload = feedback.SURVEY_EVENTS.encode(decision.events[0])
    data = json.loads(payload)
    del data["follow_up_open"]
    old = feedback.SURVEY_EVENTS.decode(name, json.dumps(data))
    assert old.follow_up_open is False  # type: ignore[attr-defined]
