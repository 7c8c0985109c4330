"""The issue state machine, declared once here; read through :data:`TABLE`."""

from __future__ import annotations

from statemachine import State, StateMachine

from clientflow.core import TransitionTable

__all__ = ["OPEN_STATES", "TABLE", "IssueMachine"]


class IssueMachine(StateMachine):
    """reported -> acknowledged -> investigating -> solution proposed -> resolved -> closed.

    Waiting on the client pauses the SLA clocks; a client's reply resumes them. A resolved
    issue can be reopened (back to investigating, counted). Timer events (SLA thresholds,
    escalation steps) and updates keep the state.
    """

    reported = State(initial=True)
    acknowledged = State()
    investigating = State()
    waiting_on_client = State()
    solution_proposed = State()
    resolved = State()
    closed = State(final=True)

    acknowledge = reported.to(acknowledged)
    investigate = acknowledged.to(investigating)
    propose = investigating.to(solution_proposed)
    reject_solution = solution_proposed.to(investigating)
    wait_on_client = (
        acknowledged.to(waiting_on_client)
        | investigating.to(waiting_on_client)
        | solution_proposed.to(waiting_on_client)
    )
    client_replied = waiting_on_client.to(investigating)
    resolve = (
        acknowledged.to(resolved)
        | investigating.to(resolved)
        | solution_proposed.to(resolved)
        | waiting_on_client.to(resolved)
    )
    reopen = resolved.to(investigating)
    close = resolved.to(closed)
    update = (
        reported.to(reported)
        | acknowledged.to(acknowledged)
        | investigating.to(investigating)
        | waiting_on_client.to(waiting_on_client)
        | solution_proposed.to(solution_proposed)
        | resolved.to(resolved)
    )


TABLE = TransitionTable.from_machine(IssueMachine)
"""The run-time transition table of :class:`IssueMachine`."""

OPEN_STATES = frozenset(TABLE.states) - {"resolved", "closed"}
"""States in which an issue is still being worked on."""
