"""Another tenant's people asking about items that are not theirs (attacker pass after
ea1f6d2, found by review): whatever they send, they learn no more than for an id nobody
uses."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pendulum
import pytest

import clientflow
from clientflow import Actor, ManualClock
from clientflow.core import AlreadyExists, ClientflowError, NotFound
from clientflow.demo import RULES_FILE
from clientflow.workspace import Workspace
from tests.rulefiles import demo_rules_with
from tests.test_flow_view import QUOTES

START = pendulum.datetime(2026, 9, 21, 2)
LI = Actor("li.wei", {"pm"})
AMY = Actor("amy", {"client"})  # ACME's contact in the demo rules
TOM = Actor("tom", {"client"}, clients={"northwind"})  # bound by the host's login
NORTHWIND_PM = Actor("sam", {"pm"}, clients={"northwind"})  # a team member scoped to one client
AMY_AS_PM = Actor("amy", {"pm"})  # a contact the host gave a team role: the rules bind her


@pytest.fixture(params=["memory", "sqlite"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'atk.db'}"
    with clientflow.open(url, RULES_FILE, clock=ManualClock(START)) as workspace:
        workspace.issues.report(
            "LOTUS-1", by=LI, client="lotus", project="lotus-app", title="Secret outage",
            priority="P2", owner="chen.jie",
        )  # fmt: skip
        yield workspace


def _told(attempt: Callable[..., object], *args: object) -> str:
    """What the caller is told: the refusal's words (a result would be a leak itself)."""
    try:
        got = attempt(*args)
    except ClientflowError as error:
        return f"{type(error).__name__}: {error}"
    return f"answered: {got!r}"


def test_a_key_the_team_used_does_not_hand_the_item_to_another_clients_person(
    ws: Workspace,
) -> None:
    """li.wei acknowledged LOTUS-1 with key ``form-123`` (a form token, a retry id): amy
    sending any command on LOTUS-1 with the same key gets the Lotus issue back as a
    duplicate, through any service, instead of NotFound."""
    ws.issues.acknowledge("LOTUS-1", by=LI, key="form-123")
    for attempt in (
        lambda i: ws.issues.acknowledge(i, by=AMY, key="form-123"),
        lambda i: ws.feedback.confirm(i, by=AMY, note="x", key="form-123"),
        lambda i: ws.workflow("issue").run(i, "close", by=AMY, key="form-123"),
    ):
        told, unused = _told(attempt, "LOTUS-1"), _told(attempt, "LOTUS-9")
        assert told == unused.replace("LOTUS-9", "LOTUS-1")


def test_a_triggered_risk_and_its_issue_stay_hidden_behind_their_derived_keys(
    ws: Workspace,
) -> None:
    """A trigger's keys are ``risk-trigger-<sha256(risk id, version)[:32]>.risk|.issue``:
    amy, knowing only the ids (or guessing them), tries a few versions and reads the
    Lotus risk and the issue it opened."""
    ws.risks.identify(
        "LOTUS-R1", by=LI, client="lotus", project="lotus-app", title="Vendor late",
        owner="chen.jie", category="vendor", cause="one vendor", event="late", effect="slip",
    )  # fmt: skip
    ws.risks.assess("LOTUS-R1", by=LI, probability=2, impact=2)
    ws.risks.trigger("LOTUS-R1", by=LI, issue_id="LOTUS-9", note="the vendor missed the date")
    leaked = []
    for version in range(1, 10):
        digest = hashlib.sha256(f"LOTUS-R1\x00{version}".encode()).hexdigest()[:32]
        for item, half in (("LOTUS-R1", "risk"), ("LOTUS-9", "issue")):
            key = f"risk-trigger-{digest}.{half}"
            try:
                got = ws.issues.add_update(item, by=AMY, note="hi", key=key).aggregate
            except NotFound:
                continue
            leaked.append((item, got.client, got.title))
    assert leaked == []


def test_a_retry_by_someone_who_may_see_the_item_still_answers_once(ws: Workspace) -> None:
    """The key check above refuses only who may not see the item: anna (Lotus) retrying
    her own report, and the team retrying on the same item, get the first result; the
    team's key sent to another workflow's service is refused as another kind's id."""
    anna = Actor("anna", {"client"})
    opening = {
        "client": "lotus", "project": "lotus-app", "title": "t", "priority": "P2",
        "owner": "chen.jie", "key": "form-7",
    }  # fmt: skip
    first = ws.issues.report("LOTUS-2", by=anna, **opening)
    again = ws.issues.report("LOTUS-2", by=anna, **opening)
    assert (again.duplicate, again.aggregate) == (True, first.aggregate)
    assert ws.issues.acknowledge("LOTUS-2", by=LI, key="form-7").duplicate
    with pytest.raises(clientflow.ValidationError, match=r"LOTUS-2 \(a issue\)"):
        ws.feedback.triage("LOTUS-2", by=LI, key="form-7")
    assert [e.event_type for e in ws.history("LOTUS-2")] == ["issue.reported"]


