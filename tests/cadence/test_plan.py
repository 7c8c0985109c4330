"""Touchpoints satisfy occurrences; silence and unanswered messages raise alerts once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import icalendar
import pendulum
import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st

from clientflow import BusinessCalendar, ValidationError, WorkingHours
from clientflow.cadence import (
    Channel,
    CommunicationPlan,
    Direction,
    ItemKind,
    NonWorkingDay,
    PlanItem,
    Schedule,
    Touchpoint,
    add_item,
    agenda,
    archive,
    create_plan,
    fire_alerts,
    kind,
    record_touchpoint,
    to_ical,
    weekly_report,
)
from clientflow.core import Codec, rebuild
from clientflow.engine import Command, Engine
from clientflow.i18n import language
from clientflow.storage import open_store
from clientflow.storage.kinded import TypedStore
from tests.cadence.fixtures import NY_SCHEDULE, PM, START, STEERING, WEEKLY, plan

NY = "America/New_York"


def ny(*parts: int) -> pendulum.DateTime:
    return pendulum.datetime(*parts, tz=NY)


def sent(
    tp_id: str, at: pendulum.DateTime, *, kind_: ItemKind | None = ItemKind.STATUS_REPORT
) -> Touchpoint:
    return Touchpoint(
        tp_id, Direction.OUTBOUND, Channel.EMAIL, at, ("anna",), kind=kind_, summary="weekly report"
    )


def test_an_outbound_report_satisfies_the_occurrence_once() -> None:
    """Friday's report sent at 16:30 satisfies Friday 16:00; it cannot also satisfy next week."""
    current = record_touchpoint(
        plan(),
        sent("t1", ny(2026, 3, 6, 16, 30)),
        schedule=NY_SCHEDULE,
        actor=PM,
        now=ny(2026, 3, 6, 17),
    ).aggregate
    statuses = NY_SCHEDULE.statuses(current, WEEKLY, ny(2026, 3, 1), ny(2026, 3, 20, 23))
    assert [
        (o.at.in_timezone(NY).format("MM-DD"), o.status, o.touchpoint_id) for o in statuses
    ] == [
        ("03-06", "satisfied", "t1"),
        ("03-13", "missed", None),
        ("03-20", "due", None),  # grace is business time: due by Monday 11:30
    ]


def test_a_late_report_satisfies_late_and_none_by_the_next_one_is_missed() -> None:
    """Sent Monday 14:00 for Friday 16:00 (grace ended Monday 11:30): satisfied late."""
    current = record_touchpoint(
        plan(),
        sent("t1", ny(2026, 3, 9, 14)),
        schedule=NY_SCHEDULE,
        actor=PM,
        now=ny(2026, 3, 9, 15),
    ).aggregate
    statuses = NY_SCHEDULE.statuses(current, WEEKLY, ny(2026, 3, 1), ny(2026, 3, 9, 15))
    assert [(o.status, o.touchpoint_id) for o in statuses] == [("satisfied_late", "t1")]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 30 * 24), min_size=1, max_size=12, unique=True))
def test_a_touchpoint_never_satisfies_two_occurrences(hours: list[int]) -> None:
    """Whatever the touchpoints, each satisfies at most one occurrence, and each occurrence one."""
    current = plan()
    base = ny(2026, 3, 2)
    for n, offset in enumerate(sorted(hours)):
        current = record_touchpoint(
            current,
            sent(f"t{n}", base.add(hours=offset)),
            schedule=NY_SCHEDULE,
            actor=PM,
            now=base.add(hours=offset),
        ).aggregate
    statuses = NY_SCHEDULE.statuses(current, WEEKLY, base, base.add(days=31))
    used = [o.touchpoint_id for o in statuses if o.touchpoint_id is not None]
    assert len(used) == len(set(used))


