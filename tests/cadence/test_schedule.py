"""Occurrences: local time kept across DST, non-working days shifted, gaps handled."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pendulum
import pytest
from dateutil import rrule
from hypothesis import given, settings
from hypothesis import strategies as st

from clientflow import ValidationError
from clientflow.cadence import (
    Channel,
    ItemKind,
    NonWorkingDay,
    PlanItem,
    Schedule,
    holiday_greetings,
)
from tests.cadence.fixtures import ALWAYS_NY, NY_SCHEDULE, SHANGHAI, STEERING, WEEKLY

NY = "America/New_York"


def local_times(occurrences: list, tz: str) -> list[str]:  # type: ignore[type-arg]
    return [o.at.in_timezone(tz).format("ddd MM-DD HH:mm Z") for o in occurrences]


def test_friday_report_stays_at_16_local_across_the_dst_change() -> None:
    """Before and after 8 March 2026 the report is Friday 16:00 New York time."""
    found = NY_SCHEDULE.between(
        WEEKLY, NY, pendulum.datetime(2026, 2, 26), pendulum.datetime(2026, 3, 16)
    )
    assert local_times(found, NY) == [
        "Fri 02-27 16:00 -05:00",
        "Fri 03-06 16:00 -05:00",
        "Fri 03-13 16:00 -04:00",
    ]


def test_monthly_steering_meeting_is_the_first_tuesday() -> None:
    """BYDAY=1TU: 3 March, 7 April, 5 May 2026."""
    found = NY_SCHEDULE.between(
        STEERING, NY, pendulum.datetime(2026, 3, 1), pendulum.datetime(2026, 5, 31)
    )
    assert [o.at.in_timezone(NY).format("MM-DD HH:mm") for o in found] == [
        "03-03 09:30",
        "04-07 09:30",
        "05-05 09:30",
    ]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (NonWorkingDay.NEXT, ["Fri 09-18", "Mon 09-28", "Thu 10-08", "Fri 10-09"]),
        (NonWorkingDay.PREVIOUS, ["Fri 09-18", "Thu 09-24", "Wed 09-30", "Fri 10-09"]),
        (NonWorkingDay.SKIP, ["Fri 09-18", "Fri 10-09"]),
        (NonWorkingDay.KEEP, ["Fri 09-18", "Fri 09-25", "Fri 10-02", "Fri 10-09"]),
    ],
)
def test_occurrences_on_chinese_holidays_follow_the_non_working_day_rule(
    rule: NonWorkingDay, expected: list[str]
) -> None:
    """Mid-Autumn Festival (25 Sep) and National Day (2 Oct) 2026 fall on Fridays."""
    item = PlanItem(
        "r",
        ItemKind.STATUS_REPORT,
        "FREQ=WEEKLY;BYDAY=FR",
        dt.datetime(2026, 9, 4, 10),
        Channel.EMAIL,
        "li",
        non_working=rule,
        working_hours_only=rule is not NonWorkingDay.KEEP,
    )
    found = Schedule(SHANGHAI).between(
        item, "Asia/Shanghai", pendulum.datetime(2026, 9, 15), pendulum.datetime(2026, 10, 12)
    )
    assert [o.at.in_timezone("Asia/Shanghai").format("ddd MM-DD") for o in found] == expected


def test_a_time_in_the_dst_gap_moves_forward_by_the_gap() -> None:
    """A daily 02:30 check does not exist on 8 March 2026 in New York: it happens at 03:30 EDT."""
    item = PlanItem(
        "night",
        ItemKind.CHECK_IN,
        "FREQ=DAILY",
        dt.datetime(2026, 3, 6, 2, 30),
        Channel.IM,
        "ops",
        non_working=NonWorkingDay.KEEP,
    )
    found = Schedule(ALWAYS_NY).between(
        item, NY, pendulum.datetime(2026, 3, 7), pendulum.datetime(2026, 3, 10)
    )
    assert local_times(found, NY) == [
        "Sat 03-07 02:30 -05:00",
        "Sun 03-08 03:30 -04:00",
        "Mon 03-09 02:30 -04:00",
    ]


def test_quiet_hours_move_an_occurrence_into_working_time() -> None:
    """A 07:00 rule on a 09:00-17:30 calendar happens at 09:00."""
    item = PlanItem(
        "early",
        ItemKind.CHECK_IN,
        "FREQ=WEEKLY;BYDAY=MO",
        dt.datetime(2026, 3, 2, 7),
        Channel.CALL,
        "li",
    )
    found = NY_SCHEDULE.between(
        item, NY, pendulum.datetime(2026, 3, 1), pendulum.datetime(2026, 3, 8)
    )
    assert local_times(found, NY) == ["Mon 03-02 09:00 -05:00"]


@pytest.mark.parametrize(
    ("hour", "minute", "placed"),
    [
        (17, 30, "Fri 03-06 17:30 -05:00"),  # the shift's end: stays
        (17, 31, "Mon 03-09 09:00 -04:00"),  # after it: the next working time
        (9, 0, "Fri 03-06 09:00 -05:00"),  # the shift's start: stays
    ],
)
def test_a_shifts_end_counts_as_inside_for_placement(hour: int, minute: int, placed: str) -> None:
    """A Friday report at the close of business stays there, not on Monday morning."""
    item = PlanItem(
        "eod", ItemKind.STATUS_REPORT, "FREQ=WEEKLY;BYDAY=FR",
        dt.datetime(2026, 3, 6, hour, minute), Channel.EMAIL, "li",
    )  # fmt: skip
    found = NY_SCHEDULE.between(
        item, NY, pendulum.datetime(2026, 3, 6), pendulum.datetime(2026, 3, 10)
    )
    assert local_times(found, NY)[:1] == [placed]


def test_holiday_greetings_come_from_the_clients_holidays() -> None:
    """Chinese New Year and National Day greetings land on the holidays themselves."""
    item = holiday_greetings(
        "greet",
        country="CN",
        years=[2026],
        at=dt.time(10),
        owner="li",
        names=["New Year", "National Day"],
    )
    found = Schedule(SHANGHAI).between(
        item, "Asia/Shanghai", pendulum.datetime(2026, 1, 1), pendulum.datetime(2027, 1, 1)
    )
    assert [o.at.in_timezone("Asia/Shanghai").format("MM-DD HH:mm") for o in found] == [
        "01-01 10:00",
        "02-16 10:00",
        "10-01 10:00",
    ]


def test_every_holiday_is_greeted_but_the_days_of_remembrance() -> None:
    """Without names, no greeting goes out on 清明节 (Tomb-Sweeping Day) or Memorial Day;
    naming one asks for it."""
    days = {
        country: [
            o.at.in_timezone(zone).format("MM-DD")
            for o in Schedule(SHANGHAI).between(
                holiday_greetings("greet", country=country, years=[2026], at=dt.time(10),
                                  owner="li"),
                zone, pendulum.datetime(2026, 1, 1), pendulum.datetime(2027, 1, 1),
            )
        ]
        for country, zone in (("CN", "Asia/Shanghai"), ("US", "America/New_York"))
    }  # fmt: skip
    assert days["CN"] == ["01-01", "02-16", "05-01", "06-19", "09-25", "10-01"]
    assert "04-05" not in days["CN"]  # 清明节
    assert "05-25" not in days["US"]  # Memorial Day
    assert "12-25" in days["US"]
    asked = holiday_greetings(
        "greet", country="CN", years=[2026], at=dt.time(10), owner="li", names=["Tomb-Sweeping"]
    )
    assert "20260405" in asked.rule


def test_bad_rules_and_zones_are_validation_errors() -> None:
    """An invalid RRULE names the item; an unbounded rule cannot be listed whole."""
    with pytest.raises(ValidationError, match=r"items\.x\.rule"):
        PlanItem(
            "x", ItemKind.MEETING, "FREQ=SOMETIMES", dt.datetime(2026, 1, 1, 9), Channel.CALL, "li"
        )
    with pytest.raises(ValidationError, match="start"):
        PlanItem(
            "x",
            ItemKind.MEETING,
            "FREQ=DAILY",
            pendulum.datetime(2026, 1, 1, 9),
            Channel.CALL,
            "li",
        )
    with pytest.raises(ValidationError, match="bounded"):
        NY_SCHEDULE.all(WEEKLY, NY)
    with pytest.raises(ValidationError, match=r"plan\.timezone"):
        NY_SCHEDULE.between(
            WEEKLY, "Mars/Base", pendulum.datetime(2026, 1, 1), pendulum.datetime(2026, 2, 1)
        )
    bounded = PlanItem(
        "b",
        ItemKind.MEETING,
        "FREQ=WEEKLY;COUNT=3",
        dt.datetime(2026, 3, 2, 10),
        Channel.CALL,
        "li",
    )
    assert len(NY_SCHEDULE.all(bounded, NY)) == 3


rules = st.sampled_from(
    [
        "FREQ=DAILY",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        "FREQ=MONTHLY;BYMONTHDAY=15",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=HOURLY;INTERVAL=7",
        "FREQ=MONTHLY;BYMONTHDAY=31",
    ]
)
starts = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 6, 1)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


@settings(max_examples=60, deadline=None)
@given(rules, starts, st.integers(10, 120))
def test_without_shifting_occurrences_are_dateutils_own(
    rule: str, start: dt.datetime, days: int
) -> None:
    """On a 24/7 calendar with KEEP, occurrences are exactly dateutil's expansion, localized."""
    item = PlanItem(
        "p", ItemKind.CHECK_IN, rule, start, Channel.IM, "ops", non_working=NonWorkingDay.KEEP
    )
    window_start = pendulum.instance(start.replace(tzinfo=dt.UTC))
    found = Schedule(ALWAYS_NY).between(item, NY, window_start, window_start.add(days=days))
    tz = zoneinfo.ZoneInfo(NY)  # fold=0: RFC 5545's rule for gaps and repeated hours
    # Converted by the stdlib: pendulum.instance() moves a time in the spring gap back an
    # hour (02:00 -> 01:00 EST) instead of reading it with the pre-gap offset.
    expected = [
        pendulum.instance(d.replace(tzinfo=tz).astimezone(dt.UTC))
        for d in rrule.rrulestr(rule, dtstart=start).between(
            start - dt.timedelta(days=2), start + dt.timedelta(days=days + 2), inc=True
        )
    ]
    expected = sorted({e for e in expected if window_start <= e < window_start.add(days=days)})
    assert [o.at for o in found] == expected


