"""A small web app that embeds clientflow next to its own PostgreSQL tables.

The host owns ``<prefix>clients`` (its CRM data) and ``<prefix>outbox`` (mails to send);
clientflow owns its event-store tables in the same database. The host implements the
``Notifier`` port by writing to its outbox, so a mail exists exactly when the event that
caused it was saved, and runs the engine's sweep from a cron-like endpoint.

    python examples/web_host/app.py postgresql+psycopg://postgres@127.0.0.1/test 8000

    curl -X POST localhost:8000/clients -d '{"id": "acme", "name": "ACME", "manager": "li"}'
    curl -X POST localhost:8000/issues -d '{"id": "ACME-1", "client": "acme",
                                           "title": "Login fails", "priority": "P1"}'
    curl localhost:8000/issues/ACME-1
    curl 'localhost:8000/issues?client=acme'      # or ?owner=li: the read side, no scan
    curl -X POST 'localhost:8000/sweep?now=2026-12-01T12:00:00Z'

Every clientflow call goes through one workspace (``clientflow.open`` on the store built
on the host's own SQLAlchemy engine); responses are clientflow's JSON forms.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import make_server

import pendulum
import sqlalchemy as sa

import clientflow
from clientflow import escalation
from clientflow.config import Rules, load_rules
from clientflow.core import Actor, ClientflowError, Clock, NotFound, json_form
from clientflow.core import ValidationError as ClientflowValidationError
from clientflow.ports import StoredEvent
from clientflow.storage.sql import SQLAlchemyStore

Environ = dict[str, Any]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
AGENT = Actor("support", {"engineer"})


class HostTables:
    """The host's own tables, beside clientflow's."""

    def __init__(self, prefix: str) -> None:
        self.metadata = sa.MetaData()
        self.clients = sa.Table(
            f"{prefix}clients",
            self.metadata,
            sa.Column("id", sa.String(64), primary_key=True),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("manager", sa.String(64), nullable=False),
        )
        self.outbox = sa.Table(
            f"{prefix}outbox",
            self.metadata,
            sa.Column("event_id", sa.String(200), primary_key=True),  # de-duplicates redelivery
            sa.Column("recipient", sa.String(200), nullable=False),
            sa.Column("body", sa.Text, nullable=False),
        )


class OutboxNotifier:
    """The host's Notifier: client-facing events become rows in its outbox table."""

    def __init__(self, db: sa.Engine, tables: HostTables) -> None:
        self.db, self.tables = db, tables

    def notify(self, event: StoredEvent) -> None:
        """Queue a mail for events the client should hear about."""
        if not isinstance(event.event, escalation.ClientNotified):
            return
        row = {
            "event_id": event.event.event_id,
            "recipient": f"client:{event.event.meta.aggregate_id}",
            "body": event.event.message,
        }
        with self.db.begin() as connection:
            exists = connection.execute(
                sa.select(self.tables.outbox.c.event_id).where(
                    self.tables.outbox.c.event_id == row["event_id"]
                )
            ).first()
            if exists is None:
                connection.execute(self.tables.outbox.insert().values(**row))


class HostApp:
    """The WSGI application."""

    def __init__(
        self, database_url: str, rules: Rules, *, prefix: str = "host_", clock: Clock | None = None
    ) -> None:
        self.db = sa.create_engine(database_url, pool_pre_ping=True)
        self.tables = HostTables(prefix)
        self.tables.metadata.create_all(self.db)
        self.store = SQLAlchemyStore(self.db, prefix=f"{prefix}cf_")  # neutral records
        self.store.create_schema()
        self.rules = rules
        self.ws = clientflow.open(
            self.store, rules, clock=clock, notifier=OutboxNotifier(self.db, self.tables)
        )

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Route a request; clientflow's typed errors become 4xx answers with their message."""
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        try:
            status, body = self._route(method, path, environ)
        except NotFound as error:
            status, body = "404 Not Found", {"error": str(error)}
        except ClientflowValidationError as error:
            status, body = "422 Unprocessable Entity", {"error": str(error), "field": error.field}
        except ClientflowError as error:
            status, body = "409 Conflict", {"error": str(error)}
        payload = json.dumps(body, indent=2).encode()
        start_response(status, [("Content-Type", "application/json")])
        return [payload]

    def _route(self, method: str, path: str, environ: Environ) -> tuple[str, object]:
        if method == "POST" and path == "/clients":
            data = _json(environ)
            with self.db.begin() as connection:
                connection.execute(self.tables.clients.insert().values(**data))
            return "201 Created", data
        if method == "POST" and path == "/issues":
            return "201 Created", self._report(_json(environ))
        if method == "GET" and path == "/issues":
            query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
            rows = self.ws.issues.list(client=query.get("client"), owner=query.get("owner"))
            return "200 OK", json_form(rows)
        match = re.fullmatch(r"/issues/([\w.-]+)(/acknowledge)?", path)
        if match and method == "GET" and not match.group(2):
            return "200 OK", self._issue(match.group(1))
        if match and method == "POST" and match.group(2):
            return "200 OK", self._acknowledge(match.group(1))
        if method == "POST" and path == "/sweep":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            now = pendulum.parse(query["now"][0]) if "now" in query else None
            report = self.ws.sweep(now)  # type: ignore[arg-type]
            return "200 OK", {
                "fired": {aid: [type(e).__name__ for e in events] for aid, events in report.fired}
            }
        if method == "GET" and path == "/outbox":
            with self.db.connect() as connection:
                rows = connection.execute(sa.select(self.tables.outbox)).mappings().all()
            return "200 OK", [dict(row) for row in rows]
        return "404 Not Found", {"error": f"no route for {method} {path}"}

    def _report(self, data: dict[str, str]) -> object:
        with self.db.connect() as connection:
            client = connection.execute(
                sa.select(self.tables.clients).where(self.tables.clients.c.id == data["client"])
            ).first()
        if client is None:
            raise NotFound("client", data["client"])
        result = self.ws.issues.report(
            data["id"],
            by=Actor(f"{data['client']}-contact", {"client"}, clients={data["client"]}),
            client=data["client"],
            project=data["client"],
            title=data["title"],
            priority=data["priority"],
            owner=client.manager,
        )
        return _issue_json(result.aggregate, self.rules)

    def _issue(self, issue_id: str) -> object:
        return _issue_json(self.ws.issues.get(issue_id), self.rules)

    def _acknowledge(self, issue_id: str) -> object:
        return _issue_json(self.ws.issues.acknowledge(issue_id, by=AGENT).aggregate, self.rules)


def _json(environ: Environ) -> dict[str, str]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    data = json.loads(environ["wsgi.input"].read(length) or b"{}")
    if not isinstance(data, dict):
        raise ClientflowValidationError("body", "a JSON object", got=data)
    return data


def _issue_json(issue: escalation.Issue, rules: Rules) -> object:
    """Clientflow's JSON form of the issue, plus its deadlines in the client's zone."""
    tz = rules.calendar_for(issue.client).timezone
    form = json_form(issue)
    assert isinstance(form, dict)
    form["local_deadlines"] = {
        clock.metric: clock.deadline.in_timezone(tz).isoformat() for clock in issue.clocks
    }
    return form


def main() -> None:
    """Serve on the port given, with the example rules."""
    url, port = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 8000
    app = HostApp(url, load_rules(Path(__file__).parents[1] / "rules.toml"))
    with make_server("127.0.0.1", port, app) as server:  # type: ignore[arg-type]
        print(f"serving on http://127.0.0.1:{port}")
        server.serve_forever()


if __name__ == "__main__":
    main()
