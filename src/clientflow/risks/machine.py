"""The risk state machine, declared once here; read through :data:`TABLE`.

identified -> assessed -> response_planned -> monitoring, then triggered (an issue is
opened) or closed. Re-assessing keeps the state, except that a closed risk re-assessed
is open again (``assessed``). Reviews, completed actions and the sweep's alerts keep the
state; so does planning again while monitoring.
"""

from __future__ import annotations

from statemachine import State, StateMachine

from clientflow.core import TransitionTable

__all__ = ["OPEN_STATES", "TABLE", "RiskMachine"]


class RiskMachine(StateMachine):
    """identified -> assessed -> response_planned -> monitoring -> triggered / closed."""

    identified = State(initial=True)
    assessed = State()
    response_planned = State()
    monitoring = State()
    triggered = State()
    closed = State()

    assess = (
        identified.to(assessed)
        | assessed.to(assessed)
        | response_planned.to(response_planned)
        | monitoring.to(monitoring)
        | triggered.to(triggered)
        | closed.to(assessed)
    )
    plan = (
        assessed.to(response_planned)
        | response_planned.to(response_planned)
        | monitoring.to(monitoring)
        | triggered.to(triggered)
    )
    monitor = response_planned.to(monitoring)
    review = (
        assessed.to(assessed)
        | response_planned.to(response_planned)
        | monitoring.to(monitoring)
        | triggered.to(triggered)
    )
    complete_action = (
        response_planned.to(response_planned) | monitoring.to(monitoring) | triggered.to(triggered)
    )
    trigger = (
        identified.to(triggered)
        | assessed.to(triggered)
        | response_planned.to(triggered)
        | monitoring.to(triggered)
    )
    close = (
        identified.to(closed)
        | assessed.to(closed)
        | response_planned.to(closed)
        | monitoring.to(closed)
        | triggered.to(closed)
    )
    alert = (
        assessed.to(assessed)
        | response_planned.to(response_planned)
        | monitoring.to(monitoring)
        | triggered.to(triggered)
    )


TABLE = TransitionTable.from_machine(RiskMachine)
"""The run-time transition table of :class:`RiskMachine`."""

OPEN_STATES = frozenset(TABLE.states) - {"closed"}
"""States in which a risk is on the open register."""