@settings(max_examples=60, deadline=None)
@given(rules, starts, st.sampled_from(list(NonWorkingDay)))
def test_occurrences_increase_and_respect_working_time(
    rule: str, start: dt.datetime, shift: NonWorkingDay
) -> None:
    """Strictly increasing and, with quiet hours, always in working time or at the very end
    of a shift (even with KEEP)."""
    item = PlanItem("p", ItemKind.CHECK_IN, rule, start, Channel.IM, "ops", non_working=shift)
    begin = pendulum.instance(start.replace(tzinfo=dt.UTC))
    found = Schedule(SHANGHAI).between(item, "Asia/Shanghai", begin, begin.add(days=60))
    instants = [o.at for o in found]
    assert instants == sorted(set(instants))
    just_before = dt.timedelta(microseconds=1)
    for occurrence in found:
        at = occurrence.at
        assert SHANGHAI.is_working_time(at) or SHANGHAI.is_working_time(at - just_before)


def _rfc_item(rule: str, start: dt.datetime) -> PlanItem:
    return PlanItem(
        "rfc", ItemKind.CHECK_IN, rule, start, Channel.IM, "ops", non_working=NonWorkingDay.KEEP
    )


def _rfc(rule: str, count: int = 200) -> list[str]:
    """Occurrences of an RFC 5545 example (DTSTART;TZID=America/New_York:19970902T090000)."""
    item = _rfc_item(rule, dt.datetime(1997, 9, 2, 9))
    found = Schedule(ALWAYS_NY).all(item, NY) if item.bounded else None
    if found is None:
        found = Schedule(ALWAYS_NY).between(
            item, NY, pendulum.datetime(1997, 9, 1), pendulum.datetime(2001, 1, 1)
        )
    return [o.at.in_timezone(NY).format("YYYY-MM-DD HH:mm") for o in found[:count]]


