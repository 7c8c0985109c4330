"""What a client's people see of a rules-workflow item: the label the rules give its
state for the client (``client_states``), what they were told along the way, and what
they may do now. Internal state names, approvers, votes, owners and fields stay out.

A host's client portal shows :func:`client_view` as it is (its JSON form via
:func:`clientflow.json_form`); the workspace builds it with
``ws.workflow(name).client_view(id, by=...)``.
"""  # noqa: D205

from __future__ import annotations

from collections.abc import Iterable

import attrs
import pendulum

from clientflow.config.flow_steps import APPROVE, REJECT
from clientflow.config.flows import FlowSpec, Item, ItemMigrated, ItemStepped
from clientflow.core import Actor, CommandSet, DomainEvent, refusal

__all__ = ["ClientStep", "ClientView", "client_view"]


@attrs.frozen
class ClientStep:
    """One thing the client was told: ``label`` (as the rules word it) at ``at``."""

    at: pendulum.DateTime
    label: str


@attrs.frozen
class ClientView:
    """A rules-workflow item as its client's people see it.

    ``label`` is what its state reads for the client (empty: a state the rules keep
    internal, shown by a host as "in progress"); ``steps`` what the client was told, in
    order; ``actions`` the commands the viewer may run on it now (a client's
    confirmation, a vote they hold), as ``run`` takes them.
    """

    id: str
    noun: str
    label: str
    closed: bool
    steps: tuple[ClientStep, ...]
    actions: tuple[str, ...]


def client_view(
    item: Item,
    history: Iterable[DomainEvent],
    *,
    spec: FlowSpec,
    commands: CommandSet[Item],
    viewer: Actor,
    at: pendulum.DateTime,
) -> ClientView:
    """``item`` (with its ``history``, under its definition ``spec`` and ``commands``) as
    ``viewer`` sees it at ``at``; the caller has checked the viewer may see the item."""  # noqa: D205, D209
    shown = spec.steps.client_states
    steps: list[ClientStep] = []
    first = shown.get(spec.states[0], "")
    if first:
        steps.append(ClientStep(item.opened_at, first))
    for event in history:
        if isinstance(event, ItemStepped | ItemMigrated) and event.client_label:
            steps.append(ClientStep(event.occurred_at, event.client_label))
    return ClientView(
        id=item.id,
        noun=spec.noun,
        label=shown.get(item.status, ""),
        closed=item.closed,
        steps=tuple(steps),
        actions=_actions(item, commands, viewer, at),
    )


def _actions(
    item: Item, commands: CommandSet[Item], viewer: Actor, at: pendulum.DateTime
) -> tuple[str, ...]:
    if item.closed:
        return ()
    parties = commands.parties(item) if commands.parties is not None else None
    found = []
    for name in commands.allowed(item.status):
        if name in (APPROVE, REJECT):
            current = item.round
            principal = None if current is None else current.principal_for(viewer.id, at)
            if (
                current is not None
                and principal in current.pending()
                and item.requester not in (viewer.id, principal)
            ):
                found.append(name)
            continue
        rule = commands.command(name).permission
        if rule is None or refusal(rule, viewer, parties) is None:
            found.append(name)
    return tuple(found)
