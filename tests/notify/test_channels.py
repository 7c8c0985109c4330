"""Notifiers against real counterparts: local HTTP servers that check each vendor's
signature exactly as the vendor documents it (recomputed here, independently), and a
local SMTP server that receives real mail (issue 17)."""

from __future__ import annotations

import base64
import email
import hashlib
import hmac
import json
import re
import socket
from collections.abc import Callable, Iterator
from email import policy
from email.message import Message as Mail

import attrs
import pendulum
import pytest
from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from clientflow import ManualClock, ValidationError
from clientflow.core import EventMeta
from clientflow.engine import Command, Engine
from clientflow.escalation import ClientNotified
from clientflow.notify import (
    DingTalk,
    Email,
    Feishu,
    Mention,
    Message,
    Route,
    Router,
    Slack,
    TransientError,
    Webhook,
    WeCom,
    verify_webhook,
)
from clientflow.ports import PermanentDeliveryError, RateLimited
from clientflow.storage import MemoryStore
from clientflow.storage.kinded import TypedStore
from clientflow.testing import sample_codec
from clientflow.testing.samples import draft

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z
SECRET = "SEC0123456789abcdef"


def _event(n: int = 1, message: str = "Your issue ACME-1 has been escalated") -> ClientNotified:
    meta = EventMeta("ACME-1", n, pendulum.from_timestamp(NOW), "system")
    return ClientNotified(
        meta=meta, clocks=(), escalation=None, quiet_at=None, topic="escalated", message=message
    )


# -- signatures, recomputed from each vendor's documentation ---------------------------


def test_the_webhook_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"event_id":"ACME-1@1"}'
    expected = (
        "sha256="
        + hmac.new(SECRET.encode(), b"1767225600." + body, digestmod=hashlib.sha256).hexdigest()
    )
    assert verify_webhook(SECRET, "1767225600", body, expected, now=1767225600 + 299)
    assert not verify_webhook(SECRET, "1767225600", body, expected, now=1767225600 + 301)
    assert not verify_webhook(SECRET, "1767225600", body + b" ", expected, now=1767225600)
    assert not verify_webhook("other", "1767225600", body, expected, now=1767225600)


def _dingtalk_expected(timestamp: str) -> str:
    # DingTalk's documented Python example, verbatim in substance
    string_to_sign = f"{timestamp}\n{SECRET}"
    hmac_code = hmac.new(
        SECRET.encode("utf-8"), string_to_sign.encode("utf-8"), digestmod=hashlib.sha256
    ).digest()
    return base64.b64encode(hmac_code).decode()  # the query string carries it url-encoded