def test_alerts_fire_once_each_and_next_deadline_moves_on() -> None:
    """Due, overdue, silence and reply-owed alerts are raised once, in time order."""
    current = plan()
    assert current.next_deadline == ny(2026, 3, 3, 9, 30)  # the steering meeting is due first
    current = fire_alerts(current, schedule=NY_SCHEDULE, now=ny(2026, 3, 4, 9, 59)).aggregate
    inbound = Touchpoint(
        "in-1", Direction.INBOUND, Channel.EMAIL, ny(2026, 3, 4, 10), ("anna",), summary="Question"
    )
    current = record_touchpoint(
        current, inbound, schedule=NY_SCHEDULE, actor=PM, now=ny(2026, 3, 4, 10)
    ).aggregate
    assert current.next_deadline == ny(2026, 3, 4, 14)  # reply owed within 4 business hours
    fired = fire_alerts(current, schedule=NY_SCHEDULE, now=ny(2026, 3, 7, 12))
    kinds = [e.event_type for e in fired.events]
    assert kinds == ["cadence.reply_owed", "cadence.silence_detected", "cadence.occurrence_due"]
    silence = fired.events[1]
    assert silence.occurred_at == ny(2026, 3, 7, 12)
    assert fired.aggregate.next_deadline == ny(2026, 3, 9, 11, 30)  # Friday's report overdue Monday
    again = fire_alerts(fired.aggregate, schedule=NY_SCHEDULE, now=ny(2026, 3, 7, 12))
    assert again.events == ()  # each alert once; nothing is due now
    assert again.aggregate == fired.aggregate


def test_touchpoint_input_is_checked() -> None:
    """Naive times, future touchpoints and unknown items are refused; nothing changes."""
    current = plan()
    with pytest.raises(ValidationError, match=r"touchpoint\.at"):
        Touchpoint("x", Direction.OUTBOUND, Channel.EMAIL, dt.datetime(2026, 3, 6, 16))
    with pytest.raises(ValidationError, match="not after now"):
        record_touchpoint(
            current, sent("x", ny(2026, 3, 9)), schedule=NY_SCHEDULE, actor=PM, now=ny(2026, 3, 6)
        )
    bad = Touchpoint("x", Direction.OUTBOUND, Channel.EMAIL, ny(2026, 3, 6), item_id="nope")
    with pytest.raises(ValidationError, match="item_id"):
        record_touchpoint(current, bad, schedule=NY_SCHEDULE, actor=PM, now=ny(2026, 3, 7))
    assert current.touchpoints == ()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"id": None}, "touchpoint.id"),
        ({"id": ["x"]}, "touchpoint.id"),
        ({"id": "x" * 201}, "touchpoint.id"),
        ({"summary": "x" * 10_000_001}, "touchpoint.summary"),
        ({"summary": Decimal("1.5")}, "touchpoint.summary"),
        ({"summary": "a\udcffb"}, "touchpoint.summary"),
        ({"participants": "anna"}, "touchpoint.participants"),
        ({"participants": ["anna", None]}, "touchpoint.participants"),
        ({"direction": "out"}, "touchpoint.direction"),
        ({"kind": "report"}, "touchpoint.kind"),
    ],
)
def test_every_touchpoint_field_is_checked_when_built(
    fields: dict[str, object], field: str
) -> None:
    """Ids, texts, people and enums are checked at the edge, never at save time."""
    values: dict[str, object] = {
        "id": "tp-1",
        "direction": Direction.OUTBOUND,
        "channel": Channel.EMAIL,
        "at": ny(2026, 3, 6),
    }
    with pytest.raises(ValidationError, match=field.replace(".", r"\.")):
        Touchpoint(**{**values, **fields})  # type: ignore[arg-type]


EXPORTED = pendulum.datetime(2026, 2, 27, 12)


def _ical(current: CommunicationPlan | None = None) -> bytes:
    return to_ical(
        current or plan(),
        NY_SCHEDULE,
        start=ny(2026, 3, 1),
        end=ny(2026, 4, 1),
        exported_at=EXPORTED,
    )


def test_ical_export_has_one_event_per_occurrence_with_stable_uids() -> None:
    """Calendar apps get the shifted dates, in the client's zone, with stable UIDs."""
    data = _ical()
    parsed = icalendar.Calendar.from_ical(data)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 4 + 1  # four Friday reports and one steering meeting in March
    starts = sorted(e.decoded("dtstart") for e in events)
    assert starts[0].hour == 9
    assert str(starts[0].tzinfo) == NY
    assert _ical() == data


