"""A rules workflow's definition is versioned with the rules revision: an item keeps the
definition it opened under when a new revision changes the workflow, new items take the
new one, and ``migrate`` moves an item onto it with its state mapped, refusing mappings
that cannot place it at their keys; on memory and SQLite (issue 26)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import clientflow
from clientflow import Actor, ManualClock
from clientflow.config import load_rules
from clientflow.config.flows import Item
from clientflow.core import (
    ConfigError,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
)
from clientflow.demo import RULES_FILE
from clientflow.i18n import language
from clientflow.notify import client_notice
from clientflow.ports import Store
from clientflow.storage.memory import MemoryStore
from clientflow.storage.sqlite import SQLiteStore
from clientflow.workspace import Workspace
from clientflow.workspace.flows import RulesFlowService
from tests.rulefiles import demo_rules_with
from tests.storage.servers import MARIADB_URL, POSTGRES_URL, fresh_prefix, require_server

START = pendulum.datetime(2026, 9, 1, 2)
LI = Actor("li.wei", {"pm"})
WANG = Actor("wang.fang", {"legal"})

V1 = """
[workflows.renewal]
states = ["upcoming", "awaiting_legal", "review", "renewed", "declined"]
final = ["renewed", "declined"]

[[workflows.renewal.transitions]]
name = "to_legal"
from = "upcoming"
to = "awaiting_legal"
who = "role:pm"

[[workflows.renewal.transitions]]
name = "legal_ok"
from = "awaiting_legal"
to = "review"
who = "role:legal"
fields = { clause = "text" }

[[workflows.renewal.transitions]]
name = "renew"
from = "review"
to = "renewed"
who = "role:pm"

[[workflows.renewal.transitions]]
name = "decline"
from = ["upcoming", "awaiting_legal", "review"]
to = "declined"
who = "role:pm"

[workflows.renewal.timers.awaiting_legal]
after = "2wd"
"""
"""Revision 1: legal looks at every renewal before it is reviewed."""

V2 = """
[workflows.renewal]
states = ["upcoming", "review", "renewed", "declined"]
final = ["renewed", "declined"]

[[workflows.renewal.transitions]]
name = "start_review"
from = "upcoming"
to = "review"
who = "role:pm"
fields = { price = "money" }

[[workflows.renewal.transitions]]
name = "renew"
from = "review"
to = "renewed"
who = "role:pm"

[[workflows.renewal.transitions]]
name = "decline"
from = ["upcoming", "review"]
to = "declined"
who = "role:pm"
"""
"""Revision 2: no legal step; the review starts with a price."""

MAPPED = V2 + '\n[workflows.renewal.migrate]\nstates = { "awaiting_legal" = "review" }\n'


_rules = demo_rules_with


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        built: Store = MemoryStore()
    else:
        sqlite = SQLiteStore(str(tmp_path / "versions.db"))
        sqlite.create_schema()
        built = sqlite
    try:
        yield built
    finally:
        built.close()


def _open(store: Store, rules: Path, clock: ManualClock | None = None) -> Workspace:
    return clientflow.open(store, rules, clock=clock or ManualClock(START), apply=True)


def _flow(ws: Workspace) -> RulesFlowService:
    flow = ws.workflow("renewal")
    assert isinstance(flow, RulesFlowService)
    return flow


def _opened(ws: Workspace, *ids: str, legal: bool = True) -> None:
    for item_id in ids:
        _flow(ws).run(item_id, "open", by=LI, client="lotus", owner="li.wei")
        if legal:
            _flow(ws).run(item_id, "to_legal", by=LI)


def test_an_item_keeps_its_definition_and_new_items_take_the_new_one(
    store: Store, tmp_path: Path
) -> None:
    """R-1 waits for legal under revision 1; under revision 2 (no legal step) it still
    goes through legal, while R-2, opened now, starts its review with a price."""
    _opened(_open(store, _rules(tmp_path, V1)), "R-1")
    ws = _open(store, _rules(tmp_path, V2))
    flow = _flow(ws)
    old = flow.run("R-1", "legal_ok", by=WANG, clause="auto-renewal").aggregate
    assert (old.status, old.values) == ("review", {"clause": "auto-renewal"})
    assert flow.run("R-1", "renew", by=LI).aggregate.status == "renewed"
    flow.run("R-2", "open", by=LI, client="lotus", owner="li.wei")
    with pytest.raises(ValidationError, match="one of open, start_review, renew, decline"):
        flow.run("R-2", "to_legal", by=LI)
    new = flow.run("R-2", "start_review", by=LI, price="9000").aggregate
    assert (new.status, new.values) == ("review", {"price": "9000"})
    assert new.definition == ws.rules.workflows["renewal"].fingerprint != old.definition
    rows = {row.id: (row.status, row.closed_at is not None) for row in flow.list()}
    assert rows == {"R-1": ("renewed", True), "R-2": ("review", False)}


def test_an_old_definition_refuses_what_it_did_not_allow(store: Store, tmp_path: Path) -> None:
    """Under revision 2, R-1 (revision 1, waiting for legal) is refused the new
    definition's start_review with the commands its own definition allows."""
    _opened(_open(store, _rules(tmp_path, V1)), "R-1")
    flow = _flow(_open(store, _rules(tmp_path, V2)))
    with pytest.raises(TransitionNotAllowed) as refused:
        flow.run("R-1", "renew", by=LI)
    assert str(refused.value) == (
        "cannot 'renew' in state 'awaiting_legal'; allowed: 'decline', 'legal_ok'"
    )
    with pytest.raises(ValidationError, match="start_review"):
        flow.run("R-1", "start_review", by=LI, price="1")
    assert flow.get("R-1").version == 2


