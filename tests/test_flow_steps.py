"""Rules workflows with approval steps, escalation ladders, carbon copies and what the
client sees (issue 26): the approval groups and ladders of the rules, reused; every
mistake reported at its key."""

from __future__ import annotations

import doctest
import itertools
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import clientflow
from clientflow import Actor, ManualClock
from clientflow.config import load_rules
from clientflow.core import (
    ConfigError,
    DomainEvent,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
)
from clientflow.demo import RULES_FILE
from clientflow.i18n import language
from clientflow.notify import (
    Message,
    Route,
    Router,
    Team,
    client_notice,
    client_title,
    describe_from,
    subject_from,
    team_message,
)
from clientflow.ports import Query
from clientflow.workspace import Workspace
from tests.rulefiles import demo_rules_with
from tests.storage.servers import POSTGRES_URL, require_server
from tests.test_docs import BLOCK, FLAGS

START = pendulum.datetime(2026, 9, 1, 2)  # Tuesday 10:00 in Shanghai
ZHANG = Actor("zhang", {"engineer"})
LI = Actor("li.wei", {"pm"})
QIAN = Actor("qian.li", {"finance"})
SUN = Actor("sun.yi", {"finance"})

EXPENSE = """
[workflows.expense]
noun = "expense claim"
states = ["draft", "dept_review", "finance_review", "archived", "rejected"]
final = ["archived", "rejected"]
client_states = { finance_review = "审批中", archived = "已归档" }

[[workflows.expense.approvers]]
name = "finance"
actors = ["qian.li", "sun.yi", "zhang"]
mode = "all"
comment = "on_reject"

[[workflows.expense.transitions]]
name = "submit"
from = "draft"
to = "dept_review"
who = "party:owner"
fields = { amount = "money" }
cc = ["role:account-director"]

[[workflows.expense.transitions]]
name = "dept_approve"
from = "dept_review"
to = "finance_review"
approval = "pm"                      # the [approval.default] group of the demo rules
on_reject = "rejected"

[[workflows.expense.transitions]]
name = "finance_approve"
from = "finance_review"
to = "archived"
approval = "finance"
on_reject = "rejected"
cc = ["party:owner", "role:pm", "wang.fang"]
client = "报销已归档"
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


def _submitted(ws: Workspace, item: str = "EXP-1") -> None:
    flow = ws.workflow("expense")
    flow.run(item, "open", by=ZHANG, client="lotus", owner="zhang")
    flow.run(item, "submit", by=ZHANG, amount="1200.50")


def test_a_claim_passes_both_approval_steps_when_every_approver_agrees(ws: Workspace) -> None:
    _submitted(ws)
    flow = ws.workflow("expense")
    assert flow.run("EXP-1", "approve", by=LI).aggregate.status == "finance_review"
    waiting = flow.run("EXP-1", "approve", by=QIAN).aggregate
    assert waiting.status == "finance_review"  # "all": sun.yi still has to approve
    assert waiting.round is not None
    assert waiting.round.pending() == {"sun.yi"}
    assert flow.run("EXP-1", "approve", by=SUN).aggregate.status == "archived"
    (row,) = ws.rows(Query(kind="expense", open=False))
    assert (row.id, row.status) == ("EXP-1", "archived")
    kinds = [e.event_type.split(".")[1] for e in ws.history("EXP-1")]
    assert kinds == ["opened", "stepped", "voted", "stepped", "voted", "voted", "stepped"]
    votes = [(e.vote.voter, e.transition) for e in ws.history("EXP-1") if hasattr(e, "vote")]
    assert votes == [
        ("li.wei", "dept_approve"),
        ("qian.li", "finance_approve"),
        ("sun.yi", "finance_approve"),
    ]


def test_the_requester_never_votes_and_is_left_out_of_an_all_group(ws: Workspace) -> None:
    """zhang submitted the claim and is in the finance group: he may not approve it, and
    the group needs only the two others."""
    _submitted(ws)
    flow = ws.workflow("expense")
    with pytest.raises(PermissionDenied, match="is not the requester"):
        flow.run("EXP-1", "approve", by=ZHANG)
    flow.run("EXP-1", "approve", by=LI)
    item = flow.get("EXP-1")
    assert item.round is not None
    (group,) = item.round.current
    assert group.eligible == {"qian.li", "sun.yi"}
    with pytest.raises(PermissionDenied, match="is not the requester"):
        flow.run("EXP-1", "approve", by=Actor("zhang", {"finance"}))


def test_who_is_not_an_approver_of_the_open_stage_is_refused(ws: Workspace) -> None:
    _submitted(ws)
    flow = ws.workflow("expense")
    with pytest.raises(PermissionDenied, match=r"approver of the open stage \(pm\)"):
        flow.run("EXP-1", "approve", by=QIAN)
    flow.run("EXP-1", "approve", by=LI)
    flow.run("EXP-1", "approve", by=QIAN)
    with pytest.raises(ValidationError, match="one vote per approver"):
        flow.run("EXP-1", "reject", by=QIAN, comment="changed my mind")
    assert flow.get("EXP-1").status == "finance_review"


def test_one_rejection_moves_the_item_to_the_rejection_state(ws: Workspace) -> None:
    _submitted(ws)
    flow = ws.workflow("expense")
    flow.run("EXP-1", "approve", by=LI)
    with pytest.raises(ValidationError, match="comment"):
        flow.run("EXP-1", "reject", by=QIAN)
    item = flow.run("EXP-1", "reject", by=QIAN, comment="no receipt").aggregate
    assert (item.status, item.round) == ("rejected", None)
    last = ws.history("EXP-1")[-1]
    assert (last.transition, last.actor) == ("reject", "qian.li")
    with pytest.raises(TransitionNotAllowed):
        flow.run("EXP-1", "approve", by=SUN)


def test_a_transition_with_approval_is_run_only_by_votes(ws: Workspace) -> None:
    _submitted(ws)
    with pytest.raises(ValidationError, match="dept_approve"):
        ws.workflow("expense").run("EXP-1", "dept_approve", by=LI)


def test_a_step_whose_group_has_nobody_but_the_requester_refuses_the_move(
    tmp_path: Path,
) -> None:
    """zhang asked for the chain of approvals; a finance group of zhang alone cannot
    approve, so the department's approval that would move the claim there is refused."""
    alone = EXPENSE.replace('actors = ["qian.li", "sun.yi", "zhang"]', 'actors = ["zhang"]')
    with clientflow.open("memory://", _rules(tmp_path, alone), clock=ManualClock(START)) as ws:
        _submitted(ws)
        with pytest.raises(ValidationError, match="other than the requester"):
            ws.workflow("expense").run("EXP-1", "approve", by=LI)
        assert ws.workflow("expense").get("EXP-1").status == "dept_review"


