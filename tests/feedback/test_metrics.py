"""NPS and CSAT: standard formulas, undefined without answers, order-independent."""

from __future__ import annotations

import random

import attrs
from hypothesis import given
from hypothesis import strategies as st

from clientflow.feedback import Feedback, follow_up_compliance, satisfaction, trend
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
