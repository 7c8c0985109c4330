"""The service of a workflow declared in the rules file.

Its commands run by the definition each item started under; ``migrate`` moves an item
onto the one in force.

Commands on an item opened under an earlier rules revision are checked (state, who,
fields) and decided by that revision's definition; new items take the definition in
force. ``migrate`` moves one item onto it (its state mapped by the new revision's
``[workflows.X.migrate] states``), ``migrate_all`` every open item or none.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

import pendulum

from clientflow.config.flow_fields import fields_schema
from clientflow.config.flow_versions import FlowVersions
from clientflow.config.flow_view import ClientView, client_view
from clientflow.config.flows import Item
from clientflow.core import (
    Actor,
    ConfigError,
    ConfigProblem,
    Decision,
    OnTeam,
    PermissionDenied,
    ValidationError,
    Workflow,
    require,
    to_utc,
)
from clientflow.engine import Result
from clientflow.ports import Query
from clientflow.workspace.base import binds_itself, reader
from clientflow.workspace.bootstrap import WorkflowService, service_for

if TYPE_CHECKING:
    from clientflow.workspace.core import Workspace

__all__ = ["RulesFlowService", "draw", "rules_service_for"]


_TEAM = OnTeam()


class RulesFlowService(WorkflowService):
    """A rules workflow's commands, each item's by the definition it runs under, plus
    :meth:`migrate`, :meth:`migrate_all`, :meth:`schema` and :meth:`diagram`."""  # noqa: D205, D209

    aggregate: ClassVar[type[Item]]
    """The workflow's own :class:`Item` class (:func:`~clientflow.config.flows.item_type`)."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self._earlier: dict[str, WorkflowService] = {}
        """The services of earlier definitions, by fingerprint, built when first needed."""

    def _client_of(self, aggregate: Any) -> str:
        # A rules workflow's describe gives an item's own client: read it without
        # building the whole Description on every command.
        client: str = aggregate.client
        return client

    def _versions(self) -> FlowVersions:
        return self._workspace.rules.flow_versions(self.kind)

    @binds_itself  # both paths end in a Service.run, which binds and checks the project
    def run(
        self,
        aggregate_id: str,
        command: str,
        *,
        by: Actor,
        at: dt.datetime | None = None,
        key: str | None = None,
        **payload: object,
    ) -> Result[Any]:
        """Run ``command`` on ``aggregate_id`` by the definition the item runs under
        (the one in force for ``open``); see :meth:`Service.run`."""  # noqa: D205, D209
        versions = self._versions()
        if versions.earlier and command != "open" and isinstance(aggregate_id, str):
            found = self._workspace.engine.kinded.load(aggregate_id)
            if (
                isinstance(found, self.aggregate)
                and found.definition in versions.earlier
                # one ``by`` may not see runs as an unused id would: by the one in force
                # (``by`` as the rules bind it: run is not wrapped by the binding)
                and not (
                    isinstance(by, Actor) and self._unseen(found, self._workspace.rules.bind(by))
                )
            ):
                earlier = self._earlier.get(found.definition)
                if earlier is None:
                    earlier = service_for(versions.of(found))(self._workspace)
                    self._earlier[found.definition] = earlier
                return earlier.run(aggregate_id, command, by=by, at=at, key=key, **payload)
        return self._run(aggregate_id, command, by, at, key, payload)

    def migrate(
        self,
        aggregate_id: str,
        *,
        by: Actor,
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[Item]:
        """Move the item onto the definition in force, its state mapped by the rules'
        ``[workflows.X.migrate] states``; refused (:class:`ConfigError` at the key) when
        the mapping cannot place it, the item untouched."""  # noqa: D205, D209
        self._team_only(by, f"migrate {self.noun} {aggregate_id}")
        return self._migrate(aggregate_id, by=by, at=at, key=key, skip_moved=False)

    def _migrate(
        self,
        aggregate_id: str,
        *,
        by: Actor,
        at: dt.datetime | None,
        key: str | None,
        skip_moved: bool,
    ) -> Result[Item]:
        """:meth:`migrate`; with ``skip_moved``, an item another process has moved onto
        the definition in force, or closed, meanwhile is left as it is (no event)."""  # noqa: D205, D209
        versions = self._versions()

        def step(item: Item, now: pendulum.DateTime) -> Decision[Item]:
            if skip_moved and (item.definition == versions.current.fingerprint or item.closed):
                return Decision(item, ())
            context = self._resolve("migrate", ("calendar", "directory"), item, {}, by)
            return versions.migrate(
                item,
                actor=by,
                now=now,
                calendar=context["calendar"],  # type: ignore[arg-type]
                directory=context["directory"],  # type: ignore[arg-type]
            )

        return self._act(aggregate_id, step, at, key, by)

    def migrate_all(self, *, by: Actor, at: dt.datetime | None = None) -> tuple[str, ...]:
        """Move every open item ``by`` may act on under an earlier definition onto the
        one in force, or none: whether the mapping places each is checked for all of them
        first, the problems reported together, before any is moved. Someone scoped to
        some clients moves those clients' items, and is told nothing of the others. Each
        item then moves in its own transaction (there is none across items): one another
        process moved onto the definition in force, or closed, meanwhile is skipped.
        Returns the ids moved."""  # noqa: D205, D209
        versions = self._versions()
        self._team_only(by, f"migrate every {self.noun}")
        rows = self._workspace.all_rows(Query(kind=self.kind, open=True))
        loaded = self._workspace.engine.kinded.load_many([row.id for row in rows])
        waiting = [
            item
            for item in loaded.values()
            if isinstance(item, self.aggregate)
            and item.definition != versions.current.fingerprint
            and not self._unseen(item, by)
        ]
        for item in waiting:  # a rule the handler does not check refuses them all
            self._resolve("migrate", (), item, {}, by)
        problems: dict[tuple[str, str], ConfigProblem] = {}
        for item in waiting:
            for problem in versions.problems(item):
                problems.setdefault((problem.path, problem.message), problem)
        if problems:
            raise ConfigError(list(problems.values()))
        moved = [
            item.id
            for item in waiting
            if self._migrate(item.id, by=by, at=at, key=None, skip_moved=True).events
        ]
        return tuple(moved)

    @reader
    def client_view(
        self, aggregate_id: str, *, by: Actor, at: dt.datetime | None = None
    ) -> ClientView:
        """The item as its client's people see it (see :mod:`clientflow.config.flow_view`):
        the label of its state for the client, what they were told, what ``by`` may do
        now. Someone bound to other clients is told it does not exist (``NotFound``), not
        whose it is."""  # noqa: D205, D209
        if not isinstance(by, Actor):
            raise ValidationError("by", "an Actor", got=by)
        by = self._workspace.rules.bind(by)
        item = self._seen(aggregate_id, by)
        versions = self._versions()
        now = self._workspace.clock.now() if at is None else to_utc(at, "at")
        return client_view(
            item,
            self._workspace.history(item.id),
            spec=versions.spec_of(item),
            commands=versions.of(item).declared,
            viewer=by,
            at=now,
        )

    def _team_only(self, by: Actor, action: str) -> None:
        """Moving items between definitions is the team's: a client's people may not."""
        if not isinstance(by, Actor):
            raise ValidationError("by", "an Actor", got=by)
        contacts = {c for client in self._workspace.rules.clients.values() for c in client.contacts}
        if by.id in contacts:  # a contact the rules list, whatever roles the host gave
            raise PermissionDenied(by.id, action, str(_TEAM))
        require(_TEAM, by, action)

    def schema(self, command: str) -> dict[str, object]:
        """The JSON Schema of ``command``'s typed fields under the definition in force
        (``open`` also takes ``client``, ``owner`` and an optional ``project``)."""  # noqa: D205, D209
        spec = self._versions().current
        if command == "open":
            found = fields_schema(spec.fields)
            properties = {
                "client": {"type": "string", "minLength": 1},
                "owner": {"type": "string", "minLength": 1},
                "project": {"type": "string"},
                **found["properties"],  # type: ignore[dict-item]
            }
            required = ["client", "owner", *found["required"]]  # type: ignore[misc]
            return {**found, "properties": properties, "required": required}
        for transition in spec.transitions:
            if transition.name == command:
                return fields_schema(transition.fields)
        names = ", ".join(["open", *(t.name for t in spec.transitions)])
        raise ValidationError("command", f"one of {names}", got=command)

    def diagram(self, definition: str = "", fmt: str = "mermaid") -> str:
        """The state diagram of the definition in force (or of the earlier one whose
        fingerprint is ``definition``), drawn by python-statemachine: ``mermaid``,
        ``dot`` or ``svg``."""  # noqa: D205, D209
        versions = self._versions()
        chosen = versions.definitions.get(definition or versions.current.fingerprint)
        if chosen is None:
            known = ", ".join(versions.definitions)
            raise ValidationError("definition", f"one of {known}", got=definition)
        return draw(chosen, fmt)


def draw(workflow: Workflow[Any], fmt: str) -> str:
    """``workflow``'s diagram in ``fmt`` (mermaid, dot or svg)."""
    table = workflow.table
    if fmt == "mermaid":
        return table.mermaid()
    if fmt == "dot":
        return table.dot()
    if fmt == "svg":
        return table.svg()
    raise ValidationError("format", "one of mermaid, dot, svg", got=fmt)


def rules_service_for(workflow: Workflow[Any]) -> type[RulesFlowService]:
    """The service class of a rules workflow (its commands become its methods)."""
    name = "".join(part.title() for part in workflow.name.split("_")) + "RulesService"
    return type(
        name,
        (RulesFlowService,),
        {
            "__module__": __name__,
            "__doc__": f"The {workflow.noun} workflow's commands: "
            f"{', '.join(workflow.declared.names)}, migrate.",
            "noun": workflow.noun,
            "kind": workflow.name,
            "aggregate": workflow.aggregate,
            "declared": workflow.declared,
            "workflow": workflow,
        },
    )
