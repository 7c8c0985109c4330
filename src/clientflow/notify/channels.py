"""Where messages go: a signed webhook, email, and the group robots teams live in.

Each channel posts its vendor's documented message format, keeps to its length limit
(cutting with a marker) and maps the vendor's answer to the engine's delivery: a
transient problem (rate limit, 5xx, a network error) raises :class:`TransientError`,
so the engine retries after its back-off; a permanent one (a bad key, a refused
address) raises :class:`~clientflow.ports.PermanentDeliveryError`, so the event is
parked at once. HTTP goes through httpx with timeouts (``pip install clientflow[notify]``).
"""

from __future__ import annotations

import html
import json
import smtplib
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

import attrs

from clientflow.core import DomainEvent, ValidationError, json_form
from clientflow.notify.message import Message
from clientflow.notify.messages import truncated
from clientflow.notify.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    dingtalk_sign,
    feishu_sign,
    webhook_signature,
)
from clientflow.ports import PermanentDeliveryError, RateLimited

if TYPE_CHECKING:
    import httpx

__all__ = [
    "MAX_ANSWER",
    "Channel",
    "DingTalk",
    "Email",
    "Feishu",
    "RateLimited",
    "RichChannel",
    "Slack",
    "TransientError",
    "WeCom",
    "Webhook",
]

_WECOM_LIMITED = frozenset({45009})  # "api freq out of limit"
_DINGTALK_LIMITED = frozenset({130101})  # "send too fast"
_FEISHU_LIMITED = frozenset({9499, 11232})  # frequency limits

Now = Callable[[], float]
"""Seconds since the epoch (the signing timestamp); the host's clock, injectable."""


class TransientError(Exception):
    """The receiver could not take the message now; delivery will try again."""


class Channel(Protocol):
    """One destination: ``send`` delivers a message about ``event`` or raises."""

    name: str

    def send(self, text: str, event: DomainEvent) -> None:
        """Deliver ``text`` (about ``event``) or raise TransientError/PermanentDeliveryError."""
        ...


@runtime_checkable
class RichChannel(Protocol):
    """A channel that lays a :class:`~clientflow.notify.Message` out itself (markdown,
    a card, blocks, HTML) and @mentions people; every built-in channel is one. The
    router hands others the message's plain text through ``send``."""  # noqa: D205, D209

    name: str
    kind: ClassVar[str]

    def deliver(self, message: Message, event: DomainEvent) -> None:
        """Deliver ``message`` (about ``event``) or raise as ``send`` does."""
        ...


MAX_ANSWER = 64 * 1024
"""The most of a receiver's answer read, in bytes: vendors answer with a few hundred
bytes of JSON, and a hostile receiver must not make a deliverer read 100 MB."""


def _hidden(value: object) -> str:
    return "'***'"


def _transport() -> httpx.HTTPTransport:
    try:
        import httpx  # noqa: PLC0415 - the notify extra
    except ImportError as error:  # pragma: no cover - the extra is installed in tests
        raise PermanentDeliveryError(
            "HTTP channels need httpx: pip install 'clientflow[notify]'"
        ) from error
    return httpx.HTTPTransport()


@attrs.frozen
class _Answer:
    status: int
    body: bytes

    def text(self) -> str:
        return self.body[:200].decode("utf-8", "replace")


def _code(answer: _Answer, field: str) -> tuple[int, str]:
    try:
        body = json.loads(answer.body)
        return int(body.get(field, -1)), str(body.get("errmsg", body.get("msg", "")))
    except (ValueError, AttributeError, TypeError):
        return -1, answer.text()


def _vendor(
    name: str, code: int, message: str, limited: frozenset[int], transient: frozenset[int]
) -> None:
    if code == 0:
        return
    problem = f"{name}: error {code} {message}"
    if code in limited:
        raise RateLimited(problem)
    if code in transient:
        raise TransientError(problem)
    raise PermanentDeliveryError(problem)


