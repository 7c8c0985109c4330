"""The examples in examples/ run as a user would run them."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pendulum
import pytest

from clientflow.config import load_rules
from clientflow.core import ManualClock
from tests.storage.servers import POSTGRES_URL, fresh_prefix, require_server

EXAMPLES = Path(__file__).parents[1] / "examples"


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_csv_import_prints_the_sla_breaches_in_business_time() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "csv_sla_breaches.py"),
            str(EXAMPLES / "issues.csv"),
            "--now",
            "2026-12-01T12:00:00-05:00",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "2 SLA breach(es):"
    # 10:00 + 4 business hours; answered 16:30 -> 2.5 h late
    assert "HUD-2 P2 first_response: due Tue 2026-03-10 14:00 EDT, 2.5 business hours" in lines[1]
    # reported Wed 16:45 before Thanksgiving: 8 business hours end Fri 16:45
    assert "HUD-4 P1 resolution: due Fri 2026-11-27 16:45 EST" in lines[2]
    # HUD-3 took six calendar days over Independence Day (observed Fri 3 Jul): no breach
    assert "HUD-3" not in done.stdout


def test_csv_import_bad_input_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,client,priority,reported_at,first_response_at,resolved_at,title\n"
        "X-1,hudson,P1,yesterday,,,t\n",
        encoding="utf-8",
    )
    module = _module(EXAMPLES / "csv_sla_breaches.py")
    assert module.main([str(bad), "--now", "2026-12-01T12:00:00Z"]) == 1


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def host_app() -> Iterator[str]:
    """The example web app on PostgreSQL, served on a free port; yields its base URL."""
    require_server(POSTGRES_URL)
    module = _module(EXAMPLES / "web_host" / "app.py")
    clock = ManualClock(pendulum.datetime(2026, 11, 25, 21, 45))  # Wed 16:45 in New York
    app = module.HostApp(
        POSTGRES_URL, load_rules(EXAMPLES / "rules.toml"), prefix=fresh_prefix(), clock=clock
    )
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        app.store.close()


def _call(base: str, method: str, path: str, body: object = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_web_host_app_embeds_clientflow_beside_its_own_tables(host_app: str) -> None:
    client = {"id": "hudson", "name": "Hudson Media", "manager": "mia"}
    assert _call(host_app, "POST", "/clients", client)[0] == 201
    issue = {"id": "HUD-9", "client": "hudson", "title": "Search is down", "priority": "P1"}
    status, created = _call(host_app, "POST", "/issues", issue)
    assert status == 201
    assert isinstance(created, dict)
    assert (created["id"], created["status"], created["priority"], created["owner"]) == (
        "HUD-9",
        "reported",
        "P1",
        "mia",
    )
    assert created["escalation"] is None
    assert created["reported_at"] == "2026-11-25T21:45:00+00:00"
    assert created["local_deadlines"] == {
        # Wed 16:45 + 1 business hour: Thanksgiving skipped, Friday 9:45
        "first_response": "2026-11-27T09:45:00-05:00",
        "resolution": "2026-11-27T16:45:00-05:00",
    }
    # an unknown client, a duplicate id and a bad priority are 4xx with the reason
    assert _call(host_app, "POST", "/issues", {**issue, "client": "globex"})[0] == 404
    assert _call(host_app, "POST", "/issues", issue)[0] == 409
    status, error = _call(host_app, "POST", "/issues", {**issue, "id": "HUD-10", "priority": "P9"})
    assert status == 422
    assert "P9" in str(error)
    # the sweep on Friday at noon: first response breached, the escalation starts
    status, swept = _call(host_app, "POST", "/sweep?now=2026-11-27T17:00:00Z")
    assert status == 200
    assert "IssueEscalated" in swept["fired"]["HUD-9"]  # type: ignore[index]
    again = _call(host_app, "POST", "/sweep?now=2026-11-27T17:00:00Z")[1]
    assert again == {"fired": {}}
    status, outbox = _call(host_app, "GET", "/outbox")
    assert status == 200
    assert any("HUD-9" in row["recipient"] for row in outbox)  # type: ignore[union-attr]
    # breached at 09:45, unacknowledged at level 1 for 2 business hours: level 2 at 11:45
    escalated = _call(host_app, "GET", "/issues/HUD-9")[1]
    assert escalated["escalation"]["level"] == 2  # type: ignore[index]
    # lists come from the read side, by client or owner, as JSON forms
    status, listed = _call(host_app, "GET", "/issues?client=hudson")
    assert status == 200
    assert [(row["id"], row["kind"]) for row in listed] == [("HUD-9", "issue")]  # type: ignore[index,union-attr]
    assert _call(host_app, "GET", "/issues?owner=nobody")[1] == []
    assert _call(host_app, "GET", "/issues/NOPE")[0] == 404


def test_fastapi_host_serves_a_workspace_with_json_forms() -> None:
    """FastAPI routes over one workspace: JSON forms out, typed errors as HTTP statuses."""
    from fastapi.testclient import TestClient  # noqa: PLC0415 - test extra

    import clientflow  # noqa: PLC0415

    module = _module(EXAMPLES / "fastapi_host" / "app.py")
    clock = ManualClock(pendulum.datetime(2026, 11, 25, 21, 45))  # Wed 16:45 in New York
    workspace = clientflow.open("memory://", EXAMPLES / "rules.toml", clock=clock)
    client = TestClient(module.create_app(workspace))
    contact = {"id": "hudson-contact", "roles": ["client"], "clients": ["hudson"]}
    body = {
        "id": "HUD-1",
        "by": contact,
        "client": "hudson",
        "project": "hudson-site",
        "title": "Search is down",
        "priority": "P1",
        "owner": "mia",
    }
    created = client.post("/issues", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["clocks"][0]["deadline"] == "2026-11-27T14:45:00+00:00"
    assert client.post("/issues", json=body).status_code == 409  # already exists
    assert client.post("/issues", json={**body, "id": "HUD-2", "priority": "P9"}).status_code == 422
    assert client.get("/issues/NOPE").status_code == 404
    refused = client.post("/issues/HUD-1/acknowledge", json={"by": {"id": "mallory"}})
    assert refused.status_code == 403
    done = client.post("/issues/HUD-1/acknowledge", json={"by": {"id": "mia"}})
    assert done.json()["status"] == "acknowledged"
    listed = client.get("/issues", params={"owner": "mia"}).json()
    assert [row["id"] for row in listed] == ["HUD-1"]
    bad_id = client.post("/issues", json={**body, "id": "HUD 3 "})
    assert (bad_id.status_code, bad_id.json()["field"]) == (422, "issue id")
