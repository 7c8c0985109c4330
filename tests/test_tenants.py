"""Tenants: a client's people act only on their own client; every command has its rule.

The matrix runs every public workspace command (found by looking at the services, so a
new command cannot be left out) once for each kind of actor — the aggregate's owner, a
team member, one of the client's own people, another client's person and someone with
no role — on the memory and SQLite stores. Where the rules allow it the command is
saved; otherwise it raises ``PermissionDenied`` and the store (aggregate, history, rows
and feed) is exactly as before.
"""

from __future__ import annotations

import hashlib
import inspect
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest

import clientflow
from clientflow import Actor, NotFound, PermissionDenied
from clientflow.cadence import Channel, Direction, Touchpoint
from clientflow.changes import Impact, Money, Priority, Risk
from clientflow.config import ConfigError, rules_from_dict
from clientflow.demo import RULES_FILE
from clientflow.ports import Query
from clientflow.risks import PlannedAction
from clientflow.workspace import Workspace
from clientflow.workspace.base import Service

START = pendulum.datetime(2026, 9, 21, 2)  # Monday 10:00 in Shanghai
CLIENT, PROJECT, OWNER = "lotus", "lotus-app", "chen.jie"
KINDS = {
    "owner": Actor(OWNER),  # the aggregate's owner (a change's requester), no role
    "team": Actor("li.wei", {"pm"}),
    "same client": Actor("anna", {"client"}),  # a Lotus contact in the rules
    "other client": Actor("amy", {"client"}),  # an ACME contact in the rules
    "no role": Actor("mallory"),
}
SETUP = KINDS["team"]
REQUESTER = KINDS["owner"]
ANYONE = frozenset({"owner", "team", "same client", "no role"})
TEAM = frozenset({"owner", "team"})
CLIENT_SIDE = frozenset({"owner", "team", "same client"})
PM = frozenset({"team"})
# Steps only the team takes (rule name ``team``): everyone but a client's people.
NOT_CLIENT = frozenset({"owner", "team", "no role"})
IMPACT = Impact(
    schedule_days=2,
    cost=Money("9000", "CNY"),
    effort_hours=16,
    risk=Risk.MEDIUM,
    in_scope=False,
    priority=Priority.SHOULD,
)

Step = Callable[[Workspace, str, Actor], object]


def rules_data() -> dict[str, Any]:
    """The demo rules; the SLA also pauses the resolution clock for a vendor."""
    data = tomllib.loads(Path(RULES_FILE).read_text("utf-8"))
    data["sla"][0]["pauses"] = {
        "client": ["first_response", "resolution", "next_reply"],
        "vendor": ["resolution"],
    }
    return data


def _as(actor: Actor, step: Step) -> Step:
    return lambda ws, aggregate_id, _: step(ws, aggregate_id, actor)


# -- the paths: each command's steps, in the order the workflow takes them ------------

CHANGE: dict[str, Step] = {
    "request": lambda ws, i, by: ws.changes.request(i, by=by, project=PROJECT, title="SSO"),
    "submit": lambda ws, i, by: ws.changes.submit(i, by=by),
    "assess": lambda ws, i, by: ws.changes.assess(i, by=by, impact=IMPACT),
    "request_approval": lambda ws, i, by: ws.changes.request_approval(i, by=by),
    "vote": lambda ws, i, by: ws.changes.vote(i, by=by, verdict="approve"),
    "implement": lambda ws, i, by: ws.changes.implement(i, by=by),
    "close": lambda ws, i, by: ws.changes.close(i, by=by),
    "send_back": lambda ws, i, by: ws.changes.send_back(i, by=by, reason="cost unclear"),
    "defer": lambda ws, i, by: ws.changes.defer(i, by=by, release="2.0"),
    "withdraw": lambda ws, i, by: ws.changes.withdraw(i, by=by),
}
CHANGE_PATH = [
    ("request", _as(REQUESTER, CHANGE["request"])),
    ("submit", _as(REQUESTER, CHANGE["submit"])),
    ("assess", CHANGE["assess"]),
    ("request_approval", CHANGE["request_approval"]),
    ("vote", CHANGE["vote"]),
    ("implement", CHANGE["implement"]),
]

