"""Golden Chinese texts as a Shanghai PM would send them, and the fixes a native-speaking
PM asked for after reading the demo (issue 24): a weekly report, monthly agendas, the
health report's heading and lines for a client and for the team, the agenda's weeks, the
chart and heat-map tooltips and the answers they count."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner

from clientflow.cli import cli
from clientflow.i18n import language
from clientflow.reports import AgendaItem, agenda_lines
from clientflow.reports.agenda import agenda_section
from tests.zh_outputs import NOW, chinese_outputs


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    folder = tmp_path_factory.mktemp("zh-golden")
    outputs = chinese_outputs(folder)
    return f"sqlite:///{folder / 'demo.db'}", outputs


WEEKLY_LOTUS = """\
周报：莲花银行 / 莲花银行手机银行
2026年11月23日当周（北京时间）

本周完成
- 11月23日、25日、27日，邮件：客户咨询（3 次）
- 11月27日（周五）16:40，邮件：项目周报

当前状态
- 计划内的沟通均按时进行

下周计划
- 12月1日（周二）10:00，月度项目指导会（视频会议，王芳）
- 12月4日（周五）16:00，项目周报（邮件，李伟）

风险与问题
- 变更请求不断扩大项目范围：严重风险，应对策略：减轻
"""

MONTHLY_NORTHWIND = """\
月度会议：Northwind Logistics / 运输管理系统，2026年11月
时间：2026年11月3日（周二）10:00（伦敦时间）

1. 上月回顾
   - 与客户主动沟通 16 次

2. 未关闭的问题与升级
   - 问题 #15：运输管理系统（已升级，由资深同事跟进）
"""

MONTHLY_NORTHWIND_OCTOBER = """\
1. 上月回顾
   - 与客户主动沟通 12 次
   - 项目周报：9月11日（周五）的一期未按时发送
   - 项目周报：9月18日（周五）的一期未按时发送
"""


def test_the_weekly_report_reads_as_a_chinese_pm_writes_it(
    demo: tuple[str, dict[str, str]],
) -> None:
    """Names, not ids (莲花银行, 李伟, 王芳); Chinese titles; 应对策略：减轻;
    the zone named once in the heading, dates of this year without the year, and the
    same contact made three times one line (邮件：客户咨询（3 次）), not three."""
    _, outputs = demo
    assert outputs["weekly report lotus"] == WEEKLY_LOTUS


def test_a_weekly_report_without_risks_says_so_and_counts_the_open_issues(
    demo: tuple[str, dict[str, str]],
) -> None:
    """No note to ourselves (（无记录：请补充…）) sent to a client: 本周无新增风险, then the
    client's open issues counted from the data (Northwind's eight, all escalated; Sakura's
    one, not escalated); a day with two contacts named once with its count."""
    _, outputs = demo
    northwind = outputs["weekly report northwind"]
    assert northwind.endswith("风险与问题\n- 本周无新增风险\n- 未解决的问题 8 个，均已升级跟进\n")
    sakura = outputs["weekly report sakura"]
    assert sakura.endswith("风险与问题\n- 本周无新增风险\n- 未解决的问题 1 个，正在处理\n")
    assert "- 11月24日（2 次）、27日，邮件：客户咨询（3 次）\n" in sakura
    for client in ("lotus", "acme", "northwind", "sakura"):
        assert "无记录" not in outputs[f"weekly report {client}"]


def test_the_monthly_agenda_reads_as_a_chinese_pm_writes_it(
    demo: tuple[str, dict[str, str]],
) -> None:
    """The meeting in the client's zone; an issue by its title, without its id, internal
    priority or level (已升级，由资深同事跟进); a report not sent told by its day, not
    as 错过，原定…; answers counted once (份答卷), 67% without a space."""
    _, outputs = demo
    assert outputs["monthly agenda northwind 11"].startswith(MONTHLY_NORTHWIND)
    assert MONTHLY_NORTHWIND_OCTOBER in outputs["monthly agenda northwind 10"]
    acme = outputs["monthly agenda acme 10"]
    assert "2. 未关闭的问题与升级\n   - 供应商延迟交付旧系统数据导出\n" in acme
    for client in ("lotus", "acme", "northwind", "sakura"):
        for month in (10, 11):
            agenda = outputs[f"monthly agenda {client} {month}"]
            assert not re.search(r"NOR-|ACME-|SAK-|（P\d）|错过|原定", agenda), agenda
            assert "3. 待审批的变更\n" in agenda
    lotus = outputs["monthly agenda lotus 11"]
    assert "5. 满意度与反馈\n   - CSAT 67%，NPS +33（3 份答卷）\n" in lotus
    assert "4. 风险\n   - 变更请求不断扩大项目范围：严重风险，应对策略：减轻\n" in lotus
    assert "6. 下月沟通计划\n   - 项目周报：5 次\n   - 月度项目指导会：1 次\n" in lotus
    assert "第 3 级" not in outputs["monthly agenda northwind 11"]


AGENDA_LI_WEI = """\
时间均为北京时间
已逾期：
  9月17日（周四）10:00  复核风险“唯一的路径算法工程师可能离职”
  11月21日（周六）00:00  项目周报（Northwind Logistics）
