"""The signatures receivers check: clientflow's own webhooks, DingTalk and Feishu robots.

Each follows its vendor's documentation exactly; the tests recompute them independently.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "dingtalk_sign",
    "feishu_sign",
    "verify_webhook",
    "webhook_signature",
]

TIMESTAMP_HEADER = "X-Clientflow-Timestamp"
SIGNATURE_HEADER = "X-Clientflow-Signature"


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 over ``"<timestamp>." + body`` with the shared secret.

    >>> webhook_signature("s3cret", 1767225600, b'{"a":1}')
    'sha256=7d4120fcebf444efab10ba7cd6c651bf463cefb039db5fad37ff9f7231ac8a4a'
    """
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_webhook(
    secret: str, timestamp: str, body: bytes, signature: str, *, now: int, window: int = 300
) -> bool:
    """What a receiver runs: the signature matches and the timestamp is within ``window``
    seconds of ``now`` (so a captured request cannot be replayed later)."""  # noqa: D205, D209
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > window:
        return False
    return hmac.compare_digest(webhook_signature(secret, sent, body), signature)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk custom robot, signed mode: urlencoded base64 of HMAC-SHA256 keyed by the
    secret over the timestamp in milliseconds, a newline and the secret."""  # noqa: D205, D209
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu/Lark custom bot: base64 of HMAC-SHA256 keyed by the timestamp in seconds, a
    newline and the secret, over an empty message."""  # noqa: D205, D209
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
