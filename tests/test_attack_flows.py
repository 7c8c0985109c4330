"""Hostile and careless uses of rules-workflow approval stages, delegations and the
client's view (found by review)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import clientflow
from clientflow import Actor, ManualClock
from clientflow.config import Rules, load_rules
from clientflow.core import ConfigError, PermissionDenied, TransitionNotAllowed, ValidationError
from clientflow.workspace import Workspace
from tests.test_flow_stages import CLAIMS, LI, QIAN, START, ZHANG, ZHAO, _rules, _submit

SHARED = CLAIMS.replace(
    'name = "legal"\nactors = ["zhao.min"]',
    'name = "legal"\nactors = ["zhao.min", "qian.li"]\nmode = "any"',
)
"""qian.li signs for finance and for legal: one person in both groups of a 会签 stage."""

CROSS = CLAIMS.replace('delegate = "sun.yi"', 'delegate = "zhao.min"').replace(
    "start = 2026-09-07T00:00:00Z", "start = 2026-09-01T00:00:00Z"
)
"""qian.li (finance) lets zhao.min (legal, the same stage) vote for her."""


def _open(tmp_path: Path, request: pytest.FixtureRequest, extra: str) -> Workspace:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'c.db'}"
    return clientflow.open(url, _rules(tmp_path, extra), clock=ManualClock(START))


@pytest.fixture(params=["memory", "sqlite"])
def cross(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    with _open(tmp_path, request, CROSS) as workspace:
        yield workspace


def test_one_person_in_both_groups_of_a_countersigned_stage_is_refused(tmp_path: Path) -> None:
    """qian.li named in finance and in legal: her one approval would sign for both groups
    of the 会签 stage, so the rules are refused at the stage's key."""
    with pytest.raises(ConfigError) as error:
        clientflow.open("memory://", _rules(tmp_path, SHARED), clock=ManualClock(START))
    (problem,) = error.value.problems
    assert problem.path == "workflows.claim.transitions[1].approval[2]"
    assert "qian.li" in problem.message


def test_a_delegate_who_approves_too_votes_for_the_delegator_as_well(cross: Workspace) -> None:
    """zhao.min's first vote is his own (legal), the second qian.li's (finance)."""
    _submit(cross, "800")
    flow = cross.workflow("claim")
    flow.run("C-1", "approve", by=LI)
    flow.run("C-1", "approve", by=ZHAO)  # as legal
    assert flow.run("C-1", "approve", by=ZHAO).aggregate.status == "archived"  # for qian.li


def test_a_delegate_who_approves_too_holds_two_votes_not_three(cross: Workspace) -> None:
    """With finance's own qian.li voting first, zhao.min has only his own vote left; after
    it, a further vote is refused (one vote per approver per stage)."""
    _submit(cross, "800")
    _submit(cross, "800", "C-2")
    flow = cross.workflow("claim")
    flow.run("C-1", "approve", by=LI)
    flow.run("C-1", "reject", by=QIAN, comment="no receipt")
    assert flow.get("C-1").status == "rejected"
    flow.run("C-2", "approve", by=LI)
    flow.run("C-2", "approve", by=ZHAO)
    votes = [e.vote for e in cross.history("C-2") if hasattr(e, "vote")]
    assert [(v.voter, v.principal) for v in votes][-1] == ("zhao.min", "zhao.min")
    item = flow.run("C-2", "approve", by=ZHAO).aggregate
    votes = [e.vote for e in cross.history("C-2") if hasattr(e, "vote")]
    assert [(v.voter, v.principal) for v in votes][-1] == ("zhao.min", "qian.li")
    assert item.status == "archived"
    with pytest.raises((ValidationError, PermissionDenied, TransitionNotAllowed)):
        flow.run("C-2", "approve", by=ZHAO)


