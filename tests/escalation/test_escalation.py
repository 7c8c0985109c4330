"""Escalation ladders: triggers, acknowledgement, repeats, de-escalation, client notices."""

from __future__ import annotations

import functools

import attrs
import pendulum
import pytest

from clientflow import Actor, PermissionDenied, ValidationError
from clientflow.core import rebuild
from clientflow.escalation import (
    EVENTS,
    IssueKind,
    Level,
    acknowledge,
    acknowledge_escalation,
    add_update,
    apply,
    digest,
    escalate,
    fire_timers,
    reopen,
    report_issue,
    resolve,
    start_investigation,
    wait_on_client,
)
from tests.escalation.fixtures import CALENDAR, CLIENT, LADDER, MONDAY, OWNER, SLA, H, reported


def sh(*parts: int) -> pendulum.DateTime:
    return pendulum.datetime(*parts, tz="Asia/Shanghai")


PM = Actor("li.wei", {"pm"})


def types(decision: object) -> list[str]:
    return [e.event_type for e in decision.events]  # type: ignore[attr-defined]


def started(priority: str = "P2", escalation: object = LADDER) -> object:
    issue = reported(priority, escalation=escalation)  # type: ignore[arg-type]
    issue = acknowledge(
        issue, OWNER, MONDAY.add(minutes=10), calendar=CALENDAR, escalation=escalation
    ).aggregate  # type: ignore[arg-type]
    return start_investigation(
        issue, OWNER, MONDAY.add(minutes=20), calendar=CALENDAR, escalation=escalation
    ).aggregate  # type: ignore[arg-type]


def test_warning_at_75_percent_escalates_and_tells_the_client() -> None:
    """The resolution clock at 75 % raises level 1 and produces a client notice."""
    quiet = attrs.evolve(LADDER, no_update_after=None)
    issue = started("P1", quiet)
    at = CALENDAR.add(MONDAY, H(hours=6))  # 75 % of 8h
    decision = fire_timers(issue, at, calendar=CALENDAR, escalation=quiet)  # type: ignore[arg-type]
    assert "issue.escalated" in types(decision)
    assert "issue.client_notified" in types(decision)
    escalated = next(e for e in decision.events if e.event_type == "issue.escalated")
    assert (escalated.level, escalated.trigger, escalated.notify) == (
        1,
        "sla warning",
        ("zhou.min",),
    )  # type: ignore[attr-defined]


def test_a_breach_after_a_warning_on_a_one_level_ladder_escalates_once() -> None:
    """A one-level ladder: the 75 % warning escalates to it; the breach that follows is
    recorded as a breach but is no second escalation (nor a second client notice), and
    on a longer ladder the breach still climbs a level."""
    one = attrs.evolve(LADDER, levels=LADDER.levels[:1], no_update_after=None)
    issue = reported("P1", escalation=one)
    at = MONDAY.add(hours=1)  # the first response is due at 10:00: warning at 9:45, breach
    decision = fire_timers(issue, at, calendar=CALENDAR, escalation=one)
    assert types(decision).count("issue.sla_threshold_reached") == 3  # 50 %, 75 %, breach
    assert types(decision).count("issue.escalated") == 1
    assert types(decision).count("issue.client_notified") == 1
    two = attrs.evolve(one, levels=LADDER.levels[:2])
    climbed = fire_timers(reported("P1", escalation=two), at, calendar=CALENDAR, escalation=two)
    levels = [e.level for e in climbed.events if e.event_type == "issue.escalated"]  # type: ignore[attr-defined]
    assert levels == [1, 2]


def test_unacknowledged_levels_pass_up_the_ladder_and_reassign() -> None:
    """No one acknowledges: after 1 business hour, level 2 notifies the PM and assigns Li Wei."""
    issue = escalate(
        started(), "Client CEO called", PM, sh(2026, 3, 2, 10), calendar=CALENDAR, escalation=LADDER
    ).aggregate  # type: ignore[arg-type]
    assert issue.escalation is not None
    assert issue.escalation.pass_at == sh(2026, 3, 2, 11)
    up = fire_timers(issue, sh(2026, 3, 2, 11), calendar=CALENDAR, escalation=LADDER)
    assert up.aggregate.escalation.level == 2  # type: ignore[union-attr]
    assert up.aggregate.owner == "li.wei"


