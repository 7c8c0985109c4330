"""What a rules workflow's transitions and timers do besides moving an item (issue 26).

A transition may need an **approval step** (``approval = ["sales", "finance"]``: stages
of approver groups, the same :class:`~clientflow.changes.ApproverGroup` a change's
routes use), carbon-copy people (``cc``) and tell the client (``client = "<label>"``);
a state may show the client a label of its own (``client_states``); a timer may climb
an escalation ladder (``escalate = "<[escalation] policy>"``, its levels one after the
other in business time). :class:`FlowSteps` holds these for one workflow, checked by
:func:`parse_steps` with every mistake reported at its key.

>>> steps = FlowSteps(cc={"submit": ("role:finance",)}, client_labels={"submit": "已提交"})
>>> steps.cc_of("submit"), steps.client_label("submit"), steps.client_label("archive")
(('role:finance',), '已提交', '')
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

import attrs
import pendulum

from clientflow import changes
from clientflow.config.spec import INVALID, Problems, got, suggest
from clientflow.core import ConfigProblem, DomainEvent
from clientflow.core.errors import N_, Phrase, quoted
from clientflow.escalation import EscalationPolicy, Level

__all__ = [
    "REJECT",
    "ApprovalStep",
    "FlowSteps",
    "ItemEscalated",
    "ItemVoted",
    "StageCondition",
    "approval_groups",
    "idle_delegations",
    "parse_steps",
    "unheld_groups",
]

REJECT = "reject"
"""The machine event a rejected approval step fires (to the step's ``on_reject`` state)."""

APPROVE = "approve"
"""The command an approver votes for a step with (``reject`` votes against it)."""


_COMPARISONS: Mapping[str, Callable[[Decimal, Decimal], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
# ASCII digits only, as amounts are stored (fullwidth digits are a typo to report)
_WHEN = re.compile(
    r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*", re.ASCII
)


@attrs.frozen
class StageCondition:
    """``when = "amount > 5000"`` on an approval stage (as 简道云's condition branches).

    The stage is asked only when the item's number or money field compares so; an item
    without the field is asked (the safe side: more approval, never less).

    >>> when = StageCondition("amount", ">", Decimal(5000))
    >>> when.holds({"amount": "5000.00"}), when.holds({"amount": "5200"}), when.holds({})
    (False, True, True)
    """

    field: str
    comparison: str
    limit: Decimal

    def holds(self, values: Mapping[str, object]) -> bool:
        """Whether an item with ``values`` goes through the stage."""
        given = values.get(self.field)
        if given is None:
            return True
        return _COMPARISONS[self.comparison](Decimal(str(given)), self.limit)

    def __str__(self) -> str:
        return f"{self.field} {self.comparison} {self.limit}"


@attrs.frozen
class ApprovalStep:
    """``approval`` on a transition: the item leaves ``sources`` by ``transition`` once
    every stage of ``stages`` approved (in order; every group of a stage at once, each
    by its mode, the person who moved the item into the state never voting); a
    rejection moves it to ``on_reject``. ``conditions`` (one per stage, ``None`` for a
    stage always asked) leave out the stages an item does not need."""  # noqa: D205, D209

    transition: str
    sources: tuple[str, ...]
    stages: tuple[tuple[changes.ApproverGroup, ...], ...]
    on_reject: str
    on_rejection: changes.OnRejection = changes.OnRejection.REJECT
    conditions: tuple[StageCondition | None, ...] = ()

    @property
    def route(self) -> changes.Route:
        """The step as a change workflow's route (named after the transition), every stage."""
        return changes.Route(self.transition, changes.Condition(), self.stages)

    def route_for(self, values: Mapping[str, object]) -> changes.Route:
        """The route an item with ``values`` takes: the stages whose condition holds."""
        if not any(self.conditions):
            return self.route
        asked = tuple(
            stage
            for stage, when in zip(self.stages, self.conditions, strict=True)
            if when is None or when.holds(values)
        )
        return changes.Route(self.transition, changes.Condition(), asked)


@attrs.frozen
class FlowSteps:
    """A workflow's approval steps (by transition), carbon copies and client labels (by
    transition), client labels of states, escalation ladders (by the timer's state) and
    the delegations its approvers gave."""  # noqa: D205, D209

    approvals: Mapping[str, ApprovalStep] = attrs.field(factory=dict)
    cc: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    client_labels: Mapping[str, str] = attrs.field(factory=dict)
    client_states: Mapping[str, str] = attrs.field(factory=dict)
    ladders: Mapping[str, tuple[Level, ...]] = attrs.field(factory=dict)
    delegations: tuple[changes.Delegation, ...] = ()
    """Who may vote for an approver of the workflow's steps, and when."""

    def cc_of(self, transition: str) -> tuple[str, ...]:
        """Who is copied when ``transition`` fires (ids, ``role:`` and ``party:`` entries)."""
        return self.cc.get(transition, ())

    def client_label(self, transition: str) -> str:
        """What the client reads when ``transition`` fires; empty: the client is not told."""
        return self.client_labels.get(transition, "")

    def told(self, transition: str, source: str, target: str) -> str:
        """What the client reads when ``transition`` moves an item from ``source`` to
        ``target``: the transition's label, else the label of the state it enters when
        that differs from the one it leaves; empty: the client is not told."""  # noqa: D205, D209
        label = self.client_label(transition)
        if label:
            return label
        entered = self.client_states.get(target, "")
        return "" if entered == self.client_states.get(source, "") else entered

    def step_leaving(self, state: str) -> ApprovalStep | None:
        """The approval step an item in ``state`` waits for, if any."""
        for step in self.approvals.values():
            if state in step.sources:
                return step
        return None


@attrs.frozen(kw_only=True)
class ItemVoted(DomainEvent):
    """An approver voted on an item's approval step (``<name>.voted``); a ``late`` vote
    (after its group or the step was decided) is kept and changes nothing."""  # noqa: D205, D209

    event_type: ClassVar[str] = ""
    transition: str
    vote: changes.VoteRecord


@attrs.frozen(kw_only=True)
class ItemEscalated(DomainEvent):
    """An item waited too long in its state: the ladder's level ``level`` (from 1, named
    ``level_name``) is told (``notify``: ids and ``role:`` entries) and, if the level
    says so, takes the item over (``assign``) (``<name>.escalated``)."""  # noqa: D205, D209

    event_type: ClassVar[str] = ""
    level: int
    level_name: str
    notify: tuple[str, ...] = ()
    assign: str = ""
    deadline: pendulum.DateTime | None = None
    """When the next level is due, ``None`` after the last."""


def approval_groups(
    policies: Iterable[changes.ApprovalPolicy], own: Iterable[changes.ApproverGroup] = ()
) -> dict[str, list[changes.ApproverGroup]]:
    """The approver groups the rules' ``[approval]`` policies declare, by name (a name
    declared differently in two places has two entries), ``own`` groups (a workflow's
    ``approvers``) taking precedence over theirs."""  # noqa: D205, D209
    found: dict[str, list[changes.ApproverGroup]] = {}
    for policy in policies:
        for route in policy.routes:
            for stage in route.stages:
                for group in stage:
                    known = found.setdefault(group.name, [])
                    if group not in known:
                        known.append(group)
    found.update({group.name: [group] for group in own})
    return found


def _names(value: object) -> list[str]:
    if value is None or value is INVALID:
        return []
    return [value] if isinstance(value, str) else [v for v in value if v is not INVALID]  # type: ignore[attr-defined]


def _group(
    where: str, name: str, groups: Mapping[str, list[changes.ApproverGroup]], problems: Problems
) -> changes.ApproverGroup | None:
    found = groups.get(name, [])
    if len(found) == 1:
        return found[0]
    if found:
        why = Phrase(_TWICE, {"name": name})
    elif groups:
        values = {"name": name, "hint": suggest(name, list(groups)), "known": tuple(sorted(groups))}
        why = Phrase(_NO_GROUP, values)
    else:
        why = Phrase(_NO_GROUP_NONE, {"name": name})
    problems.append(ConfigProblem(where, Phrase(_GROUP, {"why": why})))
    return None


_GROUP = N_("expected an approver group: {why}")
_TWICE = N_(
    "{name} is declared differently in two [approval] policies; declare it once in approvers"
)
_NO_GROUP = N_("no approver group named '{name}'{hint}; known: {known}")
_NO_GROUP_NONE = N_("no approver group named '{name}'; none is declared")


def _condition(
    where: str, text: object, numeric: Mapping[str, str], problems: Problems
) -> StageCondition | None:
    if text is None or text is INVALID:
        return None
    match = _WHEN.fullmatch(str(text))
    if match is None:
        problems.append(
            ConfigProblem(
                where,
                got(
                    N_(
                        "a comparison of a number or money field with a number, such as"
                        ' "amount > 5000" (>, >=, <, <=, ==, !=)'
                    ),
                    text,
                ),
            )
        )
        return None
    field, comparison, limit = match.groups()
    if field not in numeric:
        expected = (
            Phrase(_NUMERIC, {"known": tuple(sorted(numeric))}) if numeric else Phrase(_NO_NUMERIC)
        )
        problems.append(ConfigProblem(where, got(expected, field, suggest(field, list(numeric)))))
        return None
    return StageCondition(field, comparison, Decimal(limit))


def _stages(
    where: str,
    entries: list[object],
    groups: Mapping[str, list[changes.ApproverGroup]],
    numeric: Mapping[str, str],
    problems: Problems,
) -> tuple[tuple[tuple[changes.ApproverGroup, ...], ...], tuple[StageCondition | None, ...]]:
    """Each entry a stage: a group's name, a list of names (groups deciding side by
    side, 会签) or a table ``{groups = ..., when = "..."}`` (asked only when it holds)."""  # noqa: D205, D209
    stages, conditions = [], []
    for i, entry in enumerate(entries):
        if entry is INVALID:
            continue
        at = f"{where}[{i}]"
        when: StageCondition | None = None
        given = entry
        if isinstance(entry, Mapping):
            when = _condition(f"{at}.when", entry.get("when"), numeric, problems)
            at, given = f"{at}.groups", entry.get("groups")
        names = [given] if isinstance(given, str) else _names(given)
        paths = [at] if isinstance(given, str) else [f"{at}[{j}]" for j in range(len(names))]
        found = [
            _group(path, name, groups, problems) for path, name in zip(paths, names, strict=True)
        ]
        stage = tuple(group for group in found if group is not None)
        shared = sorted(
            {p for i, g in enumerate(stage) for h in stage[i + 1 :] for p in g.actors & h.actors}
        )
        if len(set(stage)) < len(stage):
            again = sorted({g.name for i, g in enumerate(stage) if g in stage[:i]})
            problems.append(
                ConfigProblem(
                    at,
                    Phrase(
                        N_("expected each group once in a stage, got {groups} more than once"),
                        {"groups": tuple(again)},
                    ),
                )
            )
        elif shared:  # one vote would sign for two groups of a countersigned stage
            problems.append(
                ConfigProblem(
                    at,
                    Phrase(
                        N_(
                            "expected each person in one group of a stage (one signature per"
                            " group), got {people} in several"
                        ),
                        {"people": tuple(shared)},
                    ),
                )
            )
        if stage:
            stages.append(stage)
            conditions.append(when)
    if conditions and all(conditions):
        problems.append(
            ConfigProblem(
                where,
                Phrase(
                    N_(
                        "expected at least one stage without when: an item no stage asks for"
                        " would have nobody to approve it"
                    )
                ),
            )
        )
    return tuple(stages), tuple(conditions)


def _check_cc(where: str, entries: list[str], problems: Problems) -> None:
    for i, entry in enumerate(entries):
        kind, colon, name = entry.partition(":")
        if colon and not ((kind == "role" and name) or entry == "party:owner"):
            problems.append(
                ConfigProblem(
                    f"{where}[{i}]", got(N_("a person id, role:<name> or party:owner"), entry)
                )
            )


def _approval(  # noqa: PLR0917 - the transition and what it may name
    where: str,
    entry: Mapping[str, Any],
    transition: Any,
    states: list[str],
    groups: Mapping[str, list[changes.ApproverGroup]],
    numeric: Mapping[str, str],
    problems: Problems,
) -> ApprovalStep | None:
    """The approval step of one transition (``None`` without ``approval``)."""
    given, on_reject = entry.get("approval"), entry.get("on_reject")
    names: list[object] = [] if given is None or given is INVALID else list(given)
    if not names:
        if on_reject is not None:
            problems.append(
                ConfigProblem(
                    f"{where}.on_reject",
                    Phrase(N_("expected only with approval on the transition")),
                )
            )
        return None
    stages, conditions = _stages(f"{where}.approval", names, groups, numeric, problems)
    if on_reject is None:
        problems.append(
            ConfigProblem(
                f"{where}.on_reject",
                Phrase(N_("expected the state a rejected approval moves the item to")),
            )
        )
    elif on_reject is not INVALID and on_reject not in states:
        problems.append(
            ConfigProblem(
                f"{where}.on_reject",
                got(states_phrase(states), on_reject, suggest(on_reject, states)),
            )
        )
    if transition.fields:
        problems.append(
            ConfigProblem(
                f"{where}.fields",
                Phrase(N_("expected no fields on a transition its approvers fire by voting")),
            )
        )
    rejection = entry.get("on_rejection")
    return ApprovalStep(
        transition.name,
        tuple(transition.sources),
        stages,
        str(on_reject or ""),
        changes.OnRejection(rejection or "reject")
        if rejection is not INVALID
        else changes.OnRejection.REJECT,
        conditions,
    )


def _one_step_per_state(
    path: str, where: Mapping[str, str], approvals: Mapping[str, ApprovalStep], problems: Problems
) -> None:
    waiting: dict[str, str] = {}
    for step in approvals.values():
        for source in step.sources:
            if source in waiting:
                problems.append(
                    ConfigProblem(
                        f"{where[step.transition]}.approval",
                        Phrase(
                            N_(
                                "expected one approval step leaving {state} (the transition"
                                " '{other}' has one already)"
                            ),
                            {"state": source, "other": waiting[source]},
                        ),
                    )
                )
            waiting[source] = step.transition


def _ladders(
    path: str,
    timers: Mapping[str, Any],
    ladders: Mapping[str, EscalationPolicy],
    approvals: Mapping[str, ApprovalStep],
    problems: Problems,
) -> dict[str, tuple[Level, ...]]:
    found: dict[str, tuple[Level, ...]] = {}
    for state, timer in timers.items():
        if timer is INVALID:
            continue
        where, name, fire = f"{path}.timers.{state}", timer.get("escalate"), timer.get("fire")
        if fire in approvals:
            problems.append(
                ConfigProblem(
                    f"{where}.fire",
                    Phrase(
                        N_(
                            "expected a transition without approval ('{name}' is fired by its"
                            " approvers' votes)"
                        ),
                        {"name": fire},
                    ),
                )
            )
        if name is None or name is INVALID:
            continue
        if name not in ladders:
            expected = (
                Phrase(_LADDER, {"known": tuple(sorted(ladders))})
                if ladders
                else Phrase(_NO_LADDER)
            )
            hint = suggest(name, list(ladders))
            problems.append(ConfigProblem(f"{where}.escalate", got(expected, name, hint)))
            continue
        if fire is not None and fire is not INVALID:
            problems.append(
                ConfigProblem(
                    where,
                    Phrase(
                        N_(
                            "expected either fire or escalate: a timer that moves the item on"
                            " leaves nobody waiting to escalate"
                        )
                    ),
                )
            )
        found[state] = ladders[name].levels
    return found


def parse_steps(  # noqa: PLR0917 - each is a part of the declaration
    path: str,
    data: Mapping[str, Any],
    transitions: Iterable[Any],
    states: list[str],
    groups: Mapping[str, list[changes.ApproverGroup]],
    ladders: Mapping[str, EscalationPolicy],
    problems: Problems,
) -> FlowSteps:
    """The steps of ``[workflows.<name>]`` (``path``), its mistakes added to ``problems``.

    ``transitions`` are the declared transitions (with ``name``, ``sources`` and
    ``fields``), in file order; ``groups`` the approver groups by name (the workflow's
    own ``approvers`` and :func:`approval_groups`), ``ladders`` the rules'
    ``[escalation]`` policies a timer may climb.
    """
    declared = list(transitions)
    # the fields a stage's ``when`` may compare: number and money ones, wherever declared
    numeric = {
        field: kind.kind
        for fields in [data.get("fields") or {}, *(t.fields for t in declared)]
        for field, kind in fields.items()
        if getattr(kind, "kind", "") in {"number", "int", "money"}
    }
    approvals: dict[str, ApprovalStep] = {}
    cc: dict[str, tuple[str, ...]] = {}
    labels: dict[str, str] = {}
    where_of: dict[str, str] = {}
    given = [(i, e) for i, e in enumerate(data["transitions"] or ()) if e is not INVALID]
    for (i, entry), transition in zip(given, declared, strict=False):
        where = where_of[transition.name] = f"{path}.transitions[{i}]"
        step = _approval(where, entry, transition, states, groups, numeric, problems)
        if step is not None:
            approvals[transition.name] = step
        copied = _names(entry.get("cc"))
        _check_cc(f"{where}.cc", copied, problems)
        if copied:
            cc[transition.name] = tuple(copied)
        label = entry.get("client")
        if label is not None and label is not INVALID:
            labels[transition.name] = label
    _one_step_per_state(path, where_of, approvals, problems)
    if approvals:
        for transition in declared:
            if transition.name in {APPROVE, REJECT}:
                problems.append(
                    ConfigProblem(
                        f"{where_of[transition.name]}.name",
                        got(
                            N_(
                                "a name other than approve and reject in a workflow with"
                                " approval steps (its approvers' commands)"
                            ),
                            transition.name,
                        ),
                    )
                )
    client_states = dict(data.get("client_states") or {})
    for state in client_states:
        if state not in states:
            problems.append(
                ConfigProblem(
                    f"{path}.client_states.{state}",
                    Phrase(
                        N_("expected {expected}{hint}"),
                        {"expected": states_phrase(states), "hint": suggest(state, states)},
                    ),
                )
            )
    steps_ladders = _ladders(path, data.get("timers") or {}, ladders, approvals, problems)
    return FlowSteps(approvals, cc, labels, client_states, steps_ladders)


def unheld_groups(
    path: str,
    transitions: Iterable[Any],
    steps: FlowSteps,
    *,
    clients: Iterable[str],
    directory: Mapping[str, tuple[str, ...]],
    directory_for: Callable[[str], Mapping[str, tuple[str, ...]]],
) -> list[ConfigProblem]:
    """An approval stage whose group nobody could vote in, at the transition's
    ``approval[i]`` key: once when no one in ``directory`` holds its roles, else naming
    the ``clients`` whose items it would leave waiting for ever (each client's work
    sees only its own people)."""  # noqa: D205, D209
    found: list[ConfigProblem] = []
    served = sorted(clients)
    for i, transition in enumerate(transitions):
        step = steps.approvals.get(transition.name)
        for j, stage in enumerate(() if step is None else step.stages):
            for group in stage:
                if group.actors:
                    continue
                roles = tuple(sorted(group.roles))

                def held(directory: Mapping[str, tuple[str, ...]], group: Any = group) -> bool:
                    return any(directory.get(role) for role in group.roles)

                if not held(directory):
                    why = Phrase(N_("nobody holds {roles} in [directory]"), {"roles": roles})
                else:
                    missing = tuple(c for c in served if not held(directory_for(c)))
                    if not missing:
                        continue
                    values = {"clients": missing, "roles": roles}
                    why = Phrase(N_("nobody of client {clients} holds {roles}"), values)
                found.append(
                    ConfigProblem(
                        f"{path}.transitions[{i}].approval[{j}]",
                        Phrase(
                            N_(
                                "expected an approver group someone may vote in: {group} has"
                                " only roles and {why}, so its items would wait for ever"
                            ),
                            {"group": group.name, "why": why},
                        ),
                    )
                )
    return found


def idle_delegations(
    path: str, steps: FlowSteps, directories: Iterable[Mapping[str, tuple[str, ...]]]
) -> list[ConfigProblem]:
    """A delegation whose delegator approves in none of the workflow's approval steps
    (by name, or by a role the ``directories`` give them) could never be used: most
    likely a mistyped id, reported at its ``delegator`` key."""  # noqa: D205, D209
    if not steps.delegations:
        return []
    groups = [
        group for step in steps.approvals.values() for stage in step.stages for group in stage
    ]
    approvers = {person for group in groups for person in group.actors}
    for directory in directories:
        approvers |= {p for g in groups for role in g.roles for p in directory.get(role, ())}
    return [
        ConfigProblem(
            f"{path}.delegations[{i}].delegator",
            Phrase(
                N_("expected an approver of one of the workflow's approval steps{hint}, got {got}"),
                {
                    "hint": suggest(delegation.delegator, sorted(approvers)),
                    "got": quoted(delegation.delegator),
                },
            ),
        )
        for i, delegation in enumerate(steps.delegations)
        if delegation.delegator not in approvers
    ]


_NUMERIC = N_("a number or money field of the workflow (known: {known})")
_NO_NUMERIC = N_("a number or money field of the workflow (none is declared)")
_LADDER = N_("an [escalation] policy (known: {known})")
_NO_LADDER = N_("an [escalation] policy (none is declared)")


def states_phrase(states: Iterable[str]) -> Phrase:
    """The words "one of the states (a, b, c)", said in the reader's language."""
    # Each state once, as declared first: a state declared twice is reported at its own
    # key, and a list that repeats it reads as a mistake of the message.
    return Phrase(N_("one of the states ({states})"), {"states": tuple(dict.fromkeys(states))})
