"""Business time on real calendars: holidays, make-up days, split and night shifts, DST."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pendulum
import pytest

from clientflow import BusinessCalendar, ValidationError, WorkingHours
from tests.calendars import LONDON, NEW_YORK, NIGHTS_NY, SHANGHAI, ldn, ny, sh

H = pendulum.duration


class TestChina2026:
    def test_make_up_sunday_4_january_is_a_working_day(self) -> None:
        """China's make-up Sunday counts as a working day with Monday's hours."""
        assert SHANGHAI.is_working_day(dt.date(2026, 1, 4))
        assert SHANGHAI.is_working_time(sh(2026, 1, 4, 10))
        assert not SHANGHAI.is_working_time(sh(2026, 1, 4, 12, 30))  # lunch, as on Mondays

    def test_national_day_week_is_closed(self) -> None:
        """1-7 October 2026 are holidays; the make-up Saturday 10 October works."""
        for day in range(1, 8):
            assert not SHANGHAI.is_working_day(dt.date(2026, 10, day)), day
        assert SHANGHAI.is_working_day(dt.date(2026, 10, 8))
        assert SHANGHAI.is_working_day(dt.date(2026, 10, 10))
        assert not SHANGHAI.is_working_day(dt.date(2026, 10, 11))

    def test_deadline_jumps_the_golden_week(self) -> None:
        """8 working hours from 17:00 on 30 September end at 17:00 on 8 October."""
        due = SHANGHAI.add(sh(2026, 9, 30, 17), H(hours=8))
        assert due == sh(2026, 10, 8, 17)
        assert SHANGHAI.elapsed(sh(2026, 9, 30, 9), sh(2026, 10, 9, 9)) == H(hours=16)

    def test_substituted_friday_2_january_is_closed_and_work_resumes_on_sunday(self) -> None:
        """2 January 2026 is a substituted day off; the work lands on make-up Sunday 4 January."""
        assert SHANGHAI.add(sh(2026, 1, 2, 10), H(hours=4)) == sh(2026, 1, 4, 14)


class TestShifts:
    def test_lunch_break_is_skipped(self) -> None:
        """Two hours from 11:00 on a split-shift day end at 14:00."""
        assert SHANGHAI.add(sh(2026, 3, 2, 11), H(hours=2)) == sh(2026, 3, 2, 14)

    def test_result_is_the_end_of_a_shift_not_the_start_of_the_next(self) -> None:
        """Exactly filling the morning shift ends at 12:00, the earliest such instant."""
        assert SHANGHAI.add(sh(2026, 3, 2, 9), H(hours=3)) == sh(2026, 3, 2, 12)

    def test_start_outside_hours_counts_from_the_next_shift(self) -> None:
        """A request on Saturday night starts counting on Monday morning."""
        assert SHANGHAI.add(sh(2026, 3, 7, 23), H(minutes=90)) == sh(2026, 3, 9, 10, 30)

    def test_night_shift_crossing_midnight_counts_both_sides(self) -> None:
        """A 22:00-06:00 shift is 8 hours, belonging to the day it starts."""
        cal = BusinessCalendar("Europe/Berlin", WorkingHours.from_mapping({"mon": "22:00-06:00"}))
        monday = pendulum.datetime(2026, 6, 1, 21, tz="Europe/Berlin")
        assert cal.elapsed(monday, monday.add(days=1)) == H(hours=8)
        assert cal.is_working_time(pendulum.datetime(2026, 6, 2, 5, 59, tz="Europe/Berlin"))
        assert not cal.is_working_time(pendulum.datetime(2026, 6, 2, 6, tz="Europe/Berlin"))

    def test_zero_duration_returns_the_start_itself(self) -> None:
        """Adding nothing changes nothing, even outside working hours."""
        start = sh(2026, 3, 7, 23)
        assert SHANGHAI.add(start, H()) == start

    def test_elapsed_is_zero_when_end_is_not_after_start(self) -> None:
        """Working time between reversed instants is zero, never negative."""
        assert SHANGHAI.elapsed(sh(2026, 3, 3, 12), sh(2026, 3, 2, 10)) == H()

    def test_microseconds_are_exact(self) -> None:
        """No rounding: one microsecond of work is one microsecond."""
        start = sh(2026, 3, 2, 9)
        assert SHANGHAI.add(start, H(microseconds=1)) == start.add(microseconds=1)


class TestDaylightSaving:
    def test_spring_forward_night_shift_is_one_hour_shorter(self) -> None:
        """A 00:00-08:00 shift on the night New York springs forward lasts 7 real hours."""
        cal = BusinessCalendar(
            "America/New_York", WorkingHours.from_mapping({"sun": "00:00-08:00"})
        )
        day = ny(2026, 3, 8)
        assert cal.elapsed(day, day.add(days=1)) == H(hours=7)

    def test_fall_back_night_shift_is_one_hour_longer(self) -> None:
        """The same shift on the night clocks fall back lasts 9 real hours."""
        cal = BusinessCalendar(
            "America/New_York", WorkingHours.from_mapping({"sun": "00:00-08:00"})
        )
        day = ny(2026, 11, 1)
        assert cal.elapsed(day, day.add(days=1)) == H(hours=9)

    def test_shift_starting_in_the_gap_starts_after_it(self) -> None:
        """02:30 does not exist on 8 March 2026 in New York: the shift starts at 03:30 EDT."""
        cal = BusinessCalendar(
            "America/New_York", WorkingHours.from_mapping({"sun": "02:30-05:00"})
        )
        assert cal.next_working_time(ny(2026, 3, 8)) == ny(2026, 3, 8, 3, 30)
        assert cal.elapsed(ny(2026, 3, 8), ny(2026, 3, 9)) == H(minutes=90)

    def test_deadline_across_the_us_dst_weekend_keeps_local_hours(self) -> None:
        """Friday 15:00 EST + 6 working hours is Monday 13:00 EDT (local hours, not UTC)."""
        due = NEW_YORK.add(ny(2026, 3, 6, 15), H(hours=6))
        assert due == ny(2026, 3, 9, 13)
        assert due.in_timezone("America/New_York").utcoffset() == dt.timedelta(hours=-4)

    def test_london_spring_forward_day_has_23_hours(self) -> None:
        """Europe/London loses an hour on 29 March 2026."""
        cal = BusinessCalendar("Europe/London", WorkingHours.always())
        assert cal.elapsed(ldn(2026, 3, 29), ldn(2026, 3, 30)) == H(hours=23)
        assert cal.elapsed(ldn(2026, 10, 25), ldn(2026, 10, 26)) == H(hours=25)

    def test_night_shifts_on_dst_days_are_consistent(self) -> None:
        """Shifts inside the repeated and the missing hour still add up in both directions."""
        start = ny(2026, 10, 30, 12)
        due = NIGHTS_NY.add(start, H(hours=10))
        assert NIGHTS_NY.elapsed(start, due) == H(hours=10)
        assert NIGHTS_NY.is_working_time(due - dt.timedelta(microseconds=1))


class TestYearsAndZones:
    def test_deadline_over_new_year_uses_next_years_holidays(self) -> None:
        """31 Dec 2026 16:00 + 2h in New York skips New Year's Day 2027 and the weekend."""
        assert NEW_YORK.add(ny(2026, 12, 31, 16), H(hours=2)) == ny(2027, 1, 4, 10)

    def test_london_christmas(self) -> None:
        """Christmas, Boxing Day (substitute Monday 28th) and the weekend are skipped."""
        assert LONDON.add(ldn(2026, 12, 24, 16), H(hours=2)) == ldn(2026, 12, 29, 9, 30)

    def test_input_time_zone_does_not_change_the_answer(self) -> None:
        """The same instant written in any zone gives the same deadline (no agent-zone bug)."""
        instant = sh(2026, 9, 30, 17)
        for tz in ("UTC", "America/Los_Angeles", "Asia/Kolkata"):
            assert SHANGHAI.add(instant.in_timezone(tz), H(hours=8)) == sh(2026, 10, 8, 17)

    def test_results_are_utc(self) -> None:
        """Every instant handed out is a UTC pendulum DateTime."""
        due = SHANGHAI.add(sh(2026, 3, 2, 9), H(hours=1))
        assert isinstance(due, pendulum.DateTime)
        assert due.timezone_name == "UTC"

    def test_spans_of_many_years_and_far_apart_queries(self) -> None:
        """Queries decades apart agree with a year-by-year sum."""
        start, end = ny(2020, 1, 1), ny(2031, 1, 1)
        parts = sum(
            (NEW_YORK.elapsed(ny(year, 1, 1), ny(year + 1, 1, 1)) for year in range(2020, 2031)),
            dt.timedelta(),
        )
        assert NEW_YORK.elapsed(start, end) == parts
        assert NEW_YORK.add(start, parts) <= end


