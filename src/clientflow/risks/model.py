"""Risks: the aggregate, its assessments, its response plan, and the rating matrix."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal

import attrs
import pendulum

from clientflow.core import Money, Rating, ValidationError, decimal_of

__all__ = [
    "CATEGORIES",
    "IMPACT",
    "PROBABILITY",
    "Action",
    "Assessment",
    "CloseReason",
    "Matrix",
    "Rating",
    "ResponsePlan",
    "Risk",
    "Scale",
    "Strategy",
]

CATEGORIES = (
    "schedule",
    "cost",
    "scope",
    "quality",
    "resource",
    "technical",
    "client",
    "contractual",
)
"""The categories every risk policy knows; a rules file may add its own."""


class Strategy(enum.Enum):
    """How the team responds to a threat (PMBOK's four)."""

    AVOID = "avoid"
    MITIGATE = "mitigate"
    TRANSFER = "transfer"
    ACCEPT = "accept"


class CloseReason(enum.Enum):
    """Why a risk left the register."""

    EXPIRED = "expired"
    """Its window passed without it happening."""
    AVOIDED = "avoided"
    """The response removed its cause."""
    ACCEPTED = "accepted"
    """The team (and, for a serious one, a named role) chose to live with it."""
    RESOLVED = "resolved"
    """It happened and the issue it opened was dealt with."""


def _labels(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class Scale:
    """An ordinal scale: level 1 is ``labels[0]``; between 2 and 10 levels.

    >>> Scale(("low", "medium", "high")).label(3)
    'high'
    """

    labels: tuple[str, ...] = attrs.field(converter=_labels)

    def __attrs_post_init__(self) -> None:
        if not 2 <= len(self.labels) <= 10 or not all(
            isinstance(label, str) and label.strip() for label in self.labels
        ):
            raise ValidationError(
                "labels", "2 to 10 non-empty labels, lowest first", got=self.labels
            )
        if len(set(self.labels)) != len(self.labels):
            raise ValidationError("labels", "labels that differ from each other", got=self.labels)

    @property
    def levels(self) -> int:
        """How many levels the scale has."""
        return len(self.labels)

    def check(self, level: object, field: str) -> int:
        """``level`` if it is on the scale; ``ValidationError`` naming the levels otherwise."""
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= self.levels:
            named = ", ".join(f"{n} {label}" for n, label in enumerate(self.labels, 1))
            raise ValidationError(field, f"a level from 1 to {self.levels} ({named})", got=level)
        return level

    def label(self, level: int) -> str:
        """The label of a level."""
        return self.labels[self.check(level, "level") - 1]


PROBABILITY = Scale(("rare", "unlikely", "possible", "likely", "almost certain"))
"""The default probability scale (1 rare .. 5 almost certain)."""
IMPACT = Scale(("negligible", "minor", "moderate", "major", "severe"))
"""The default impact scale (1 negligible .. 5 severe)."""


@attrs.frozen
class Matrix:
    """Probability x impact: the score is their product, the rating its band.

    A score of at least ``critical`` is critical, at least ``high`` high, at least
    ``medium`` medium, else low (defaults for 5 x 5: 15, 10, 5).

    >>> m = Matrix()
    >>> m.rate(4, 4), m.rate(2, 5), m.rate(3, 3), m.rate(1, 4)
    (<Rating.CRITICAL: 'critical'>, <Rating.HIGH: 'high'>, <Rating.MEDIUM: 'medium'>, \
<Rating.LOW: 'low'>)
    """

    probability: Scale = PROBABILITY
    impact: Scale = IMPACT
    medium: int = 5
    high: int = 10
    critical: int = 15

    def __attrs_post_init__(self) -> None:
        top = self.probability.levels * self.impact.levels
        bands = (self.medium, self.high, self.critical)
        if not all(isinstance(b, int) and not isinstance(b, bool) for b in bands) or not (
            1 < self.medium < self.high < self.critical <= top
        ):
            raise ValidationError(
                "matrix",
                f"score bands with 1 < medium < high < critical <= {top} (the top score)",
                got=f"medium={self.medium}, high={self.high}, critical={self.critical}",
            )

    def rate(self, probability: int, impact: int) -> Rating:
        """The rating of a cell (levels are checked against the scales)."""
        score = self.probability.check(probability, "probability") * self.impact.check(
            impact, "impact"
        )
        if score >= self.critical:
            return Rating.CRITICAL
        if score >= self.high:
            return Rating.HIGH
        return Rating.MEDIUM if score >= self.medium else Rating.LOW


def _fraction(value: Decimal | str | int | None) -> Decimal | None:
    if value is None:
        return None
    parsed = decimal_of(value, "likelihood")
    if not Decimal(0) <= parsed <= Decimal(1):
        raise ValidationError("likelihood", "a fraction from 0 to 1, such as '0.3'", got=value)
    return parsed


@attrs.frozen(kw_only=True)
class Assessment:
    """Probability and impact at one moment, their score and rating, and optionally the
    quantitative side: ``likelihood`` (a fraction), ``cost`` if it happens, and the
    ``schedule_days`` (working days) it would cost.

    >>> a = Assessment(probability=4, impact=4, score=16, rating=Rating.CRITICAL,
    ...                likelihood="0.6", cost=Money("50000", "USD"))
    >>> a.exposure
    Money(amount=Decimal('30000.00'), currency='USD')
    """  # noqa: D205

    probability: int
    impact: int
    score: int
    rating: Rating
    likelihood: Decimal | None = attrs.field(default=None, converter=_fraction)
    cost: Money | None = None
    schedule_days: int | None = None
    at: pendulum.DateTime | None = None
    by: str = ""
    note: str = ""

    def __attrs_post_init__(self) -> None:
        days = self.schedule_days
        if days is not None and (
            isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 36_600
        ):
            raise ValidationError(
                "schedule_days",
                "a whole number of working days from 0 to 36600",
                got=days if not isinstance(days, int) or abs(days) < 10**30 else "a huge number",
            )

    @property
    def cell(self) -> str:
        """The matrix cell as ``"<probability>x<impact>"`` (what the read side indexes)."""
        return f"{self.probability}x{self.impact}"

    @property
    def exposure(self) -> Money | None:
        """Likelihood x cost, to the cent; ``None`` without both."""
        if self.likelihood is None or self.cost is None:
            return None
        amount = (self.likelihood * self.cost.amount).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_EVEN
        )
        return Money(amount, self.cost.currency)


@attrs.frozen(kw_only=True)
class Action:
    """A response action: who does what by when (business time on the client's calendar).

    ``next_alert`` is when it is next escalated while open; ``alerts`` how often it was.
    """

    id: str
    title: str
    owner: str
    due: pendulum.DateTime
    done_at: pendulum.DateTime | None = None
    alerts: int = 0
    next_alert: pendulum.DateTime | None = None

    @property
    def open(self) -> bool:
        """Whether it is still to be done."""
        return self.done_at is None


@attrs.frozen(kw_only=True)
class ResponsePlan:
    """What the team will do about a risk: the strategy, actions, the early-warning
    ``trigger``, the ``contingency`` if it happens, and the ``residual`` assessment
    expected once the response has worked."""  # noqa: D205, D209

    strategy: Strategy
    actions: tuple[Action, ...] = ()
    trigger: str = ""
    contingency: str = ""
    residual: Assessment | None = None


@attrs.frozen(kw_only=True)
class Risk:
    """One risk on a client's project, from identification to closing.

    ``assessments`` keeps every assessment, oldest first (the trend); ``issues`` the
    issues opened each time it was triggered; ``review_due`` when it must next be
    reviewed (``review_alerted`` once the sweep has raised that it was missed).
    """

    id: str
    version: int
    status: str
    client: str
    project: str
    title: str
    description: str
    category: str
    owner: str
    cause: str
    event: str
    effect: str
    client_visible: bool
    identified_at: pendulum.DateTime
    assessments: tuple[Assessment, ...] = ()
    plan: ResponsePlan | None = None
    review_due: pendulum.DateTime | None = None
    review_alerted: bool = False
    last_reviewed: pendulum.DateTime | None = None
    issues: tuple[str, ...] = ()
    closed_reason: CloseReason | None = None
    next_deadline: pendulum.DateTime | None = None

    @property
    def current(self) -> Assessment | None:
        """The latest assessment, if any."""
        return self.assessments[-1] if self.assessments else None

    @property
    def residual(self) -> Assessment | None:
        """The assessment expected after the response, if the plan gives one."""
        return None if self.plan is None else self.plan.residual

    @property
    def rating(self) -> Rating | None:
        """The current rating, if assessed."""
        return None if self.current is None else self.current.rating

    @property
    def statement(self) -> str:
        """The cause -> event -> effect statement in one English sentence (for logs; a
        reader's language: :func:`clientflow.risks.statement`)."""  # noqa: D205, D209
        return f"Because {self.cause}, {self.event} may happen, which would {self.effect}."

    def open_actions(self) -> tuple[Action, ...]:
        """Response actions not done yet."""
        return () if self.plan is None else tuple(a for a in self.plan.actions if a.open)

    def review_overdue(self, at: pendulum.DateTime) -> bool:
        """Whether its review was due by ``at`` and has not happened."""
        return self.status != "closed" and self.review_due is not None and self.review_due <= at

    def timers(self) -> pendulum.DateTime | None:
        """When the sweep next has something to raise: a missed review, an overdue action."""
        return next_timer(self.status, self.plan, self.review_due, self.review_alerted)


def next_timer(
    status: str,
    plan: ResponsePlan | None,
    review_due: pendulum.DateTime | None,
    review_alerted: bool,
) -> pendulum.DateTime | None:
    """A risk's next deadline from the fields it depends on (see :meth:`Risk.timers`)."""
    if status == "closed":
        return None
    times = [] if plan is None else [a.next_alert for a in plan.actions if a.next_alert and a.open]
    if review_due is not None and not review_alerted:
        times.append(review_due)
    return min(times) if times else None
