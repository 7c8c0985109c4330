"""The run-time transition table is exactly the python-statemachine declaration."""

from __future__ import annotations

import pytest
from statemachine import State, StateMachine

from clientflow import TransitionNotAllowed, TransitionTable, ValidationError
from tests.core.example_workflow import TABLE, TicketMachine


def test_table_matches_every_declared_transition() -> None:
    """Every (state, event) pair the library knows leads where the library says."""
    expected = {
        (source.id, event.id): transition.target.id
        for source in TicketMachine.states
        for transition in source.transitions
        for event in transition.events
    }
    assert {(s, e): t for s, e, t in TABLE.transitions()} == expected


def test_table_agrees_with_the_library_engine_on_every_pair() -> None:
    """For every state and event, the table and a live machine agree (allowed or not)."""
    for state in TABLE.states:
        for event in TABLE.events:
            machine = TicketMachine(start_value=state)
            allowed = event in {e.id for e in machine.allowed_events}
            assert TABLE.can(state, event) == allowed, (state, event)
            if allowed:
                machine.send(event)
                assert machine.current_state_value == TABLE.target(state, event)
            else:
                with pytest.raises(TransitionNotAllowed):
                    TABLE.target(state, event)


def test_initial_final_and_allowed() -> None:
    """Initial and final states and the allowed events come from the declaration."""
    assert TABLE.initial == "open"
    assert TABLE.final == {"done", "cancelled"}
    assert TABLE.allowed("working") == ("cancel", "finish")
    assert TABLE.allowed("done") == ()


def test_unknown_state_is_a_validation_error() -> None:
    """Asking about a state the machine does not have names the states it has."""
    with pytest.raises(ValidationError, match="open, working, done, cancelled"):
        TABLE.allowed("archived")


def test_guards_are_refused() -> None:
    """Data-dependent guards belong in policy code, not in the declaration."""

    class Guarded(StateMachine):
        a = State(initial=True)
        b = State(final=True)
        go = a.to(b, cond="ready")

        def ready(self) -> bool:
            return True

    with pytest.raises(ValidationError, match="without guards"):
        TransitionTable.from_machine(Guarded)


def test_mermaid_diagram_lists_every_transition() -> None:
    """The diagram is generated from the same declaration."""
    diagram = TABLE.mermaid()
    assert diagram.startswith("stateDiagram-v2")
    for source, event, target in TABLE.transitions():
        label = event.replace("_", " ").capitalize()  # python-statemachine's event label
        assert f"{source} --> {target} : {label}" in diagram
    assert "done --> [*]" in diagram