@attrs.define
class _Http:
    """What the HTTP channels share: a name, an endpoint and one lazily made transport.

    Requests go to the transport directly, not through an ``httpx.Client``: the client
    logs every request's URL at INFO, and a robot's URL carries its key. Redirects are
    never followed (a 3xx parks the event: the URL is wrong); at most ``max_answer``
    bytes of an answer are read; and the whole exchange, however slowly a receiver
    trickles, ends within ``timeout`` seconds for the deliverer. The URL and secrets
    never appear in a repr, an error or a log line.
    """

    name: str
    url: str = attrs.field(repr=_hidden)
    timeout: float = attrs.field(default=10.0, kw_only=True)
    max_answer: int = attrs.field(default=MAX_ANSWER, kw_only=True)
    _http: httpx.HTTPTransport | None = attrs.field(
        default=None, kw_only=True, alias="transport", repr=False
    )

    def _hidden_values(self, url: str | None = None) -> tuple[str, ...]:
        found = [self.url, urllib.parse.unquote(self.url)]
        for each in {self.url, url or self.url}:
            found += [each, urllib.parse.unquote(each)]
            parts = urllib.parse.urlsplit(each)
            found += [value for _, value in urllib.parse.parse_qsl(parts.query)]
            found += [urllib.parse.quote_plus(v) for _, v in urllib.parse.parse_qsl(parts.query)]
        parts = urllib.parse.urlsplit(self.url)
        found += [piece for piece in parts.path.split("/") if len(piece) >= 8]
        secret = getattr(self, "secret", None)
        if isinstance(secret, str):
            found.append(secret)
        return tuple(sorted((v for v in found if len(v) >= 4), key=len, reverse=True))

    def _redact(self, text: str, url: str | None = None) -> str:
        for value in self._hidden_values(url):
            text = text.replace(value, "***")
        return text

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> _Answer:
        """POST ``body``; the answer, or TransientError / PermanentDeliveryError."""
        if self._http is None:
            self._http = _transport()
        outcome: list[_Answer | BaseException] = []
        worker = threading.Thread(
            target=self._exchange, args=(url, body, headers, outcome), daemon=True
        )
        worker.start()
        worker.join(self.timeout)
        if not outcome:  # still talking: the deliverer moves on; the worker ends alone
            raise TransientError(f"{self.name}: no complete answer within {self.timeout:g} s")
        found = outcome[0]
        if isinstance(found, BaseException):
            raise found
        return self._status(found, url)

    def _exchange(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        outcome: list[_Answer | BaseException],
    ) -> None:
        import httpx  # noqa: PLC0415 - the notify extra

        deadline = time.monotonic() + self.timeout
        timeouts = dict.fromkeys(("connect", "read", "write", "pool"), self.timeout)
        request = httpx.Request(
            "POST", url, content=body, headers=headers, extensions={"timeout": timeouts}
        )
        assert self._http is not None
        try:
            response = self._http.handle_request(request)
            try:
                answer = bytearray()
                for chunk in response.stream:  # type: ignore[union-attr]
                    answer += chunk
                    if len(answer) >= self.max_answer or time.monotonic() > deadline:
                        break  # enough to judge the answer by; the rest is not read
            finally:
                response.close()
            outcome.append(_Answer(response.status_code, bytes(answer[: self.max_answer])))
        except Exception as error:  # timeouts, refused connections, broken answers: later
            reason = self._redact(f"{self.name}: {type(error).__name__}: {error}", url)
            outcome.append(TransientError(reason))

    def _status(self, answer: _Answer, url: str) -> _Answer:
        status, text = answer.status, self._redact(answer.text(), url)
        if status == 429:
            raise RateLimited(f"{self.name}: HTTP 429 {text}")
        if status >= 500:
            raise TransientError(f"{self.name}: HTTP {status} {text}")
        if 300 <= status < 400:
            raise PermanentDeliveryError(
                f"{self.name}: HTTP {status}: a redirect, not followed (check the URL)"
            )
        if status >= 400:
            raise PermanentDeliveryError(f"{self.name}: HTTP {status} {text}")
        if status < 200:
            raise TransientError(f"{self.name}: HTTP {status}")
        return answer

    def _post_json(self, url: str, value: object) -> _Answer:
        body = json.dumps(value, ensure_ascii=False).encode()
        return self._post(url, body, {"Content-Type": "application/json"})