def test_carbon_copies_and_the_client_label_are_recorded_with_the_step(ws: Workspace) -> None:
    _submitted(ws)
    flow = ws.workflow("expense")
    submitted = ws.history("EXP-1")[1]
    assert (submitted.cc, submitted.client_label) == (("wang.fang",), "")
    flow.run("EXP-1", "approve", by=LI)
    flow.run("EXP-1", "approve", by=QIAN)
    flow.run("EXP-1", "approve", by=SUN)
    archived = ws.history("EXP-1")[-1]
    assert archived.cc == ("zhang", "li.wei", "wang.fang")
    assert archived.client_label == "报销已归档"


LADDER = (
    EXPENSE
    + """
[workflows.expense.timers.finance_review]
after = "1wd"
escalate = "standard"
"""
)


def test_a_waiting_approval_climbs_the_escalation_ladder_in_business_time(tmp_path: Path) -> None:
    """Finance has one working day; then the demo's ladder is told level by level, each
    its delay after the one before (2 h, then 4 h, in Shanghai working hours), once."""
    url, clock = f"sqlite:///{tmp_path / 'flows.db'}", ManualClock(START)
    with clientflow.open(url, _rules(tmp_path, LADDER), clock=clock) as ws:
        _submitted(ws)
        flow = ws.workflow("expense")
        due = flow.run("EXP-1", "approve", by=LI).aggregate.next_deadline
        assert due == pendulum.datetime(2026, 9, 2, 10, tz="Asia/Shanghai")
        told = []
        for _ in range(4):  # each sweep tells the level due; the next is due later
            fired = ws.sweep(pendulum.datetime(2026, 9, 30, tz="Asia/Shanghai")).fired
            told += [(e.level, e.level_name, e.notify) for _, es in fired for e in es]
        assert told == [
            (1, "project manager", ("li.wei",)),
            (2, "account director", ("wang.fang",)),
            (3, "client sponsor", ("role:client-sponsor",)),
        ]
        item = flow.get("EXP-1")
        assert (item.owner, item.level, item.next_deadline) == ("wang.fang", 3, None)


