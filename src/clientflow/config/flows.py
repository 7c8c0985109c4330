"""Workflows declared in the rules file (``[workflows.<name>]``), built as :class:`Workflow`.

A team that writes no Python declares states, transitions (each a command: who may run
it and the fields it needs) in TOML; :func:`build_workflow` turns the checked
declaration into the same :class:`~clientflow.core.Workflow` a host writes by hand (a
python-statemachine machine, a generic :class:`Item`, its own event types, commands with
their payloads), so the workspace runs it with no second engine.

>>> spec = FlowSpec("leave", "leave request", ("asked", "granted"), ("granted",),
...                 (TransitionSpec("grant", ("asked",), "granted"),))
>>> flow = build_workflow(spec)
>>> flow.table.initial, flow.declared.names
('asked', ('open', 'grant'))
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import ClassVar, NamedTuple

import attrs
import pendulum
from statemachine import State, StateMachine

from clientflow import changes
from clientflow.config import flow_approvals
from clientflow.config.flow_fields import FIELD_TYPES, FieldType, StoredValue
from clientflow.config.flow_steps import APPROVE, REJECT, FlowSteps, ItemEscalated, ItemVoted
from clientflow.core import (
    CLIENT_PARTY,
    FIRST_YEAR,
    LAST_YEAR,
    Actor,
    BusinessCalendar,
    BusinessSpan,
    Command,
    Decision,
    Description,
    DomainEvent,
    EventMeta,
    EventRegistry,
    OnTeam,
    PermissionDenied,
    Rule,
    ValidationError,
    Workflow,
    WorkingDays,
    check_line,
    decide,
    refusal,
    to_utc,
)
from clientflow.escalation import Level

__all__ = [
    "FIELD_TYPES",
    "EventTypes",
    "FlowSpec",
    "FrozenValues",
    "Item",
    "ItemMigrated",
    "TimerSpec",
    "TransitionSpec",
    "build_workflow",
    "deadline_on_entry",
    "event_types",
    "item_type",
]

SYSTEM = Actor("system")
"""Who fires a timer's transition."""


@attrs.frozen
class TransitionSpec:
    """One ``[[workflows.X.transitions]]``: the command ``name`` moves an item from any
    of ``sources`` to ``target``; ``who`` may run it (by default the team: a client's
    people only where the rules name them); ``fields`` it requires by type."""  # noqa: D205, D209

    name: str
    sources: tuple[str, ...]
    target: str
    who: Rule = OnTeam()
    fields: Mapping[str, FieldType] = attrs.field(factory=dict)


@attrs.frozen
class TimerSpec:
    """``[workflows.X.timers.<state>]``: when an item has waited in ``state`` for
    ``after`` (business time on its client's calendar), or has reached ``days`` working
    days before the date in its field ``before_field``, it fires the transition ``fire``
    (by ``system``) or, without one, reminds its owner (a ``<name>.reminded`` event)."""  # noqa: D205, D209

    state: str
    after: BusinessSpan | None = None
    before_field: str = ""
    days: int = 0
    fire: str = ""


@attrs.frozen
class FlowSpec:
    """One ``[workflows.<name>]``: its states (the first initial, ``final`` ones ending
    an item) and transitions."""  # noqa: D205, D209

    name: str
    noun: str
    states: tuple[str, ...]
    final: tuple[str, ...]
    transitions: tuple[TransitionSpec, ...]
    timers: Mapping[str, TimerSpec] = attrs.field(factory=dict)
    fields: Mapping[str, FieldType] = attrs.field(factory=dict)
    """The fields ``open`` requires, by type (as a transition's)."""
    fingerprint: str = ""
    """A short hash of the declaration as the rules file gives it (its ``migrate`` left
    out): the definition an item is opened under is recorded by it."""
    migrate: Mapping[str, str] = attrs.field(factory=dict)
    """``[workflows.X.migrate] states``: an earlier definition's state -> one of these
    states, for items moved onto this definition (see :mod:`.flow_versions`)."""
    steps: FlowSteps = FlowSteps()
    """Approval steps, carbon copies, what the client sees, escalation ladders."""
    open_who: Rule = OnTeam()
    """``open_who``: who may open an item (by default the team; ``party:owner`` is the
    owner the item would name, ``party:client`` its client's people)."""