ISSUE: dict[str, Step] = {
    "report": lambda ws, i, by: ws.issues.report(
        i, by=by, client=CLIENT, project=PROJECT, title="Login fails", priority="P2", owner=OWNER
    ),
    "acknowledge": lambda ws, i, by: ws.issues.acknowledge(i, by=by),
    "start_investigation": lambda ws, i, by: ws.issues.start_investigation(i, by=by),
    "propose_solution": lambda ws, i, by: ws.issues.propose_solution(i, by=by, solution="patch"),
    "reject_solution": lambda ws, i, by: ws.issues.reject_solution(i, by=by, reason="no"),
    "wait_on_client": lambda ws, i, by: ws.issues.wait_on_client(i, by=by, reason="logs?"),
    "client_replied": lambda ws, i, by: ws.issues.client_replied(i, by=by, message="attached"),
    "pause": lambda ws, i, by: ws.issues.pause(i, by=by, reason="vendor", note="CDN"),
    "resume": lambda ws, i, by: ws.issues.resume(i, by=by, reason="vendor", note="fixed"),
    "reply": lambda ws, i, by: ws.issues.reply(i, by=by, message="on it"),
    "add_update": lambda ws, i, by: ws.issues.add_update(i, by=by, note="found it"),
    "change_priority": lambda ws, i, by: ws.issues.change_priority(i, by=by, priority="P3"),
    "escalate": lambda ws, i, by: ws.issues.escalate(i, by=by, reason="angry"),
    "acknowledge_escalation": lambda ws, i, by: ws.issues.acknowledge_escalation(i, by=by),
    "resolve": lambda ws, i, by: ws.issues.resolve(i, by=by, resolution="patched"),
    "reopen": lambda ws, i, by: ws.issues.reopen(i, by=by, reason="back again"),
    "close": lambda ws, i, by: ws.issues.close(i, by=by),
}

FEEDBACK: dict[str, Step] = {
    "receive": lambda ws, i, by: ws.feedback.receive(
        i, by=by, client=CLIENT, project=PROJECT, contact="zhang.lan", channel="survey", nps=0
    ),
    "triage": lambda ws, i, by: ws.feedback.triage(i, by=by),
    "assign": lambda ws, i, by: ws.feedback.assign(i, by=by, owner=OWNER),
    "record_contact": lambda ws, i, by: ws.feedback.record_contact(i, by=by, note="called"),
    "plan_action": lambda ws, i, by: ws.feedback.plan_action(i, by=by, plan="an index"),
    "complete_action": lambda ws, i, by: ws.feedback.complete_action(i, by=by),
    "confirm": lambda ws, i, by: ws.feedback.confirm(i, by=by, note="happy now"),
    "close": lambda ws, i, by: ws.feedback.close(i, by=by),
    "reopen": lambda ws, i, by: ws.feedback.reopen(i, by=by, reason="still slow"),
}
PRAISE: Step = lambda ws, i, by: ws.feedback.receive(  # noqa: E731
    i, by=by, client=CLIENT, project=PROJECT, contact="zhang.lan", channel="survey", nps=10
)
THANK: Step = lambda ws, i, by: ws.feedback.thank(i, by=by, message="Thank you!")  # noqa: E731

SURVEY: dict[str, Step] = {
    "request": lambda ws, c, by: ws.surveys.request(c, by=by, survey_id="S-1", client=CLIENT),
    "answer": lambda ws, c, by: ws.surveys.answer(c, by=by, survey_id="S-1"),
    "schedule_periodic": lambda ws, c, by: ws.surveys.schedule_periodic(
        c, by=by, client=CLIENT, first=START.add(days=7)
    ),
}


def _extra_item(ws: Workspace) -> Any:
    return attrs.evolve(ws.rules.plan_items(CLIENT)[0], id="extra")


PLAN: dict[str, Step] = {
    "create": lambda ws, i, by: ws.plans.create(i, by=by, client=CLIENT, project=PROJECT),
    "add_item": lambda ws, i, by: ws.plans.add_item(i, by=by, item=_extra_item(ws)),
    "remove_item": lambda ws, i, by: ws.plans.remove_item(i, by=by, item_id="status-report"),
    "record_touchpoint": lambda ws, i, by: ws.plans.record_touchpoint(
        i, by=by, touchpoint=Touchpoint("TP-1", Direction.OUTBOUND, Channel.EMAIL, START)
    ),
    "archive": lambda ws, i, by: ws.plans.archive(i, by=by),
}