def test_timers_fire_by_the_definition_the_item_runs_under(store: Store, tmp_path: Path) -> None:
    """Revision 2 has no timers, but R-1 waits under revision 1, whose two working days
    in awaiting_legal remind its owner on Thursday."""
    _opened(_open(store, _rules(tmp_path, V1)), "R-1")
    ws = _open(store, _rules(tmp_path, V2))
    due = _flow(ws).get("R-1").next_deadline
    assert due == pendulum.datetime(2026, 9, 3, 10, tz="Asia/Shanghai")
    assert [item for item, _ in ws.sweep(due).fired] == ["R-1"]
    assert ws.history("R-1")[-1].event_type == "renewal.reminded"


def test_migrate_moves_an_item_onto_the_new_definition_with_its_state_mapped(
    store: Store, tmp_path: Path
) -> None:
    """With awaiting_legal mapped to review, R-1 moves onto revision 2 in review and goes
    on by its transitions; its history says where it came from."""
    _opened(_open(store, _rules(tmp_path, V1)), "R-1")
    ws = _open(store, _rules(tmp_path, MAPPED))
    flow = _flow(ws)
    before = flow.get("R-1")
    moved = flow.migrate("R-1", by=LI).aggregate
    assert (moved.status, moved.definition, moved.next_deadline) == (
        "review",
        ws.rules.workflows["renewal"].fingerprint,
        None,
    )
    last = ws.history("R-1")[-1]
    assert (last.event_type, last.previous, last.state) == (
        "renewal.migrated",
        before.definition,
        "review",
    )
    assert flow.run("R-1", "renew", by=LI).aggregate.status == "renewed"
    with pytest.raises(ValidationError, match="an item under an earlier definition"):
        flow.migrate("R-1", by=LI)


def test_a_state_left_unmapped_is_refused_at_the_migrate_key(store: Store, tmp_path: Path) -> None:
    """Without a mapping, revision 2 has no place for awaiting_legal: the refusal names
    the key to add and the item is untouched."""
    _opened(_open(store, _rules(tmp_path, V1)), "R-1")
    flow = _flow(_open(store, _rules(tmp_path, V2)))
    with pytest.raises(ConfigError) as refused:
        flow.migrate("R-1", by=LI)
    (problem,) = refused.value.problems
    assert problem.path == "workflows.renewal.migrate.states"
    assert "a new state for 'awaiting_legal', which R-1 is in" in problem.message
    assert flow.get("R-1").status == "awaiting_legal"
    assert flow.get("R-1").version == 2


