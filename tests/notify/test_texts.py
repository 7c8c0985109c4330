"""Golden texts (issue 24): what a client and the team's group read, word for word, in
Chinese as a project manager in Shanghai would write them and in English, from one issue's
life: reported, warned, escalated, acknowledged, a question for the client, resolved."""

# ruff: noqa: RUF001, RUF002 - Chinese punctuation is what these tests check
from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientflow import Actor, ManualClock
from clientflow.changes import Impact, Money, Priority
from clientflow.changes import Risk as ChangeRisk
from clientflow.config import Rules, rules_from_dict
from clientflow.core import DomainEvent, EventMeta
from clientflow.escalation import ClientNotified, IssueClosed, IssueReopened
from clientflow.i18n import Templates, language
from clientflow.notify import (
    Message,
    Route,
    Router,
    client_notice,
    client_title,
    describe_from,
    subject_from,
)
from clientflow.ports import PermanentDeliveryError
from clientflow.workspace import open_workspace

MONDAY = pendulum.datetime(2026, 3, 2, 1)  # 09:00 in Shanghai


class Recorder:
    """A host's own channel: keeps what it is given (a team group or a client's)."""

    kind: ClassVar[str] = "wecom"

    def __init__(self, name: str) -> None:
        self.name = name
        self.got: list[tuple[str, Message]] = []

    def deliver(self, message: Message, event: DomainEvent) -> None:
        self.got.append((event.event_type, message))

    def send(self, text: str, event: DomainEvent) -> None:  # pragma: no cover - deliver is used
        raise AssertionError("a rich channel is given the message")


def rules(locale: str, notices: str = "standard") -> Rules:
    zone = "Asia/Shanghai" if locale == "zh_CN" else "America/New_York"
    return rules_from_dict(
        {
            "version": 1,
            "calendars": {
                "shanghai": {"timezone": "Asia/Shanghai", "hours": ["09:00-12:00", "13:00-18:00"]}
            },
            "sla": [
                {"name": "gold", "targets": {"P1": {"first_response": "1h", "resolution": "8h"}}}
            ],
            "escalation": {
                "standard": {
                    "levels": [
                        {"name": "项目经理" if locale == "zh_CN" else "project manager",
                         "notify": ["role:pm"], "delay": "2h"},
                    ]
                }
            },
            "directory": {"pm": ["li.wei"]},
            "approval": {  # a low-risk change within scope is approved as a standard one
                "default": {
                    "routes": [{"name": "standard", "when": {"max_risk": "low", "in_scope": True}}]
                }
            },
            "clients": {
                "mingzhu": {
                    "name": "明珠银行" if locale == "zh_CN" else "Pearl Bank",
                    "projects": ["app"],
                    "calendar": "shanghai",
                    "escalation": "standard",
                    "locale": locale,
                    "notices": notices,
                }
            },
            "people": {
                "li.wei": {"name": "李伟" if locale == "zh_CN" else "Li Wei", "locale": locale,
                           "timezone": zone, "wecom": "LiWei"},
                "chen.jie": {"name": "陈杰" if locale == "zh_CN" else "Chen Jie", "locale": locale,
                             "timezone": zone, "wecom": "ChenJie"},
            },
            "notify": {"link": "https://pm.example.com/issues/{id}", "channels": {}, "routes": []},
        }
    )  # fmt: skip


def life(declared: Rules, templates: Templates | None = None) -> tuple[Recorder, Recorder]:
    """One P1 issue's life, every sweep on time; what the team and the client were sent."""
    clock = ManualClock(MONDAY)
    team, client = Recorder("team"), Recorder("client")
    with open_workspace("memory://", declared, clock=clock) as quiet:
        router = Router(
            [Route(("team",)), Route(("client",))],
            {"team": team, "client": client},
            describe=describe_from(quiet.engine.kinded),
            now=lambda: clock.now().timestamp(),
            directory=declared,
            audience={"client": "client"},
            link=declared.notify.link if declared.notify else None,
            templates=templates,
            subject=subject_from(quiet.engine.kinded),
            team_name=declared.notify.team_name if declared.notify else "",
        )
        ws = open_workspace(quiet.store, declared, clock=clock, notifier=router)
        anna = Actor("anna", {"client"}, clients={"mingzhu"})
        chen = Actor("chen.jie", {"team"})
        zh = declared.clients["mingzhu"].locale == "zh_CN"
        title = "手机银行登录页打不开" if zh else "Mobile banking login fails"
        ws.issues.report(
            "ISS-1", by=anna, client="mingzhu", project="app", title=title, priority="P1",
            owner="chen.jie",
        )  # fmt: skip
        for minutes in (30, 45, 60):  # 50 % and 75 % of the first response, then its breach
            clock.set(MONDAY.add(minutes=minutes))
            ws.sweep()
        clock.set(MONDAY.add(minutes=70))
        ws.issues.acknowledge("ISS-1", by=chen)
        question = "请提供出错时的截图和手机型号？" if zh else "Could you send a screenshot?"
        ws.issues.wait_on_client("ISS-1", by=chen, reason=question)
        ws.issues.client_replied("ISS-1", by=anna, message="OK")
        resolution = (
            "已修复登录接口的证书配置" if zh else "The login service's certificate was renewed"
        )
        ws.issues.resolve("ISS-1", by=chen, resolution=resolution)
        ws.deliver()
    return team, client


