"""Payloads as a web handler receives them: JSON objects and enum values as strings.

>>> impact_from({"schedule_days": 2, "cost": "9000 CNY", "effort_hours": 16,
...              "risk": "medium", "in_scope": False, "priority": "should"}).cost
Money(amount=Decimal('9000'), currency='CNY')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clientflow.cadence import Channel as PlanChannel
from clientflow.cadence import Direction, ItemKind, Touchpoint
from clientflow.changes import Impact, Money, Priority, Risk
from clientflow.core import ValidationError, parse_instant

__all__ = ["enum_of", "impact_from", "touchpoint_from"]

_IMPACT = ("schedule_days", "cost", "effort_hours", "risk", "in_scope", "priority", "milestones")
_TOUCHPOINT = ("id", "direction", "channel", "at", "participants", "kind", "item_id", "summary")


def enum_of(kind: type[Any], value: object) -> object:
    """The member of ``kind`` whose value is ``value`` (a web form's string); anything else
    unchanged, so the command's own check says what is allowed."""  # noqa: D205, D209
    if isinstance(value, str):
        for member in kind:
            if member.value == value:
                return member
    return value


def _fields(value: object, name: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(name, f"a JSON object with {', '.join(allowed)}", got=value)
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        raise ValidationError(name, f"only the fields {', '.join(allowed)}", got=unknown)
    return value


def impact_from(value: Impact | Mapping[str, object]) -> Impact:
    """An :class:`Impact`, or one built from its JSON form (cost as ``"9000 CNY"`` or
    ``{"amount": "9000", "currency": "CNY"}``, enums by value)."""  # noqa: D205, D209
    if isinstance(value, Impact):
        return value
    data = _fields(value, "impact", _IMPACT)
    cost = data.get("cost")
    if isinstance(cost, str):
        amount, _, currency = cost.strip().partition(" ")
        cost = Money(amount, currency.strip())
    elif isinstance(cost, Mapping):
        cost = Money(cost.get("amount"), cost.get("currency"))  # type: ignore[arg-type]
    milestones = data.get("milestones", ())
    return Impact(
        schedule_days=data.get("schedule_days"),  # type: ignore[arg-type]
        cost=cost,  # type: ignore[arg-type]
        effort_hours=data.get("effort_hours", 0),
        risk=enum_of(Risk, data.get("risk")),  # type: ignore[arg-type]
        in_scope=data.get("in_scope"),  # type: ignore[arg-type]
        priority=enum_of(Priority, data.get("priority")),  # type: ignore[arg-type]
        milestones=milestones,
    )


def touchpoint_from(value: Touchpoint | Mapping[str, object]) -> Touchpoint:
    """A :class:`Touchpoint`, or one built from its JSON form (``at`` as ISO 8601 with
    its offset, enums by value)."""  # noqa: D205, D209
    if isinstance(value, Touchpoint):
        return value
    data = _fields(value, "touchpoint", _TOUCHPOINT)
    at = data.get("at")
    return Touchpoint(
        data.get("id"),  # type: ignore[arg-type]
        enum_of(Direction, data.get("direction")),  # type: ignore[arg-type]
        enum_of(PlanChannel, data.get("channel")),  # type: ignore[arg-type]
        parse_instant(at, "touchpoint.at") if isinstance(at, str) else at,
        participants=data.get("participants", ()),  # checked there: a str is refused
        kind=enum_of(ItemKind, data.get("kind")),  # type: ignore[arg-type]
        item_id=data.get("item_id"),
        summary=data.get("summary", ""),
    )