def test_a_mapping_naming_an_unknown_state_is_refused_at_its_key(
    store: Store, tmp_path: Path
) -> None:
    """A typo in the old state's name is refused at its own key when an item is moved; a
    new state that the new definition lacks is refused when the rules are loaded."""
    _opened(_open(store, _rules(tmp_path, V1)), "R-1")
    typo = V2 + '\n[workflows.renewal.migrate]\nstates = { "awaiting_lgal" = "review" }\n'
    flow = _flow(_open(store, _rules(tmp_path, typo)))
    with pytest.raises(ConfigError) as refused:
        flow.migrate("R-1", by=LI)
    paths = [problem.path for problem in refused.value.problems]
    assert paths == [
        "workflows.renewal.migrate.states.awaiting_lgal",
        "workflows.renewal.migrate.states",
    ]
    wrong = V2 + '\n[workflows.renewal.migrate]\nstates = { "awaiting_legal" = "reviewed" }\n'
    with pytest.raises(ConfigError) as loading:
        load_rules(_rules(tmp_path, wrong, "wrong.toml"))
    assert [p.path for p in loading.value.problems] == [
        "workflows.renewal.migrate.states.awaiting_legal"
    ]


def test_only_the_team_moves_items_between_definitions(store: Store, tmp_path: Path) -> None:
    """A client's person may not migrate, even an item of their own client."""
    _opened(_open(store, _rules(tmp_path, V1)), "R-1")
    flow = _flow(_open(store, _rules(tmp_path, MAPPED)))
    anna = Actor("anna", {"client"}, clients={"lotus"})
    with pytest.raises(PermissionDenied, match="is on the team"):
        flow.migrate("R-1", by=anna)
    with pytest.raises(PermissionDenied, match="is on the team"):
        flow.migrate_all(by=anna)
    assert flow.get("R-1").status == "awaiting_legal"


def test_migrate_all_moves_every_open_item_or_none(store: Store, tmp_path: Path) -> None:
    """One item in a state the mapping misses keeps every item where it was; with the
    mapping, all the open items of revision 1 move, closed ones stay."""
    ws = _open(store, _rules(tmp_path, V1))
    _opened(ws, "R-1", "R-2")
    _opened(ws, "R-3", legal=False)
    _flow(ws).run("R-4", "open", by=LI, client="lotus", owner="li.wei")
    _flow(ws).run("R-4", "decline", by=LI)
    flow = _flow(_open(store, _rules(tmp_path, V2)))
    with pytest.raises(ConfigError):
        flow.migrate_all(by=LI)
    assert {flow.get(i).version for i in ("R-1", "R-2", "R-3")} == {1, 2}
    flow = _flow(_open(store, _rules(tmp_path, MAPPED)))
    assert sorted(flow.migrate_all(by=LI)) == ["R-1", "R-2", "R-3"]
    assert [flow.get(i).status for i in ("R-1", "R-2", "R-3", "R-4")] == [
        "review",
        "review",
        "upcoming",
        "declined",
    ]
    assert flow.migrate_all(by=LI) == ()


def test_migrate_all_by_someone_scoped_moves_only_their_clients_items(
    store: Store, tmp_path: Path
) -> None:
    """Someone scoped to ACME moves the ACME item and is told nothing of the Lotus one
    waiting too, which stays where it was until the team moves it."""
    ws = _open(store, _rules(tmp_path, V1))
    _opened(ws, "R-1")
    _flow(ws).run("A-1", "open", by=LI, client="acme", owner="li.wei")
    _flow(ws).run("A-1", "to_legal", by=LI)
    flow = _flow(_open(store, _rules(tmp_path, MAPPED)))
    assert flow.migrate_all(by=Actor("x.y", {"pm"}, clients={"acme"})) == ("A-1",)
    assert [flow.get(i).status for i in ("A-1", "R-1")] == ["review", "awaiting_legal"]
    assert flow.migrate_all(by=LI) == ("R-1",)