def texts(channel: Recorder, event_type: str) -> list[str]:
    return [message.text for kind, message in channel.got if kind == event_type]


# Every notice of the issue's life, in order, as each side reads it.
ZH_TEAM = [
    (
        "issue.reported",
        "新问题：ISS-1（明珠银行，P1）\n"
        "“手机银行登录页打不开”\n"
        "@陈杰 请在3月2日（周一）10:00（北京时间）前回复客户（剩余 1 个工作小时）。\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.sla_threshold_reached",
        "时限预警：ISS-1（明珠银行，P1）\n"
        "首次响应时限已用 50%。\n"
        "@陈杰 请在3月2日（周一）10:00（北京时间）前回复客户（剩余 30 分钟）。\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.sla_threshold_reached",
        "时限预警：ISS-1（明珠银行，P1）\n"
        "首次响应时限已用 75%。\n"
        "@陈杰 请在3月2日（周一）10:00（北京时间）前回复客户（剩余 15 分钟）。\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.escalated",
        "问题升级：ISS-1（明珠银行，P1）\n"
        "已升级至项目经理（第 1 级）。负责人陈杰尚未回复客户（首次响应时限已用 75%）。\n"
        "@李伟 请跟进，3月2日（周一）10:00（北京时间）前须回复客户（剩余 15 分钟）。\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.client_notified",
        "已通知客户：ISS-1（明珠银行）\n"
        "“您反馈的问题已升级，由资深同事负责跟进，我们会尽快给您答复。”\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.sla_threshold_reached",
        "已超时：ISS-1（明珠银行，P1）\n"
        "已超出首次响应时限。\n"
        "@陈杰 请立即回复客户：时限已于3月2日（周一）10:00（北京时间）到期。\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.acknowledged",
        "已受理：ISS-1（明珠银行，P1）\n"
        "陈杰已回复客户。\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.waiting_on_client",
        "等待客户：ISS-1（明珠银行，P1）\n"
        "陈杰已向客户询问：“请提供出错时的截图和手机型号”，客户回复前暂停计时。\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.client_notified",
        "已通知客户：ISS-1（明珠银行）\n"
        "“请提供出错时的截图和手机型号。收到您的回复后，我们会马上继续处理。”\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.client_replied",
        "客户已回复：ISS-1（明珠银行，P1）\n"
        "“OK”\n"
        "@陈杰 请继续处理，时限计时已恢复。\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.resolved",
        "已解决：ISS-1（明珠银行，P1）\n"
        "陈杰：已修复登录接口的证书配置。\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.deescalated",
        "升级已解除：ISS-1（明珠银行，P1）\n"
        "问题已解决，升级随之解除。\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.client_notified",
        "已通知客户：ISS-1（明珠银行）\n"
        "“您反馈的问题已解决：已修复登录接口的证书配置。如仍有问题，请随时告诉我们。”\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
    ),
]

ZH_CLIENT = [
    # "已收到", not "已受理": the team's word for an acknowledgement is not the client's.
    "已收到：手机银行登录页打不开\n您反馈的问题我们已收到，会尽快安排专人处理。",
    "已升级：手机银行登录页打不开\n您反馈的问题已升级，由资深同事负责跟进，我们会尽快给您答复。",
    "处理中：手机银行登录页打不开\n负责同事已开始处理您的问题，有进展会第一时间告诉您。",
    "需要您协助：手机银行登录页打不开\n"
    "请提供出错时的截图和手机型号。收到您的回复后，我们会马上继续处理。",
    "已解决：手机银行登录页打不开\n"
    "您反馈的问题已解决：已修复登录接口的证书配置。如仍有问题，请随时告诉我们。",
]

