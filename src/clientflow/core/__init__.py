"""The core every workflow stands on: errors, time, business calendars, events, actors.

Nothing here imports a workflow; workflows import only from here.
"""

from clientflow.core.actors import (
    PARTY_PREFIX,
    ROLE_PREFIX,
    SYSTEM,
    Actor,
    AllOf,
    AnyOf,
    Anyone,
    HasRole,
    IsActor,
    IsNotParty,
    IsParty,
    Parties,
    Rule,
    require,
    rule_from_names,
)
from clientflow.core.aggregate import Aggregate, Apply, Decision, decide, rebuild
from clientflow.core.calendar import BusinessCalendar
from clientflow.core.clock import Clock, ManualClock, SystemClock
from clientflow.core.edge import checked
from clientflow.core.errors import (
    AlreadyExists,
    ClientflowError,
    ConcurrencyError,
    ConfigError,
    ConfigProblem,
    CorruptData,
    DuplicateCommand,
    NotFound,
    PermissionDenied,
    StoreError,
    StoreTimeout,
    TransactionConflict,
    TransitionNotAllowed,
    ValidationError,
)
from clientflow.core.events import DomainEvent, EventMeta, EventRegistry
from clientflow.core.forms import JSONValue, iso_duration, json_form, to_json
from clientflow.core.hours import WEEKDAYS, Shift, WorkingHours
from clientflow.core.ids import ID_RULE, MAX_ID_LENGTH, check_id, check_ids, id_problem
from clientflow.core.instants import (
    FIRST_YEAR,
    LAST_YEAR,
    UTC,
    duration_micros,
    from_micros,
    parse_instant,
    to_micros,
    to_utc,
    validate_duration,
    zone,
)
from clientflow.core.kinds import Description, Timer, WorkflowKind
from clientflow.core.money import Money, decimal_of
from clientflow.core.ratings import Rating
from clientflow.core.records import Codec
from clientflow.core.spans import MAX_WORKING_DAYS, BusinessSpan, WorkingDays
from clientflow.core.text import MAX_LINE_LENGTH, MAX_TEXT_LENGTH, check_line, check_text, continued
from clientflow.core.transitions import TransitionTable

__all__ = [
    "FIRST_YEAR",
    "ID_RULE",
    "LAST_YEAR",
    "MAX_ID_LENGTH",
    "MAX_LINE_LENGTH",
    "MAX_TEXT_LENGTH",
    "MAX_WORKING_DAYS",
    "PARTY_PREFIX",
    "ROLE_PREFIX",
    "SYSTEM",
    "UTC",
    "WEEKDAYS",
    "Actor",
    "Aggregate",
    "AllOf",
    "AlreadyExists",
    "AnyOf",
    "Anyone",
    "Apply",
    "BusinessCalendar",
    "BusinessSpan",
    "ClientflowError",
    "Clock",
    "Codec",
    "ConcurrencyError",
    "ConfigError",
    "ConfigProblem",
    "CorruptData",
    "Decision",
    "Description",
    "DomainEvent",
    "DuplicateCommand",
    "EventMeta",
    "EventRegistry",
    "HasRole",
    "IsActor",
    "IsNotParty",
    "IsParty",
    "JSONValue",
    "ManualClock",
    "Money",
    "NotFound",
    "Parties",
    "PermissionDenied",
    "Rating",
    "Rule",
    "Shift",
    "StoreError",
    "StoreTimeout",
    "SystemClock",
    "Timer",
    "TransactionConflict",
    "TransitionNotAllowed",
    "TransitionTable",
    "ValidationError",
    "WorkflowKind",
    "WorkingDays",
    "WorkingHours",
    "check_id",
    "check_ids",
    "check_line",
    "check_text",
    "checked",
    "continued",
    "decide",
    "decimal_of",
    "duration_micros",
    "from_micros",
    "id_problem",
    "iso_duration",
    "json_form",
    "parse_instant",
    "rebuild",
    "require",
    "rule_from_names",
    "to_json",
    "to_micros",
    "to_utc",
    "validate_duration",
    "zone",
]