@attrs.define
class Webhook(_Http):
    """A JSON POST of the event, signed with HMAC-SHA256 over timestamp and body.

    Headers: ``X-Clientflow-Timestamp`` (seconds), ``X-Clientflow-Signature``
    (``sha256=<hex>``, see :func:`~clientflow.notify.signing.webhook_signature`) and
    ``X-Clientflow-Event-Id`` (the same on a redelivery). A receiver checks them with
    :func:`~clientflow.notify.signing.verify_webhook`.
    """

    kind: ClassVar[str] = "webhook"
    secret: str = attrs.field(repr=_hidden)
    now: Now = attrs.field(repr=False)

    def send(self, text: str, event: DomainEvent) -> None:
        """POST ``{"text", "event_id", "event_type", "aggregate_id", "event"}``."""
        self._send({"text": text}, event)

    def deliver(self, message: Message, event: DomainEvent) -> None:
        """POST the message's plain ``text``, its ``title`` and ``link`` with the event."""
        self._send({"text": message.text, "title": message.title, "link": message.link}, event)

    def _send(self, said: dict[str, str | None], event: DomainEvent) -> None:
        body = json.dumps(
            {
                **said,
                "event_id": event.event_id,
                "event_type": event.event_type,
                "aggregate_id": event.aggregate_id,
                "event": json_form(event),
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        stamp = int(self.now())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(stamp),
            SIGNATURE_HEADER: webhook_signature(self.secret, stamp, body),
            "X-Clientflow-Event-Id": event.event_id,
        }
        self._post(self.url, body, headers)


@attrs.define
class WeCom(_Http):
    """A WeCom (企业微信) group robot: ``{"msgtype": "text"}``, at most 2,048 bytes.

    ``url`` is the robot's ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...``.

    Error 45009 (too many messages) is retried; any other error parks the event.
    """

    kind: ClassVar[str] = "wecom"
    limit: int = 2048
    markdown_limit: int = 4096

    def send(self, text: str, event: DomainEvent) -> None:
        """Post the text to the group."""
        self._send({"msgtype": "text", "text": {"content": truncated(text, self.limit)}})

    def deliver(self, message: Message, event: DomainEvent) -> None:
        """Post ``{"msgtype": "markdown", "markdown": {"content"}}`` (at most 4,096 bytes),
        people @mentioned as ``<@userid>``."""  # noqa: D205, D209
        content = truncated(message.markdown(self.kind), self.markdown_limit)
        self._send({"msgtype": "markdown", "markdown": {"content": content}})

    def _send(self, body: object) -> None:
        answer = self._post_json(self.url, body)
        _vendor(self.name, *_code(answer, "errcode"), _WECOM_LIMITED, frozenset({-1}))


@attrs.define
class DingTalk(_Http):
    """A DingTalk (钉钉) custom robot in signed mode: ``timestamp`` and ``sign`` in the URL.

    Error 130101 (sending too fast) is retried; others (310000: bad signature or
    keywords) park the event.
    """

    secret: str = attrs.field(repr=_hidden)
    now: Now = attrs.field(repr=False)
    kind: ClassVar[str] = "dingtalk"
    limit: int = 20_000

    def send(self, text: str, event: DomainEvent) -> None:
        """Post the text, signed with the robot's secret."""
        self._send({"msgtype": "text", "text": {"content": truncated(text, self.limit)}})

    def deliver(self, message: Message, event: DomainEvent) -> None:
        """Post ``{"msgtype": "markdown", "markdown": {"title", "text"}, "at":
        {"atMobiles", "atUserIds"}}``: each person @mentioned by DingTalk userid
        (``dingtalk_user_id``: in ``atUserIds``, no number shown) or else by mobile number,
        in the text and in ``atMobiles`` (DingTalk notifies only those listed)."""  # noqa: D205, D209
        users = [u for p in message.mentions if (u := p.on("dingtalk_user")) is not None]
        mobiles = [
            m
            for p in message.mentions
            if p.on("dingtalk_user") is None and (m := p.on(self.kind)) is not None
        ]
        text = truncated(message.markdown(self.kind), self.limit)
        title = truncated(message.title, 200)
        at: dict[str, object] = {"atMobiles": mobiles, "isAtAll": False}
        if users:
            at["atUserIds"] = users
        self._send({"msgtype": "markdown", "markdown": {"title": title, "text": text}, "at": at})

    def _send(self, body: object) -> None:
        stamp = int(self.now() * 1000)
        signed = f"{self.url}&timestamp={stamp}&sign={dingtalk_sign(self.secret, stamp)}"
        answer = self._post_json(signed, body)
        _vendor(self.name, *_code(answer, "errcode"), _DINGTALK_LIMITED, frozenset({-1}))


@attrs.define
class Feishu(_Http):
    """A Feishu/Lark (飞书) custom bot with signature verification on.

    Codes 9499 and 11232 (frequency limits) are retried; others (19021: bad signature)
    park the event.
    """

    secret: str = attrs.field(repr=_hidden)
    now: Now = attrs.field(repr=False)
    kind: ClassVar[str] = "feishu"
    limit: int = 18_000

    def send(self, text: str, event: DomainEvent) -> None:
        """Post the text with ``timestamp`` and ``sign`` in the body."""
        self._send({"msg_type": "text", "content": {"text": truncated(text, self.limit)}})

    def deliver(self, message: Message, event: DomainEvent) -> None:
        """Post an interactive card (``{"msg_type": "interactive", "card": {...}}``): the
        title as its header, the lines as ``lark_md`` with people @mentioned as
        ``<at id=open_id></at>``, the link as a button."""  # noqa: D205, D209
        content = (
            message.body if message.body is not None else "\n".join(message.body_lines(self.kind))
        )
        elements: list[object] = [
            {"tag": "div", "text": {"tag": "lark_md", "content": truncated(content, self.limit)}}
        ]
        if message.link is not None and message.body is None:
            label = message.link_label.rstrip("：: ") or message.link
            button = {
                "tag": "button",
                "text": {"tag": "plain_text", "content": label},
                "url": message.link,
                "type": "primary",
            }
            elements.append({"tag": "action", "actions": [button]})
        card = {
            "config": {"wide_screen_mode": True},
            "header": {
                "title": {"tag": "plain_text", "content": message.title},
                "template": _FEISHU_COLOURS.get(message.severity, "blue"),
            },
            "elements": elements,
        }
        self._send({"msg_type": "interactive", "card": card})

    def _send(self, said: dict[str, object]) -> None:
        stamp = int(self.now())
        body = {"timestamp": str(stamp), "sign": feishu_sign(self.secret, stamp), **said}
        answer = self._post_json(self.url, body)
        _vendor(self.name, *_code(answer, "code"), _FEISHU_LIMITED, frozenset({-1}))


_FEISHU_COLOURS = {"info": "blue", "warning": "orange", "alert": "red"}
"""A Feishu card header's colour by the message's severity."""


@attrs.define
class Slack(_Http):
    """A Slack incoming webhook: ``{"text": ...}``; 429 is retried, other 4xx park."""

    kind: ClassVar[str] = "slack"
    limit: int = 40_000

    def send(self, text: str, event: DomainEvent) -> None:
        """Post the text."""
        self._post_json(self.url, {"text": truncated(text, self.limit)})

    def deliver(self, message: Message, event: DomainEvent) -> None:
        """Post ``{"text", "blocks"}``: a header block with the title, a ``mrkdwn``
        section with the lines (people @mentioned as ``<@U123>``), the link as a button;
        ``text`` is the notification's fallback."""  # noqa: D205, D209
        lines = "\n".join(message.body_lines(self.kind))
        section = message.body if message.body is not None else lines
        blocks: list[object] = [
            {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": truncated(section, 3000)}},
        ]
        if message.link is not None and message.body is None:
            label = message.link_label.rstrip("：: ") or message.link
            button = {
                "type": "button",
                "text": {"type": "plain_text", "text": label},
                "url": message.link,
            }
            blocks.append({"type": "actions", "elements": [button]})
        fallback = truncated(f"{message.title}\n{section}", self.limit)
        self._post_json(self.url, {"text": fallback, "blocks": blocks})


@attrs.define
class Email:
    """Mail through an SMTP server, plain text with an HTML part.

    The connection is encrypted with ``tls`` (SMTPS, port 465) or ``starttls``;
    credentials are never sent over an unencrypted connection unless
    ``allow_plaintext_auth`` says so (a relay on the same host, say). The event id makes
    the ``Message-ID`` and an ``X-Clientflow-Event-Id`` header, so a redelivered mail can
    be recognised. A refused recipient parks the event; a server that is down or says
    "try later" (4xx) is retried.
    """

    name: str
    host: str
    port: int
    sender: str
    to: Sequence[str]
    starttls: bool = False
    username: str | None = attrs.field(default=None, repr=_hidden)
    password: str | None = attrs.field(default=None, repr=_hidden)
    timeout: float = 10.0
    tls: bool = False
    allow_plaintext_auth: bool = False

    def __attrs_post_init__(self) -> None:
        if (
            (self.username is not None or self.password is not None)
            and not (self.tls or self.starttls)
            and not self.allow_plaintext_auth
        ):
            raise ValidationError(
                f"{self.name}.starttls",
                "tls or starttls for a server that takes a username and password (or"
                " allow_plaintext_auth = true to send them unencrypted, knowingly)",
                got=False,
            )

    kind: ClassVar[str] = "email"

    def send(self, text: str, event: DomainEvent) -> None:
        """Send one mail to every recipient."""
        subject = f"[clientflow] {event.event_type} {event.aggregate_id}"
        self._mail(subject, text, f"<p>{html.escape(text, quote=False)}</p>", event)

    def deliver(self, message: Message, event: DomainEvent) -> None:
        """Send one mail: the title as its subject, a text part and an HTML part (a
        client's notice greeted and signed, :attr:`Message.letter`).
        """  # noqa: D205
        self._mail(message.title, message.letter, message.letter_html, event)

    def _mail(self, subject: str, text: str, markup: str, event: DomainEvent) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.to)
        mail["Subject"] = subject
        # stable, so a redelivered mail is the same message (one "@" in a Message-ID)
        mail["Message-ID"] = f"<{event.event_id.replace('@', '.v')}@clientflow>"
        mail["X-Clientflow-Event-Id"] = event.event_id
        mail.set_content(text)
        mail.add_alternative(markup, subtype="html")
        context = ssl.create_default_context()
        try:
            server = (
                smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
                if self.tls
                else smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            )
            with server:
                if self.starttls and not self.tls:
                    server.starttls(context=context)
                if self.username is not None:
                    server.login(self.username, self.password or "")
                server.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentDeliveryError(f"{self.name}: recipients refused: {error}") from None
        except smtplib.SMTPAuthenticationError as error:
            raise PermanentDeliveryError(
                f"{self.name}: SMTP {error.smtp_code}: the server refused the login"
            ) from None
        except smtplib.SMTPResponseException as error:
            if 400 <= error.smtp_code < 500:
                raise TransientError(f"{self.name}: SMTP {error.smtp_code}") from None
            raise PermanentDeliveryError(f"{self.name}: SMTP {error.smtp_code}") from None
        except (OSError, smtplib.SMTPException) as error:
            reason = f"{self.name}: {type(error).__name__}: {error}"
            for secret in (self.password, self.username):
                if secret:
                    reason = reason.replace(secret, "***")
            raise TransientError(reason) from None