EN_TEAM = [
    (
        "issue.reported",
        "New issue: ISS-1 (Pearl Bank, P1)\n"
        '"Mobile banking login fails"\n'
        "@Chen Jie, please respond to the client by Sun 2026-03-01 21:00 EST (1"
        " business hour left).\n"
        "Open: https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.sla_threshold_reached",
        "SLA warning: ISS-1 (Pearl Bank, P1)\n"
        "First response at 50%.\n"
        "@Chen Jie, please respond to the client by Sun 2026-03-01 21:00 EST "
        "(30 business minutes left).\n"
        "Open: https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.sla_threshold_reached",
        "SLA warning: ISS-1 (Pearl Bank, P1)\n"
        "First response at 75%.\n"
        "@Chen Jie, please respond to the client by Sun 2026-03-01 21:00 EST "
        "(15 business minutes left).\n"
        "Open: https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.escalated",
        "Escalated: ISS-1 (Pearl Bank, P1)\n"
        "Escalated to project manager (level 1). Chen Jie, the owner, has not "
        "responded to the client yet (first response at 75%).\n"
        "@Li Wei, please follow up: respond to the client by Sun 2026-03-01 "
        "21:00 EST (15 business minutes left).\n"
        "Open: https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.client_notified",
        "Client notified: ISS-1 (Pearl Bank)\n"
        '"Your issue has been escalated to a senior member of our team, who '
        'will get back to you shortly."\n'
        "Open: https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.sla_threshold_reached",
        "SLA breached: ISS-1 (Pearl Bank, P1)\n"
        "First response breached.\n"
        "@Chen Jie, please respond to the client now: it was due Sun 2026-03-01"
        " 21:00 EST.\n"
        "Open: https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.acknowledged",
        "Acknowledged: ISS-1 (Pearl Bank, P1)\n"
        "Chen Jie has responded to the client.\n"
        "Open: https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.waiting_on_client",
        "Waiting on the client: ISS-1 (Pearl Bank, P1)\n"
        'Chen Jie asked the client: "Could you send a screenshot?"; the SLA '
        "clock is paused until the client replies.\n"
        "Open: https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.client_notified",
        "Client notified: ISS-1 (Pearl Bank)\n"
        '"We need your input: Could you send a screenshot? We will carry on as '
        'soon as we hear from you."\n'
        "Open: https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.client_replied",
        "Client replied: ISS-1 (Pearl Bank, P1)\n"
        '"OK"\n'
        "@Chen Jie, please carry on; the SLA clock is running again.\n"
        "Open: https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.resolved",
        "Resolved: ISS-1 (Pearl Bank, P1)\n"
        "Chen Jie: The login service's certificate was renewed.\n"
        "Open: https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.deescalated",
        "Escalation closed: ISS-1 (Pearl Bank, P1)\n"
        "The issue is resolved; its escalation is closed.\n"
        "Open: https://pm.example.com/issues/ISS-1",
    ),
    (
        "issue.client_notified",
        "Client notified: ISS-1 (Pearl Bank)\n"
        "\"Your issue has been resolved: The login service's certificate was "
        'renewed. If anything is still not right, just let us know."\n'
        "Open: https://pm.example.com/issues/ISS-1",
    ),
]

EN_CLIENT = [
    "Received: Mobile banking login fails\n"
    "We have received your issue and will get back to you shortly.",
    "Escalated: Mobile banking login fails\n"
    "Your issue has been escalated to a senior member of our team, who will"
    " get back to you shortly.",
    "In progress: Mobile banking login fails\n"
    "The colleague in charge has started work on your issue; we will keep "
    "you posted.",
    "Your input needed: Mobile banking login fails\n"
    "We need your input: Could you send a screenshot? We will carry on as "
    "soon as we hear from you.",
    "Resolved: Mobile banking login fails\n"
    "Your issue has been resolved: The login service's certificate was "
    "renewed. If anything is still not right, just let us know.",
]


