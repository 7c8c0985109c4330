"""A tiny workflow written the way every clientflow workflow is: the convention's proof.

States are declared once with python-statemachine; the run-time table is derived from
that; commands are pure functions returning a Decision; apply() rebuilds from events.
"""

from __future__ import annotations

from typing import ClassVar

import attrs
import pendulum
from statemachine import State, StateMachine

from clientflow import (
    Actor,
    Decision,
    DomainEvent,
    EventMeta,
    EventRegistry,
    IsNotParty,
    TransitionTable,
    ValidationError,
    decide,
    require,
)


class TicketMachine(StateMachine):
    open = State(initial=True)
    working = State()
    done = State(final=True)
    cancelled = State(final=True)

    start = open.to(working)
    finish = working.to(done)
    cancel = open.to(cancelled) | working.to(cancelled)


TABLE = TransitionTable.from_machine(TicketMachine)


@attrs.frozen(kw_only=True)
class Ticket:
    id: str
    version: int
    status: str
    title: str
    reporter: str
    next_deadline: pendulum.DateTime | None


@attrs.frozen(kw_only=True)
class TicketOpened(DomainEvent):
    event_type: ClassVar[str] = "ticket.opened"
    title: str
    respond_by: pendulum.DateTime


@attrs.frozen(kw_only=True)
class TicketMoved(DomainEvent):
    event_type: ClassVar[str] = "ticket.moved"
    transition: str


EVENTS = EventRegistry([TicketOpened, TicketMoved])


def apply(ticket: Ticket | None, event: DomainEvent) -> Ticket:
    """Evolve: the only code that changes a Ticket."""
    if isinstance(event, TicketOpened):
        return Ticket(
            id=event.aggregate_id,
            version=event.aggregate_version,
            status=TABLE.initial,
            title=event.title,
            reporter=event.actor,
            next_deadline=event.respond_by,
        )
    assert ticket is not None
    if isinstance(event, TicketMoved):
        status = TABLE.target(ticket.status, event.transition)
        deadline = ticket.next_deadline if status == "open" else None
        return attrs.evolve(
            ticket, version=event.aggregate_version, status=status, next_deadline=deadline
        )
    raise ValidationError("event", "a ticket event", got=event)


def open_ticket(
    ticket_id: str, title: str, actor: Actor, now: pendulum.DateTime, respond_by: pendulum.DateTime
) -> Decision[Ticket]:
    if not title.strip():
        raise ValidationError("title", "a non-empty title", got=title)
    meta = EventMeta(ticket_id, 1, now, actor.id)
    return decide(apply, None, TicketOpened(meta=meta, title=title, respond_by=respond_by))


def move(ticket: Ticket, transition: str, actor: Actor, now: pendulum.DateTime) -> Decision[Ticket]:
    TABLE.target(ticket.status, transition)  # raises TransitionNotAllowed before anything
    if transition == "finish":
        require(
            IsNotParty("reporter"),
            actor,
            f"finish ticket {ticket.id}",
            {"reporter": ticket.reporter},
        )
    meta = EventMeta(ticket.id, ticket.version + 1, now, actor.id)
    return decide(apply, ticket, TicketMoved(meta=meta, transition=transition))
