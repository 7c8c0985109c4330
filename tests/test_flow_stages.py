"""Approval stages of a rules workflow asked under a condition (简道云's 条件分支: 金额 >
5000 goes to the director), groups deciding side by side in one stage (会签), and
delegations (an approver away lets another vote for them, 委托)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import clientflow
from clientflow import Actor, ManualClock
from clientflow.core import ConfigError, PermissionDenied, ValidationError
from clientflow.workspace import Workspace
from tests.rulefiles import demo_rules_with

START = pendulum.datetime(2026, 9, 1, 2)
ZHANG = Actor("zhang", {"engineer"})
LI = Actor("li.wei", {"pm"})
WANG = Actor("wang.fang", {"director"})
QIAN = Actor("qian.li", {"finance"})
ZHAO = Actor("zhao.min", {"legal"})

CLAIMS = """
[workflows.claim]
noun = "expense claim"
states = ["draft", "review", "archived", "rejected"]
final = ["archived", "rejected"]

[[workflows.claim.approvers]]
name = "director"
actors = ["wang.fang"]

[[workflows.claim.approvers]]
name = "finance"
actors = ["qian.li"]

[[workflows.claim.approvers]]
name = "legal"
actors = ["zhao.min"]

[[workflows.claim.transitions]]
name = "submit"
from = "draft"
to = "review"
who = "party:owner"
fields = { amount = "money", reason = "text" }

[[workflows.claim.transitions]]
name = "archive"
from = "review"
to = "archived"
approval = ["pm", { groups = "director", when = "amount > 5000" }, ["finance", "legal"]]
on_reject = "rejected"

[[workflows.claim.delegations]]
delegator = "qian.li"
delegate = "sun.yi"
start = 2026-09-07T00:00:00Z
end = 2026-09-12T00:00:00Z