def test_ical_export_is_valid_rfc_5545_for_a_second_independent_parser() -> None:
    """A VTIMEZONE for the TZID used, DTSTAMP the export time, events lasting what the
    item lasts (a report is a point in time, a meeting an hour), and read back the same
    by vobject, which shares no code with the icalendar library that wrote it."""
    data = _ical()
    parsed = icalendar.Calendar.from_ical(data)
    assert [str(tz["tzid"]) for tz in parsed.walk("VTIMEZONE")] == [NY]
    events = {str(e["uid"]): e for e in parsed.walk("VEVENT")}
    report = next(e for e in events.values() if "Weekly" in str(e["summary"]))
    meeting = next(e for e in events.values() if "steering" in str(e["summary"]))
    assert report.decoded("dtstamp") == EXPORTED
    assert "dtend" not in report  # a point in time, not a weekend-long event
    assert meeting.decoded("dtend") - meeting.decoded("dtstart") == dt.timedelta(hours=1)
    read = vobject.readOne(data.decode("utf-8"))
    again = {str(e.uid.value): e for e in read.vevent_list}
    assert again.keys() == events.keys()
    for uid, event in again.items():
        assert event.dtstart.value == events[uid].decoded("dtstart")
        assert event.dtstart.value.utcoffset() == events[uid].decoded("dtstart").utcoffset()
        assert int(event.sequence.value) == 1
        assert event.dtstamp.value == EXPORTED


def test_a_re_export_after_a_plan_change_updates_the_same_events() -> None:
    """Same UIDs, a higher SEQUENCE and a later LAST-MODIFIED: calendar apps update."""
    first = icalendar.Calendar.from_ical(_ical())
    changed = add_item(
        plan(),
        PlanItem("check", ItemKind.CHECK_IN, "FREQ=WEEKLY;BYDAY=WE", dt.datetime(2026, 3, 4, 10),
                 Channel.CALL, owner="li.wei"),
        schedule=NY_SCHEDULE, actor=PM, now=START.add(days=1),
    ).aggregate  # fmt: skip
    second = icalendar.Calendar.from_ical(_ical(changed))
    before = {str(e["uid"]): e for e in first.walk("VEVENT")}
    after = {str(e["uid"]): e for e in second.walk("VEVENT")}
    assert before.keys() < after.keys()
    for uid, earlier in before.items():
        assert int(after[uid]["sequence"]) == int(earlier["sequence"]) + 1
        assert after[uid].decoded("last-modified") > earlier.decoded("last-modified")
    check_in = next(e for uid, e in after.items() if "check" in uid)
    assert check_in.decoded("dtend") - check_in.decoded("dtstart") == dt.timedelta(minutes=30)


def test_weekly_report_skeleton_lists_done_state_and_next_steps() -> None:
    """The seeds' weekly report: completed, current state, next steps."""
    current = record_touchpoint(
        plan(),
        sent("t1", ny(2026, 3, 6, 16, 30)),
        schedule=NY_SCHEDULE,
        actor=PM,
        now=ny(2026, 3, 6, 17),
    ).aggregate
    text = weekly_report(current, NY_SCHEDULE, week_start=ny(2026, 3, 2))
    assert "Completed this week\n- Fri 2026-03-06 16:30 email: weekly report" in text
    assert "Next week's plan\n- Fri 2026-03-13 16:00 Weekly status report (email, li.wei)" in text
    assert text.index("Current state") < text.index("Risks and issues")


def test_agenda_is_in_the_owners_time_zone_and_ordered() -> None:
    """Li Wei in Shanghai: Friday 16:00 New York is Saturday 05:00, then 04:00 after US DST."""
    entries = agenda(
        [plan()], NY_SCHEDULE, owner="li.wei", now=ny(2026, 3, 9, 8), timezone="Asia/Shanghai"
    )
    assert [(e.item_id, e.at.format("ddd MM-DD HH:mm"), e.status) for e in entries] == [
        ("steering", "Tue 03-03 22:30", "overdue"),
        ("weekly-report", "Sat 03-07 05:00", "due"),
        ("weekly-report", "Sat 03-14 04:00", "due"),
    ]
    assert (
        agenda([plan()], NY_SCHEDULE, owner="someone-else", now=ny(2026, 3, 9, 8), timezone="UTC")
        == []
    )