def test_a_delegation_chain_is_refused_when_the_rules_load(tmp_path: Path) -> None:
    """qian.li -> sun.yi, sun.yi -> zhou.hao: sun.yi approves nothing himself, so the
    second link could never be used (chains are not followed) and is reported."""
    chain = CLAIMS + (
        '\n[[workflows.claim.delegations]]\ndelegator = "sun.yi"\ndelegate = "zhou.hao"\n'
        "start = 2026-09-01T00:00:00Z\nend = 2026-09-30T00:00:00Z\n"
    )
    with pytest.raises(ConfigError) as error:
        clientflow.open("memory://", _rules(tmp_path, chain), clock=ManualClock(START))
    assert [p.path for p in error.value.problems] == ["workflows.claim.delegations[2].delegator"]


def test_a_delegation_ending_mid_round_stops_the_delegate(tmp_path: Path) -> None:
    with clientflow.open("memory://", _rules(tmp_path), clock=ManualClock(START)) as ws:
        _submit(ws, "800")
        flow = ws.workflow("claim")
        flow.run("C-1", "approve", by=LI)
        ws.engine.clock.set(pendulum.datetime(2026, 9, 12, 0))  # end is not included
        with pytest.raises(PermissionDenied):
            flow.run("C-1", "approve", by=Actor("sun.yi", {"engineer"}))


def test_a_when_with_non_ascii_digits_is_refused(tmp_path: Path) -> None:
    """Amounts are ASCII digits only; a limit of fullwidth digits is a typo to report."""
    odd = CLAIMS.replace('when = "amount > 5000"', 'when = "amount > \uff15\uff10\uff10\uff10"')
    with pytest.raises(ConfigError, match="amount > 5000"):
        clientflow.open("memory://", _rules(tmp_path, odd), clock=ManualClock(START))


@pytest.mark.parametrize("when", ["amount>1e9", "amount > NaN", "amount > 5,000", "amount >"])
def test_a_malformed_when_is_refused(tmp_path: Path, when: str) -> None:
    odd = CLAIMS.replace('when = "amount > 5000"', f'when = "{when}"')
    with pytest.raises(ConfigError, match="when"):
        clientflow.open("memory://", _rules(tmp_path, odd), clock=ManualClock(START))


def test_a_huge_or_negative_limit_compares_exactly(tmp_path: Path) -> None:
    for limit, asked in [("9" * 60, False), ("-5", True)]:
        odd = CLAIMS.replace('when = "amount > 5000"', f'when = "amount > {limit}"')
        with clientflow.open("memory://", _rules(tmp_path, odd), clock=ManualClock(START)) as ws:
            _submit(ws, "800")
            item = ws.workflow("claim").get("C-1")
            assert item.round is not None
            names = {g.name for stage in item.round.stages for g in stage}
            assert ("director" in names) is asked


def test_a_when_on_a_date_field_is_refused(tmp_path: Path) -> None:
    odd = CLAIMS.replace('reason = "text" }', 'reason = "text", due = "date" }').replace(
        'when = "amount > 5000"', 'when = "due > 5000"'
    )
    with pytest.raises(ConfigError, match="number or money field"):
        clientflow.open("memory://", _rules(tmp_path, odd), clock=ManualClock(START))


def test_the_requester_through_a_delegation_never_votes(cross: Workspace) -> None:
    _ = ZHANG
    _submit(cross, "800")
    flow = cross.workflow("claim")
    flow.run("C-1", "approve", by=LI)
    with pytest.raises(PermissionDenied, match="is not the requester"):
        flow.run("C-1", "approve", by=ZHANG)


def test_a_delegation_whose_delegator_approves_nothing_is_reported(tmp_path: Path) -> None:
    """Found: accepted silently; the rules name a delegator who is in no approver group of
    the workflow, so the delegation can never be used (a typo'd id, most likely)."""
    typo = CLAIMS.replace('delegator = "qian.li"', 'delegator = "qian.lee"')
    with pytest.raises(ConfigError, match="delegator"):
        clientflow.open("memory://", _rules(tmp_path, typo), clock=ManualClock(START))


