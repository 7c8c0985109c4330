"""A rules workflow's mistakes read in Chinese, every one at its key.

A project manager who writes ``[workflows.<name>]`` tables reads what is wrong in their
language (``clientflow check --lang zh_CN``): each problem of a declaration is a
catalogue message, its key path unchanged, with no English prose left around the keys,
names and values quoted from the file.
"""

# ruff: noqa: E501, RUF001 - whole Chinese sentences, with their full-width punctuation

from __future__ import annotations

from pathlib import Path

import pytest

from clientflow.config import ConfigError, load_rules
from tests.rulefiles import demo_rules_with
from tests.test_zh_errors import EN, ZH, english_left

BROKEN = """
[workflows.change]
states = ["a", "b"]
final = ["b"]

[[workflows.change.transitions]]
name = "go"
from = "a"
to = "b"

[workflows.claim]
noun = "claim"
states = ["draft", "draft", "review", "paid", "rejected", "limbo", "stuck"]
final = ["paid", "rejectd"]
fields = { due = "date" }
client_states = { reveiw = "审核中" }

[[workflows.claim.approvers]]
name = "finance"
actors = ["qian.li", "sun.yi"]

[[workflows.claim.approvers]]
name = "audit"
actors = ["sun.yi"]

[[workflows.claim.transitions]]
name = "open"
from = "draft"
to = "review"
fields = { amount = "money" }

[[workflows.claim.transitions]]
name = "approve"
from = ["review", "paid"]
to = "paid"
approval = [{ groups = "finanse", when = "amout > 5000" }, { groups = "pm", when = "amount >> 1" }]
fields = { note = "text" }
cc = ["team:x"]

[[workflows.claim.transitions]]
name = "countersign"
from = "review"
to = "paid"
approval = [["finance", "audit"], ["pm", "pm"]]
on_reject = "rejectd"

[[workflows.claim.transitions]]
name = "back"
from = "review"
to = "draft"
on_reject = "draft"

[[workflows.claim.transitions]]
name = "nowhere"
from = "review"
to = "stuck"

[workflows.claim.timers.review]
after = "1wd"
before_field = "paid_on"
fire = "countersign"
escalate = "urgnt"

[workflows.claim.timers.draft]
after = "1h"
fire = "back"
escalate = "standard"

"""


FIELD_TYPES = """
[workflows.claim]
states = ["draft", "paid"]
final = ["paid"]
fields = { kind = "colour", tier = ["a", "a"] }

[[workflows.claim.transitions]]
name = "pay"
from = "draft"
to = "paid"
"""


@pytest.fixture(scope="module")
def refused(tmp_path_factory: pytest.TempPathFactory) -> ConfigError:
    path = demo_rules_with(Path(tmp_path_factory.mktemp("broken")), BROKEN)
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    return caught.value


def test_every_mistake_of_a_workflow_is_reported_at_once(refused: ConfigError) -> None:
    paths = {problem.path for problem in refused.problems}
    assert {
        "workflows.change",
        "workflows.claim.states[1]",
        "workflows.claim.final[1]",
        "workflows.claim.client_states.reveiw",
        "workflows.claim.transitions[0].name",
        "workflows.claim.transitions[1].from[1]",
        "workflows.claim.transitions[1].approval[0].when",
        "workflows.claim.transitions[1].approval[0].groups",
        "workflows.claim.transitions[1].approval[1].when",
        "workflows.claim.transitions[1].fields",
        "workflows.claim.transitions[1].cc[0]",
        "workflows.claim.transitions[2].approval[0]",
        "workflows.claim.transitions[2].approval[1]",
        "workflows.claim.transitions[2].on_reject",
        "workflows.claim.transitions[3].on_reject",
        "workflows.claim.timers.review",
        "workflows.claim.timers.review.before_field",
        "workflows.claim.timers.review.fire",
        "workflows.claim.timers.review.escalate",
        "workflows.claim.timers.draft",
    } <= paths, sorted(paths)
    assert len(refused.problems) == 24