RISK: dict[str, Step] = {
    "identify": lambda ws, i, by: ws.risks.identify(
        i,
        by=by,
        client=CLIENT,
        project=PROJECT,
        title="Vendor late",
        owner=OWNER,
        category="vendor",
        cause="one vendor",
        event="late delivery",
        effect="launch slips",
    ),
    "assess": lambda ws, i, by: ws.risks.assess(i, by=by, probability=2, impact=2),
    "plan_response": lambda ws, i, by: ws.risks.plan_response(
        i,
        by=by,
        strategy="mitigate",
        actions=(PlannedAction("A1", "second vendor", OWNER, pendulum.duration(hours=8)),),
    ),
    "start_monitoring": lambda ws, i, by: ws.risks.start_monitoring(i, by=by),
    "review": lambda ws, i, by: ws.risks.review(i, by=by, note="unchanged"),
    "complete_action": lambda ws, i, by: ws.risks.complete_action(i, by=by, action="A1"),
    "close": lambda ws, i, by: ws.risks.close(i, by=by, reason="avoided"),
    "trigger": lambda ws, i, by: ws.risks.trigger(
        i, by=by, issue_id=f"{i}-ISSUE", note="the vendor missed the date"
    ),
}


@attrs.frozen
class Case:
    """One command, the steps before it, and which kinds of actor the rules allow."""

    service: str
    command: str
    before: tuple[Step, ...]
    run: Step
    allowed: frozenset[str]


def _path(steps: dict[str, Step], *names: str) -> tuple[Step, ...]:
    return tuple(steps[name] for name in names)


_ISSUE_OPEN = ("report", "acknowledge")
_INVESTIGATING = (*_ISSUE_OPEN, "start_investigation")
_FOLLOWED_UP = ("receive", "triage", "assign", "record_contact", "plan_action")
_RISK_PLANNED = ("identify", "assess", "plan_response")
CHANGE_STEPS = dict(CHANGE_PATH)

