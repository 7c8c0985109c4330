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
    RichChannel,
    Slack,
    TransientError,
    Webhook,
    WeCom,
)
from clientflow.notify.message import Mention, Message
from clientflow.notify.messages import details, message_of, truncated
from clientflow.notify.notices import (
    DEFAULT_NOTICES,
    NOTICE_LEVELS,
    client_notice,
    client_title,
    render_notice,
)
from clientflow.notify.router import (
    AUDIENCES,
    RateLimit,
    Route,
    Router,
    describe_from,
    subject_from,
)
from clientflow.notify.setup import CHANNEL_TYPES, ChannelSpec, Notifications, build_router
from clientflow.notify.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    dingtalk_sign,
    feishu_sign,
    verify_webhook,
    webhook_signature,
)
from clientflow.notify.team import Directory, Team, team_message

__all__ = [
    "AUDIENCES",
    "CHANNEL_TYPES",
    "DEFAULT_NOTICES",
    "MAX_ANSWER",
    "NOTICE_LEVELS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Channel",
    "ChannelSpec",
    "DingTalk",
    "Directory",
    "Email",
    "Feishu",
    "Mention",
    "Message",
    "Notifications",
    "RateLimit",
    "RateLimited",
    "RichChannel",
    "Route",
    "Router",
    "Slack",
    "Team",
    "TransientError",
    "WeCom",
    "Webhook",
    "build_router",
    "client_notice",
    "client_title",
    "describe_from",
    "details",
    "dingtalk_sign",
    "feishu_sign",
    "message_of",
    "render_notice",
    "subject_from",
    "team_message",
    "truncated",
    "verify_webhook",
    "webhook_signature",
]