def test_creating_on_another_clients_id_does_not_tell_how_far_it_went(ws: Workspace) -> None:
    """Ids are shared by all clients, so amy's create on a taken id must be refused; the
    refusal should not depend on the other client's item (its version counts its
    events: how busy Lotus's issue is)."""
    ws.issues.report(
        "LOTUS-2", by=LI, client="lotus", project="lotus-app", title="t", priority="P2",
        owner="chen.jie",
    )  # fmt: skip
    for _ in range(3):
        ws.issues.add_update("LOTUS-1", by=LI, note="busy")

    def create(item: str) -> str:
        with pytest.raises(AlreadyExists) as refused:
            ws.feedback.receive(
                item, by=AMY, client="acme", project="acme-shop", contact="amy",
                channel="email", csat=5,
            )  # fmt: skip
        return str(refused.value)

    assert create("LOTUS-1") == create("LOTUS-2").replace("LOTUS-2", "LOTUS-1")


SCOPED = pytest.mark.parametrize("person", [TOM, NORTHWIND_PM], ids=["client's", "scoped pm"])


@SCOPED
def test_answering_another_clients_survey_is_not_found(ws: Workspace, person: Actor) -> None:
    """ACME surveyed bob (a contact the rules do not list): tom, Northwind's contact,
    recording bob's answer was told bob's record belongs to client acme."""
    ws.surveys.request("bob", by=LI, survey_id="S-0", client="acme")
    told = _told(lambda c: ws.surveys.answer(c, by=person, survey_id="S-0"), "bob")
    assert told == _told(
        lambda c: ws.surveys.answer(c, by=person, survey_id="S-0"), "nobody"
    ).replace("nobody", "bob")


@SCOPED
def test_surveying_another_clients_contact_does_not_name_the_client(
    ws: Workspace, person: Actor
) -> None:
    """Requesting or scheduling a survey of bob told tom (and a Northwind-scoped PM)
    that bob's record belongs to client acme. Survey ids derive from contact names, so
    a taken one is still refused (NotFound), but without naming its client."""
    ws.surveys.request("bob", by=LI, survey_id="S-0", client="acme")
    for attempt in (
        lambda c: ws.surveys.request(c, by=person, survey_id="S-1", client="northwind"),
        lambda c: ws.surveys.schedule_periodic(
            c, by=person, client="northwind", first=START.add(days=7)
        ),
    ):
        assert "acme" not in _told(attempt, "bob")
    assert ws.surveys.get("surveys:bob").client == "acme"


def test_a_clients_person_is_not_told_whose_contact_someone_is(ws: Workspace) -> None:
    """tom may not request surveys at all; asking about zhang.lan he is told the rules
    list her under lotus (a ValidationError), instead of the role refusal anyone gets."""
    told = _told(
        lambda: ws.surveys.request("zhang.lan", by=TOM, survey_id="S-1", client="northwind")
    )
    assert "lotus" not in told
    assert told.startswith("PermissionDenied")


@pytest.fixture
def revised(tmp_path: Path) -> Iterator[Workspace]:
    """Q-1 (Lotus) opened under a first quote definition; the second renames
    ``withdraw`` to ``cancel``."""
    rules = demo_rules_with(tmp_path, QUOTES)
    url = f"sqlite:///{tmp_path / 'revised.db'}"
    with clientflow.open(url, rules, clock=ManualClock(START)) as first:
        first.workflow("quote").run("Q-1", "open", by=LI, client="lotus", owner="li.wei")
        first.workflow("quote").run("Q-1", "price", by=LI, amount="48000")
    renamed = QUOTES.replace('name = "withdraw"', 'name = "cancel"')
    rules = demo_rules_with(tmp_path, renamed)
    with clientflow.open(url, rules, clock=ManualClock(START), apply=True) as workspace:
        yield workspace


@pytest.mark.parametrize("command", ["withdraw", "cancel"])
@pytest.mark.parametrize("person", [AMY, TOM, AMY_AS_PM], ids=["amy", "tom", "amy-as-pm"])
def test_an_item_under_an_earlier_definition_is_not_found_like_an_unused_id(
    revised: Workspace, person: Actor, command: str
) -> None:
    """A client's person running ``withdraw`` on Lotus's Q-1 gets NotFound, on an unused
    id the list of the commands in force; ``cancel`` the other way round: either tells
    that Q-1 exists and runs under an older definition."""
    quotes = revised.workflow("quote")
    told = _told(lambda: quotes.run("Q-1", command, by=person))
    unused = _told(lambda: quotes.run("Q-9", command, by=person))
    assert told == unused.replace("Q-9", "Q-1")


def test_a_scoped_team_member_migrating_another_clients_item_is_told_not_found(
    revised: Workspace,
) -> None:
    """ea1f6d2: someone scoped to clients asking for another client's item gets NotFound
    from any command; migrate named Lotus's item's client to a Northwind-scoped PM."""
    quotes = revised.workflow("quote")
    assert _told(lambda: quotes.migrate("Q-1", by=NORTHWIND_PM)) == _told(
        lambda: quotes.migrate("Q-9", by=NORTHWIND_PM)
    ).replace("Q-9", "Q-1")


def test_migrating_all_does_not_name_another_clients_item(revised: Workspace) -> None:
    """migrate_all by a Northwind-scoped PM refuses naming Lotus's Q-1 and client lotus
    (it could move the items it may see, or refuse without naming others')."""
    told = _told(lambda: revised.workflow("quote").migrate_all(by=NORTHWIND_PM))
    assert "Q-1" not in told
    assert "lotus" not in told
