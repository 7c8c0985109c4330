"""A Chinese PM reads every error clientflow shows in Chinese: wrong-state errors in each
workflow's words, validation errors' expected texts and values as a reader writes them,
permission errors naming the person and the rule, rules-file problems line by line, and
the command line's own refusals (the PM review's items 14-16)."""

# ruff: noqa: E501, RUF001 - whole Chinese sentences, with their full-width punctuation

from __future__ import annotations

import re
import sys
from decimal import Decimal
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner

import clientflow
from clientflow import ManualClock, cadence, changes, escalation, feedback, risks
from clientflow.cli import cli, main
from clientflow.config import load_rules, rules_from_dict
from clientflow.config.flows import build_workflow
from clientflow.core import (
    Actor,
    AllOf,
    AnyOf,
    Anyone,
    ConfigError,
    HasRole,
    IsActor,
    IsNotParty,
    IsParty,
    OnTeam,
    PermissionDenied,
    Phrase,
    Rule,
    TransitionNotAllowed,
    ValidationError,
    check_id,
    check_line,
    check_text,
    parse_instant,
    tenant_failure,
)
from clientflow.core.edge import check_count
from clientflow.core.money import decimal_of
from clientflow.demo import demo_rules
from clientflow.i18n import language

ZH, EN = language("zh_CN"), language("en")
BUILT_IN = (changes.COMMANDS, escalation.COMMANDS, feedback.COMMANDS, risks.COMMANDS)
BUILT_IN += (cadence.COMMANDS,)
# Latin words a Chinese sentence may keep: ids, codes, field and key names, examples.
_ENGLISH = re.compile(r"(?<![\w.\-/@\[])[a-z]{3,}(?: [a-z]{2,})+(?![\w.\-/])")


def english_left(text: str) -> list[str]:
    """Runs of two or more lowercase English words: prose that escaped translation."""
    return _ENGLISH.findall(text)


