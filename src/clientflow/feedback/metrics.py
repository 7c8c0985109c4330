"""Satisfaction metrics: NPS, CSAT, response rate, follow-up compliance, trends.

Formulas (the standard ones):

- **NPS** = % promoters - % detractors among NPS answers, from -100 to 100;
- **CSAT** = % satisfied (4-5 by default) among CSAT answers, from 0 to 100;
- **response rate** = surveys answered / surveys sent;
- **follow-up compliance** = follow-up steps done by their deadline / steps done.

With nothing to count, a metric is ``None`` (undefined), never 0: "no answers" and
"everyone unhappy" must not look alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from clientflow.core import ValidationError, to_utc
from clientflow.feedback.model import Bands, ContactSurveys, Feedback, _score

STANDARD_BANDS = Bands()

__all__ = [
    "STANDARD_BANDS",
    "Metrics",
    "Trend",
    "csat",
    "follow_up_compliance",
    "nps",
    "response_rate",
    "satisfaction",
    "trend",
]


@attrs.frozen
class Metrics:
    """Counts and the two scores over one selection of feedback."""

    items: int
    nps_answers: int
    promoters: int
    passives: int
    detractors: int
    csat_answers: int
    satisfied: int
    overridden: int = 0
    """Items whose sentiment a person set against their score (see ``triage``)."""

    @property
    def nps(self) -> float | None:
        """% promoters - % detractors, or ``None`` without NPS answers."""
        if not self.nps_answers:
            return None
        return 100 * (self.promoters - self.detractors) / self.nps_answers

    @property
    def csat(self) -> float | None:
        """% satisfied, or ``None`` without CSAT answers."""
        if not self.csat_answers:
            return None
        return 100 * self.satisfied / self.csat_answers


def satisfaction(
    feedback: Iterable[Feedback],
    *,
    client: str | None = None,
    project: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    bands: Bands = STANDARD_BANDS,
) -> Metrics:
    """NPS and CSAT over feedback received in ``[since, until)`` for a client/project.

    >>> satisfaction([]).nps is None
    True
    """
    start = None if since is None else to_utc(since, "since")
    end = None if until is None else to_utc(until, "until")
    promoter_min, passive_min, satisfied_min = (
        bands.promoter_min,
        bands.passive_min,
        bands.satisfied_min,
    )
    items = nps_answers = promoters = passives = csat_answers = satisfied = overridden = 0
    # One pass, plain comparisons: this runs over a million items in well under a second.
    for item in feedback:
        if client is not None and item.client != client:
            continue
        if project is not None and item.project != project:
            continue
        received = item.received_at
        if (start is not None and received < start) or (end is not None and received >= end):
            continue
        items += 1
        if item.override_reason is not None:
            overridden += 1
        nps = item.nps
        if nps is not None:
            nps_answers += 1
            if nps >= promoter_min:
                promoters += 1
            elif nps >= passive_min:
                passives += 1
        csat = item.csat
        if csat is not None:
            csat_answers += 1
            if csat >= satisfied_min:
                satisfied += 1
    detractors = nps_answers - promoters - passives
    return Metrics(
        items, nps_answers, promoters, passives, detractors, csat_answers, satisfied, overridden
    )


def nps(scores: Iterable[int | Feedback | None], *, bands: Bands = STANDARD_BANDS) -> float | None:
    """Net Promoter Score of plain 0-10 answers (or of feedback items' NPS answers).

    ``None`` answers are skipped; with no answer at all the score is ``None``.

    >>> nps([10, 9, 6])
    33.333333333333336
    >>> nps([]) is None
    True
    """
    found = _answers(scores, "nps", 0, 10)
    if not found:
        return None
    promoters = sum(score >= bands.promoter_min for score in found)
    detractors = sum(score < bands.passive_min for score in found)
    return 100 * (promoters - detractors) / len(found)


def csat(scores: Iterable[int | Feedback | None], *, bands: Bands = STANDARD_BANDS) -> float | None:
    """% satisfied among plain 1-5 answers (or feedback items' CSAT answers).

    >>> csat([5, 4, 1])
    66.66666666666667
    """
    found = _answers(scores, "csat", 1, 5)
    if not found:
        return None
    return 100 * sum(score >= bands.satisfied_min for score in found) / len(found)


def _answers(scores: Iterable[int | Feedback | None], field: str, low: int, high: int) -> list[int]:
    if isinstance(scores, str | bytes) or not isinstance(scores, Iterable):
        raise ValidationError(field, "an iterable of scores or feedback items", got=scores)
    found = []
    for score in scores:
        value = getattr(score, field) if isinstance(score, Feedback) else score
        _score(value, low, high, field)
        if value is not None:
            found.append(value)
    return found


@attrs.frozen
class Trend:
    """Two windows side by side; deltas are ``None`` when either side is undefined."""

    before: Metrics
    after: Metrics

    @property
    def nps_delta(self) -> float | None:
        """Change in NPS points."""
        a, b = self.before.nps, self.after.nps
        return None if a is None or b is None else b - a

    @property
    def csat_delta(self) -> float | None:
        """Change in CSAT percentage points."""
        a, b = self.before.csat, self.after.csat
        return None if a is None or b is None else b - a


def trend(
    feedback: Iterable[Feedback],
    *,
    before: tuple[dt.datetime, dt.datetime],
    after: tuple[dt.datetime, dt.datetime],
    client: str | None = None,
    project: str | None = None,
    bands: Bands = STANDARD_BANDS,
) -> Trend:
    """Compare two windows ``[start, end)`` of the same selection."""
    items = list(feedback)
    first = satisfaction(
        items, client=client, project=project, since=before[0], until=before[1], bands=bands
    )
    second = satisfaction(
        items, client=client, project=project, since=after[0], until=after[1], bands=bands
    )
    return Trend(first, second)


def response_rate(surveys: Iterable[ContactSurveys], *, client: str | None = None) -> float | None:
    """Surveys answered / surveys sent (reminders are not extra surveys)."""
    sent = answered = 0
    for record in surveys:
        if client is not None and record.client != client:
            continue
        for survey in record.surveys:
            if survey.sent_at is not None:
                sent += 1
                answered += survey.answered_at is not None
    return None if sent == 0 else answered / sent


def follow_up_compliance(
    feedback: Iterable[Feedback], *, client: str | None = None
) -> float | None:
    """Share of follow-up steps done by their deadline, among steps done."""
    done = on_time = 0
    for item in feedback:
        if client is not None and item.client != client:
            continue
        for step in item.steps:
            if step.done is not None:
                done += 1
                on_time += step.done <= step.due
    return None if done == 0 else on_time / done
