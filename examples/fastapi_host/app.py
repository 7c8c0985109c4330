"""The same embedding as the WSGI example, as a FastAPI app over one clientflow workspace.

    pip install fastapi uvicorn
    export CLIENTFLOW_STORE=sqlite:///app.db CLIENTFLOW_RULES=examples/rules.toml
    uvicorn examples.fastapi_host.app:app

``CLIENTFLOW_STORE`` names the store; ``CLIENTFLOW_RULES`` the rules file for a new store
(an existing store runs under the rules it recorded, so leave it out for yours).

Routes take and return JSON: clientflow's JSON forms out (described in the OpenAPI
document by clientflow's own outputs schema), enum values as strings in. Every error,
clientflow's and the request validation's alike, is an RFC 9457 problem
(``application/problem+json``): NotFound of the resource in the URL -> 404; a body that
is wrong (bad values, an unknown client, a missing ``by``) -> 422 naming the field;
PermissionDenied -> 403; a conflict with the current state -> 409. The OpenAPI document
is published beside this file (``openapi.json``).
"""

import json
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

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
from clientflow.workspace import OUTPUTS_SCHEMA_FILE, Workspace

OPENAPI_FILE = Path(__file__).with_name("openapi.json")
"""The published OpenAPI document (a test checks it is the app's own)."""

PROBLEM = "application/problem+json"


class ActorIn(BaseModel):
    """Who acts: the host's user id, roles and (a client's person) clients, from its login."""

    id: str = Field(examples=["mia"])
    roles: list[str] = Field(default_factory=list, examples=[["client"]])
    clients: list[str] = Field(default_factory=list, examples=[["hudson"]])


class Acting(BaseModel):
    """A command's body: who acts."""

    by: ActorIn


class ReportIssue(Acting):
    """A new issue; ``project`` defaults to the client's id."""

    id: str = Field(examples=["HUD-1"])
    client: str = Field(examples=["hudson"])
    project: str | None = Field(default=None, examples=["hudson-site"])
    title: str = Field(examples=["Search is down"])
    priority: str = Field(examples=["P1"])
    owner: str = Field(examples=["mia"])
    key: str | None = Field(default=None, description="Idempotency key for retries.")


class Problem(BaseModel):
    """An RFC 9457 problem: ``field`` names the part of the request that was wrong."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    field: str | None = None
    errors: list[dict[str, str]] | None = None


class SweepSummary(BaseModel):
    """What a sweep did, in numbers (the events themselves are in the feed)."""

    aggregates: int
    events: int
    by_type: dict[str, int]
    failed: int
    skipped: int


_TITLES = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Content",
}


def _problem(request: Request, status: int, detail: str, **extra: Any) -> JSONResponse:
    body = Problem(
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=request.url.path,
        **extra,
    )
    return JSONResponse(body.model_dump(exclude_none=True), status, media_type=PROBLEM)


class _BodyRefersToUnknown(Exception):
    """A NotFound for something the body names (not the URL): the body is wrong."""

    def __init__(self, error: NotFound, field: str) -> None:
        super().__init__(str(error))
        self.field = field


@contextmanager
def _names_in_body(field: str) -> Iterator[None]:
    try:
        yield
    except NotFound as error:
        raise _BodyRefersToUnknown(error, field) from error


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    problem = {"content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    return {status: {"description": _TITLES[status], **problem} for status in statuses}


def _json_form(name: str) -> dict[int | str, dict[str, Any]]:
    schema = {"$ref": f"#/components/schemas/{name}"}
    return {"content": {"application/json": {"schema": schema}}}  # type: ignore[dict-item]


def _with_outputs(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document, with clientflow's outputs schema as its components."""
    if app.openapi_schema is None:
        document = FastAPI.openapi(app)
        outputs = OUTPUTS_SCHEMA_FILE.read_text(encoding="utf-8")
        defs = json.loads(outputs.replace("#/$defs/", "#/components/schemas/"))["$defs"]
        document["components"]["schemas"] = {**defs, **document["components"]["schemas"]}
        app.openapi_schema = document
    return app.openapi_schema


