"""A user is told what went wrong in their own language: permission, state, not found and
validation errors render in English and Chinese; logs keep the English message (issue 24)."""

from __future__ import annotations

import pendulum
import pytest

import clientflow
from clientflow import ManualClock
from clientflow.core import (
    ClientflowError,
    NotFound,
    PermissionDenied,
    StoreError,
    TransitionNotAllowed,
    Translator,
    ValidationError,
)
from clientflow.escalation import COMMAND_WORDS, COMMANDS, STATUS_WORDS, IssueMachine
from clientflow.i18n import language
from tests.risks.test_workspace import rules_data
from tests.test_zh_conventions import _offences

WORDS = {**STATUS_WORDS, **COMMAND_WORDS}
EN, ZH = language("en"), language("zh_CN")

FAMILIES: list[tuple[ClientflowError, str, str]] = [
    (
        PermissionDenied("li.wei", "approve change CR-1", "is not the requester"),
        "li.wei may not approve change CR-1 (rule: is not the requester)",
        "li.wei 无权 approve change CR-1（规则：is not the requester）",
    ),
    (
        NotFound("issue", "ISS-404"),
        "no issue with id ISS-404",
        "找不到问题 ISS-404",
    ),
    (
        ValidationError.one_of("priority", ["P1", "P2", "P3"], got="P9"),
        "priority: expected one of P1, P2, P3, got 'P9'",
        "字段 priority 应为 P1、P2、P3 之一，收到 'P9'",
    ),
    (
        ValidationError("title", "a non-empty text"),
        "title: expected a non-empty text",
        "字段 title 应为 a non-empty text",
    ),
]


@pytest.mark.parametrize(("error", "english", "chinese"), FAMILIES)
def test_each_error_family_reads_in_the_reader_s_language(
    error: ClientflowError, english: str, chinese: str
) -> None:
    """The same error as an English and a Chinese reader see it; the log keeps English."""
    assert error.render(EN) == english
    assert error.render(ZH) == chinese
    assert _offences(chinese) == []
    assert str(error).isascii()


def test_a_refused_transition_names_the_state_and_what_is_allowed_in_words() -> None:
    """问题当前状态为“已解决”，不能执行“受理”；可执行：重新打开、关闭 — words, never codes."""
    error = TransitionNotAllowed("resolved", "acknowledge", ("reopen", "close"))
    assert error.render(ZH, WORDS) == "当前状态为“已解决”，不能执行“受理”；可执行：重新打开、关闭"
    assert error.render(EN, WORDS) == (
        "cannot 'acknowledge' in state 'resolved'; allowed: reopen, close"
    )
    final = TransitionNotAllowed("closed", "reopen", ())
    assert (
        final.render(ZH, WORDS)
        == "当前状态为“已关闭”，不能执行“重新打开”；可执行：无（已是最终状态）"
    )
    for text in (error.render(ZH, WORDS), final.render(ZH, WORDS)):
        assert _offences(text) == []


def test_every_issue_command_has_words_in_each_language() -> None:
    """A refused issue command is named as a Chinese PM says it, for every command as
    users call it and every event."""
    events = {event.id for event in IssueMachine.events}
    assert events | set(COMMANDS.names) <= set(COMMAND_WORDS)
    assert all(ZH.gettext(COMMAND_WORDS[e]) != COMMAND_WORDS[e] for e in COMMAND_WORDS)


def test_errors_a_workspace_raises_render_for_the_user() -> None:
    """What the workspace refuses (an unknown issue, closing a new one) renders in Chinese."""
    ws = clientflow.open(
        "memory://", rules_data(), clock=ManualClock(pendulum.datetime(2026, 9, 21, 2))
    )
    with pytest.raises(NotFound) as missing:
        ws.issues.get("ISS-404")
    assert missing.value.render(ZH) == "找不到问题 ISS-404"
    ws.issues.report(
        "ISS-1", by=clientflow.Actor("li.wei", {"pm"}), client="acme",
        project="acme-shop", title="导出失败", priority="P2", owner="li.wei",
    )  # fmt: skip
    with pytest.raises(TransitionNotAllowed) as refused:
        ws.issues.close("ISS-1", by=clientflow.Actor("li.wei", {"pm"}))
    assert refused.value.render(ZH, WORDS) == (
        "当前状态为“待受理”，不能执行“关闭”；可执行：受理、确认升级、更新、调整优先级、"
        "记录客户回复、升级、暂停 SLA 计时、回复客户、恢复 SLA 计时"
    )


def test_errors_meant_for_operators_keep_their_english_message() -> None:
    """A store problem is for whoever runs the system: render gives the log message."""
    error = StoreError("sqlite:///x.db", "schema version 3 is newer than this release's 1")
    assert error.render(ZH) == str(error)


def test_the_language_of_clientflow_is_a_translator() -> None:
    """i18n's Language satisfies core's Translator (mypy checks it; this proves it runs)."""
    translator: Translator = ZH
    assert translator.items(["a", "b"]) == "a、b"
