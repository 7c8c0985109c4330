"""What every workflow service of a workspace shares: load, check, decide, save, list."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

import pendulum

from clientflow.core import (
    CLIENT_ROLE,
    Actor,
    Aggregate,
    AlreadyExists,
    CommandSet,
    Decision,
    DomainEvent,
    NotFound,
    PermissionDenied,
    ValidationError,
    check_id,
    checked,
    tenant_failure,
    to_utc,
)
from clientflow.core.edge import check_count
from clientflow.engine import Command, Result
from clientflow.feedback import SURVEYS_KIND, SURVEYS_PREFIX
from clientflow.ports import AggregateRow, Query

if TYPE_CHECKING:
    from clientflow.config import Rules
    from clientflow.workspace.core import Workspace

__all__ = ["MAX_PAGE", "CommandMethod", "Service", "binds_itself", "check_arguments", "reader"]

MAX_PAGE = 10_000
"""The most rows one page of ``list``/``rows`` returns."""

_CONTEXTS = 1024
"""How many (needs, client) contexts one service keeps per rules."""

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., object])

Decide = Callable[[Any, pendulum.DateTime], Decision[Any]]
Admit = Callable[[Any], object]
Prepare = Callable[
    [str, Actor, "dt.datetime | None", "str | None", Mapping[str, object]],
    tuple[Decide, "Admit | None"],
]
"""A declared command's preparer: ``(aggregate_id, by, at, key, payload)`` to what the
engine runs, its decide and the check of a recalled result (see :meth:`Service._preparer`)."""


class CommandMethod(Protocol[A]):
    """A workspace command generated from its declaration (:class:`~clientflow.core.Command`).

    Called as ``service.<name>(aggregate_id, by=actor, **payload, at=None, key=None)``;
    the payload fields are the declaration's, checked and parsed as :meth:`Service.run`
    does (``inspect.signature`` shows them).
    """

    def __call__(
        self,
        aggregate_id: str,
        /,
        *,
        by: Actor,
        at: dt.datetime | None = None,
        key: str | None = None,
        **payload: object,
    ) -> Result[A]:
        """Run the command (see :meth:`Service.run`)."""


def _scoped(actor: Actor) -> bool:
    """Whether ``actor`` acts only within some clients: bound to clients, or a client's
    person (bound to none: within none)."""  # noqa: D205, D209
    return bool(actor.clients) or actor.has_role(CLIENT_ROLE)


def binds_itself(method: F) -> F:
    """Mark a service method whose every path ends in :meth:`Service.run` (or a declared
    command's preparer), which binds the actor and checks the project itself: the
    service leaves it unwrapped instead of binding and checking twice per command."""  # noqa: D205, D209
    method.__binds_itself__ = True  # type: ignore[attr-defined]
    return method


def reader(method: F) -> F:
    """Mark a service method that reads, taking an optional ``by=`` viewer (bound by
    :meth:`Service._viewer` itself): listed in ``reads``, not among the commands."""  # noqa: D205, D209
    method.__reads__ = True  # type: ignore[attr-defined]
    return method


def _binding(command: Callable[..., R]) -> Callable[..., R]:
    """``command`` with its ``by=`` actor bound to its clients by the workspace's rules."""

    @functools.wraps(command)
    def bound(self: Service[Any], *args: object, **kwargs: Any) -> R:
        actor = kwargs.get("by")
        rules = self._workspace.rules
        if isinstance(actor, Actor):
            kwargs["by"] = rules.bind(actor)
        client, project = kwargs.get("client"), kwargs.get("project")
        if isinstance(client, str) and isinstance(project, str):
            rules.check_project(client, project)
        try:
            return command(self, *args, **kwargs)
        except PermissionDenied as refused:
            # The domain knows ids; the rules know what people call them, for render().
            refused.people = rules.names.people
            raise

    return bound


class Service(Generic[A]):
    """One workflow's commands and queries, bound to a workspace.

    Every command takes the aggregate id first, ``by=`` the actor, then its payload and
    ``at=`` (default: the workspace's clock). The policies come from the rules the store
    runs under, by the aggregate's client; nothing the rules say is passed per call.

    Tenants: before a command runs, its ``by=`` actor gets the clients the rules bind it
    to (:meth:`clientflow.config.Rules.bind`), and every command's permission check
    knows the aggregate's client, so a client's people act only within their client; a
    command naming a ``client`` and a ``project`` is refused when the rules list the
    project under another client (:meth:`clientflow.config.Rules.check_project`).
    ``commands`` names the public commands (every public method taking ``by=``);
    ``reads`` the reads that take an optional ``by=`` viewer (:meth:`get`,
    :meth:`history` ...): to a viewer scoped to clients, another client's item does not
    exist. Without ``by=`` they are the team's reads, and see every client.
    """

    noun: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    aggregate: ClassVar[type]
    commands: ClassVar[tuple[str, ...]] = ()
    reads: ClassVar[tuple[str, ...]] = ("get", "history", "list")
    _own: ClassVar[frozenset[str]] = frozenset()
    declared: ClassVar[CommandSet[Any] | None] = None
    """The workflow's commands, declared once; each becomes a method of the service (unless
    the class writes one itself) and a command :meth:`run` takes by name."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Bound here, once for every command, so a command added later cannot skip it.
        found = set(cls.commands)
        reads = set(cls.reads)
        for name, member in list(vars(cls).items()):
            if name.startswith("_") or not inspect.isfunction(member):
                continue
            if getattr(member, "__reads__", False):
                reads.add(name)
            elif "by" in inspect.signature(member).parameters:
                if not getattr(member, "__binds_itself__", False):
                    setattr(cls, name, _binding(member))
                found.add(name)
        # Outside the binding: an argument of the wrong type is refused before anything
        # (the binding included) looks at it.
        check_arguments(cls)
        if cls.declared is not None:
            own = set()
            for name in cls.declared.names:
                if name in vars(cls):
                    own.add(name)  # written by the class (it does more): run calls it
                else:
                    setattr(cls, name, _method(cls, cls.declared, name))
                found.add(name)
            cls._own = frozenset(own)
            typed = {
                name
                for name, hint in vars(cls).get("__annotations__", {}).items()
                if str(hint).startswith("CommandMethod")
            }
            expected = set(cls.declared.names) - own
            if typed and typed != expected:
                # The typed helpers a type checker sees must be the declared commands.
                raise ValidationError(
                    f"{cls.__name__} annotations",
                    "CommandMethod for each declared command it does not write itself",
                    got=f"not declared: {sorted(typed - expected)};"
                    f" missing: {sorted(expected - typed)}",
                )
        cls.commands = tuple(sorted(found))
        cls.reads = tuple(sorted(reads))

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self._contexts: dict[tuple[tuple[str, ...], str], dict[str, object]] = {}
        self._contexts_of: object = None  # the rules the contexts were resolved under
        self._preparers: dict[str, Prepare] = {}

    def _context(
        self,
        needs: tuple[str, ...],
        client: str,
        resolve: Callable[[Rules, tuple[str, ...], str], dict[str, object]],
    ) -> Mapping[str, object]:
        """What ``resolve(rules, needs, client)`` gives for ``needs`` of ``client``
        (calendar, policy ...) under the rules in force, resolved once per rules: every
        command of a client needs the same (and no closure is made per command)."""  # noqa: D205, D209
        rules = self._workspace.rules
        if self._contexts_of is not rules:  # new rules (a reload): resolve again
            self._contexts, self._contexts_of = {}, rules
        found = self._contexts.get((needs, client))
        if found is None:
            found = resolve(rules, needs, client)
            if len(self._contexts) < _CONTEXTS:
                self._contexts[needs, client] = found
        return found  # read-only: callers unpack it into the handler's keywords

    @reader
    def get(self, aggregate_id: str, *, by: Actor | None = None) -> A:
        """The current state; ``NotFound`` for an unknown id, ``ValidationError`` for the
        id of another workflow's aggregate. With ``by`` (a client portal's user), as
        ``by`` may see it: another client's item is ``NotFound``, as an unused id is."""  # noqa: D205, D209
        return self._seen(aggregate_id, self._viewer(by))

    @reader
    def history(self, aggregate_id: str, *, by: Actor | None = None) -> tuple[DomainEvent, ...]:
        """Every event of one of this workflow's items, oldest first; ``by`` as for
        :meth:`get`. Which of the events a client may read is the host's to choose."""  # noqa: D205, D209
        found = self._seen(aggregate_id, self._viewer(by))
        return self._workspace.history(found.id)

    def _viewer(self, by: Actor | None) -> Actor | None:
        """``by`` bound to its clients by the rules in force (``None``: the team)."""
        return None if by is None else self._workspace.rules.bind(by)

    def _seen(self, aggregate_id: str, by: Actor | None) -> A:
        """:meth:`get` as ``by`` may see it (see :meth:`_mine`)."""
        found = self._workspace.engine.kinded.load(check_id(aggregate_id, f"{self.kind} id"))
        return self._mine(aggregate_id, found, by)

    @reader
    def list(
        self,
        *,
        client: str | None = None,
        project: str | None = None,
        owner: str | None = None,
        status: str | Sequence[str] | None = None,
        open: bool | None = None,
        after: str | None = None,
        limit: int = 100,
        by: Actor | None = None,
    ) -> list[AggregateRow]:
        """Rows of this workflow from the read side, by id, after ``after`` (paging;
        ``limit`` from 0 to :data:`MAX_PAGE`). With ``by`` (a client portal's user),
        only the rows of the clients ``by`` may act on, as :meth:`get` sees them: a
        ``client`` it may not see gives no rows, as a client with none would."""  # noqa: D205, D209
        check_count(limit, "limit", high=MAX_PAGE)
        if after is not None:
            check_id(after, "after")
        if client is not None:
            check_id(client, "client")
        viewer = self._viewer(by)
        clients: Sequence[str | None] = (client,)
        if viewer is not None and _scoped(viewer):
            # Read client by client (each an indexed query), never all and then filtered.
            seen = sorted(viewer.clients)
            clients = seen if client is None else [c for c in seen if c == client]
        rows: list[AggregateRow] = []
        for each in clients:
            query = Query(self.kind, each, project, owner, status, open)
            rows.extend(self._workspace.store.rows(query, after=after, limit=limit))
        if len(clients) > 1:  # pages of several clients: merged by id, cut to one page
            rows.sort(key=lambda row: row.id)
            del rows[limit:]
        return rows

    def run(
        self,
        aggregate_id: str,
        command: str,
        *,
        by: Actor,
        at: dt.datetime | None = None,
        key: str | None = None,
        **payload: object,
    ) -> Result[A]:
        """Run the declared command called ``command`` on ``aggregate_id`` as ``by``.

        The payload is checked and parsed from its JSON form (enum values, ISO 8601
        instants) by the declaration before anything is loaded; a command the state does
        not allow is refused naming it and the allowed commands as users call them.
        """
        return self._run(aggregate_id, command, by, at, key, payload)

    def _run(  # noqa: PLR0917 - private; run's arguments, the payload as it came
        self,
        aggregate_id: str,
        command: str,
        by: Actor,
        at: dt.datetime | None,
        key: str | None,
        payload: Mapping[str, object],
    ) -> Result[A]:
        """:meth:`run` with the payload as one mapping (a subclass's run passes it on)."""
        if not isinstance(command, str):
            raise ValidationError("command", "a command's name", got=command)
        if command in self._own:  # the service's own method does more than the handler
            method: Callable[..., Result[A]] = getattr(self, command)
            return method(aggregate_id, by=by, at=at, key=key, **payload)
        prepare = self._preparers.get(command) or self._preparer(command)
        try:
            decide, admit = prepare(aggregate_id, by, at, key, payload)
            return self._workspace.engine.run(aggregate_id, decide, key=key, admit=admit)
        except PermissionDenied as refused:
            # The domain knows ids; the rules know what people call them, for render().
            refused.people = self._workspace.rules.names.people
            raise

    def _declared(self) -> CommandSet[A]:
        declared = self.declared
        if declared is None:
            raise ValidationError("command", f"a command of a declared workflow ({self.kind})")
        return declared

    def _prepare(
        self,
        aggregate_id: str,
        command: str,
        *,
        by: Actor,
        at: dt.datetime | None = None,
        key: str | None = None,
        **payload: object,
    ) -> Command[A]:
        """The engine command :meth:`run` executes (checked now, decided by the engine)."""
        prepare = self._preparers.get(command) if isinstance(command, str) else None
        decide, admit = (prepare or self._preparer(command))(aggregate_id, by, at, key, payload)
        return Command(aggregate_id, decide, key, admit=admit)

    def _preparer(self, name: str) -> Prepare:
        """The preparer of the declared command ``name``, built once per service: every
        check that needs no aggregate when called, the rest in the engine's decide (one
        closure). What stays the same for every call (the declaration, the states it
        runs in, its permission, what it needs) is looked up here, not per command."""  # noqa: D205, D209
        declared = self._declared()
        spec = declared.command(name)
        parse, handler, needs, actor_name = spec.parser, spec.decide, spec.needs, spec.actor
        workspace, resolve, mine, kind = self._workspace, self._resolve, self._mine, self.aggregate
        label, creates, check_new = f"{self.kind} id", spec.creates, self._check_new_id
        fields = {field.name for field in spec.payload}
        placed = "client" in fields and "project" in fields  # the rules say whose a project is
        states = frozenset() if creates else declared.states(name)
        permit = None if spec.permission is None else declared.permit
        admit_of, taken = self._admit, self._taken  # a recalled result, a taken id: by ``by``

        def prepare(
            aggregate_id: str,
            by: Actor,
            at: dt.datetime | None,
            key: str | None,
            payload: Mapping[str, object],
        ) -> tuple[Decide, Admit | None]:
            values = parse(payload)  # a new dict: the handler's arguments, the actor added
            if not isinstance(by, Actor):
                raise ValidationError("by", "an Actor", got=by)
            rules = workspace.rules
            actor = rules.bind(by)
            check_id(aggregate_id, label)
            if creates:
                check_new(aggregate_id)
            if placed:
                client, project = values["client"], values["project"]
                if isinstance(client, str) and isinstance(project, str):
                    rules.check_project(client, project)
            when = None if at is None else to_utc(at, "at")
            values[actor_name] = actor  # the payload's names never include the actor's
            if creates:

                def decide(current: A | None, now: pendulum.DateTime) -> Decision[A]:
                    if current is not None:
                        raise taken(aggregate_id, current, actor)
                    context = resolve(name, needs, None, values, actor)
                    return handler(aggregate_id, now=when or now, **values, **context)

                # a recalled result only answers a key: no check to make without one
                return decide, None if key is None else admit_of(aggregate_id, actor)
            scoped = bool(actor.clients) or CLIENT_ROLE in actor.roles  # _scoped, inlined

            def act(current: A | None, now: pendulum.DateTime) -> Decision[A]:
                if scoped or current is None or type(current) is not kind:
                    # refuses (what a scoped actor may not see as not found), or accepts
                    target = mine(aggregate_id, current, actor)
                else:
                    target = current
                if target.status not in states:
                    raise declared.refuse(target.status, name)
                if permit is not None:
                    permit(spec, target, actor)
                context = resolve(name, needs, target, values, actor)
                return handler(target, now=when or now, **values, **context)

            return act, None if key is None else admit_of(aggregate_id, actor)

        self._preparers[name] = prepare
        return prepare

    def _resolve(
        self,
        command: str,
        needs: tuple[str, ...],
        aggregate: A | None,
        payload: Mapping[str, object],
        by: Actor,
    ) -> Mapping[str, object]:
        """What ``command`` ``needs`` from the rules for ``aggregate`` (``None`` when the
        command creates it, from its ``payload``): the workflow's one resolver. It may
        refuse ``by`` first by a rule the handler does not check (a change's client)."""  # noqa: D205, D209
        if needs:
            raise ValidationError("needs", f"nothing ({self.kind} resolves no context)", got=needs)
        return {}

    def _mine(self, aggregate_id: str, found: object, by: Actor | None = None) -> A:
        """``found`` as this workflow's aggregate, refused otherwise. To ``by`` scoped to
        clients, an aggregate of a client it may not act on, and to a client's person one
        of another workflow, does not exist: the same ``NotFound``, word for word, as an
        unused id (the refusal must not tell whether, or whose, it is)."""  # noqa: D205, D209
        if found is None or (by is not None and self._unseen(found, by)):
            raise NotFound(self.noun, aggregate_id)
        if not isinstance(found, self.aggregate):
            other = self._workspace.engine.kinds.kind_of(found).name  # type: ignore[arg-type]
            article = "an" if self.noun[0] in "aeiou" else "a"
            raise ValidationError(
                f"{self.kind} id",
                f"the id of {article} {self.noun}",
                got=f"{aggregate_id} (a {other})",
            )
        return found  # type: ignore[return-value]

    def _admit(self, aggregate_id: str, by: Actor | None) -> Callable[[object], object]:
        """What checks a result recalled by idempotency key before ``by`` gets it: keys
        are no secret (a form token, a risk trigger's derived key), so a duplicate is
        this workflow's aggregate that ``by`` may see, or refused as :meth:`_mine` does."""  # noqa: D205, D209
        return lambda found: self._mine(aggregate_id, found, by)

    def _taken(self, aggregate_id: str, found: A, by: Actor | None) -> AlreadyExists:
        """The refusal of a create on ``found``'s id: ids are shared by every client, so
        it must be refused, but to ``by`` scoped away from ``found`` without its version
        (how many events another client's item has)."""  # noqa: D205, D209
        hidden = by is not None and self._unseen(found, by)
        return AlreadyExists(aggregate_id, actual=None if hidden else found.version)

    def _unseen(self, found: object, by: Actor) -> bool:
        """Whether ``found`` does not exist for ``by`` (see :meth:`_mine`)."""
        return _scoped(by) and self._hidden(found, by)

    def _hidden(self, found: object, by: Actor) -> bool:
        """Whether ``found`` is hidden from ``by`` (scoped: see :meth:`_mine`)."""
        if not isinstance(found, self.aggregate) and by.has_role(CLIENT_ROLE):
            return True
        client = self._workspace.engine.kinds.describe(found).client  # type: ignore[arg-type]
        return tenant_failure(by, client) is not None

    def _check_new_id(self, aggregate_id: str) -> None:
        if aggregate_id.startswith(SURVEYS_PREFIX) and self.kind != SURVEYS_KIND:
            # Survey records' ids are derived from contacts: taking one for an issue or
            # feedback would stop that contact ever being surveyed.
            raise ValidationError(
                f"{self.kind} id", f"an id not starting with {SURVEYS_PREFIX!r}", got=aggregate_id
            )

    def _when(self, at: dt.datetime | None, now: pendulum.DateTime) -> pendulum.DateTime:
        return now if at is None else to_utc(at, "at")

    def _create(
        self,
        aggregate_id: str,
        make: Callable[[pendulum.DateTime], Decision[A]],
        at: dt.datetime | None,
        key: str | None,
        by: Actor | None = None,
    ) -> Result[A]:
        check_id(aggregate_id, f"{self.kind} id")
        self._check_new_id(aggregate_id)

        def decide(current: A | None, now: pendulum.DateTime) -> Decision[A]:
            if current is not None:
                raise self._taken(aggregate_id, current, by)
            return make(self._when(at, now))

        admit = self._admit(aggregate_id, by)
        return self._workspace.engine.execute(Command(aggregate_id, decide, key, admit=admit))

    def _act(
        self,
        aggregate_id: str,
        step: Callable[[A, pendulum.DateTime], Decision[A]],
        at: dt.datetime | None,
        key: str | None,
        by: Actor | None = None,
    ) -> Result[A]:
        check_id(aggregate_id, f"{self.kind} id")

        def decide(current: A | None, now: pendulum.DateTime) -> Decision[A]:
            return step(self._mine(aggregate_id, current, by), self._when(at, now))

        admit = self._admit(aggregate_id, by)
        return self._workspace.engine.execute(Command(aggregate_id, decide, key, admit=admit))


