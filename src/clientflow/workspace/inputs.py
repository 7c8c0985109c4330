"""Payloads as a web handler receives them: JSON objects and enum values as strings.

>>> impact_from({"schedule_days": 2, "cost": "9000 CNY", "effort_hours": 16,
...              "risk": "medium", "in_scope": False, "priority": "should"}).cost
Money(amount=Decimal('9000'), currency='CNY')
"""

from __future__ import annotations

from collections.abc import Mapping

from clientflow.cadence import Channel as PlanChannel
from clientflow.cadence import Direction, ItemKind, Touchpoint
from clientflow.changes import impact_from
from clientflow.core import parse_instant
from clientflow.core.edge import enum_of, json_object

__all__ = ["enum_of", "impact_from", "touchpoint_from"]

_TOUCHPOINT = ("id", "direction", "channel", "at", "participants", "kind", "item_id", "summary")


def touchpoint_from(value: Touchpoint | Mapping[str, object]) -> Touchpoint:
    """A :class:`Touchpoint`, or one built from its JSON form (``at`` as ISO 8601 with
    its offset, enums by value)."""  # noqa: D205, D209
    if isinstance(value, Touchpoint):
        return value
    data = json_object(value, "touchpoint", _TOUCHPOINT)
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