class TestExceptions:
    def test_closed_dates_and_extra_working_dates(self) -> None:
        """A retreat closes a weekday; an extra Saturday uses the make-up weekday's hours."""
        cal = BusinessCalendar(
            "Europe/Paris",
            WorkingHours.from_mapping({"mon": "08:00-12:00", "tue": "10:00-16:00"}),
            closed={dt.date(2026, 6, 1)},
            extra_working={dt.date(2026, 6, 6)},
            makeup_weekday=1,
        )
        assert not cal.is_working_day(dt.date(2026, 6, 1))
        saturday = pendulum.datetime(2026, 6, 6, tz="Europe/Paris")
        assert cal.elapsed(saturday, saturday.add(days=1)) == H(hours=6)
        assert cal.next_working_time(saturday) == saturday.add(hours=10)

    def test_next_and_previous_working_day(self) -> None:
        """Working-day steps skip weekends and holidays."""
        assert SHANGHAI.next_working_day(dt.date(2026, 9, 30)) == dt.date(2026, 10, 8)
        assert SHANGHAI.previous_working_day(dt.date(2026, 10, 8)) == dt.date(2026, 9, 30)

    def test_equal_configurations_are_equal_and_hashable(self) -> None:
        """Calendars compare by configuration, not by their caches."""
        a = BusinessCalendar("Asia/Shanghai", ("09:00-12:00", "13:00-18:00"), country="CN")
        a.add(sh(2026, 1, 5, 9), H(hours=1))
        assert a == SHANGHAI
        assert hash(a) == hash(SHANGHAI)


