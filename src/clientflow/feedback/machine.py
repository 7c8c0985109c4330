"""The feedback follow-up state machine, declared once here.

Positive feedback is thanked and closed; neutral and negative feedback goes through a
follow-up loop that closes only when the client confirms. Read through :data:`TABLE`.
"""

from __future__ import annotations

from statemachine import State, StateMachine

from clientflow.core import TransitionTable

__all__ = ["FOLLOW_UP_STATES", "SURVEY_TABLE", "TABLE", "FeedbackMachine", "SurveyMachine"]


class FeedbackMachine(StateMachine):
    """received -> triaged -> thanked -> closed, or a follow-up to the client's confirmation."""

    received = State(initial=True)
    triaged = State()
    thanked = State()
    follow_up_assigned = State()
    client_contacted = State()
    action_planned = State()
    action_done = State()
    client_confirmed = State()
    closed = State(final=True)

    triage = received.to(triaged)
    thank = triaged.to(thanked)
    assign = triaged.to(follow_up_assigned)
    contact = follow_up_assigned.to(client_contacted)
    plan = client_contacted.to(action_planned)
    complete = action_planned.to(action_done)
    confirm = action_done.to(client_confirmed)
    reopen = action_done.to(client_contacted) | client_confirmed.to(client_contacted)
    close = thanked.to(closed) | client_confirmed.to(closed)
    escalate = (
        received.to(received)
        | triaged.to(triaged)
        | thanked.to(thanked)
        | follow_up_assigned.to(follow_up_assigned)
        | client_contacted.to(client_contacted)
        | action_planned.to(action_planned)
        | action_done.to(action_done)
        | client_confirmed.to(client_confirmed)
    )


TABLE = TransitionTable.from_machine(FeedbackMachine)
"""The run-time transition table of :class:`FeedbackMachine`."""

FOLLOW_UP_STATES = frozenset(
    {"follow_up_assigned", "client_contacted", "action_planned", "action_done", "client_confirmed"}
)
"""States in which a follow-up with the client is open."""


class SurveyMachine(StateMachine):
    """One survey: requested -> sent (or deferred, or dropped) -> answered or expired.

    Reminders keep it ``sent``; they never count against the contact's survey limit.
    """

    requested = State(initial=True)
    deferred = State()
    sent = State()
    answered = State(final=True)
    expired = State(final=True)
    dropped = State(final=True)

    defer = requested.to(deferred) | deferred.to(deferred)
    send = requested.to(sent) | deferred.to(sent)
    drop = requested.to(dropped) | deferred.to(dropped)
    remind = sent.to(sent)
    answer = sent.to(answered)
    expire = sent.to(expired)


SURVEY_TABLE = TransitionTable.from_machine(SurveyMachine)
"""The run-time transition table of :class:`SurveyMachine`."""
