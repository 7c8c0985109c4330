"""Done when (issue 17): a host configures notifications in the rules file, and a P1
escalation reaches a WeCom-compatible endpoint, an SMTP inbox and a signed webhook."""

from __future__ import annotations

import copy
import email
import email.policy
import json

import pendulum
import pytest
from pytest_httpserver import HTTPServer

from clientflow import Actor, ConfigError, ManualClock, ValidationError
from clientflow.config import rules_from_dict
from clientflow.notify import build_router, describe_from, subject_from
from clientflow.workspace import open_workspace
from tests.notify.test_channels import Inbox, inbox, verifying  # noqa: F401 - the SMTP fixture

SECRET = "whsec-test"
MONDAY = pendulum.datetime(2026, 3, 2, 1)  # 09:00 in Shanghai


def rules(wecom: str, hook: str, port: int) -> dict[str, object]:
    return {
        "version": 1,
        "calendars": {
            "shanghai": {"timezone": "Asia/Shanghai", "hours": ["09:00-12:00", "13:00-18:00"]}
        },
        "sla": [
            {
                "name": "gold",
                "targets": {
                    "P1": {"first_response": "1h", "resolution": "8h"},
                    "P3": {"first_response": "8h", "resolution": "40h"},
                },
            }
        ],
        "escalation": {
            "standard": {"levels": [{"name": "pm", "notify": ["li.wei"], "delay": "2h"}]}
        },
        "clients": {
            "acme": {
                "name": "ACME",
                "projects": ["portal"],
                "calendar": "shanghai",
                "escalation": "standard",
                "locale": "zh_CN",  # notices in Chinese, times in Shanghai
            }
        },
        "people": {"li.wei": {"name": "李伟", "locale": "zh_CN", "timezone": "Asia/Shanghai"}},
        "notify": {
            "link": "https://pm.example.com/issues/{id}",
            "channels": {
                "acme-wecom": {"type": "wecom", "url_env": "ACME_WECOM_URL", "audience": "client"},
                "pm-mail": {
                    "type": "email",
                    "host": "127.0.0.1",
                    "port": port,
                    "sender": "clientflow@example.com",
                    "to": ["li.wei@example.com"],
                },
                "ops-hook": {"type": "webhook", "url": hook, "secret_env": "OPS_HOOK_SECRET"},
            },
            "routes": [
                {  # the team hears of every P1 escalation
                    "events": ["issue.escalated"],
                    "clients": ["acme"],
                    "priorities": ["P1"],
                    "channels": ["pm-mail", "ops-hook"],
                },
                {  # the client's group gets what the client is told
                    "events": ["issue.client_notified"],
                    "clients": ["acme"],
                    "priorities": ["P1"],
                    "channels": ["acme-wecom"],
                },
            ],
        },
    }


