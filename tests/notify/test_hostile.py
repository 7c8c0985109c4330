"""Notifiers facing careless and hostile counterparts: secrets never leak into logs,
reprs, errors or parked entries; credentials never travel unencrypted by default;
redirects are refused, not followed; a huge or trickled answer cannot hold a deliverer
(issue 23)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import pendulum
import pytest
from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from clientflow import ManualClock, ValidationError
from clientflow.config import rules_from_dict
from clientflow.core import ConfigError, EventMeta
from clientflow.engine import Command, Engine
from clientflow.escalation import ClientNotified
from clientflow.notify import (
    MAX_ANSWER,
    DingTalk,
    Email,
    Feishu,
    Route,
    Router,
    Slack,
    TransientError,
    Webhook,
    WeCom,
)
from clientflow.ports import PermanentDeliveryError, RateLimited
from clientflow.storage import MemoryStore
from clientflow.storage.kinded import TypedStore
from clientflow.testing import sample_codec
from clientflow.testing.samples import draft
from tests.notify.test_channels import Inbox

NOW = 1_767_225_600.0
ROBOT_KEY = "ROBOTKEY-7f3a9c2e41b8"
TOKEN = "DINGTOKEN-55aa0e9d"
SECRET = "SIGNSECRET-c0ffee1234"
SLACK_PATH = "T000/B000/XOXBSECRETHOOK99"
PASSWORD = "SMTP-PASSWORD-hunter2"
SECRETS = (ROBOT_KEY, TOKEN, SECRET, SLACK_PATH, "XOXBSECRETHOOK99", PASSWORD)


def _event(n: int = 1) -> ClientNotified:
    meta = EventMeta("ACME-1", n, pendulum.from_timestamp(NOW), "system")
    return ClientNotified(
        meta=meta, clocks=(), escalation=None, quiet_at=None, topic="escalated", message="hi"
    )


def _channels(base: str) -> list[WeCom | DingTalk | Feishu | Slack | Webhook]:
    return [
        WeCom("wecom", f"{base}/cgi-bin/webhook/send?key={ROBOT_KEY}", timeout=2),
        DingTalk("ding", f"{base}/robot/send?access_token={TOKEN}", SECRET, lambda: NOW, timeout=2),
        Feishu("lark", f"{base}/open-apis/bot/v2/hook/{ROBOT_KEY}", SECRET, lambda: NOW, timeout=2),
        Slack("slack", f"{base}/services/{SLACK_PATH}", timeout=2),
        Webhook("hook", f"{base}/hook?token={TOKEN}", SECRET, lambda: NOW, timeout=2),
    ]


def _no_secret_in(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert leaked == [], text


@pytest.mark.parametrize("answer", ["ok", "4xx", "5xx", "302", "refused"])
def test_no_secret_reaches_a_log_a_repr_or_an_error(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture, answer: str
) -> None:
    """Every HTTP channel, answered well or badly, logs at DEBUG (httpx and httpcore
    included) without its URL's key, token or signing secret; neither do the reprs of
    the channels and the router, the errors raised, nor what the engine parks."""
    caplog.set_level(logging.DEBUG)
    status = {"ok": 200, "4xx": 400, "5xx": 502, "302": 302}.get(answer, 200)

    def receiver(request: Request) -> Response:
        # a careless receiver echoes the request it could not take, key and all
        body = '{"errcode": 0, "code": 0}' if status == 200 else f"bad: {request.full_path}"
        moved = {"Location": "https://example.com/moved"} if status == 302 else {}
        return Response(body, status=status, headers=moved)

    httpserver.expect_request("").respond_with_handler(receiver)
    base = "http://127.0.0.1:1" if answer == "refused" else httpserver.url_for("").rstrip("/")
    errors: list[str] = []
    channels = _channels(base)
    for channel in channels:
        try:
            channel.send("hello", _event())
        except (TransientError, PermanentDeliveryError, RateLimited) as error:
            errors.append(str(error))
        _no_secret_in(repr(channel))
    if answer != "ok":
        assert len(errors) == len(channels)
    router = Router(
        [Route(tuple(c.name for c in channels))],
        {c.name: c for c in channels},
        describe=lambda _: ("acme", "P1"),
        now=lambda: NOW,
    )
    store = TypedStore(MemoryStore(), sample_codec())
    clock = ManualClock(pendulum.from_timestamp(NOW))
    made = draft("CR-1")
    Engine(store, clock=clock).execute(Command("CR-1", lambda _, t: made))
    engine = Engine(store, clock=clock, notifier=router, max_attempts=1)
    report = engine.deliver()
    parked = " ".join(repr(entry) for entry in engine.parked())
    # the local server's own access log (werkzeug) is the receiver's, not ours
    ours = [r for r in caplog.records if not r.name.startswith("werkzeug")]
    logged = " ".join(f"{r.name} {r.getMessage()}" for r in ours)
    _no_secret_in(" ".join([*errors, repr(router), str(report), parked, logged]))
    assert any(r.name.startswith("httpcore") for r in ours), "the HTTP stack did log"


def test_email_credentials_never_leak_and_never_travel_unencrypted() -> None:
    """A username and password over a plain connection are refused when the channel is
    made (allow_plaintext_auth opts in, knowingly); the password is never in its repr."""
    with pytest.raises(ValidationError, match=r"pm-mail\.starttls: expected tls or starttls"):
        Email("pm-mail", "127.0.0.1", 25, "a@example.com", ("b@example.com",),
              username="bot", password=PASSWORD)  # fmt: skip
    opted = Email("pm-mail", "127.0.0.1", 25, "a@example.com", ("b@example.com",),
                  username="bot", password=PASSWORD, allow_plaintext_auth=True)  # fmt: skip
    secure = Email("pm-mail", "127.0.0.1", 465, "a@example.com", ("b@example.com",),
                   username="bot", password=PASSWORD, tls=True)  # fmt: skip
    _no_secret_in(repr(opted) + repr(secure))


def _notify_rules(channel: dict[str, object]) -> dict[str, object]:
    import json  # noqa: PLC0415

    from clientflow.config import load_rules  # noqa: PLC0415
    from clientflow.demo import RULES_FILE  # noqa: PLC0415

    data: dict[str, object] = json.loads(load_rules(RULES_FILE).source)
    data["notify"] = {"channels": {"mail": channel}, "routes": [{"channels": ["mail"]}]}
    return data


def test_the_rules_refuse_smtp_credentials_without_encryption() -> None:
    """The same rule at the rules file, named at its key."""
    plain = {
        "type": "email",
        "host": "smtp.example.com",
        "sender": "a@example.com",
        "to": ["b@example.com"],
        "username_env": "SMTP_USER",
        "password_env": "SMTP_PASS",
    }
    with pytest.raises(ConfigError, match=r"notify\.channels\.mail\.starttls"):
        rules_from_dict(_notify_rules(plain))
    rules_from_dict(_notify_rules({**plain, "starttls": True}))
    rules_from_dict(_notify_rules({**plain, "allow_plaintext_auth": True}))


class _AuthInbox(Inbox):
    async def auth_PLAIN(self, server: object, args: list[str]) -> object:  # noqa: N802
        from aiosmtpd.smtp import AuthResult  # noqa: PLC0415

        return AuthResult(success=True)


def test_plaintext_auth_when_the_rules_allow_it_reaches_a_real_server() -> None:
    """The opt-in works end to end against a local SMTP server that takes AUTH PLAIN."""
    from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: PLC0415

    def check(server: object, session: object, envelope: object, mechanism: str,
              data: LoginPassword) -> AuthResult:  # fmt: skip
        return AuthResult(success=data.password == PASSWORD.encode())

    handler = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=check, auth_require_tls=False
    )
    controller.start()
    try:
        mail = Email("pm-mail", "127.0.0.1", port, "a@example.com", ("b@example.com",),
                     username="bot", password=PASSWORD, allow_plaintext_auth=True)  # fmt: skip
        mail.send("x", _event())
        assert len(handler.mails) == 1
    finally:
        controller.stop()


def test_a_redirect_is_a_failure_and_is_never_followed(httpserver: HTTPServer) -> None:
    """A 302 from a webhook or Slack parks the event (the URL is wrong); the place it
    points at is never asked."""
    httpserver.expect_request("/elsewhere").respond_with_data("took it")
    target = httpserver.url_for("/elsewhere")
    httpserver.expect_request("/hook").respond_with_data(
        "", status=302, headers={"Location": target}
    )
    httpserver.expect_request("/slack").respond_with_data(
        "", status=301, headers={"Location": target}
    )
    with pytest.raises(PermanentDeliveryError, match="HTTP 302: a redirect, not followed"):
        Webhook("hook", httpserver.url_for("/hook"), SECRET, lambda: NOW).send("x", _event())
    with pytest.raises(PermanentDeliveryError, match="HTTP 301"):
        Slack("slack", httpserver.url_for("/slack")).send("x", _event())
    assert [request.path for request, _ in httpserver.log] == ["/hook", "/slack"]


@pytest.fixture
def hostile() -> Iterator[tuple[str, dict[str, int]]]:
    """A raw HTTP server: /huge answers 100 MB, /trickle one byte every 0.2 s forever."""
    sent = {"bytes": 0}
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve(connection: socket.socket) -> None:
        with connection:
            request = connection.recv(65536)
            huge = b"/huge" in request.split(b"\r\n", 1)[0]
            length = 100 * 1024 * 1024 if huge else 1_000_000
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n\r\n".encode()
            try:
                connection.sendall(head)
                chunk = b"x" * 65536
                while not stop.is_set() and sent["bytes"] < length:
                    if huge:
                        connection.sendall(chunk)
                        sent["bytes"] += len(chunk)
                    else:
                        connection.sendall(b"x")
                        sent["bytes"] += 1
                        time.sleep(0.2)
            except OSError:
                return  # the client hung up: what a bounded reader does

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the fixture closed the listener
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", sent
    finally:
        stop.set()
        listener.close()


def test_a_huge_answer_is_read_only_as_far_as_needed(hostile: tuple[str, dict[str, int]]) -> None:
    """A 100 MB answer: the channel reads at most MAX_ANSWER bytes and hangs up; the
    server could push only what the socket buffers hold, not the 100 MB."""
    base, sent = hostile
    Slack("slack", f"{base}/huge", timeout=5).send("x", _event())
    time.sleep(0.5)  # let the server notice the hang-up
    assert MAX_ANSWER == 64 * 1024
    assert sent["bytes"] < 20 * 1024 * 1024


def test_a_trickled_answer_cannot_hold_the_deliverer(hostile: tuple[str, dict[str, int]]) -> None:
    """One byte every 0.2 s never trips a per-read timeout; the whole exchange is bounded
    by the channel's timeout all the same, and the event is retried later."""
    base, _ = hostile
    began = time.monotonic()
    with pytest.raises(TransientError, match="within 1 s"):
        Slack("slack", f"{base}/trickle", timeout=1).send("x", _event())
    assert time.monotonic() - began < 3  # liveness, generously: the bound is 1 s
