"""Payloads as a web handler receives them: JSON objects and enum values as strings.

>>> impact_from({"schedule_days": 2, "cost": "9000 CNY", "effort_hours": 16,
...              "risk": "medium", "in_scope": False, "priority": "should"}).cost
Money(amount=Decimal('9000'), currency='CNY')
"""

from __future__ import annotations

from clientflow.cadence import touchpoint_from
from clientflow.changes import impact_from
from clientflow.core.edge import enum_of

__all__ = ["enum_of", "impact_from", "touchpoint_from"]