def _method(owner: type, declared: CommandSet[Any], name: str) -> Callable[..., Result[Any]]:
    """The service method of the declared command ``name``: :meth:`Service.run` with the
    declaration's payload as its keyword arguments (``inspect.signature`` shows them)."""  # noqa: D205, D209
    spec = declared.command(name)  # its payload for the signature; refuses an unknown name
    id_name = f"{declared.kind}_id"

    def method(
        self: Service[Any],
        *args: object,
        by: Actor | None = None,
        at: dt.datetime | None = None,
        key: str | None = None,
        **payload: object,
    ) -> Result[Any]:
        if len(args) == 1 and id_name not in payload:
            target = args[0]
        elif not args and id_name in payload:
            target = payload.pop(id_name)
        else:
            raise ValidationError(name, f"the {id_name}, then keyword arguments", got=args)
        if name in self._own:  # a subclass wrote its own: run calls it
            return self.run(target, name, by=by, at=at, key=key, **payload)  # type: ignore[arg-type]
        prepare = self._preparers.get(name) or self._preparer(name)
        try:
            # What run does for a declared command, without its look-up of the name.
            decide, admit = prepare(target, by, at, key, payload)  # type: ignore[arg-type]
            return self._workspace.engine.run(target, decide, key=key, admit=admit)  # type: ignore[arg-type]
        except PermissionDenied as refused:
            refused.people = self._workspace.rules.names.people  # as _binding does
            raise

    keyword = inspect.Parameter.KEYWORD_ONLY
    fields = [
        inspect.Parameter(f.name, keyword, annotation=f.annotation)
        if f.required
        else inspect.Parameter(f.name, keyword, default=f.default, annotation=f.annotation)
        for f in spec.payload
    ]
    method.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter(id_name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str),
            inspect.Parameter("by", keyword, annotation=Actor),
            *fields,
            inspect.Parameter("at", keyword, default=None, annotation=dt.datetime | None),
            inspect.Parameter("key", keyword, default=None, annotation=str | None),
        ],
        return_annotation=Result,
    )
    method.__name__ = name
    method.__qualname__ = f"{owner.__name__}.{name}"
    method.__module__ = owner.__module__
    method.__doc__ = spec.doc
    return method


def check_arguments(cls: type) -> None:
    """Check the arguments of every public method ``cls`` defines against its annotations
    (:func:`~clientflow.core.edge.checked`), so a web form's list where an id is expected,
    or a string where a list is, is a ``ValidationError`` before anything is loaded."""  # noqa: D205, D209
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(member) and not _open(member):
            setattr(cls, name, checked(member))


def _open(function: Callable[..., object]) -> bool:
    """Whether ``function`` takes ``**payload`` (checked by its declaration instead)."""
    kinds = (p.kind for p in inspect.signature(function).parameters.values())
    return inspect.Parameter.VAR_KEYWORD in kinds


check_arguments(Service)
