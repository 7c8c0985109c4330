"""The workflows besides issues, measured and compared the same way.

An issue's outcome has its own shape (clocks per metric and priority, see
:mod:`clientflow.whatif.compare`). The other workflows' outcomes are counts and a few
facts per aggregate: a :class:`Measure` says, for one replayed aggregate, what adds up
(``counts``: a route taken, approvers asked, business hours to a decision) and what is
compared aggregate by aggregate (``facts``: its route, its approvers, its decision).
A :class:`FlowWhatIf` is one workflow's counts before and after and the aggregates
whose facts differ.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping

import attrs

from clientflow import cadence, changes, risks
from clientflow.config import Rules
from clientflow.core import ClientflowError
from clientflow.whatif.replay import CHANGES, PLANS, RISKS, Flag, Flow, Replay

__all__ = [
    "FLOWS",
    "FlowChange",
    "FlowClient",
    "FlowWhatIf",
    "Measure",
    "Measured",
    "Workflow",
    "change_measure",
    "plan_measure",
    "risk_measure",
]

_HOUR = dt.timedelta(hours=1)


@attrs.frozen
class Measure:
    """What one replay made of one aggregate: ``counts`` that add up across aggregates
    (stable English keys, e.g. ``route large``, ``approvers asked``) and ``facts``
    compared aggregate by aggregate (``route``, ``approvers``, ``decision`` ...)."""  # noqa: D205, D209

    id: str
    client: str
    counts: Mapping[str, float]
    facts: Mapping[str, str]


@attrs.frozen
class FlowChange:
    """One way an aggregate's outcome differs, e.g. ``CR-7`` ``route``: ``standard`` ->
    ``large``."""  # noqa: D205, D209

    id: str
    client: str
    what: str
    before: str
    after: str


@attrs.frozen
class FlowClient:
    """One client's counts of one workflow, before and after (every key on both sides)."""

    client: str
    before: Mapping[str, float]
    after: Mapping[str, float]


@attrs.frozen
class FlowWhatIf:
    """One workflow's period replayed twice: counts before and after (every key on
    both sides), in total and per client, the aggregates whose facts differ, the facts
    not replayable per side, and how many aggregates the baseline reproduced exactly."""  # noqa: D205, D209

    kind: str
    before: Mapping[str, float]
    after: Mapping[str, float]
    changes: tuple[FlowChange, ...] = ()
    flags_before: tuple[Flag, ...] = ()
    flags_after: tuple[Flag, ...] = ()
    earlier: int = 0
    reproduced: int = 0
    diverged: tuple[str, ...] = ()
    clients: tuple[FlowClient, ...] = ()
    """Per client, by client id."""


Measured = Callable[[Replay, str, Rules], Measure | None]
"""One replay (of an aggregate of ``client``) measured under the rules it ran under."""
Same = Callable[[Rules, Rules, str], bool]
"""Whether two rules give a client's aggregates of a workflow everything alike."""


def _hours(hours: float) -> str:
    return f"{hours:g}"


def change_measure(replay: Replay, client: str, rules: Rules) -> Measure | None:
    """A change request's approval: the routes it took (an automatic approval is a
    route too), the approvers asked, its decision, the business hours from each
    request for approval to its decision, the approval escalations."""  # noqa: D205, D209
    change = replay.aggregate
    if not isinstance(change, changes.ChangeRequest):
        return None
    calendar = rules.calendar_for(client)
    counts: defaultdict[str, float] = defaultdict(float, {"changes": 1})
    routes: list[str] = []
    asked: set[str] = set()
    decision = "not requested"
    hours = 0.0
    asked_at = None
    for event in replay.events:
        if isinstance(event, changes.ApprovalRequested):
            routes.append(event.round.route)
            counts[f"route {event.round.route}"] += 1
            people = {p for stage in event.round.stages for g in stage for p in g.eligible}
            counts["approvers asked"] += len(people)
            asked |= people
            asked_at = event.occurred_at
            decision = "pending"
        elif isinstance(event, changes.ChangeApproved | changes.ChangeRejected):
            automatic = isinstance(event, changes.ChangeApproved) and event.automatic
            if automatic:
                routes.append(event.route)
                counts[f"route {event.route}"] += 1
                decision = "approved automatically"
            else:
                decision = "approved" if isinstance(event, changes.ChangeApproved) else "rejected"
            if asked_at is not None and not automatic:
                took = calendar.elapsed(asked_at, event.occurred_at) / _HOUR
                counts["decision hours"] += took
                counts["decided by vote"] += 1
                hours += took
            asked_at = None
        elif isinstance(event, changes.ApprovalEscalated):
            counts["approval escalations"] += 1
        elif isinstance(event, changes.ChangeSentBack):
            decision, asked_at = "sent back", None
    counts[f"decision {decision}"] += 1
    facts = {
        "route": ", ".join(routes) or "none",
        "approvers": ", ".join(sorted(asked)) or "none",
        "decision": decision,
        "decision hours": _hours(round(hours, 2)),
        "approval escalations": str(int(counts["approval escalations"])),
    }
    return Measure(change.id, client, dict(counts), facts)