def test_a_threshold_after_a_reassignment_in_the_same_sweep_tells_the_new_owner() -> None:
    """One late sweep: the 50 % warning raises level 2 (which assigns Li Wei), so the 75 %
    threshold that follows in the same sweep is Li Wei's to hear about."""
    warn = attrs.evolve(LADDER, on_warning=0.5, no_update_after=None)
    issue = escalate(
        started("P1", warn), "manual", PM, sh(2026, 3, 2, 10), calendar=CALENDAR, escalation=warn
    ).aggregate  # type: ignore[arg-type]
    swept = fire_timers(issue, sh(2026, 3, 2, 16), calendar=CALENDAR, escalation=warn)
    reached = [
        (e.fraction, e.notify)  # type: ignore[attr-defined]
        for e in swept.events
        if e.event_type == "issue.sla_threshold_reached"
    ]
    assert reached == [(0.5, ("zhou.min",)), (0.75, ("li.wei",))]
    assert swept.aggregate.owner == "li.wei"
    assert functools.reduce(apply, swept.events, issue) == swept.aggregate


def test_the_chain_stops_at_the_top_or_repeats_when_asked() -> None:
    """Without repeat the top level stays; with repeat=1 the chain starts over once."""
    no_quiet = attrs.evolve(LADDER, no_update_after=None, on_warning=None, on_breach=False)
    issue = escalate(
        started(escalation=no_quiet),
        "manual",
        PM,
        sh(2026, 3, 2, 10),
        calendar=CALENDAR,
        escalation=no_quiet,
    ).aggregate  # type: ignore[arg-type]
    later = fire_timers(issue, sh(2026, 3, 5, 18), calendar=CALENDAR, escalation=no_quiet).aggregate
    assert later.escalation.level == 4  # type: ignore[union-attr]
    assert later.escalation.pass_at is None  # type: ignore[union-attr]
    repeating = attrs.evolve(no_quiet, repeat=1)
    # L1 10:00, L2 11:00, L3 14:00, L4 18:00 Monday; after 8 more business hours, L1 again.
    again = fire_timers(
        issue, sh(2026, 3, 4, 9, 30), calendar=CALENDAR, escalation=repeating
    ).aggregate
    assert (again.escalation.level, again.escalation.cycles) == (1, 1)  # type: ignore[union-attr]
    assert again.escalation.since == sh(2026, 3, 3, 18)  # type: ignore[union-attr]


def test_acknowledgement_stops_the_chain_until_it_times_out() -> None:
    """Only a recipient may acknowledge; an acknowledgement not followed by resolution re-opens."""
    issue = escalate(
        started(), "manual", PM, sh(2026, 3, 2, 10), calendar=CALENDAR, escalation=LADDER
    ).aggregate  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied, match="recipient of level owner"):
        acknowledge_escalation(
            issue, Actor("stranger"), sh(2026, 3, 2, 10, 30), calendar=CALENDAR, escalation=LADDER
        )
    acked = acknowledge_escalation(
        issue, OWNER, sh(2026, 3, 2, 10, 30), calendar=CALENDAR, escalation=LADDER
    ).aggregate
    assert acked.escalation.pass_at is None  # type: ignore[union-attr]
    assert acked.escalation.ack_expires_at == sh(2026, 3, 2, 15, 30)  # type: ignore[union-attr]
    reopened = fire_timers(
        acked,
        sh(2026, 3, 2, 15, 30),
        calendar=CALENDAR,
        escalation=attrs.evolve(LADDER, no_update_after=None),
    )
    escalated = [e for e in reopened.events if e.event_type == "issue.escalated"]
    assert [e.trigger for e in escalated] == ["acknowledgement timed out"]  # type: ignore[attr-defined]
    assert reopened.aggregate.escalation.acknowledged_by is None  # type: ignore[union-attr]


