"""A team calendar, policies and helpers for feedback tests."""

from __future__ import annotations

import pendulum

from clientflow import Actor, BusinessCalendar, WorkingHours
from clientflow.feedback import (
    Channel,
    Feedback,
    FeedbackPolicy,
    Sentiment,
    assign,
    complete_action,
    plan_action,
    receive,
    record_contact,
    triage,
)

CALENDAR = BusinessCalendar(
    "Asia/Shanghai", WorkingHours.weekdays("09:00-12:00", "13:00-18:00"), country="CN"
)
NOW = pendulum.datetime(2026, 3, 2, 10, tz="Asia/Shanghai")  # a Monday
PM = Actor("li.wei", {"pm"})
POLICY = FeedbackPolicy()


def received(
    feedback_id: str = "FB-1",
    *,
    nps: int | None = 3,
    csat: int | None = None,
    channel: Channel = Channel.SURVEY,
    contact: str = "anna",
    now: pendulum.DateTime = NOW,
) -> Feedback:
    return receive(
        feedback_id,
        client="acme",
        project="portal",
        contact=contact,
        channel=channel,
        text="The release was two weeks late.",
        csat=csat,
        nps=nps,
        policy=POLICY,
        calendar=CALENDAR,
        actor=PM,
        now=now,
    ).aggregate


def done_action(feedback: Feedback | None = None) -> Feedback:
    """A detractor followed up to 'action done'."""
    item = feedback or received()
    step = NOW.add(hours=1)
    item = triage(item, PM, step, calendar=CALENDAR).aggregate
    item = assign(item, "zhou.min", PM, step, calendar=CALENDAR).aggregate
    item = record_contact(item, PM, step, calendar=CALENDAR, note="Apologised, listened").aggregate
    item = plan_action(item, "Weekly demo until launch", PM, step, calendar=CALENDAR).aggregate
    return complete_action(item, PM, step, calendar=CALENDAR).aggregate


__all__ = ["CALENDAR", "NOW", "PM", "POLICY", "Sentiment", "done_action", "received"]
