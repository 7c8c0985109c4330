"""A Shanghai team, a New York client, and their communication plan."""

from __future__ import annotations

import datetime as dt

import pendulum

from clientflow import Actor, BusinessCalendar, WorkingHours
from clientflow.cadence import (
    Channel,
    CommunicationPlan,
    ItemKind,
    PlanItem,
    Schedule,
    create_plan,
)

NEW_YORK = BusinessCalendar("America/New_York", ("09:00-17:30",), country="US", subdivision="NY")
SHANGHAI = BusinessCalendar(
    "Asia/Shanghai", WorkingHours.weekdays("09:00-12:00", "13:00-18:00"), country="CN"
)
ALWAYS_NY = BusinessCalendar("America/New_York", WorkingHours.always())
NY_SCHEDULE = Schedule(NEW_YORK)
PM = Actor("li.wei", {"pm"})
WEEKLY = PlanItem(
    "weekly-report",
    ItemKind.STATUS_REPORT,
    "FREQ=WEEKLY;BYDAY=FR",
    dt.datetime(2026, 1, 2, 16, 0),
    Channel.EMAIL,
    owner="li.wei",
    audience=("anna", "grace"),
    grace=pendulum.duration(hours=4),
    title="Weekly status report",
)
STEERING = PlanItem(
    "steering",
    ItemKind.MEETING,
    "FREQ=MONTHLY;BYDAY=1TU",
    dt.datetime(2026, 1, 6, 9, 30),
    Channel.VIDEO,
    owner="li.wei",
    audience=("grace",),
    title="Monthly steering meeting",
)
START = pendulum.datetime(2026, 3, 2, 9, tz="America/New_York")


def plan(now: pendulum.DateTime = START) -> CommunicationPlan:
    return create_plan(
        "PLAN-acme",
        client="acme",
        project="portal",
        timezone="America/New_York",
        items=(WEEKLY, STEERING),
        silence_days=3,
        reply_within=pendulum.duration(hours=4),
        schedule=NY_SCHEDULE,
        actor=PM,
        now=now,
    ).aggregate