def test_ladder_levels_come_each_their_delay_after_the_last(tmp_path: Path) -> None:
    clock = ManualClock(START)
    with clientflow.open("memory://", _rules(tmp_path, LADDER), clock=clock) as ws:
        _submitted(ws)
        flow = ws.workflow("expense")
        due = flow.run("EXP-1", "approve", by=LI).aggregate.next_deadline
        assert due is not None
        ws.sweep(due)
        second = flow.get("EXP-1").next_deadline
        assert second == pendulum.datetime(2026, 9, 2, 12, tz="Asia/Shanghai")
        ws.sweep(second)
        third = flow.get("EXP-1").next_deadline
        # four working hours after 12:00, over the lunch break (12:00-13:00)
        assert third == pendulum.datetime(2026, 9, 2, 17, tz="Asia/Shanghai")
        clock.set(third)
        # an approval resets the ladder: archived has no timer
        flow.run("EXP-1", "approve", by=QIAN)
        item = flow.run("EXP-1", "approve", by=SUN).aggregate
        assert (item.status, item.level, item.next_deadline) == ("archived", 0, None)


def test_every_mistake_in_steps_is_reported_at_its_key_at_once(tmp_path: Path) -> None:
    broken = (
        EXPENSE.replace('approval = "pm"', 'approval = ["pm", "legal"]')
        .replace('on_reject = "rejected"\ncc', 'on_reject = "gone"\ncc')
        .replace('cc = ["role:account-director"]', 'cc = ["team:all"]')
        .replace('finance_review = "审批中"', 'review = "审批中"')
        + """
[[workflows.expense.transitions]]
name = "approve"
from = "draft"
to = "rejected"

[[workflows.expense.transitions]]
name = "fast_track"
from = "draft"
to = "archived"
approval = "director"
fields = { note = "text" }

[workflows.expense.timers.dept_review]
after = "1wd"
escalate = "urgent"

[workflows.expense.timers.finance_review]
after = "1wd"
fire = "finance_approve"
"""
    )
    with pytest.raises(ConfigError) as error:
        clientflow.open("memory://", _rules(tmp_path, broken), clock=ManualClock(START))
    where = {problem.path: problem.message for problem in error.value.problems}
    assert set(where) == {
        "workflows.expense.transitions[0].cc[0]",
        "workflows.expense.transitions[1].approval[1]",
        "workflows.expense.transitions[2].on_reject",
        "workflows.expense.transitions[3].name",
        "workflows.expense.transitions[4].on_reject",
        "workflows.expense.transitions[4].fields",
        "workflows.expense.client_states.review",
        "workflows.expense.timers.dept_review.escalate",
        "workflows.expense.timers.finance_review.fire",
    }
    assert (
        "no approver group named 'legal'" in where["workflows.expense.transitions[1].approval[1]"]
    )
    assert "finance" in where["workflows.expense.transitions[1].approval[1]"]
    assert "standard" in where["workflows.expense.timers.dept_review.escalate"]


def test_the_team_reads_who_ran_the_step_with_the_carbon_copies_mentioned(ws: Workspace) -> None:
    """A rules workflow's step reaches the notify router's team channels worded, in the
    reader's language, with the people copied (抄送) @mentioned."""
    _submitted(ws)
    submitted = ws.history("EXP-1")[1]
    message = team_message(submitted, Team(fallback=("zh_CN", "Asia/Shanghai")), "lotus")
    assert message is not None
    assert message.title == "submit：EXP-1（lotus）"
    assert message.text.splitlines()[1:3] == ["zhang执行了submit。", "抄送：@wang.fang"]