本周：
  11月27日（周五）15:00  项目周报（樱花保险）
"""


def test_the_agenda_names_risks_and_its_zone_once(demo: tuple[str, dict[str, str]]) -> None:
    """A risk by its title, not RSK-NW-1; every time in the reader's Beijing time, said
    once at the top (a London client's Friday 16:00 report is 周六 00:00 under it); no
    "：待办" after each entry (the section says it is due)."""
    _, outputs = demo
    for owner in ("li.wei", "chen.jie", "wang.fang"):
        agenda = outputs[f"agenda {owner} (30 days)"]
        assert agenda.startswith("时间均为北京时间\n")
        assert agenda.count("北京时间") == 1
        assert not re.search(r"RSK-|：待办|：逾期", agenda)
    assert outputs["agenda li.wei (30 days)"].startswith(AGENDA_LI_WEI)
    # a deadline as a PM says it: 解决时限即将到期, 已超出解决时限 (not 解决即将到期)
    chen = outputs["agenda chen.jie (30 days)"] + outputs["agenda wang.fang (30 days)"]
    assert "：解决时限即将到期\n" in chen
    assert not re.search(r"：解决即将到期|：解决已超时|「|」", chen)


HEADING = "截至2026年11月30日（周一）08:00（北京时间）的客户健康状况"
CLIENT_HEADING = "截至2026年11月30日（周一）08:00（北京时间）的莲花银行项目状况"


def test_the_health_report_for_a_client_shows_what_a_client_may_read(
    demo: tuple[str, dict[str, str]],
) -> None:
    """No ids, no internal risk, no exposure estimate, no internal target or process gap;
    scores with full-width brackets (83（+50）); one level of brackets in the heading.
    The page is about the project (莲花银行项目状况), and its state reads 需关注, not the
    team's 有风险 about the client (a PM's review: a client reads that as our rating of
    them)."""
    _, outputs = demo
    text = outputs["report text (client)"]
    lines = text.splitlines()
    assert lines[0] == CLIENT_HEADING
    # one client's page (--client lotus): no other client on it
    assert lines[3].split() == [
        "莲花银行", "需关注", "100%", "0", "0", "75（+33）", "42（+17）", "+7.7%",
    ]  # fmt: skip
    # headers a Chinese PM writes: SLA 达成率, 升级中, 逾期沟通, 范围变化 (not 逾期, 范围)
    assert lines[2].split() == [
        "客户", "状态", "SLA", "达成率", "升级中", "逾期沟通", "CSAT", "NPS", "范围变化",
    ]  # fmt: skip
    assert not re.search(r"ACME|Northwind|樱花", text)
    assert "  - 重点风险“变更请求不断扩大项目范围”：严重，应对策略：减轻" in lines
    assert "  - 范围蔓延：已批准的变更使成本增加 7.7%、工期增加 13.3%（阈值 5%）" in lines
    html = outputs["report html (client)"]
    assert "\n莲花银行项目状况\n" in html  # the page's <title> and heading
    assert "\n需关注\n" in html
    assert "\n待审批的变更\n" in html
    # captions a client reads without a list of numbers: the counts are in tooltips
    assert "\n满意度（近 4 周滚动）\n" in html
    assert "\n已批准变更相对基线的增幅（虚线为范围蔓延阈值 5%）\n" in html
    for page in (text, html):
        assert not re.search(r"客户健康状况|有风险|\n评级\n|各点回答数|「|」", page)
    for page in (text, outputs["report html (client)"]):
        assert not re.search(
            r"RSK-|NOR-\d|路径算法工程师|风险敞口|工作小时|复核逾期|调休安排", page
        )
    assert "2026年11月30日（周一）08:00（北京时间）" in outputs["report html (client)"]


def test_the_health_report_for_the_team_shows_everything(
    demo: tuple[str, dict[str, str]],
) -> None:
    """--audience team: ids, the internal risk, the exposure, the internal target."""
    _, outputs = demo
    lines = outputs["report text (team)"].splitlines()
    assert lines[0] == HEADING
    # the team's view keeps its rating of each client
    assert lines[2].split()[:2] == ["客户", "评级"]
    assert lines[4].split()[:2] == ["莲花银行", "有风险"]
    assert "  - 重点风险 RSK-LOTUS-1“变更请求不断扩大项目范围”：严重，风险敞口 ¥84,000" in lines
    assert "  - 重点风险 RSK-NW-1“唯一的路径算法工程师可能离职”：严重" in lines
    assert "  - 2027 年调休安排尚未公布，2027 年的截止时间暂按周末均休息计算" in lines
    assert (
        "  - 未关闭的升级：NOR-15、NOR-16、NOR-17、NOR-19、NOR-20、NOR-21、NOR-22、NOR-23" in lines
    )
    wait = "  - 反馈分派给负责人的中位时间为 11.8 个工作小时"
    assert any(line.startswith(wait) for line in lines)


def test_tooltips_and_the_legend_count_the_same_answers(demo: tuple[str, dict[str, str]]) -> None:
    """Each point's tooltip ("9月14日当周", its answers) agrees with the legend's count at
    that point (in the caption's tooltip, its title attribute): an answer with CSAT and
    NPS is one answer (the legend used to count two)."""
    url, _ = demo
    page = (
        CliRunner()
        .invoke(
            cli, ["report", "--store", url, "--now", NOW, "--locale", "zh_CN", "--format", "html"]
        )
        .output
    )
    cards = page.split('<section class="card">')[1:]
    assert len(cards) == 4
    for card in cards:
        legend = re.search(r'class="answers" title="各点答卷数：([\d、]+)（', card)
        assert legend is not None
        counts = [int(n) for n in legend.group(1).split("、")]
        tips = re.findall(r"<title>截至(\d+月\d+日)当周的近 4 周：CSAT \d+%（(\d+) 份答卷）", card)
        assert tips  # CSAT is drawn once a window has enough answers
        first = len(counts) - len(re.findall(r"<circle[^>]*#1565c0", card))
        assert [int(n) for _, n in tips] == counts[first:]
        assert all(re.fullmatch(r"\d+月\d+日", day) for day, _ in tips)
    assert "<title>概率：很可能（4）；影响：重大（4）；1 项未关闭风险，评级：严重</title>" in page
    # the legend names CSAT with its meaning and says what a point is, as a PM would
    assert "&#9632; CSAT（满意度）</span>" in page
    assert ">满意度（近 4 周滚动）</span>" in page
    assert " x " not in "".join(re.findall(r"<title>([^<]*)</title>", page))


def test_the_risk_register_csv_gives_words_and_the_json_codes(
    demo: tuple[str, dict[str, str]],
) -> None:
    """A spreadsheet for people (范围, 监控中, 是, 李伟); JSON for scripts (scope, monitoring)."""
    url, outputs = demo
    row = outputs["risks lotus csv (team)"].splitlines()[1]
    assert row.startswith(
        "RSK-LOTUS-1,莲花银行,莲花银行手机银行,变更请求不断扩大项目范围,范围,李伟,监控中,"
    )
    # money as a PM writes it (one convention, Language.money), not 84000.00
    assert ',严重,0.7,"¥120,000","¥84,000",CNY,' in row
    team_json = [
        "risks", "--client", "lotus", "--format", "json", "--locale", "zh_CN", "--audience", "team",
    ]  # fmt: skip
    data = CliRunner().invoke(cli, [*team_json, "--store", url]).output
    assert '"status": "monitoring"' in data
    assert '"category": "scope"' in data
    assert '"owner": "li.wei"' in data
    assert '"exposure": "84000.00"' in data  # a plain amount for scripts


CLIENT_HEADER = "风险,类别,负责人,状态,描述,概率,影响,评级,应对策略,下次复核"


def test_the_register_a_client_is_sent_keeps_internal_risks_and_money_out(
    demo: tuple[str, dict[str, str]],
) -> None:
    """`clientflow risks --client X` is attached to the monthly meeting: by default only
    the risks the client may see, without ids, cost, exposure, currency, contingency or
    the visibility flag, under Chinese headers (a PM found the internal 唯一的路径算法工程师
    可能离职 and ¥84,000 in it)."""
    url, outputs = demo
    lotus = outputs["risks lotus csv"].splitlines()
    assert lotus[0] == CLIENT_HEADER
    assert lotus[1] == (
        "变更请求不断扩大项目范围,范围,李伟,监控中,由于发起人绕过指导委员会直接批准新功能，"
        "存在已批准的变更超过 5% 的范围蔓延阈值的风险；一旦发生，将导致固定总价合同的利润被吃掉。"
        ",4,4,严重,减轻,2026年12月1日（周二）16:00（北京时间）"
    )
    # Northwind's only risk is internal: the client's copy is the header alone
    assert outputs["risks northwind csv"].splitlines() == [CLIENT_HEADER]
    for client in ("lotus", "acme", "northwind", "sakura"):
        text = outputs[f"risks {client} csv"]
        assert not re.search(r"RSK-|¥|US\$|CNY|路径算法工程师|改从我方只读副本导出", text), text
    data = CliRunner().invoke(
        cli, ["risks", "--store", url, "--client", "lotus", "--format", "json", "--locale", "zh_CN"]
    )
    [risk] = json.loads(data.output)
    assert list(risk) == [
        "title", "category", "owner", "status", "statement", "probability", "impact",
        "rating", "strategy", "review_due",
    ]  # fmt: skip
    # the team's copy: everything, the stable keys as headers
    team = outputs["risks northwind csv (team)"]
    assert team.startswith("id,client,project,title,")
    assert "RSK-NW-1,Northwind Logistics," in team
    # --audience client needs a client, as report's does (risks always has one)
    board = CliRunner().invoke(
        cli, ["risks", "--store", url, "--client", "lotus", "--audience", "board"]
    )
    assert board.exit_code == 2


SHANGHAI, UTC = "Asia/Shanghai", "UTC"


@pytest.mark.parametrize(
    ("now", "due", "zone", "section"),
    [
        # Wednesday 25 November, 09:00 in Shanghai
        ("2026-11-25T09:00:00+08:00", "2026-11-25T17:00:00+08:00", SHANGHAI, "今天："),
        ("2026-11-25T09:00:00+08:00", "2026-11-29T23:00:00+08:00", SHANGHAI, "本周："),
        ("2026-11-25T09:00:00+08:00", "2026-11-30T09:00:00+08:00", SHANGHAI, "下周："),
        ("2026-11-25T09:00:00+08:00", "2026-12-06T23:59:00+08:00", SHANGHAI, "下周："),
        ("2026-11-25T09:00:00+08:00", "2026-12-07T00:00:00+08:00", SHANGHAI, "下周以后："),
        # 19 days ahead: never "this week" (it was, with --days 30)
        ("2026-11-25T09:00:00+08:00", "2026-12-14T09:00:00+08:00", SHANGHAI, "下周以后："),
        # a month's last Sunday and the next month's first Monday
        ("2026-11-30T09:00:00+08:00", "2026-12-06T18:00:00+08:00", SHANGHAI, "本周："),
        ("2026-12-27T09:00:00+08:00", "2026-12-28T09:00:00+08:00", SHANGHAI, "下周："),
        # Sunday 18:00 UTC is Monday 02:00 in Shanghai: the zone decides the week
        ("2026-11-29T18:00:00+00:00", "2026-11-30T02:00:00+00:00", SHANGHAI, "今天："),
        ("2026-11-29T18:00:00+00:00", "2026-11-30T02:00:00+00:00", UTC, "下周："),
        ("2026-11-29T18:00:00+00:00", "2026-11-29T20:00:00+00:00", UTC, "今天："),
    ],
)
def test_the_agenda_puts_each_day_in_the_reader_s_week(
    now: str, due: str, zone: str, section: str
) -> None:
    """Today, this week (to Sunday), next week, later: by the reader's calendar week."""
    at, when = pendulum.parse(now), pendulum.parse(due)
    assert isinstance(at, pendulum.DateTime)
    assert isinstance(when, pendulum.DateTime)
    item = AgendaItem(when.in_timezone("UTC"), False, "risk", "RSK-1", "lotus", "复核风险 RSK-1")
    lines = agenda_lines((item,), at=at, timezone=zone, lang=language("zh_CN"))
    assert lines[0] == ("时间均为北京时间" if zone == SHANGHAI else "时间均为世界协调时间")
    assert lines[1] == section


def test_week_sections_follow_monday_to_sunday() -> None:
    """From each weekday around New Year, 30 days ahead: the section is the ISO week's."""
    for start in range(7):
        today = dt.date(2026, 12, 28) + dt.timedelta(days=start)
        for ahead in range(0, 30):
            day = today + dt.timedelta(days=ahead)
            weeks = (
                day
                - dt.timedelta(days=day.weekday())
                - (today - dt.timedelta(days=today.weekday()))
            ).days // 7
            expected = (
                "today" if ahead == 0 else ("week", "next week")[weeks] if weeks < 2 else "later"
            )
            assert agenda_section(day, today) == expected, (today, day)


def test_the_root_help_follows_lang(tmp_path: Path) -> None:
    """A Chinese LANG gives the Chinese help; another gives English, as before."""
    chinese = CliRunner().invoke(cli, ["--help"], env={"LANG": "zh_CN.UTF-8", "LC_ALL": ""})
    english = CliRunner().invoke(cli, ["--help"], env={"LANG": "en_US.UTF-8", "LC_ALL": ""})
    assert chinese.output.startswith("用法：")
    assert english.output.startswith("Usage: ")
    assert "Commands:" in english.output


def test_the_demo_reads_as_a_chinese_pm_writes_it(demo: tuple[str, dict[str, str]]) -> None:
    """The Chinese demo as the PM's review asked: numbers spaced from their units, one
    health title, escalations counted as labelled, sentences ending in 。."""
    _, outputs = demo
    lines = outputs["demo"].splitlines()
    assert lines[0] == "正在模拟……"
    assert lines[1] == "1. 截止时间：按各地团队的真实工作日历计算"
    assert "          截止 2026年10月8日（周四）17:00（北京时间），实际经过 1 周 1 天" in lines
    assert "2. 由引擎模拟与四个客户 90 天的合作，每小时检查一次" in lines
    assert "1000 条命令，1613 个事件；55 个问题、48 条反馈、9 个变更请求、4 个沟通计划。" in lines
    assert "首次升级：NOR-2，2026年9月9日（周三）19:00（北京时间）。" in lines
    assert (
        "各客户升级次数（每达到一级计一次）：Northwind Logistics 97 次、ACME Retail 21 次、"
        "莲花银行 17 次。"
    ) in lines
    assert "3. 模拟结束时各客户的情况" in lines


def test_the_what_if_says_earlier_or_later_and_names_levels_in_chinese(
    demo: tuple[str, dict[str, str]],
) -> None:
    """A deadline the proposal does not move says nothing of it; one it moves says 提前
    or 推迟 with the hours, never a signed number; levels by their Chinese names, in order."""
    _, outputs = demo
    rows = [line.split("  ")[0] for line in outputs["what-if text"].splitlines()]
    assert "首次响应 P1 超时" in rows
    assert "解决 P2 超时（截止时间提前 238 个工作小时）" in rows
    levels = [row for row in rows if row.startswith("升级到")]
    assert levels == ["升级到项目经理", "升级到客户总监", "升级到客户方发起人"]
    assert "移动" not in outputs["what-if text"]
    assert "移动" not in outputs["what-if html"]
