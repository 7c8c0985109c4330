"""The life cycle of one scheduled communication, declared once here.

An occurrence is *due* at its time; a matching outbound touchpoint within its window
*satisfies* it; after its grace period it is *overdue*; a touchpoint before the next
occurrence still satisfies it *late*; otherwise it is *missed*.
"""

from __future__ import annotations

from statemachine import State, StateMachine

from clientflow.core import TransitionTable

__all__ = ["OCCURRENCE_TABLE", "TABLE", "OccurrenceMachine", "PlanMachine"]


class OccurrenceMachine(StateMachine):
    """due -> satisfied, or due -> overdue -> satisfied late / missed."""

    due = State(initial=True)
    overdue = State()
    satisfied = State(final=True)
    satisfied_late = State(final=True)
    missed = State(final=True)

    satisfy = due.to(satisfied)
    lapse = due.to(overdue)
    satisfy_late = overdue.to(satisfied_late)
    miss = overdue.to(missed)


OCCURRENCE_TABLE = TransitionTable.from_machine(OccurrenceMachine)
"""The run-time transition table of :class:`OccurrenceMachine`."""


class PlanMachine(StateMachine):
    """A plan is active (items, touchpoints and alerts change it) until archived."""

    active = State(initial=True)
    archived = State(final=True)

    change = active.to(active)
    archive = active.to(archived)


TABLE = TransitionTable.from_machine(PlanMachine)
"""The run-time transition table of :class:`PlanMachine`."""
