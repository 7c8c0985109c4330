"""What a Chinese reader gets follows Chinese conventions: Beijing time and zone names
people use, 年月日 dates with the weekday in full-width parentheses, 、 between items,
no UTC, no ISO stamps, no ASCII punctuation between Chinese words (issue 24)."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path

import click
import pendulum
import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from clientflow import escalation, feedback, risks
from clientflow.cli import cli
from clientflow.demo import RULES_FILE
from clientflow.i18n import language
from clientflow.i18n.conventions import STUCK_TO_UNIT
from tests.zh_outputs import chinese_outputs


class Nested:
    """Finds a full-width bracket opened inside another: （…（…）…）."""

    def search(self, line: str) -> bool:
        depth = 0
        for char in line:
            depth += {"（": 1, "）": -1}.get(char, 0)
            if depth > 1:
                return True
        return False


CODES = "|".join(
    sorted({*escalation.STATUS_WORDS, *feedback.STATUS_WORDS, *risks.STATUS_WORDS} - {"closed"})
)
CJK = r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]"
HAN = r"[\u3400-\u9fff]"
PROSE = r"\b[A-Za-z]{2,} [a-z]{2,} [a-z]{2,}\b"  # three English words in a row
RULES = {
    "UTC or a Z stamp": re.compile(r"\bUTC\b|协调世界时|\d\d:\d\d(:\d\d)?Z\b"),
    "an ISO date": re.compile(r"\b\d{4}-\d\d-\d\d\b"),
    "a zone named as a translation would": re.compile(r"中国标准时间|北美东部|格林尼治标准时间"),
    "ASCII punctuation beside Chinese": re.compile(rf"{CJK}[,;:?!(]|[,;:?!)]{CJK}|{CJK} \("),
    "ASCII brackets in Chinese": re.compile(rf"[\])]\s*{CJK}|{CJK}\s*\[|\d \([+-]?\d"),
    "brackets inside brackets": Nested(),
    "brackets back to back": re.compile(r"）（"),
    "a day with a leading zero": re.compile(r"(?<!\d)0\d日"),
    "a weekday before a bare number": re.compile(r"周[一二三四五六日] \d"),
    "a status left as its code": re.compile(rf"\b(?:{CODES})\b"),
    "a day of the month without 日": re.compile(r"\d月\d{1,2}(?![日\d])"),
    "a number against its unit": STUCK_TO_UNIT,
    "an English word against Chinese": re.compile(rf"{HAN}[a-z]{{3,}}|[a-z]{{3,}}{HAN}"),
    "a move of no hours, or a signed one": re.compile(r"移动 ?[-+]?\d|[-+]\d+(\.\d+)? ?个工作小时"),
}


# For clientflow's own Chinese texts (the demo's data included); a host's data, such as
# an English plan title or an error's English action, may be English on purpose.
ENGLISH_PROSE = re.compile(rf"{HAN}.*{PROSE}|{PROSE}.*{HAN}")


def _offences(text: str, *, prose: bool = False) -> list[str]:
    rules = {**RULES, "English prose beside Chinese": ENGLISH_PROSE} if prose else RULES
    found = []
    for line in text.splitlines():
        if line.lstrip().startswith(("试试：clientflow", "clientflow ")):
            continue  # a command to type keeps its ISO arguments
        found += [f"{name}: {line.strip()}" for name, rule in rules.items() if rule.search(line)]
    return found


def _prose(help_page: str) -> str:
    """A help page without what is typed (usage line, option names and metavars)."""
    lines = []
    for line in help_page.splitlines():
        if line.startswith("用法："):
            continue
        option = re.match(r"\s+-\S.*?\s{2,}(.*)$", line)
        lines.append(option.group(1) if option else line)
    return "\n".join(lines)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return chinese_outputs(tmp_path_factory.mktemp("zh-all"))


def test_every_chinese_output_follows_chinese_conventions(outputs: dict[str, str]) -> None:
    """The demo, reports (text, HTML with its tooltips, for a client and the team),
    agendas, risk registers, weekly reports, monthly agendas, impact summaries and help
    pages: none has a line a translation would write."""
    found = {}
    for name, output in outputs.items():
        text = output
        if name.startswith("risks"):  # the commas between cells are the format's
            text = "\n".join(c for row in csv.reader(io.StringIO(output)) for c in row)
        if name.startswith("help"):
            text = _prose(output)
        if _offences(text, prose=True):
            found[name] = _offences(text, prose=True)
    assert found == {}
    assert len(outputs) > 30


def test_the_chinese_demo_data_reads_as_chinese(outputs: dict[str, str]) -> None:
    """The Shanghai client and the team's names, titles and risk statements are Chinese."""
    demo, lotus = outputs["demo"], outputs["risks lotus csv (team)"]
    assert "莲花银行" in demo
    assert "Lotus Bank" not in demo
    assert "项目周报" in outputs["weekly report lotus"]
    assert "由于发起人绕过指导委员会直接批准新功能，存在已批准的变更" in lotus
    assert ",范围,李伟,监控中," in lotus  # category, owner and status as words and names
    assert lotus.rstrip().endswith(",是")  # client-visible: 是, not yes or True
    assert "（邮件，李伟）" in outputs["weekly report lotus"]  # a person by name, not li.wei


