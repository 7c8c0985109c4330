"""Commands declared once: name, transition, handler, permission, context and payload.

A workflow's commands are data, like its transitions (h11's ``_state.py``): one
:class:`Command` per command says the name users call it by, the machine events it
fires, the pure handler that decides it, who may run it, what it needs from the rules
and (read from the handler's signature) its payload. A :class:`CommandSet` gathers a
workflow's commands with its transition table; the workspace's generic runner, its
typed methods, JSON parsing, refusals that name commands as users call them and the
docs' command tables all come from it.

>>> from statemachine import State, StateMachine
>>> from clientflow.core import TransitionTable
>>> class Door(StateMachine):
...     shut = State(initial=True)
...     ajar = State(final=True)
...     open = shut.to(ajar)
>>> def open_door(door, actor, now, *, note: str = ""):
...     '''Open the door (never called here: only its signature is read).'''
>>> doors = CommandSet("door", "door", TransitionTable.from_machine(Door),
...                    (Command("open_door", open_door, ("open",)),))
>>> [field.name for field in doors.command("open_door").payload]
['note']
>>> doors.check("ajar", "open_door")
Traceback (most recent call last):
...
clientflow.core.errors.TransitionNotAllowed: cannot 'open_door' in state 'ajar'; \
allowed: nothing (final state)
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import typing
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Generic, TypeVar

import attrs
import pendulum
from statemachine import StateMachine

from clientflow.core.actors import Actor, Parties, Rule, refusal
from clientflow.core.aggregate import Aggregate, Apply, Decision
from clientflow.core.edge import Check, accepted, exact_types, fits, value_refusal
from clientflow.core.errors import (
    N_,
    PermissionDenied,
    Phrase,
    TransitionNotAllowed,
    ValidationError,
)
from clientflow.core.events import EventRegistry
from clientflow.core.instants import parse_instant
from clientflow.core.kinds import Description, WorkflowKind
from clientflow.core.transitions import TransitionTable

__all__ = ["Command", "CommandSet", "Field", "Workflow"]

A = TypeVar("A", bound=Aggregate)

_FIXED = frozenset({"now"})
"""Handler parameters the runner always supplies besides the target, actor and needs."""


@attrs.frozen
class Field:
    """One payload field of a command, read from its handler's signature.

    ``check`` is the runtime types it accepts (``None``: not checked here; the handler
    checks), ``required`` whether a caller must give it, ``enums`` the enum types whose
    members may arrive as their values (a web form's strings); an instant or a date may
    arrive as ISO 8601 text.
    """

    name: str
    annotation: object
    check: Check | None
    required: bool
    default: object = None
    enums: tuple[type[enum.Enum], ...] = ()
    instant: bool = False
    day: bool = False
    parser: Callable[[object], object] | None = None
    """Turns the field's JSON form into what the handler takes (an impact from its
    object), raising ``ValidationError`` for what it cannot read. A value of the
    annotated type (not text) does not reach it: it is what the handler takes."""
    text: bool = attrs.field(init=False)
    """Whether a str is all it takes (the common case, checked with one ``type`` test)."""
    exact: frozenset[type] = attrs.field(init=False)
    """Types a value of which it takes as it is (no parser, and not text to convert):
    settled with one set lookup, as :func:`~clientflow.core.checked` does."""

    def __attrs_post_init__(self) -> None:
        text = self.check is not None and self.check[0] == (str,)
        plain = not self.enums and not self.instant and not self.day and self.parser is None
        object.__setattr__(self, "text", text and plain)
        exact: frozenset[type] = frozenset()
        if self.check is not None:
            # Text may be a value to convert; a parser reads a JSON form, so a value of
            # the annotated type itself is what the handler takes (an Impact given as one).
            exact = exact_types(self.check[0]) - {str}
        object.__setattr__(self, "exact", exact)

    def parse(self, value: object, command: str) -> object:
        """``value`` as the handler takes it: an enum member from its value, an instant
        from ISO 8601 text; ``ValidationError`` naming the field if the type is wrong."""  # noqa: D205, D209
        if (self.text and type(value) is str) or type(value) in self.exact:
            return value
        if self.parser is not None:
            return self.parser(value)
        if isinstance(value, str):
            for kind in self.enums:
                for member in kind:
                    if member.value == value:
                        return member
            if self.instant:
                return parse_instant(value, self.name)
            if self.day:
                try:
                    return dt.date.fromisoformat(value)
                except ValueError:
                    raise ValidationError(self.name, "a date as YYYY-MM-DD", got=value) from None
        if self.check is not None and not fits(value, self.check):
            raise value_refusal(self.name, self.check, value, command)
        return value


def _payload(
    handler: Callable[..., object],
    actor: str,
    needs: tuple[str, ...],
    defaults: Mapping[str, object],
    parsers: Mapping[str, Callable[[object], object]],
) -> tuple[Field, ...]:
    hints = typing.get_type_hints(handler)
    parameters = list(inspect.signature(handler).parameters.values())[1:]  # the target
    fields = []
    for parameter in parameters:
        name = parameter.name
        if name == actor or name in needs or name in _FIXED:
            continue
        annotation = hints.get(name, object)
        check = accepted(annotation)
        kinds = () if check is None else check[0]
        default = defaults.get(name, parameter.default)
        fields.append(
            Field(
                name,
                annotation,
                check,
                required=default is inspect.Parameter.empty,
                default=None if default is inspect.Parameter.empty else default,
                enums=tuple(k for k in kinds if issubclass(k, enum.Enum)),
                instant=any(issubclass(k, dt.datetime) for k in kinds),
                day=any(k is dt.date for k in kinds),
                parser=parsers.get(name),
            )
        )
    return tuple(fields)


@attrs.frozen
class Command(Generic[A]):
    """One command, declared once.

    ``name`` is what users call it (the workspace method, ``run``'s command, errors and
    docs); ``handler`` the pure function that decides it, called as
    ``handler(target, <actor>=by, now=now, **payload, **needs)`` where the target is the
    aggregate (or the new id when ``creates``) and ``actor`` names the handler's actor
    parameter. ``transitions`` are the machine events it may fire (allowed when the
    state accepts any of them; empty when it creates the aggregate). ``needs`` names what
    the handler takes from the rules (``calendar``, ``policy`` ...), resolved by the
    workflow's one resolver. ``permission``, when given, is checked by the runner before
    the handler, against the workflow's parties; ``None`` when the handler checks the
    rules' own permissions. The payload is the handler's remaining parameters, with
    ``defaults`` overriding theirs and ``parsers`` reading a field's JSON form.
    ``words`` is the message id people read for it.
    """

    name: str
    handler: Callable[..., Decision[A]]
    transitions: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    permission: Rule | None = None
    creates: bool = False
    actor: str = "actor"
    defaults: Mapping[str, object] = attrs.field(factory=dict)
    parsers: Mapping[str, Callable[[object], object]] = attrs.field(factory=dict)
    words: str = ""
    rule: str = ""
    """Which of the rules' permissions applies, when the handler takes it as a need (a
    feedback step's ``follow_up``); its name when empty."""
    payload: tuple[Field, ...] = attrs.field(init=False)
    decide: Callable[..., Decision[A]] = attrs.field(init=False)
    """The handler without its argument checks: the runner has checked the payload and
    the actor, and the context comes from the rules."""
    _fields: Mapping[str, Field] = attrs.field(init=False)
    parser: Callable[[Mapping[str, object]], dict[str, object]] = attrs.field(init=False)
    """:meth:`parse` itself, generated for this declaration (for runners that call it
    per command without the method's extra call)."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "decide", getattr(self.handler, "unchecked", self.handler))
        payload = _payload(self.handler, self.actor, self.needs, self.defaults, self.parsers)
        object.__setattr__(self, "payload", payload)
        object.__setattr__(self, "_fields", MappingProxyType({f.name: f for f in payload}))
        object.__setattr__(self, "parser", _parser(self.name, payload, self._unknown))
        if not self.creates and not self.transitions:
            raise ValidationError(
                f"{self.name}.transitions", "the machine events it fires (or creates=True)"
            )

    @property
    def doc(self) -> str:
        """The handler's first docstring line: what the command does."""
        return (inspect.getdoc(self.handler) or "").split("\n\n")[0].replace("\n", " ")

    def parse(self, payload: Mapping[str, object]) -> dict[str, object]:
        """The payload as the handler takes it, defaults filled in (a new dict).

        Unknown or missing fields and values of the wrong type are a ``ValidationError``
        naming the field and what this command accepts; enum values and ISO 8601
        instants arrive as JSON gives them.
        """
        return self.parser(payload)

    def _unknown(self, payload: Mapping[str, object]) -> ValidationError:
        """The error for the fields of ``payload`` this command does not take."""
        fields = self._fields
        unknown = sorted(str(name) for name in payload if name not in fields)
        allowed = f"only the fields {', '.join(fields)}" if fields else "no payload fields"
        return ValidationError(self.name, allowed, got=unknown)


_ABSENT = object()
"""A payload field not given (``None`` may be a value)."""


def _parser(
    command: str,
    payload: tuple[Field, ...],
    unknown: Callable[[Mapping[str, object]], ValidationError],
) -> Callable[[Mapping[str, object]], dict[str, object]]:
    """:meth:`Command.parse` of one declaration, generated once as straight-line code
    (as :mod:`clientflow.core.jsontext` writes JSON): each field read with one ``get``,
    unknown fields found by counting, a text or exactly typed value taken with one type
    test, anything else through its :meth:`Field.parse` (the same checks, in the same
    order: unknown fields first, then each field as declared)."""  # noqa: D205, D209
    scope: dict[str, object] = {"_A": _ABSENT, "_unknown": unknown, "_command": command}
    reads, given, checks, parts = [], [], [], []
    for number, field in enumerate(payload):
        v, f = f"v{number}", f"_f{number}"
        scope[f] = field
        reads.append(f"    {v} = p.get({field.name!r}, _A)")
        given.append(f"({v} is not _A)")
        if field.required:
            missing = f"raise _missing({field.name!r}, _command)"
            scope["_missing"] = _missing
        else:
            scope[f"_d{number}"] = field.default
            missing = f"{v} = _d{number}"
        if field.text:
            plain = f"type({v}) is not str"
        elif field.exact:
            scope[f"_x{number}"] = field.exact
            plain = f"type({v}) not in _x{number}"
        else:
            plain = "True"
        checks.append(f"    if {v} is _A:\n        {missing}\n    elif {plain}:")
        checks.append(f"        {v} = {f}.parse({v}, _command)")
        parts.append(f"{field.name!r}: {v}")
    count = " + ".join(given) or "0"
    source = "\n".join(
        [
            "def parse(p):",
            *reads,
            f"    if len(p) != {count}:",
            "        raise _unknown(p)",
            *checks,
            f"    return {{{', '.join(parts)}}}",
        ]
    )
    found: dict[str, object] = {}
    exec(compile(source, f"<payload of {command}>", "exec"), scope, found)
    return typing.cast(Callable[[Mapping[str, object]], dict[str, object]], found["parse"])


