"""A message before it meets a channel: a title, lines of text and @mentions, a link.

Each channel lays a :class:`Message` out in its vendor's format (WeCom and DingTalk
markdown, a Feishu card, Slack blocks, an email's text and HTML parts) and turns a
:class:`Mention` into that vendor's @mention of the person, by the id ``[people]`` gives
for the vendor (``wecom``, ``dingtalk_mobile``, ``feishu_open_id``, ``slack_id``); a
person without one is written as ``@name``. Text is escaped for each vendor, so what a
client or a teammate wrote can never @mention a group or forge markup.

>>> li = Mention("李伟", {"wecom": "LiWei"})
>>> message = Message("问题升级：ISS-2", (("请 ", li, " 处理。"),), link="https://pm.example.com/ISS-2")
>>> print(message.text)
问题升级：ISS-2
请 @李伟 处理。
https://pm.example.com/ISS-2
>>> print(message.markdown("wecom"))
**问题升级：ISS-2**
请 <@LiWei> 处理。
[https://pm.example.com/ISS-2](https://pm.example.com/ISS-2)
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping

import attrs

__all__ = ["CHANNEL_IDS", "Mention", "Message", "Segment"]

CHANNEL_IDS: Mapping[str, str] = {
    "wecom": "wecom",
    "dingtalk": "dingtalk_mobile",
    "feishu": "feishu_open_id",
    "slack": "slack_id",
}
"""Which ``[people]`` key holds a person's id on each channel type."""