class TestBadInput:
    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"timezone": "UTC", "country": "XX"}, "country"),
            ({"timezone": "UTC", "country": "US", "subdivision": "ZZ"}, "subdivision"),
            ({"timezone": "UTC", "subdivision": "NY"}, "subdivision"),
            ({"timezone": "UTC", "country": "CN", "makeup_weekday": 5}, "makeup_weekday"),
            ({"timezone": "UTC", "makeup_weekday": 9}, "makeup_weekday"),
            ({"timezone": "UTC", "closed": {dt.datetime(2026, 1, 1)}}, "closed"),
            (
                {
                    "timezone": "UTC",
                    "closed": {dt.date(2026, 1, 1)},
                    "extra_working": {dt.date(2026, 1, 1)},
                },
                "extra_working",
            ),
        ],
    )
    def test_bad_configuration_names_the_field(self, kwargs: dict[str, object], field: str) -> None:
        """Every configuration mistake is a ValidationError naming the argument."""
        with pytest.raises(ValidationError) as caught:
            BusinessCalendar(**kwargs)  # type: ignore[arg-type]
        assert caught.value.field == field

    @pytest.mark.parametrize(
        ("hours", "field"),
        [
            (["09:00-12:00", "11:00-13:00"], "hours"),
            (["9-17"], "hours"),
            (["25:00-26:00"], "hours"),
        ],
    )
    def test_bad_shifts_are_rejected(self, hours: list[str], field: str) -> None:
        """Overlapping or malformed shifts are refused with the rule they break."""
        with pytest.raises(ValidationError) as caught:
            WorkingHours.weekdays(*hours)
        assert caught.value.field == field

    def test_night_shift_may_not_run_into_the_next_days_shift(self) -> None:
        """Monday 20:00-10:00 collides with Tuesday 09:00-17:00."""
        with pytest.raises(ValidationError, match=r"hours\.mon"):
            WorkingHours.from_mapping({"mon": "20:00-10:00", "tue": "09:00-17:00"})

    def test_a_week_without_work_is_refused(self) -> None:
        """A calendar must have working time, or deadlines would never come."""
        with pytest.raises(ValidationError, match="at least one shift"):
            WorkingHours.from_mapping({})

    def test_unknown_weekday_key(self) -> None:
        """Weekday keys are mon..sun."""
        with pytest.raises(ValidationError, match=r"hours\.monday"):
            WorkingHours.from_mapping({"monday": "09:00-17:00"})

    def test_naive_datetime_is_rejected(self) -> None:
        """A naive start is ambiguous; nothing is guessed."""
        with pytest.raises(ValidationError) as caught:
            SHANGHAI.add(dt.datetime(2026, 3, 2, 9), H(hours=1))
        assert caught.value.field == "start"
        with pytest.raises(ValidationError, match="end"):
            SHANGHAI.elapsed(sh(2026, 3, 2, 9), dt.datetime(2026, 3, 2, 10))

    @pytest.mark.parametrize(
        "duration",
        [H(hours=-1), pendulum.duration(months=1), 3600, "PT1H"],
    )
    def test_bad_durations_are_rejected(self, duration: object) -> None:
        """Negative, calendar-unit and non-duration amounts are refused."""
        with pytest.raises(ValidationError) as caught:
            SHANGHAI.add(sh(2026, 3, 2, 9), duration)  # type: ignore[arg-type]
        assert caught.value.field == "duration"