class FrozenValues(Mapping[str, StoredValue]):
    """Field values, read-only: an item or event handed out never changes what the store
    holds (its history, a cached aggregate) when a caller writes into it. It reads, compares
    and prints like the ``dict`` it copies.

    >>> values = FrozenValues({"n": 1})
    >>> values, values == {"n": 1}
    ({'n': 1}, True)
    >>> values["n"] = 2
    Traceback (most recent call last):
    ...
    TypeError: 'FrozenValues' object does not support item assignment
    """  # noqa: D205

    __slots__ = ("_values",)

    def __init__(self, given: Mapping[str, StoredValue] = MappingProxyType({})) -> None:
        self._values = dict(given)

    def __getitem__(self, key: str) -> StoredValue:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return repr(self._values)


def _frozen(given: Mapping[str, StoredValue]) -> Mapping[str, StoredValue]:
    """``given`` as :class:`FrozenValues` (a copy, so the caller's dict may change)."""
    return given if type(given) is FrozenValues else FrozenValues(given)


def _merged(
    values: Mapping[str, StoredValue], more: Mapping[str, StoredValue]
) -> dict[str, StoredValue]:
    """``values`` with ``more`` over them, a new dict (an item's FrozenValues read as the
    dict they copy: unpacking a Mapping goes through ``keys`` and ``__getitem__`` per
    field, on every step)."""  # noqa: D205, D209
    merged = dict(values._values if type(values) is FrozenValues else values)
    merged.update(more._values if type(more) is FrozenValues else more)
    return merged


@attrs.frozen(kw_only=True)
class Item:
    """One item of a rules-declared workflow: where it stands, the fields given so far
    (in their stored forms: numbers as numbers, dates as YYYY-MM-DD, money as a decimal
    string, the rest as text) and the definition it runs under (its fingerprint; empty
    for items opened before definitions were recorded: they follow the one in force)."""  # noqa: D205, D209

    id: str
    version: int
    status: str
    client: str
    owner: str
    project: str
    opened_at: pendulum.DateTime
    values: Mapping[str, StoredValue] = attrs.field(factory=dict, converter=_frozen)
    """Read-only: a new mapping per event."""
    last_by: str = ""
    next_deadline: pendulum.DateTime | None = None
    definition: str = ""
    closed: bool = False
    round: changes.ApprovalRound | None = None
    """The approval step the item waits for in its state (its votes), if any."""
    requester: str = ""
    """Who moved the item into a state with an approval step (who may not vote on it)."""
    level: int = 0
    """How many levels of its state's escalation ladder have been told."""


@attrs.frozen(kw_only=True)
class ItemOpened(DomainEvent):
    """An item was opened (each workflow has its own subclass, ``<name>.opened``)."""

    event_type: ClassVar[str] = ""
    client: str
    owner: str
    project: str = ""
    deadline: pendulum.DateTime | None = None
    values: Mapping[str, StoredValue] = attrs.field(factory=dict, converter=_frozen)
    definition: str = ""
    """The fingerprint of the definition it is opened under (empty in older events)."""
    state: str = ""
    """The state it starts in (empty in older events: the definition's first)."""
    round: changes.ApprovalRound | None = None