def test_plans_go_through_the_engine_and_rebuild(tmp_path: Path) -> None:
    """Stored in SQLite, swept once per alert, rebuilt from history."""
    store = TypedStore(
        open_store(f"sqlite:///{tmp_path / 'plans.db'}", create=True),
        Codec([kind(lambda p: NY_SCHEDULE)]),
    )
    engine = Engine(store)
    engine.execute(
        Command(
            "P-1",
            lambda current, now: create_plan(
                "P-1",
                client="acme",
                project="portal",
                timezone=NY,
                items=(WEEKLY, STEERING),
                schedule=NY_SCHEDULE,
                actor=PM,
                now=START,
            ),
        )
    )
    first = engine.sweep(ny(2026, 3, 10, 12))
    again = engine.sweep(ny(2026, 3, 10, 12))
    assert first.fired
    assert not again.fired
    stored = store.load("P-1")
    assert stored is not None
    assert rebuild(kind(lambda p: NY_SCHEDULE).apply, store.history("P-1")) == stored
    done = archive(stored, actor=PM, now=ny(2026, 3, 11))  # type: ignore[arg-type]
    assert done.aggregate.next_deadline is None


def test_a_plan_swept_hourly_for_months_keeps_a_bounded_alert_memory() -> None:
    """Old alert keys are forgotten once out of the alert window; no alert is raised twice.

    It also sweeps through Juneteenth (Fri 19 June 2026), whose report moves to Monday
    but is sent on Friday: the timer must not stall on an occurrence already satisfied.
    """
    created = create_plan(
        "PLAN-acme",
        client="acme",
        project="portal",
        timezone=NY,
        items=(WEEKLY, STEERING),
        silence_days=3,
        schedule=NY_SCHEDULE,
        actor=PM,
        now=START,
    )
    current, history = created.aggregate, list(created.events)
    raised: list[str] = []
    sizes = []
    for day in range(120):
        for hour in range(24):
            at = START.add(days=day, hours=hour)
            if current.next_deadline is not None and current.next_deadline <= at:
                decision = fire_alerts(current, schedule=NY_SCHEDULE, now=at)
                raised.extend(e.key for e in decision.events)  # type: ignore[attr-defined]
                current, history = decision.aggregate, [*history, *decision.events]
        if day % 7 == 4:  # a weekly report, and a client question answered the same day
            for tp in (
                Touchpoint(f"in-{day}", Direction.INBOUND, Channel.EMAIL, at.subtract(hours=3)),
                sent(f"out-{day}", at.subtract(hours=2)),
            ):
                decision = record_touchpoint(current, tp, schedule=NY_SCHEDULE, actor=PM, now=at)
                current, history = decision.aggregate, [*history, *decision.events]
        sizes.append(len(current.alerted))
    assert len(raised) == len(set(raised))  # every alert once
    # 17 weekly reports due, 4 steering meetings due and overdue, a silence a week
    assert len(raised) > 35
    assert max(sizes[60:]) <= max(sizes[20:40]) + 5  # memory does not grow with time
    assert max(sizes) < 40
    assert rebuild(kind(lambda p: NY_SCHEDULE).apply, history) == current


def _offsets_by_vtimezone(calendar: icalendar.Calendar) -> Callable[[dt.datetime], dt.timedelta]:
    """The UTC offset at an instant as the file's own VTIMEZONE says (RFC 5545 3.6.5):
    the TZOFFSETTO of the latest onset (DTSTART or RDATE, local at TZOFFSETFROM)."""
    onsets = []
    for part in calendar.walk("VTIMEZONE")[0].subcomponents:
        before = part["tzoffsetfrom"].td
        after = part["tzoffsetto"].td
        locals_ = [part.decoded("dtstart")]
        for rdates in (
            part.get("rdate", []) if isinstance(part.get("rdate"), list) else [part.get("rdate")]
        ):
            if rdates is not None:
                locals_.extend(d.dt for d in rdates.dts)
        onsets.extend((local.replace(tzinfo=None) - before, after) for local in locals_)
    onsets.sort()

    def offset(at: dt.datetime) -> dt.timedelta:
        utc = at.astimezone(dt.UTC).replace(tzinfo=None)
        return [after for onset, after in onsets if onset <= utc][-1]

    return offset


