"""Communication cadence: plans, recurrence rules, touchpoints and the alerts they raise.

A plan per client and project holds recurring items (status reports, meetings,
check-ins, holiday greetings) with RFC 5545 rules in the client's time zone; touchpoints
satisfy occurrences; the rules report what is due, overdue, silent or owed a reply. See
``docs/cadence.md``.
"""

from clientflow.cadence.commands import (
    COMMANDS,
    add_item,
    archive,
    create_plan,
    fire_alerts,
    next_deadline,
    record_touchpoint,
    remove_item,
    touchpoint_from,
)
from clientflow.cadence.events import (
    EVENTS,
    ItemAdded,
    ItemRemoved,
    OccurrenceDue,
    OccurrenceOverdue,
    PlanArchived,
    PlanCreated,
    ReplyOwed,
    SilenceDetected,
    TouchpointRecorded,
    apply,
)
from clientflow.cadence.exports import (
    STATUS_WORDS,
    AgendaEntry,
    agenda,
    monthly_agenda,
    to_ical,
    weekly_report,
)
from clientflow.cadence.greetings import greeting_text, holiday_greetings
from clientflow.cadence.kind import KIND_NAME, kind
from clientflow.cadence.machine import OCCURRENCE_TABLE, TABLE, OccurrenceMachine, PlanMachine
from clientflow.cadence.model import (
    Channel,
    CommunicationPlan,
    Direction,
    ItemKind,
    NonWorkingDay,
    PlanItem,
    Touchpoint,
)
from clientflow.cadence.policy import Occurrence, PlanPermissions, Schedule

__all__ = [
    "COMMANDS",
    "EVENTS",
    "KIND_NAME",
    "OCCURRENCE_TABLE",
    "STATUS_WORDS",
    "TABLE",
    "AgendaEntry",
    "Channel",
    "CommunicationPlan",
    "Direction",
    "ItemAdded",
    "ItemKind",
    "ItemRemoved",
    "NonWorkingDay",
    "Occurrence",
    "OccurrenceDue",
    "OccurrenceMachine",
    "OccurrenceOverdue",
    "PlanArchived",
    "PlanCreated",
    "PlanItem",
    "PlanMachine",
    "PlanPermissions",
    "ReplyOwed",
    "Schedule",
    "SilenceDetected",
    "Touchpoint",
    "TouchpointRecorded",
    "add_item",
    "agenda",
    "apply",
    "archive",
    "create_plan",
    "fire_alerts",
    "greeting_text",
    "holiday_greetings",
    "kind",
    "monthly_agenda",
    "next_deadline",
    "record_touchpoint",
    "remove_item",
    "to_ical",
    "touchpoint_from",
    "weekly_report",
]