@attrs.frozen(kw_only=True)
class ItemStepped(DomainEvent):
    """An item moved by ``transition`` with ``values`` given (``<name>.stepped``); the
    people in ``cc`` are copied, the client reads ``client_label`` (empty: not told),
    ``round`` is the approval step the item now waits for."""  # noqa: D205, D209

    event_type: ClassVar[str] = ""
    transition: str
    values: Mapping[str, StoredValue] = attrs.field(factory=dict, converter=_frozen)
    deadline: pendulum.DateTime | None = None
    state: str = ""
    """The state it entered (empty in older events: read from the definition)."""
    closed: bool = False
    """Whether that state ends the item."""
    round: changes.ApprovalRound | None = None
    requester: str = ""
    """Who asked for ``round``'s approval: the mover, or whoever asked for the approval
    step that moved the item (a chain of steps keeps its requester)."""
    cc: tuple[str, ...] = ()
    client_label: str = ""


@attrs.frozen(kw_only=True)
class ItemReminded(DomainEvent):
    """An item waited too long in its state: ``notify`` are told (``<name>.reminded``)."""

    event_type: ClassVar[str] = ""
    notify: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class ItemMigrated(DomainEvent):
    """An item moved onto the definition ``definition`` from ``previous``, its state
    mapped to ``state`` (``<name>.migrated``); the client reads ``client_label`` as it
    would a step's."""  # noqa: D205, D209

    event_type: ClassVar[str] = ""
    definition: str
    previous: str
    state: str
    closed: bool = False
    deadline: pendulum.DateTime | None = None
    round: changes.ApprovalRound | None = None
    """The approval step the item waits for in ``state`` under the new definition."""
    requester: str = ""
    """Who asked for ``round``'s approval (who may not vote on it)."""
    client_label: str = ""
    """What the client reads (``client_states`` of ``state`` under the new definition,
    when it differs from the label of the state the item left); empty: not told."""


class EventTypes(NamedTuple):
    """The event classes of one rules workflow (``<name>.opened`` and so on)."""

    opened: type[ItemOpened]
    stepped: type[ItemStepped]
    reminded: type[ItemReminded]
    migrated: type[ItemMigrated]
    voted: type[ItemVoted]
    escalated: type[ItemEscalated]


@functools.cache
def event_types(name: str) -> EventTypes:
    """The event classes of the workflow ``name``, shared by all its definitions (an
    item's events keep their types when the rules change under it, its votes and
    escalations included)."""  # noqa: D205, D209
    return EventTypes(
        type("Opened", (ItemOpened,), {"event_type": f"{name}.opened"}),
        type("Stepped", (ItemStepped,), {"event_type": f"{name}.stepped"}),
        type("Reminded", (ItemReminded,), {"event_type": f"{name}.reminded"}),
        type("Migrated", (ItemMigrated,), {"event_type": f"{name}.migrated"}),
        type("Voted", (ItemVoted,), {"event_type": f"{name}.voted"}),
        type("Escalated", (ItemEscalated,), {"event_type": f"{name}.escalated"}),
    )


@functools.cache
def item_type(name: str) -> type[Item]:
    """The aggregate class of the workflow ``name``: an :class:`Item` of its own, so
    stores, codecs and services tell the items of two rules workflows apart by type, and
    shared by all its definitions (items opened under earlier rules stay its items)."""  # noqa: D205, D209
    title = "".join(part.title() for part in name.split("_"))

    def reduce(
        self: Item,
    ) -> tuple[Callable[[str, dict[str, object]], Item], tuple[object, ...]]:
        # made at run time, so pickle cannot find the class by its name: by the workflow's
        return _item_of, (name, {field.name: getattr(self, field.name) for field in _ITEM_FIELDS})

    namespace = {"__module__": __name__, "__doc__": Item.__doc__, "__reduce__": reduce}
    return attrs.frozen(kw_only=True)(type(f"{title}Item", (Item,), namespace))


def _item_of(name: str, fields: dict[str, object]) -> Item:
    """An item of the workflow ``name`` with these fields (how pickle rebuilds one)."""
    return item_type(name)(**fields)  # type: ignore[arg-type]


_ITEM_FIELDS = attrs.fields(Item)


