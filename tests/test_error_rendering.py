"""A user is told what went wrong in their own language: permission, state, not found and
validation errors render in English and Chinese; logs keep the English message (issue 24)."""

from __future__ import annotations

import re

import pendulum
import pytest

import clientflow
import clientflow.cli  # every module that might define an error class, loaded
import clientflow.notify
import clientflow.storage
from clientflow import ManualClock
from clientflow.core import (
    ClientflowError,
    IsNotParty,
    NotFound,
    PermissionDenied,
    Phrase,
    StoreError,
    TransitionNotAllowed,
    Translator,
    ValidationError,
    errors,
)
from clientflow.escalation import COMMAND_WORDS, COMMANDS, STATUS_WORDS, IssueMachine
from clientflow.i18n import language
from tests.risks.test_workspace import rules_data
from tests.test_zh_conventions import _offences

WORDS = {**STATUS_WORDS, **COMMAND_WORDS}
EN, ZH = language("en"), language("zh_CN")

FAMILIES: list[tuple[ClientflowError, str, str]] = [
    (
        PermissionDenied(
            "li.wei",
            Phrase("vote on change {id}", {"id": "CR-1"}),
            IsNotParty("requester").phrase(),
        ),
        "li.wei may not vote on change CR-1 (rule: is not the requester)",
        "li.wei 无权审批变更请求 CR-1：不能是申请人本人",
    ),
    (
        NotFound("issue", "ISS-404"),
        "no issue with id ISS-404",
        "找不到问题 ISS-404",
    ),
    (
        ValidationError.one_of("priority", ["P1", "P2", "P3"], got="P9"),
        "priority: expected one of P1, P2, P3, got P9",
        "字段 priority 应为 P1、P2、P3 之一，收到 P9",
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
        "当前状态为“待受理”，不能执行“关闭”；可执行：受理、确认升级、补充进展、调整优先级、"
        "记录客户回复、升级、暂停 SLA 计时、回复客户、恢复 SLA 计时"
    )


def test_a_store_problem_keeps_the_driver_s_words_inside_a_chinese_sentence() -> None:
    """What a store's driver wrote stays as written; clientflow's own frame is Chinese."""
    error = StoreError("sqlite:///x.db", "schema version 3 is newer than this release's 1")
    said = "schema version 3 is newer than this release's 1"
    assert error.render(ZH) == f"存储 sqlite:///x.db：{said}"
    assert error.render(EN) == str(error)


SAMPLES: dict[type[ClientflowError], ClientflowError] = {
    errors.ValidationError: ValidationError.one_of("priority", ["P1", "P2"], got="P9"),
    errors.TransitionNotAllowed: TransitionNotAllowed("resolved", "acknowledge", ("close",)),
    errors.PermissionDenied: PermissionDenied("li.wei", "approve change CR-1", "owner"),
    errors.ConcurrencyError: errors.ConcurrencyError("CR-1", expected=3, actual=4),
    errors.AlreadyExists: errors.AlreadyExists("CR-1", actual=3),
    errors.RulesChanged: errors.RulesChanged(expected=1, actual=2),
    errors.CursorBusy: errors.CursorBusy("notifier"),
    errors.TransactionConflict: errors.TransactionConflict("postgresql://db", "40P01"),
    errors.DuplicateCommand: errors.DuplicateCommand("req-42", "CR-1", 3),
    errors.StoreError: StoreError("sqlite:///x.db", "disk full"),
    errors.StoreMissing: errors.StoreMissing("sqlite:///x.db"),
    errors.StoreTimeout: errors.StoreTimeout("postgresql://db", "57014", 30.0),
    errors.CorruptData: errors.CorruptData("sqlite:///x.db", "gap", aggregate_id="CR-1"),
    errors.NotFound: NotFound("issue", "ISS-404"),
    errors.ConfigError: errors.ConfigError([errors.ConfigProblem("sla", "expected a table")]),
}


def _subclasses(cls: type[ClientflowError]) -> set[type[ClientflowError]]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def test_every_error_class_has_its_sentence_in_chinese() -> None:
    """Each kind of error clientflow raises (a new class must add its sample here) reads
    as a Chinese sentence under --locale zh_CN, English left only where a driver, a rules
    check or the caller wrote it; the log (str) stays English."""
    assert set(SAMPLES) == _subclasses(ClientflowError)
    for error in SAMPLES.values():
        chinese = error.render(ZH)
        assert re.search(r"[\u4e00-\u9fff]", chinese), chinese
        assert chinese != str(error)
        assert str(error).isascii()
        assert error.render(EN) == str(error) or isinstance(
            error, TransitionNotAllowed | PermissionDenied | ValidationError | NotFound
        )
    timeout = SAMPLES[errors.StoreTimeout].render(ZH)
    assert timeout == (
        "存储 postgresql://db：语句执行超过 30 秒的时限（代码 57014），未写入任何数据；"
        "是否有其他会话持有锁？"  # noqa: RUF001 - full-width in Chinese
    )


def test_the_language_of_clientflow_is_a_translator() -> None:
    """i18n's Language satisfies core's Translator (mypy checks it; this proves it runs)."""
    translator: Translator = ZH
    assert translator.items(["a", "b"]) == "a、b"