@pytest.mark.parametrize(
    ("locale", "team_texts", "client_texts"),
    [("zh_CN", ZH_TEAM, ZH_CLIENT), ("en", EN_TEAM, EN_CLIENT)],
)
def test_the_team_and_the_client_read_what_a_project_manager_would_write(
    locale: str, team_texts: list[tuple[str, str]], client_texts: list[str]
) -> None:
    """Team notices name who acts, by when (their zone, business time left) and link to
    the issue, every step of it worded; the client reads the standard policy: nothing
    internal, the state and the issue's subject as the title, one escalation notice."""
    team, client = life(rules(locale))
    assert [(kind, message.text) for kind, message in team.got] == team_texts
    assert [message.text for _, message in client.got] == client_texts


def test_the_team_group_mentions_whoever_must_act_in_wecom_markup() -> None:
    """The escalation @mentions the level's people (a role resolved to its holders) first,
    names the owner who has not yet replied, and labels the link, never the raw URL."""
    team, _ = life(rules("zh_CN"))
    [escalated] = [m for kind, m in team.got if kind == "issue.escalated"]
    assert escalated.markdown("wecom") == (
        "**问题升级：ISS-1（明珠银行，P1）**\n"
        "已升级至项目经理（第 1 级）。负责人陈杰尚未回复客户（首次响应时限已用 75%）。\n"
        "<@LiWei> 请跟进，3月2日（周一）10:00（北京时间）前须回复客户（剩余 15 分钟）。\n"
        "[查看详情](https://pm.example.com/issues/ISS-1)"
    )
    for _, message in team.got:
        assert "[https://" not in message.markdown("wecom")


def test_one_escalation_notice_per_level_when_the_warning_already_reached_the_top() -> None:
    """A one-level ladder: the 75 % warning escalates; the breach at 10:00 is told as a
    breach, not as a second escalation, to the team and to the client alike."""
    for notices in ("standard", "full"):
        team, client = life(rules("zh_CN", notices))
        assert [kind for kind, _ in team.got].count("issue.escalated") == 1
        assert sum(m.title.startswith("已升级") for _, m in client.got) == 1
        assert any(m.title.startswith("已超时") for k, m in team.got)


def test_sla_warnings_reach_the_owner_by_name() -> None:
    """The owner hears of each threshold: how much of the target is used, and by when to
    reply to the client (a first-response deadline asks for a reply, not "handling")."""
    team, _ = life(rules("zh_CN"))
    assert texts(team, "issue.sla_threshold_reached")[:2] == [
        "时限预警：ISS-1（明珠银行，P1）\n"
        "首次响应时限已用 50%。\n"
        "@陈杰 请在3月2日（周一）10:00（北京时间）前回复客户（剩余 30 分钟）。\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
        "时限预警：ISS-1（明珠银行，P1）\n"
        "首次响应时限已用 75%。\n"
        "@陈杰 请在3月2日（周一）10:00（北京时间）前回复客户（剩余 15 分钟）。\n"
        "查看详情：https://pm.example.com/issues/ISS-1",
    ]


def test_a_notice_card_is_coloured_by_how_urgent_it_is() -> None:
    """Warnings are orange, breaches and escalations red, the rest blue (Feishu)."""
    team, _ = life(rules("zh_CN"))
    severity = {(kind, m.title[:4]): m.severity for kind, m in team.got}
    assert severity[("issue.sla_threshold_reached", "时限预警")] == "warning"
    assert severity[("issue.sla_threshold_reached", "已超时：")] == "alert"
    assert severity[("issue.escalated", "问题升级")] == "alert"
    assert severity[("issue.reported", "新问题：")] == "info"


def test_minimal_tells_the_client_neither_escalations_nor_internals() -> None:
    """minimal: received, being handled, waiting on you, resolved; nothing else."""
    _, client = life(rules("zh_CN", "minimal"))
    assert [m.text for _, m in client.got] == [ZH_CLIENT[0], *ZH_CLIENT[2:]]


def test_full_tells_the_client_what_releases_before_sent() -> None:
    """full: the level, the trigger, the percentage, the deadline and an id, in Chinese
    as it is written: no spaces between words, minutes under an hour, no brackets inside
    brackets, one full stop, then the issue's id (English keeps the event id)."""
    _, client = life(rules("zh_CN", "full"))
    assert [m.text.partition("\n")[2] for _, m in client.got] == [
        "您反馈的问题我们已收到，会尽快安排专人处理。",
        "您反馈的问题已升级至项目经理：首次响应时限已用 75%，截止3月2日（周一）10:00"
        "（北京时间），剩余 15 分钟。问题编号：ISS-1",
        "负责同事已开始处理您的问题，有进展会第一时间告诉您。",
        # the title says 需要您协助 / 已解决: the body goes on from there
        "请提供出错时的截图和手机型号。在您回复之前，处理时限暂停计时；"
        "收到后我们会马上继续处理。问题编号：ISS-1",
        "您反馈的问题已解决：已修复登录接口的证书配置。如仍有问题，请随时告诉我们。问题编号：ISS-1",
    ]
    _, english = life(rules("en", "full"))
    assert [m.text.partition("\n")[2] for _, m in english.got][1] == (
        "Your issue has been escalated to project manager: first response at 75% (due Mon"
        " 2026-03-02 10:00 CST, 15 business minutes left). [ISS-1@5]"
    )