def test_the_client_reads_only_the_steps_declared_for_the_client(ws: Workspace) -> None:
    """A step with a client label, or entering a state whose client label differs from
    the one left, is told to the client in its words; others are not told."""
    _submitted(ws)
    flow = ws.workflow("expense")
    flow.run("EXP-1", "approve", by=LI)
    flow.run("EXP-1", "approve", by=QIAN)
    flow.run("EXP-1", "approve", by=SUN)
    zh = language("zh_CN")
    told = [
        (client_title(e, zh, "出差报销"), client_notice(e, "minimal", zh))
        for e in ws.history("EXP-1")
        if client_notice(e, "minimal", zh) is not None
    ]
    assert told == [("审批中：出差报销", "审批中"), ("报销已归档：出差报销", "报销已归档")]


def test_an_escalation_reads_as_a_warning_to_the_level_told(tmp_path: Path) -> None:
    with clientflow.open("memory://", _rules(tmp_path, LADDER), clock=ManualClock(START)) as ws:
        _submitted(ws)
        due = ws.workflow("expense").run("EXP-1", "approve", by=LI).aggregate.next_deadline
        ((_, (event,)),) = ws.sweep(due).fired
        message = team_message(event, Team(fallback=("zh_CN", "Asia/Shanghai")), "lotus")
        assert message is not None
        assert message.severity == "warning"
        assert "已升级至project manager：@li.wei，请跟进。" in message.text


@pytest.fixture(params=["sqlite", "postgresql"])
def store_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A fresh store's URL per call: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        files = (f"sqlite:///{tmp_path / f'docs{n}.db'}" for n in itertools.count())
        yield lambda: next(files)
        return
    require_server(POSTGRES_URL)
    import sqlalchemy as sa  # noqa: PLC0415 - only the sql extra has it

    server = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def fresh() -> str:
        made.append(f"cfdocs_{uuid.uuid4().hex[:12]}")
        with server.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{made[-1]}"'))
        return str(sa.make_url(POSTGRES_URL).set(database=made[-1]).render_as_string(False))

    try:
        yield fresh
    finally:
        with server.connect() as connection:
            for name in made:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_the_custom_workflows_page_runs_on_sqlite_and_postgresql(
    store_urls: Callable[[], str],
) -> None:
    """docs/custom-workflows.md's examples give the output shown on a real store too
    (each workspace it opens on a store of its own)."""
    page = Path(__file__).resolve().parent.parent / "docs" / "custom-workflows.md"
    text = "\n".join(BLOCK.findall(page.read_text(encoding="utf-8")))
    assert text.count('"memory://"') >= 4
    text = text.replace('"memory://"', "STORE_URL()")
    test = doctest.DocTestParser().get_doctest(
        text, {"STORE_URL": store_urls}, page.name, str(page), 0
    )
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0, "see the output above"


def test_with_on_rejection_wait_a_group_rejects_only_when_it_can_no_longer_approve(
    tmp_path: Path,
) -> None:
    """A quorum of 2 among qian.li, sun.yi and wang.fang: one rejection leaves two who can
    still approve, so the step waits; a second rejection rejects it."""
    waiting = EXPENSE.replace(
        'actors = ["qian.li", "sun.yi", "zhang"]\nmode = "all"\ncomment = "on_reject"',
        'actors = ["qian.li", "sun.yi", "wang.fang"]\nmode = "quorum"\nquorum = 2',
    ).replace('approval = "finance"', 'approval = "finance"\non_rejection = "wait"')
    with clientflow.open("memory://", _rules(tmp_path, waiting), clock=ManualClock(START)) as ws:
        _submitted(ws)
        flow = ws.workflow("expense")
        flow.run("EXP-1", "approve", by=LI)
        assert flow.run("EXP-1", "reject", by=QIAN).aggregate.status == "finance_review"
        assert flow.run("EXP-1", "reject", by=SUN).aggregate.status == "rejected"


