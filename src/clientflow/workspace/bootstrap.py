"""The composition root: which workflow kinds a workspace runs, wired to its rules once.

The built-in workflows' kinds come from the rules (:meth:`Rules.kinds`), a host's custom
ones from their :class:`~clientflow.core.Workflow` declarations; the engine fires the
timers of these kinds, and turns their aggregates and events into the neutral records
the store keeps, so the store is opened once, before the rules are known, and knows none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from clientflow.config import Rules
from clientflow.config.needs import NEEDS, client_of, needed, timer_context
from clientflow.core import (
    CLIENT_ROLE,
    Actor,
    Codec,
    PermissionDenied,
    ValidationError,
    Workflow,
    tenant_failure,
)
from clientflow.workspace.base import Service

__all__ = [
    "NEEDS",
    "WorkflowService",
    "codec_for",
    "needed",
    "records_codec",
    "service_for",
]


def _checked(workflows: Sequence[Workflow[Any]]) -> tuple[Workflow[Any], ...]:
    builtin = set(Rules({}).codec().kinds)
    seen: set[str] = set()
    for workflow in workflows:
        if not isinstance(workflow, Workflow):
            raise ValidationError("workflows", "Workflow declarations", got=workflow)
        if workflow.name in builtin or workflow.name in seen:
            taken = ", ".join(sorted(builtin | seen))
            raise ValidationError(
                "workflows", f"a kind name not taken ({taken})", got=workflow.name
            )
        seen.add(workflow.name)
    return tuple(workflows)


def records_codec(workflows: Sequence[Workflow[Any]] = ()) -> Codec:
    """A codec that reads and writes the records of the built-in and ``workflows``' kinds
    (no timer fires through it): what a store is built with."""  # noqa: D205, D209
    custom = [workflow.kind() for workflow in _checked(workflows)]
    return Codec([*Rules({}).kinds(), *custom])


def codec_for(rules: Rules, workflows: Sequence[Workflow[Any]] = ()) -> Codec:
    """The kinds a workspace runs, every timer wired to ``rules``: the one place they are
    registered (the built-in ones, the rules' own ``[workflows]`` and ``workflows``)."""  # noqa: D205, D209
    _checked([*workflows, *rules.custom()])
    hosts = [workflow.kind(timer_context(rules, workflow.describe)) for workflow in workflows]
    return Codec(
        [*rules.kinds(), *rules.own_kinds(), *hosts],
        rules=rules.fingerprint if rules.source else None,
    )


class WorkflowService(Service[Any]):
    """A host's custom workflow in a workspace: its declared commands, as methods and
    through :meth:`run`, plus ``get`` and ``list`` from the read side.

    A command's ``needs`` come from :func:`needed` for the aggregate's client (what its
    ``describe`` says, or the ``client`` field of a creating command's payload); a
    client's people act only within their client.
    """  # noqa: D205

    workflow: Workflow[Any]

    def _client_of(self, aggregate: Any) -> str:
        """The client ``aggregate`` belongs to, as its workflow's ``describe`` says."""
        return client_of(self.workflow.describe, aggregate)

    def _resolve(
        self,
        command: str,
        needs: tuple[str, ...],
        aggregate: Any,
        payload: Mapping[str, object],
        by: Actor,
    ) -> Mapping[str, object]:
        if not needs and not by.clients and CLIENT_ROLE not in by.roles:
            return {}  # the unscoped team acts on every client's work: nothing to find
        if aggregate is not None:
            client = self._client_of(aggregate)
            target = aggregate.id
        else:
            given = payload.get("client", "")
            client = given if isinstance(given, str) else ""
            target = "new"
        refused = tenant_failure(by, client) if client else None  # require's client check
        if refused is not None:  # the action in words only for the error
            raise PermissionDenied(by.id, self.workflow.declared.doing(command, target), refused)
        if not needs:
            return {}
        return self._context(needs, client, needed)


def service_for(workflow: Workflow[Any]) -> type[WorkflowService]:
    """The service class of a custom workflow (its commands become its methods)."""
    name = "".join(part.title() for part in workflow.name.split("_")) + "Service"
    names = workflow.declared.names
    return type(
        name,
        (WorkflowService,),
        {
            "__module__": __name__,
            "__doc__": f"The {workflow.noun} workflow's commands: {', '.join(names)}.",
            "noun": workflow.noun,
            "kind": workflow.name,
            "aggregate": workflow.aggregate,
            "declared": workflow.declared,
            "workflow": workflow,
        },
    )