def create_app(workspace: Workspace) -> FastAPI:
    """A FastAPI app serving one workspace (tests pass one on a store of their own)."""
    app = FastAPI(title="clientflow host", version=clientflow.__version__)

    @app.exception_handler(ClientflowError)
    async def refused(request: Request, error: ClientflowError) -> JSONResponse:
        if isinstance(error, NotFound):
            return _problem(request, 404, str(error))
        if isinstance(error, ValidationError):
            return _problem(request, 422, str(error), field=error.field)
        if isinstance(error, ConfigError):
            return _problem(request, 422, str(error))
        if isinstance(error, PermissionDenied):
            return _problem(request, 403, str(error))
        return _problem(request, 409, str(error))

    @app.exception_handler(_BodyRefersToUnknown)
    async def unknown(request: Request, error: _BodyRefersToUnknown) -> JSONResponse:
        return _problem(request, 422, str(error), field=error.field)

    @app.exception_handler(HTTPException)
    async def http(request: Request, error: HTTPException) -> JSONResponse:
        # Starlette's own refusals (a body that is not JSON, a wrong method) as problems.
        return _problem(request, error.status_code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = []
        for found in error.errors():
            where = ".".join(str(part) for part in found["loc"][1:]) or str(found["loc"][0])
            message = found["msg"]
            if found["type"] == "missing" and where == "by":
                message = 'by is required: who acts, as {"id": "...", "roles": [...]}'
            errors.append({"field": where, "message": message})
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        first = errors[0]["field"] if errors else None
        return _problem(request, 422, detail, field=first, errors=errors)

    def actor(body: Acting) -> Actor:
        return Actor(body.by.id, body.by.roles, body.by.clients)

    @app.post(
        "/issues",
        status_code=201,
        responses={201: _json_form("Issue"), **_responses(400, 403, 409, 422)},
    )
    def report(body: ReportIssue) -> Any:
        """Report an issue: SLA clocks start on the client's calendar."""
        with _names_in_body("client"):
            result = workspace.issues.report(
                body.id,
                by=actor(body),
                client=body.client,
                project=body.project or body.client,
                title=body.title,
                priority=body.priority,
                owner=body.owner,
                key=body.key,
            )
        return json_form(result.aggregate)

    @app.get("/issues/{issue_id}", responses={200: _json_form("Issue"), **_responses(404, 422)})
    def issue(issue_id: str) -> Any:
        """One issue as its JSON form."""
        return json_form(workspace.issues.get(issue_id))

    @app.post(
        "/issues/{issue_id}/acknowledge",
        responses={200: _json_form("Issue"), **_responses(400, 403, 404, 409, 422)},
    )
    def acknowledge(issue_id: str, body: Acting) -> Any:
        """The team acknowledges the issue (stops the first-response clock)."""
        return json_form(workspace.issues.acknowledge(issue_id, by=actor(body)).aggregate)

    @app.get(
        "/issues",
        responses={
            200: {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/AggregateRow"},
                        }
                    }
                }
            },
            **_responses(422),
        },
    )
    def issues(
        client: str | None = None, owner: str | None = None, after: str | None = None
    ) -> Any:
        """Issues from the read side, by client or owner, a page at a time."""
        return json_form(workspace.issues.list(client=client, owner=owner, after=after))

    @app.post("/sweep", response_model=SweepSummary, responses=_responses(422))
    def sweep(now: str | None = None) -> SweepSummary:
        """Fire every timer due by ``now`` (default: the clock); answer what it did."""
        report = workspace.sweep(None if now is None else parse_instant(now, "now"))
        types = Counter(event.event_type for _, events in report.fired for event in events)
        return SweepSummary(
            aggregates=len(report.fired),
            events=sum(types.values()),
            by_type=dict(sorted(types.items())),
            failed=len(report.failed),
            skipped=len(report.skipped),
        )

    app.openapi = lambda: _with_outputs(app)  # type: ignore[method-assign]
    return app


def from_environment() -> FastAPI:
    """The app on ``CLIENTFLOW_STORE`` under ``CLIENTFLOW_RULES`` (for a new store)."""
    store = os.environ["CLIENTFLOW_STORE"]
    rules = os.environ.get("CLIENTFLOW_RULES") or None
    return create_app(clientflow.open(store, rules))


if __name__ != "__main__" and os.environ.get("CLIENTFLOW_STORE"):
    app = from_environment()
