"""What a web form may put into ids, text, numbers and lists: refused at the edge, once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import clientflow
from clientflow import Actor, ConfigError, ManualClock, ValidationError
from clientflow.changes import Impact, Money, Priority, Risk
from clientflow.cli import cli
from clientflow.config import load_rules
from clientflow.core import check_line, check_text, continued, decimal_of
from clientflow.demo import RULES_FILE
from clientflow.ports import Query

MONDAY = pendulum.datetime(2026, 3, 2, 2)
ANNA = Actor("anna", {"client"})
LI = Actor("li.wei", {"pm"})


@pytest.mark.parametrize(
    "amount",
    ["1e999999", "9e999999999", "-1e15", "0.00001", 10**5000, "x" * 500, "NaN"],
    ids=["1e999999", "9e999999999", "-1e15", "5 places", "5001 digits", "500 chars", "NaN"],
)
def test_money_out_of_range_or_too_precise_is_refused_when_made(amount: object) -> None:
    """ "1e999999 USD" never becomes Money that a report would overflow formatting."""
    with pytest.raises(ValidationError, match="below 10\\^15 with at most 4 decimal places"):
        Money(amount, "USD")  # type: ignore[arg-type]


@given(
    st.decimals(
        min_value=Decimal("-999999999999999.9999"),
        max_value=Decimal("999999999999999.9999"),
        places=4,
        allow_nan=False,
    )
)
@settings(max_examples=50)
def test_money_in_range_is_kept_exactly_and_formats(amount: Decimal) -> None:
    """Every amount in the documented range is kept to the cent and prints."""
    money = Money(amount, "EUR")
    assert money.amount == amount
    assert str(money).endswith(" EUR")


def test_decimal_places_beyond_four_are_kept_when_they_are_zeros() -> None:
    """ "1.50000" is 1.5, not a refusal."""
    assert decimal_of("1.50000", "effort_hours") == Decimal("1.5")


@pytest.mark.parametrize(
    "text", ["SSO\n## FORGED", "SSO\r- FORGED", "a\u2028b", "\u202egnp.exe", "x\u2066y", "\x85"]
)
def test_a_title_refuses_line_breaks_and_bidi_controls(text: str) -> None:
    """Single-line fields (titles, names) hold one line, read in the order it is stored."""
    with pytest.raises(ValidationError, match="on one line"):
        check_line(text, "title")


@pytest.mark.parametrize("text", ["\u202eevil", "a\udcffb", "x\x9by", "nul\x00"])
def test_multi_line_text_refuses_bidi_controls_surrogates_and_controls(text: str) -> None:
    """A note may span lines, but never hides its order or breaks a driver."""
    with pytest.raises(ValidationError, match="bidi controls"):
        check_text(text, "note")
    assert check_text("line one\nline two", "note") == "line one\nline two"


def test_continuation_lines_of_a_note_cannot_start_their_own_heading() -> None:
    """A rendered note's later lines are indented under it."""
    assert continued("ok\n## FORGED\n- FORGED") == "ok\n  ## FORGED\n  - FORGED"


def _ws(tmp_path: Path) -> clientflow.workspace.Workspace:
    return clientflow.open(f"sqlite:///{tmp_path / 'ws.db'}", RULES_FILE, clock=ManualClock(MONDAY))


def test_a_forged_line_in_a_thank_you_note_stays_inside_the_letter(tmp_path: Path) -> None:
    """Line breaks in a note are indented in the letter; the rest of it stays as it was."""
    with _ws(tmp_path) as ws:
        ws.feedback.receive(
            "FB-1", by=LI, client="lotus", project="lotus-app", contact="anna",
            channel="email", csat=5,
        )  # fmt: skip
        ws.feedback.triage("FB-1", by=LI)
        thanked = ws.feedback.thank("FB-1", by=LI, message="Thanks!\n## FORGED\n- FORGED")
        assert thanked.events
    from clientflow.i18n import Templates, language  # noqa: PLC0415

    letter = Templates().render(
        "thank_you.txt.j2", language("en"), contact="anna", project="p", sender="li",
        note="Thanks!\n## FORGED\n- FORGED",
    )  # fmt: skip
    lines = letter.splitlines()
    assert "## FORGED" not in lines
    assert "- FORGED" not in lines
    assert "    ## FORGED" in lines


