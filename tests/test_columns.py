"""Text tables line up with Chinese, Japanese and mixed names (issue 14, CJK widths)."""

from __future__ import annotations

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from clientflow.reports import to_text
from clientflow.reports.columns import cells, fit
from clientflow.reports.health import ClientHealth

names = st.text(
    alphabet=st.sampled_from(list("ACME Bank ") + list("莲花银行さくら保険東京") + ["é", "ß"]),
    min_size=1,
    max_size=30,
)


@given(text=names, width=st.integers(min_value=2, max_value=40))
def test_fit_always_takes_exactly_the_width(text: str, width: int) -> None:
    assert cells(fit(text, width)) == width
    assert cells(fit(text, width, right=True)) == width


def _row(name: str) -> ClientHealth:
    return ClientHealth(
        client=name, name=name, at=pendulum.datetime(2026, 10, 8), overdue_communications=(),
        communications_on_time=None, open_issues=0, open_escalations=(), sla_met=1,
        sla_breached=0, csat=80.0, nps=10.0, csat_delta=None, nps_delta=None, weeks=(),
        open_changes=0, approved_changes=0, scope_cost_percent=None,
        scope_schedule_percent=None, scope_threshold_percent=None, scope_creep=False,
    )  # fmt: skip


def test_the_health_table_lines_up_with_chinese_and_japanese_names() -> None:
    names = ("莲花银行", "ACME Retail", "さくら保険 Sakura Insurance Co.")
    # the team's view (a client's says "on track", as wide as its longest state)
    text = to_text([_row(name) for name in names], audience="team")
    rows = [line for line in text.splitlines() if "healthy" in line or "watch" in line]
    assert len(rows) == 3
    # every column after the name starts at the same display cell
    starts = {
        cells(line[: line.index(" healthy" if "healthy" in line else " watch")]) for line in rows
    }
    assert len(starts) == 1
