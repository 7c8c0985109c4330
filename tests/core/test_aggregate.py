"""The aggregate convention: pure commands, events as facts, rebuild equals live."""

from __future__ import annotations

import pendulum
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from clientflow import (
    Actor,
    ClientflowError,
    EventMeta,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    decide,
    rebuild,
)
from tests.core.example_workflow import EVENTS, TABLE, Ticket, TicketMoved, apply, move, open_ticket

NOW = pendulum.datetime(2026, 1, 5, 9)
ALICE, BOB = Actor("alice"), Actor("bob")


def opened() -> Ticket:
    return open_ticket("T-1", "Login fails", ALICE, NOW, NOW.add(hours=4)).aggregate


def test_command_returns_new_aggregate_and_events_without_touching_the_input() -> None:
    """A command never mutates; it returns the next state and what happened."""
    ticket = opened()
    decision = move(ticket, "start", BOB, NOW.add(minutes=5))
    assert (ticket.status, ticket.version) == ("open", 1)
    assert (decision.aggregate.status, decision.aggregate.version) == ("working", 2)
    assert [type(e).__name__ for e in decision.events] == ["TicketMoved"]
    assert decision.aggregate.next_deadline is None


def test_rebuild_from_history_equals_the_live_aggregate() -> None:
    """Folding the stored events gives back exactly the aggregate the commands built."""
    first = open_ticket("T-1", "Login fails", ALICE, NOW, NOW.add(hours=4))
    second = move(first.aggregate, "start", BOB, NOW.add(minutes=5))
    third = move(second.aggregate, "finish", BOB, NOW.add(hours=1))
    history = [*first.events, *second.events, *third.events]
    stored = [EVENTS.decode(*EVENTS.encode(event)) for event in history]
    assert rebuild(apply, stored) == third.aggregate


def test_not_allowed_transition_names_state_and_allowed_events() -> None:
    """Finishing an unstarted ticket says where it is and what it may do."""
    with pytest.raises(TransitionNotAllowed) as caught:
        move(opened(), "finish", BOB, NOW)
    assert caught.value.state == "open"
    assert caught.value.allowed == ("cancel", "start")


def test_permission_rule_is_named() -> None:
    """The reporter may not close their own ticket."""
    started = move(opened(), "start", BOB, NOW).aggregate
    with pytest.raises(PermissionDenied, match="is not the reporter"):
        move(started, "finish", ALICE, NOW)


def test_events_must_continue_the_stream() -> None:
    """An event with the wrong version or aggregate cannot be applied."""
    ticket = opened()
    stale = TicketMoved(meta=EventMeta("T-1", 1, NOW, "bob"), transition="start")
    with pytest.raises(ValidationError, match="version 2"):
        decide(apply, ticket, stale)
    foreign = TicketMoved(meta=EventMeta("T-2", 2, NOW, "bob"), transition="start")
    with pytest.raises(ValidationError):
        decide(apply, ticket, foreign)


def test_rebuild_refuses_gaps_and_empty_histories() -> None:
    """A history with a hole is corrupt, not silently skipped."""
    first = open_ticket("T-1", "x", ALICE, NOW, NOW).events
    gap = TicketMoved(meta=EventMeta("T-1", 3, NOW, "bob"), transition="start")
    with pytest.raises(ValidationError, match="version 2"):
        rebuild(apply, [*first, gap])
    with pytest.raises(ValidationError, match="at least one event"):
        rebuild(apply, [])


class TicketLifecycle(RuleBasedStateMachine):
    """Random commands from random actors keep every invariant of the convention."""

    def __init__(self) -> None:
        super().__init__()
        self.ticket = opened()
        self.history = list(open_ticket("T-1", "Login fails", ALICE, NOW, NOW.add(hours=4)).events)
        self.now = NOW

    @rule(transition=st.sampled_from(TABLE.events), actor=st.sampled_from([ALICE, BOB]))
    def command(self, transition: str, actor: Actor) -> None:
        self.now = self.now.add(minutes=1)
        before = self.ticket
        try:
            decision = move(self.ticket, transition, actor, self.now)
        except ClientflowError:
            assert self.ticket == before
            return
        assert decision.aggregate.version == before.version + len(decision.events)
        self.ticket = decision.aggregate
        self.history.extend(decision.events)

    @invariant()
    def rebuild_matches_live(self) -> None:
        assert rebuild(apply, self.history) == self.ticket

    @invariant()
    def status_is_a_declared_state(self) -> None:
        assert self.ticket.status in TABLE.states


TestTicketLifecycle = TicketLifecycle.TestCase
