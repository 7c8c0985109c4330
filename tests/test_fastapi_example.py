"""The FastAPI example answers as a web developer expects: one error shape (RFC 9457
problems), statuses that say whose fault it is, a published OpenAPI document the app
keeps to under generated requests."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pendulum
import schemathesis

import clientflow
from clientflow.core import ManualClock

EXAMPLES = Path(__file__).parents[1] / "examples"
START = pendulum.datetime(2026, 11, 25, 21, 45)  # Wed 16:45 in New York
CONTACT = {"id": "hudson-contact", "roles": ["client"], "clients": ["hudson"]}
BODY = {
    "id": "HUD-1",
    "by": CONTACT,
    "client": "hudson",
    "project": "hudson-site",
    "title": "Search is down",
    "priority": "P1",
    "owner": "mia",
}


def _module() -> ModuleType:
    path = EXAMPLES / "fastapi_host" / "app.py"
    spec = importlib.util.spec_from_file_location("fastapi_host_app", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


APP = _module()


def _client() -> Any:
    from fastapi.testclient import TestClient  # noqa: PLC0415 - test extra

    workspace = clientflow.open("memory://", EXAMPLES / "rules.toml", clock=ManualClock(START))
    return TestClient(APP.create_app(workspace))


def _is_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "instance"} <= set(body)
    return body


def test_routes_serve_json_forms_and_typed_errors_as_problems() -> None:
    """JSON forms out; each clientflow error is a problem with the status it deserves."""
    client = _client()
    created = client.post("/issues", json=BODY)
    assert created.status_code == 201, created.text
    assert created.json()["clocks"][0]["deadline"] == "2026-11-27T14:45:00+00:00"
    assert "already exists" in _is_problem(client.post("/issues", json=BODY), 409)["detail"]
    bad = _is_problem(client.post("/issues", json={**BODY, "id": "HUD-2", "priority": "P9"}), 422)
    assert bad["field"].endswith("priority")
    assert _is_problem(client.get("/issues/NOPE"), 404)["instance"] == "/issues/NOPE"
    refused = client.post("/issues/HUD-1/acknowledge", json={"by": {"id": "mallory"}})
    _is_problem(refused, 403)
    done = client.post("/issues/HUD-1/acknowledge", json={"by": {"id": "mia"}})
    assert done.json()["status"] == "acknowledged"
    listed = client.get("/issues", params={"owner": "mia"}).json()
    assert [row["id"] for row in listed] == ["HUD-1"]
    bad_id = _is_problem(client.post("/issues", json={**BODY, "id": "HUD 3 "}), 422)
    assert bad_id["field"] == "issue id"


def test_a_malformed_body_is_the_same_problem_shape_and_names_what_is_missing() -> None:
    """FastAPI's own validation answers as clientflow's errors do; a missing actor says
    that ``by`` is required, not that None is not a str."""
    client = _client()
    missing = {key: value for key, value in BODY.items() if key != "by"}
    body = _is_problem(client.post("/issues", json=missing), 422)
    assert body["field"] == "by"
    assert "by is required" in body["detail"]
    assert "NoneType" not in body["detail"]
    wrong = _is_problem(client.post("/issues", json={**BODY, "title": ["a"]}), 422)
    assert wrong["errors"][0]["field"] == "title"


def test_an_unknown_client_in_the_body_is_unprocessable_not_missing() -> None:
    """The URL was right, the body named a client the rules do not have: 422 on client."""
    body = _is_problem(_client().post("/issues", json={**BODY, "client": "ghost"}), 422)
    assert (body["field"], "ghost" in body["detail"]) == ("client", True)


def test_the_sweep_answers_a_summary() -> None:
    """A sweep says how many aggregates and events it fired, by type, not every clock."""
    client = _client()
    client.post("/issues", json=BODY)
    summary = client.post("/sweep", params={"now": "2026-11-30T18:00:00-05:00"}).json()
    assert summary["aggregates"] == 1
    assert summary["events"] == sum(summary["by_type"].values()) > 0
    assert "issue.escalated" in summary["by_type"]
    assert set(summary) == {"aggregates", "events", "by_type", "failed", "skipped"}
    _is_problem(client.post("/sweep", params={"now": "yesterday"}), 422)


def test_the_app_takes_its_store_and_rules_from_the_environment(tmp_path: Path) -> None:
    """A host's own store opens under the rules it recorded; CLIENTFLOW_RULES only
    seeds a new store."""
    url = f"sqlite:///{tmp_path / 'host.db'}"
    clientflow.open(url, EXAMPLES / "rules.toml").close()
    path = str(EXAMPLES / "fastapi_host" / "app.py")
    script = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('a', {path!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "print(m.app.title)\n"
    )
    env = {**os.environ, "CLIENTFLOW_STORE": url}
    env.pop("CLIENTFLOW_RULES", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "clientflow host"), done.stderr


def test_the_published_openapi_document_is_the_apps() -> None:
    """examples/fastapi_host/openapi.json is what the app serves (regenerate with
    ``python -c 'from tests.test_fastapi_example import publish; publish()'``)."""
    served = _client().get("/openapi.json").json()
    published = json.loads(APP.OPENAPI_FILE.read_text(encoding="utf-8"))
    assert served == published, "regenerate examples/fastapi_host/openapi.json"
    assert served["components"]["schemas"]["Issue"]["type"] == "object"


def publish() -> None:
    """Write the app's OpenAPI document beside it."""
    served = _client().get("/openapi.json").json()
    text = json.dumps(served, indent=2, ensure_ascii=False) + "\n"
    APP.OPENAPI_FILE.write_text(text, encoding="utf-8")


schema = schemathesis.openapi.from_asgi("/openapi.json", _client().app)


@schema.parametrize()
def test_every_operation_keeps_to_the_published_schema(case: Any) -> None:
    """Generated requests to every operation: never a server error, and every answer
    (status, content type, body) is one the OpenAPI document declares."""
    from schemathesis.checks import (  # noqa: PLC0415
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )
