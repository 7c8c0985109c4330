"""Workflows declared in the rules file (``[workflows.<name>]``) run through the workspace
like a host's Python ones: commands, permissions, wrong-state refusals, rows and history,
on memory and SQLite; every mistake in a declaration is reported at its key (issue 26)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import pendulum
import pytest

import clientflow
from clientflow import Actor, ManualClock
from clientflow.core import ConfigError, PermissionDenied, TransitionNotAllowed, ValidationError
from clientflow.ports import Query
from clientflow.workspace import Workspace
from tests.rulefiles import demo_rules_with
from tests.storage.servers import MARIADB_URL, POSTGRES_URL, fresh_prefix, require_server

START = pendulum.datetime(2026, 9, 1, 2)
ZHANG = Actor("zhang", {"engineer"})
LI = Actor("li.wei", {"pm"})
QIAN = Actor("qian.li", {"finance"})

EXPENSE = """
[workflows.expense]
noun = "expense claim"
states = ["draft", "dept_review", "finance_review", "archived", "rejected"]
final = ["archived", "rejected"]

[[workflows.expense.transitions]]
name = "submit"
from = "draft"
to = "dept_review"
who = "party:owner"
fields = { amount = "money", reason = "text", spent_on = "date" }

[[workflows.expense.transitions]]
name = "dept_approve"
from = "dept_review"
to = "finance_review"
who = ["role:pm"]

[[workflows.expense.transitions]]
name = "finance_approve"
from = "finance_review"
to = "archived"
who = ["role:finance"]

[[workflows.expense.transitions]]
name = "reject"
from = ["dept_review", "finance_review"]
to = "rejected"
who = ["role:pm", "role:finance"]
fields = { note = "text" }
"""


def _rules(folder: Path, extra: str = EXPENSE) -> Path:
    return demo_rules_with(folder, extra)


@pytest.fixture(params=["memory", "sqlite"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'flows.db'}"
    workspace = clientflow.open(url, _rules(tmp_path), clock=ManualClock(START))
    try:
        yield workspace
    finally:
        workspace.close()


def _submitted(ws: Workspace) -> None:
    flow = ws.workflow("expense")
    flow.run("EXP-1", "open", by=ZHANG, client="lotus", owner="zhang", project="lotus-app")
    flow.run("EXP-1", "submit", by=ZHANG, amount="1200.50", reason="taxi", spent_on="2026-08-28")


def test_an_expense_claim_goes_through_both_approvals(ws: Workspace) -> None:
    _submitted(ws)
    flow = ws.workflow("expense")
    flow.run("EXP-1", "dept_approve", by=LI)
    item = flow.run("EXP-1", "finance_approve", by=QIAN).aggregate
    assert item.status == "archived"
    assert item.values == {"amount": "1200.50", "reason": "taxi", "spent_on": "2026-08-28"}
    (row,) = ws.rows(Query(kind="expense", open=False))
    assert (row.id, row.status, row.client) == ("EXP-1", "archived", "lotus")
    assert list(ws.rows(Query(kind="expense", open=True))) == []
    history = [getattr(e, "transition", "opened") for e in ws.history("EXP-1")]
    assert history == ["opened", "submit", "dept_approve", "finance_approve"]


def test_a_step_keeps_every_field_of_the_item_it_does_not_set(ws: Workspace) -> None:
    """A step builds the next item field by field: whatever a step does not set (the id,
    client, owner, project, opening, definition, and any field added to items later)
    comes through it unchanged."""
    flow = ws.workflow("expense")
    item = flow.run("EXP-1", "open", by=ZHANG, client="lotus", owner="zhang").aggregate
    stepped = {"version", "status", "values", "last_by", "next_deadline", "closed"}
    stepped |= {"round", "requester", "level"}
    kept = {f.name: object() for f in attrs.fields(type(item)) if f.name not in stepped}
    before = attrs.evolve(item, **kept)
    (workflow,) = ws.rules.custom()
    flow.run("EXP-2", "open", by=ZHANG, client="lotus", owner="zhang")
    submitted = flow.run("EXP-2", "submit", by=ZHANG, amount="1", reason="x", spent_on="2026-08-28")
    after = workflow.apply(before, submitted.events[0])
    assert type(after) is type(item)
    assert {name: getattr(after, name) for name in kept} == kept
    assert (after.status, after.version, after.values["reason"]) == ("dept_review", 2, "x")


def test_commands_are_refused_in_the_wrong_state_by_their_names(ws: Workspace) -> None:
    _submitted(ws)
    with pytest.raises(TransitionNotAllowed) as refused:
        ws.workflow("expense").run("EXP-1", "finance_approve", by=QIAN)
    assert str(refused.value) == (
        "cannot 'finance_approve' in state 'dept_review'; allowed: 'dept_approve', 'reject'"
    )


def test_who_may_run_a_transition_comes_from_the_rules(ws: Workspace) -> None:
    _submitted(ws)
    with pytest.raises(PermissionDenied, match="has role pm"):
        ws.workflow("expense").run("EXP-1", "dept_approve", by=QIAN)
    ws.workflow("expense").run("EXP-2", "open", by=LI, client="lotus", owner="zhang")
    with pytest.raises(PermissionDenied, match="owner"):
        ws.workflow("expense").run(
            "EXP-2", "submit", by=LI, amount="1", reason="x", spent_on="2026-08-28"
        )
    assert ws.workflow("expense").get("EXP-1").status == "dept_review"


def test_only_the_team_opens_items_unless_open_who_says_otherwise(
    ws: Workspace, tmp_path: Path
) -> None:
    """Anna is Lotus's contact: by default she opens nothing, even with a team role the
    host gave her; ``open_who = ["party:owner"]`` lets her open items she owns, of her
    own client only."""
    anna = Actor("anna", {"pm"})
    with pytest.raises(PermissionDenied, match="anna may not open expense claim EXP-9"):
        ws.workflow("expense").run("EXP-9", "open", by=anna, client="lotus", owner="li.wei")
    assert list(ws.rows(Query(kind="expense"))) == []
    opened = ws.workflow("expense").run("EXP-1", "open", by=ZHANG, client="lotus", owner="li.wei")
    assert opened.aggregate.owner == "li.wei"
    owners = EXPENSE.replace(
        'final = ["archived", "rejected"]',
        'final = ["archived", "rejected"]\nopen_who = ["party:owner"]',
    )
    folder = tmp_path / "own"
    folder.mkdir()
    rules = _rules(folder, owners)
    with clientflow.open("memory://", rules, clock=ManualClock(START)) as own:
        flow = own.workflow("expense")
        with pytest.raises(PermissionDenied, match="is the owner"):
            flow.run("E-1", "open", by=Actor("anna", {"client"}), client="lotus", owner="li.wei")
        mine = flow.run("E-2", "open", by=Actor("anna", {"client"}), client="lotus", owner="anna")
        assert mine.aggregate.owner == "anna"
        with pytest.raises(PermissionDenied, match="lotus"):
            flow.run("E-3", "open", by=Actor("anna", {"client"}), client="acme", owner="anna")


def test_an_open_who_mistake_is_reported_at_its_key(tmp_path: Path) -> None:
    broken = EXPENSE.replace(
        'final = ["archived", "rejected"]', 'final = ["archived", "rejected"]\nopen_who = [3]'
    )
    with pytest.raises(ConfigError) as error:
        clientflow.open("memory://", _rules(tmp_path, broken), clock=ManualClock(START))
    assert {p.path for p in error.value.problems} == {"workflows.expense.open_who[0]"}


def test_fields_are_required_and_typed(ws: Workspace) -> None:
    flow = ws.workflow("expense")
    flow.run("EXP-1", "open", by=ZHANG, client="lotus", owner="zhang")
    with pytest.raises(ValidationError, match="spent_on"):
        flow.run("EXP-1", "submit", by=ZHANG, amount="3", reason="taxi")
    with pytest.raises(ValidationError, match="amount"):
        flow.run("EXP-1", "submit", by=ZHANG, amount="lots", reason="taxi", spent_on="2026-08-28")
    assert flow.get("EXP-1").status == "draft"


def test_every_mistake_in_a_declaration_is_reported_at_its_key(tmp_path: Path) -> None:
    broken = (
        EXPENSE.replace('to = "finance_review"', 'to = "finance"').replace(
            'name = "reject"', 'name = "submit"'
        )
        + '\n[[workflows.expense.transitions]]\nname = "again"\nfrom = "archived"\nto = "draft"\n'
    )
    with pytest.raises(ConfigError) as error:
        clientflow.open("memory://", _rules(tmp_path, broken), clock=ManualClock(START))
    where = {problem.path for problem in error.value.problems}
    assert where == {
        "workflows.expense.transitions[1].to",
        "workflows.expense.transitions[3].name",
        "workflows.expense.transitions[4].from[0]",
    }


def test_items_under_way_keep_the_definition_they_started_under(tmp_path: Path) -> None:
    """The definition is part of the rules revision an item opened under: after a
    revision drops the department's review, a claim already in it goes on by the old
    definition (and can still be approved there); a new claim takes the new one."""
    url = f"sqlite:///{tmp_path / 'flows.db'}"
    with clientflow.open(url, _rules(tmp_path), clock=ManualClock(START)) as ws:
        _submitted(ws)  # EXP-1 waits in dept_review
    changed = _rules(tmp_path, NO_DEPT)
    with clientflow.open(url, changed, clock=ManualClock(START), apply=True) as ws:
        flow = ws.workflow("expense")
        assert flow.run("EXP-1", "dept_approve", by=LI).aggregate.status == "finance_review"
        assert flow.run("EXP-1", "finance_approve", by=QIAN).aggregate.status == "archived"
        flow.run("EXP-2", "open", by=ZHANG, client="lotus", owner="zhang")
        item = flow.run(
            "EXP-2", "submit", by=ZHANG, amount="8", reason="tea", spent_on="2026-08-28"
        ).aggregate
        assert item.status == "finance_review"
        with pytest.raises(clientflow.ValidationError, match="one of open, submit"):
            flow.run("EXP-2", "dept_approve", by=LI)


NO_DEPT = (
    EXPENSE.replace('"dept_review", ', "")
    .replace('to = "dept_review"', 'to = "finance_review"')
    .replace(
        'name = "dept_approve"\nfrom = "dept_review"\nto = "finance_review"',
        'name = "withdraw"\nfrom = "draft"\nto = "rejected"',
    )
    .replace('from = ["dept_review", "finance_review"]', 'from = "finance_review"')
)
"""The expense claim without the department's review (a second revision)."""

TIMED = (
    EXPENSE
    + """
[workflows.expense.timers.dept_review]
after = "2wd"

[workflows.expense.timers.finance_review]
after = "3wd"
fire = "reject_late"

[[workflows.expense.transitions]]
name = "reject_late"
from = "finance_review"
to = "rejected"
who = "role:finance"
"""
)


def test_timers_remind_and_fire_transitions_in_working_days(tmp_path: Path) -> None:
    """Tuesday 1 September in Shanghai: two working days in department review is a
    reminder on Thursday; three in finance review, approved an hour later, reject it on Tuesday."""
    url, clock = f"sqlite:///{tmp_path / 'flows.db'}", ManualClock(START)
    with clientflow.open(url, _rules(tmp_path, TIMED), clock=clock) as ws:
        _submitted(ws)
        due = ws.workflow("expense").get("EXP-1").next_deadline
        assert due == pendulum.datetime(2026, 9, 3, 10, tz="Asia/Shanghai")
        assert ws.sweep(due.subtract(minutes=1)).fired == ()
        assert [i for i, _ in ws.sweep(due).fired] == ["EXP-1"]
        assert ws.sweep(due.add(days=1)).fired == ()  # once only
        item = ws.workflow("expense").get("EXP-1")
        assert (item.status, item.next_deadline) == ("dept_review", None)
        assert ws.history("EXP-1")[-1].event_type == "expense.reminded"
        clock.set(due.add(hours=1))
        ws.workflow("expense").run("EXP-1", "dept_approve", by=LI)
        late = ws.workflow("expense").get("EXP-1").next_deadline
        assert late == pendulum.datetime(2026, 9, 8, 11, tz="Asia/Shanghai")
        ws.sweep(late)
        item = ws.workflow("expense").get("EXP-1")
        assert (item.status, item.last_by) == ("rejected", "system")


