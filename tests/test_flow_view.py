"""A rules-workflow item as its client's people see it (``client_view``): the label of
its state for the client, what they were told, what they may do now, and nothing of
another client's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest

import clientflow
from clientflow import Actor, ManualClock
from clientflow.core import NotFound, PermissionDenied
from clientflow.workspace import Workspace
from tests.rulefiles import demo_rules_with

START = pendulum.datetime(2026, 9, 1, 2)
LI = Actor("li.wei", {"pm"})
QIAN = Actor("qian.li", {"finance"})
ANNA = Actor("anna", {"client"}, clients={"lotus"})
TOM = Actor("tom", {"client"}, clients={"northwind"})

QUOTES = """
[workflows.quote]
noun = "quote"
states = ["drafting", "pricing", "offered", "accepted", "withdrawn"]
final = ["accepted", "withdrawn"]
client_states = { offered = "报价待您确认", accepted = "已接受" }

[[workflows.quote.approvers]]
name = "finance"
actors = ["qian.li"]

[[workflows.quote.transitions]]
name = "price"
from = "drafting"
to = "pricing"
fields = { amount = "money" }

[[workflows.quote.transitions]]
name = "offer"
from = "pricing"
to = "offered"
approval = "finance"
on_reject = "drafting"

[[workflows.quote.transitions]]
name = "accept"
from = "offered"
to = "accepted"
who = "party:client"

[[workflows.quote.transitions]]
name = "withdraw"
from = ["drafting", "pricing", "offered"]
to = "withdrawn"
"""


@pytest.fixture(params=["memory", "sqlite"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    rules = demo_rules_with(tmp_path, QUOTES)
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'q.db'}"
    with clientflow.open(url, rules, clock=ManualClock(START)) as workspace:
        quotes = workspace.workflow("quote")
        quotes.run("Q-1", "open", by=LI, client="lotus", owner="li.wei")
        quotes.run("Q-1", "price", by=LI, amount="48000")
        yield workspace


def test_an_item_in_internal_states_shows_the_client_no_label_and_nothing_to_do(
    ws: Workspace,
) -> None:
    seen = ws.workflow("quote").client_view("Q-1", by=ANNA)
    assert (seen.label, seen.steps, seen.actions, seen.closed) == ("", (), (), False)


def test_the_client_reads_its_labels_and_may_run_only_its_own_steps(ws: Workspace) -> None:
    quotes = ws.workflow("quote")
    assert quotes.client_view("Q-1", by=QIAN).actions == ("approve", "reject", "withdraw")
    assert quotes.client_view("Q-1", by=LI).actions == ("withdraw",)  # li.wei asked
    quotes.run("Q-1", "approve", by=QIAN)
    seen = quotes.client_view("Q-1", by=ANNA)
    assert (seen.label, [s.label for s in seen.steps], seen.actions) == (
        "报价待您确认",
        ["报价待您确认"],
        ("accept",),
    )
    quotes.run("Q-1", "accept", by=ANNA)
    done = quotes.client_view("Q-1", by=ANNA)
    assert (done.label, done.closed, done.actions) == ("已接受", True, ())
    assert [s.label for s in done.steps] == ["报价待您确认", "已接受"]


def test_the_json_form_holds_only_what_the_client_may_read(ws: Workspace) -> None:
    """No state names, owner, fields (the price), approvers or votes."""
    quotes = ws.workflow("quote")
    quotes.run("Q-1", "approve", by=QIAN)
    form = clientflow.json_form(quotes.client_view("Q-1", by=ANNA))
    assert isinstance(form, dict)
    assert set(form) == {"id", "noun", "label", "closed", "steps", "actions"}
    text = str(form)
    for hidden in ("offered", "pricing", "li.wei", "qian.li", "48000", "finance"):
        assert hidden not in text


@pytest.mark.parametrize(
    "stranger",
    [TOM, Actor("mystery", {"client"}), Actor("lotus-bot", set(), clients={"northwind"})],
    ids=["other client", "client bound to none", "scoped to another client"],
)
def test_someone_of_another_client_is_told_the_item_does_not_exist(
    ws: Workspace, stranger: Actor
) -> None:
    quotes = ws.workflow("quote")
    with pytest.raises(NotFound) as told:
        quotes.client_view("Q-1", by=stranger)
    with pytest.raises(NotFound) as unknown:
        quotes.client_view("Q-404", by=stranger)
    assert str(told.value) == str(unknown.value).replace("Q-404", "Q-1")


def test_party_client_means_the_items_client_s_people(tmp_path: Path) -> None:
    """`party:client` in `who` and `open_who` is any of the item's client's people (the
    client is a company; its people act for it): anna of lotus may, tom of northwind and
    the team may not."""
    opened_by_clients = QUOTES.replace(
        'noun = "quote"', 'noun = "quote"\nopen_who = "party:client"'
    )
    rules = demo_rules_with(tmp_path, opened_by_clients)
    with clientflow.open("memory://", rules, clock=ManualClock(START)) as ws:
        quotes = ws.workflow("quote")
        for refused in (TOM, LI):
            with pytest.raises(PermissionDenied, match=r"client's people|belongs to client lotus"):
                quotes.run("Q-2", "open", by=refused, client="lotus", owner="li.wei")
        assert (
            quotes.run("Q-2", "open", by=ANNA, client="lotus", owner="li.wei").aggregate.client
            == "lotus"
        )
