"""A contract renewal (续约) flow, declared by a host in Python: the custom-workflow example.

A renewal opens for a client's contract with its renewal date; five working days before
that date (on the client's business calendar) the owner is reminded. The owner puts the
renewal terms up for approval; sales approves, then finance (two stages, neither may be
the person who asked); the client confirms, and the contract is renewed. A rejection or
the client declining ends it. ``docs/custom-workflows.md`` walks through it.

>>> import clientflow, pendulum
>>> from clientflow.demo import RULES_FILE
>>> ws = clientflow.open("memory://", RULES_FILE, workflows=[RENEWALS],
...                      clock=clientflow.ManualClock(pendulum.datetime(2026, 9, 1, 2)))
>>> li = clientflow.Actor("li.wei", {"pm"})
>>> renewal = ws.workflow("renewal").run(
...     "REN-1", "open", by=li, client="lotus", project="lotus-app", owner="li.wei",
...     renewal_date="2026-10-12").aggregate
>>> renewal.status, renewal.next_deadline.in_timezone("Asia/Shanghai").isoformat()
('upcoming', '2026-09-29T09:00:00+08:00')
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import attrs
import pendulum
from statemachine import State, StateMachine

from clientflow.core import (
    CLIENT_PARTY,
    Actor,
    BusinessCalendar,
    Command,
    Decision,
    Description,
    DomainEvent,
    EventMeta,
    EventRegistry,
    HasRole,
    IsNotParty,
    Parties,
    TransitionTable,
    ValidationError,
    Workflow,
    check_line,
    check_text,
    decide,
    to_utc,
)

__all__ = ["REMINDER_DAYS", "RENEWALS", "Renewal", "RenewalMachine"]

REMINDER_DAYS = 5
"""How many working days before the renewal date the owner is reminded."""


class RenewalMachine(StateMachine):
    """upcoming -> reminded -> sales review -> finance review -> client confirmation -> renewed."""

    upcoming = State(initial=True)
    reminded = State()
    sales_review = State()
    finance_review = State()
    client_confirmation = State()
    renewed = State(final=True)
    declined = State(final=True)

    remind = upcoming.to(reminded)
    request_approval = upcoming.to(sales_review) | reminded.to(sales_review)
    sales_approve = sales_review.to(finance_review)
    finance_approve = finance_review.to(client_confirmation)
    reject = sales_review.to(declined) | finance_review.to(declined)
    confirm = client_confirmation.to(renewed)
    decline = client_confirmation.to(declined)


TABLE = TransitionTable.from_machine(RenewalMachine)


@attrs.frozen(kw_only=True)
class Renewal:
    """One contract's renewal: where it stands and when the owner is reminded."""

    id: str
    version: int
    status: str
    client: str
    project: str
    owner: str
    renewal_date: dt.date
    opened_at: pendulum.DateTime
    terms: str = ""
    requested_by: str = ""
    next_deadline: pendulum.DateTime | None = None


@attrs.frozen(kw_only=True)
class RenewalOpened(DomainEvent):
    """A renewal was opened; the owner will be reminded at ``remind_at``."""

    event_type: ClassVar[str] = "renewal.opened"
    client: str
    project: str
    owner: str
    renewal_date: dt.date
    remind_at: pendulum.DateTime


@attrs.frozen(kw_only=True)
class RenewalStepped(DomainEvent):
    """The renewal moved by ``transition``; ``note`` is what was said (terms, reasons)."""

    event_type: ClassVar[str] = "renewal.stepped"
    transition: str
    note: str = ""
    notify: tuple[str, ...] = ()


EVENTS = EventRegistry([RenewalOpened, RenewalStepped])


def apply(renewal: Renewal | None, event: DomainEvent) -> Renewal:
    """Evolve a renewal by one event: the only code that changes one."""
    if isinstance(event, RenewalOpened):
        return Renewal(
            id=event.aggregate_id,
            version=event.aggregate_version,
            status=TABLE.initial,
            client=event.client,
            project=event.project,
            owner=event.owner,
            renewal_date=event.renewal_date,
            opened_at=event.occurred_at,
            next_deadline=event.remind_at,
        )
    if renewal is None or not isinstance(event, RenewalStepped):
        raise ValidationError("event", "a renewal event after its opening", got=event)
    requested = event.transition == "request_approval"
    return attrs.evolve(
        renewal,
        version=event.aggregate_version,
        status=TABLE.target(renewal.status, event.transition),
        terms=event.note if requested else renewal.terms,
        requested_by=event.actor if requested else renewal.requested_by,
        next_deadline=None,
    )


def reminder_at(renewal_date: dt.date, calendar: BusinessCalendar) -> pendulum.DateTime:
    """The start of the working day :data:`REMINDER_DAYS` working days before the date."""
    return calendar.first_working_time(calendar.add_working_days(renewal_date, -REMINDER_DAYS))


