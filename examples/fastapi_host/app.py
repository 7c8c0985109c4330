"""The same embedding as the WSGI example, as a FastAPI app over one clientflow workspace.

    pip install fastapi uvicorn
    CLIENTFLOW_STORE=sqlite:///app.db uvicorn examples.fastapi_host.app:app

Routes take and return JSON: clientflow's JSON forms out, enum values as strings in.
clientflow's typed errors become HTTP answers: NotFound -> 404, ValidationError and
ConfigError -> 422 (with the field), PermissionDenied -> 403, other errors -> 409.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import clientflow
from clientflow import Actor, json_form
from clientflow.core import (
    ClientflowError,
    ConfigError,
    NotFound,
    PermissionDenied,
    ValidationError,
    parse_instant,
)
from clientflow.workspace import Workspace

RULES = Path(__file__).parents[1] / "rules.toml"


def create_app(workspace: Workspace) -> FastAPI:
    """A FastAPI app serving one workspace (tests pass one on a store of their own)."""
    app = FastAPI(title="clientflow host")

    @app.exception_handler(ClientflowError)
    async def refused(request: Request, error: ClientflowError) -> JSONResponse:
        status = 409
        if isinstance(error, NotFound):
            status = 404
        elif isinstance(error, ValidationError | ConfigError):
            status = 422
        elif isinstance(error, PermissionDenied):
            status = 403
        body: dict[str, Any] = {"error": str(error)}
        if isinstance(error, ValidationError):
            body["field"] = error.field
        return JSONResponse(body, status_code=status)

    def actor(data: dict[str, Any]) -> Actor:
        who = data.get("by") or {}
        # The clients a client's person belongs to come from the host's login.
        return Actor(who.get("id"), who.get("roles", ()), who.get("clients", ()))

    @app.post("/issues", status_code=201)
    def report(data: dict[str, Any]) -> Any:
        result = workspace.issues.report(
            data.get("id"),  # type: ignore[arg-type]
            by=actor(data),
            client=data.get("client"),  # type: ignore[arg-type]
            project=data.get("project", data.get("client")),  # type: ignore[arg-type]
            title=data.get("title"),  # type: ignore[arg-type]
            priority=data.get("priority"),  # type: ignore[arg-type]
            owner=data.get("owner"),  # type: ignore[arg-type]
            key=data.get("key"),
        )
        return json_form(result.aggregate)

    @app.get("/issues/{issue_id}")
    def issue(issue_id: str) -> Any:
        return json_form(workspace.issues.get(issue_id))

    @app.post("/issues/{issue_id}/acknowledge")
    def acknowledge(issue_id: str, data: dict[str, Any]) -> Any:
        return json_form(workspace.issues.acknowledge(issue_id, by=actor(data)).aggregate)

    @app.get("/issues")
    def issues(
        client: str | None = None, owner: str | None = None, after: str | None = None
    ) -> Any:
        return json_form(workspace.issues.list(client=client, owner=owner, after=after))

    @app.post("/sweep")
    def sweep(now: str | None = None) -> Any:
        report = workspace.sweep(None if now is None else parse_instant(now, "now"))
        return {"fired": {aggregate_id: json_form(events) for aggregate_id, events in report.fired}}

    return app


def _default() -> FastAPI:
    return create_app(
        clientflow.open(os.environ.get("CLIENTFLOW_STORE", "sqlite:///app.db"), RULES)
    )


if __name__ != "__main__" and os.environ.get("CLIENTFLOW_STORE"):
    app = _default()
