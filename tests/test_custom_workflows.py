"""A host's own workflow (the contract renewal, declared in Python) runs through the
workspace like the built-in ones: commands, permissions, the read side, sweeps,
history and rebuild, on every store (issue 26)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import pendulum
import pytest

import clientflow
from clientflow import Actor, ManualClock
from clientflow.core import (
    Codec,
    ConfigError,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    json_form,
    rebuild,
)
from clientflow.demo import RULES_FILE
from clientflow.demo.renewals import RENEWALS, Renewal
from clientflow.ports import Query, Store
from clientflow.storage import MemoryStore, SQLiteStore
from clientflow.storage.kinded import TypedStore
from clientflow.testing import StoreContract, sample_codec
from clientflow.workspace import Workspace, records_codec
from tests.storage.servers import MARIADB_URL, POSTGRES_URL, fresh_prefix, require_server

START = pendulum.datetime(2026, 9, 1, 2)  # Tuesday 1 September, 10:00 in Shanghai
LI = Actor("li.wei", {"pm"})
ZHAO = Actor("zhao.min", {"sales"})
QIAN = Actor("qian.li", {"finance"})
ANNA = Actor("anna", {"client"})
# Monday 12 October; five working days before it, after the National Day week and its
# make-up Saturday 10 October, is Tuesday 29 September.
REMINDER = pendulum.datetime(2026, 9, 29, 9, tz="Asia/Shanghai")


def _open(kind: str, folder: Path) -> Iterator[Workspace]:
    clock = ManualClock(START)
    if kind == "memory":
        yield clientflow.open("memory://", RULES_FILE, clock=clock, workflows=[RENEWALS])
        return
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'renewals.db'}"
        yield clientflow.open(url, RULES_FILE, clock=clock, workflows=[RENEWALS])
        return
    url = POSTGRES_URL if kind == "postgresql" else MARIADB_URL
    require_server(url)
    from clientflow.config import load_rules  # noqa: PLC0415
    from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

    rules = load_rules(RULES_FILE)
    store = SQLAlchemyStore(url, prefix=fresh_prefix())  # neutral records: no kinds
    store.create_schema()
    try:
        yield clientflow.open(store, rules, clock=clock, workflows=[RENEWALS])
    finally:
        store.drop_schema()


STORES = ["memory", "sqlite", "postgresql", "mariadb"]


@pytest.fixture(params=STORES)
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    opened = _open(request.param, tmp_path)
    workspace = next(opened)
    try:
        yield workspace
    finally:
        workspace.close()
        opened.close()


def _opened(ws: Workspace) -> Renewal:
    result = ws.workflow("renewal").run(
        "REN-1", "open", by=LI, client="lotus", project="lotus-app", owner="li.wei",
        renewal_date="2026-10-12",
    )  # fmt: skip
    assert isinstance(result.aggregate, Renewal)
    return result.aggregate


def test_a_renewal_is_reminded_approved_in_two_stages_and_confirmed(ws: Workspace) -> None:
    """The whole flow on each store: reminder five working days ahead, sales then
    finance, the client's confirmation; the row, the history and a rebuild agree."""
    renewals = ws.workflow("renewal")
    assert _opened(ws).next_deadline == REMINDER
    assert ws.sweep(REMINDER.subtract(minutes=1)).fired == ()
    swept = ws.sweep(REMINDER)
    assert [(i, [e.event_type for e in events]) for i, events in swept.fired] == [
        ("REN-1", ["renewal.stepped"])
    ]
    assert ws.sweep(REMINDER.add(days=1)).fired == ()  # once only
    assert renewals.get("REN-1").status == "reminded"
    ws.clock.set(REMINDER.add(hours=2))  # type: ignore[attr-defined]
    renewals.run("REN-1", "request_approval", by=LI, terms="12 months at 9000 CNY/month")
    renewals.run("REN-1", "approve_sales", by=ZHAO)
    renewals.run("REN-1", "approve_finance", by=QIAN)
    done = renewals.run("REN-1", "confirm", by=ANNA).aggregate
    assert (done.status, done.terms, done.requested_by) == (
        "renewed", "12 months at 9000 CNY/month", "li.wei",
    )  # fmt: skip
    [row] = renewals.list(client="lotus")
    assert (row.id, row.status, row.owner, row.closed_at is not None) == (
        "REN-1", "renewed", "li.wei", True,
    )  # fmt: skip
    assert [r.id for r in ws.rows(Query(kind="renewal", open=False))] == ["REN-1"]
    history = ws.history("REN-1")
    assert [getattr(e, "transition", "opened") for e in history] == [
        "opened", "remind", "request_approval", "sales_approve", "finance_approve", "confirm",
    ]  # fmt: skip
    assert rebuild(RENEWALS.apply, history) == done
    assert json_form(done)["renewal_date"] == "2026-10-12"  # type: ignore[index, call-overload]