def _feishu_expected(timestamp: str) -> str:
    # Feishu's documented Python example: the key is "timestamp\nsecret", the message empty
    string_to_sign = f"{timestamp}\n{SECRET}"
    hmac_code = hmac.new(string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()
    return base64.b64encode(hmac_code).decode("utf-8")


# -- HTTP channels against local servers -----------------------------------------------


def verifying(secret: str, now: Callable[[], float]) -> Callable[[Request], Response]:
    """A webhook receiver as the docs tell one to write it: 204 if signed, else 401."""

    def receiver(request: Request) -> Response:
        ok = verify_webhook(
            secret,
            request.headers["X-Clientflow-Timestamp"],
            request.get_data(),
            request.headers["X-Clientflow-Signature"],
            now=int(now()),
        )
        return Response("", status=204 if ok else 401)

    return receiver


def test_a_signed_webhook_is_accepted_by_a_receiver_that_verifies_it(
    httpserver: HTTPServer,
) -> None:
    receiver = verifying(SECRET, lambda: NOW + 5)
    httpserver.expect_request("/hook", method="POST").respond_with_handler(receiver)
    hook = Webhook("ops", httpserver.url_for("/hook"), SECRET, lambda: NOW)
    hook.send("ACME-1 escalated", _event())
    [(request, response)] = httpserver.log
    assert response.status_code == 204
    body = json.loads(request.get_data())
    assert (body["event_id"], body["text"]) == ("ACME-1@1", "ACME-1 escalated")
    assert request.headers["X-Clientflow-Event-Id"] == "ACME-1@1"
    wrong = Webhook("ops", httpserver.url_for("/hook"), "not the secret", lambda: NOW)
    with pytest.raises(PermanentDeliveryError, match="HTTP 401"):
        wrong.send("x", _event())


def test_wecom_gets_its_text_message_and_long_text_is_cut(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/cgi-bin/webhook/send", method="POST").respond_with_json(
        {"errcode": 0, "errmsg": "ok"}
    )
    robot = WeCom("acme-wecom", httpserver.url_for("/cgi-bin/webhook/send") + "?key=K")
    robot.send("升级通知 " + "很" * 2000, _event())
    [(request, _)] = httpserver.log
    assert request.args["key"] == "K"
    body = json.loads(request.get_data())
    assert body["msgtype"] == "text"
    content = body["text"]["content"]
    assert len(content.encode()) <= 2048
    assert content.endswith("…(truncated)")


@pytest.mark.parametrize(
    ("code", "outcome"), [(45009, RateLimited), (93000, PermanentDeliveryError)]
)
def test_wecom_errors_are_retried_or_parked_as_documented(
    httpserver: HTTPServer, code: int, outcome: type[Exception]
) -> None:
    httpserver.expect_request("/send").respond_with_json({"errcode": code, "errmsg": "x"})
    with pytest.raises(outcome, match=f"error {code}"):
        WeCom("w", httpserver.url_for("/send")).send("hi", _event())


def test_dingtalk_signs_the_request_as_its_robot_checks_it(httpserver: HTTPServer) -> None:
    def robot(request: Request) -> Response:
        timestamp = request.args["timestamp"]
        good = request.args["sign"] == _dingtalk_expected(timestamp)  # args are url-decoded
        fresh = abs(int(timestamp) - NOW * 1000) < 3_600_000
        code = 0 if good and fresh else 310000
        return Response(json.dumps({"errcode": code, "errmsg": "ok"}), mimetype="application/json")

    httpserver.expect_request("/robot/send", method="POST").respond_with_handler(robot)
    url = httpserver.url_for("/robot/send") + "?access_token=T"
    DingTalk("ding", url, SECRET, lambda: NOW).send("hello", _event())
    assert json.loads(httpserver.log[0][0].get_data())["text"]["content"] == "hello"
    with pytest.raises(PermanentDeliveryError, match="error 310000"):
        DingTalk("ding", url, "wrong secret", lambda: NOW).send("hello", _event())


def test_feishu_signs_the_body_as_its_bot_checks_it(httpserver: HTTPServer) -> None:
    def bot(request: Request) -> Response:
        body = json.loads(request.get_data())
        good = body["sign"] == _feishu_expected(body["timestamp"])
        return Response(
            json.dumps({"code": 0 if good else 19021, "msg": "sign match fail"}),
            mimetype="application/json",
        )

    httpserver.expect_request("/open-apis/bot/v2/hook/x", method="POST").respond_with_handler(bot)
    url = httpserver.url_for("/open-apis/bot/v2/hook/x")
    Feishu("lark", url, SECRET, lambda: NOW).send("你好", _event())
    body = json.loads(httpserver.log[0][0].get_data())
    assert (body["msg_type"], body["content"]["text"]) == ("text", "你好")
    with pytest.raises(PermanentDeliveryError, match="error 19021"):
        Feishu("lark", url, "wrong", lambda: NOW).send("你好", _event())


def test_slack_rate_limits_are_retried_and_refusals_parked(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/slack").respond_with_data("ok")
    httpserver.expect_ordered_request("/slack").respond_with_data("rate_limited", status=429)
    httpserver.expect_ordered_request("/slack").respond_with_data("no_service", status=404)
    slack = Slack("team", httpserver.url_for("/slack"))
    slack.send("deployed", _event())
    with pytest.raises(RateLimited, match="HTTP 429"):
        slack.send("deployed", _event())
    with pytest.raises(PermanentDeliveryError, match="HTTP 404"):
        slack.send("deployed", _event())


def test_an_unreachable_endpoint_is_transient() -> None:
    with pytest.raises(TransientError, match="ConnectError"):
        Slack("team", "http://127.0.0.1:1/x", timeout=2).send("x", _event())


# -- email through a real SMTP server --------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.mails: list[Mail] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        self.mails.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    with socket.socket() as probe:  # a free port for the local SMTP server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def test_email_arrives_as_text_and_html_with_the_event_id(inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    mail = Email("pm-mail", "127.0.0.1", port, "clientflow@example.com", ("li.wei@example.com",))
    mail.send("ACME-1 escalated to <project manager>", _event())
    [received] = box.mails
    assert received["To"] == "li.wei@example.com"
    assert received["Subject"] == "[clientflow] issue.client_notified ACME-1"
    assert received["Message-ID"] == "<ACME-1.v1@clientflow>"
    assert received["X-Clientflow-Event-Id"] == "ACME-1@1"
    parts = {part.get_content_type(): part.get_payload(decode=True) for part in received.walk()}
    assert b"ACME-1 escalated to <project manager>" in parts["text/plain"]
    assert b"&lt;project manager&gt;" in parts["text/html"]


def test_email_to_a_server_that_is_down_is_transient() -> None:
    mail = Email("pm-mail", "127.0.0.1", 1, "a@example.com", ("b@example.com",), timeout=2)
    with pytest.raises(TransientError):
        mail.send("x", _event())


# -- rate limits: queued, in order, none lost ------------------------------------------


def test_a_hundred_events_reach_one_robot_in_order_within_its_limit(httpserver: HTTPServer) -> None:
    """20 a minute: the rest wait in the feed and go out as the bucket refills."""
    httpserver.expect_request("/robot").respond_with_json({"errcode": 0, "errmsg": "ok"})
    start = pendulum.datetime(2026, 3, 2, 9)
    clock = ManualClock(start)
    now = lambda: clock.now().timestamp()  # noqa: E731
    robot = WeCom("ops-wecom", httpserver.url_for("/robot"))
    router = Router(
        [Route(("ops-wecom",))], {"ops-wecom": robot}, describe=lambda _: ("", ""),
        now=now, per_minute={"ops-wecom": 20},
    )  # fmt: skip
    store = TypedStore(MemoryStore(), sample_codec())
    # one real failure would park: waiting for the robot's minute must never count
    engine = Engine(store, clock=clock, notifier=router, max_attempts=1)
    for n in range(100):
        made = draft(f"CR-{n:03d}")
        Engine(store, clock=clock).execute(Command(made.aggregate.id, lambda _, t, m=made: m))  # type: ignore[misc]
    sent_at: list[float] = []
    for _ in range(100):
        report = engine.deliver()
        sent_at.extend([clock.now().timestamp()] * report.delivered)
        if store.cursor("notifier") == store.feed(limit=1000)[-1].position:
            break
        assert report.retry_at is not None  # the router said when its minute has room
        clock.set(report.retry_at)
    texts = [json.loads(r.get_data())["markdown"]["content"] for r, _ in httpserver.log]
    ids = [re.search(r"CR-\d{3}", text)[0] for text in texts]  # type: ignore[index]
    assert ids == [f"CR-{n:03d}" for n in range(100)]  # all, once each, in feed order
    for first in sent_at:  # never more than 20 in any minute
        assert sum(first <= t < first + 60 for t in sent_at) <= 20
    assert engine.parked() == ()


def test_a_router_built_by_hand_refuses_a_route_to_an_unknown_channel() -> None:
    robot = WeCom("ops-wecom", "http://127.0.0.1:9/robot")
    with pytest.raises(
        ValidationError, match=r"routes\.channels: expected channels among: ops-wecom"
    ):
        Router(
            [Route(("ops-wecom", "sms"))],
            {"ops-wecom": robot},
            describe=lambda _: ("", ""),
            now=lambda: 0.0,
        )


# -- each vendor's rich format, with the person who must act @mentioned ----------------

LI = Mention(
    "李伟",
    {
        "wecom": "LiWei",
        "dingtalk": "13800000000",
        "feishu": "ou_0123456789abcdef",
        "slack": "U0LIWEI",
    },
)
ESCALATED = Message(
    "问题升级：ISS-2（明珠银行，P1）",
    (
        "已升级至项目经理（第 1 级），原因：首次响应时限已用 75%。",
        ("请 ", LI, " 在2026年10月16日（周五）11:00（北京时间）前处理，剩余 2 个工作小时。"),
    ),
    link="https://pm.example.com/issues/ISS-2",
    link_label="查看详情：",
)
HOSTILE = Message("x <@all>", ("a client wrote <@all> <at id=all></at> <!channel> & more",))


def _ok(httpserver: HTTPServer, path: str, field: str = "errcode") -> None:
    httpserver.expect_request(path, method="POST").respond_with_json({field: 0, "errmsg": "ok"})


def test_wecom_gets_markdown_with_the_userid_mention(httpserver: HTTPServer) -> None:
    """WeCom's documented shape {"msgtype": "markdown", "markdown": {"content"}}; <@userid>."""
    _ok(httpserver, "/cgi-bin/webhook/send")
    robot = WeCom("team-wecom", httpserver.url_for("/cgi-bin/webhook/send") + "?key=K")
    robot.deliver(ESCALATED, _event())
    robot.deliver(HOSTILE, _event())
    [sent, hostile] = [json.loads(r.get_data()) for r, _ in httpserver.log]
    assert sent == {
        "msgtype": "markdown",
        "markdown": {
            "content": "**问题升级：ISS-2（明珠银行，P1）**\n"
            "已升级至项目经理（第 1 级），原因：首次响应时限已用 75%。\n"
            "请 <@LiWei> 在2026年10月16日（周五）11:00（北京时间）前处理，剩余 2 个工作小时。\n"
            "[查看详情](https://pm.example.com/issues/ISS-2)"
        },
    }
    assert "<@all>" not in hostile["markdown"]["content"]  # what people write stays text
    assert "&lt;@all&gt;" in hostile["markdown"]["content"]


def test_dingtalk_gets_markdown_and_at_mobiles(httpserver: HTTPServer) -> None:
    """DingTalk's documented shape: markdown {title, text} and at {atMobiles}; the number
    is @mentioned in the text too (DingTalk shows the mention only then), still signed."""

    def robot(request: Request) -> Response:
        good = request.args["sign"] == _dingtalk_expected(request.args["timestamp"])
        return Response(json.dumps({"errcode": 0 if good else 310000}), mimetype="application/json")

    httpserver.expect_request("/robot/send", method="POST").respond_with_handler(robot)
    url = httpserver.url_for("/robot/send") + "?access_token=T"
    DingTalk("ding", url, SECRET, lambda: NOW).deliver(ESCALATED, _event())
    sent = json.loads(httpserver.log[0][0].get_data())
    assert sent == {
        "msgtype": "markdown",
        "markdown": {
            "title": "问题升级：ISS-2（明珠银行，P1）",
            "text": "**问题升级：ISS-2（明珠银行，P1）**\n\n"
            "已升级至项目经理（第 1 级），原因：首次响应时限已用 75%。\n\n"
            "请 @13800000000 在2026年10月16日（周五）11:00（北京时间）前处理，"
            "剩余 2 个工作小时。\n\n"
            "[查看详情](https://pm.example.com/issues/ISS-2)",
        },
        "at": {"atMobiles": ["13800000000"], "isAtAll": False},
    }


def test_dingtalk_mentions_by_userid_so_no_mobile_shows(httpserver: HTTPServer) -> None:
    """A person with ``dingtalk_user_id`` is @mentioned by it (``at.atUserIds``): the
    group never sees their mobile number, which DingTalk would show for a non-member."""
    _ok(httpserver, "/robot/send")
    url = httpserver.url_for("/robot/send") + "?access_token=T"
    li = Mention("李伟", {"dingtalk": "13800000000", "dingtalk_user": "liwei01"})
    message = Message("问题升级：ISS-2", (("", li, " 请跟进。"),))
    DingTalk("ding", url, SECRET, lambda: NOW).deliver(message, _event())
    sent = json.loads(httpserver.log[0][0].get_data())
    assert sent["at"] == {"atMobiles": [], "atUserIds": ["liwei01"], "isAtAll": False}
    assert "13800000000" not in json.dumps(sent)
    assert "@liwei01 请跟进。" in sent["markdown"]["text"]


def test_a_feishu_card_is_coloured_by_severity(httpserver: HTTPServer) -> None:
    """Orange for a warning, red for a breach or escalation, blue otherwise."""
    _ok(httpserver, "/open-apis/bot/v2/hook/x", "code")
    lark = Feishu("lark", httpserver.url_for("/open-apis/bot/v2/hook/x"), SECRET, lambda: NOW)
    for severity in ("warning", "alert", "info"):
        lark.deliver(attrs.evolve(ESCALATED, severity=severity), _event())
    colours = [json.loads(r.get_data())["card"]["header"]["template"] for r, _ in httpserver.log]
    assert colours == ["orange", "red", "blue"]


def test_feishu_gets_an_interactive_card_with_an_at_tag(httpserver: HTTPServer) -> None:
    """Feishu's documented card: msg_type interactive, a header, a lark_md div with
    <at id=open_id></at>, the link as a button; signed in the body."""

    def bot(request: Request) -> Response:
        body = json.loads(request.get_data())
        good = body["sign"] == _feishu_expected(body["timestamp"])
        return Response(json.dumps({"code": 0 if good else 19021}), mimetype="application/json")

    httpserver.expect_request("/open-apis/bot/v2/hook/x", method="POST").respond_with_handler(bot)
    lark = Feishu("lark", httpserver.url_for("/open-apis/bot/v2/hook/x"), SECRET, lambda: NOW)
    lark.deliver(ESCALATED, _event())
    lark.deliver(HOSTILE, _event())
    [sent, hostile] = [json.loads(r.get_data()) for r, _ in httpserver.log]
    assert sent["msg_type"] == "interactive"
    assert sent["card"] == {
        "config": {"wide_screen_mode": True},
        "header": {
            "title": {"tag": "plain_text", "content": "问题升级：ISS-2（明珠银行，P1）"},
            "template": "blue",
        },
        "elements": [
            {
                "tag": "div",
                "text": {
                    "tag": "lark_md",
                    "content": "已升级至项目经理（第 1 级），原因：首次响应时限已用 75%。\n"
                    "请 <at id=ou_0123456789abcdef></at> "
                    "在2026年10月16日（周五）11:00（北京时间）前处理，"
                    "剩余 2 个工作小时。",
                },
            },
            {
                "tag": "action",
                "actions": [
                    {
                        "tag": "button",
                        "text": {"tag": "plain_text", "content": "查看详情"},
                        "url": "https://pm.example.com/issues/ISS-2",
                        "type": "primary",
                    }
                ],
            },
        ],
    }
    assert "<at id=all>" not in json.dumps(hostile, ensure_ascii=False)


def test_slack_gets_blocks_with_a_member_mention(httpserver: HTTPServer) -> None:
    """Slack's documented shape: {"text", "blocks"}: header, mrkdwn section with <@U…>,
    the link as a button; <, > and & escaped as Slack asks."""
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    slack = Slack("team", httpserver.url_for("/hook"))
    slack.deliver(ESCALATED, _event())
    slack.deliver(HOSTILE, _event())
    [sent, hostile] = [json.loads(r.get_data()) for r, _ in httpserver.log]
    section = (
        "已升级至项目经理（第 1 级），原因：首次响应时限已用 75%。\n"
        "请 <@U0LIWEI> 在2026年10月16日（周五）11:00（北京时间）前处理，剩余 2 个工作小时。"
    )
    assert sent == {
        "text": "问题升级：ISS-2（明珠银行，P1）\n" + section,
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": "问题升级：ISS-2（明珠银行，P1）"},
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": section}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "查看详情"},
                        "url": "https://pm.example.com/issues/ISS-2",
                    }
                ],
            },
        ],
    }
    assert hostile["blocks"][1]["text"]["text"] == (
        "a client wrote &lt;@all&gt; &lt;at id=all&gt;&lt;/at&gt; &lt;!channel&gt; &amp; more"
    )