def _missing(name: str, command: str) -> ValidationError:
    return ValidationError(name, f"a value (required by {command})")


_DOING = N_("{command} {noun} {id}")


@attrs.frozen
class CommandSet(Generic[A]):
    """A workflow's commands with the transition table they fire on.

    ``kind`` is the workflow's kind name, ``noun`` what people call one of its
    aggregates, ``parties`` the named parties of an aggregate a :class:`Command`'s
    ``permission`` is checked against (its client under ``CLIENT_PARTY``).
    ``state_words`` maps each state to the message id people read for it (a state
    without one is shown by its name).
    """

    kind: str
    noun: str
    table: TransitionTable
    commands: tuple[Command[A], ...]
    parties: Callable[[A], Parties] | None = None
    state_words: Mapping[str, str] = attrs.field(factory=dict)
    _by_name: Mapping[str, Command[A]] = attrs.field(init=False)
    _allowed: Mapping[str, tuple[str, ...]] = attrs.field(init=False)
    _states: Mapping[str, frozenset[str]] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        by_name: dict[str, Command[A]] = {}
        for command in self.commands:
            if command.name in by_name:
                raise ValidationError(f"{self.kind}.commands", "unique names", got=command.name)
            unknown = set(command.transitions) - set(self.table.events)
            if unknown:
                raise ValidationError(
                    f"{self.kind}.{command.name}",
                    f"events of the machine ({', '.join(self.table.events)})",
                    got=sorted(unknown),
                )
            by_name[command.name] = command
        object.__setattr__(self, "_by_name", MappingProxyType(by_name))
        allowed = {
            state: tuple(
                sorted(
                    c.name
                    for c in self.commands
                    if any(self.table.can(state, event) for event in c.transitions)
                )
            )
            for state in self.table.states
        }
        object.__setattr__(self, "_allowed", MappingProxyType(allowed))
        states = {
            name: frozenset(state for state, names in allowed.items() if name in names)
            for name in by_name
        }
        object.__setattr__(self, "_states", MappingProxyType(states))

    @property
    def names(self) -> tuple[str, ...]:
        """The command names, as declared."""
        return tuple(self._by_name)

    def command(self, name: str) -> Command[A]:
        """The command called ``name``; ``ValidationError`` naming the commands otherwise."""
        found = self._by_name.get(name) if isinstance(name, str) else None
        if found is None:
            raise ValidationError("command", f"one of {', '.join(self._by_name)}", got=name)
        return found

    def allowed(self, state: str) -> tuple[str, ...]:
        """The commands (by their names) that ``state`` accepts, sorted."""
        try:
            return self._allowed[state]
        except KeyError:
            return self.table.allowed(state)  # says which states there are

    def states(self, name: str) -> frozenset[str]:
        """The states the command ``name`` runs in (none for a creating command)."""
        return self._states[name]

    def check(self, state: str, name: str) -> None:
        """``TransitionNotAllowed`` naming the command and the allowed ones unless the
        command ``name`` may run in ``state``."""  # noqa: D205, D209
        if state not in self._states[name]:
            raise self.refuse(state, name)

    def doing(self, name: str, target: str) -> Phrase:
        """What a refused actor asked for, in words: the command ``name`` on the
        aggregate ``target`` ("assess risk RSK-1", "评估风险 RSK-1")."""  # noqa: D205, D209
        said = Phrase(self.words.get(name, name), english=name)
        return Phrase(_DOING, {"command": said, "noun": Phrase(self.noun), "id": target})

    def require(
        self, rule: Rule, actor: Actor, name: str, target: str, parties: Parties | None = None
    ) -> None:
        """``PermissionDenied`` naming the command ``name`` on ``target`` unless ``actor``
        passes ``rule`` (see :func:`~clientflow.core.require`); the words are built only
        for a refusal, so the common case costs no more than the check."""  # noqa: D205, D209
        refused = refusal(rule, actor, parties)
        if refused is not None:
            raise PermissionDenied(actor.id, self.doing(name, target), refused)

    def refuse(self, state: str, name: str) -> TransitionNotAllowed:
        """The error saying the command ``name`` cannot run in ``state``: the state and
        the commands rendered as people read them (:attr:`vocabulary`)."""  # noqa: D205, D209
        return TransitionNotAllowed(state, name, self.allowed(state), words=self.vocabulary)

    def permit(self, command: Command[A], aggregate: A, actor: Actor) -> None:
        """``PermissionDenied`` unless ``actor`` passes the command's permission rule."""
        if command.permission is None:
            return
        parties = self.parties(aggregate) if self.parties is not None else {}
        refused = refusal(command.permission, actor, parties)
        if refused is not None:  # the action in words only for the error
            raise PermissionDenied(actor.id, self.doing(command.name, aggregate.id), refused)

    def markdown(self) -> str:
        """The commands as a Markdown table for the docs: name, the states it runs in,
        its payload (optional fields in brackets) and what it does."""  # noqa: D205, D209
        lines = ["| command | runs in | payload | what it does |", "|---|---|---|---|"]
        for c in self.commands:
            where = (
                "(creates)"
                if c.creates
                else ", ".join(
                    state for state in self.table.states if state in self._states[c.name]
                )
            )
            payload = ", ".join(f.name if f.required else f"[{f.name}]" for f in c.payload)
            lines.append(f"| `{c.name}` | {where} | {payload or '-'} | {c.doc} |")
        return "\n".join(lines) + "\n"

    @property
    def words(self) -> Mapping[str, str]:
        """Each command's name to the message id people read (its name when none)."""
        return {c.name: c.words or c.name for c in self.commands}

    @property
    def vocabulary(self) -> Mapping[str, str]:
        """Each state and command name to the message id people read for it; a name
        without one stands as declared (a rules-file workflow's own names)."""  # noqa: D205, D209
        return {
            **{state: self.state_words.get(state, state) for state in self.table.states},
            **self.words,
        }


