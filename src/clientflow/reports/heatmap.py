"""A risk heat map drawn for the health report: a text grid, an SVG grid, a JSON form."""

from __future__ import annotations

from html import escape

from clientflow.core import JSONValue
from clientflow.i18n import N_, RATING_WORDS, Language
from clientflow.risks import HeatMap, Rating

__all__ = [
    "RATING_COLOURS",
    "SCALE_WORDS",
    "cell_title",
    "heat_map_json",
    "heat_map_svg",
    "heat_map_text",
]

RATING_COLOURS = {
    Rating.LOW: "#c8e6c9",
    Rating.MEDIUM: "#fff59d",
    Rating.HIGH: "#ffb74d",
    Rating.CRITICAL: "#e57373",
}
"""Cell colours by rating (light enough for black counts on top)."""


def heat_map_text(grid: HeatMap, lang: Language) -> list[str]:
    r"""The grid as text lines: probability down the side (highest first), impact across.

    An empty cell is ``.``.

    >>> from clientflow.i18n import language
    >>> from clientflow.risks import Matrix
    >>> print("\n".join(heat_map_text(HeatMap(Matrix(), {(5, 5): 2}), language("en"))))
    probability \ impact
         1  2  3  4  5
      5  .  .  .  .  2
      4  .  .  .  .  .
      3  .  .  .  .  .
      2  .  .  .  .  .
      1  .  .  .  .  .
    """
    m = grid.matrix
    lines = [lang.gettext("probability \\ impact")]
    lines.append("   " + "".join(f"{i:>3}" for i in range(1, m.impact.levels + 1)))
    for p, row in zip(range(m.probability.levels, 0, -1), grid.grid(), strict=True):
        lines.append(f"{p:>3}" + "".join(f"{count or '.':>3}" for count, _ in row))
    return lines


SCALE_WORDS = {
    label: label
    for label in (
        N_("rare"), N_("unlikely"), N_("possible"), N_("likely"), N_("almost certain"),
        N_("negligible"), N_("minor"), N_("moderate"), N_("major"), N_("severe"),
    )
}  # fmt: skip
"""The default scales' labels as message ids; labels a rules file sets are shown as given."""


def cell_title(grid: HeatMap, probability: int, impact: int, lang: Language) -> str:
    """What a heat-map cell says on hover, in ``lang``: both levels, its risks, its rating.

    >>> from clientflow.i18n import language
    >>> from clientflow.risks import Matrix
    >>> cell_title(HeatMap(Matrix(), {(4, 4): 1}), 4, 4, language("zh_CN"))
    '概率：很可能（4）；影响：重大（4）；1 项未关闭风险，评级：严重'
    """
    _ = lang.gettext
    m = grid.matrix

    def word(label: str) -> str:
        return _(SCALE_WORDS[label]) if label in SCALE_WORDS else label

    return lang.ngettext(
        "probability {p} ({p_label}), impact {i} ({i_label}): {n} open risk, rated {rating}",
        "probability {p} ({p_label}), impact {i} ({i_label}): {n} open risks, rated {rating}",
        grid.count(probability, impact),
    ).format(
        p=probability,
        p_label=word(m.probability.label(probability)),
        i=impact,
        i_label=word(m.impact.label(impact)),
        n=grid.count(probability, impact),
        rating=_(RATING_WORDS[m.rate(probability, impact)]),
    )


def heat_map_svg(grid: HeatMap, lang: Language) -> str:
    """The grid as an inline SVG: one square per cell coloured by its rating, the count
    inside, probability labels up the side and impact labels along the bottom."""  # noqa: D205, D209
    _ = lang.gettext
    m = grid.matrix
    size, left, bottom = 28, 24, 22
    width = left + size * m.impact.levels
    height = size * m.probability.levels + bottom
    cells = []
    for row, line in enumerate(grid.grid()):
        p = m.probability.levels - row
        y = row * size
        cells.append(
            f'<text x="{left - 6}" y="{y + 18}" font-size="10" text-anchor="end">{p}</text>'
        )
        for column, (count, rating) in enumerate(line):
            x = left + column * size
            label = escape(cell_title(grid, p, column + 1, lang))
            cells.append(
                f'<rect x="{x}" y="{y}" width="{size - 2}" height="{size - 2}" '
                f'fill="{RATING_COLOURS[rating]}"><title>{label}</title></rect>'
            )
            if count:
                cells.append(
                    f'<text x="{x + size // 2 - 1}" y="{y + 18}" font-size="12" '
                    f'text-anchor="middle" font-weight="bold">{count}</text>'
                )
    for column in range(m.impact.levels):
        middle = left + column * size + size // 2 - 1
        cells.append(
            f'<text x="{middle}" y="{height - 8}" font-size="10" text-anchor="middle">'
            f"{column + 1}</text>"
        )
    name, caption = _("Risk heat map"), _("probability (up) x impact (across)")
    return (
        f'<svg class="heat" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(name)}">{"".join(cells)}</svg>'
        f'<div class="caption">{escape(caption)}</div>'
    )


def heat_map_json(grid: HeatMap) -> dict[str, JSONValue]:
    """Counts per cell (rows from the highest probability), per rating, and the scales."""
    m = grid.matrix
    return {
        "probability_labels": list(m.probability.labels),
        "impact_labels": list(m.impact.labels),
        "rows": [[count for count, _ in row] for row in grid.grid()],
        "by_rating": {rating.value: n for rating, n in grid.by_rating().items()},
        "unassessed": grid.unassessed,
    }
