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
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol

import attrs

from clientflow.core import DomainEvent, json_form
from clientflow.notify.messages import truncated
from clientflow.notify.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    dingtalk_sign,
    feishu_sign,
    webhook_signature,
)
from clientflow.ports import PermanentDeliveryError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "Channel",
    "DingTalk",
    "Email",
    "Feishu",
    "Slack",
    "TransientError",
    "WeCom",
    "Webhook",
]

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


def _client(timeout: float) -> httpx.Client:
    try:
        import httpx  # noqa: PLC0415 - the notify extra
    except ImportError as error:  # pragma: no cover - the extra is installed in tests
        raise PermanentDeliveryError(
            "HTTP channels need httpx: pip install 'clientflow[notify]'"
        ) from error
    return httpx.Client(timeout=timeout)


def _post(client: httpx.Client, name: str, url: str, **kwargs: object) -> httpx.Response:
    import httpx  # noqa: PLC0415 - the notify extra

    try:
        response = client.post(url, **kwargs)  # type: ignore[arg-type]
    except httpx.HTTPError as error:  # timeouts, refused connections: try again later
        raise TransientError(f"{name}: {type(error).__name__}: {error}") from error
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientError(f"{name}: HTTP {response.status_code} {response.text[:200]}")
    if response.status_code >= 400:
        raise PermanentDeliveryError(f"{name}: HTTP {response.status_code} {response.text[:200]}")
    return response


def _code(response: httpx.Response, field: str) -> tuple[int, str]:
    try:
        body = response.json()
    except ValueError:
        return -1, response.text[:200]
    return int(body.get(field, -1)), str(body.get("errmsg", body.get("msg", "")))


def _vendor(name: str, code: int, message: str, transient: frozenset[int]) -> None:
    if code == 0:
        return
    problem = f"{name}: error {code} {message}"
    if code in transient:
        raise TransientError(problem)
    raise PermanentDeliveryError(problem)


@attrs.define
class _Http:
    """What the HTTP channels share: a name, an endpoint and one lazily made client."""

    name: str
    url: str
    timeout: float = attrs.field(default=10.0, kw_only=True)
    _http: httpx.Client | None = attrs.field(default=None, kw_only=True, alias="http")

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = _client(self.timeout)
        return self._http


@attrs.define
class Webhook(_Http):
    """A JSON POST of the event, signed with HMAC-SHA256 over timestamp and body.

    Headers: ``X-Clientflow-Timestamp`` (seconds), ``X-Clientflow-Signature``
    (``sha256=<hex>``, see :func:`~clientflow.notify.signing.webhook_signature`) and
    ``X-Clientflow-Event-Id`` (the same on a redelivery). A receiver checks them with
    :func:`~clientflow.notify.signing.verify_webhook`.
    """

    secret: str
    now: Now

    def send(self, text: str, event: DomainEvent) -> None:
        """POST ``{"text", "event_id", "event_type", "aggregate_id", "event"}``."""
        body = json.dumps(
            {
                "text": text,
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
        _post(self._client(), self.name, self.url, content=body, headers=headers)


@attrs.define
class WeCom(_Http):
    """A WeCom (企业微信) group robot: ``{"msgtype": "text"}``, at most 2,048 bytes.

    ``url`` is the robot's ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...``.

    Error 45009 (too many messages) is retried; any other error parks the event.
    """

    limit: int = 2048

    def send(self, text: str, event: DomainEvent) -> None:
        """Post the text to the group."""
        body = {"msgtype": "text", "text": {"content": truncated(text, self.limit)}}
        response = _post(self._client(), self.name, self.url, json=body)
        _vendor(self.name, *_code(response, "errcode"), transient=frozenset({45009, -1}))


@attrs.define
class DingTalk(_Http):
    """A DingTalk (钉钉) custom robot in signed mode: ``timestamp`` and ``sign`` in the URL.

    Error 130101 (sending too fast) is retried; others (310000: bad signature or
    keywords) park the event.
    """

    secret: str
    now: Now
    limit: int = 20_000

    def send(self, text: str, event: DomainEvent) -> None:
        """Post the text, signed with the robot's secret."""
        stamp = int(self.now() * 1000)
        signed = f"{self.url}&timestamp={stamp}&sign={dingtalk_sign(self.secret, stamp)}"
        body = {"msgtype": "text", "text": {"content": truncated(text, self.limit)}}
        response = _post(self._client(), self.name, signed, json=body)
        _vendor(self.name, *_code(response, "errcode"), transient=frozenset({130101, -1}))


@attrs.define
class Feishu(_Http):
    """A Feishu/Lark (飞书) custom bot with signature verification on.

    Codes 9499 and 11232 (frequency limits) are retried; others (19021: bad signature)
    park the event.
    """

    secret: str
    now: Now
    limit: int = 18_000

    def send(self, text: str, event: DomainEvent) -> None:
        """Post the text with ``timestamp`` and ``sign`` in the body."""
        stamp = int(self.now())
        body = {
            "timestamp": str(stamp),
            "sign": feishu_sign(self.secret, stamp),
            "msg_type": "text",
            "content": {"text": truncated(text, self.limit)},
        }
        response = _post(self._client(), self.name, self.url, json=body)
        _vendor(self.name, *_code(response, "code"), transient=frozenset({9499, 11232, -1}))


@attrs.define
class Slack(_Http):
    """A Slack incoming webhook: ``{"text": ...}``; 429 is retried, other 4xx park."""

    limit: int = 40_000

    def send(self, text: str, event: DomainEvent) -> None:
        """Post the text."""
        _post(self._client(), self.name, self.url, json={"text": truncated(text, self.limit)})


@attrs.define
class Email:
    """Mail through an SMTP server (STARTTLS when asked), plain text with an HTML part.

    The event id makes the ``Message-ID`` and an ``X-Clientflow-Event-Id``
    header, so a redelivered mail can be recognised. A refused recipient parks the
    event; a server that is down or says "try later" (4xx) is retried.
    """

    name: str
    host: str
    port: int
    sender: str
    to: Sequence[str]
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    def send(self, text: str, event: DomainEvent) -> None:
        """Send one mail to every recipient."""
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.to)
        mail["Subject"] = f"[clientflow] {event.event_type} {event.aggregate_id}"
        # stable, so a redelivered mail is the same message (one "@" in a Message-ID)
        mail["Message-ID"] = f"<{event.event_id.replace('@', '.v')}@clientflow>"
        mail["X-Clientflow-Event-Id"] = event.event_id
        mail.set_content(text)
        mail.add_alternative(f"<p>{html.escape(text, quote=False)}</p>", subtype="html")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as server:
                if self.starttls:
                    server.starttls(context=ssl.create_default_context())
                if self.username is not None:
                    server.login(self.username, self.password or "")
                server.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentDeliveryError(f"{self.name}: recipients refused: {error}") from error
        except smtplib.SMTPResponseException as error:
            if 400 <= error.smtp_code < 500:
                raise TransientError(f"{self.name}: SMTP {error.smtp_code}") from error
            raise PermanentDeliveryError(f"{self.name}: SMTP {error.smtp_code}") from error
        except (OSError, smtplib.SMTPException) as error:
            raise TransientError(f"{self.name}: {type(error).__name__}: {error}") from error
