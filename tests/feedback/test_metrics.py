"""NPS and CSAT: standard formulas, undefined without answers, order-independent."""

from __future__ import annotations

import random

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientflow import ValidationError
from clientflow.feedback import (
    Bands,
    Feedback,
    csat,
    follow_up_compliance,
    nps,
    satisfaction,
    trend,
)
from tests.feedback.fixtures import NOW, done_action, received

TEMPLATE = received(nps=None)
scores = st.lists(
    st.tuples(st.none() | st.integers(0, 10), st.none() | st.integers(1, 5)), max_size=60
)


def items(pairs: list[tuple[int | None, int | None]]) -> list[Feedback]:
    return [
        attrs.evolve(TEMPLATE, id=f"FB-{n}", nps=nps, csat=csat)
        for n, (nps, csat) in enumerate(pairs)
    ]


def test_nps_and_csat_by_the_standard_formulas() -> None:
    """3 promoters, 1 passive, 2 detractors: NPS = 50 - 33.3 = 16.7; CSAT 2 of 3 = 66.7 %."""
    metrics = satisfaction(items([(10, 5), (9, None), (9, 4), (8, None), (3, 1), (0, None)]))
    assert (metrics.promoters, metrics.passives, metrics.detractors) == (3, 1, 2)
    assert round(metrics.nps, 1) == 16.7  # type: ignore[arg-type]
    assert round(metrics.csat, 1) == 66.7  # type: ignore[arg-type]


def test_no_answers_means_undefined_not_zero() -> None:
    """No NPS answers: NPS is None; same for CSAT."""
    metrics = satisfaction(items([(None, None)]))
    assert metrics.nps is None
    assert metrics.csat is None
    assert metrics.items == 1


@given(scores, st.randoms())
def test_nps_is_bounded_order_free_and_equals_a_direct_count(
    pairs: list[tuple[int | None, int | None]], rnd: random.Random
) -> None:
    """NPS within -100..100, unchanged by reordering, equal to counting by hand."""
    feedback = items(pairs)
    metrics = satisfaction(feedback)
    shuffled = feedback[:]
    rnd.shuffle(shuffled)
    assert satisfaction(shuffled) == metrics
    answers = [n for n, _ in pairs if n is not None]
    if not answers:
        assert metrics.nps is None
        return
    direct = 100 * (sum(n >= 9 for n in answers) - sum(n <= 6 for n in answers)) / len(answers)
    assert metrics.nps == direct
    assert -100 <= metrics.nps <= 100


def test_windows_clients_and_trend() -> None:
    """Metrics per client and time window; the trend compares two windows."""
    early = [attrs.evolve(TEMPLATE, id=f"A-{n}", nps=3) for n in range(4)]
    late = [
        attrs.evolve(TEMPLATE, id=f"B-{n}", nps=10, received_at=NOW.add(days=40)) for n in range(4)
    ]
    other = [attrs.evolve(TEMPLATE, id="C-1", client="globex", nps=0, received_at=NOW.add(days=40))]
    everything = early + late + other
    result = trend(
        everything,
        before=(NOW.subtract(days=1), NOW.add(days=30)),
        after=(NOW.add(days=30), NOW.add(days=60)),
        client="acme",
    )
    assert result.before.nps == -100
    assert result.after.nps == 100
    assert result.nps_delta == 200
    assert result.csat_delta is None
    assert satisfaction(everything, client="globex").nps == -100


def test_follow_up_compliance_counts_steps_done_on_time() -> None:
    """Steps done after their deadline lower compliance; none done is undefined."""
    on_time = done_action()
    late = attrs.evolve(
        on_time,
        id="FB-2",
        steps=tuple(
            attrs.evolve(s, done=s.due.add(days=1)) if s.done else s for s in on_time.steps
        ),
    )
    assert follow_up_compliance([on_time]) == 1
    assert follow_up_compliance([on_time, late]) == 0.5
    assert follow_up_compliance([received()]) is None


def test_nps_and_csat_from_plain_scores_and_from_items() -> None:
    """The standard formulas on plain answers, no items, policies or calendars needed."""
    assert nps([10, 9, 6]) == pytest.approx(100 / 3)  # 2 promoters, 1 detractor
    assert nps([7, 8]) == 0  # passives only
    assert nps([0, 6]) == -100
    assert nps([None, 10]) == 100  # unanswered is skipped
    assert nps([]) is None
    assert csat([5, 4, 1]) == pytest.approx(200 / 3)
    assert csat(iter([3, 3])) == 0
    assert csat([None]) is None
    strict = Bands(promoter_min=10, passive_min=8, satisfied_min=5, neutral_min=4)
    assert nps([9, 10], bands=strict) == 50
    assert csat([4, 5], bands=strict) == 50


@pytest.mark.parametrize(
    ("call", "scores", "message"),
    [
        (nps, [11], "nps: expected a whole number from 0 to 10"),
        (nps, [9.5], "from 0 to 10"),
        (csat, [0], "csat: expected a whole number from 1 to 5"),
        (csat, [True], "from 1 to 5"),
        (nps, "9", "an iterable of scores"),
        (csat, 5, "an iterable of scores"),
    ],
)
def test_bad_scores_say_what_is_allowed(call: object, scores: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        call(scores)  # type: ignore[operator]


def test_nps_and_csat_over_feedback_items_agree_with_satisfaction() -> None:
    items = [
        received("FB-1", nps=10, csat=5),
        received("FB-2", nps=3, csat=2),
        received("FB-3", nps=None, csat=4),
    ]
    metrics = satisfaction(items)
    assert nps(items) == metrics.nps == 0
    assert csat(items) == metrics.csat == pytest.approx(200 / 3)