def test_a_clients_email_is_greeted_and_signed_by_the_hosts_team() -> None:
    """An email to the client opens with a greeting and ends with ``[notify] team_name``;
    the title is the subject line, not repeated in the body."""
    declared = rules("zh_CN")
    assert declared.notify is not None
    declared = attrs.evolve(declared, notify=attrs.evolve(declared.notify, team_name="明珠项目组"))
    _, client = life(declared)
    [_, _, _, asked, _] = [m for _, m in client.got]
    assert asked.title == "需要您协助：手机银行登录页打不开"
    assert asked.letter == (
        "您好！\n\n请提供出错时的截图和手机型号。收到您的回复后，我们会马上继续处理。"
        "\n\n祝好！\n明珠项目组"
    )
    assert asked.letter_html.endswith("<p>祝好！<br>明珠项目组</p>")
    _, english = life(rules("en"))
    assert english.got[0][1].letter.startswith("Hello,\n\nWe have received your issue")


def test_people_s_words_end_in_one_full_stop() -> None:
    """A question, a resolution or a reply quoted in a notice never ends in "？。" or "。。"."""
    zh, en = language("zh_CN"), language("en")
    assert zh.sentence("请提供截图？") == "请提供截图。"
    assert zh.sentence("能否提供截图？") == "能否提供截图？"
    assert zh.sentence("已修复。。") == "已修复。"
    assert zh.sentence("已修复.") == "已修复。"
    assert zh.quote("已修复。") == "“已修复”"
    assert en.sentence("Renewed") == "Renewed."
    assert en.sentence("Could you?") == "Could you?"
    assert en.quote("Could you?") == '"Could you?"'


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("level", ["minimal", "standard"])
def test_no_default_notice_shows_an_event_id_a_level_or_a_percentage(
    locale: str, level: str
) -> None:
    """Whatever happens to the issue, the client's text below ``full`` holds no event id
    (``ISS-1@5``), no level name of the ladder and no percentage."""
    _, client = life(rules(locale, level))
    assert client.got
    for _, message in client.got:
        assert "@" not in message.text
        assert "%" not in message.text
        assert "项目经理" not in message.text
        assert "project manager" not in message.text


def test_team_events_are_never_told_to_a_client() -> None:
    """An escalation's internal event (levels, who is notified) has no client wording at
    any level; only the client notice that goes with it does."""
    [escalated] = [e for e in team_events(rules("en")) if e.event_type == "issue.escalated"]
    for level in ("minimal", "standard", "full"):
        assert client_notice(escalated, level) is None


def team_events(declared: Rules) -> list[DomainEvent]:
    clock = ManualClock(MONDAY)
    with open_workspace("memory://", declared, clock=clock) as ws:
        anna = Actor("anna", {"client"}, clients={"mingzhu"})
        ws.issues.report(
            "ISS-1", by=anna, client="mingzhu", project="app", title="Down", priority="P1",
            owner="chen.jie",
        )  # fmt: skip
        clock.set(MONDAY.add(hours=2))
        ws.sweep()
        return [stored.event for stored in ws.engine.kinded.feed(limit=100)]


def test_a_host_template_words_an_event_per_channel(tmp_path: Path) -> None:
    """The host's folder first: notify/<event type>.<channel type>.j2, else
    notify/<event type>.j2; its output is posted as the message's body."""
    folder = tmp_path / "notify"
    folder.mkdir()
    (folder / "issue.escalated.wecom.j2").write_text(
        "### 紧急：{{ id }}\n{{ markdown }}\n", encoding="utf-8"
    )
    (folder / "issue.reported.j2").write_text(
        "{{ client_name }}新问题 {{ id }}：{{ event.title }}", encoding="utf-8"
    )
    team, _ = life(rules("zh_CN"), Templates(search_path=[tmp_path]))
    [reported] = [m for kind, m in team.got if kind == "issue.reported"]
    assert reported.text == "明珠银行新问题 ISS-1：手机银行登录页打不开"
    assert reported.markdown("wecom") == reported.text  # posted as it is
    escalated = next(m for kind, m in team.got if kind == "issue.escalated")
    assert escalated.markdown("wecom").startswith(
        "### 紧急：ISS-1\n**问题升级：ISS-1（明珠银行，P1）**\n已升级至项目经理（第 1 级）"
    )
    assert "<@LiWei>" in escalated.markdown("wecom")