def test_chinese_help_and_progress_follow_the_locale(outputs: dict[str, str]) -> None:
    """--locale zh_CN (or a Chinese LANG) gives Chinese help pages and progress lines."""
    assert outputs["help"].startswith("用法：")
    assert "命令：" in outputs["help"]
    assert "选项：" in outputs["help"]
    assert "各客户的健康状况" in outputs["help"]
    assert "阅读者使用的语言" in outputs["help report"]
    assert "（必填）" in outputs["help report"]
    assert "正在模拟……" in outputs["demo"]
    assert "simulating days" not in outputs["demo"]


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('zh') / 'demo.db'}"
    done = CliRunner().invoke(cli, ["demo", "--locale", "zh_CN", "--store", url])
    assert done.exit_code == 0, done.output
    return url, done.output


def test_the_chinese_demo_follows_chinese_conventions(demo_store: tuple[str, str]) -> None:
    """Every line of `clientflow demo --locale zh_CN` but the command it suggests."""
    _, output = demo_store
    assert "（北京时间）" in output
    assert _offences(output) == []


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_the_chinese_health_report_follows_chinese_conventions(
    demo_store: tuple[str, str], fmt: str
) -> None:
    """The report a Chinese reader opens: its heading in Beijing time, its lists with 、."""
    url, _ = demo_store
    done = CliRunner().invoke(
        cli,
        ["report", "--store", url, "--now", "2026-11-30T08:00:00+08:00", "--locale", "zh_CN",
         "--format", fmt],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    page = re.sub(r"<[^>]+>", "\n", done.output) if fmt == "html" else done.output
    assert "2026年11月30日（周一）08:00（北京时间）" in page
    assert _offences(page) == []


def test_the_chinese_agenda_follows_chinese_conventions(demo_store: tuple[str, str]) -> None:
    """chen.jie reads Chinese in Shanghai (the demo rules' [people])."""
    url, _ = demo_store
    done = CliRunner().invoke(
        cli, ["agenda", "--store", url, "--owner", "chen.jie", "--now", "2026-11-25T09:00:00+08:00"]
    )
    assert done.exit_code == 0, done.output
    assert _offences(done.output) == []


@given(
    st.datetimes(
        min_value=pendulum.datetime(1971, 1, 1).naive(),
        max_value=pendulum.datetime(2198, 12, 31).naive(),
    ),
    st.sampled_from(
        ["Asia/Shanghai", "America/New_York", "Europe/London", "Asia/Tokyo", "UTC",
         "Australia/Sydney", "America/Sao_Paulo"]
    ),
)  # fmt: skip
def test_any_instant_in_any_zone_reads_as_chinese_writes_it(when: object, zone: str) -> None:
    """年月日, the weekday in （）, 24-hour time, the zone's everyday name; nothing ISO."""
    at = pendulum.instance(when, tz="UTC")  # type: ignore[arg-type]
    text = language("zh_CN").instant(at, zone)
    local = at.in_timezone(zone)
    assert text.startswith(f"{local.year}年{local.month}月{local.day}日（周")
    assert re.fullmatch(
        r"\d{4}年\d{1,2}月\d{1,2}日（周[一二三四五六日]）\d\d:\d\d（[^（）]+时间）", text
    )
    assert _offences(text) == []


def test_zone_names_are_the_ones_people_use() -> None:
    """北京时间 for China, 美东时间 for New York, a city's time elsewhere."""
    zh = language("zh_CN")
    assert [zh.zone(z) for z in ("Asia/Shanghai", "America/New_York", "Asia/Tokyo")] == [
        "北京时间", "美东时间", "东京时间",
    ]  # fmt: skip
    assert zh.day_ranges([1, 2, 3, 4, 5, 6, 7, 11, 17, 18]) == "1—7日、11日、17—18日"
    assert language("en").day_ranges([1, 2, 3, 11]) == "1-3, 11"


def test_every_rule_of_the_scan_catches_what_it_names(tmp_path: Path) -> None:
    """The scan itself: each rule flags a line a translation would write."""
    samples = [
        "截止 2026-10-08 17:00",
        "客户健康状况（2026-11-30 00:00 UTC）",
        "截止 周四 17:00 中国标准时间",
        "1 项未关闭风险 (1 严重)",
        "不上班的日子：01日、02日",
        "调休工作日：周六 10",
        "问题 ISS-2（P1，reported）",
        "83 (+50)  42（+17）",
        "客户健康状况（2026年11月30日（周一）08:00（北京时间））",
        "截止 10月8日（周四）17:00（北京时间）（实际经过 1周 1天）",
        "项目周报（Northwind Logistics）[逾期]",
        "9月14 当周：CSAT 100",
        "由于the sponsor approves features，可能…",
        "RSK-NW-1,northwind,范围,li.wei,monitoring",
        "截止 10月8日（周四）17:00（北京时间），实际经过 1周 1天",
        "升级到account director",
        "解决 P2 超时（截止时间移动 -238 个工作小时）",
        "首次响应 P1 超时（截止时间移动 0 个工作小时）",
    ]
    assert all(_offences(sample, prose=True) for sample in samples)


def test_every_status_a_person_reads_has_words_in_each_language() -> None:
    """Issue and feedback statuses (each state of their machines) are shown as words,
    never as codes like ``reported`` in Chinese text."""
    zh = language("zh_CN")
    for machine, words in [
        (escalation.IssueMachine, escalation.STATUS_WORDS),
        (feedback.FeedbackMachine, feedback.STATUS_WORDS),
    ]:
        states = {state.id for state in machine.states}
        assert set(words) == states
        assert all(re.search(r"[\u4e00-\u9fff]", zh.gettext(words[s])) for s in states)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_chinese_risk_register_follows_chinese_conventions(
    demo_store: tuple[str, str], fmt: str
) -> None:
    """`clientflow risks --locale zh_CN`: English column keys, but review dates in Beijing
    time and ratings and statements in Chinese, never Z stamps."""
    url, _ = demo_store
    done = CliRunner().invoke(
        cli, ["risks", "--store", url, "--client", "lotus", "--format", fmt, "--locale", "zh_CN"]
    )
    assert done.exit_code == 0, done.output
    assert "（北京时间）" in done.output
    assert "由于" in done.output
    if fmt == "csv":  # the commas between cells are the format's, not prose: scan each cell
        cells = [cell for row in csv.reader(io.StringIO(done.output)) for cell in row]
        assert all(_offences(cell) == [] for cell in cells), [_offences(c) for c in cells]
    else:  # codes and ids stay in JSON, for scripts: what people read is scanned
        codes = {"id", "client", "project", "owner", "status", "category", "currency"}
        rows = json.loads(done.output)
        texts = [str(v) for row in rows for k, v in row.items() if k not in codes]
        assert [_offences(text) for text in texts if _offences(text)] == []
        assert {row["status"] for row in rows} <= set(risks.STATUS_WORDS)


_NUMBERS = re.compile(r"\{(?:n|count|hours|minutes|percent|days|weeks)(?::[^}]*)?\}")


def test_the_catalogue_spaces_every_number_from_the_chinese_beside_it() -> None:
    """One convention for a number and its unit, in every message: 「1 周 1 天」, 「剩余 15
    分钟」, 「第 1 级」, 「已用 75%」, never 「1周」 or 「剩余15分钟」 (a PM's review found both
    in one demo)."""
    folder = Path(__file__).resolve().parents[1] / "src/clientflow/i18n/locale/zh_CN"
    with (folder / "LC_MESSAGES/clientflow.po").open("rb") as file:
        catalog = read_po(file, locale="zh_CN")
    stuck = re.compile(rf"{HAN}8|8{HAN}")
    found = [
        text
        for message in catalog
        if message.id
        for text in ([message.string] if isinstance(message.string, str) else message.string)
        if STUCK_TO_UNIT.search(t := _NUMBERS.sub("8", text)) or stuck.search(t)
    ]
    assert found == []


def test_a_duration_reads_in_units_each_spaced_from_its_number() -> None:
    """The wall-clock time the demo shows beside a deadline, in both languages."""
    week, day = pendulum.duration(weeks=1), pendulum.duration(days=1)
    zh, en = language("zh_CN"), language("en")
    assert zh.duration(week + day) == "1 周 1 天"
    assert zh.duration(pendulum.duration(days=2, hours=21)) == "2 天 21 小时"
    assert en.duration(week + day * 3) == "1 week 3 days"
    assert zh.duration(pendulum.duration(seconds=0)) == "0 秒"


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((*path, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
    return found


@pytest.mark.parametrize("how", ["LANG", "--locale"])
@pytest.mark.parametrize("command", _commands(cli), ids=" ".join)
def test_every_command_s_help_reads_in_chinese(command: tuple[str, ...], how: str) -> None:
    """Every subcommand (and the rules group's), not only the four a PM tried first:
    under LANG=zh_CN or `clientflow --locale zh_CN`, its help page has no English
    sentence left (what is typed — options, metavars, URLs — stays as typed)."""
    if how == "LANG":
        done = CliRunner().invoke(cli, [*command, "--help"], env={"LANG": "zh_CN.UTF-8"})
    else:
        done = CliRunner().invoke(cli, ["--locale", "zh_CN", *command, "--help"])
    assert done.exit_code == 0, done.output
    prose = _prose(done.output)
    assert re.search(HAN, prose), done.output
    english = [line for line in prose.splitlines() if re.search(PROSE, line)]
    assert english == []
    assert _offences(prose, prose=True) == []
    # click's 80 columns, counted as a terminal shows them: a Chinese character takes two
    wide = [line for line in done.output.splitlines() if _cells(line) > 80]
    assert wide == []


def _cells(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_what_commands_print_reads_in_chinese_under_a_chinese_lang(
    demo_store: tuple[str, str],
) -> None:
    """`check`, `sweep` and `check-store` under LANG=zh_CN: their summary lines are
    Chinese, the instant in Beijing time (a team lead reads them, not only scripts)."""
    url, _ = demo_store
    env = {"LANG": "zh_CN.UTF-8"}
    checked = CliRunner().invoke(cli, ["check", str(RULES_FILE)], env=env)
    assert f"{RULES_FILE}：校验通过（5 个日历、" in checked.output
    swept = CliRunner().invoke(
        cli, ["sweep", "--store", url, "--now", "2026-12-01T08:00:00+08:00"], env=env
    )
    last = swept.output.splitlines()[-1]
    assert last.startswith("定时检查已运行至2026年12月1日（周二）08:00（北京时间）：")
    assert _offences(last, prose=True) == []
    store = CliRunner().invoke(cli, ["check-store", "--store", url], env=env)
    assert store.output.splitlines()[-1].endswith("个事项，正常")