def test_a_policy_edited_to_fewer_levels_keeps_escalated_issues_moving() -> None:
    """At level 3 when the ladder shrinks to one: the top level acknowledges, timers re-open."""
    issue = started()
    for hour in (10, 11, 12):
        issue = escalate(
            issue, "manual", PM, sh(2026, 3, 2, hour), calendar=CALENDAR, escalation=LADDER
        ).aggregate  # type: ignore[assignment]
    assert issue.escalation.level == 3  # type: ignore[attr-defined]
    one_level = attrs.evolve(LADDER, levels=LADDER.levels[:1])
    by_owner = acknowledge_escalation(
        issue, OWNER, sh(2026, 3, 2, 13), calendar=CALENDAR, escalation=one_level
    )  # type: ignore[arg-type]
    assert by_owner.aggregate.escalation.acknowledged_by == "zhou.min"  # type: ignore[union-attr]
    director = Actor("wang.fang", {"account-director"})
    issue = acknowledge_escalation(
        issue, director, sh(2026, 3, 2, 13), calendar=CALENDAR, escalation=LADDER
    ).aggregate  # type: ignore[assignment]
    edited = attrs.evolve(LADDER, levels=LADDER.levels[:1], no_update_after=None)
    reopened = fire_timers(issue, sh(2026, 3, 2, 17), calendar=CALENDAR, escalation=edited)  # type: ignore[arg-type]
    [event] = [e for e in reopened.events if e.event_type == "issue.escalated"]
    assert event.level == 1  # type: ignore[attr-defined]
    assert "level 3 is no longer in the policy" in event.trigger  # type: ignore[attr-defined]
    issue = reopened.aggregate
    with pytest.raises(PermissionDenied, match="recipient of level owner"):
        acknowledge_escalation(
            issue, director, sh(2026, 3, 2, 17), calendar=CALENDAR, escalation=edited
        )  # type: ignore[arg-type]
    taken = acknowledge_escalation(
        issue, OWNER, sh(2026, 3, 2, 17), calendar=CALENDAR, escalation=edited
    )  # type: ignore[arg-type]
    assert taken.aggregate.escalation.acknowledged_by == "zhou.min"  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="a level from 1 to 1"):
        edited.level(3)


def test_resolution_de_escalates_and_every_step_notifies_the_client() -> None:
    """Pause, escalation and resolution each produce a client-facing notification."""
    issue = escalate(
        started(), "manual", PM, sh(2026, 3, 2, 10), calendar=CALENDAR, escalation=LADDER
    )
    paused = wait_on_client(
        issue.aggregate, "Need logs", OWNER, sh(2026, 3, 2, 11), calendar=CALENDAR
    )  # type: ignore[arg-type]
    done = resolve(paused.aggregate, "Config fixed", OWNER, sh(2026, 3, 2, 16), calendar=CALENDAR)
    assert types(issue).count("issue.client_notified") == 1
    assert types(paused).count("issue.client_notified") == 1
    assert types(done) == ["issue.resolved", "issue.deescalated", "issue.client_notified"]
    assert done.aggregate.escalation is None
    assert done.aggregate.next_deadline is None


def test_reopened_twice_escalates() -> None:
    """The reopen limit of 2 escalates on the second reopening."""
    issue = resolve(started(), "fixed", OWNER, sh(2026, 3, 2, 11), calendar=CALENDAR).aggregate  # type: ignore[arg-type]
    once = reopen(
        issue, "back", Actor("anna"), sh(2026, 3, 2, 12), calendar=CALENDAR, escalation=LADDER
    )
    assert "issue.escalated" not in types(once)
    again = resolve(once.aggregate, "fixed", OWNER, sh(2026, 3, 2, 14), calendar=CALENDAR).aggregate
    twice = reopen(
        again, "back again", Actor("anna"), sh(2026, 3, 2, 15), calendar=CALENDAR, escalation=LADDER
    )
    assert twice.aggregate.reopened == 2
    assert "issue.escalated" in types(twice)


def test_a_complaint_escalates_when_reported() -> None:
    """Complaints go straight to level 1."""
    issue = reported(kind=IssueKind.COMPLAINT)
    assert issue.escalation is not None
    assert issue.escalation.trigger == "complaint"


