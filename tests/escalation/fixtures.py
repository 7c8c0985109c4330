"""An SLA agreement, an escalation ladder and a calendar for issue tests."""

from __future__ import annotations

import pendulum

from clientflow import Actor, BusinessCalendar, WorkingHours
from clientflow.escalation import (
    EscalationPolicy,
    Issue,
    IssueKind,
    Level,
    PriorityTargets,
    SlaAgreement,
    SlaPolicy,
    report_issue,
)

H = pendulum.duration
CALENDAR = BusinessCalendar(
    "Asia/Shanghai", WorkingHours.weekdays("09:00-12:00", "13:00-18:00"), country="CN"
)
MONDAY = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
CLIENT = Actor("anna", {"client"}, clients={"acme"})  # one of ACME's people
OWNER = Actor("zhou.min", {"engineer"})
SLA = SlaAgreement(
    (
        SlaPolicy(
            "standard",
            (
                PriorityTargets(
                    "P1", first_response=H(hours=1), resolution=H(hours=8), next_reply=H(hours=2)
                ),
                PriorityTargets("P2", first_response=H(hours=4), resolution=H(hours=24)),
                PriorityTargets("P3", first_response=H(hours=8), resolution=H(hours=40)),
            ),
        ),
    )
)
LADDER = EscalationPolicy(
    levels=(
        Level("owner", ("zhou.min",), delay=H(hours=1)),
        Level("project manager", ("role:pm",), delay=H(hours=2), assign="li.wei"),
        Level("account director", ("role:account-director",), delay=H(hours=4)),
        Level("client sponsor", ("grace",), delay=H(hours=8)),
    ),
    on_warning=0.75,
    no_update_after=H(hours=4),
    reopen_limit=2,
    ack_timeout=H(hours=4),
)


def reported(
    priority: str = "P2",
    *,
    kind: IssueKind = IssueKind.ISSUE,
    at: pendulum.DateTime = MONDAY,
    escalation: EscalationPolicy | None = LADDER,
) -> Issue:
    return report_issue(
        "ISS-1",
        kind=kind,
        client="acme",
        project="portal",
        title="Checkout fails for EU cards",
        priority=priority,
        owner="zhou.min",
        reporter=CLIENT,
        now=at,
        sla=SLA,
        escalation=escalation,
        calendar=CALENDAR,
    ).aggregate