def test_rfc_5545_every_friday_the_13th_with_a_zoned_exdate() -> None:
    """The RFC's example; its EXDATE names a zone (it crashed with naive/aware times)."""
    rule = "EXDATE;TZID=America/New_York:19970902T090000\nRRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13"
    assert _rfc(rule, 5) == [
        "1998-02-13 09:00",
        "1998-03-13 09:00",
        "1998-11-13 09:00",
        "1999-08-13 09:00",
        "2000-10-13 09:00",
    ]


def test_rfc_5545_an_until_in_utc_is_an_instant_not_a_wall_time() -> None:
    """ "Daily until December 24, 1997": UNTIL=19971224T000000Z is 19:00 on the 23rd in New
    York, so the 23rd at 09:00 is the last (113 occurrences); and an UNTIL at 10:00Z (06:00
    local) ends the day before, never keeps that morning's 09:00."""
    daily = _rfc("RRULE:FREQ=DAILY;UNTIL=19971224T000000Z")
    assert (len(daily), daily[-1]) == (113, "1997-12-23 09:00")
    early = _rfc("RRULE:FREQ=DAILY;UNTIL=19970905T100000Z")
    assert early == ["1997-09-02 09:00", "1997-09-03 09:00", "1997-09-04 09:00"]


def test_zoned_rdate_and_exdate_are_both_accepted_in_any_zone() -> None:
    """RDATE and EXDATE take a TZID or a UTC value alike, converted to the plan's zone."""
    rule = (
        "RRULE:FREQ=DAILY;COUNT=3\n"
        "RDATE;TZID=Europe/London:19970910T150000\n"  # 10:00 in New York
        "EXDATE:19970903T130000Z"  # 09:00 in New York
    )
    assert _rfc(rule) == ["1997-09-02 09:00", "1997-09-04 09:00", "1997-09-10 10:00"]
    with pytest.raises(ValidationError, match="TZID"):
        _rfc_item("RRULE:FREQ=DAILY;COUNT=3\nRDATE;TZID=Mars/Olympus:19970910T150000",
                  dt.datetime(1997, 9, 2, 9))  # fmt: skip