def test_no_update_for_four_business_hours_escalates_once_per_silence() -> None:
    """Silence escalates once; an update re-arms the trigger."""
    issue = started()
    quiet_at = issue.quiet_at  # type: ignore[attr-defined]
    assert quiet_at == CALENDAR.add(MONDAY.add(minutes=20), H(hours=4))
    fired = fire_timers(issue, quiet_at, calendar=CALENDAR, escalation=LADDER)  # type: ignore[arg-type]
    assert [e.trigger for e in fired.events if e.event_type == "issue.escalated"] == ["no update"]  # type: ignore[attr-defined]
    assert fired.aggregate.quiet_at is None
    updated = add_update(
        fired.aggregate,
        "Root cause found",
        OWNER,
        quiet_at.add(hours=1),
        calendar=CALENDAR,
        escalation=LADDER,
    )
    assert updated.aggregate.quiet_at is not None


def test_warnings_are_batched_into_one_digest_per_recipient_per_period() -> None:
    """Three warnings in one hour for the same PM become one digest."""
    at = pendulum.datetime(2026, 3, 2, 9, 5)
    warnings = [
        (at, ("pm",), "ISS-1 at 50 %"),
        (at.add(minutes=20), ("pm", "owner"), "ISS-2 at 75 %"),
        (at.add(minutes=50), ("pm",), "ISS-3 at 50 %"),
        (at.add(hours=1), ("pm",), "ISS-4 at 50 %"),
    ]
    batches = digest(warnings, H(hours=1))
    assert [(d.recipient, len(d.items)) for d in batches] == [("owner", 1), ("pm", 3), ("pm", 1)]
    assert batches[1].period_start == pendulum.datetime(2026, 3, 2, 9)


def test_history_rebuilds_through_json() -> None:
    """Every event of an escalated, paused, resolved issue survives storage."""
    first = report_issue(
        "ISS-9",
        kind=IssueKind.COMPLAINT,
        client="acme",
        project="portal",
        title="Late",
        priority="P1",
        owner="zhou.min",
        reporter=CLIENT,
        now=MONDAY,
        sla=SLA,
        escalation=LADDER,
        calendar=CALENDAR,
    )
    events = list(first.events)
    issue = first.aggregate
    for step in (
        lambda i: acknowledge(
            i, OWNER, MONDAY.add(minutes=5), calendar=CALENDAR, escalation=LADDER
        ),
        lambda i: fire_timers(i, sh(2026, 3, 2, 12), calendar=CALENDAR, escalation=LADDER),
        lambda i: wait_on_client(i, "?", OWNER, sh(2026, 3, 2, 13), calendar=CALENDAR),
        lambda i: resolve(i, "done", OWNER, sh(2026, 3, 3, 10), calendar=CALENDAR),
    ):
        decision = step(issue)
        events += decision.events
        issue = decision.aggregate
    stored = [EVENTS.decode(*EVENTS.encode(e)) for e in events]
    assert stored == events
    assert rebuild(apply, stored) == issue


@pytest.mark.parametrize(
    ("notify", "actor", "allowed"),
    [
        (("li.wei",), Actor("li.wei"), True),
        (("li.wei",), Actor("mallory", {"li.wei"}), False),  # a role named like a person
        (("role:pm",), Actor("mallory", {"pm"}), True),
        (("role:pm",), Actor("pm"), False),  # a person named like a role
        (("li.wei", "role:pm"), Actor("zhou", {"engineer"}), False),
    ],
)
def test_people_and_roles_are_separate_recipients(
    notify: tuple[str, ...], actor: Actor, allowed: bool
) -> None:
    """An escalation is acknowledged by the people named or holders of role:<name>, only."""
    ladder = attrs.evolve(LADDER, levels=(Level("first", notify, delay=H(hours=1)),))
    issue = escalate(
        started(escalation=ladder),
        "manual",
        PM,
        sh(2026, 3, 2, 10),
        calendar=CALENDAR,
        escalation=ladder,
    ).aggregate
    if allowed:
        acknowledge_escalation(
            issue, actor, sh(2026, 3, 2, 11), calendar=CALENDAR, escalation=ladder
        )
    else:
        with pytest.raises(PermissionDenied, match="recipient of level first"):
            acknowledge_escalation(
                issue, actor, sh(2026, 3, 2, 11), calendar=CALENDAR, escalation=ladder
            )


def test_recipients_are_checked_ids() -> None:
    """A recipient with a stray space or an empty role is refused when the level is built."""
    for bad in ("li.wei ", "role:", "role: pm", ""):
        with pytest.raises(ValidationError, match="notify"):
            Level("first", (bad,), delay=H(hours=1))
