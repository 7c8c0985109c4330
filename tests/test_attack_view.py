"""``party:client`` and the client's view, attacked as a careless host would (review)."""

from __future__ import annotations

from pathlib import Path

import pytest

import clientflow
from clientflow import Actor, ManualClock
from clientflow.core import NotFound
from tests.test_flow_stages import _rules
from tests.test_flow_view import LI, QIAN, QUOTES, START

BOTH = Actor("mei", {"client"}, clients={"lotus", "northwind"})
UNBOUND = Actor("ghost", {"client"})
TEAM_CLIENT = Actor("pm.client", {"pm", "client"})


def _offered(tmp_path: Path) -> clientflow.Workspace:
    ws = clientflow.open("memory://", _rules(tmp_path, QUOTES), clock=ManualClock(START))
    flow = ws.workflow("quote")
    for item, client in (("Q-1", "lotus"), ("Q-2", "northwind")):
        flow.run(item, "open", by=LI, client=client, owner="li.wei")
        flow.run(item, "price", by=LI, amount="100")
        flow.run(item, "approve", by=QIAN)
    return ws


def test_a_person_of_two_clients_accepts_for_each(tmp_path: Path) -> None:
    with _offered(tmp_path) as ws:
        flow = ws.workflow("quote")
        assert flow.client_view("Q-2", by=BOTH).actions == ("accept",)
        assert flow.run("Q-1", "accept", by=BOTH).aggregate.status == "accepted"
        assert flow.client_view("Q-1", by=BOTH).actions == ()


@pytest.mark.parametrize("who", [UNBOUND, TEAM_CLIENT])
def test_role_client_without_a_binding_neither_sees_nor_accepts(tmp_path: Path, who: Actor) -> None:
    with _offered(tmp_path) as ws:
        flow = ws.workflow("quote")
        with pytest.raises(NotFound):
            flow.client_view("Q-1", by=who)
        with pytest.raises(NotFound):  # role client, bound to none: sees none (ea1f6d2)
            flow.run("Q-1", "accept", by=who)


def test_the_client_view_json_names_no_person_state_or_field(tmp_path: Path) -> None:
    with _offered(tmp_path) as ws:
        shown = str(clientflow.json_form(ws.workflow("quote").client_view("Q-1", by=BOTH)))
        for internal in ("li.wei", "qian.li", "finance", "pricing", "offered", "amount", "Q-2"):
            assert internal not in shown
