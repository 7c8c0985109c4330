"""How serious something is, from low to critical: a change's risk, a risk's rating."""

from __future__ import annotations

import enum

__all__ = ["Rating"]


class Rating(enum.Enum):
    """Low, medium, high or critical; ``rank`` orders them (0 for low up to 3)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for low up to 3 for critical, for comparisons."""
        return _ORDER.index(self)


_ORDER = (Rating.LOW, Rating.MEDIUM, Rating.HIGH, Rating.CRITICAL)