def test_a_p1_escalation_reaches_wecom_an_inbox_and_a_signed_webhook(
    httpserver: HTTPServer,
    inbox: tuple[Inbox, int],  # noqa: F811 - the fixture imported above
) -> None:
    box, port = inbox
    httpserver.expect_request("/wecom").respond_with_json({"errcode": 0, "errmsg": "ok"})

    clock = ManualClock(MONDAY)
    receiver = verifying(SECRET, lambda: clock.now().timestamp())
    httpserver.expect_request("/hook").respond_with_handler(receiver)
    declared = rules_from_dict(
        rules(httpserver.url_for("/wecom"), httpserver.url_for("/hook"), port)
    )
    env = {"ACME_WECOM_URL": httpserver.url_for("/wecom") + "?key=K", "OPS_HOOK_SECRET": SECRET}
    with open_workspace("memory://", declared, clock=clock) as quiet:
        assert declared.notify is not None
        router = build_router(
            declared.notify,
            describe=describe_from(quiet.engine.kinded),
            subject=subject_from(quiet.engine.kinded),
            env=env,
            now=lambda: clock.now().timestamp(),
            directory=declared,
        )
        ws = open_workspace(quiet.store, declared, clock=clock, notifier=router)
        anna = Actor("anna", {"client"}, clients={"acme"})
        for issue_id, priority in (("ACME-1", "P1"), ("ACME-2", "P3")):
            ws.issues.report(
                issue_id, by=anna, client="acme", project="portal", title="Down",
                priority=priority, owner="chen.jie",
            )  # fmt: skip
        clock.set(MONDAY.add(hours=9))  # past every P1 warning and breach; P3 not yet
        report = ws.sweep()
        assert report.delivery is not None
        assert report.delivery.error is None, report.delivery
    wecom = [json.loads(r.get_data()) for r, _ in httpserver.log if r.path == "/wecom"]
    hooks = [
        (json.loads(r.get_data()), s.status_code) for r, s in httpserver.log if r.path == "/hook"
    ]
    assert wecom
    # what the client's group reads: the standard policy, in Chinese, nothing internal
    assert {body["msgtype"] for body in wecom} == {"markdown"}
    first = wecom[0]["markdown"]["content"]
    assert first == (
        "**已升级：Down**\n您反馈的问题已升级，由资深同事负责跟进，我们会尽快给您答复。"
    )
    assert not any("%" in body["markdown"]["content"] for body in wecom)
    assert not any("@" in body["markdown"]["content"] for body in wecom)  # no event ids
    assert hooks
    assert {status for _, status in hooks} == {204}  # every request verified
    assert {body["event_type"] for body, _ in hooks} == {"issue.escalated"}
    assert {body["aggregate_id"] for body, _ in hooks} == {"ACME-1"}  # the P3 is not routed
    assert len(box.mails) == len(hooks) == len(wecom)  # one notice per escalation
    # the team's mail: who must act, by when, in the team member's language and zone
    mails = [email.message_from_bytes(m.as_bytes(), policy=email.policy.default) for m in box.mails]
    assert all(mail["Subject"] == "问题升级：ACME-1（ACME，P1）" for mail in mails)
    first_mail = mails[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert first_mail == (
        "问题升级：ACME-1（ACME，P1）\n"
        "已升级至pm（第 1 级）。负责人chen.jie尚未回复客户（首次响应时限已用 75%）。\n"
        # the sweep ran hours late: the deadline has passed by the time this is sent
        "@李伟 请跟进，立即回复客户：时限已于3月2日（周一）10:00（北京时间）到期。\n"
        "查看详情：https://pm.example.com/issues/ACME-1\n"
    )


def test_notify_rules_name_what_is_missing() -> None:
    data = rules("http://x/wecom", "http://x/hook", 25)
    broken = copy.deepcopy(data)
    broken["notify"]["routes"][0]["channels"] = ["pm-mail", "sms"]  # type: ignore[index]
    with pytest.raises(ConfigError, match=r"notify\.routes\.channels: expected channels declared"):
        rules_from_dict(broken)
    unsigned = copy.deepcopy(data)
    del unsigned["notify"]["channels"]["ops-hook"]["secret_env"]  # type: ignore[index]
    with pytest.raises(ConfigError, match=r"notify\.channels\.ops-hook\.secret_env: expected"):
        rules_from_dict(unsigned)
    declared = rules_from_dict(data)
    assert declared.notify is not None
    with pytest.raises(ValidationError, match="the environment variable ACME_WECOM_URL to be set"):
        build_router(declared.notify, describe=lambda _: ("", ""), env={})


def test_notice_policy_mention_ids_link_and_audience_are_checked_at_their_keys() -> None:
    """Each mistake is named at its key with what is allowed; nothing is half-loaded."""
    data = rules("http://x/wecom", "http://x/hook", 25)
    broken = copy.deepcopy(data)
    broken["clients"]["acme"]["notices"] = "everything"  # type: ignore[index]
    broken["people"]["li.wei"].update(  # type: ignore[index]
        wecom="li wei", dingtalk_mobile="138-abc", feishu_open_id="li", slack_id="li"
    )
    broken["notify"]["link"] = "https://pm.example.com/issues/"  # type: ignore[index]
    broken["notify"]["channels"]["acme-wecom"]["audience"] = "clients"  # type: ignore[index]
    with pytest.raises(ConfigError) as caught:
        rules_from_dict(broken)
    problems = str(caught.value)
    for expected in (
        "clients.acme.notices: expected one of minimal, standard, full, got 'everything'",
        "people.li.wei.wecom: expected a WeCom userid",
        "people.li.wei.dingtalk_mobile: expected a mobile number of digits",
        "people.li.wei.feishu_open_id: expected a Feishu open_id",
        "people.li.wei.slack_id: expected a Slack member id",
        "notify.link: expected an http(s) URL with {id} in it",
        "notify.channels.acme-wecom.audience: expected one of team, client",
    ):
        assert expected in problems
    declared = rules_from_dict(data)
    assert declared.notice_level("acme") == "standard"  # the default
    assert declared.notice_level("unknown") == "standard"