def open_renewal(
    renewal_id: str,
    *,
    client: str,
    project: str,
    owner: str,
    renewal_date: dt.date,
    actor: Actor,
    now: pendulum.DateTime,
    calendar: BusinessCalendar,
) -> Decision[Renewal]:
    """Open a contract's renewal; the owner is reminded five working days before the date."""
    for field, value in (("client", client), ("project", project), ("owner", owner)):
        check_line(value, field)
    at = to_utc(now, "now")
    if renewal_date <= at.date():
        raise ValidationError("renewal_date", "a date after today", got=renewal_date)
    meta = EventMeta(renewal_id, 1, at, actor.id)
    opened = RenewalOpened(
        meta=meta,
        client=client,
        project=project,
        owner=owner,
        renewal_date=renewal_date,
        remind_at=max(reminder_at(renewal_date, calendar), at),
    )
    return decide(apply, None, opened)


def _step(
    renewal: Renewal, transition: str, actor: Actor, now: pendulum.DateTime, note: str = ""
) -> Decision[Renewal]:
    TABLE.target(renewal.status, transition)
    meta = EventMeta(renewal.id, renewal.version + 1, to_utc(now, "now"), actor.id)
    return decide(apply, renewal, RenewalStepped(meta=meta, transition=transition, note=note))


def request_approval(
    renewal: Renewal, *, terms: str, actor: Actor, now: pendulum.DateTime
) -> Decision[Renewal]:
    """Put the renewal terms (price, period) up for sales and finance approval."""
    return _step(renewal, "request_approval", actor, now, check_text(terms, "terms"))


def approve_sales(renewal: Renewal, *, actor: Actor, now: pendulum.DateTime) -> Decision[Renewal]:
    """Sales approves the terms (the first stage)."""
    return _step(renewal, "sales_approve", actor, now)


def approve_finance(renewal: Renewal, *, actor: Actor, now: pendulum.DateTime) -> Decision[Renewal]:
    """Finance approves the terms (the second stage); the client is asked to confirm."""
    return _step(renewal, "finance_approve", actor, now)


def reject(
    renewal: Renewal, *, reason: str, actor: Actor, now: pendulum.DateTime
) -> Decision[Renewal]:
    """An approver turns the terms down: the renewal ends."""
    return _step(renewal, "reject", actor, now, check_text(reason, "reason"))


def confirm(renewal: Renewal, *, actor: Actor, now: pendulum.DateTime) -> Decision[Renewal]:
    """The client confirms the renewal: the contract is renewed."""
    return _step(renewal, "confirm", actor, now)


def decline(
    renewal: Renewal, *, reason: str, actor: Actor, now: pendulum.DateTime
) -> Decision[Renewal]:
    """The client declines the renewal."""
    return _step(renewal, "decline", actor, now, check_text(reason, "reason", required=False))


def remind(renewal: Renewal, *, now: pendulum.DateTime) -> Decision[Renewal]:
    """The timer: the reminder date came with no approval asked yet; tell the owner."""
    if renewal.status != "upcoming":
        return Decision(attrs.evolve(renewal, next_deadline=None), ())
    meta = EventMeta(renewal.id, renewal.version + 1, to_utc(now, "now"), "system")
    stepped = RenewalStepped(meta=meta, transition="remind", notify=(renewal.owner,))
    return decide(apply, renewal, stepped)


def describe(renewal: Renewal) -> Description:
    """What the read side indexes about a renewal (its client picks the calendar)."""
    return Description(
        client=renewal.client,
        project=renewal.project,
        owner=renewal.owner,
        opened_at=renewal.opened_at,
        closed=renewal.status in TABLE.final,
    )


def parties(renewal: Renewal) -> Parties:
    """The named parties the commands' permission rules see."""
    return {
        "owner": renewal.owner,
        "requester": renewal.requested_by,
        CLIENT_PARTY: renewal.client,
    }


_NOT_REQUESTER = IsNotParty("requester")

RENEWALS: Workflow[Renewal] = Workflow(
    "renewal",
    "renewal",
    Renewal,
    RenewalMachine,
    EVENTS,
    apply,
    (
        Command("open", open_renewal, creates=True, needs=("calendar",), permission=None),
        Command(
            "request_approval",
            request_approval,
            ("request_approval",),
            permission=HasRole("pm") | HasRole("sales"),
        ),
        Command(
            "approve_sales",
            approve_sales,
            ("sales_approve",),
            permission=HasRole("sales") & _NOT_REQUESTER,
        ),
        Command(
            "approve_finance",
            approve_finance,
            ("finance_approve",),
            permission=HasRole("finance") & _NOT_REQUESTER,
        ),
        Command(
            "reject",
            reject,
            ("reject",),
            permission=(HasRole("sales") | HasRole("finance")) & _NOT_REQUESTER,
        ),
        Command("confirm", confirm, ("confirm",), permission=HasRole("client")),
        Command("decline", decline, ("decline",), permission=HasRole("client")),
    ),
    describe=describe,
    timer=remind,
    parties=parties,
)
"""The renewal workflow: ``clientflow.open(url, rules, workflows=[RENEWALS])``."""
