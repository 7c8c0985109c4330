"""Calendars whose official data runs out: China's make-up working days (调休) exist in
the holidays package only for announced years. clientflow says which years it lacks,
in `clientflow check`, when a workspace opens and in the health report, and dates added
by hand fill the gap (issue 25)."""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner

import clientflow
from clientflow import BusinessCalendar
from clientflow.cli import cli
from clientflow.config import rules_from_dict
from clientflow.demo import RULES_FILE
from clientflow.i18n import language
from clientflow.reports import Portfolio, health, to_text

DECEMBER = pendulum.datetime(2026, 12, 3, 2)


def test_2027_is_a_year_without_published_make_up_days() -> None:
    """The package has 2026's 调休 (Saturday 10 October) but none for 2027 yet; a
    country without make-up days (the UK) has nothing to wait for."""
    shanghai = BusinessCalendar("Asia/Shanghai", country="CN")
    assert shanghai.is_working_day(dt.date(2026, 10, 10))  # a published make-up Saturday
    assert shanghai.unpublished_years(dt.date(2026, 12, 3), dt.date(2027, 12, 3)) == (2027,)
    london = BusinessCalendar("Europe/London", country="GB", subdivision="ENG")
    assert london.unpublished_years(dt.date(2026, 12, 3), dt.date(2027, 12, 3)) == ()


def test_a_make_up_day_added_by_hand_moves_a_deadline_and_fills_the_gap() -> None:
    """Saturday 20 February 2027 added as a working day: 6 business hours asked on
    Friday 19 February at 15:00 end on that Saturday instead of Monday, and 2027 counts
    as known."""
    hours = ("09:00-12:00", "13:00-18:00")
    plain = BusinessCalendar("Asia/Shanghai", hours, country="CN")
    by_hand = BusinessCalendar(
        "Asia/Shanghai", hours, country="CN", extra_working=frozenset({dt.date(2027, 2, 20)})
    )
    asked = pendulum.datetime(2027, 2, 19, 15, tz="Asia/Shanghai")
    six = pendulum.duration(hours=6)
    assert plain.add(asked, six).in_timezone("Asia/Shanghai") == pendulum.datetime(
        2027, 2, 22, 12, tz="Asia/Shanghai"
    )
    assert by_hand.add(asked, six).in_timezone("Asia/Shanghai") == pendulum.datetime(
        2027, 2, 20, 12, tz="Asia/Shanghai"
    )
    assert by_hand.unpublished_years(dt.date(2026, 12, 3), dt.date(2027, 12, 3)) == ()


def test_check_and_opening_a_workspace_warn_about_the_gap(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`clientflow check` prints a warning naming the calendar, the year and the key to
    fill in; a workspace logs the same when it opens; the rules stay valid."""
    done = CliRunner().invoke(cli, ["check", str(RULES_FILE), "--now", "2026-12-03T10:00:00+08:00"])
    assert done.exit_code == 0, done.output
    assert "warning: calendars.shanghai: the make-up working days of 2027 are not published" in (
        done.output
    )
    assert "[calendars.shanghai] extra_working" in done.output
    with caplog.at_level(logging.WARNING, logger="clientflow.config"):
        clientflow.open("memory://", RULES_FILE, clock=clientflow.ManualClock(DECEMBER)).close()
    assert "calendars.shanghai" in caplog.text
    data = tomllib.loads(Path(RULES_FILE).read_text("utf-8"))
    data["calendars"]["shanghai"]["extra_working"] = ["2027-02-20"]
    assert rules_from_dict(data).calendar_warnings(DECEMBER) == ()


def test_the_health_report_notes_the_gap_for_the_client_on_that_calendar() -> None:
    """Lotus runs on the Shanghai calendar: its report says so, in English and Chinese."""
    rules = clientflow.demo.demo_rules()
    rows = health(Portfolio(), rules, DECEMBER, clients=["lotus", "acme"])
    lotus, acme = sorted(rows, key=lambda row: row.client != "lotus")
    assert (lotus.calendar_gaps, acme.calendar_gaps) == ((2027,), ())
    assert "make-up working days of 2027 yet" in to_text(rows, audience="team")
    assert "2027 年调休安排尚未公布，2027 年的截止时间暂按周末均休息计算" in to_text(
        rows, lang=language("zh_CN"), audience="team"
    )