def test_migrate_all_skips_items_another_process_moved_or_closed_meanwhile(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between migrate_all's reading of the items and its moves, another workspace
    migrates R-2 and closes R-3 (under revision 1): the others move, those are skipped."""
    ws = _open(store, _rules(tmp_path, V1))
    _opened(ws, "R-1", "R-2", "R-3")
    other = _flow(_open(store, _rules(tmp_path, MAPPED, "other.toml")))
    read = store.read_many

    def interleaved(ids: list[str]) -> object:
        found = read(ids)
        other.migrate("R-2", by=LI)
        other.run("R-3", "decline", by=LI)
        return found

    flow = _flow(_open(store, _rules(tmp_path, MAPPED)))
    monkeypatch.setattr(store, "read_many", interleaved)  # the other process's moment
    assert flow.migrate_all(by=LI) == ("R-1",)
    monkeypatch.undo()
    assert [flow.get(i).status for i in ("R-1", "R-2", "R-3")] == ["review", "review", "declined"]


def test_a_migration_into_a_state_the_client_reads_tells_the_client(
    store: Store, tmp_path: Path
) -> None:
    """Moved from awaiting_legal (not told) into review (told as 审核中), the client reads
    it as after a step; an item already in review is not told again."""
    labels = 'final = ["renewed", "declined"]\nclient_states = { review = "审核中" }'
    ws = _open(store, _rules(tmp_path, V1.replace('final = ["renewed", "declined"]', labels)))
    _opened(ws, "R-1", "R-2")
    _flow(ws).run("R-2", "legal_ok", by=WANG, clause="standard")
    flow = _flow(
        _open(store, _rules(tmp_path, MAPPED.replace('final = ["renewed", "declined"]', labels)))
    )
    assert sorted(flow.migrate_all(by=LI)) == ["R-1", "R-2"]
    zh = language("zh_CN")
    told = {
        item: [client_notice(e, "minimal", zh) for e in ws.history(item)][-1]
        for item in ("R-1", "R-2")
    }
    assert told == {"R-1": "审核中", "R-2": None}


def test_events_written_before_definitions_were_recorded_still_load(
    store: Store, tmp_path: Path
) -> None:
    """Events without a definition or state (as older releases wrote them) load, and the
    item follows the definition in force."""
    ws = _open(store, _rules(tmp_path, V1))
    codec = ws.engine.kinds
    opened = codec.load_event(
        "renewal.opened",
        '{"meta": {"aggregate_id": "R-9", "aggregate_version": 1, "occurred_at":'
        ' "2026-09-01T02:00:00+00:00", "actor": "li.wei"}, "client": "lotus",'
        ' "owner": "li.wei", "project": "", "deadline": null, "values": {}}',
    )
    stepped = codec.load_event(
        "renewal.stepped",
        '{"meta": {"aggregate_id": "R-9", "aggregate_version": 2, "occurred_at":'
        ' "2026-09-01T03:00:00+00:00", "actor": "li.wei"}, "transition": "to_legal",'
        ' "values": {}, "deadline": null}',
    )
    assert ws.import_history([opened, stepped]) == 2
    item = _flow(ws).get("R-9")
    assert (item.status, item.definition) == ("awaiting_legal", "")
    done = _flow(ws).run("R-9", "legal_ok", by=WANG, clause="x", at=START.add(hours=2))
    assert done.aggregate.status == "review"


class TwoRevisions(RuleBasedStateMachine):
    """Random commands on items opened under either revision, the rules switched back and
    forth: every item stays in a state of the definition it runs under, and its history
    rebuilds it exactly."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(__import__("tempfile").mkdtemp())
        self.store = MemoryStore()
        self.paths = [_rules(self.folder, V1, "v1.toml"), _rules(self.folder, MAPPED, "v2.toml")]
        self.ws = _open(self.store, self.paths[0])
        self.ids: list[str] = []

    @initialize()
    def start(self) -> None:
        self.revision = 0

    @rule(revision=st.sampled_from([0, 1]))
    def switch(self, revision: int) -> None:
        self.ws = _open(self.store, self.paths[revision])

    @rule()
    def open_one(self) -> None:
        item_id = f"R-{len(self.ids) + 1}"
        _flow(self.ws).run(item_id, "open", by=LI, client="lotus", owner="li.wei")
        self.ids.append(item_id)

    @rule(pick=st.integers(0, 50), command=st.sampled_from(
        ["to_legal", "legal_ok", "start_review", "renew", "decline", "migrate"]
    ))  # fmt: skip
    def act(self, pick: int, command: str) -> None:
        if not self.ids:
            return
        item_id = self.ids[pick % len(self.ids)]
        flow = _flow(self.ws)
        payload = {"legal_ok": {"clause": "c"}, "start_review": {"price": "1"}}.get(command, {})
        try:
            if command == "migrate":
                flow.migrate(item_id, by=LI)
            else:
                flow.run(item_id, command, by=WANG if command == "legal_ok" else LI, **payload)
        except (TransitionNotAllowed, ValidationError, ConfigError):
            pass

    @invariant()
    def items_hold_their_definitions(self) -> None:
        versions = self.ws.rules.flow_versions("renewal")
        for item_id in self.ids:
            item = _flow(self.ws).get(item_id)
            assert isinstance(item, Item)
            assert item.status in versions.spec_of(item).states
            rebuilt = None
            for event in self.ws.history(item_id):
                rebuilt = versions.workflow.apply(rebuilt, event)
            assert rebuilt == item


TestTwoRevisions = TwoRevisions.TestCase
TestTwoRevisions.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip


@pytest.mark.parametrize("url", [POSTGRES_URL, MARIADB_URL], ids=["postgresql", "mariadb"])
def test_definitions_are_kept_on_sql_servers(url: str, tmp_path: Path) -> None:
    """The same on PostgreSQL and MariaDB: R-1 goes on by revision 1, then moves."""
    require_server(url)
    from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

    store = SQLAlchemyStore(url, prefix=fresh_prefix())
    store.create_schema()
    try:
        _opened(_open(store, _rules(tmp_path, V1)), "R-1", "R-2")
        flow = _flow(_open(store, _rules(tmp_path, MAPPED)))
        assert flow.run("R-1", "legal_ok", by=WANG, clause="c").aggregate.status == "review"
        assert sorted(flow.migrate_all(by=LI)) == ["R-1", "R-2"]
        assert flow.run("R-2", "renew", by=LI).aggregate.status == "renewed"
    finally:
        store.drop_schema()


SALES = Actor("wang.fang", {"sales"})
QIAN = Actor("qian.li", {"finance"})
SUN = Actor("sun.yi", {"finance"})

PURCHASE_V1 = """
[workflows.purchase]
states = ["draft", "approval", "ordered", "rejected"]
final = ["ordered", "rejected"]

[[workflows.purchase.approvers]]
name = "sales"
actors = ["wang.fang"]
mode = "any"

[[workflows.purchase.approvers]]
name = "finance"
actors = ["qian.li"]
mode = "any"

[[workflows.purchase.transitions]]
name = "submit"
from = "draft"
to = "approval"
who = "party:owner"

[[workflows.purchase.transitions]]
name = "order"
from = "approval"
to = "ordered"
approval = ["sales", "finance"]
on_reject = "rejected"
"""
"""Revision 1: a purchase is approved by sales (wang.fang), then finance (qian.li)."""

PURCHASE_V2 = PURCHASE_V1.replace(
    'approval = ["sales", "finance"]', 'approval = "finance"'
).replace('actors = ["qian.li"]', 'actors = ["sun.yi"]')
"""Revision 2: finance alone approves, and finance is sun.yi now."""


@pytest.fixture(params=["memory", "sqlite"])
def purchases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        built: Store = MemoryStore()
    else:
        sqlite = SQLiteStore(str(tmp_path / "purchases.db"))
        sqlite.create_schema()
        built = sqlite
    try:
        yield built
    finally:
        built.close()


def test_a_two_stage_approval_goes_on_by_its_definition_when_the_approvers_change(
    purchases: Store, tmp_path: Path
) -> None:
    """P-1 was submitted under revision 1 (sales, then finance); revision 2 has finance
    alone approve, with sun.yi as finance. P-1 still waits for both stages of its own
    definition and their approvers, while P-2, opened under revision 2, is ordered on
    sun.yi's one approval."""
    first = _open(purchases, _rules(tmp_path, PURCHASE_V1))
    first.workflow("purchase").run("P-1", "open", by=LI, client="lotus", owner="li.wei")
    first.workflow("purchase").run("P-1", "submit", by=LI)
    ws = _open(purchases, _rules(tmp_path, PURCHASE_V2))
    flow = ws.workflow("purchase")
    with pytest.raises(PermissionDenied, match=r"open stage \(sales\)"):
        flow.run("P-1", "approve", by=SUN)
    waiting = flow.run("P-1", "approve", by=SALES).aggregate
    assert waiting.status == "approval"  # the second stage of revision 1: finance
    assert waiting.round is not None
    assert waiting.round.pending() == {"qian.li"}
    with pytest.raises(PermissionDenied, match=r"open stage \(finance\)"):
        flow.run("P-1", "approve", by=SUN)
    done = flow.run("P-1", "approve", by=QIAN).aggregate
    assert (done.status, done.closed) == ("ordered", True)
    assert done.definition != ws.rules.workflows["purchase"].fingerprint
    kinds = [e.event_type for e in ws.history("P-1")]
    assert kinds == [
        "purchase.opened",
        "purchase.stepped",
        "purchase.voted",
        "purchase.voted",
        "purchase.stepped",
    ]
    flow.run("P-2", "open", by=LI, client="lotus", owner="li.wei")
    flow.run("P-2", "submit", by=LI)
    with pytest.raises(PermissionDenied, match=r"open stage \(finance\)"):
        flow.run("P-2", "approve", by=QIAN)
    assert flow.run("P-2", "approve", by=SUN).aggregate.status == "ordered"


def test_migrating_an_item_waiting_for_approval_opens_the_new_definitions_step(
    purchases: Store, tmp_path: Path
) -> None:
    """P-1, approved by sales under revision 1, is moved onto revision 2: the votes of
    the old step do not carry over, a round of revision 2's step opens for sun.yi, and
    li.wei, who asked for the first, still does not vote."""
    first = _open(purchases, _rules(tmp_path, PURCHASE_V1))
    first.workflow("purchase").run("P-1", "open", by=LI, client="lotus", owner="li.wei")
    first.workflow("purchase").run("P-1", "submit", by=LI)
    first.workflow("purchase").run("P-1", "approve", by=SALES)
    flow = _open(purchases, _rules(tmp_path, PURCHASE_V2)).workflow("purchase")
    assert isinstance(flow, RulesFlowService)
    moved = flow.migrate("P-1", by=Actor("zhang", {"pm"})).aggregate
    assert moved.round is not None
    assert (moved.status, moved.round.number, moved.round.pending()) == ("approval", 2, {"sun.yi"})
    assert moved.requester == "li.wei"
    with pytest.raises(PermissionDenied, match=r"open stage \(finance\)"):
        flow.run("P-1", "approve", by=QIAN)
    assert flow.run("P-1", "approve", by=SUN).aggregate.status == "ordered"


VISIT = """
[workflows.visit]
states = ["asked", "done"]
final = ["done"]

[[workflows.visit.transitions]]
name = "finish"
from = "asked"
to = "done"

[workflows.visit.timers.asked]
after = "2h"
escalate = "standard"
"""
"""A visit waiting two business hours climbs the demo's [escalation.standard] ladder."""


def test_an_item_keeps_the_escalation_ladder_of_its_definition(tmp_path: Path) -> None:
    """Revision 2 changes only [escalation.standard] (its first level tells chen.jie, not
    li.wei): that is a new definition of the visit, so V-1, opened under revision 1,
    climbs the old ladder, and V-2 the new one."""
    url = f"sqlite:///{tmp_path / 'visits.db'}"
    first = clientflow.open(url, _rules(tmp_path, VISIT), clock=ManualClock(START), apply=True)
    first.workflow("visit").run("V-1", "open", by=LI, client="lotus", owner="li.wei")
    first.close()
    changed = RULES_FILE.read_text(encoding="utf-8").replace(
        'name = "project manager"\nnotify = ["li.wei"]',
        'name = "project manager"\nnotify = ["chen.jie"]',
    )
    assert 'notify = ["chen.jie"]' in changed
    second = tmp_path / "second.toml"
    second.write_text(changed + VISIT, encoding="utf-8")
    ws = clientflow.open(url, second, clock=ManualClock(START), apply=True)
    flow = ws.workflow("visit")
    flow.run("V-2", "open", by=LI, client="lotus", owner="li.wei")
    old = flow.get("V-1")
    assert old.definition != ws.rules.workflows["visit"].fingerprint
    assert old.next_deadline is not None
    fired = [item for item, _ in ws.sweep(old.next_deadline).fired]
    assert sorted(fired) == ["V-1", "V-2"]
    told = {item: ws.history(item)[-1] for item in ("V-1", "V-2")}
    assert {item: (e.event_type, e.notify) for item, e in told.items()} == {
        "V-1": ("visit.escalated", ("li.wei",)),
        "V-2": ("visit.escalated", ("chen.jie",)),
    }
    ws.close()
