"""Telling people: routes from events to channels (webhook, email, WeCom, DingTalk,
Feishu/Lark, Slack), as the engine's notifier.

>>> from clientflow.notify import Route
>>> Route(("pm-mail",), frozenset({"issue.escalated"}), priorities=["P1"]).matches(
...     "issue.escalated", "acme", "P1"
... )
True
"""  # noqa: D205

from clientflow.notify.channels import (
    MAX_ANSWER,
    Channel,
    DingTalk,
    Email,
    Feishu,
    RateLimited,
    Slack,
    TransientError,
    Webhook,
    WeCom,
)
from clientflow.notify.messages import details, message_of, truncated
from clientflow.notify.notices import render_notice
from clientflow.notify.router import RateLimit, Route, Router, describe_from
from clientflow.notify.setup import CHANNEL_TYPES, ChannelSpec, Notifications, build_router
from clientflow.notify.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    dingtalk_sign,
    feishu_sign,
    verify_webhook,
    webhook_signature,
)

__all__ = [
    "CHANNEL_TYPES",
    "MAX_ANSWER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Channel",
    "ChannelSpec",
    "DingTalk",
    "Email",
    "Feishu",
    "Notifications",
    "RateLimit",
    "RateLimited",
    "Route",
    "Router",
    "Slack",
    "TransientError",
    "WeCom",
    "Webhook",
    "build_router",
    "describe_from",
    "details",
    "dingtalk_sign",
    "feishu_sign",
    "message_of",
    "render_notice",
    "truncated",
    "verify_webhook",
    "webhook_signature",
]