def test_a_broken_host_template_parks_the_event_with_its_error(tmp_path: Path) -> None:
    """A template naming a value that does not exist fails loudly: the event is parked
    (PermanentDeliveryError) with jinja's message, never sent half-rendered."""
    (tmp_path / "notify").mkdir()
    (tmp_path / "notify" / "issue.reported.j2").write_text("{{ nope }}", encoding="utf-8")
    router = Router(
        [Route(("team",))], {"team": Recorder("team")}, describe=lambda _: ("mingzhu", "P1"),
        now=lambda: 0.0, templates=Templates(search_path=[tmp_path]),
    )  # fmt: skip
    clock = ManualClock(MONDAY)
    with open_workspace("memory://", rules("zh_CN"), clock=clock) as ws:
        anna = Actor("anna", {"client"}, clients={"mingzhu"})
        ws.issues.report(
            "ISS-1", by=anna, client="mingzhu", project="app", title="Down", priority="P1",
            owner="chen.jie",
        )  # fmt: skip
        [stored] = ws.engine.kinded.feed(limit=1)
    with pytest.raises(PermanentDeliveryError, match="'nope' is undefined"):
        router.notify(stored)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "zh_CN",
            "反馈跟进逾期：FB-1（明珠银行）\n"
            "联系客户这一步已逾期，原定3月3日（周二）18:00（北京时间）完成。\n"
            "@陈杰 请在3月4日（周三）18:00（北京时间）前联系客户（剩余 8 个工作小时）。\n"
            "查看详情：https://pm.example.com/issues/FB-1",
        ),
        (
            "en",
            "Follow-up overdue: FB-1 (Pearl Bank)\n"
            "Contact the client: overdue (it was due Tue 2026-03-03 05:00 EST).\n"
            "@Chen Jie, please contact the client by Wed 2026-03-04 05:00 EST"
            " (8 business hours left).\n"
            "Open: https://pm.example.com/issues/FB-1",
        ),
    ],
)
def test_an_overdue_feedback_follow_up_tells_its_owner_what_to_do_by_when(
    locale: str, expected: str
) -> None:
    """Unhappy feedback nobody contacted the client about: the owner is named, with the
    step to do and the next deadline, in their language and zone."""
    declared = rules(locale)
    clock = ManualClock(MONDAY)
    team = Recorder("team")
    with open_workspace("memory://", declared, clock=clock) as quiet:
        router = Router(
            [Route(("team",), frozenset({"feedback.follow_up_overdue"}))], {"team": team},
            describe=describe_from(quiet.engine.kinded), now=lambda: clock.now().timestamp(),
            directory=declared, link="https://pm.example.com/issues/{id}",
        )  # fmt: skip
        ws = open_workspace(quiet.store, declared, clock=clock, notifier=router)
        anna = Actor("anna", {"client"}, clients={"mingzhu"})
        pm = Actor("li.wei", {"pm"})
        ws.feedback.receive(
            "FB-1", by=anna, client="mingzhu", project="app", contact="anna", channel="survey",
            csat=1,
        )  # fmt: skip
        ws.feedback.triage("FB-1", by=pm)
        ws.feedback.assign("FB-1", by=pm, owner="chen.jie")
        clock.set(pendulum.datetime(2026, 3, 3, 10))  # Tuesday 18:00 in Shanghai, due then
        ws.sweep()
    assert [message.text for _, message in team.got] == [expected]