def test_a_list_where_an_id_is_expected_is_a_validation_error(tmp_path: Path) -> None:
    """`client: ["lotus"]` in a report, overview or export names the parameter."""
    with _ws(tmp_path) as ws:
        with pytest.raises(ValidationError, match="client"):
            ws.issues.report(
                "ISS-1", by=ANNA, client=["lotus"], project="lotus-app",  # type: ignore[arg-type]
                title="Down", priority="P2", owner="chen.jie",
            )  # fmt: skip
        with pytest.raises(ValidationError, match="client"):
            ws.overview({"id": "lotus"})  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="client"):
            ws.risks.export_csv(["lotus"])  # type: ignore[arg-type]
        assert ws.all_rows(Query(kind="issue")) == []


def test_a_string_where_a_list_is_expected_is_refused_not_split(tmp_path: Path) -> None:
    """`participants: "anna"` is refused; it never becomes ('a', 'n', 'n', 'a')."""
    with _ws(tmp_path) as ws:
        ws.plans.create("P-1", by=LI, client="lotus", project="lotus-app")
        with pytest.raises(ValidationError, match="participants"):
            ws.plans.record_touchpoint(
                "P-1", by=LI,
                touchpoint={"id": "m1", "direction": "inbound", "channel": "email",
                            "at": "2026-03-02T09:30:00+08:00", "participants": "anna"},
            )  # fmt: skip
        assert ws.plans.get("P-1").touchpoints == ()


def test_paging_and_month_arguments_of_the_wrong_type_are_validation_errors(
    tmp_path: Path,
) -> None:
    """`list(limit="x")`, a huge limit and `monthly_agenda(month="2026-10")` are refused."""
    with _ws(tmp_path) as ws:
        ws.plans.create("P-1", by=LI, client="lotus", project="lotus-app")
        for limit in ("x", 10**40, -1, None):
            with pytest.raises(ValidationError, match="limit"):
                ws.changes.list(limit=limit)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="after"):
            ws.changes.list(after=["CR-1"])  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="month"):
            ws.plans.monthly_agenda("P-1", month="2026-10")  # type: ignore[arg-type]


def test_a_client_id_longer_than_the_id_limit_is_refused_on_every_store(tmp_path: Path) -> None:
    """A 300-character client is a ValidationError before any store sees it."""
    for url in ("memory://", f"sqlite:///{tmp_path / 'ws.db'}"):
        with clientflow.open(url, RULES_FILE, clock=ManualClock(MONDAY)) as ws:
            with pytest.raises(ValidationError, match="client"):
                ws.feedback.receive(
                    "FB-1", by=LI, client="x" * 300, project="lotus-app", contact="anna",
                    channel="email", csat=2,
                )  # fmt: skip
            assert ws.all_rows(Query(kind="feedback")) == []


def test_a_milestone_with_a_lone_surrogate_is_refused_before_saving(tmp_path: Path) -> None:
    """An impact whose milestone no store can encode is refused, on memory as on SQLite."""
    with pytest.raises(ValidationError, match="milestones"):
        Impact(
            schedule_days=1, cost=Money("1", "EUR"), effort_hours=1, risk=Risk.LOW,
            in_scope=True, priority=Priority.MUST, milestones=("go-live\udcff",),
        )  # fmt: skip


def test_a_rules_file_with_a_5001_digit_number_is_a_config_error(tmp_path: Path) -> None:
    """`clientflow check` gets a ConfigError naming the file, printed without a traceback."""
    path = tmp_path / "rules.toml"
    path.write_text("version = 1\nx = " + "9" * 5001 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="thousands of digits"):
        load_rules(path)
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert isinstance(result.exception, ConfigError)  # main() prints it as one line
    assert "thousands of digits" in str(result.exception)


def test_a_plan_start_in_the_year_9999_names_its_key(tmp_path: Path) -> None:
    """A start beyond the supported years is a ConfigError at the item's start key."""
    text = RULES_FILE.read_text(encoding="utf-8")
    path = tmp_path / "rules.toml"
    path.write_text(
        text.replace("start = 2026-09-04T16:00:00", "start = 9999-12-31T23:00:00", 1),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    assert [p.path for p in caught.value.problems] == ["plans.weekly.items[0].start"]
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert isinstance(result.exception, ConfigError)  # main() prints it as one line


@pytest.mark.parametrize("days", [10**5000, 36_601, -36_601], ids=["5001 digits", "over", "under"])
def test_a_schedule_delay_beyond_a_century_is_refused(days: int) -> None:
    """An impact's schedule_days is bounded, so every report can print it."""
    with pytest.raises(ValidationError, match="schedule_days"):
        Impact(
            schedule_days=days, cost=Money("1", "EUR"), effort_hours=1, risk=Risk.LOW,
            in_scope=True, priority=Priority.MUST,
        )  # fmt: skip
