"""The run-time transition table, derived once from a python-statemachine declaration.

Each workflow declares its states and transitions once, in its ``machine.py``, with
python-statemachine. Driving that engine per command costs hundreds of microseconds
(instantiation ~340 us, ~130 us per event), so :meth:`TransitionTable.from_machine`
reads the declaration once into plain dicts; a transition check is then one lookup.
Guards and validators (``cond=``, ``unless=``, ``validators=``) are refused: rules that
depend on data live in the workflow's ``policy.py``, with typed errors of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs
from statemachine import StateMachine
from statemachine.contrib.diagram import formatter
from statemachine.contrib.diagram.graphviz import GraphvizError

from clientflow.core.errors import TransitionNotAllowed, ValidationError

__all__ = ["TransitionTable"]


@attrs.frozen
class TransitionTable:
    """Which events each state accepts and where they lead.

    >>> from statemachine import State, StateMachine
    >>> class Door(StateMachine):
    ...     shut = State(initial=True)
    ...     ajar = State()
    ...     gone = State(final=True)
    ...     open = shut.to(ajar)
    ...     close = ajar.to(shut)
    ...     remove = shut.to(gone) | ajar.to(gone)
    >>> table = TransitionTable.from_machine(Door)
    >>> table.target("shut", "open")
    'ajar'
    >>> table.allowed("ajar")
    ('close', 'remove')
    >>> table.target("gone", "open")
    Traceback (most recent call last):
    ...
    clientflow.core.errors.TransitionNotAllowed: cannot 'open' in state 'gone'; \
allowed: nothing (final state)
    """

    machine: type[StateMachine]
    initial: str
    states: tuple[str, ...]
    final: frozenset[str]
    _targets: Mapping[tuple[str, str], str] = attrs.field(alias="targets")
    _allowed: Mapping[str, tuple[str, ...]] = attrs.field(alias="allowed")

    @classmethod
    def from_machine(cls, machine: type[StateMachine]) -> TransitionTable:
        """Read states and transitions from a python-statemachine class."""
        targets: dict[tuple[str, str], str] = {}
        initial = None
        for state in machine.states:
            if state.initial:
                initial = state.id
            for transition in state.transitions:
                if list(transition.cond) or list(transition.validators):
                    raise ValidationError(
                        f"{machine.__name__}.{transition.event}",
                        "a transition without guards (put data rules in policy.py)",
                    )
                for event in transition.events:
                    key = (state.id, event.id)
                    if key in targets and targets[key] != transition.target.id:
                        raise ValidationError(
                            f"{machine.__name__}.{event.id}",
                            f"one target per source state (from {state.id!r})",
                        )
                    targets[key] = transition.target.id
        if initial is None:
            raise ValidationError(machine.__name__, "a state machine with an initial state")
        states = tuple(state.id for state in machine.states)
        allowed = {
            state: tuple(sorted(event for (source, event) in targets if source == state))
            for state in states
        }
        return cls(
            machine=machine,
            initial=initial,
            states=states,
            final=frozenset(state.id for state in machine.states if state.final),
            targets=MappingProxyType(targets),
            allowed=MappingProxyType(allowed),
        )

    def target(self, state: str, event: str) -> str:
        """Where ``event`` leads from ``state``; ``TransitionNotAllowed`` if nowhere."""
        found = self._targets.get((state, event))
        if found is None:
            raise TransitionNotAllowed(state, event, self.allowed(state))
        return found

    def allowed(self, state: str) -> tuple[str, ...]:
        """The events ``state`` accepts, sorted."""
        try:
            return self._allowed[state]
        except KeyError:
            raise ValidationError("state", f"one of {', '.join(self.states)}", got=state) from None

    def can(self, state: str, event: str) -> bool:
        """Whether ``event`` is allowed in ``state``."""
        return (state, event) in self._targets

    @property
    def events(self) -> tuple[str, ...]:
        """Every event name of the machine, sorted."""
        return tuple(sorted({event for (_, event) in self._targets}))

    def transitions(self) -> tuple[tuple[str, str, str], ...]:
        """``(source, event, target)`` for every transition, in declaration order."""
        return tuple((source, event, target) for (source, event), target in self._targets.items())

    def mermaid(self) -> str:
        """A Mermaid ``stateDiagram-v2`` of the declaration, drawn by python-statemachine."""
        return formatter.render(self.machine, "mermaid")

    def dot(self) -> str:
        """A Graphviz ``digraph`` of the declaration, drawn by python-statemachine.

        Needs ``pydot`` (``pip install 'clientflow[diagrams]'``).
        """
        _needs_pydot()
        return formatter.render(self.machine, "dot")

    def svg(self) -> str:
        """The diagram as SVG: ``dot()`` rendered by Graphviz's ``dot`` program."""
        _needs_pydot()
        try:
            return formatter.render(self.machine, "svg")
        except GraphvizError as error:
            raise ValidationError(
                "format",
                "svg with Graphviz's 'dot' program on PATH (e.g. apt-get install graphviz);"
                " mermaid needs nothing",
                got=str(error),
            ) from None


def _needs_pydot() -> None:
    try:
        import pydot  # noqa: F401, PLC0415 - only dot and svg diagrams need it
    except ImportError:
        raise ValidationError(
            "format",
            "dot or svg with the diagrams extra installed: pip install 'clientflow[diagrams]'"
            " (mermaid needs nothing)",
        ) from None
