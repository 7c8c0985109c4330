"""Notifications as a rules file declares them (``[notify]``), turned into a Router.

Secrets stay out of the file (it is stored with the store's rules revision): a channel
names the environment variables that hold its URL (a robot's URL carries its key),
signing secret or SMTP password.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import attrs

from clientflow.core import ValidationError
from clientflow.i18n import Templates
from clientflow.notify.channels import Channel, DingTalk, Email, Feishu, Now, Slack, Webhook, WeCom
from clientflow.notify.router import AUDIENCES, Describe, Route, Router, Subject
from clientflow.notify.team import Directory

__all__ = ["CHANNEL_TYPES", "ChannelSpec", "Notifications", "build_router"]

CHANNEL_TYPES = ("webhook", "email", "wecom", "dingtalk", "feishu", "slack")
"""The channel types a rules file may name."""

_ROBOT_LIMIT = 20  # messages a minute a WeCom/DingTalk/Feishu group robot accepts


@attrs.frozen
class ChannelSpec:
    """One channel of the rules file; ``*_env`` name environment variables."""

    type: str
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    host: str | None = None
    port: int = 25
    starttls: bool = False
    tls: bool = False
    allow_plaintext_auth: bool = False
    sender: str | None = None
    to: tuple[str, ...] = ()
    username_env: str | None = None
    password_env: str | None = None
    per_minute: int | None = None
    audience: str = "team"
    """Who reads it: ``team`` (team notices) or ``client`` (client notices only)."""

    def __attrs_post_init__(self) -> None:
        if self.type not in CHANNEL_TYPES:
            raise ValidationError("type", f"one of {', '.join(CHANNEL_TYPES)}", got=self.type)
        if self.audience not in AUDIENCES:
            raise ValidationError("audience", f"one of {', '.join(AUDIENCES)}", got=self.audience)
        if self.type == "email":
            if not self.host or not self.sender or not self.to:
                raise ValidationError("host", "host, sender and to for an email channel")
            credentials = self.username_env is not None or self.password_env is not None
            if credentials and not (self.tls or self.starttls or self.allow_plaintext_auth):
                raise ValidationError(
                    "starttls",
                    "starttls = true or tls = true when the server takes a username and"
                    " password (allow_plaintext_auth = true sends them unencrypted)",
                    got=False,
                )
        elif (self.url is None) == (self.url_env is None):
            raise ValidationError("url", "either url or url_env (the robot URL holds its key)")
        if self.type in {"webhook", "dingtalk", "feishu"} and self.secret_env is None:
            raise ValidationError("secret_env", f"the signing secret's variable for {self.type}")

    @property
    def rate(self) -> int | None:
        """Messages a minute (the robots' documented limit unless given)."""
        if self.per_minute is not None:
            return self.per_minute
        return _ROBOT_LIMIT if self.type in {"wecom", "dingtalk", "feishu"} else None


@attrs.frozen
class Notifications:
    """The ``[notify]`` section: named channels, the routes to them and the host's link
    template for team notices (``{id}``: the issue's id) and who signs an email to a
    client (``team_name``)."""  # noqa: D205, D209

    channels: Mapping[str, ChannelSpec]
    routes: tuple[Route, ...]
    link: str | None = None
    team_name: str = ""

    def __attrs_post_init__(self) -> None:
        if self.link is not None and (
            "{id}" not in self.link or not self.link.startswith(("https://", "http://"))
        ):
            raise ValidationError(
                "link",
                'an http(s) URL with {id} in it, e.g. "https://pm.example.com/issues/{id}"',
                got=self.link,
            )
        unknown = sorted({c for r in self.routes for c in r.channels} - set(self.channels))
        if unknown:
            raise ValidationError(
                "routes.channels", "channels declared under [notify.channels]", got=unknown
            )


def _from(env: Mapping[str, str], name: str | None, what: str) -> str:
    if name is None:
        raise ValidationError(what, "an environment variable name")
    value = env.get(name)
    if not value:
        raise ValidationError(what, f"the environment variable {name} to be set", got=None)
    return value


def _channel(name: str, spec: ChannelSpec, env: Mapping[str, str], now: Now) -> Channel:
    if spec.type == "email":
        return Email(
            name,
            spec.host or "",
            spec.port,
            spec.sender or "",
            spec.to,
            starttls=spec.starttls,
            username=None if spec.username_env is None else env.get(spec.username_env),
            password=None if spec.password_env is None else env.get(spec.password_env),
            tls=spec.tls,
            allow_plaintext_auth=spec.allow_plaintext_auth,
        )
    url = spec.url if spec.url is not None else _from(env, spec.url_env, f"{name}.url_env")
    if spec.type == "wecom":
        return WeCom(name, url)
    if spec.type == "slack":
        return Slack(name, url)
    secret = _from(env, spec.secret_env, f"{name}.secret_env")
    if spec.type == "webhook":
        return Webhook(name, url, secret, now)
    if spec.type == "dingtalk":
        return DingTalk(name, url, secret, now)
    return Feishu(name, url, secret, now)


def build_router(
    notifications: Notifications,
    *,
    describe: Describe,
    env: Mapping[str, str],
    now: Now = time.time,
    reader: Callable[[str], tuple[str, str]] | None = None,
    directory: Directory | None = None,
    templates: Templates | None = None,
    subject: Subject | None = None,
) -> Router:
    """The Router a rules file's ``[notify]`` declares, its secrets read from ``env``.

    ``directory`` is the rules (names, @mention ids, languages, calendars and notice
    policies: pass ``rules``); ``reader`` alone gives a client's ``(locale, time zone)``
    (``rules.reader``) where no directory is given. ``templates`` holds the host's
    templates for event types clientflow does not word (``Templates(search_path=...)``).
    ``subject`` names an issue's subject and owner (``subject_from(store)``) for the
    titles of client notices and the owner in team notices.
    """
    channels = {
        name: _channel(name, spec, env, now) for name, spec in notifications.channels.items()
    }
    rates = {name: rate for name, spec in notifications.channels.items() if (rate := spec.rate)}
    return Router(
        notifications.routes,
        channels,
        describe=describe,
        now=now,
        per_minute=rates,
        reader=reader,
        directory=directory,
        audience={name: spec.audience for name, spec in notifications.channels.items()},
        link=notifications.link,
        templates=templates,
        subject=subject,
        team_name=notifications.team_name,
    )