def test_email_gets_the_title_as_subject_and_html_with_a_link(inbox: tuple[Inbox, int]) -> None:
    """A mail: the title as subject, the text part as people read it, an escaped HTML part."""
    box, port = inbox
    mail = Email("pm-mail", "127.0.0.1", port, "clientflow@example.com", ("li.wei@example.com",))
    mail.deliver(ESCALATED, _event())
    [received] = [email.message_from_bytes(m.as_bytes(), policy=policy.default) for m in box.mails]
    assert received["Subject"] == "问题升级：ISS-2（明珠银行，P1）"
    assert received["X-Clientflow-Event-Id"] == "ACME-1@1"
    assert received.get_body(("plain",)).get_content() == ESCALATED.text + "\n"  # type: ignore[union-attr]
    markup = received.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<strong>@李伟</strong>" in markup
    assert '<a href="https://pm.example.com/issues/ISS-2">查看详情</a>' in markup


def test_a_webhook_carries_the_message_title_and_link(httpserver: HTTPServer) -> None:
    receiver = verifying(SECRET, lambda: NOW + 5)
    httpserver.expect_request("/hook", method="POST").respond_with_handler(receiver)
    Webhook("ops", httpserver.url_for("/hook"), SECRET, lambda: NOW).deliver(ESCALATED, _event())
    [(request, response)] = httpserver.log
    assert response.status_code == 204
    body = json.loads(request.get_data())
    assert (body["title"], body["link"]) == (ESCALATED.title, ESCALATED.link)
    assert body["text"] == ESCALATED.text