_NOTE = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Nd"), blacklist_characters="%@"), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(
    topic=st.sampled_from(["escalated", "paused", "resolved"]),
    trigger=st.sampled_from(
        [
            "sla warning",
            "sla breach",
            "no update",
            "complaint",
            "reopened",
            "manual",
            "not acknowledged",
            "ack expired",
        ]
    ),
    metric=st.sampled_from(["first_response", "resolution", "next_reply"]),
    fraction=st.floats(0.01, 1.0),
    left=st.none() | st.floats(0, 100),
    note=_NOTE,
    level=st.sampled_from(["minimal", "standard"]),
    locale=st.sampled_from(["zh_CN", "en"]),
)
def test_below_full_a_notice_never_carries_internals(  # noqa: PLR0917 - drawn values
    topic: str,
    trigger: str,
    metric: str,
    fraction: float,
    left: float | None,
    note: str,
    level: str,
    locale: str,
) -> None:
    """Whatever a notice's codes and values, at minimal and standard the client's text holds
    no event id, no level name, no percentage, no trigger and no deadline."""
    meta = EventMeta("ISS-9", 41, pendulum.datetime(2026, 10, 8, 9), "system")
    notice = ClientNotified(
        meta=meta, clocks=(), escalation=None, quiet_at=None, topic=topic,
        level_name="INTERNAL-LADDER", trigger=trigger, metric=metric, fraction=fraction,
        due=pendulum.datetime(2026, 10, 8, 10), left_hours=left, note=note, count=3, hours=4.0,
        paused=True,
    )  # fmt: skip
    said = client_notice(notice, level, language(locale), "Asia/Shanghai")
    if said is None:
        assert (topic, level) == ("escalated", "minimal")
        return
    assert "ISS-9@41" not in said
    assert "INTERNAL-LADDER" not in said
    assert "%" not in said
    assert "2026" not in said  # no deadline
    for double in ("？。", "。。", "?.", ".."):
        assert not said.endswith(double) or note.rstrip().endswith(double)


def test_an_old_escalation_sentence_is_worded_again_for_the_policy() -> None:
    """A notice stored as an English sentence by an old release names the level; below
    full it is worded from its topic instead, so the ladder stays internal."""
    meta = EventMeta("ISS-9", 4, pendulum.datetime(2026, 10, 8, 9), "system")
    old = ClientNotified(
        meta=meta, clocks=(), escalation=None, quiet_at=None, topic="escalated",
        message="Your issue ISS-9 has been escalated to account director: resolution breached.",
    )  # fmt: skip
    assert client_notice(old, "standard") == (
        "Your issue has been escalated to a senior member of our team, who will get back"
        " to you shortly."
    )
    assert client_notice(old, "minimal") is None
    assert client_notice(old, "full") == f"{old.message} [ISS-9@4]"


def change_life(declared: Rules) -> Recorder:
    """A client's change request: received, assessed, approved as a standard change,
    implemented; what the client's channel was sent."""
    clock = ManualClock(MONDAY)
    client = Recorder("client")
    with open_workspace("memory://", declared, clock=clock) as quiet:
        router = Router(
            [Route(("client",))],
            {"client": client},
            describe=describe_from(quiet.engine.kinded),
            now=lambda: clock.now().timestamp(),
            directory=declared,
            audience={"client": "client"},
            subject=subject_from(quiet.engine.kinded),
        )
        ws = open_workspace(quiet.store, declared, clock=clock, notifier=router)
        anna = Actor("anna", {"client"}, clients={"mingzhu"})
        li = Actor("li.wei", {"pm"})
        zh = declared.clients["mingzhu"].locale == "zh_CN"
        ws.changes.request("CR-1", by=anna, project="app", title="单点登录" if zh else "SSO")
        ws.changes.submit("CR-1", by=anna)
        impact = Impact(schedule_days=0, cost=Money("0", "CNY"), effort_hours=4,
                        risk=ChangeRisk.LOW, in_scope=True, priority=Priority.SHOULD)  # fmt: skip
        ws.changes.assess("CR-1", by=li, impact=impact)
        ws.changes.request_approval("CR-1", by=li)
        ws.changes.implement("CR-1", by=li, note="已上线" if zh else "live")
    return client


@pytest.mark.parametrize(
    ("notices", "expected"),
    [
        ("minimal", ["已批准：单点登录", "已实施：单点登录"]),
        ("standard", ["已收到：单点登录", "已批准：单点登录", "已实施：单点登录"]),
    ],
)
def test_a_client_hears_of_their_change_requests_outcomes(
    notices: str, expected: list[str]
) -> None:
    """A change request's outcomes reach the client's channel in their language, its title
    first; its receipt only from standard on; no id, route or approver in the body."""
    got = [m for _, m in change_life(rules("zh_CN", notices)).got]
    assert [m.title for m in got] == expected
    assert got[-1].text == (
        "已实施：单点登录\n您提出的变更请求已实施完成。如有与预期不符之处，请随时告诉我们。"
    )
    assert not any("CR-1" in m.text for m in got)
    english = [m.text for _, m in change_life(rules("en")).got]
    assert english[1] == (
        "Approved: SSO\nYour change request has been approved; we will schedule the work and"
        " keep you posted."
    )


