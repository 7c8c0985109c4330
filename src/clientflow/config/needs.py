"""What a custom workflow's commands and timers take from the rules, for an item's client.

A :class:`~clientflow.core.Workflow` names its ``needs`` (``calendar``, ``approval``,
``directory``, ``rules``); :func:`needed` resolves them for one client, and
:func:`timer_context` does it for a timer from the aggregate's own client. Both the
rules' codec (:meth:`Rules.codec`) and a workspace use them, so a sweep from the command
line fires a rules workflow's timers exactly as a workspace does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from clientflow.core import Description, ValidationError

if TYPE_CHECKING:
    from clientflow.config.model import Rules

__all__ = ["NEEDS", "client_of", "needed", "timer_context"]

NEEDS = ("calendar", "approval", "directory", "rules")
"""What a custom workflow's commands and timer may need from the rules (see :func:`needed`)."""


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


def client_of(describe: Callable[[Any], Description] | None, aggregate: object) -> str:
    """The client ``aggregate`` belongs to, as its workflow's ``describe`` says ("" if none)."""
    return "" if describe is None else describe(aggregate).client


def timer_context(
    rules: Rules, describe: Callable[[Any], Description] | None
) -> Callable[[tuple[str, ...], Any], Mapping[str, object]]:
    """What a workflow's timer needs for an aggregate, from ``rules`` for its client."""
    return lambda needs, aggregate: needed(rules, needs, client_of(describe, aggregate))