def risk_measure(replay: Replay, client: str, rules: Rules) -> Measure | None:
    """A risk's reviews: its rating at the end, the reviews it missed (review alerts),
    the overdue action alerts, and when its next review is due."""  # noqa: D205, D209
    risk = replay.aggregate
    if not isinstance(risk, risks.Risk):
        return None
    counts: Counter[str] = Counter({"risks": 1})
    for event in replay.events:
        if isinstance(event, risks.ReviewMissed):
            counts["review alerts"] += 1
        elif isinstance(event, risks.ActionOverdue):
            counts["action alerts"] += 1
    rating = "none" if risk.rating is None else risk.rating.value
    counts[f"rating {rating}"] += 1
    facts = {
        "rating": rating,
        "review alerts": str(counts["review alerts"]),
        "action alerts": str(counts["action alerts"]),
        "review due": "none" if risk.review_due is None else risk.review_due.isoformat(),
    }
    return Measure(risk.id, client, dict(counts), facts)


_PLAN_ALERTS = {
    cadence.OccurrenceDue: "occurrences due",
    cadence.OccurrenceOverdue: "occurrences overdue",
    cadence.SilenceDetected: "silences",
    cadence.ReplyOwed: "replies owed",
}


def plan_measure(replay: Replay, client: str, rules: Rules) -> Measure | None:
    """A communication plan's alerts: occurrences due and overdue, silences, replies
    owed."""  # noqa: D205, D209
    plan = replay.aggregate
    if not isinstance(plan, cadence.CommunicationPlan):
        return None
    counts: Counter[str] = Counter({"plans": 1})
    for event in replay.events:
        name = _PLAN_ALERTS.get(type(event))
        if name is not None:
            counts[name] += 1
    facts = {name: str(counts[name]) for name in _PLAN_ALERTS.values()}
    return Measure(plan.id, client, dict(counts), facts)


def _same_approval(old: Rules, new: Rules, client: str) -> bool:
    try:
        return (
            old.approval_for(client) == new.approval_for(client)
            and old.directory_for(client) == new.directory_for(client)
            and old.calendar_for(client) == new.calendar_for(client)
        )
    except ClientflowError:
        return False  # one side has no policy for it: replay both to say why


def _same_risks(old: Rules, new: Rules, client: str) -> bool:
    return old.risks == new.risks and old.risk_calendar_for(client) == new.risk_calendar_for(client)


def _template_of(rules: Rules, client: str) -> object:
    found = rules.clients.get(client)
    return None if found is None or not found.plan else rules.plans.get(found.plan)


def _same_plans(old: Rules, new: Rules, client: str) -> bool:
    return old.calendar_for(client) == new.calendar_for(client) and _template_of(
        old, client
    ) == _template_of(new, client)


@attrs.frozen
class Workflow:
    """How one workflow is replayed and measured: its :class:`Flow`, its measure, and
    whether two rules treat a client's aggregates alike (then one replay serves both)."""  # noqa: D205, D209

    flow: Flow
    measure: Measured
    same: Same


FLOWS: tuple[Workflow, ...] = (
    Workflow(CHANGES, change_measure, _same_approval),
    Workflow(PLANS, plan_measure, _same_plans),
    Workflow(RISKS, risk_measure, _same_risks),
)
"""The workflows compared besides issues, in the order the reports show them."""


class Comparison:
    """One workflow's counts and changes, built as aggregates are replayed."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.counts: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
        self.clients: dict[str, tuple[Counter[str], Counter[str]]] = {}
        self.changes: list[FlowChange] = []
        self.flags: tuple[list[Flag], list[Flag]] = ([], [])
        self.earlier = 0
        self.reproduced = 0
        self.diverged: list[str] = []

    def add(
        self,
        reproduced: bool,
        replays: tuple[Replay, Replay],
        measures: tuple[Measure | None, Measure | None],
        ident: str,
        client: str,
    ) -> None:
        """Two replays of one aggregate (baseline first), measured; ``reproduced``: the
        baseline's events are the record's."""  # noqa: D205, D209
        if reproduced:
            self.reproduced += 1
        else:
            self.diverged.append(ident)
        mine = self.clients.setdefault(client, (Counter(), Counter()))
        for side, replay in enumerate(replays):
            self.flags[side].extend(replay.flags)
            found = measures[side]
            for counts in (self.counts[side], mine[side]):
                counts["flagged"] += len(replay.flags)
                if found is not None:
                    counts.update(found.counts)
        before, after = measures
        old = {} if before is None else before.facts
        new = {} if after is None else after.facts
        for what in sorted(old.keys() | new.keys()):
            if old.get(what, "none") != new.get(what, "none"):
                self.changes.append(
                    FlowChange(ident, client, what, old.get(what, "none"), new.get(what, "none"))
                )

    def result(self) -> FlowWhatIf:
        """The comparison, every count's key on both sides (0 where absent)."""
        before, after = _sides(self.counts)
        return FlowWhatIf(
            self.kind,
            before,
            after,
            tuple(self.changes),
            tuple(self.flags[0]),
            tuple(self.flags[1]),
            self.earlier,
            self.reproduced,
            tuple(self.diverged),
            tuple(FlowClient(c, *_sides(counts)) for c, counts in sorted(self.clients.items())),
        )


def _sides(
    counts: tuple[Counter[str], Counter[str]],
) -> tuple[dict[str, float], dict[str, float]]:
    """Both sides' counts, every key on both (0 where absent)."""
    keys = sorted(counts[0].keys() | counts[1].keys())
    return {k: round(counts[0][k], 2) for k in keys}, {k: round(counts[1][k], 2) for k in keys}