def _cjk(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


# --- 1. wrong-state errors ---------------------------------------------------------


@pytest.mark.parametrize("commands", BUILT_IN, ids=lambda c: c.kind)
def test_every_state_and_command_of_every_built_in_workflow_has_a_chinese_word(
    commands: object,
) -> None:
    """A test walks every workflow: no state or command reaches a reader as its code."""
    assert isinstance(commands, clientflow.core.CommandSet)
    vocabulary = commands.vocabulary
    assert set(commands.table.states) | set(commands.names) <= set(vocabulary)
    for code, message in vocabulary.items():
        said = ZH.gettext(message)
        assert _cjk(said), (commands.kind, code, said)


@pytest.mark.parametrize("commands", BUILT_IN, ids=lambda c: c.kind)
def test_each_refusal_of_each_built_in_workflow_reads_in_chinese(commands: object) -> None:
    """Whatever the state and command, the refusal names them in words."""
    assert isinstance(commands, clientflow.core.CommandSet)
    for state in commands.table.states:
        for name in commands.names:
            if name in commands.allowed(state) or commands.command(name).creates:
                continue
            text = commands.refuse(state, name).render(ZH)
            assert "_" not in text
            assert english_left(text) == [], text


def _workspace() -> tuple[clientflow.Workspace, clientflow.Actor, clientflow.Actor]:
    rules = demo_rules("zh_CN")
    ws = clientflow.open("memory://", rules, clock=ManualClock(pendulum.datetime(2026, 3, 2, 2)))
    return ws, Actor("zhang.lan", {"client"}, clients={"lotus"}), Actor("li.wei", {"pm"})


def test_a_change_in_draft_says_its_state_and_commands_in_chinese() -> None:
    """当前状态为“草稿”，不能执行“审批”；可执行：提交、撤回 (not draft, vote, submit)."""
    ws, zhang, li = _workspace()
    ws.changes.request("CR-1", by=zhang, project="lotus-app", title="单点登录")
    with pytest.raises(TransitionNotAllowed) as refused:
        ws.changes.vote("CR-1", by=li, verdict="approve")
    assert refused.value.render(ZH) == "当前状态为“草稿”，不能执行“审批”；可执行：提交、撤回"
    assert str(refused.value) == "cannot 'vote' in state 'draft'; allowed: 'submit', 'withdraw'"


def test_a_new_issue_lists_its_commands_in_chinese() -> None:
    """Every command a new issue allows is a Chinese word, none a code."""
    ws, zhang, _ = _workspace()
    ws.issues.report(
        "LOT-1", by=zhang, client="lotus", project="lotus-app", title="登录失败",
        priority="P1", owner="chen.jie",
    )  # fmt: skip
    with pytest.raises(TransitionNotAllowed) as refused:
        ws.issues.resolve("LOT-1", by=zhang, resolution="好了")
    text = refused.value.render(ZH)
    assert text.startswith("当前状态为“待受理”，不能执行“解决”；可执行：受理、确认升级、补充进展")
    assert english_left(text) == []


def test_a_rules_file_workflow_is_refused_in_its_declared_names() -> None:
    """A team's own states and commands have no catalogue words: they read as declared."""
    flow = build_workflow(rules_from_dict(_flow_rules()).workflows["vendor_review"])
    text = flow.declared.refuse("legal_check", "sign_off").render(ZH)
    assert text == "当前状态为“legal_check”，不能执行“sign_off”；可执行：approve_legal"


def _flow_rules() -> dict[str, object]:
    return {
        "version": 1,
        "calendars": {"default": {"timezone": "Asia/Shanghai", "hours": ["09:00-18:00"]}},
        "workflows": {
            "vendor_review": {
                "noun": "vendor review",
                "states": ["legal_check", "review", "signed"],
                "final": ["signed"],
                "transitions": [
                    {"name": "approve_legal", "from": "legal_check", "to": "review"},
                    {"name": "sign_off", "from": "review", "to": "signed"},
                ],
            }
        },
    }


# --- 2. validation errors ----------------------------------------------------------


def _refusal(check: object, *args: object, **kwargs: object) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        check(*args, **kwargs)  # type: ignore[operator]
    return refused.value


VALIDATORS = {
    "a required line": (check_line, "", "title"),
    "a line": (lambda v, f: check_text(v, f, required=False, single_line=True), "a\nb", "t"),
    "a text": (check_text, "", "description"),
    "an optional text": (lambda v, f: check_text(v, f, required=False), "\x00", "note"),
    "an id": (check_id, " CR-1", "change_id"),
    "an empty id": (check_id, "", "change_id"),
    "a count": (lambda v, f: check_count(v, f, high=10), 11, "limit"),
    "money": (decimal_of, "1e999", "cost.amount"),
    "an instant": (parse_instant, "2026-11-30", "--now"),
}


@pytest.mark.parametrize("case", list(VALIDATORS))
def test_each_common_validator_says_what_it_expects_in_chinese(case: str) -> None:
    """字段 title 应为不超过 200 个字符的单行文本…: no English prose left."""
    check, value, field = VALIDATORS[case]
    text = _refusal(check, value, field).render(ZH)
    assert text.startswith(f"字段 {field} 应为")
    assert english_left(text) == [], text


def test_hours_verdicts_and_choices_read_as_a_reader_writes_them() -> None:
    """收到 -1 (not Decimal('-1')), 收到 P9 (not 'P9'), 收到空字符串."""
    hours = ValidationError("effort_hours", "a number of hours >= 0", got=Decimal("-1"))
    assert hours.render(ZH) == "字段 effort_hours 应为不小于 0 的小时数，收到 -1"
    priority = ValidationError.one_of("priority", ["P1", "P2", "P3"], got="P9")
    assert priority.render(ZH) == "字段 priority 应为 P1、P2、P3 之一，收到 P9"
    empty = _refusal(check_line, "", "title")
    assert empty.render(ZH).endswith("，收到空字符串")
    assert str(empty).endswith("got ''")  # the log keeps the repr


def test_a_bad_verdict_and_an_unknown_priority_name_the_caller_s_field() -> None:
    """The workspace names ``verdict`` and ``priority`` as the caller passed them."""
    ws, zhang, li = _workspace()
    with pytest.raises(ValidationError) as priority:
        ws.issues.report(
            "LOT-9", by=zhang, client="lotus", project="lotus-app", title="x",
            priority="P9", owner="chen.jie",
        )  # fmt: skip
    assert priority.value.field == "priority"
    assert priority.value.render(ZH).startswith("字段 priority 应为 P1、P2、P3")
    ws.changes.request("CR-1", by=zhang, project="lotus-app", title="单点登录")
    ws.changes.submit("CR-1", by=zhang)
    with pytest.raises(ValidationError) as verdict:
        ws.changes.vote("CR-1", by=li, verdict="yes")
    assert verdict.value.render(ZH) == "字段 verdict 应为 approve、reject 之一，收到 yes"


def test_an_unknown_client_reads_as_chinese_with_the_clients_listed() -> None:
    """字段 client 应为规则中的客户（acme、lotus…）；项目 lotus-app 属于 lotus，收到 nobody."""
    ws, _, li = _workspace()
    with pytest.raises(ValidationError) as refused:
        ws.issues.report(
            "LOT-7", by=li, client="nobody", project="lotus-app", title="x",
            priority="P1", owner="chen.jie",
        )  # fmt: skip
    text = refused.value.render(ZH)
    assert text.startswith("字段 client 应为规则中的客户（acme、lotus")
    assert text.endswith("；项目 lotus-app 属于 lotus，收到 nobody")


# --- 3. permission errors ----------------------------------------------------------

RULES: list[Rule] = [
    Anyone(),
    OnTeam(),
    HasRole("pm"),
    IsActor(frozenset({"li.wei", "wang.fang"})),
    IsParty("owner"),
    IsParty("requester"),
    IsNotParty("requester"),
    IsParty("reporter"),
    AnyOf((IsParty("owner"), HasRole("pm"))),
    AllOf((OnTeam(), AnyOf((HasRole("pm"), IsParty("owner"))))),
]


@pytest.mark.parametrize("rule", RULES, ids=str)
def test_every_built_in_rule_is_said_in_chinese(rule: Rule) -> None:
    """须为负责人, 须具有角色 pm, 不能是申请人本人...: and the log keeps the English."""
    said = rule.phrase().render(ZH)
    assert _cjk(said), said
    assert english_left(said) == [], said
    assert str(rule) == str(rule.phrase())


def test_a_tenant_binding_is_said_with_the_person_s_name() -> None:
    """张兰只能操作 lotus 的事项; bound to none: 未绑定任何客户."""
    names = {"zhang.lan": "张兰"}
    bound = tenant_failure(Actor("zhang.lan", {"client"}, clients={"lotus"}), "acme")
    assert bound is not None
    assert bound.render(ZH, names) == "张兰只能操作 lotus 的事项，不能操作 acme 的事项"
    unbound = tenant_failure(Actor("zhang.lan", {"client"}), "acme")
    assert unbound is not None
    assert unbound.render(ZH, names) == "张兰未绑定任何客户，不能操作客户 acme 的事项"


def test_the_workspace_names_the_person_and_the_rule_in_chinese() -> None:
    """The PM's sentences, from the workspace itself."""
    ws, zhang, li = _workspace()
    with pytest.raises(PermissionDenied) as other_client:
        ws.issues.report(
            "ACM-7", by=zhang, client="acme", project="acme-shop", title="x",
            priority="P1", owner="chen.jie",
        )  # fmt: skip
    assert (
        other_client.value.render(ZH)
        == "张兰无权为客户 acme 提交问题 ACM-7：张兰只能操作 lotus 的事项，不能操作 acme 的事项"
    )
    ws.changes.request("CR-1", by=zhang, project="lotus-app", title="单点登录")
    ws.changes.submit("CR-1", by=zhang)
    with pytest.raises(PermissionDenied) as assess:
        ws.changes.assess("CR-1", by=zhang, impact=_impact())
    assert assess.value.render(ZH) == (
        "张兰无权评估变更请求 CR-1：须为项目团队成员（不能是客户方人员）"
    )
    ws.changes.assess("CR-1", by=li, impact=_impact())
    ws.changes.request_approval("CR-1", by=li)
    with pytest.raises(PermissionDenied) as vote:
        ws.changes.vote("CR-1", by=Actor("chen.jie", {"engineer"}), verdict="approve")
    assert vote.value.render(ZH) == "陈杰无权审批变更请求 CR-1：须为本轮审批人或其代理人"
    assert vote.value.actor == "chen.jie"  # the facts keep the id


def _impact() -> changes.Impact:
    return changes.Impact(
        schedule_days=2, cost=changes.Money("9000", "CNY"), effort_hours=16,
        risk=changes.Risk.MEDIUM, in_scope=False, priority=changes.Priority.SHOULD,
    )  # fmt: skip


def test_a_phrase_is_the_english_text_wherever_text_goes() -> None:
    """A Phrase is a str: logs, equality and f-strings see the English."""
    phrase = Phrase("is the {party}", {"party": Phrase("owner")})
    assert phrase == "is the owner"
    assert f"rule {phrase}" == "rule is the owner"
    assert phrase.render(ZH) == "须为负责人"


# --- 4. rules-file problems --------------------------------------------------------

RULES_FILES = {
    "unknown key": (
        'version = 1\n[calendars.sh]\ntimezone="Asia/Shanghai"\nhours=["09:00-18:00"]\n'
        '[clients.mingzhu]\nname="明珠银行"\ncalender="sh"\n',
        ["clients.mingzhu.calender：未知的键（是不是想写 calendar？）；这里可以写：approval、"],
    ),
    "required key": (
        'version = 1\n[clients.mingzhu]\nname="明珠银行"\n',
        ["calendars：缺少必填项"],
    ),
    "one of": (
        'version = 1\n[calendars.sh]\ntimezone="Asia/Shanghai"\nhours=["09:00-18:00"]\n'
        '[clients.mingzhu]\nname="明珠银行"\ncalendar="sh"\nnotices="verbose"\n',
        ["clients.mingzhu.notices：应为 minimal、standard、full 之一，收到 verbose"],
    ),
    "no calendar": (
        'version = 1\n[calendars.sh]\ntimezone="Asia/Shanghai"\nhours=["09:00-18:00"]\n'
        '[clients.mingzhu]\nname="明珠银行"\ncalendar="beijing"\n',
        ["clients.mingzhu.calendar：没有名为 beijing 的日历；已定义：sh"],
    ),
    "duration": (
        'version = 1\n[calendars.default]\ntimezone="Asia/Shanghai"\nhours=["09:00-18:00"]\n'
        '[[sla]]\nname="gold"\ntargets.P1 = { first_response = "1 小时", resolution = "8h" }\n',
        [
            "sla[0].targets.P1.first_response：应为工作时长，例如 8h、1h 30m、1wd（1 个工作日），收到“1 小时”"
        ],
    ),
    "zone and hours": (
        'version = 1\n[calendars.shanghai]\ntimezone="Asia/Shanghia"\nhours=["9-18"]\n',
        [
            "calendars.shanghai.timezone：应为 IANA 时区名，例如 Asia/Shanghai，收到 Asia/Shanghia",
            "calendars.shanghai.hours[0]：应为上班时段，例如 09:00-17:30，收到 9-18",
        ],
    ),
    "wrong type": (
        'version = 1\n[calendars.sh]\ntimezone="Asia/Shanghai"\nhours=9\n'
        '[clients.mingzhu]\nname="明珠银行"\ncalendar="sh"\nnotices=3\n',
        [
            "calendars.sh.hours[0]：应为文本，收到的是整数 9",
            "clients.mingzhu.notices：应为 minimal、standard、full 之一，收到的是整数 3",
        ],
    ),
    "toml": (
        "version = 1\n[clients.x\nname='a'\n",
        ["不是有效的 TOML：第 2 行第 11 列，表头缺少“]”"],
    ),
}


@pytest.mark.parametrize("case", list(RULES_FILES))
def test_every_rules_file_problem_reads_in_chinese(case: str, tmp_path: Path) -> None:
    """Each problem line is Chinese; every problem is listed at once."""
    text, expected = RULES_FILES[case]
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_rules(path)
    said = refused.value.render(ZH)
    for line in expected:
        assert line in said, said
    for line in said.splitlines()[1:]:
        assert english_left(line.split("：", 1)[1]) == [], line
    assert str(refused.value).isascii() or case in {"unknown key", "duration", "one of"}


def test_a_misspelt_key_is_not_also_reported_missing(tmp_path: Path) -> None:
    """``calender`` says "did you mean calendar"; not "calendar: required" besides."""
    path = tmp_path / "rules.toml"
    path.write_text(RULES_FILES["unknown key"][0], encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_rules(path)
    assert [p.path for p in refused.value.problems] == ["clients.mingzhu.calender"]


# --- 5. the command line -----------------------------------------------------------


@pytest.fixture
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")


def _run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["clientflow", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    return int(exited.value.code or 0), capsys.readouterr().err


@pytest.mark.usefixtures("chinese")
def test_click_s_own_errors_read_in_chinese(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Unknown option with its suggestion, missing option, invalid choice, try --help."""
    code, err = _run(monkeypatch, capsys, "agenda", "--stor", "x")
    assert code == 2
    assert err.startswith("错误：没有 --stor 选项，是不是想写 ")
    assert re.search(r"\n运行 .*clientflow agenda --help 查看帮助。\n$", err), err
    _, err = _run(monkeypatch, capsys, "agenda")
    assert err.startswith("错误：缺少选项 --store")
    _, err = _run(monkeypatch, capsys, "report", "--store", "x", "--format", "xml")
    assert err.startswith("错误：--format 的值 xml 无效，可选 ")
    url = f"sqlite:///{tmp_path / 'nope.db'}"
    code, err = _run(monkeypatch, capsys, "agenda", "--store", url, "--owner", "li.wei")
    assert code == 1
    assert err == (
        f"错误：存储 {url} 不存在，请先运行 clientflow init --store {url} RULES.toml 创建"
        "（或以 create=True 打开）\n"
    )


@pytest.mark.usefixtures("chinese")
def test_a_bad_now_and_an_unknown_owner_are_chinese_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--now without an offset, and an owner [people] does not list (exit 1)."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert CliRunner().invoke(cli, ["demo", "--store", url]).exit_code == 0
    code, err = _run(monkeypatch, capsys, "sweep", "--store", url, "--now", "2026-11-30")
    assert code == 1
    assert err.startswith("错误：字段 --now 应为带时区偏移")
    assert err.endswith("收到 2026-11-30\n")
    code, err = _run(monkeypatch, capsys, "agenda", "--store", url, "--owner", "nobody")
    assert code == 1
    assert err.startswith("错误：字段 --owner 应为 [people] 中列出的人员（")
    assert english_left(err) == []
