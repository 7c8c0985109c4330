"""The scope ledger: approved change against the project's baseline, and a creep flag."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from clientflow.changes.model import ChangeRequest, Money
from clientflow.core import ValidationError

__all__ = ["COUNTED_STATES", "Baseline", "LedgerEntry", "ScopeLedger", "scope_ledger"]

COUNTED_STATES = frozenset({"approved", "implemented", "closed"})
"""Changes in these states count against the baseline."""
_LISTED_STATES = {
    "deferred": "deferred",
    "rejected": "rejected",
    "assessed": "pending",
    "awaiting_approval": "pending",
}


def _percent(value: Decimal | int | str) -> Decimal:
    parsed = Decimal(value)
    if not parsed.is_finite() or parsed <= 0:
        raise ValidationError("creep_threshold_percent", "a percentage > 0", got=value)
    return parsed


@attrs.frozen
class Baseline:
    """What the project was agreed at: budget, schedule, and how much growth is creep."""

    budget: Money
    schedule_days: int
    creep_threshold_percent: Decimal = attrs.field(default=Decimal(10), converter=_percent)

    def __attrs_post_init__(self) -> None:
        if self.budget.amount <= 0:
            raise ValidationError("baseline.budget", "an amount > 0", got=str(self.budget))
        if (
            isinstance(self.schedule_days, bool)
            or not isinstance(self.schedule_days, int)
            or self.schedule_days <= 0
        ):
            raise ValidationError(
                "baseline.schedule_days",
                "a whole number of business days > 0",
                got=self.schedule_days,
            )


@attrs.frozen
class LedgerEntry:
    """One change as the ledger shows it."""

    change_id: str
    title: str
    status: str
    cost: Money
    schedule_days: int
    in_scope: bool


@attrs.frozen
class ScopeLedger:
    """Totals of approved changes against the baseline; deferred, rejected, pending listed."""

    project: str
    baseline: Baseline
    counted: tuple[LedgerEntry, ...]
    deferred: tuple[LedgerEntry, ...]
    rejected: tuple[LedgerEntry, ...]
    pending: tuple[LedgerEntry, ...]
    cost_delta: Money
    schedule_delta: int

    @property
    def cost_percent(self) -> Decimal:
        """Approved cost change as a percentage of the baseline budget."""
        return self.cost_delta.amount * 100 / self.baseline.budget.amount

    @property
    def schedule_percent(self) -> Decimal:
        """Approved schedule change as a percentage of the baseline schedule."""
        return Decimal(self.schedule_delta * 100) / self.baseline.schedule_days

    @property
    def creep(self) -> bool:
        """Whether approved changes grew cost or schedule past the threshold."""
        limit = self.baseline.creep_threshold_percent
        return self.cost_percent > limit or self.schedule_percent > limit


def scope_ledger(project: str, baseline: Baseline, changes: Iterable[ChangeRequest]) -> ScopeLedger:
    """Build the ledger of ``project`` from its change requests (others are ignored).

    >>> from clientflow.changes import Money
    >>> ledger = scope_ledger("apollo", Baseline(Money(100_000, "EUR"), 120), [])
    >>> ledger.cost_delta, ledger.creep
    (Money(amount=Decimal('0'), currency='EUR'), False)
    """
    currency = baseline.budget.currency
    lists: dict[str, list[LedgerEntry]] = {
        "counted": [],
        "deferred": [],
        "rejected": [],
        "pending": [],
    }
    cost = Money.zero(currency)
    days = 0
    for change in changes:
        if change.project != project or change.impact is None:
            continue
        impact = change.impact
        if impact.cost.currency != currency:
            raise ValidationError(
                f"changes.{change.id}.cost.currency",
                f"the baseline's currency {currency}",
                got=impact.cost.currency,
            )
        entry = LedgerEntry(
            change.id,
            change.title,
            change.status,
            impact.cost,
            impact.schedule_days,
            impact.in_scope,
        )
        if change.status in COUNTED_STATES:
            lists["counted"].append(entry)
            cost += impact.cost
            days += impact.schedule_days
        elif change.status in _LISTED_STATES:
            lists[_LISTED_STATES[change.status]].append(entry)
    return ScopeLedger(
        project=project,
        baseline=baseline,
        counted=tuple(lists["counted"]),
        deferred=tuple(lists["deferred"]),
        rejected=tuple(lists["rejected"]),
        pending=tuple(lists["pending"]),
        cost_delta=cost,
        schedule_delta=days,
    )
