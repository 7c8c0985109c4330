"""Risk rules: the matrix, review intervals, the issue a triggered risk opens, permissions.

Documented choices:

- a review interval is calendar time from the last assessment or review (a critical
  risk weekly, high every two weeks, medium monthly, low quarterly); a review falling
  outside working time is due at the next working moment of the client's calendar, so a
  review missed over a holiday is raised on the first working morning after it;
- a missed review is raised once per review period; the next review sets a new one;
- an overdue response action is escalated when due, then again every ``action_repeat``
  of business time while it stays open (like an overdue feedback follow-up);
- accepting a risk rated ``accept_from`` or above (a plan with strategy ``accept``, or
  closing it as ``accepted``) needs ``permissions.accept``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType

import attrs
import pendulum

from clientflow.core import HasRole, OnTeam, Rule, ValidationError
from clientflow.risks.model import CATEGORIES, Matrix, Rating

__all__ = ["REVIEW_EVERY", "RiskPermissions", "RiskPolicy"]

REVIEW_EVERY: Mapping[Rating, pendulum.Duration] = MappingProxyType(
    {
        Rating.CRITICAL: pendulum.duration(days=7),
        Rating.HIGH: pendulum.duration(days=14),
        Rating.MEDIUM: pendulum.duration(days=30),
        Rating.LOW: pendulum.duration(days=90),
    }
)
"""Default review intervals by rating."""
ISSUE_PRIORITY: Mapping[Rating, str] = MappingProxyType(
    {Rating.CRITICAL: "P1", Rating.HIGH: "P2", Rating.MEDIUM: "P3", Rating.LOW: "P4"}
)
"""Default priority of the issue a triggered risk opens, by its rating."""


@attrs.frozen
class RiskPermissions:
    """Who may act on risks; the party is ``owner`` (the risk's owner).

    ``manage``: identify, plan, start monitoring, review, complete actions, trigger and
    close; ``assess``: assess and re-assess; ``accept``: accept a risk rated at or above
    the policy's ``accept_from`` (default role ``sponsor``). ``manage`` and ``assess``
    default to the team (anyone but a client's people): the register is the team's.
    """

    manage: Rule = OnTeam()
    assess: Rule = OnTeam()
    accept: Rule = HasRole("sponsor")


def _intervals(value: Mapping[Rating, dt.timedelta]) -> Mapping[Rating, dt.timedelta]:
    if not isinstance(value, Mapping) or set(value) != set(Rating):
        raise ValidationError(
            "review_every", "an interval for each rating: low, medium, high, critical", got=value
        )
    for rating, interval in value.items():
        if not isinstance(interval, dt.timedelta) or interval <= dt.timedelta(0):
            raise ValidationError(f"review_every.{rating.value}", "a duration > 0", got=interval)
    return MappingProxyType(dict(value))


def _priorities(value: Mapping[Rating, str]) -> Mapping[Rating, str]:
    if not isinstance(value, Mapping) or set(value) != set(Rating):
        raise ValidationError(
            "issue_priority", "a priority for each rating: low, medium, high, critical", got=value
        )
    return MappingProxyType(dict(value))


def _categories(value: tuple[str, ...]) -> tuple[str, ...]:
    found = tuple(value)
    if not found or not all(isinstance(c, str) and c.strip() for c in found):
        raise ValidationError("categories", "one or more non-empty category names", got=value)
    return found


@attrs.frozen
class RiskPolicy:
    """How risks are rated, how often they are reviewed, what a triggered one opens.

    ``categories`` are the known categories (the eight of :data:`CATEGORIES` plus any a
    host adds); ``action_repeat`` is the business time between escalations of an
    overdue action.
    """

    matrix: Matrix = Matrix()
    review_every: Mapping[Rating, dt.timedelta] = attrs.field(
        default=REVIEW_EVERY, converter=_intervals
    )
    issue_priority: Mapping[Rating, str] = attrs.field(
        default=ISSUE_PRIORITY, converter=_priorities
    )
    action_repeat: dt.timedelta = pendulum.duration(hours=8)
    accept_from: Rating = Rating.HIGH
    categories: tuple[str, ...] = attrs.field(default=CATEGORIES, converter=_categories)
    permissions: RiskPermissions = RiskPermissions()

    def __attrs_post_init__(self) -> None:
        repeat = self.action_repeat
        if not isinstance(repeat, dt.timedelta) or repeat <= dt.timedelta(0):
            raise ValidationError("action_repeat", "a business duration > 0", got=repeat)

    def check_category(self, category: object) -> str:
        """``category`` if the policy knows it; ``ValidationError`` listing them otherwise."""
        if not isinstance(category, str) or category not in self.categories:
            raise ValidationError("category", f"one of {', '.join(self.categories)}", got=category)
        return category