def test_the_approvers_rules_hold_and_refusals_name_the_commands(ws: Workspace) -> None:
    """The requester may not approve; finance cannot approve before sales; a client of
    another client cannot confirm; nothing changes on a refusal."""
    renewals = ws.workflow("renewal")
    _opened(ws)
    renewals.run("REN-1", "request_approval", by=ZHAO, terms="12 months")
    with pytest.raises(PermissionDenied, match=r"zhao\.min may not approve_sales renewal REN-1"):
        renewals.run("REN-1", "approve_sales", by=ZHAO)
    with pytest.raises(TransitionNotAllowed) as refused:
        renewals.run("REN-1", "approve_finance", by=QIAN)
    assert refused.value.event == "approve_finance"
    assert refused.value.allowed == ("approve_sales", "reject")
    with pytest.raises(PermissionDenied):
        renewals.run("REN-1", "reject", by=LI, reason="too cheap")
    renewals.run("REN-1", "approve_sales", by=Actor("wu.hao", {"sales"}))
    renewals.run("REN-1", "approve_finance", by=QIAN)
    stranger = Actor("amy", {"client"}, clients={"acme"})
    with pytest.raises(NotFound, match="REN-1"):  # not told another client's renewal exists
        renewals.run("REN-1", "confirm", by=stranger)
    assert renewals.get("REN-1").status == "client_confirmation"
    with pytest.raises(ValidationError, match="renewal_date: expected a date as YYYY-MM-DD"):
        renewals.run(
            "REN-2", "open", by=LI, client="lotus", project="lotus-app", owner="li.wei",
            renewal_date="next year",
        )  # fmt: skip


def test_its_commands_are_methods_of_its_service_too() -> None:
    """ws.workflow("renewal").open(...) is the same command as run("open")."""
    with clientflow.open(
        "memory://", RULES_FILE, clock=ManualClock(START), workflows=[RENEWALS]
    ) as ws:
        service = ws.workflow("renewal")
        opened = service.open(  # type: ignore[attr-defined]
            "REN-9", by=LI, client="lotus", project="lotus-app", owner="li.wei",
            renewal_date="2026-12-01",
        )  # fmt: skip
        assert opened.aggregate.status == "upcoming"
        assert "approve_sales" in type(service).commands


def test_a_store_reopened_without_rules_wires_the_custom_timers_to_its_own(
    tmp_path: Path,
) -> None:
    """Opened again with only its URL, the store runs under the rules it recorded: the
    reminder fires from a sweep of the reopened workspace."""
    url = f"sqlite:///{tmp_path / 'again.db'}"
    with clientflow.open(url, RULES_FILE, clock=ManualClock(START), workflows=[RENEWALS]) as ws:
        _opened(ws)
    with clientflow.open(url, clock=ManualClock(START), workflows=[RENEWALS]) as again:
        assert [i for i, _ in again.sweep(REMINDER).fired] == ["REN-1"]
        [row] = again.workflow("renewal").list(client="lotus")
        assert (row.status, row.project) == ("reminded", "lotus-app")


def test_a_custom_workflow_cannot_take_a_built_in_name_or_kinds_that_lack_it(
    tmp_path: Path,
) -> None:
    """Clashing kind names and kinds given without the custom one are refused; a host's
    store needs no kinds at all."""
    import attrs  # noqa: PLC0415

    clash = attrs.evolve(RENEWALS, name="issue")
    with pytest.raises(ValidationError, match="a kind name not taken"):
        clientflow.open("memory://", RULES_FILE, workflows=[clash])
    from clientflow.config import load_rules  # noqa: PLC0415

    store = SQLiteStore(tmp_path / "host.db")  # neutral records: it needs no kinds
    store.create_schema()
    ws = clientflow.open(store, RULES_FILE, workflows=[RENEWALS])
    assert "renewal" in ws.engine.kinds.kinds
    without = load_rules(RULES_FILE).codec()  # kinds given without the custom one
    with pytest.raises(ConfigError, match="kinds that include renewal"):
        Workspace(store, ws.rules, ws.revision, kinds=without, workflows=[RENEWALS])
    store.close()
    assert "renewal" in records_codec([RENEWALS]).kinds


class TestTheStoreContractWithARenewalKind(StoreContract):
    """The store contract holds for a store whose codec also knows a custom kind."""

    def make_store(self) -> Store:
        samples = sample_codec()
        return TypedStore(
            MemoryStore(), Codec([*map(samples.kind, samples.kinds), RENEWALS.kind()])
        )


def test_the_renewal_declaration_is_one_of_the_public_names() -> None:
    """What a host needs is importable from clientflow itself."""
    for name in ("Workflow", "Command", "Description", "open"):
        assert name in clientflow.__all__


def test_the_docs_page_shows_the_shipped_module_and_its_generated_diagram() -> None:
    """docs/custom-workflows.md's code blocks are excerpts of clientflow.demo.renewals,
    and its diagram is the one the machine declaration draws."""
    import re  # noqa: PLC0415

    import clientflow.demo.renewals as module  # noqa: PLC0415

    page = (Path(__file__).parents[1] / "docs" / "custom-workflows.md").read_text("utf-8")
    source = Path(module.__file__).read_text("utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", page, re.DOTALL | re.MULTILINE)
    excerpts = [block for block in blocks if "clientflow.open(" not in block]
    assert len(excerpts) == 6
    assert all(block in source for block in excerpts)
    assert RENEWALS.declared.markdown() in page  # the command table, from the declaration
    assert RENEWALS.table.mermaid() in re.findall(
        r"^```mermaid\n(.*?)^```", page, re.DOTALL | re.MULTILINE
    )


def test_two_kinds_sharing_one_aggregate_class_are_refused() -> None:
    """Aggregates are filed by class: a second kind on the renewal's class would take
    every renewal for its own, so the codec refuses it, naming both."""
    twin = attrs.evolve(RENEWALS.kind(), name="renewal_copy")
    with pytest.raises(ValidationError, match=r"kinds\.renewal_copy\.aggregate.*'renewal'"):
        Codec([RENEWALS.kind(), twin])