def test_each_problem_reads_in_chinese_at_its_own_key(refused: ConfigError) -> None:
    said = refused.render(ZH).splitlines()
    assert len(said) == len(refused.problems) + 1
    for problem, line in zip(refused.problems, said[1:], strict=True):
        path, _, message = line.strip().partition("：")
        assert path == problem.path, line
        assert english_left(message) == [], line
    text = "\n".join(said)
    assert "没有名为 finanse 的审批组（是不是想写 finance？）" in text
    assert (
        "final[1]：应为状态 draft、review、paid、rejected、limbo、stuck 之一，收到 rejectd（是不是想写 rejected？）"
        in text
    )
    assert (
        "同一审批阶段中每人只能属于一个审批组（每组各需一人签字），但 sun.yi 同时属于多个组" in text
    )
    # read by a PM: the reason alone (no "expected a group:" frame around it), the group
    # that repeats named, the key a line is about named in it, one kind of quotes
    assert "approval[0].groups：没有名为 finanse 的审批组" in text
    assert "approval[1]：同一审批阶段中每个审批组只能出现一次，但 pm 出现了多次" in text
    assert "transitions[3].on_reject：on_reject 只能写在带 approval 的流转上" in text
    assert "例如“amount > 5000”" in text
    assert '"' not in text


def test_the_english_says_the_same_in_english(refused: ConfigError) -> None:
    said = refused.render(EN)
    assert str(refused) == said
    # each state once, though the file declares draft twice (reported at states[1])
    assert "workflows.claim.final[1]: expected one of the states (draft, review, paid" in said
    assert "got pm more than once" in said
    assert "got 'rejectd' (did you mean 'rejected'?)" in said
    for line in said.splitlines()[1:]:
        assert line.isascii() or "审核中" in line, line


def test_a_fields_unknown_type_and_a_repeated_choice_read_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_rules(demo_rules_with(tmp_path, FIELD_TYPES))
    said = caught.value.render(ZH)
    assert "workflows.claim.fields.kind：应为 text、date、number、money、person、int 之一" in said
    assert "workflows.claim.fields.tier[1]：应为不重复的值，收到 a" in said
    for line in said.splitlines()[1:]:
        assert english_left(line.partition("：")[2]) == [], line


LATER = """
[workflows.claim]
noun = "claim"
states = ["draft", "review", "paid", "rejected"]
final = ["paid", "rejected"]

[[workflows.claim.approvers]]
name = "finance"
actors = ["qian.li"]

[[workflows.claim.approvers]]
name = "legal"
roles = ["lawyer"]

[[workflows.claim.transitions]]
name = "submit"
from = "draft"
to = "review"
fields = { amount = "money" }

[[workflows.claim.transitions]]
name = "pay"
from = "review"
to = "paid"
approval = [{ groups = "finance", when = "amount > 5000" }, STAGE]
on_reject = "rejected"
"""
# Problems found once a declaration holds together, each case on its own.
LATER_CASES = {
    "every stage conditional": (
        '{ groups = "legal", when = "amount > 9000" }',
        "",
        "应至少有一个不带 when 条件的审批阶段：否则不满足任何阶段条件的事项将无人审批",
    ),
    "states nobody reaches or leaves": (
        '"legal"',
        'states = ["draft", "review", "paid", "rejected", "limbo"]\n',
        "states[4]：应为从 draft 出发经流转能到达的状态，收到 limbo",
    ),
    "a delegator who approves nothing": (
        '"finance"',
        '[[workflows.claim.delegations]]\ndelegator = "qian.lee"\ndelegate = "zhou.min"\n'
        "start = 2026-09-01T09:00:00+08:00\nend = 2026-09-08T09:00:00+08:00\n",
        "delegations[0].delegator：应为本工作流某个审批步骤的审批人（是不是想写 qian.li？），"
        "收到 qian.lee",
    ),
    "a group of roles nobody holds": (
        '"legal"',
        "",
        "approval[1]：应为有人能投票的审批组：legal 只按角色指定审批人，而 [directory] 中没有人担任"
        " lawyer，其事项将一直无人审批",
    ),
}


@pytest.mark.parametrize("case", list(LATER_CASES))
def test_a_declarations_later_checks_read_in_chinese(case: str, tmp_path: Path) -> None:
    stage, extra, expected = LATER_CASES[case]
    text = LATER.replace("STAGE", stage)
    if extra.startswith("states"):
        text = text.replace('states = ["draft", "review", "paid", "rejected"]\n', extra)
    else:
        text += extra
    with pytest.raises(ConfigError) as caught:
        load_rules(demo_rules_with(tmp_path, text))
    said = caught.value.render(ZH)
    assert expected in said, said
    for line in said.splitlines()[1:]:
        assert english_left(line.partition("：")[2]) == [], line
