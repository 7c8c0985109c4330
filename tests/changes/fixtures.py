"""A project, its calendar, its approval policy and helpers to reach each state."""

from __future__ import annotations

from decimal import Decimal

import pendulum

from clientflow import Actor, BusinessCalendar, WorkingHours
from clientflow.changes import (
    ApprovalPolicy,
    ApproverGroup,
    ChangeRequest,
    CommentRule,
    Condition,
    Impact,
    Mode,
    Money,
    Priority,
    Risk,
    Route,
    assess,
    request_approval,
    request_change,
    submit,
)

H = pendulum.duration
CALENDAR = BusinessCalendar(
    "Asia/Shanghai", WorkingHours.weekdays("09:00-12:00", "13:00-18:00"), country="CN"
)
NOW = pendulum.datetime(2026, 3, 2, 10, tz="Asia/Shanghai")  # a Monday
ANNA = Actor("anna", {"client"})  # the requester
PM1, PM2, PM3 = Actor("pm1", {"pm"}), Actor("pm2", {"pm"}), Actor("pm3", {"pm"})
SPONSOR = Actor("sp1", {"client-sponsor"})
DIRECTOR = Actor("ad1", {"account-director"})
OUTSIDER = Actor("zed")
DIRECTORY = {
    "pm": ["pm1", "pm2", "pm3"],
    "client-sponsor": ["sp1", "sp2"],
    "account-director": ["ad1"],
}
PMS = ApproverGroup("pms", roles={"pm"}, mode=Mode.QUORUM, quorum=2)
POLICY = ApprovalPolicy(
    routes=(
        Route(
            "standard",
            Condition(
                max_risk=Risk.LOW, in_scope=True, max_cost=Money(5000, "CNY"), max_schedule_days=2
            ),
        ),
        Route(
            "high-risk",
            Condition(min_risk=Risk.HIGH),
            stages=(
                (ApproverGroup("sponsor", roles={"client-sponsor"}, mode=Mode.ANY),),
                (
                    ApproverGroup(
                        "director", roles={"account-director"}, comment=CommentRule.ON_REJECT
                    ),
                ),
            ),
        ),
        Route("normal", stages=((PMS,),)),
    ),
    deadline=H(hours=16),
    escalate_to=("account-director",),
    escalation_repeat=H(hours=8),
)


def impact(
    risk: Risk = Risk.MEDIUM,
    cost: int | str = 20000,
    days: int = 5,
    in_scope: bool = False,
) -> Impact:
    return Impact(
        schedule_days=days,
        cost=Money(cost, "CNY"),
        effort_hours=Decimal(40),
        risk=risk,
        in_scope=in_scope,
        priority=Priority.SHOULD,
        milestones=("M2 Beta",),
    )


def drafted(change_id: str = "CR-1") -> ChangeRequest:
    return request_change(
        change_id,
        project="apollo",
        title="Single sign-on",
        description="Log in with the client's Azure AD",
        requester=ANNA,
        now=NOW,
    ).aggregate


def assessed(value: Impact | None = None, change_id: str = "CR-1") -> ChangeRequest:
    change = submit(drafted(change_id), ANNA, NOW.add(minutes=5)).aggregate
    return assess(change, value or impact(), PM1, NOW.add(minutes=30)).aggregate


def awaiting(
    value: Impact | None = None, policy: ApprovalPolicy = POLICY, change_id: str = "CR-1"
) -> ChangeRequest:
    return request_approval(
        assessed(value, change_id),
        policy,
        directory=DIRECTORY,
        calendar=CALENDAR,
        actor=PM1,
        now=NOW.add(hours=1),
    ).aggregate