STAGED = """
[workflows.staged]
states = ["draft", "review", "done", "refused"]
final = ["done", "refused"]

[[workflows.staged.approvers]]
name = "board"
actors = ["a", "b", "c"]
mode = "quorum"
quorum = 2

[[workflows.staged.approvers]]
name = "chair"
actors = ["c", "d"]
mode = "any"

[[workflows.staged.transitions]]
name = "send"
from = "draft"
to = "review"

[[workflows.staged.transitions]]
name = "accept"
from = "review"
to = "done"
approval = ["board", "chair"]
on_reject = "refused"
"""
_STAGES = ({"a", "b", "c"}, {"c", "d"})
_NEEDED = (2, 1)


def _oracle(votes: list[tuple[str, bool]]) -> tuple[str, list[str]]:
    """An independent reading of the documented rules: stages in order, a quorum of 2 of
    a, b, c then any of c, d; one rejection by an approver still needed rejects; one vote
    per approver per stage; a vote in a stage already behind is late; others refused."""
    stage, approvals, voted, outcomes = 0, [set(), set()], [set(), set()], []
    status = "review"
    for voter, approve in votes:
        if status != "review":
            outcomes.append("wrong state")
            continue
        if voter in _STAGES[stage]:
            at = stage
        else:
            behind = [s for s in range(stage) if voter in _STAGES[s]]
            if not behind:
                outcomes.append("refused")
                continue
            at = behind[-1]
        if voter in voted[at]:
            outcomes.append("twice")
            continue
        voted[at].add(voter)
        if at != stage:
            outcomes.append("late")
            continue
        outcomes.append("counted")
        if not approve:
            status = "refused"
            continue
        approvals[stage].add(voter)
        if len(approvals[stage]) >= _NEEDED[stage]:
            stage += 1
            if stage == len(_STAGES):
                status = "done"
    return status, outcomes


@given(
    st.lists(st.tuples(st.sampled_from("abcde"), st.booleans()), max_size=7),
)
@settings(max_examples=40, deadline=None)
def test_votes_decide_a_two_stage_step_as_the_documented_rules_say(
    votes: list[tuple[str, bool]],
) -> None:
    """Any sequence of approve/reject votes ends where an independent reading of the
    rules says, each vote counted, late, or refused as it says (the requester, e, never
    votes: e is in no group)."""
    with tempfile.TemporaryDirectory() as folder:
        rules = _rules(Path(folder), STAGED)
        with clientflow.open("memory://", rules, clock=ManualClock(START)) as ws:
            flow = ws.workflow("staged")
            flow.run("S-1", "open", by=Actor("e"), client="lotus", owner="e")
            flow.run("S-1", "send", by=Actor("e"))
            seen = []
            for voter, approve in votes:
                try:
                    flow.run("S-1", "approve" if approve else "reject", by=Actor(voter))
                except TransitionNotAllowed:
                    seen.append("wrong state")
                except PermissionDenied:
                    seen.append("refused")
                except ValidationError:
                    seen.append("twice")
                else:
                    last = ws.history("S-1")[-1]
                    vote = last.vote if hasattr(last, "vote") else ws.history("S-1")[-2].vote
                    seen.append("late" if vote.late else "counted")
            status, expected = _oracle(votes)
            assert (flow.get("S-1").status, seen) == (status, expected)


class _Recorder:
    """A channel that keeps what the router gives it."""

    kind: ClassVar[str] = "wecom"

    def __init__(self, name: str) -> None:
        self.name = name
        self.got: list[tuple[str, Message]] = []

    def deliver(self, message: Message, event: DomainEvent) -> None:
        self.got.append((event.event_type, message))

    def send(self, text: str, event: DomainEvent) -> None:  # pragma: no cover - rich channel
        raise AssertionError("a rich channel is given the message")


def test_the_notify_router_sends_the_team_every_step_and_the_client_its_own(
    tmp_path: Path,
) -> None:
    """Through the existing router: the team's group reads each step (抄送 mentioned), the
    client's group only what the workflow declares for the client, in Chinese."""
    declared = load_rules(_rules(tmp_path))
    clock = ManualClock(START)
    team, client = _Recorder("team"), _Recorder("client")
    with clientflow.open("memory://", declared, clock=clock) as quiet:
        router = Router(
            [Route(("team",), frozenset({"expense.stepped"})), Route(("client",))],
            {"team": team, "client": client},
            describe=describe_from(quiet.engine.kinded),
            now=lambda: clock.now().timestamp(),
            directory=declared,
            audience={"client": "client"},
            subject=subject_from(quiet.engine.kinded),
        )
        ws = clientflow.open(quiet.store, declared, clock=clock, notifier=router)
        _submitted(ws)
        flow = ws.workflow("expense")
        for approver in (LI, QIAN, SUN):
            flow.run("EXP-1", "approve", by=approver)
        ws.deliver()
    assert [kind for kind, _ in team.got] == ["expense.stepped"] * 3
    assert "抄送" in team.got[-1][1].text
    assert [message.lines[0][0] for _, message in client.got] == ["审批中", "报销已归档"]