def test_a_client_hears_that_an_issue_was_reopened_and_from_standard_on_that_it_closed() -> None:
    meta = EventMeta("ISS-1", 20, MONDAY, "anna")
    zh = language("zh_CN")
    closed = IssueClosed(meta=meta, clocks=(), escalation=None, quiet_at=None)
    reopened = IssueReopened(
        meta=meta, clocks=(), escalation=None, quiet_at=None, reason="又出现了", count=1
    )
    assert client_notice(closed, "minimal", zh) is None
    assert (client_title(closed, zh), client_notice(closed, "standard", zh)) == (
        "已关闭：您反馈的问题",
        "您反馈的问题已关闭。感谢您的耐心配合，如果问题再次出现，请随时告诉我们。",
    )
    assert client_notice(reopened, "minimal", zh) == (
        "您反馈的问题已重新打开，我们会继续处理，有进展会第一时间告诉您。"
    )


def _notice(**values: object) -> ClientNotified:
    meta = EventMeta("ISS-1", 5, pendulum.datetime(2026, 10, 8, 9), "system")
    return ClientNotified(meta=meta, clocks=(), escalation=None, quiet_at=None, **values)  # type: ignore[arg-type]


def test_a_full_notice_goes_on_from_its_title_as_standard_does() -> None:
    """At full the title says 需要您协助 / 已解决; the body does not say it again, and a
    complaint is the client's own feedback, not "you complained"."""
    zh = language("zh_CN")
    asked = _notice(topic="paused", note="请提供出错时的截图和手机型号？", paused=True)
    assert client_notice(asked, "full", zh, "Asia/Shanghai") == (
        "请提供出错时的截图和手机型号。在您回复之前，处理时限暂停计时；收到后我们会马上继续处理。"
        "问题编号：ISS-1"
    )
    waiting = _notice(topic="paused", note="请确认周六能否停机维护", paused=False)
    assert client_notice(waiting, "full", zh, "Asia/Shanghai") == (
        "请确认周六能否停机维护。收到您的回复后，我们会马上继续处理。问题编号：ISS-1"
    )
    resolved = _notice(topic="resolved", note="已修复。")
    assert client_notice(resolved, "full", zh, "Asia/Shanghai") == (
        client_notice(resolved, "standard", zh, "Asia/Shanghai") + "问题编号：ISS-1"
    )
    complaint = _notice(topic="escalated", level_name="项目经理", trigger="complaint")
    assert client_notice(complaint, "full", zh, "Asia/Shanghai") == (
        "根据您的反馈，问题已升级至项目经理。问题编号：ISS-1"
    )
    asked = _notice(topic="paused", note="Could you send a screenshot?", paused=True)
    assert client_notice(asked, "full", language("en")) == (
        "Could you send a screenshot? The SLA clock is paused until you reply; we will carry"
        " on as soon as we hear from you. [ISS-1@5]"
    )


def test_a_quoted_note_keeps_english_marks_and_its_lines() -> None:
    """An English question keeps its "?" in a Chinese notice; a resolution of several
    lines starts on the line after the colon, each line as written."""
    zh = language("zh_CN")
    english = _notice(topic="paused", note="Can you send logs?", paused=False)
    assert client_notice(english, "standard", zh) == (
        "Can you send logs?收到您的回复后，我们会马上继续处理。"
    )
    listed = _notice(topic="resolved", note="1. 已回滚证书  \n2. 已重新发布")
    assert client_notice(listed, "standard", zh) == (
        "您反馈的问题已解决：\n1. 已回滚证书\n2. 已重新发布。\n如仍有问题，请随时告诉我们。"
    )
    listed = _notice(topic="resolved", note="1. Rolled back\n2. Redeployed")
    assert client_notice(listed, "standard") == (
        "Your issue has been resolved:\n1. Rolled back\n2. Redeployed.\nIf anything is still not"
        " right, just let us know."
    )
    assert zh.quote("Can you send logs?") == "“Can you send logs?”"
    assert zh.quote("能发日志吗?") == "“能发日志吗？”"