def test_a_delegate_of_two_approvers_votes_for_each_once(tmp_path: Path) -> None:
    """sun.yi holds the votes of qian.li (finance) and zhao.min (legal) in one stage."""
    both = CLAIMS.replace('delegate = "zhang"', 'delegate = "sun.yi"')
    with clientflow.open("memory://", _rules(tmp_path, both), clock=ManualClock(START)) as ws:
        _submit(ws, "800")
        flow = ws.workflow("claim")
        flow.run("C-1", "approve", by=LI)
        ws.engine.clock.set(pendulum.datetime(2026, 9, 8, 2))
        sun = Actor("sun.yi", {"engineer"})
        flow.run("C-1", "approve", by=sun)
        assert flow.run("C-1", "approve", by=sun).aggregate.status == "archived"


def test_migrating_a_claim_onto_a_conditional_stage_asks_by_its_amount(tmp_path: Path) -> None:
    """Revision 1 has no director; revision 2 asks the director over 5000: a claim of
    12000 moved onto revision 2 waits for the director, one of 800 does not."""
    from clientflow.storage import SQLiteStore  # noqa: PLC0415

    v1 = CLAIMS.replace('{ groups = "director", when = "amount > 5000" }, ', "")
    store = SQLiteStore(str(tmp_path / "m.db"))
    store.create_schema()
    try:
        first = clientflow.open(store, _rules(tmp_path, v1), clock=ManualClock(START), apply=True)
        _submit(first, "12000", "C-1")
        _submit(first, "800", "C-2")
        second = clientflow.open(
            store, _rules(tmp_path, CLAIMS), clock=ManualClock(START), apply=True
        )
        flow = second.workflow("claim")
        asked = {}
        for item in ("C-1", "C-2"):
            moved = flow.migrate(item, by=LI).aggregate  # type: ignore[attr-defined]
            assert moved.round is not None
            asked[item] = [[g.name for g in stage] for stage in moved.round.stages]
        assert asked == {
            "C-1": [["pm"], ["director"], ["finance", "legal"]],
            "C-2": [["pm"], ["finance", "legal"]],
        }
    finally:
        store.close()


_TYPED = st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=30)  # as TOML holds text
_WHEN_TEXT = st.one_of(
    _TYPED,
    st.builds(
        "{} {} {}".format,
        st.sampled_from(["amount", "reason", "Amount", "amount_", ""]),
        st.sampled_from([">", ">=", "<", "<=", "==", "!=", "=", "=>", "<>", ""]),
        st.one_of(st.decimals(allow_nan=True).map(str), _TYPED),
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(when=_WHEN_TEXT)
def test_any_when_loads_as_an_exact_comparison_or_is_reported_at_its_key(
    tmp_path: Path, when: str
) -> None:
    """Whatever a rules file's author types as a stage's ``when``, loading either gives a
    comparison of the money field with an exact decimal limit, or one ConfigError at the
    stage's ``when`` key saying what is allowed; nothing else escapes."""
    text = CLAIMS.replace(
        'when = "amount > 5000"', f"when = {json.dumps(when, ensure_ascii=False)}"
    )
    loaded = _load_or_refusal(_rules(tmp_path, text))
    if isinstance(loaded, ConfigError):
        assert [p.path for p in loaded.problems if p.path.endswith(".when")], loaded.problems
        assert all("expected" in p.message for p in loaded.problems)
        event("refused at its key")
        return
    [stage] = [
        c
        for step in loaded.flow_versions("claim").current.steps.approvals.values()
        for c in step.conditions
        if c
    ]
    event("a comparison loaded")
    assert stage.field == "amount"
    assert stage.limit.is_finite()
    # the condition holds exactly as the decimal comparison says, for any stored amount
    assert stage.holds({"amount": str(stage.limit)}) is (stage.comparison in {">=", "<=", "=="})


def _load_or_refusal(path: Path) -> Rules | ConfigError:
    try:
        return load_rules(path)
    except ConfigError as error:
        return error
