"""Commands declared once: the workspace runs them by name, parses their JSON payload and
refuses them naming the command and the allowed ones as users call them (issue 26)."""

from __future__ import annotations

import inspect

import pendulum
import pytest

import clientflow
from clientflow import escalation
from clientflow.core import PermissionDenied, TransitionNotAllowed, ValidationError
from clientflow.demo import RULES_FILE
from clientflow.workspace import Workspace

MONDAY = pendulum.datetime(2026, 3, 2, 2)
ANNA = clientflow.Actor("anna", {"client"})
CHEN = clientflow.Actor("chen.jie", {"engineer"})


def _workspace() -> Workspace:
    ws = clientflow.open("memory://", RULES_FILE, clock=clientflow.ManualClock(MONDAY))
    ws.issues.report(
        "ISS-1", by=ANNA, client="lotus", project="lotus-app", title="Export fails",
        priority="P2", owner="chen.jie",
    )  # fmt: skip
    return ws


def test_a_command_in_the_wrong_state_is_refused_by_the_name_users_call_it() -> None:
    """ws.issues.propose_solution on a new issue names propose_solution and lists the
    commands a reported issue allows, by their workspace names."""
    ws = _workspace()
    with pytest.raises(TransitionNotAllowed) as refused:
        ws.issues.propose_solution("ISS-1", by=CHEN, solution="restart the job")
    assert refused.value.event == "propose_solution"
    assert refused.value.state == "reported"
    assert refused.value.allowed == (
        "acknowledge", "acknowledge_escalation", "add_update", "change_priority",
        "client_replied", "escalate", "pause", "reply", "resume",
    )  # fmt: skip
    assert "'propose'" not in str(refused.value)
    assert ws.issues.get("ISS-1").version == 1


def test_the_pure_function_names_itself_and_the_allowed_commands_too() -> None:
    """escalation.propose_solution called on a reported issue says propose_solution."""
    ws = _workspace()
    issue = ws.issues.get("ISS-1")
    with pytest.raises(TransitionNotAllowed) as refused:
        escalation.propose_solution(
            issue, "restart", CHEN, MONDAY, calendar=ws.rules.calendar_for("lotus")
        )
    assert refused.value.event == "propose_solution"
    assert "acknowledge" in refused.value.allowed


def test_run_takes_a_command_by_name_with_its_payload_as_json_gives_it() -> None:
    """The generic runner: an issue kind arrives as its string value, and works."""
    ws = _workspace()
    issues = ws.workflow("issue")
    payload = {"client": "lotus", "project": "lotus-app", "title": "Slow", "priority": "P2",
               "owner": "chen.jie", "kind": "complaint"}  # fmt: skip
    reported = issues.run("ISS-2", "report", by=ANNA, **payload).aggregate
    assert reported.kind is escalation.IssueKind.COMPLAINT
    issues.run("ISS-1", "acknowledge", by=CHEN)
    issues.run("ISS-1", "start_investigation", by=CHEN)
    result = issues.run("ISS-1", "propose_solution", by=CHEN, solution="restart the job")
    assert result.aggregate.status == "solution_proposed"
    assert issues is ws.issues


def test_run_refuses_unknown_commands_fields_and_missing_ones_before_loading() -> None:
    """Each refusal names what was wrong and what the command accepts; nothing changes."""
    ws = _workspace()
    issues = ws.workflow("issue")
    with pytest.raises(ValidationError, match="one of report, acknowledge"):
        issues.run("ISS-1", "propose", by=CHEN, solution="x")
    with pytest.raises(ValidationError, match="only the fields solution"):
        issues.run("ISS-1", "propose_solution", by=CHEN, solution="x", colour="red")
    with pytest.raises(ValidationError, match="required by propose_solution"):
        issues.run("ISS-1", "propose_solution", by=CHEN)
    with pytest.raises(ValidationError, match="one of client, vendor, maintenance, change"):
        issues.run("ISS-1", "pause", by=CHEN, reason=["vendor"], note="x")
    with pytest.raises(ValidationError, match="one of change"):
        ws.workflow("tickets")
    assert ws.history("ISS-1")[-1].aggregate_version == 1


def test_the_rules_permissions_still_apply_through_the_runner() -> None:
    """A client contact may not acknowledge an issue: the handler's rule refuses it."""
    ws = _workspace()
    with pytest.raises(PermissionDenied):
        ws.workflow("issue").run("ISS-1", "acknowledge", by=ANNA)


def test_every_declared_command_is_a_method_whose_signature_shows_its_payload() -> None:
    """ws.issues.<command> exists for every declaration, with the payload as keywords."""
    ws = _workspace()
    assert set(escalation.COMMANDS.names) <= set(type(ws.issues).commands)
    parameters = inspect.signature(ws.issues.report).parameters
    assert list(parameters)[:2] == ["issue_id", "by"]
    assert parameters["kind"].default is escalation.IssueKind.ISSUE
    assert parameters["title"].default is inspect.Parameter.empty
    assert ws.issues.propose_solution.__doc__ == "Put a solution to the client."
    done = ws.issues.acknowledge(issue_id="ISS-1", by=CHEN)
    assert done.aggregate.status == "acknowledged"


def test_a_services_typed_helpers_cannot_drift_from_its_declaration() -> None:
    """A service annotating a command its workflow does not declare fails at import."""
    from clientflow.workspace import CommandMethod, Service  # noqa: PLC0415

    with pytest.raises(ValidationError, match=r"not declared: \['propose'\]"):

        class Drifted(Service[escalation.Issue]):
            kind = "issue"
            declared = escalation.COMMANDS
            propose: CommandMethod[escalation.Issue]

    assert "Drifted" not in dir()


def test_every_built_in_workflow_runs_its_commands_by_name() -> None:
    """Each built-in service is a declared workflow that ws.workflow(kind) returns."""
    ws = _workspace()
    for kind in ("change", "issue", "feedback", "plan", "risk"):
        service = ws.workflow(kind)
        assert service.declared is not None
        assert set(service.declared.names) <= set(type(service).commands)
