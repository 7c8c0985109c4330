"""A Shanghai calendar, the default risk policy and the people of the risk tests."""

from __future__ import annotations

import pendulum

from clientflow import Actor, BusinessCalendar, WorkingHours
from clientflow.core import Money
from clientflow.risks import Risk, RiskPolicy, assess, identify

CALENDAR = BusinessCalendar(
    "Asia/Shanghai", WorkingHours.weekdays("09:00-12:00", "13:00-18:00"), country="CN"
)
POLICY = RiskPolicy()
PM = Actor("li.wei", {"pm"})
SPONSOR = Actor("wang.fang", {"sponsor"})
MONDAY = pendulum.datetime(2026, 9, 21, 10, tz="Asia/Shanghai")


def identified(
    risk_id: str = "RSK-1", *, owner: str = "li.wei", client_visible: bool = True
) -> Risk:
    """A vendor-delay risk on the register, not assessed yet."""
    return identify(
        risk_id,
        client="acme",
        project="migration",
        title="Vendor delivers the export late",
        owner=owner,
        category="resource",
        cause="the vendor has one DBA for our account",
        event="the data export slips",
        effect="push the cut-over past the freeze",
        client_visible=client_visible,
        policy=POLICY,
        actor=PM,
        now=MONDAY,
    ).aggregate


def assessed(probability: int = 4, impact: int = 4, risk_id: str = "RSK-1") -> Risk:
    """The risk assessed (4 x 4: critical by default), with a money exposure."""
    return assess(
        identified(risk_id),
        PM,
        MONDAY.add(hours=1),
        probability=probability,
        impact=impact,
        policy=POLICY,
        calendar=CALENDAR,
        likelihood="0.6",
        cost=Money("50000", "USD"),
        schedule_days=5,
    ).aggregate