def _values(
    fields: Mapping[str, FieldType],
    payload: Mapping[str, object],
    client: str,
    *,
    parsed: bool = False,
) -> dict[str, StoredValue]:
    """The declared fields of ``payload`` in their stored forms (each checked by its type,
    a person as one of the team or of the item's ``client``); ``parsed``: the runner has
    parsed each already (its command's parsers), only the client is left to check."""  # noqa: D205, D209
    if parsed:
        values: dict[str, StoredValue] = {field: payload[field] for field in fields}  # type: ignore[misc]
    else:
        values = {field: kind.parse(field, payload[field]) for field, kind in fields.items()}
    for field, kind in fields.items():
        if kind.kind == "person":  # only a person can belong to another client
            kind.check_client(field, values[field], client)
    return values


def _machine(spec: FlowSpec, transitions: tuple[TransitionSpec, ...]) -> type[StateMachine]:
    states = {
        name: State(name, initial=i == 0, final=name in spec.final)
        for i, name in enumerate(spec.states)
    }
    namespace: dict[str, object] = dict(states)
    for transition in transitions:
        moves = [states[source].to(states[transition.target]) for source in transition.sources]
        combined = namespace[transition.name] if transition.name in namespace else moves.pop(0)
        for move in moves:
            combined = combined | move
        namespace[transition.name] = combined
    title = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", spec.name))
    return type(f"{title or 'Flow'}Machine", (StateMachine,), namespace)


def _handler(
    fields: Mapping[str, FieldType],
    doc: str,
    body: Callable[..., Decision[Item]],
    extra: Mapping[str, type],
    parsed: Callable[..., Decision[Item]],
) -> Callable[..., Decision[Item]]:
    """``body`` with a signature naming its payload, so :class:`Command` reads it;
    ``parsed`` is the body the runner calls (its ``unchecked``: the payload parsed by the
    command's parsers, not parsed again)."""  # noqa: D205, D209

    def handler(
        target: object, *, actor: Actor, now: pendulum.DateTime, **payload: object
    ) -> Decision[Item]:
        return body(target, actor=actor, now=now, **payload)

    handler.unchecked = parsed  # type: ignore[attr-defined]

    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("target", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("actor", keyword, annotation=Actor),
        inspect.Parameter("now", keyword, annotation=pendulum.DateTime),
    ]
    annotations: dict[str, object] = {"actor": Actor, "now": pendulum.DateTime}
    for name, given in extra.items():
        parameters.append(inspect.Parameter(name, keyword, annotation=given))
        annotations[name] = given
    if "client" in extra:
        parameters.append(inspect.Parameter("project", keyword, default="", annotation=str))
        annotations["project"] = str
    parameters.append(inspect.Parameter("calendar", keyword, annotation=BusinessCalendar))
    parameters.append(inspect.Parameter("directory", keyword, annotation=Directory))
    annotations["calendar"] = BusinessCalendar
    annotations["directory"] = Directory
    for name, kind in fields.items():
        parameters.append(inspect.Parameter(name, keyword, annotation=kind.annotation))
        annotations[name] = kind.annotation
    handler.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    handler.__annotations__ = annotations
    handler.__doc__ = doc
    return handler


Directory = Mapping[str, tuple[str, ...]]
"""People by role (the rules' ``[directory]``): approver groups and carbon copies name roles."""


def _copied(entries: tuple[str, ...], owner: str, directory: Directory) -> tuple[str, ...]:
    """The people ``cc`` names: ``role:<name>`` holders, ``party:owner`` the item's owner."""
    people: list[str] = []
    for entry in entries:
        if entry.startswith("role:"):
            people.extend(directory.get(entry[len("role:") :], ()))
        else:
            people.append(owner if entry == "party:owner" else entry)
    return tuple(dict.fromkeys(people))


