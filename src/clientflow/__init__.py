"""clientflow: client-management workflows for project teams, as pure typed rules.

Everything public is re-exported here; modules below are internal and may move.

>>> import clientflow, pendulum
>>> cal = clientflow.BusinessCalendar("Europe/London", country="GB", subdivision="ENG")
>>> friday = pendulum.datetime(2026, 12, 24, 16, tz="Europe/London")
>>> cal.add(friday, pendulum.duration(hours=2)).in_timezone("Europe/London")
DateTime(2026, 12, 29, 10, 0, 0, tzinfo=Timezone('Europe/London'))
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from clientflow.core import (
    SYSTEM,
    Actor,
    Aggregate,
    AllOf,
    AlreadyExists,
    AnyOf,
    Anyone,
    Apply,
    BusinessCalendar,
    ClientflowError,
    Clock,
    Command,
    ConcurrencyError,
    ConfigError,
    ConfigProblem,
    CorruptData,
    Decision,
    Description,
    DomainEvent,
    DuplicateCommand,
    EventMeta,
    EventRegistry,
    HasRole,
    IsActor,
    IsNotParty,
    IsParty,
    ManualClock,
    NotFound,
    OnTeam,
    Parties,
    PermissionDenied,
    Rule,
    Shift,
    StoreError,
    StoreMissing,
    SystemClock,
    TransactionConflict,
    TransitionNotAllowed,
    TransitionTable,
    ValidationError,
    Workflow,
    WorkingDays,
    WorkingHours,
    decide,
    json_form,
    parse_instant,
    rebuild,
    require,
    to_json,
    to_utc,
)

# A library stays quiet unless the host configures logging (the "clientflow" logger,
# with "clientflow.engine" and the stores below it).
logging.getLogger("clientflow").addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from clientflow.ports import Notifier, Store
    from clientflow.workspace import DeliverySettings, RulesSource, Workspace

__all__ = [
    "SYSTEM",
    "Actor",
    "Aggregate",
    "AllOf",
    "AlreadyExists",
    "AnyOf",
    "Anyone",
    "Apply",
    "BusinessCalendar",
    "ClientflowError",
    "Clock",
    "Command",
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
    "ManualClock",
    "NotFound",
    "OnTeam",
    "Parties",
    "PermissionDenied",
    "Rule",
    "Shift",
    "StoreError",
    "StoreMissing",
    "SystemClock",
    "TransactionConflict",
    "TransitionNotAllowed",
    "TransitionTable",
    "ValidationError",
    "Workflow",
    "WorkingDays",
    "WorkingHours",
    "Workspace",
    "__version__",
    "decide",
    "json_form",
    "open",
    "parse_instant",
    "rebuild",
    "require",
    "to_json",
    "to_utc",
]

__version__ = "0.1.0"


# The documented front door: the name shadows the builtin only inside this module.
def open(
    url: str | Store,
    rules: RulesSource | None = None,
    *,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    apply: bool = False,
    delivery: DeliverySettings | None = None,
    workflows: Sequence[Workflow[Any]] = (),
) -> Workspace:
    """Open the store at ``url`` (or a store the host built) as a workspace.

    ``rules`` (a :class:`~clientflow.config.Rules`, a TOML path or a dict) are required
    for a new store and recorded in it; an existing store runs under the rules it
    recorded, and other rules are refused (naming the sections that differ) unless
    ``apply=True`` makes them its new revision. ``delivery`` sets how events reach the
    ``notifier`` (retries, parking, the cursor's lease; see
    :class:`~clientflow.workspace.DeliverySettings`). ``workflows`` are a host's own
    :class:`~clientflow.core.Workflow` declarations, run beside the built-in ones
    (``ws.workflow(name)``; see ``docs/custom-workflows.md``).

    >>> import clientflow
    >>> from clientflow.demo import RULES_FILE
    >>> with clientflow.open("memory://", RULES_FILE) as ws:
    ...     ws.revision.number
    1
    """
    from clientflow.workspace import open_workspace  # noqa: PLC0415 - keeps the core import light

    return open_workspace(
        url,
        rules,
        clock=clock,
        notifier=notifier,
        apply=apply,
        delivery=delivery,
        workflows=workflows,
    )


def __getattr__(name: str) -> object:
    """``clientflow.Workspace``, imported when first asked for (keeps ``import clientflow``
    light: the workspace pulls in every workflow, the config and the reports)."""  # noqa: D205, D209
    if name == "Workspace":
        from clientflow.workspace import Workspace  # noqa: PLC0415

        return Workspace
    raise AttributeError(f"module 'clientflow' has no attribute {name!r}")
