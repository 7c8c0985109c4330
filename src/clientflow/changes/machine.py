"""The change-request state machine: declared once here, and nowhere else.

Every other module reads the transitions through :data:`TABLE`, derived from this
declaration when the module is imported; the engine of python-statemachine is never run
per command (see :mod:`clientflow.core.transitions`).
"""

from __future__ import annotations

from statemachine import State, StateMachine

from clientflow.core import TransitionTable

__all__ = ["OPEN_STATES", "TABLE", "ChangeRequestMachine"]


class ChangeRequestMachine(StateMachine):
    """draft -> submitted -> assessed -> awaiting approval -> approved -> implemented -> closed.

    Side exits: rejected; deferred to a later release (resubmittable); sent back for
    re-assessment (a new approval round follows); withdrawn from any open state; a
    standard change is approved automatically from assessed.
    """

    draft = State(initial=True)
    submitted = State()
    assessed = State()
    awaiting_approval = State()
    approved = State()
    deferred = State()
    implemented = State()
    rejected = State(final=True)
    closed = State(final=True)
    withdrawn = State(final=True)

    submit = draft.to(submitted) | deferred.to(submitted)
    assess = submitted.to(assessed) | assessed.to(assessed)
    request_approval = assessed.to(awaiting_approval)
    auto_approve = assessed.to(approved)
    approve = awaiting_approval.to(approved)
    reject = awaiting_approval.to(rejected)
    send_back = awaiting_approval.to(submitted)
    defer = submitted.to(deferred) | assessed.to(deferred) | awaiting_approval.to(deferred)
    implement = approved.to(implemented)
    close = implemented.to(closed)
    withdraw = (
        draft.to(withdrawn)
        | submitted.to(withdrawn)
        | assessed.to(withdrawn)
        | awaiting_approval.to(withdrawn)
        | deferred.to(withdrawn)
        | approved.to(withdrawn)
    )
    vote = awaiting_approval.to(awaiting_approval)
    escalate = awaiting_approval.to(awaiting_approval)


TABLE = TransitionTable.from_machine(ChangeRequestMachine)
"""The run-time transition table of :class:`ChangeRequestMachine`."""

OPEN_STATES = frozenset(state for state in TABLE.states if TABLE.can(state, "withdraw"))
"""States from which a change can still be withdrawn."""