def deadline_on_entry(
    spec: FlowSpec,
    state: str,
    values: Mapping[str, StoredValue],
    at: pendulum.DateTime,
    calendar: BusinessCalendar,
) -> pendulum.DateTime | None:
    """When an item of ``spec`` entering ``state`` with ``values`` at ``at`` comes due, if ever."""
    timer = spec.timers.get(state)
    if timer is None:
        return None
    if isinstance(timer.after, WorkingDays):
        return to_utc(calendar.add_working_days(at, timer.after.days), "deadline")
    if timer.after is not None:
        return to_utc(calendar.add(at, timer.after), "deadline")
    given = values.get(timer.before_field)
    if not isinstance(given, str):  # the date is not known yet: nothing to wait for
        return None
    try:
        day = calendar.add_working_days(dt.date.fromisoformat(given), -timer.days)
        due = to_utc(calendar.first_working_time(day), "deadline")
    except (OverflowError, ValidationError):  # a date the calendar cannot count back from
        raise ValidationError(
            timer.before_field,
            f"a date in the years {FIRST_YEAR} to {LAST_YEAR} (the timer of {state!r}"
            f" comes {timer.days} working days before it)",
            got=given,
        ) from None
    return max(due, at)


def build_workflow(  # noqa: PLR0915 - one closure per command
    spec: FlowSpec,
    people: frozenset[str] = frozenset(),
    bound: Mapping[str, frozenset[str]] | None = None,
) -> Workflow[Item]:
    """The :class:`Workflow` a ``[workflows.<name>]`` declares.

    Its commands are ``open`` (client, owner, optional project), one per transition by
    the transition's name, each taking its typed fields (a ``person`` one of ``people``
    when any are given, and on an item of a client not one the rules bind to other
    clients only, by ``bound``), and, with approval steps, ``approve`` and ``reject`` (an
    optional ``comment``) for the approvers. Items record the definition they are
    opened under (:attr:`FlowSpec.fingerprint`) and the state each event enters, so
    their history reads the same under later definitions; an item under another
    definition is refused here (see :mod:`clientflow.config.flow_versions`), and so
    keeps the approval steps and escalation ladders of its own.
    """
    if people:
        spec = _with_people(spec, people, bound or {})
    steps_of = spec.steps
    rejections = tuple(
        TransitionSpec(REJECT, step.sources, step.on_reject) for step in steps_of.approvals.values()
    )
    moves = (*spec.transitions, *rejections)
    machine = _machine(spec, moves)
    opened, stepped, reminded, migrated, voted, escalated = event_types(spec.name)
    targets = {(s, t.name): t.target for t in moves for s in t.sources}
    initial, final = spec.states[0], frozenset(spec.final)
    item_class = item_type(spec.name)

    def apply(item: Item | None, event: DomainEvent) -> Item:
        if isinstance(event, ItemOpened):
            status = event.state or initial
            return item_class(
                id=event.aggregate_id,
                version=event.aggregate_version,
                status=status,
                client=event.client,
                owner=event.owner,
                project=event.project,
                opened_at=event.occurred_at,
                last_by=event.actor,
                next_deadline=event.deadline,
                values=event.values,
                definition=event.definition,
                closed=status in final,
                round=event.round,
                requester=event.actor if event.round is not None else "",
            )
        if item is not None and isinstance(event, ItemReminded):
            return attrs.evolve(item, version=event.aggregate_version, next_deadline=None)
        if item is not None and isinstance(event, ItemMigrated):
            return attrs.evolve(
                item,
                version=event.aggregate_version,
                status=event.state,
                definition=event.definition,
                closed=event.closed,
                last_by=event.actor,
                next_deadline=event.deadline,
                round=event.round,
                requester=event.requester,
                level=0,
            )
        if item is not None and isinstance(event, ItemVoted) and item.round is not None:
            return attrs.evolve(
                item,
                version=event.aggregate_version,
                round=flow_approvals.tally(item.round, event.vote),
            )
        if item is not None and isinstance(event, ItemEscalated):
            return attrs.evolve(
                item,
                version=event.aggregate_version,
                level=event.level,
                owner=event.assign or item.owner,
                next_deadline=event.deadline,
            )
        if item is None or not isinstance(event, ItemStepped):
            raise ValidationError("event", f"a {spec.noun} event after its opening", got=event)
        # events record the state they enter; older ones are read by this definition
        status = event.state or _target(item, event.transition)
        # Built directly, not by attrs.evolve (which reads every field back by name, ~2 us
        # a step): every field of Item is named here (a test steps one to check).
        return type(item)(
            id=item.id,
            version=event.aggregate_version,
            status=status,
            client=item.client,
            owner=item.owner,
            project=item.project,
            opened_at=item.opened_at,
            values=_merged(item.values, event.values),
            last_by=event.actor,
            next_deadline=event.deadline,
            definition=item.definition,
            closed=event.closed if event.state else status in final,
            round=event.round,
            requester=event.requester,
            level=0,
        )

    def _own(item: Item) -> None:
        """Refuse an item under another definition: it runs by the one it opened under."""
        if item.definition and item.definition != spec.fingerprint:
            raise ValidationError(
                f"{spec.name}.{item.id}.definition",
                f"an item under the definition {spec.fingerprint or '(unrecorded)'}",
                got=item.definition,
            )

    def _target(item: Item, transition: str) -> str:
        if item.status not in spec.states:
            raise ValidationError(
                f"{spec.name}.{item.id}.status",
                f"a state of the workflow {spec.name!r} ({', '.join(spec.states)}); the"
                f" rules no longer declare the state {item.status!r} this item is in",
                got=item.status,
            )
        return targets[(item.status, transition)]

    def opener(parsed: bool) -> Callable[..., Decision[Item]]:
        def open_item(
            target: object,
            *,
            actor: Actor,
            now: pendulum.DateTime,
            calendar: BusinessCalendar,
            directory: Directory,
            **payload: object,
        ) -> Decision[Item]:
            return _open(target, actor, now, calendar, directory, payload, parsed=parsed)

        return open_item

    def _open(  # noqa: PLR0917 - private; opener's two bodies pass the same six
        target: object,
        actor: Actor,
        now: pendulum.DateTime,
        calendar: BusinessCalendar,
        directory: Directory,
        payload: Mapping[str, object],
        *,
        parsed: bool,
    ) -> Decision[Item]:
        item_id = check_line(str(target), "id")
        client = check_line(str(payload["client"]), "client")
        owner = check_line(str(payload["owner"]), "owner")
        refused = refusal(spec.open_who, actor, {"owner": owner, CLIENT_PARTY: client})
        if refused is not None:  # checked before anything is built from the payload
            raise PermissionDenied(actor.id, f"open {spec.noun} {item_id}", refused)
        project = str(payload.get("project") or "")
        at = to_utc(now, "now")
        meta = EventMeta(item_id, 1, at, actor.id)
        values = _values(spec.fields, payload, client, parsed=parsed)
        deadline = deadline_on_entry(spec, initial, values, at, calendar)
        waiting = flow_approvals.open_step(
            steps_of.step_leaving(initial),
            number=1,
            requester=actor.id,
            directory=directory,
            calendar=calendar,
            now=at,
            values=values,
            delegations=steps_of.delegations,
        )
        event = opened(
            meta=meta,
            client=client,
            owner=owner,
            project=project,
            deadline=deadline,
            values=values,
            definition=spec.fingerprint,
            state=initial,
            round=waiting,
        )
        return decide(apply, None, event)

    def step(
        name: str, fields: Mapping[str, FieldType], parsed: bool = False
    ) -> Callable[..., Decision[Item]]:
        # looked up once per transition, not per command: the definition never changes
        cc = steps_of.cc_of(name)
        leaving = {state: steps_of.step_leaving(state) for state in spec.states}
        # What the client is told, by the state the transition leaves (its target is
        # fixed by that state); and the states whose entry reads the item's values (a
        # timer counting to a date field, an approval step routing by amount): entering
        # another, the values need not be merged here (apply merges them).
        told = {
            source: steps_of.told(name, source, target)
            for (source, transition), target in targets.items()
            if transition == name
        }
        reads_values = {
            state
            for state in spec.states
            if leaving[state] is not None
            or (state in spec.timers and spec.timers[state].after is None)
        }

        def body(
            item: Item,
            *,
            actor: Actor,
            now: pendulum.DateTime,
            calendar: BusinessCalendar,
            directory: Directory,
            requester: str = "",
            **payload: object,
        ) -> Decision[Item]:
            _own(item)
            target = _target(item, name)
            values = _values(fields, payload, item.client, parsed=parsed)
            at = to_utc(now, "now")
            meta = EventMeta(item.id, item.version + 1, at, actor.id)
            merged = _merged(item.values, values) if target in reads_values else values
            deadline = deadline_on_entry(spec, target, merged, at, calendar)
            waiting = flow_approvals.open_step(
                leaving.get(target),
                number=1 if item.round is None else item.round.number + 1,
                requester=requester or actor.id,
                directory=directory,
                calendar=calendar,
                now=at,
                values=merged,
                delegations=steps_of.delegations,
            )
            event = stepped(
                meta=meta,
                transition=name,
                values=values,
                deadline=deadline,
                state=target,
                closed=target in final,
                round=waiting,
                requester="" if waiting is None else requester or actor.id,
                cc=_copied(cc, item.owner, directory) if cc else (),
                client_label=told[item.status],
            )
            return decide(apply, item, event)

        return body

    commands: list[Command[Item]] = [
        Command(
            "open",
            _handler(
                spec.fields,
                f"Open a {spec.noun}.",
                opener(parsed=False),
                {"client": str, "owner": str},
                opener(parsed=True),
            ),
            creates=True,
            needs=_NEEDS,
            parsers=_parsers(spec.fields),
        )
    ]
    for transition in spec.transitions:
        if transition.name in steps_of.approvals:
            continue  # fired by its approvers' votes (approve), not run by hand
        commands.append(
            Command(
                transition.name,
                _handler(
                    transition.fields,
                    f"Move the {spec.noun} to {transition.target}.",
                    step(transition.name, transition.fields),
                    {},
                    step(transition.name, transition.fields, parsed=True),
                ),
                (transition.name,),
                needs=_NEEDS,
                permission=transition.who,
                parsers=_parsers(transition.fields),
            )
        )

    steps = {t.name: step(t.name, {}) for t in moves}

    def vote(verdict: changes.Verdict) -> Callable[..., Decision[Item]]:
        def body(
            item: Item,
            *,
            actor: Actor,
            now: pendulum.DateTime,
            calendar: BusinessCalendar,
            directory: Directory,
            comment: str = "",
        ) -> Decision[Item]:
            _own(item)
            waiting = steps_of.step_leaving(item.status)
            if waiting is None:  # the rules dropped the step under a waiting item
                raise ValidationError(
                    f"{spec.name}.{item.id}.status",
                    f"a state with an approval step; the rules no longer declare one"
                    f" leaving {item.status!r}",
                    got=item.status,
                )
            at = to_utc(now, "now")
            ballot = flow_approvals.cast(
                item, verdict, actor=actor, now=at, comment=comment, noun=spec.noun
            )
            meta = EventMeta(item.id, item.version + 1, at, actor.id)
            counted = decide(
                apply, item, voted(meta=meta, transition=waiting.transition, vote=ballot.vote)
            )
            if not ballot.outcome:
                return counted
            name = waiting.transition if ballot.outcome == "approved" else REJECT
            moved = steps[name](
                counted.aggregate,
                actor=actor,
                now=at,
                calendar=calendar,
                directory=directory,
                requester=item.requester,
            )
            return Decision(moved.aggregate, counted.events + moved.events)

        body.__doc__ = (
            f"Approve the {spec.noun}'s approval step (the item moves on once it is approved)."
            if verdict is changes.Verdict.APPROVE
            else f"Reject the {spec.noun}'s approval step (the item moves to its rejection state)."
        )
        return body

    if steps_of.approvals:
        waits = tuple(steps_of.approvals)
        commands.append(Command(APPROVE, vote(changes.Verdict.APPROVE), waits, needs=_NEEDS))
        commands.append(Command(REJECT, vote(changes.Verdict.REJECT), (REJECT,), needs=_NEEDS))

    def timer(
        item: Item, *, now: pendulum.DateTime, calendar: BusinessCalendar, directory: Directory
    ) -> Decision[Item]:
        found = spec.timers.get(item.status)
        if found is None or item.next_deadline is None:
            return Decision(attrs.evolve(item, next_deadline=None), ())
        if found.fire:
            return steps[found.fire](
                item, actor=SYSTEM, now=now, calendar=calendar, directory=directory
            )
        at = to_utc(now, "now")
        meta = EventMeta(item.id, item.version + 1, at, SYSTEM.id)
        ladder = steps_of.ladders.get(item.status, ())
        if ladder:
            return _climb(item, ladder, at, calendar)
        return decide(apply, item, reminded(meta=meta, notify=(item.owner,)))

    def _climb(
        item: Item, ladder: tuple[Level, ...], at: pendulum.DateTime, calendar: BusinessCalendar
    ) -> Decision[Item]:
        """Tell every level of the ladder that has come due by ``at``, in order."""
        events: list[DomainEvent] = []
        while (
            item.level < len(ladder) and item.next_deadline is not None and item.next_deadline <= at
        ):
            level, reached = ladder[item.level], item.level + 1
            # from when this level was due, so a late sweep does not push the next out
            due = (
                to_utc(calendar.add(item.next_deadline, level.delay), "deadline")
                if reached < len(ladder)
                else None
            )
            meta = EventMeta(item.id, item.version + 1, at, SYSTEM.id)
            told = escalated(
                meta=meta,
                level=reached,
                level_name=level.name,
                notify=level.notify,
                assign=level.assign or "",
                deadline=due,
            )
            item = apply(item, told)
            events.append(told)
        if not events:  # the ladder changed under the item: nothing left to tell
            return Decision(attrs.evolve(item, next_deadline=None), ())
        return Decision(item, tuple(events))

    def describe(item: Item) -> Description:
        return Description(
            client=item.client,
            project=item.project,
            owner=item.owner,
            opened_at=item.opened_at,
            closed=item.closed if item.definition else item.status in final,
        )

    def parties(item: Item) -> Mapping[str, str]:
        return {"owner": item.owner, CLIENT_PARTY: item.client}

    return Workflow(
        spec.name,
        spec.noun,
        item_class,
        machine,
        EventRegistry([opened, stepped, reminded, migrated, voted, escalated]),
        apply,
        tuple(commands),
        describe=describe,
        timer=timer,
        timer_needs=_NEEDS,
        parties=parties,
    )


def _parsers(fields: Mapping[str, FieldType]) -> dict[str, Callable[[object], object]]:
    """Each field's parser for the runner: its JSON form checked and stored by its type."""
    return {name: functools.partial(kind.parse, name) for name, kind in fields.items()}


def _with_people(
    spec: FlowSpec, people: frozenset[str], bound: Mapping[str, frozenset[str]]
) -> FlowSpec:
    """``spec`` with its ``person`` fields limited to ``people`` (those ``bound`` to
    clients, to items of those clients)."""  # noqa: D205, D209

    def limited(fields: Mapping[str, FieldType]) -> dict[str, FieldType]:
        return {
            name: attrs.evolve(kind, people=people, bound=bound) if kind.kind == "person" else kind
            for name, kind in fields.items()
        }

    transitions = tuple(attrs.evolve(t, fields=limited(t.fields)) for t in spec.transitions)
    return attrs.evolve(spec, transitions=transitions, fields=limited(spec.fields))


_NEEDS = ("calendar", "directory")
"""What a rules workflow's commands and timers take from the rules, for the item's client."""