@pytest.mark.parametrize("year", [2026, 2040, 2150])
def test_the_exported_zone_rules_cover_the_exported_span(year: int) -> None:
    """Summer and winter occurrences have the offset the file's VTIMEZONE gives them,
    also past 2038 (where the icalendar library's default VTIMEZONE stops); vobject, which
    reads VTIMEZONEs itself, agrees on every instant (before 2038: dateutil, under it,
    misreads later years)."""
    weekly = PlanItem(
        "weekly", ItemKind.STATUS_REPORT, "FREQ=WEEKLY;BYDAY=FR", dt.datetime(year, 1, 1, 16),
        Channel.EMAIL, owner="li.wei", non_working=NonWorkingDay.KEEP,
    )  # fmt: skip
    always = Schedule(BusinessCalendar("America/New_York", WorkingHours.always()))
    current = create_plan(
        "P", client="acme", project="portal", timezone=NY, items=(weekly,),
        silence_days=3, reply_within=pendulum.duration(hours=4), schedule=always,
        actor=PM, now=pendulum.datetime(year, 1, 1, tz=NY),
    ).aggregate  # fmt: skip
    data = to_ical(
        current, always, start=pendulum.datetime(year, 1, 1, tz=NY),
        end=pendulum.datetime(year + 1, 1, 1, tz=NY), exported_at=EXPORTED,
    )  # fmt: skip
    parsed = icalendar.Calendar.from_ical(data)
    ours = {str(e["uid"]): e.decoded("dtstart") for e in parsed.walk("VEVENT")}
    assert len(ours) >= 52
    by_file = _offsets_by_vtimezone(parsed)
    assert {by_file(at) for at in ours.values()} == {dt.timedelta(hours=-5), dt.timedelta(hours=-4)}
    for at in ours.values():
        assert by_file(at) == at.utcoffset()
    theirs = {str(e.uid.value): e.dtstart.value for e in vobject.readOne(data.decode()).vevent_list}
    assert theirs.keys() == ours.keys()
    if year < 2038:
        assert all(theirs[uid] == at for uid, at in ours.items())


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 7 * 24 * 60 - 1), st.sampled_from(["客户咨询", "项目周报"])),
        min_size=1,
        max_size=8,
    )
)
def test_a_contact_made_several_times_in_a_week_is_one_line_with_its_count(
    sends: list[tuple[int, str]],
) -> None:
    """邮件：客户咨询 three times is one line (…（3 次）), never three: each contact once,
    and the counts add up to what was sent."""
    current, week = plan(), ny(2026, 3, 2)
    for n, (minute, summary) in enumerate(sorted(sends)):
        at = week.add(minutes=minute)
        touchpoint = Touchpoint(
            f"t{n}", Direction.OUTBOUND, Channel.EMAIL, at, ("anna",), summary=summary
        )
        current = record_touchpoint(
            current, touchpoint, schedule=NY_SCHEDULE, actor=PM, now=at.add(minutes=1)
        ).aggregate
    text = weekly_report(current, NY_SCHEDULE, week_start=week, lang=language("zh_CN"))
    done = text.split("本周完成\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(done) == len({summary for _, summary in sends})
    counts = [int(m) if (m := line.rpartition("（")[2].removesuffix(" 次）")).isdigit() else 1
              for line in done]  # fmt: skip
    assert sum(counts) == len(sends)
    assert text.splitlines()[1] == "2026年3月2日当周（美东时间）"
    assert "（美东时间）" not in "\n".join(done)


def test_a_date_in_another_year_keeps_its_year() -> None:
    """In the week of 28 December, 1 January is written with its year; 30 December not."""
    current = plan()
    for n, at in enumerate([ny(2026, 12, 30, 10), ny(2027, 1, 1, 10)]):
        touchpoint = Touchpoint(
            f"t{n}", Direction.OUTBOUND, Channel.EMAIL, at, ("anna",), summary=f"s{n}"
        )
        current = record_touchpoint(
            current, touchpoint, schedule=NY_SCHEDULE, actor=PM, now=at.add(minutes=1)
        ).aggregate
    text = weekly_report(current, NY_SCHEDULE, week_start=ny(2026, 12, 28), lang=language("zh_CN"))
    assert "- 12月30日（周三）10:00，邮件：s0\n- 2027年1月1日（周五）10:00，邮件：s1\n" in text
