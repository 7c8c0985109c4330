"""What every workflow service of a workspace shares: load, check, decide, save, list."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import pendulum

from clientflow.core import (
    Actor,
    Aggregate,
    AlreadyExists,
    Decision,
    NotFound,
    ValidationError,
    check_id,
    checked,
    to_utc,
)
from clientflow.core.edge import check_count
from clientflow.engine import Command, Result
from clientflow.feedback import SURVEYS_KIND, SURVEYS_PREFIX
from clientflow.ports import AggregateRow, Query

if TYPE_CHECKING:
    from clientflow.workspace.core import Workspace

__all__ = ["MAX_PAGE", "Service", "check_arguments"]

MAX_PAGE = 10_000
"""The most rows one page of ``list``/``rows`` returns."""

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")


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
        return command(self, *args, **kwargs)

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
    ``commands`` names the public commands (every public method taking ``by=``).
    """

    noun: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    aggregate: ClassVar[type]
    commands: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Bound here, once for every command, so a command added later cannot skip it.
        found = set(cls.commands)
        for name, member in list(vars(cls).items()):
            if name.startswith("_") or not inspect.isfunction(member):
                continue
            if "by" in inspect.signature(member).parameters:
                setattr(cls, name, _binding(member))
                found.add(name)
        cls.commands = tuple(sorted(found))
        # Outside the binding: an argument of the wrong type is refused before anything
        # (the binding included) looks at it.
        check_arguments(cls)

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace

    def get(self, aggregate_id: str) -> A:
        """The current state; ``NotFound`` for an unknown id, ``ValidationError`` for the
        id of another workflow's aggregate."""  # noqa: D205, D209
        found = self._workspace.store.load(check_id(aggregate_id, f"{self.kind} id"))
        return self._mine(aggregate_id, found)

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
    ) -> list[AggregateRow]:
        """Rows of this workflow from the read side, by id, after ``after`` (paging;
        ``limit`` from 0 to :data:`MAX_PAGE`)."""  # noqa: D205, D209
        check_count(limit, "limit", high=MAX_PAGE)
        if after is not None:
            check_id(after, "after")
        query = Query(self.kind, client, project, owner, status, open)
        return list(self._workspace.store.rows(query, after=after, limit=limit))

    def _mine(self, aggregate_id: str, found: object) -> A:
        if found is None:
            raise NotFound(self.noun, aggregate_id)
        if not isinstance(found, self.aggregate):
            other = self._workspace.store.codec.kind_of(found).name  # type: ignore[arg-type]
            article = "an" if self.noun[0] in "aeiou" else "a"
            raise ValidationError(
                f"{self.kind} id",
                f"the id of {article} {self.noun}",
                got=f"{aggregate_id} (a {other})",
            )
        return found  # type: ignore[return-value]

    def _when(self, at: dt.datetime | None, now: pendulum.DateTime) -> pendulum.DateTime:
        return now if at is None else to_utc(at, "at")

    def _create(
        self,
        aggregate_id: str,
        make: Callable[[pendulum.DateTime], Decision[A]],
        at: dt.datetime | None,
        key: str | None,
    ) -> Result[A]:
        check_id(aggregate_id, f"{self.kind} id")
        if aggregate_id.startswith(SURVEYS_PREFIX) and self.kind != SURVEYS_KIND:
            # Survey records' ids are derived from contacts: taking one for an issue or
            # feedback would stop that contact ever being surveyed.
            raise ValidationError(
                f"{self.kind} id", f"an id not starting with {SURVEYS_PREFIX!r}", got=aggregate_id
            )

        def decide(current: A | None, now: pendulum.DateTime) -> Decision[A]:
            if current is not None:
                raise AlreadyExists(aggregate_id, actual=current.version)
            return make(self._when(at, now))

        return self._workspace.engine.execute(Command(aggregate_id, decide, key))

    def _act(
        self,
        aggregate_id: str,
        step: Callable[[A, pendulum.DateTime], Decision[A]],
        at: dt.datetime | None,
        key: str | None,
    ) -> Result[A]:
        check_id(aggregate_id, f"{self.kind} id")

        def decide(current: A | None, now: pendulum.DateTime) -> Decision[A]:
            return step(self._mine(aggregate_id, current), self._when(at, now))

        return self._workspace.engine.execute(Command(aggregate_id, decide, key))


def check_arguments(cls: type) -> None:
    """Check the arguments of every public method ``cls`` defines against its annotations
    (:func:`~clientflow.core.edge.checked`), so a web form's list where an id is expected,
    or a string where a list is, is a ``ValidationError`` before anything is loaded."""  # noqa: D205, D209
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(member):
            setattr(cls, name, checked(member))


check_arguments(Service)