def test_concurrent_first_use_from_many_threads_agrees_with_sequential_answers() -> None:
    """A calendar shared by threads expands its years safely and answers consistently."""
    starts = [ny(year, month, 3, 10) for year in range(2024, 2032) for month in (1, 6, 12)]
    fresh = BusinessCalendar("America/New_York", ("09:00-17:00",), country="US", subdivision="NY")
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda s: fresh.add(s, H(hours=30)), starts))
    assert threaded == [NEW_YORK.add(s, H(hours=30)) for s in starts]


@pytest.mark.parametrize("country", ["XX", "MON", "JAN", "country_holidays", "cn", ""])
def test_an_unknown_country_code_is_a_validation_error(country: str) -> None:
    """Codes the holidays package lacks, or that name its other attributes, are refused."""
    with pytest.raises(ValidationError, match="country"):
        BusinessCalendar("Asia/Shanghai", ("09:00-18:00",), country=country)


def test_working_time_supports_the_arithmetic_people_do_with_it() -> None:
    """``elapsed`` is a plain timedelta: whole working days and the rest, ratios, sums."""
    cal = BusinessCalendar("Asia/Shanghai", ("09:00-12:00", "13:00-18:00"), country="CN")
    start = pendulum.datetime(2026, 9, 30, 9, tz="Asia/Shanghai")
    end = pendulum.datetime(2026, 10, 9, 11, tz="Asia/Shanghai")  # National Day week between
    worked = cal.elapsed(start, end)
    day = dt.timedelta(hours=8)
    assert type(worked) is dt.timedelta
    assert worked == dt.timedelta(hours=8 + 8 + 2)  # 30 Sep, 8 Oct, 9 Oct morning
    assert worked // day == 2
    assert worked % day == dt.timedelta(hours=2)
    assert divmod(worked, day) == (2, dt.timedelta(hours=2))
    assert worked / day == 2.25
    assert sum([worked, worked], dt.timedelta()) == dt.timedelta(hours=36)
    assert cal.elapsed(end, start) == dt.timedelta(0)
