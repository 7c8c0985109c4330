"""Client-facing texts from templates: per locale, escaped where HTML, overridable by a host."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clientflow import ValidationError, whatif
from clientflow.cadence import (
    Channel,
    Direction,
    Schedule,
    Touchpoint,
    greeting_text,
    monthly_agenda,
    record_touchpoint,
    weekly_report,
)
from clientflow.core import Names
from clientflow.feedback import (
    Channel as FeedbackChannel,
)
from clientflow.feedback import (
    FeedbackPolicy,
    SurveyPolicy,
    Trigger,
    receive,
    request_survey,
    survey_invitation,
    thank_you_note,
)
from clientflow.i18n import LOCALES, TEMPLATE_FOLDER, Templates, language
from clientflow.reports import Portfolio, health, to_html
from tests.cadence.fixtures import NY_SCHEDULE, PM, START, plan

EN, ZH = language("en"), language("zh_CN")


def test_a_host_template_replaces_clientflow_s_and_the_others_stay() -> None:
    folder = Path(__file__).parent / "data" / "host-templates"
    own = Templates(search_path=[folder])
    text = weekly_report(plan(), NY_SCHEDULE, week_start=START, lang=ZH, templates=own)
    assert text.startswith("ACME 周报（host template）: acme / portal\n")
    assert "本周完成" in text  # the host's template still speaks through the catalogue
    summary = thank_you_note(_positive(), sender="Li Wei", templates=own)
    assert summary.startswith("Dear anna,")  # no host version: clientflow's own
    assert own.folders == (str(folder), str(TEMPLATE_FOLDER))


def test_templates_that_do_not_exist_are_named() -> None:
    with pytest.raises(ValidationError, match="template: expected a template in"):
        Templates().render("nothing.txt.j2", EN)
    with pytest.raises(ValidationError, match="search_path: expected folders that exist"):
        Templates(search_path=["/no/such/folder"])


def test_html_is_escaped_and_text_is_not() -> None:
    rules_client = "<script>alert('x')</script> & Co"
    [row] = health(Portfolio(), _rules_with_client(rules_client), START, clients=["acme"])
    page = to_html([row])
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in page
    assert "<script>" not in page
    assert "font:14px/1.45 system-ui" in page  # the stylesheet is markup, left alone
    note = thank_you_note(_positive(), sender="R&D <team>", note="5 > 4 & rising")
    assert note.endswith("5 > 4 & rising\n\nBest regards,\nR&D <team>\n")


def _rules_with_client(name: str) -> object:
    from clientflow.config import rules_from_dict  # noqa: PLC0415

    return rules_from_dict(
        {
            "version": 1,
            "calendars": {"default": {"timezone": "UTC"}},
            "clients": {"acme": {"name": name, "calendar": "default"}},
        }
    )


def _positive() -> object:
    return receive(
        "FB-1", client="acme", project="portal", contact="anna", channel=FeedbackChannel.SURVEY,
        nps=10, policy=FeedbackPolicy(), calendar=NY_SCHEDULE.calendar, actor=PM, now=START,
    ).aggregate  # fmt: skip


def test_a_survey_invitation_and_a_thank_you_in_each_language() -> None:
    sent = request_survey(
        None, "S-1", contact="zhang.lan", client="lotus", trigger=Trigger.PERIODIC,
        policy=SurveyPolicy(), follow_up_open=False, now=START, actor=PM,
    ).aggregate  # fmt: skip
    text = survey_invitation(
        sent, "S-1", project="莲花银行手机银行", link="https://s.example/1", sender="李伟",
        timezone="Asia/Shanghai", names=Names(people={"zhang.lan": "张兰"}), lang=ZH,
    )  # fmt: skip
    assert text == (
        "张兰您好：\n\n想听听您对莲花银行手机银行项目近期工作的意见，问卷大约需要两分钟：\n"
        "https://s.example/1\n\n问卷开放至2026年3月16日（周一）22:00（北京时间），"
        "每一份回答项目经理都会亲自阅读。\n\n谢谢！\n李伟\n"  # noqa: RUF001
    )
    with pytest.raises(ValidationError, match=r"survey_id: expected a survey sent .*\(S-1\)"):
        survey_invitation(sent, "S-9", project="p", link="l", sender="s", timezone="UTC")
    names = Names(projects={"portal": "客户门户"}, people={"anna": "张兰"})
    assert thank_you_note(_positive(), sender="李伟", names=names, lang=ZH) == (
        "张兰您好：\n\n感谢您对客户门户的反馈！很高兴我们的工作让您满意，我们会继续努力。"  # noqa: RUF001
        "\n\n祝好！\n李伟\n"  # noqa: RUF001
    )


def test_only_positive_feedback_is_thanked() -> None:
    negative = receive(
        "FB-2", client="acme", project="portal", contact="anna", channel=FeedbackChannel.SURVEY,
        nps=2, policy=FeedbackPolicy(), calendar=NY_SCHEDULE.calendar, actor=PM, now=START,
    ).aggregate  # fmt: skip
    with pytest.raises(ValidationError, match="positive feedback"):
        thank_you_note(negative, sender="Li Wei")


@pytest.mark.parametrize(
    ("country", "day", "locale", "holiday"),
    [
        ("CN", dt.date(2026, 10, 1), "zh_CN", "国庆节"),
        ("CN", dt.date(2026, 10, 1), "en", "National Day"),
        ("JP", dt.date(2026, 1, 1), "en", "New Year's Day"),  # the package's default is ja
        ("US", dt.date(2026, 12, 25), "zh_CN", "圣诞节"),  # no Chinese names for US: a table
        ("US", dt.date(2026, 7, 3), "zh_CN", "独立日"),  # its observed day
        ("US", dt.date(2026, 10, 12), "zh_CN", "值此节日之际"),  # never an English name
    ],
)
def test_a_holiday_greeting_names_the_holiday_in_the_reader_s_language_where_it_can(
    country: str, day: dt.date, locale: str, holiday: str
) -> None:
    text = greeting_text(day, country=country, client="ACME", sender="Li Wei",
                         lang=language(locale))  # fmt: skip
    assert holiday in text.splitlines()[2]


def test_a_chinese_holiday_greeting_addresses_the_company_and_wishes_a_happy_holiday() -> None:
    """A company is greeted as its leaders and friends (同事 are our own colleagues), one
    address throughout (各位, never 您 beside it), and the letter ends with a wish and is
    signed by the sender and, when given, the team."""
    text = greeting_text(dt.date(2026, 10, 1), country="CN", client="莲花银行", sender="李伟",
                         lang=language("zh_CN"), team="莲花银行手机银行项目组")  # fmt: skip
    lines = text.splitlines()
    assert lines[0] == "尊敬的莲花银行各位领导、朋友："
    assert "向贵司各位致以诚挚的节日祝福" in lines[2]
    assert "您" not in text
    assert lines[-3:] == ["祝节日快乐！", "李伟", "莲花银行手机银行项目组"]  # noqa: RUF001
    unsigned = greeting_text(dt.date(2026, 10, 1), country="CN", client="莲花银行", sender="李伟",
                             lang=language("zh_CN"))  # fmt: skip
    assert unsigned.splitlines()[-2:] == ["祝节日快乐！", "李伟"]  # noqa: RUF001


@pytest.mark.parametrize(
    ("country", "day"),
    [("CN", dt.date(2026, 4, 5)), ("US", dt.date(2026, 5, 25)), ("US", dt.date(2026, 11, 11))],
)
def test_a_day_of_remembrance_gets_no_greeting(country: str, day: dt.date) -> None:
    """清明节, Memorial Day, Veterans Day: refused as holiday_greetings skips them."""
    for locale in ("zh_CN", "en"):
        with pytest.raises(ValidationError, match="not a day of remembrance"):
            greeting_text(day, country=country, client="莲花银行", sender="李伟",
                          lang=language(locale))  # fmt: skip


def test_a_greeting_on_an_ordinary_day_is_refused() -> None:
    with pytest.raises(ValidationError, match="day: expected a public holiday of CN"):
        greeting_text(dt.date(2026, 10, 12), country="CN", client="ACME", sender="Li Wei")


def test_the_monthly_agenda_reviews_last_month_and_plans_the_next() -> None:
    current = plan()
    kept = Touchpoint("T-1", Direction.OUTBOUND, Channel.EMAIL, START.add(days=4))
    current = record_touchpoint(
        current, kept, schedule=NY_SCHEDULE, actor=PM, now=START.add(days=5)
    ).aggregate
    text = monthly_agenda(
        current, NY_SCHEDULE, month=dt.date(2026, 4, 15), lang=ZH,
        issues=["ACME-7 登录失败（P2，处理中）"], risks=["数据迁移延期：高风险，应对策略：减轻"],
    )  # fmt: skip
    lines = text.splitlines()
    assert lines[0] == "月度会议：acme / portal，2026年4月"
    assert lines[1] == "时间：2026年4月7日（周二）09:30（美东时间）"  # first Tuesday, after DST
    assert "1. 上月回顾" in lines
    assert "   - 与客户主动沟通 1 次" in lines
    assert "   - ACME-7 登录失败（P2，处理中）" in lines
    assert lines[lines.index("3. 待审批的变更") + 1] == "   - 无"
    assert "   - Monthly steering meeting：1 次" in lines
    assert lines[-1] == "7. 其他事项"
    english = monthly_agenda(current, NY_SCHEDULE, month=dt.date(2026, 4, 1), lang=EN)
    # Only one March contact was logged: the reports and meeting without one show as missed.
    assert "   - Weekly status report: the one due Fri 03-27 was not sent on time" in english
    assert english.splitlines()[0] == "Monthly meeting: acme / portal, April 2026"


def _empty_what_if() -> whatif.WhatIf:
    nothing = whatif.ClientWhatIf("", whatif.Tally(), whatif.Tally())
    return whatif.WhatIf(START, START.add(days=1), nothing, (), (), (), (), 0, 0, ())


@pytest.mark.parametrize("locale", LOCALES)
def test_every_shipped_template_renders_in_every_locale(locale: str) -> None:
    """No template needs a value the functions do not give, and none is left untranslated."""
    lang = language(locale)
    schedule = Schedule(NY_SCHEDULE.calendar)
    texts = [
        weekly_report(plan(), schedule, week_start=START, lang=lang),
        monthly_agenda(plan(), schedule, month=dt.date(2026, 4, 1), lang=lang),
        greeting_text(dt.date(2026, 10, 1), country="CN", client="c", sender="s", lang=lang),
        thank_you_note(_positive(), sender="s", lang=lang),
        to_html([], lang=lang),
        whatif.to_html(_empty_what_if(), lang=lang),
    ]
    shipped = {path.name for path in TEMPLATE_FOLDER.glob("*.j2")}
    assert len(shipped) == 8
    if locale == "zh_CN":
        for text in texts:
            for english in ("Dear", "Weekly report", "Monthly meeting", "Best regards", "Client"):
                assert english not in text