DEAL = """
[workflows.deal]
states = ["draft", "sponsor_review", "signed", "rejected"]
final = ["signed", "rejected"]

[[workflows.deal.approvers]]
name = "sponsors"
roles = ["client-sponsor"]
mode = "all"

[[workflows.deal.transitions]]
name = "submit"
from = "draft"
to = "sponsor_review"
cc = ["role:client-sponsor"]

[[workflows.deal.transitions]]
name = "sign"
from = "sponsor_review"
to = "signed"
approval = "sponsors"
on_reject = "rejected"

[workflows.deal.timers.sponsor_review]
after = "1wd"
escalate = "standard"
"""


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_roles_of_a_rules_workflow_mean_the_items_own_clients_people(
    kind: str, tmp_path: Path
) -> None:
    """The demo's ``client-sponsor`` role holds every client's sponsor; a Lotus deal asks,
    copies and escalates to Lotus's sponsor only, so an ``all`` round can finish."""
    url = "memory://" if kind == "memory" else f"sqlite:///{tmp_path / 'flows.db'}"
    rules = _rules(tmp_path, DEAL)
    clock = ManualClock(START)
    with clientflow.open(url, rules, clock=clock) as ws:
        deals = ws.workflow("deal")
        deals.run("D-1", "open", by=LI, client="lotus", owner="li.wei")
        waiting = deals.run("D-1", "submit", by=LI).aggregate
        assert waiting.round is not None
        assert [sorted(g.eligible) for g in waiting.round.current] == [["zhao.min"]]
        assert ws.history("D-1")[-1].cc == ("zhao.min",)
        late = START.add(days=30)
        told = [e for _ in range(3) for _, es in ws.sweep(late).fired for e in es]
        sponsor = next(e for e in told if e.notify == ("role:client-sponsor",))
        team = Team(load_rules(rules), fallback=("en", "UTC"), client="lotus")
        message = team_message(sponsor, team, "lotus")
        assert message is not None
        assert "@zhao.min" in message.text
        assert not {"@grace", "@kenji", "@oliver"} & set(message.text.split())
        clock.set(late)
        signed = deals.run("D-1", "approve", by=Actor("zhao.min", {"client"})).aggregate
        assert signed.status == "signed"


def test_a_group_nobody_could_vote_in_is_reported_when_the_rules_load(tmp_path: Path) -> None:
    """A group of a role no one holds is reported once; one held only by ACME's contact
    names every other client whose items would wait for ever."""
    roles = (
        DEAL.replace('roles = ["client-sponsor"]', 'roles = ["acme-only"]')
        + '\n[[workflows.deal.approvers]]\nname = "ghosts"\nroles = ["nobody"]\n'
    )
    roles = roles.replace('approval = "sponsors"', 'approval = ["sponsors", "ghosts"]')
    text = RULES_FILE.read_text(encoding="utf-8").replace(
        'account-director = ["wang.fang"]',
        'account-director = ["wang.fang"]\nacme-only = ["grace"]',
    )
    rules = tmp_path / "rules.toml"
    rules.write_text(text + roles, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_rules(rules)
    where = {problem.path: problem.message for problem in error.value.problems}
    assert set(where) == {
        "workflows.deal.transitions[1].approval[0]",
        "workflows.deal.transitions[1].approval[1]",
    }
    assert (
        "of client lotus, northwind, sakura holds acme-only"
        in where["workflows.deal.transitions[1].approval[0]"]
    )
    assert (
        "nobody holds nobody in [directory]" in where["workflows.deal.transitions[1].approval[1]"]
    )