def test_a_timer_before_a_date_field_counts_working_days_back(tmp_path: Path) -> None:
    """Five working days before Monday 12 October, over the National Day week and its
    make-up Saturday, is Tuesday 29 September (as the Python renewal example)."""
    renewal = """
[workflows.renewal]
states = ["upcoming", "renewed"]
final = "renewed"

[[workflows.renewal.transitions]]
name = "set_date"
from = "upcoming"
to = "upcoming"
fields = { renewal_date = "date" }

[[workflows.renewal.transitions]]
name = "renew"
from = "upcoming"
to = "renewed"

[workflows.renewal.timers.upcoming]
before_field = "renewal_date"
days = 5
"""
    with clientflow.open("memory://", _rules(tmp_path, renewal), clock=ManualClock(START)) as ws:
        flow = ws.workflow("renewal")
        assert (
            flow.run("R-1", "open", by=LI, client="lotus", owner="li.wei").aggregate.next_deadline
            is None
        )
        item = flow.run("R-1", "set_date", by=LI, renewal_date="2026-10-12").aggregate
        assert item.next_deadline == pendulum.datetime(2026, 9, 29, 9, tz="Asia/Shanghai")


def test_timer_mistakes_are_reported_at_their_keys(tmp_path: Path) -> None:
    broken = (
        EXPENSE
        + """
[workflows.expense.timers.archived]
after = "2wd"

[workflows.expense.timers.draft]
after = "2wd"
before_field = "spent_on"
fire = "dept_approve"

[workflows.expense.timers.dept_review]
before_field = "amount"
"""
    )
    with pytest.raises(ConfigError) as error:
        clientflow.open("memory://", _rules(tmp_path, broken), clock=ManualClock(START))
    where = {problem.path for problem in error.value.problems}
    assert where == {
        "workflows.expense.timers.archived",
        "workflows.expense.timers.draft",
        "workflows.expense.timers.draft.fire",
        "workflows.expense.timers.dept_review.before_field",
    }


def test_a_store_opened_without_rules_runs_the_workflows_its_rules_declare(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'flows.db'}"
    with clientflow.open(url, _rules(tmp_path), clock=ManualClock(START)) as ws:
        _submitted(ws)
    with clientflow.open(url, clock=ManualClock(START)) as again:
        assert again.workflow("expense").run("EXP-1", "dept_approve", by=LI).aggregate.version == 3


@pytest.mark.parametrize("url", [POSTGRES_URL, MARIADB_URL], ids=["postgresql", "mariadb"])
def test_a_host_built_sql_store_knows_the_rules_workflows(url: str, tmp_path: Path) -> None:
    require_server(url)
    from clientflow.config import load_rules  # noqa: PLC0415
    from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

    rules = load_rules(_rules(tmp_path))
    store = SQLAlchemyStore(url, prefix=fresh_prefix())  # neutral records: no kinds
    store.create_schema()
    try:
        with clientflow.open(store, rules, clock=ManualClock(START)) as ws:
            _submitted(ws)
            ws.workflow("expense").run("EXP-1", "dept_approve", by=LI)
            (row,) = ws.rows(Query(kind="expense"))
            assert row.status == "finance_review"
    finally:
        store.drop_schema()


def test_a_rules_workflow_may_not_take_a_built_in_kind_name(tmp_path: Path) -> None:
    taken = EXPENSE.replace("workflows.expense", "workflows.issue")
    with pytest.raises(ConfigError) as error:
        clientflow.open("memory://", _rules(tmp_path, taken), clock=ManualClock(START))
    assert [problem.path for problem in error.value.problems] == ["workflows.issue"]


def test_a_state_no_transition_reaches_or_leaves_is_reported_at_its_key(tmp_path: Path) -> None:
    """python-statemachine refuses a machine with unreachable or trap states: the rules
    say which, at its key, instead of its exception escaping."""
    lonely = EXPENSE.replace(
        '"archived", "rejected"]\nfinal', '"archived", "rejected", "lost"]\nfinal'
    )
    with pytest.raises(ConfigError) as error:
        clientflow.open("memory://", _rules(tmp_path, lonely), clock=ManualClock(START))
    assert [(p.path, p.message) for p in error.value.problems] == [
        (
            "workflows.expense.states[5]",
            "expected a state a transition enters from 'draft' on, got 'lost'",
        )
    ]
    stuck = EXPENSE.replace(
        '"archived", "rejected"]\nfinal', '"archived", "rejected", "stuck"]\nfinal'
    ) + ('\n[[workflows.expense.transitions]]\nname = "park"\nfrom = "draft"\nto = "stuck"\n')
    with pytest.raises(ConfigError) as trapped:
        clientflow.open("memory://", _rules(tmp_path, stuck), clock=ManualClock(START))
    assert [(p.path, p.message) for p in trapped.value.problems] == [
        (
            "workflows.expense.states[5]",
            "expected a final state or one a transition leaves, got 'stuck'",
        )
    ]