def _ids(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(value)


def _same(text: str) -> str:
    return text


@attrs.frozen
class Mention:
    """A person to @mention: the name people read and their id per channel type
    (``{"wecom": "LiWei", "dingtalk": "13800000000", "feishu": "ou_…", "slack": "U…"}``)."""  # noqa: D205, D209

    name: str
    ids: Mapping[str, str] = attrs.field(factory=dict, converter=_ids)

    def on(self, channel: str) -> str | None:
        """The person's id on ``channel`` (``None``: mention by name)."""
        return self.ids.get(channel)


Segment = str | Mention
"""A piece of a line: text (escaped per channel) or a person to @mention."""


def _lines(value: Iterable[str | Iterable[Segment]]) -> tuple[tuple[Segment, ...], ...]:
    lines = tuple(value)
    return tuple((line,) if isinstance(line, str) else tuple(line) for line in lines)


def _markdown_escape(text: str) -> str:
    # The robots' markdown is HTML-like: `<@all>` or `<at id=all>` in a client's words
    # must stay text. Entities render as the characters in every one of them.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _dingtalk_escape(text: str) -> str:
    return text  # DingTalk @mentions only the numbers listed in "at"; text cannot add one


_ESCAPE: Mapping[str, Callable[[str], str]] = {
    "wecom": _markdown_escape,
    "feishu": _markdown_escape,
    "slack": _markdown_escape,  # Slack's documented escaping: &, < and >
    "dingtalk": _dingtalk_escape,
}


def _mention(person: Mention, channel: str) -> str:
    found = person.on(channel)
    if found is None and channel == "dingtalk":
        found = person.on("dingtalk_user")  # a DingTalk userid without a mobile
    if found is None:
        return f"@{person.name}"
    if channel == "wecom":
        return f"<@{found}>"
    if channel == "dingtalk":
        return f"@{person.ids.get('dingtalk_user', found)}"
    if channel == "feishu":
        return f"<at id={found}></at>"
    return f"<@{found}>"  # slack


@attrs.frozen
class Message:
    """What a person reads, before a channel formats it.

    ``title`` is the headline (a card's header, a mail's subject); ``lines`` the body,
    each a string or a tuple of strings and :class:`Mention`; ``link`` where to open the
    issue (from the host's link template), shown as ``link_label``. ``body`` is a host
    template's output: when set, channels post it as it is instead of laying out
    ``lines``.
    """

    title: str
    lines: tuple[tuple[Segment, ...], ...] = attrs.field(default=(), converter=_lines)
    link: str | None = None
    link_label: str = ""
    body: str | None = None
    locale: str = "en"
    """The language it is written in (what a host template renders in)."""
    severity: str = "info"
    """How urgent: ``info``, ``warning`` (a deadline near) or ``alert`` (missed,
    escalated); a Feishu card's header is blue, orange or red by it."""
    greeting: str = ""
    """What a letter opens with ("您好，"); shown in an email only."""
    sign_off: str = ""
    """What a letter ends with (the host's team name); shown in an email only."""

    @classmethod
    def plain(cls, text: str) -> Message:
        """A message of plain text: the first line is its title."""
        title, _, rest = text.partition("\n")
        return cls(title, tuple(line for line in rest.split("\n") if line))

    @property
    def mentions(self) -> tuple[Mention, ...]:
        """The people the message @mentions, each once, in order."""
        found: list[Mention] = []
        for line in self.lines:
            found += (s for s in line if isinstance(s, Mention) and s not in found)
        return tuple(found)

    def _line(self, line: tuple[Segment, ...], channel: str | None) -> str:
        escape = _ESCAPE.get(channel or "", _same)
        return "".join(
            (f"@{s.name}" if channel is None else _mention(s, channel))
            if isinstance(s, Mention)
            else escape(s)
            for s in line
        )

    def _link_text(self) -> str:
        if self.link is None:
            return ""
        return f"{self.link_label}{self.link}" if self.link_label else self.link

    @property
    def text(self) -> str:
        """The message as plain text (mentions as ``@name``)."""
        if self.body is not None:
            return self.body
        parts = [self.title, *(self._line(line, None) for line in self.lines)]
        parts = [part for part in parts if part]
        if self.link is not None:
            parts.append(self._link_text())
        return "\n".join(parts)

    def body_lines(self, channel: str) -> tuple[str, ...]:
        """The body's lines in ``channel``'s markup, mentions in its syntax, no title."""
        return tuple(self._line(line, channel) for line in self.lines)

    def markdown(self, channel: str) -> str:
        """The message as ``channel``'s markdown: a bold title, the lines, the link."""
        if self.body is not None:
            return self.body
        escape = _ESCAPE.get(channel, _same)
        bold = f"*{escape(self.title)}*" if channel == "slack" else f"**{escape(self.title)}**"
        parts = [bold, *self.body_lines(channel)]
        if self.link is not None:
            label = escape(self.link_label.rstrip("：: ") or self.link)
            parts.append(
                f"<{self.link}|{label}>" if channel == "slack" else f"[{label}]({self.link})"
            )
        return ("\n\n" if channel == "dingtalk" else "\n").join(parts)

    @property
    def letter(self) -> str:
        """The message as an email's text: greeting, lines, link, sign-off (the title is
        the subject); without a greeting, :attr:`text`."""  # noqa: D205, D209
        if not self.greeting or self.body is not None:
            return self.text
        parts = [self.greeting, *(self._line(line, None) for line in self.lines)]
        if self.link is not None:
            parts.append(self._link_text())
        if self.sign_off:
            parts.append(self.sign_off)
        return "\n\n".join(part for part in parts if part)

    @property
    def letter_html(self) -> str:
        """:attr:`letter` as HTML (an email's HTML part), escaped; without a greeting,
        :attr:`html`."""  # noqa: D205, D209
        if not self.greeting or self.body is not None:
            return self.html
        paragraphs = self.letter.split("\n\n")
        return "\n".join(
            "<p>{}</p>".format(html.escape(p).replace("\n", "<br>")) for p in paragraphs
        )

    @property
    def html(self) -> str:
        """The message as a small HTML fragment (an email's HTML part), escaped."""
        if self.body is not None:
            return f"<pre>{html.escape(self.body)}</pre>"
        parts = [f"<p><strong>{html.escape(self.title)}</strong></p>"]
        for line in self.lines:
            pieces = "".join(
                f"<strong>@{html.escape(s.name)}</strong>"
                if isinstance(s, Mention)
                else html.escape(s)
                for s in line
            )
            parts.append(f"<p>{pieces}</p>")
        if self.link is not None:
            label = html.escape(self.link_label.rstrip("：: ") or self.link)
            parts.append(f'<p><a href="{html.escape(self.link)}">{label}</a></p>')
        return "\n".join(parts)