Resolve = Callable[[tuple[str, ...], A], Mapping[str, object]]
"""What a timer ``needs`` from the rules for one aggregate (the composition root's)."""


@attrs.frozen
class Workflow(Generic[A]):
    """A workflow a host declares in Python and opens a workspace with.

    ``name`` is its kind (stored with every aggregate: never rename it once data
    exists), ``noun`` what people call one aggregate. ``machine`` declares the states
    and transitions (python-statemachine; the run-time table is derived once),
    ``events`` and ``apply`` record and evolve the aggregate, ``commands`` are its
    :class:`Command` declarations. ``describe`` says what the read side indexes (its
    client, project, owner ...; the client also picks the calendar and tenant checks).
    ``timer(aggregate, now=..., **needs)`` fires when the aggregate's
    ``next_deadline`` passes, with ``timer_needs`` from the rules. ``parties`` names the
    aggregate's parties for the commands' ``permission`` rules.

    ``clientflow.open(url, rules, workflows=[renewals])`` runs it beside the built-in
    ones: commands (``ws.workflow(name).run(...)``), rows and queries, sweeps, history.
    """

    name: str
    noun: str
    aggregate: type[A]
    machine: type[StateMachine]
    events: EventRegistry
    apply: Apply[A]
    commands: tuple[Command[A], ...]
    describe: Callable[[A], Description] | None = None
    timer: Callable[..., Decision[A]] | None = None
    timer_needs: tuple[str, ...] = ()
    parties: Callable[[A], Parties] | None = None
    table: TransitionTable = attrs.field(init=False)
    declared: CommandSet[A] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        table = TransitionTable.from_machine(self.machine)
        object.__setattr__(self, "table", table)
        declared = CommandSet(self.name, self.noun, table, tuple(self.commands), self.parties)
        object.__setattr__(self, "declared", declared)

    def kind(self, resolve: Resolve[A] | None = None) -> WorkflowKind[A]:
        """The workflow as the engine and stores see it, its timer given what it needs
        by ``resolve`` (``None``: a kind for reading and writing records only)."""  # noqa: D205, D209
        timer, needs = self.timer, self.timer_needs
        fire = None
        if timer is not None:

            def fire(aggregate: A, now: pendulum.DateTime) -> Decision[A]:
                context = {} if resolve is None or not needs else resolve(needs, aggregate)
                return timer(aggregate, now=now, **context)

        return WorkflowKind(self.name, self.aggregate, self.apply, self.events, fire, self.describe)
