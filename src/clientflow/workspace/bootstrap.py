"""The composition root: which workflow kinds a workspace runs, wired to its rules once.

The built-in workflows' kinds come from the rules (:meth:`Rules.kinds`), a host's custom
ones from their :class:`~clientflow.core.Workflow` declarations; the engine fires the
timers of these kinds, and turns their aggregates and events into the neutral records
the store keeps, so the store is opened once, before the rules are known, and knows none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from clientflow.config import Rules
from clientflow.core import (
    Actor,
    Codec,
    Description,
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

NEEDS = ("calendar", "approval", "directory", "rules")
"""What a custom workflow's commands and timer may need from the rules (see :func:`needed`)."""


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
    custom = [
        workflow.kind(_timer_context(rules, workflow.describe))
        for workflow in _checked([*workflows, *rules.custom()])
    ]
    return Codec([*rules.kinds(), *custom], rules=rules.fingerprint if rules.source else None)


def needed(rules: Rules, needs: tuple[str, ...], client: str) -> dict[str, object]:
    """What a custom workflow's command or timer ``needs`` from the rules, for ``client``.

    ``calendar`` (the client's business calendar), ``approval`` (its approval policy,
    with the approval groups of ``[approval]``), ``directory`` (role -> people, as the
    client's work sees them: never people the rules bind to other clients only; the
    whole ``[directory]`` for work of no client), ``rules`` (all of them).
    """
    context: dict[str, object] = {}
    for need in needs:  # a chain, not a table of lambdas: this runs per command
        if need == "calendar":
            context[need] = rules.calendar_for(client)
        elif need == "approval":
            context[need] = rules.approval_for(client)
        elif need == "directory":
            # another client's sponsor must never vote on, or be copied on, this item
            context[need] = rules.directory_for(client) if client else rules.directory
        elif need == "rules":
            context[need] = rules
        else:
            raise ValidationError("needs", f"some of {', '.join(NEEDS)}", got=need)
    return context


def _client(describe: Callable[[Any], Description] | None, aggregate: object) -> str:
    return "" if describe is None else describe(aggregate).client


def _timer_context(
    rules: Rules, describe: Callable[[Any], Description] | None
) -> Callable[[tuple[str, ...], Any], Mapping[str, object]]:
    return lambda needs, aggregate: needed(rules, needs, _client(describe, aggregate))


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
        return _client(self.workflow.describe, aggregate)

    def _resolve(
        self,
        command: str,
        needs: tuple[str, ...],
        aggregate: Any,
        payload: Mapping[str, object],
        by: Actor,
    ) -> Mapping[str, object]:
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
        return self._context(needs, client, lambda: needed(self._workspace.rules, needs, client))


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