CASES = [
    Case("changes", "request", (), CHANGE["request"], ANYONE),
    Case("changes", "submit", _path(CHANGE_STEPS, "request"), CHANGE["submit"],
         frozenset({"owner"})),
    Case("changes", "assess", _path(CHANGE_STEPS, "request", "submit"), CHANGE["assess"],
         NOT_CLIENT),
    Case("changes", "request_approval", _path(CHANGE_STEPS, "request", "submit", "assess"),
         CHANGE["request_approval"], NOT_CLIENT),
    Case("changes", "vote", _path(CHANGE_STEPS, "request", "submit", "assess", "request_approval"),
         CHANGE["vote"], PM),
    Case("changes", "send_back",
         _path(CHANGE_STEPS, "request", "submit", "assess", "request_approval"),
         CHANGE["send_back"], PM),
    Case("changes", "defer", _path(CHANGE_STEPS, "request", "submit", "assess"), CHANGE["defer"],
         NOT_CLIENT),
    Case("changes", "withdraw", _path(CHANGE_STEPS, "request", "submit"), CHANGE["withdraw"],
         frozenset({"owner"})),
    Case("changes", "implement",
         _path(CHANGE_STEPS, "request", "submit", "assess", "request_approval", "vote"),
         CHANGE["implement"], NOT_CLIENT),
    Case("changes", "close", tuple(step for _, step in CHANGE_PATH), CHANGE["close"], NOT_CLIENT),
    Case("issues", "report", (), ISSUE["report"], ANYONE),
    Case("issues", "acknowledge", _path(ISSUE, "report"), ISSUE["acknowledge"], TEAM),
    Case("issues", "start_investigation", _path(ISSUE, *_ISSUE_OPEN),
         ISSUE["start_investigation"], TEAM),
    Case("issues", "propose_solution", _path(ISSUE, *_INVESTIGATING), ISSUE["propose_solution"],
         TEAM),
    Case("issues", "reject_solution", _path(ISSUE, *_INVESTIGATING, "propose_solution"),
         ISSUE["reject_solution"], CLIENT_SIDE),
    Case("issues", "wait_on_client", _path(ISSUE, *_INVESTIGATING), ISSUE["wait_on_client"], TEAM),
    Case("issues", "client_replied", _path(ISSUE, *_INVESTIGATING, "wait_on_client"),
         ISSUE["client_replied"], CLIENT_SIDE),
    Case("issues", "pause", _path(ISSUE, *_ISSUE_OPEN), ISSUE["pause"], TEAM),
    Case("issues", "resume", _path(ISSUE, *_ISSUE_OPEN, "pause"), ISSUE["resume"], TEAM),
    Case("issues", "reply", _path(ISSUE, *_ISSUE_OPEN), ISSUE["reply"], TEAM),
    Case("issues", "add_update", _path(ISSUE, *_ISSUE_OPEN), ISSUE["add_update"], TEAM),
    Case("issues", "change_priority", _path(ISSUE, *_ISSUE_OPEN), ISSUE["change_priority"], TEAM),
    Case("issues", "escalate", _path(ISSUE, *_ISSUE_OPEN), ISSUE["escalate"], TEAM),
    # The first level of the demo's ladder is li.wei: only a recipient takes it.
    Case("issues", "acknowledge_escalation", _path(ISSUE, *_ISSUE_OPEN, "escalate"),
         ISSUE["acknowledge_escalation"], PM),
    Case("issues", "resolve", _path(ISSUE, *_INVESTIGATING), ISSUE["resolve"], TEAM),
    Case("issues", "reopen", _path(ISSUE, *_INVESTIGATING, "resolve"), ISSUE["reopen"],
         CLIENT_SIDE),
    Case("issues", "close", _path(ISSUE, *_INVESTIGATING, "resolve"), ISSUE["close"], CLIENT_SIDE),
    Case("feedback", "receive", (), FEEDBACK["receive"], ANYONE),
    # Nobody owns feedback before it is assigned: the owner kind is just a person then.
    Case("feedback", "triage", _path(FEEDBACK, "receive"), FEEDBACK["triage"], PM),
    Case("feedback", "thank", (PRAISE, FEEDBACK["triage"]), THANK, PM),
    Case("feedback", "assign", _path(FEEDBACK, "receive", "triage"), FEEDBACK["assign"], PM),
    Case("feedback", "record_contact", _path(FEEDBACK, "receive", "triage", "assign"),
         FEEDBACK["record_contact"], TEAM),
    Case("feedback", "plan_action", _path(FEEDBACK, *_FOLLOWED_UP[:-1]), FEEDBACK["plan_action"],
         TEAM),
    Case("feedback", "complete_action", _path(FEEDBACK, *_FOLLOWED_UP),
         FEEDBACK["complete_action"], TEAM),
    Case("feedback", "confirm", _path(FEEDBACK, *_FOLLOWED_UP, "complete_action"),
         FEEDBACK["confirm"], CLIENT_SIDE),
    Case("feedback", "reopen", _path(FEEDBACK, *_FOLLOWED_UP, "complete_action"),
         FEEDBACK["reopen"], CLIENT_SIDE),
    Case("feedback", "close", _path(FEEDBACK, *_FOLLOWED_UP, "complete_action", "confirm"),
         FEEDBACK["close"], TEAM),
    Case("surveys", "request", (), SURVEY["request"], PM),
    Case("surveys", "schedule_periodic", (), SURVEY["schedule_periodic"], PM),
    Case("surveys", "answer", _path(SURVEY, "request"), SURVEY["answer"],
         frozenset({"team", "same client"})),
    Case("plans", "create", (), PLAN["create"], PM),
    Case("plans", "add_item", _path(PLAN, "create"), PLAN["add_item"], PM),
    Case("plans", "remove_item", _path(PLAN, "create"), PLAN["remove_item"], PM),
    Case("plans", "record_touchpoint", _path(PLAN, "create"), PLAN["record_touchpoint"], PM),
    Case("plans", "archive", _path(PLAN, "create"), PLAN["archive"], PM),
    # The register is the team's: a client's people neither manage nor assess risks.
    Case("risks", "identify", (), RISK["identify"], NOT_CLIENT),
    Case("risks", "assess", _path(RISK, "identify"), RISK["assess"], NOT_CLIENT),
    Case("risks", "plan_response", _path(RISK, "identify", "assess"), RISK["plan_response"],
         NOT_CLIENT),
    Case("risks", "start_monitoring", _path(RISK, *_RISK_PLANNED), RISK["start_monitoring"],
         NOT_CLIENT),
    Case("risks", "review", _path(RISK, *_RISK_PLANNED), RISK["review"], NOT_CLIENT),
    Case("risks", "complete_action", _path(RISK, *_RISK_PLANNED), RISK["complete_action"],
         NOT_CLIENT),
    Case("risks", "close", _path(RISK, *_RISK_PLANNED), RISK["close"], NOT_CLIENT),
    Case("risks", "trigger", _path(RISK, *_RISK_PLANNED, "start_monitoring"), RISK["trigger"],
         NOT_CLIENT),
]  # fmt: skip


def _services() -> dict[str, type[Service[Any]]]:
    with clientflow.open("memory://", rules_data()) as ws:
        return {name: type(value) for name, value in vars(ws).items() if isinstance(value, Service)}


def _public_commands(service: type[Service[Any]]) -> set[str]:
    """Every public method taking ``by=``: what a host calls to change something
    (``run`` runs these same declared commands by name)."""
    return {
        name
        for name, member in inspect.getmembers(service, inspect.isfunction)
        if not name.startswith("_")
        and name != "run"
        and name not in service.reads  # what may be read, with an optional viewer
        and "by" in inspect.signature(member).parameters
    }