[[workflows.claim.delegations]]
delegator = "zhao.min"
delegate = "zhang"
start = 2026-09-01T00:00:00Z
end = 2026-09-30T00:00:00Z
"""


def _rules(folder: Path, extra: str = CLAIMS) -> Path:
    return demo_rules_with(folder, extra)


@pytest.fixture(params=["memory", "sqlite"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'c.db'}"
    with clientflow.open(url, _rules(tmp_path), clock=ManualClock(START)) as workspace:
        yield workspace


def _submit(ws: Workspace, amount: str, item: str = "C-1") -> None:
    flow = ws.workflow("claim")
    flow.run(item, "open", by=ZHANG, client="lotus", owner="zhang")
    flow.run(item, "submit", by=ZHANG, amount=amount, reason="客户现场差旅")


def test_a_claim_over_the_limit_goes_to_the_director_between_pm_and_finance(
    ws: Workspace,
) -> None:
    _submit(ws, "5000.01")
    flow = ws.workflow("claim")
    flow.run("C-1", "approve", by=LI)
    with pytest.raises(PermissionDenied, match=r"open stage \(director\)"):
        flow.run("C-1", "approve", by=QIAN)
    flow.run("C-1", "approve", by=WANG)
    assert flow.get("C-1").status == "review"


def test_a_claim_at_the_limit_skips_the_director(ws: Workspace) -> None:
    _submit(ws, "5000")
    flow = ws.workflow("claim")
    flow.run("C-1", "approve", by=LI)
    with pytest.raises(PermissionDenied, match=r"open stage \(finance, legal\)"):
        flow.run("C-1", "approve", by=WANG)
    item = flow.get("C-1")
    assert item.round is not None
    assert [[g.name for g in stage] for stage in item.round.stages] == [
        ["pm"],
        ["finance", "legal"],
    ]


def test_groups_of_one_stage_decide_side_by_side_and_both_are_needed(ws: Workspace) -> None:
    """会签: finance and legal vote in either order; the claim is archived only when both
    have approved, and a rejection by either rejects it."""
    _submit(ws, "800", "C-1")
    _submit(ws, "800", "C-2")
    flow = ws.workflow("claim")
    for item in ("C-1", "C-2"):
        flow.run(item, "approve", by=LI)
    flow.run("C-1", "approve", by=ZHAO)
    assert flow.get("C-1").status == "review"
    assert flow.run("C-1", "approve", by=QIAN).aggregate.status == "archived"
    flow.run("C-2", "approve", by=QIAN)
    assert flow.run("C-2", "reject", by=ZHAO).aggregate.status == "rejected"


@settings(max_examples=40, deadline=None)
@given(
    amount=st.decimals(min_value=0, max_value=20000, places=2, allow_nan=False),
)
def test_the_director_is_asked_exactly_when_the_amount_is_over_the_limit(
    amount: Decimal,
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        rules = _rules(Path(folder))
        with clientflow.open("memory://", rules, clock=ManualClock(START)) as ws:
            _submit(ws, str(amount))
            item = ws.workflow("claim").get("C-1")
            assert item.round is not None
            asked = {g.name for stage in item.round.stages for g in stage}
            assert ("director" in asked) is (amount > 5000)


def test_every_mistake_in_a_stage_is_reported_at_its_key(tmp_path: Path) -> None:
    broken = CLAIMS.replace(
        'approval = ["pm", { groups = "director", when = "amount > 5000" }, ["finance", "legal"]]',
        'approval = [{ groups = "pm", when = "reason > 5" },'
        ' { groups = "director", when = "amout > 5000" },'
        ' { groups = ["finance", "finance"], when = "amount is big" },'
        ' ["legal", "audit"]]',
    )
    with pytest.raises(ConfigError) as error:
        clientflow.open("memory://", _rules(tmp_path, broken), clock=ManualClock(START))
    where = {problem.path: problem.message for problem in error.value.problems}
    at = "workflows.claim.transitions[1].approval"
    assert set(where) == {
        f"{at}[0].when",
        f"{at}[1].when",
        f"{at}[2].when",
        f"{at}[2].groups",
        f"{at}[3][1]",
    }
    assert "number or money field" in where[f"{at}[0].when"]
    assert "'amount'" in where[f"{at}[1].when"]  # did you mean
    assert '"amount > 5000"' in where[f"{at}[2].when"]
    assert "each group once" in where[f"{at}[2].groups"]
    assert "no approver group named 'audit'" in where[f"{at}[3][1]"]


def test_a_step_whose_every_stage_is_conditional_is_refused(tmp_path: Path) -> None:
    only = CLAIMS.replace(
        'approval = ["pm", { groups = "director", when = "amount > 5000" }, ["finance", "legal"]]',
        'approval = { groups = "director", when = "amount > 5000" }',
    )
    with pytest.raises(ConfigError, match="at least one stage without when"):
        clientflow.open("memory://", _rules(tmp_path, only), clock=ManualClock(START))


def test_a_delegate_votes_for_the_approver_only_while_the_delegation_runs(
    ws: Workspace, tmp_path: Path
) -> None:
    """qian.li is away from 7 to 12 September and lets sun.yi vote for her: before the 7th
    sun.yi is nobody's approver; on the 8th the vote counts as qian.li's, recorded with
    who cast it, and qian.li cannot vote a second time in that stage."""
    _submit(ws, "800")
    flow = ws.workflow("claim")
    flow.run("C-1", "approve", by=LI)
    sun = Actor("sun.yi", {"engineer"})
    with pytest.raises(PermissionDenied, match="approver of the open stage"):
        flow.run("C-1", "approve", by=sun)
    ws.engine.clock.set(pendulum.datetime(2026, 9, 8, 2))
    flow.run("C-1", "approve", by=sun)
    (vote,) = [e.vote for e in ws.history("C-1") if hasattr(e, "vote")][-1:]
    assert (vote.voter, vote.principal) == ("sun.yi", "qian.li")
    with pytest.raises(ValidationError, match="one vote per approver per stage"):
        flow.run("C-1", "approve", by=QIAN)
    assert flow.run("C-1", "approve", by=ZHAO).aggregate.status == "archived"


def test_the_requester_never_votes_on_their_own_claim_for_someone_else(ws: Workspace) -> None:
    """zhang may vote for zhao.min (legal) this month, but not on the claim he filed."""
    _submit(ws, "800")
    flow = ws.workflow("claim")
    flow.run("C-1", "approve", by=LI)
    with pytest.raises(PermissionDenied, match="is not the requester"):
        flow.run("C-1", "approve", by=ZHANG)
    assert flow.get("C-1").status == "review"


def test_a_delegation_with_its_end_before_its_start_is_refused_at_its_key(tmp_path: Path) -> None:
    backwards = CLAIMS.replace("end = 2026-09-12T00:00:00Z", "end = 2026-09-01T00:00:00Z")
    with pytest.raises(ConfigError) as error:
        clientflow.open("memory://", _rules(tmp_path, backwards), clock=ManualClock(START))
    assert [p.path for p in error.value.problems] == ["workflows.claim.delegations[0].end"]
