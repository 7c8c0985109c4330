"""clientflow: client-management workflows for project teams, as pure typed rules.

Everything public is re-exported here; modules below are internal and may move.

>>> import clientflow, pendulum
>>> cal = clientflow.BusinessCalendar("Europe/London", country="GB", subdivision="ENG")
>>> friday = pendulum.datetime(2026, 12, 24, 16, tz="Europe/London")
>>> cal.add(friday, pendulum.duration(hours=2)).in_timezone("Europe/London")
DateTime(2026, 12, 29, 10, 0, 0, tzinfo=Timezone('Europe/London'))
"""

from clientflow.core import (
    SYSTEM,
    Actor,
    Aggregate,
    AllOf,
    AnyOf,
    Anyone,
    Apply,
    BusinessCalendar,
    ClientflowError,
    Clock,
    ConcurrencyError,
    ConfigError,
    ConfigProblem,
    Decision,
    DomainEvent,
    EventMeta,
    EventRegistry,
    HasRole,
    IsActor,
    IsNotParty,
    IsParty,
    ManualClock,
    NotFound,
    Parties,
    PermissionDenied,
    Rule,
    Shift,
    SystemClock,
    TransitionNotAllowed,
    TransitionTable,
    ValidationError,
    WorkingHours,
    decide,
    parse_instant,
    rebuild,
    require,
    to_utc,
)

__all__ = [
    "SYSTEM",
    "Actor",
    "Aggregate",
    "AllOf",
    "AnyOf",
    "Anyone",
    "Apply",
    "BusinessCalendar",
    "ClientflowError",
    "Clock",
    "ConcurrencyError",
    "ConfigError",
    "ConfigProblem",
    "Decision",
    "DomainEvent",
    "EventMeta",
    "EventRegistry",
    "HasRole",
    "IsActor",
    "IsNotParty",
    "IsParty",
    "ManualClock",
    "NotFound",
    "Parties",
    "PermissionDenied",
    "Rule",
    "Shift",
    "SystemClock",
    "TransitionNotAllowed",
    "TransitionTable",
    "ValidationError",
    "WorkingHours",
    "__version__",
    "decide",
    "parse_instant",
    "rebuild",
    "require",
    "to_utc",
]

__version__ = "0.1.0"