def test_the_matrix_covers_every_workspace_command() -> None:
    """A command added to any workspace service without a row here fails this test."""
    found = {
        (name, command) for name, cls in _services().items() for command in _public_commands(cls)
    }
    assert found == {(case.service, case.command) for case in CASES}
    assert len(CASES) == len(found)  # one row each
    for name, cls in _services().items():
        assert set(cls.commands) == _public_commands(cls), name


@pytest.fixture(params=["memory", "sqlite"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'tenants.db'}"
    clock = clientflow.ManualClock(START)
    with clientflow.open(url, rules_data(), clock=clock) as workspace:
        yield workspace


def _state(ws: Workspace, aggregate_id: str) -> tuple[object, ...]:
    return (
        ws.engine.kinded.load(aggregate_id),
        tuple(ws.history(aggregate_id)),
        tuple(ws.all_rows(Query())),
        tuple(ws.engine.kinded.feed(0, 100_000)),
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.service}.{case.command}")
def test_each_command_is_allowed_where_the_rules_allow_and_refused_cleanly_elsewhere(
    ws: Workspace, case: Case
) -> None:
    """Allowed kinds are saved; the others get PermissionDenied and nothing changes."""
    outcome = {}
    for n, (kind, actor) in enumerate(KINDS.items()):
        aggregate_id = f"{case.service}-{case.command}-{n}".replace("_", "-")
        for step in case.before:
            step(ws, aggregate_id, SETUP)
        before = _state(ws, aggregate_id)
        refused: PermissionDenied | NotFound | None = None
        try:
            case.run(ws, aggregate_id, actor)
        except (PermissionDenied, NotFound) as error:
            refused = error
        outcome[kind] = refused is None
        if refused is None:
            assert _state(ws, aggregate_id) != before
            continue
        assert _state(ws, aggregate_id) == before, f"{kind} was refused but state changed"
        if kind != "other client":
            assert isinstance(refused, PermissionDenied)
            assert refused.actor == actor.id
        elif isinstance(refused, NotFound):  # another client's item: as if it did not exist
            with pytest.raises(NotFound) as unknown:
                case.run(ws, "UNUSED-1", actor)
            assert str(refused) == str(unknown.value).replace("UNUSED-1", aggregate_id)
        else:  # creating one for another client: refused as a tenant, before any rule
            assert refused.rule == "belongs to client lotus (amy is bound to acme)"
    allowed = {kind for kind, done in outcome.items() if done}
    assert allowed == case.allowed
    assert "other client" not in allowed  # principle 8, whatever a rules file says


def test_a_lotus_person_cannot_record_the_clients_reply_on_acmes_issue(ws: Workspace) -> None:
    """The issue's example: anna (Lotus) on ACME-1 is refused; she is not told the issue
    exists, nor whose it is: the same words as for an id nobody uses."""
    grace = Actor("grace", {"client"})  # ACME's contact in the rules
    ws.issues.report(
        "ACME-1", by=grace, client="acme", project="acme-shop", title="Export fails",
        priority="P2", owner="mia",
    )  # fmt: skip
    ws.issues.acknowledge("ACME-1", by=Actor("mia"))
    ws.issues.start_investigation("ACME-1", by=Actor("mia"))
    ws.issues.wait_on_client("ACME-1", by=Actor("mia"), reason="logs?")
    anna = Actor("anna", {"client"})
    with pytest.raises(NotFound) as refused:
        ws.issues.client_replied("ACME-1", by=anna, message="here")
    with pytest.raises(NotFound) as unused:
        ws.issues.client_replied("ACME-9", by=anna, message="here")
    assert str(refused.value) == str(unused.value).replace("ACME-9", "ACME-1") != ""
    replied = ws.issues.client_replied("ACME-1", by=grace, message="here").aggregate
    assert replied.status == "investigating"


def test_a_client_person_bound_to_no_client_is_refused_on_every_client(ws: Workspace) -> None:
    """Fail closed: role client without a client (not in the rules, not from the login)."""
    stranger = Actor("zoe", {"client"})
    with pytest.raises(PermissionDenied, match=r"belongs to client lotus \(zoe is bound to no"):
        ISSUE["report"](ws, "ISS-1", stranger)
    assert ws.engine.kinded.load("ISS-1") is None
    # The host binds her from its own login; the rules' contacts are added to that.
    ISSUE["report"](ws, "ISS-1", Actor("zoe", {"client"}, clients={"lotus"}))
    assert ws.issues.get("ISS-1").reporter == "zoe"


def test_the_host_and_the_rules_bind_together() -> None:
    """A login's clients and the rules' contacts add up; nobody else changes."""
    rules = rules_from_dict(rules_data())
    anna = rules.bind(Actor("anna", {"client"}, clients={"acme"}))
    assert anna.clients == {"lotus", "acme"}
    li = Actor("li.wei", {"pm"})
    assert rules.bind(li) is li


def test_a_binding_answers_for_the_whole_actor_each_time() -> None:
    """The rules keep the actors they bound: the same person with other roles or other
    clients from the host's login is bound on their own terms, every time."""
    rules = rules_from_dict(rules_data())
    logins = [
        Actor("anna", {"client"}),
        Actor("anna", {"client"}, clients={"acme"}),
        Actor("anna", {"pm"}),
        Actor("anna", {"client"}),
    ]
    bound = [rules.bind(login) for login in logins]
    assert [a.clients for a in bound] == [{"lotus"}, {"lotus", "acme"}, {"lotus"}, {"lotus"}]
    assert bound[2].roles == {"pm", "client"}
    assert [rules.bind(login) for login in logins] == bound


def test_people_can_scope_the_team_to_some_clients() -> None:
    """[people.X] clients: the team member acts on those clients only; others stay global."""
    data = rules_data()
    data["people"]["li.wei"]["clients"] = ["acme"]
    with clientflow.open("memory://", data, clock=clientflow.ManualClock(START)) as ws:
        with pytest.raises(PermissionDenied, match=r"belongs to client lotus \(li.wei is bound"):
            PLAN["create"](ws, "PLAN-1", Actor("li.wei", {"pm"}))
        ws.plans.create("PLAN-2", by=Actor("li.wei", {"pm"}), client="acme", project="acme-shop")
        PLAN["create"](ws, "PLAN-3", Actor("sam", {"pm"}))  # unscoped: every client


def test_the_rules_file_says_who_moves_feedback_and_plans() -> None:
    """[permissions.feedback] and [permissions.plans] replace the defaults they name."""
    data = rules_data()
    data["permissions"] = {
        "feedback": {"close": ["role:support"], "receive": "role:support"},
        "plans": {"archive": ["role:account-director"]},
    }
    with clientflow.open("memory://", data, clock=clientflow.ManualClock(START)) as ws:
        support = Actor("sam", {"support"})
        with pytest.raises(PermissionDenied, match="has role support"):
            FEEDBACK["receive"](ws, "FB-1", KINDS["same client"])
        FEEDBACK["receive"](ws, "FB-1", support)
        for name in ("triage", "assign", "record_contact", "plan_action", "complete_action"):
            FEEDBACK[name](ws, "FB-1", KINDS["team"])
        FEEDBACK["confirm"](ws, "FB-1", KINDS["same client"])
        with pytest.raises(PermissionDenied, match="has role support"):
            FEEDBACK["close"](ws, "FB-1", KINDS["team"])
        assert ws.feedback.close("FB-1", by=support).aggregate.status == "closed"
        PLAN["create"](ws, "PLAN-1", KINDS["team"])
        with pytest.raises(PermissionDenied, match="has role account-director"):
            PLAN["archive"](ws, "PLAN-1", KINDS["team"])
        PLAN["archive"](ws, "PLAN-1", Actor("wang.fang", {"account-director"}))


def _problems(change: Callable[[dict[str, Any]], None]) -> set[str]:
    data = rules_data()
    change(data)
    with pytest.raises(ConfigError) as error:
        rules_from_dict(data)
    return {problem.path for problem in error.value.problems}


def test_bad_names_in_the_new_permission_tables_are_reported_at_their_keys() -> None:
    """A misspelt key, a bad name or a bad contact is named with its key path."""
    assert _problems(
        lambda data: data.update(permissions={"feedback": {"clsoe": ["role:pm"]}})
    ) == {"permissions.feedback.clsoe"}
    assert _problems(lambda data: data["people"]["li.wei"].update(clients=[""])) == {
        "people.li.wei.clients[0]"
    }
    assert _problems(lambda data: data.update(permissions={"plans": {"archive": ["role:"]}})) == {
        "permissions.plans.archive"
    }
    assert _problems(lambda data: data["clients"]["lotus"].update(contacts=["anna "])) == {
        "clients.lotus.contacts"
    }


# Commands whose caller names the client. Creating commands refuse an existing id; the
# survey commands act on a contact's existing record, so the stored client decides.
CLIENT_NAMED = {
    ("issues", "report"),
    ("feedback", "receive"),
    ("surveys", "request"),
    ("surveys", "schedule_periodic"),
    ("plans", "create"),
    ("risks", "identify"),
}


def test_every_command_naming_its_client_is_listed_here() -> None:
    """A new command taking ``client=`` fails this until its tenant check is considered."""
    found = {
        (name, command)
        for name, cls in _services().items()
        for command in _public_commands(cls)
        if "client" in inspect.signature(getattr(cls, command)).parameters
    }
    assert found == CLIENT_NAMED


@pytest.mark.parametrize("command", ["request", "schedule_periodic"])
def test_a_caller_chosen_client_cannot_take_over_another_clients_contact(
    ws: Workspace, command: str
) -> None:
    """The stored client decides: naming your own client on ACME's contact is refused
    (to someone scoped away from ACME, as if the record did not exist).

    Also when the rules do not list the contact (``bob`` is known only to the host),
    and, for a contact they list under ACME, before any record exists.
    """
    ws.surveys.request("bob", by=Actor("sam", {"pm"}), survey_id="S-0", client="acme")
    before = _state(ws, "surveys:bob")
    run: dict[str, Callable[[str, Actor], object]] = {
        "request": lambda contact, by: ws.surveys.request(
            contact, by=by, survey_id="S-1", client="lotus"
        ),
        "schedule_periodic": lambda contact, by: ws.surveys.schedule_periodic(
            contact, by=by, client="lotus", first=START.add(days=7)
        ),
    }
    scoped = Actor("li.wei", {"pm"}, clients={"lotus"})  # a Lotus-bound PM
    with pytest.raises(NotFound, match="no survey record with id 'surveys:bob'"):
        run[command]("bob", scoped)  # ACME's record: not found, not named as ACME's
    with pytest.raises(clientflow.ValidationError, match="'acme', the client contact 'bob'"):
        run[command]("bob", Actor("sam", {"pm"}))  # unscoped: allowed on ACME, not to move it
    assert _state(ws, "surveys:bob") == before
    assert ws.surveys.get("surveys:bob").client == "acme"
    with pytest.raises(clientflow.ValidationError, match="the rules list 'amy' as its contact"):
        run[command]("amy", scoped)  # ACME's contact in the rules: not Lotus's to survey
    assert ws.engine.kinded.load("surveys:amy") is None


def test_no_other_kind_takes_a_survey_records_id(ws: Workspace) -> None:
    """``surveys:<contact>`` ids are derived: an issue or feedback item cannot squat one."""
    amy = Actor("amy", {"client"})
    with pytest.raises(clientflow.ValidationError, match="not starting with 'surveys:'"):
        ws.feedback.receive(
            "surveys:zhang.lan", by=amy, client="acme", project="acme-shop", contact="amy",
            channel="email", csat=5,
        )  # fmt: skip
    ws.surveys.request(
        "zhang.lan", by=Actor("sam", {"pm"}), survey_id="S-1", client="lotus"
    )  # still free for Lotus's own contact
    assert ws.surveys.get("surveys:zhang.lan").client == "lotus"


@pytest.mark.parametrize("service", ["issues", "feedback", "plans", "risks"])
def test_a_project_listed_under_another_client_is_refused(ws: Workspace, service: str) -> None:
    """An ACME person cannot file under Lotus's project by naming ACME as the client."""
    grace = Actor("grace", {"client"})
    team = Actor("sam", {"pm"})
    run: dict[str, Callable[[], object]] = {
        "issues": lambda: ws.issues.report(
            "X-1", by=grace, client="acme", project=PROJECT, title="t", priority="P2",
            owner="mia",
        ),
        "feedback": lambda: ws.feedback.receive(
            "X-1", by=grace, client="acme", project=PROJECT, contact="grace",
            channel="survey", nps=3,
        ),
        "plans": lambda: ws.plans.create("X-1", by=team, client="acme", project=PROJECT),
        "risks": lambda: ws.risks.identify(
            "X-1", by=team, client="acme", project=PROJECT, title="t", owner="mia",
            category="vendor", cause="c", event="e", effect="f",
        ),
    }  # fmt: skip
    with pytest.raises(clientflow.ValidationError, match="lotus-app belongs to client lotus"):
        run[service]()
    assert ws.engine.kinded.load("X-1") is None


def test_a_client_the_rules_do_not_list_cannot_file_under_a_listed_project(ws: Workspace) -> None:
    """A client missing from the rules still runs on the default calendar, but never
    inside a project the rules give to another client."""
    li = Actor("li.wei", {"pm"})
    with pytest.raises(clientflow.ValidationError, match="lotus-app belongs to client lotus"):
        ws.issues.report(
            "X-2", by=li, client="nobody", project=PROJECT, title="t", priority="P2", owner="mia"
        )
    assert ws.engine.kinded.load("X-2") is None
    ws.issues.report(
        "X-3", by=li, client="nobody", project="nobody-app", title="t", priority="P2", owner="mia"
    )
    assert ws.issues.get("X-3").client == "nobody"


def test_an_idempotency_key_never_reaches_another_aggregate(ws: Workspace) -> None:
    """Keys are scoped to their aggregate: another client's key, or a risk trigger's
    derived key taken first, neither answers for this command nor blocks it."""
    amy, li = Actor("amy", {"client"}), Actor("li.wei", {"pm"})
    ISSUE["report"](ws, "LOTUS-1", li)
    ws.issues.acknowledge("LOTUS-1", by=li, key="form-123")
    received = ws.feedback.receive(
        "ACME-F1", by=amy, client="acme", project="acme-shop", contact="amy",
        channel="email", csat=5, key="form-123",
    )  # fmt: skip
    assert (received.aggregate.id, received.duplicate) == ("ACME-F1", False)
    RISK["identify"](ws, "LOTUS-R1", li)
    RISK["assess"](ws, "LOTUS-R1", li)
    risk = ws.risks.get("LOTUS-R1")
    digest = hashlib.sha256(f"LOTUS-R1\x00{risk.version}".encode()).hexdigest()[:32]
    for n, half in enumerate(("issue", "risk"), 2):  # amy takes both derived keys first
        ws.feedback.receive(
            f"ACME-F{n}", by=amy, client="acme", project="acme-shop", contact="amy",
            channel="email", csat=5, key=f"risk-trigger-{digest}.{half}",
        )  # fmt: skip
    triggered = ws.risks.trigger("LOTUS-R1", by=li, issue_id="LOTUS-9", note="vendor late")
    assert not triggered.duplicate
    assert ws.risks.get("LOTUS-R1").status == "triggered"
    assert ws.issues.get("LOTUS-9").opened_from == "LOTUS-R1"  # the issue really opened
    again = ws.issues.acknowledge("LOTUS-1", by=li, key="form-123")
    assert again.duplicate  # on its own aggregate a key still makes a retry apply once


def test_a_clients_change_asks_only_its_own_sponsors(ws: Workspace) -> None:
    """``role:client-sponsor`` lists every client's sponsor; a Lotus route asks Lotus's."""
    anna, li = Actor("anna", {"client"}), Actor("li.wei", {"pm"})
    ws.changes.request("CR-9", by=anna, project=PROJECT, title="Core banking swap")
    ws.changes.submit("CR-9", by=anna)
    big = attrs.evolve(IMPACT, schedule_days=30, cost=Money("900000", "CNY"), risk=Risk.HIGH)
    ws.changes.assess("CR-9", by=li, impact=big)
    routed = ws.changes.request_approval("CR-9", by=li).aggregate
    assert routed.round is not None
    [sponsors] = routed.round.stages[0]
    assert sponsors.name == "sponsor"
    assert sponsors.eligible == {"zhao.min"}  # not ACME's grace, Sakura's kenji, ...
    assert ws.rules.directory["client-sponsor"] != ("zhao.min",)  # the directory lists more


@pytest.mark.parametrize("roles", [frozenset(), frozenset({"pm"}), frozenset({"engineer"})])
def test_a_listed_contact_is_a_clients_person_whatever_roles_the_host_gives(
    ws: Workspace, roles: frozenset[str]
) -> None:
    """The rules list anna as Lotus's contact: bound, she is one of Lotus's people, so
    the team-only steps (rule ``team``) refuse her even with a team role from the host."""
    anna = ws.rules.bind(Actor("anna", roles))
    assert anna.has_role("client")
    assert anna.clients == {"lotus"}
    CHANGE["request"](ws, "CR-ANNA", Actor("anna", roles))
    ws.changes.submit("CR-ANNA", by=Actor("anna", roles))
    before = _state(ws, "CR-ANNA")
    with pytest.raises(PermissionDenied, match="is on the team"):
        ws.changes.assess("CR-ANNA", by=Actor("anna", roles), impact=IMPACT)
    with pytest.raises(PermissionDenied, match="is on the team"):
        RISK["identify"](ws, "RSK-ANNA", Actor("anna", roles))
    assert _state(ws, "CR-ANNA") == before
    assert ws.engine.kinded.load("RSK-ANNA") is None


def test_an_escalation_role_is_resolved_within_the_issues_client() -> None:
    """role:client-sponsor on a Lotus issue means Lotus's sponsor, never ACME's or the
    other clients' (who would be told of Lotus's issue)."""
    rules = rules_from_dict(rules_data())
    assert rules.holders("role:client-sponsor", "lotus") == ("zhao.min",)
    assert rules.holders("role:client-sponsor", "acme") == ("grace",)
    assert rules.holders("li.wei", "acme") == ("li.wei",)
