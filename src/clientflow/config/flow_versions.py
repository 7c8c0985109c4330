"""A rules workflow's definitions across rules revisions.

Each item keeps the definition it started under, and moves onto a newer one only when
told to (``migrate``).

A definition is a ``[workflows.<name>]`` as the rules file gives it; its fingerprint
(:func:`definition_fingerprint`, the ``migrate`` table left out) is recorded in each
item's opening event. When a new rules revision changes the workflow, items opened
before it go on under their old definition (its states, transitions, fields, who and
timers), new items take the new one. The new revision may say where the old states go
(``[workflows.X.migrate] states = { "awaiting_legal" = "review" }``); an item is moved
onto it explicitly (a ``<name>.migrated`` event), refused with a :class:`ConfigError`
at the key when the mapping names a state no definition has, or leaves the item's state
without a place in the new definition.

>>> table = {"states": ["a", "b"], "final": ["b"]}
>>> definition_fingerprint(table) == definition_fingerprint({**table, "migrate": {}})
True
>>> definition_fingerprint(table) == definition_fingerprint({**table, "final": []})
False
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import attrs
import pendulum

from clientflow.config import flow_approvals
from clientflow.config.flows import (
    Directory,
    FlowSpec,
    Item,
    ItemMigrated,
    build_workflow,
    deadline_on_entry,
    event_types,
)
from clientflow.core import (
    Actor,
    BusinessCalendar,
    ConfigError,
    ConfigProblem,
    Decision,
    EventMeta,
    ValidationError,
    Workflow,
    decide,
    to_utc,
)
from clientflow.core.errors import N_, Phrase, quoted

__all__ = ["FlowVersions", "definition_fingerprint", "stamped"]


def definition_fingerprint(
    declared: Mapping[str, object], rules: Mapping[str, object] | None = None
) -> str:
    """A short hash of a ``[workflows.<name>]`` table as given (its ``migrate`` left out:
    saying where old states go does not change the definition), with what it takes from
    the rest of ``rules``: the ``[approval]`` groups its approval steps name and the
    ``[escalation]`` ladders its timers climb (so changing those is a new definition
    too, and items waiting under the old one keep their approvers and ladders)."""  # noqa: D205, D209
    kept = {key: value for key, value in declared.items() if key != "migrate"}
    kept.update(_borrowed(declared, rules or {}))
    text = json.dumps(kept, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _tables(value: object) -> list[Mapping[str, object]]:
    items = value if isinstance(value, list) else []
    return [item for item in items if isinstance(item, Mapping)]


def _group_names(given: object) -> set[str]:
    """The approver groups an ``approval`` names: a name, a list of stages, a stage of
    groups side by side or a table with ``groups``, at any depth."""  # noqa: D205, D209
    if isinstance(given, str):
        return {given}
    if isinstance(given, Mapping):
        return _group_names(given.get("groups"))
    if isinstance(given, list):
        return {name for entry in given for name in _group_names(entry)}
    return set()


def _borrowed(declared: Mapping[str, object], rules: Mapping[str, object]) -> dict[str, object]:
    """The declarations outside the workflow's table that it names (none: empty, so a
    workflow naming nothing else keeps the fingerprint of its table alone)."""  # noqa: D205, D209
    own = {group.get("name") for group in _tables(declared.get("approvers"))}
    named: set[object] = set()
    for transition in _tables(declared.get("transitions")):
        named.update(_group_names(transition.get("approval")))
    named -= own
    policies = rules.get("approval")
    groups = [
        group
        for _, policy in sorted(policies.items() if isinstance(policies, Mapping) else ())
        if isinstance(policy, Mapping)
        for route in _tables(policy.get("routes"))
        for stage in route.get("stages") or ()  # type: ignore[attr-defined]
        for group in _tables(stage)
        if group.get("name") in named
    ]
    ladders = rules.get("escalation")
    timers = declared.get("timers")
    climbed = {
        str(timer["escalate"]): ladders[timer["escalate"]].get("levels")
        for timer in (timers.values() if isinstance(timers, Mapping) else ())
        if isinstance(timer, Mapping)
        and isinstance(ladders, Mapping)
        and isinstance(ladders.get(timer.get("escalate")), Mapping)
    }
    found: dict[str, object] = {}
    if groups:
        found["(approval groups)"] = groups
    if climbed:
        found["(escalation levels)"] = climbed
    return found


def stamped(workflows: Mapping[str, FlowSpec], source: str) -> dict[str, FlowSpec]:
    """``workflows`` with the fingerprints of their declarations in ``source`` (the
    rules' canonical JSON)."""  # noqa: D205, D209
    if not workflows:
        return dict(workflows)
    data = json.loads(source)
    declared = data.get("workflows", {})
    return {
        name: attrs.evolve(spec, fingerprint=definition_fingerprint(declared[name], data))
        for name, spec in workflows.items()
    }


@attrs.frozen
class FlowVersions:
    """One rules workflow's definitions: ``current`` and the ``earlier`` ones by fingerprint.

    :attr:`workflow` is what a workspace runs: the current definition's commands, and a
    timer that fires each item's timer by the definition it runs under.
    """

    current: FlowSpec
    earlier: Mapping[str, FlowSpec] = attrs.field(factory=dict)
    people: frozenset[str] = frozenset()
    bound: Mapping[str, frozenset[str]] = attrs.field(factory=dict, eq=False)
    """The clients the rules bind people to (a ``person`` field's check per client)."""
    definitions: Mapping[str, Workflow[Item]] = attrs.field(init=False)
    workflow: Workflow[Item] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        now = build_workflow(self.current, self.people, self.bound)
        built = {
            fp: build_workflow(spec, self.people, self.bound) for fp, spec in self.earlier.items()
        }
        built[self.current.fingerprint] = now
        object.__setattr__(self, "definitions", built)
        if len(built) == 1:
            object.__setattr__(self, "workflow", now)
            return

        def timer(
            item: Item, *, now: pendulum.DateTime, calendar: BusinessCalendar, directory: Directory
        ) -> Decision[Item]:
            # the item's own definition: its timers, ladders and approval steps
            chosen = self.of(item).timer
            assert chosen is not None  # every rules workflow has its timer
            return chosen(item, now=now, calendar=calendar, directory=directory)

        object.__setattr__(self, "workflow", attrs.evolve(now, timer=timer))

    @property
    def name(self) -> str:
        """The workflow's kind name."""
        return self.current.name

    def of(self, item: Item) -> Workflow[Item]:
        """The definition ``item`` runs under (the one in force for items opened before
        definitions were recorded, and for ones the store's revisions do not hold: those
        are refused by its commands, naming the definition)."""  # noqa: D205, D209
        return self.definitions.get(item.definition, self.definitions[self.current.fingerprint])

    def spec_of(self, item: Item) -> FlowSpec:
        """The declaration of the definition ``item`` runs under."""
        return self.earlier.get(item.definition, self.current)

    def problems(self, item: Item) -> list[ConfigProblem]:
        """What keeps ``item`` from moving onto the definition in force, each at the key
        of the ``migrate`` table to change (empty: it may move)."""  # noqa: D205, D209
        path = f"workflows.{self.name}.migrate.states"
        known = sorted({s for spec in (self.current, *self.earlier.values()) for s in spec.states})
        found = [
            ConfigProblem(
                f"{path}.{old}",
                Phrase(
                    N_("expected a state of a definition of {name} ({states}), got {got}"),
                    {"name": self.name, "states": tuple(known), "got": quoted(old)},
                ),
            )
            for old in self.current.migrate
            if old not in known
        ]
        if item.status not in self.current.migrate and item.status not in self.current.states:
            found.append(
                ConfigProblem(
                    path,
                    Phrase(
                        N_(
                            "expected a new state for '{state}', which {id} is in and the"
                            " definition in force does not have (its states: {states})"
                        ),
                        {"state": item.status, "id": item.id, "states": tuple(self.current.states)},
                    ),
                )
            )
        return found

    def migrate(
        self,
        item: Item,
        *,
        actor: Actor,
        now: pendulum.DateTime,
        calendar: BusinessCalendar,
        directory: Directory,
    ) -> Decision[Item]:
        """Move ``item`` onto the definition in force, its state mapped by ``migrate``.

        Votes cast on an approval step under the earlier definition do not carry over:
        if the new definition has an approval step leaving the mapped state, a fresh
        round of it opens (its approvers from ``directory``; the earlier step's
        requester, else ``actor``, does not vote).

        An item already under it, or closed, is a :class:`ValidationError`; a mapping
        that cannot place it a :class:`ConfigError` at its key; the item is untouched.
        """
        if item.definition == self.current.fingerprint:
            raise ValidationError(
                f"{self.name}.{item.id}.definition",
                "an item under an earlier definition (this one runs under the one in force)",
                got=item.definition,
            )
        if item.closed or item.status in self.spec_of(item).final:
            raise ValidationError(f"{self.name}.{item.id}.status", "an open item", got=item.status)
        problems = self.problems(item)
        if problems:
            raise ConfigError(problems)
        state = self.current.migrate.get(item.status, item.status)
        at = to_utc(now, "now")
        requester = item.requester or actor.id
        waiting = flow_approvals.open_step(
            self.current.steps.step_leaving(state),
            number=1 if item.round is None else item.round.number + 1,
            requester=requester,
            directory=directory,
            calendar=calendar,
            now=at,
            values=item.values,
            delegations=self.current.steps.delegations,
        )
        event: ItemMigrated = event_types(self.name).migrated(
            meta=EventMeta(item.id, item.version + 1, at, actor.id),
            definition=self.current.fingerprint,
            previous=item.definition,
            state=state,
            closed=state in self.current.final,
            deadline=deadline_on_entry(self.current, state, item.values, at, calendar),
            round=waiting,
            requester="" if waiting is None else requester,
            client_label=_told(self.spec_of(item), self.current, item.status, state),
        )
        return decide(self.workflow.apply, item, event)


def _told(before: FlowSpec, after: FlowSpec, source: str, target: str) -> str:
    """What the client reads when an item in ``source`` under ``before`` is moved to
    ``target`` under ``after``: the new state's label when it differs from the one the
    item had (as a step tells it); empty: not told."""  # noqa: D205, D209
    entered = after.steps.client_states.get(target, "")
    return "" if entered == before.steps.client_states.get(source, "") else entered
