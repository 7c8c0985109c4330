"""The ``clientflow demo``.

Business time on real calendars, then change requests run by the engine on a SQLite
store, with an approval deadline swept over a public holiday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import partial

import pendulum

from clientflow import changes
from clientflow.core import Actor, BusinessCalendar, Codec, ManualClock, WorkingHours
from clientflow.core import Decision as _Decision
from clientflow.engine import Command, Engine
from clientflow.storage import open_store

__all__ = ["run"]

Echo = Callable[[str], None]
Decision = _Decision[changes.ChangeRequest]
Step = Callable[[changes.ChangeRequest | None, pendulum.DateTime], Decision]

_SCENARIOS: tuple[tuple[str, str, str, str, str, float], ...] = (
    # label, team, time zone, local start, what, hours of work
    ("Shanghai", "CN", "Asia/Shanghai", "2026-09-30T17:00", "8h first response", 8),
    (
        "Shanghai",
        "CN",
        "Asia/Shanghai",
        "2026-01-02T10:00",
        "4h fix (Sunday 4 Jan is a make-up day)",
        4,
    ),
    (
        "New York",
        "US",
        "America/New_York",
        "2026-03-06T15:00",
        "6h reply across the DST weekend",
        6,
    ),
    ("London", "GB", "Europe/London", "2026-12-24T16:00", "2h review over Christmas", 2),
)


def _calendar(team: str, tz: str) -> BusinessCalendar:
    if team == "CN":
        return BusinessCalendar(
            tz, WorkingHours.weekdays("09:00-12:00", "13:00-18:00"), country="CN"
        )
    if team == "US":
        return BusinessCalendar(tz, ("09:00-17:00",), country="US", subdivision="NY")
    return BusinessCalendar(tz, ("09:00-17:30",), country="GB", subdivision="ENG")


def _calendars(echo: Echo) -> BusinessCalendar:
    echo("1. Deadlines in business time on real team calendars\n")
    calendars: dict[str, BusinessCalendar] = {}
    for label, team, tz, local, what, hours in _SCENARIOS:
        calendar = calendars.setdefault(team, _calendar(team, tz))
        start = pendulum.parse(local, tz=tz)
        assert isinstance(start, pendulum.DateTime)
        due = calendar.add(start, pendulum.duration(hours=hours)).in_timezone(tz)
        echo(f"{label:<9} {what}")
        echo(f"          asked {start.format('ddd YYYY-MM-DD HH:mm zz')}")
        wall = (due - start).in_words()
        echo(f"          due   {due.format('ddd YYYY-MM-DD HH:mm zz')}  ({wall} on the wall clock)")
    shanghai = calendars["CN"]
    october = [dt.date(2026, 10, day) for day in range(1, 12)]
    closed = [day.strftime("%d") for day in october if not shanghai.is_working_day(day)]
    echo(f"\nShanghai, October 2026: no work on the {', '.join(closed)}")
    return shanghai


_POLICY = changes.ApprovalPolicy(
    routes=(
        changes.Route("standard", changes.Condition(max_risk=changes.Risk.LOW, in_scope=True)),
        changes.Route(
            "high-risk",
            stages=(
                (
                    changes.ApproverGroup(
                        "sponsor", roles={"client-sponsor"}, mode=changes.Mode.ANY
                    ),
                ),
                (changes.ApproverGroup("director", roles={"account-director"}),),
            ),
        ),
    ),
    deadline=pendulum.duration(hours=8),
    escalate_to=("account-director",),
)
_PEOPLE = {"client-sponsor": ["grace"], "account-director": ["wang.fang"]}
_ANNA, _LI = Actor("anna", {"client"}), Actor("li.wei", {"pm"})
_REQUESTS = (
    ("CR-1", "Fix a typo on the login page", changes.Risk.LOW, True, 0),
    ("CR-2", "Single sign-on with Azure AD", changes.Risk.HIGH, False, 5),
)


def _request(
    engine: Engine, team: BusinessCalendar, change_id: str, title: str, impact: changes.Impact
) -> changes.ChangeRequest:
    """Draft, submit, assess and route one change, ten minutes apart."""

    def draft(_: changes.ChangeRequest | None, now: pendulum.DateTime) -> Decision:
        return changes.request_change(
            change_id, project="portal", title=title, description="", requester=_ANNA, now=now
        )

    def route(change: changes.ChangeRequest | None, now: pendulum.DateTime) -> Decision:
        assert change is not None
        return changes.request_approval(
            change, _POLICY, directory=_PEOPLE, calendar=team, actor=_LI, now=now
        )

    steps: list[Step] = [
        draft,
        lambda change, now: changes.submit(_existing(change), _ANNA, now),
        lambda change, now: changes.assess(_existing(change), impact, _LI, now),
        route,
    ]
    clock = engine.clock
    assert isinstance(clock, ManualClock)
    aggregate = None
    for step in steps:
        aggregate = engine.execute(Command(change_id, step)).aggregate
        clock.advance(dt.timedelta(minutes=10))
    assert isinstance(aggregate, changes.ChangeRequest)
    return aggregate


def _existing(change: changes.ChangeRequest | None) -> changes.ChangeRequest:
    assert change is not None
    return change


def _changes(echo: Echo, team: BusinessCalendar, store_url: str) -> None:
    echo(f"\n2. Change requests through the engine, stored in {store_url}\n")
    store = open_store(store_url, Codec([changes.kind(lambda change: team)]), create=True)
    start = pendulum.datetime(2026, 9, 30, 15, tz="Asia/Shanghai")
    engine = Engine(store, clock=ManualClock(start))
    for change_id, title, risk, in_scope, days in _REQUESTS:
        impact = changes.Impact(
            schedule_days=days,
            cost=changes.Money(9600 * days, "CNY"),
            effort_hours=Decimal(4 + 16 * days),
            risk=risk,
            in_scope=in_scope,
            priority=changes.Priority.SHOULD,
        )
        change = _request(engine, team, change_id, title, impact)
        echo(f"{change_id} {title}: {change.status} (route {change.route})")
    due = engine.load("CR-2").next_deadline
    assert due is not None
    local_due = due.in_timezone("Asia/Shanghai").format("ddd YYYY-MM-DD HH:mm zz")
    echo(f"CR-2 decision due {local_due}: 8 business hours, National Day week skipped")
    for hour in range(1, 10 * 24):
        at = start.add(hours=hour)
        for aggregate_id, events in engine.sweep(at).fired:
            for event in events:
                local = at.in_timezone("Asia/Shanghai").format("ddd MM-DD HH:mm")
                echo(f"  hourly sweep at {local}: {aggregate_id} {event.event_type}")
    assert isinstance(engine.clock, ManualClock)
    engine.clock.set(start.add(days=9))
    for voter in (Actor("grace", {"client-sponsor"}), Actor("wang.fang", {"account-director"})):
        engine.execute(Command("CR-2", partial(_vote, voter=voter)))
    final = engine.load("CR-2")
    assert isinstance(final, changes.ChangeRequest)
    echo(f"CR-2 after the sponsor's and the director's votes: {final.status}")
    summary = changes.impact_summary(final, timezone="America/New_York").text()
    echo("\nWhat the PM sends the client (New York):")
    echo("\n".join("  " + line for line in summary.splitlines()))
    budget = changes.Money(600_000, "CNY")
    baseline = changes.Baseline(budget, schedule_days=120, creep_threshold_percent=5)
    stored = [store.load(change_id) for change_id, *_ in _REQUESTS]
    requests = [c for c in stored if isinstance(c, changes.ChangeRequest)]
    ledger = changes.scope_ledger("portal", baseline, requests)
    echo(
        f"\nScope ledger: +{ledger.cost_delta} ({ledger.cost_percent:.1f} % of budget), "
        f"+{ledger.schedule_delta} business days; creep past 5 %: {'yes' if ledger.creep else 'no'}"
    )
    echo(f"Events in the store's feed: {len(store.feed(limit=10_000))}")
    store.close()


def _vote(
    change: changes.ChangeRequest | None, now: pendulum.DateTime, *, voter: Actor
) -> Decision:
    return changes.cast_vote(_existing(change), voter, changes.Verdict.APPROVE, now)


def run(echo: Echo, store_url: str) -> None:
    """Print the demo through ``echo``, storing its change requests at ``store_url``."""
    team = _calendars(echo)
    _changes(echo, team, store_url)
