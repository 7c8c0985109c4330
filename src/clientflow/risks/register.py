"""The register as a PM shows it: the heat map, top risks, gaps, and CSV/JSON exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType

import attrs
import pendulum

from clientflow.core import Names, ValidationError
from clientflow.i18n import N_, RATING_WORDS, Language, language
from clientflow.risks.model import CATEGORIES, Matrix, Rating, Risk, Strategy

STATUS_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "identified": N_("identified"),
        "assessed": N_("assessed"),
        "response_planned": N_("response planned"),
        "monitoring": N_("monitoring"),
        "triggered": N_("triggered"),
        "closed": N_("closed"),
    }
)
"""Each risk status (a state of the machine) as a message id, for what people read."""

CATEGORY_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "schedule": N_("schedule"),
        "cost": N_("cost"),
        "scope": N_("scope"),
        "quality": N_("quality"),
        "resource": N_("resource"),
        "technical": N_("technical"),
        "client": N_("client"),
        "contractual": N_("contractual"),
    }
)
"""The built-in categories as message ids; a category a rules file adds is shown as it is
written there (name it in your readers' language)."""
assert set(CATEGORY_WORDS) == set(CATEGORIES)

__all__ = [
    "CATEGORY_WORDS",
    "CLIENT_COLUMNS",
    "REGISTER_AUDIENCES",
    "REGISTER_COLUMNS",
    "STATUS_WORDS",
    "STRATEGY_WORDS",
    "HeatMap",
    "client_lines",
    "heat_map",
    "overdue_reviews",
    "register_csv",
    "register_rows",
    "statement",
    "top_risks",
    "without_plan",
]


@attrs.frozen
class HeatMap:
    """Open risks per probability x impact cell, with each cell's rating.

    ``unassessed`` counts risks with no assessment yet; ``off_scale`` cells outside the
    matrix (assessed on a scale the rules have since shrunk), kept out of the grid.
    """

    matrix: Matrix
    counts: Mapping[tuple[int, int], int]
    unassessed: int = 0
    off_scale: int = 0

    @classmethod
    def from_cells(cls, cells: Mapping[str, int], matrix: Matrix) -> HeatMap:
        """From read-side counts by priority (``"4x5"`` cells, ``""`` for unassessed)."""
        counts: dict[tuple[int, int], int] = {}
        unassessed = off_scale = 0
        for cell, n in cells.items():
            p, _, i = cell.partition("x")
            if not cell:
                unassessed += n
            elif (
                p.isdigit()
                and i.isdigit()
                and 1 <= int(p) <= matrix.probability.levels
                and 1 <= int(i) <= matrix.impact.levels
            ):
                key = (int(p), int(i))
                counts[key] = counts.get(key, 0) + n
            else:
                off_scale += n
        return cls(matrix, counts, unassessed, off_scale)

    def count(self, probability: int, impact: int) -> int:
        """Open risks in one cell."""
        return self.counts.get((probability, impact), 0)

    @property
    def total(self) -> int:
        """Assessed open risks on the grid."""
        return sum(self.counts.values())

    def by_rating(self) -> dict[Rating, int]:
        """Open risks per rating, every rating present (lowest first)."""
        tally = dict.fromkeys(Rating, 0)
        for (p, i), n in self.counts.items():
            tally[self.matrix.rate(p, i)] += n
        return tally

    def grid(self) -> list[list[tuple[int, Rating]]]:
        """Rows from the highest probability down, cells from the lowest impact up:
        ``(count, rating)`` per cell, as a heat map is drawn."""  # noqa: D205, D209
        m = self.matrix
        return [
            [(self.count(p, i), m.rate(p, i)) for i in range(1, m.impact.levels + 1)]
            for p in range(m.probability.levels, 0, -1)
        ]


def heat_map(risks: Iterable[Risk], matrix: Matrix) -> HeatMap:
    """The heat map of the open risks among ``risks``.

    >>> heat_map([], Matrix()).by_rating()[Rating.HIGH]
    0
    """
    cells: dict[str, int] = {}
    for risk in risks:
        if risk.status == "closed":
            continue
        current = risk.current
        cell = "" if current is None else current.cell
        cells[cell] = cells.get(cell, 0) + 1
    return HeatMap.from_cells(cells, matrix)


def _exposure_key(risk: Risk) -> tuple[int, object, int, str]:
    current = risk.current
    exposure = None if current is None else current.exposure
    score = 0 if current is None else current.score
    return (
        0 if exposure is not None else 1,
        -(exposure.amount if exposure is not None else 0),
        -score,
        risk.id,
    )


def top_risks(risks: Iterable[Risk], count: int = 5, *, client_view: bool = False) -> list[Risk]:
    """The open risks that matter most: by money exposure (largest first), then by score.

    ``client_view`` keeps only risks the client may see (``client_visible``).
    """
    chosen = [r for r in risks if r.status != "closed" and (r.client_visible or not client_view)]
    return sorted(chosen, key=_exposure_key)[:count]


def without_plan(risks: Iterable[Risk]) -> list[Risk]:
    """Open risks with no response plan yet, highest score first."""
    found = [r for r in risks if r.status != "closed" and r.plan is None]
    return sorted(found, key=lambda r: (-(r.current.score if r.current else 0), r.id))


def overdue_reviews(risks: Iterable[Risk], at: pendulum.DateTime) -> list[Risk]:
    """Open risks whose review was due by ``at``, the longest overdue first."""
    found = [r for r in risks if r.review_overdue(at)]
    return sorted(found, key=lambda r: (r.review_due, r.id))


REGISTER_COLUMNS = (
    "id",
    "client",
    "project",
    "title",
    "category",
    "owner",
    "status",
    "statement",
    "probability",
    "impact",
    "score",
    "rating",
    "likelihood",
    "cost",
    "exposure",
    "currency",
    "schedule_days",
    "strategy",
    "open_actions",
    "trigger",
    "contingency",
    "residual_rating",
    "review_due",
    "last_reviewed",
    "issues",
    "client_visible",
)
"""The register's columns, in export order (stable keys, never translated)."""


_CLIENT_HEADERS = {
    "title": N_("Risk"),
    "category": N_("Category"),
    "owner": N_("Owner"),
    "status": N_("Status"),
    "statement": N_("Description"),
    "probability": N_("Probability"),
    "impact": N_("Impact"),
    "rating": N_("Rating"),
    "strategy": N_("Response"),
    "review_due": N_("Next review"),
}
"""A client's copy is read by people: its headers are words of their language (English
keeps the keys, as scripts read them)."""

CLIENT_COLUMNS = tuple(_CLIENT_HEADERS)
"""The columns a client's copy of the register keeps, in export order: no ids, money
(cost, exposure, currency), contingency plan or visibility flag, which are the team's."""
assert set(CLIENT_COLUMNS) <= set(REGISTER_COLUMNS)

REGISTER_AUDIENCES = ("client", "team")
"""Who an exported register is for: ``client`` keeps the risks the client may see
(``client_visible``) and :data:`CLIENT_COLUMNS`; ``team`` everything."""


def _for_client(audience: str) -> bool:
    """Whether ``audience`` is a client (``ValidationError`` for one not allowed)."""
    if audience not in REGISTER_AUDIENCES:
        raise ValidationError("audience", f"one of {', '.join(REGISTER_AUDIENCES)}", got=audience)
    return audience == "client"


STATEMENT = N_("Because {cause}, {event} may happen, which would {effect}.")
"""The cause -> event -> effect sentence; each language puts the parts in its own order."""


def statement(risk: Risk, lang: Language | None = None) -> str:
    """The risk's cause -> event -> effect in one sentence of ``lang`` (English):
    "由于{cause}，可能{event}，进而导致{effect}。" in Chinese."""  # noqa: D205, D209
    lang = lang or language("en")
    return lang.gettext(STATEMENT).format(cause=risk.cause, event=risk.event, effect=risk.effect)


def register_rows(
    risks: Iterable[Risk],
    lang: Language | None = None,
    timezone: str = "UTC",
    *,
    audience: str = "team",
) -> list[dict[str, str | int | bool | None]]:
    """One plain row per risk with :data:`REGISTER_COLUMNS` as keys (JSON-ready).

    The keys never change; in ``lang`` other than English the statement, ratings and
    strategy are words of that language and instants are written in ``timezone`` as its
    readers write them (English keeps the codes and ISO stamps scripts parse). Status and
    category stay codes here, for scripts; :func:`register_csv` gives them as words.
    For a client (``audience="client"``, see :data:`REGISTER_AUDIENCES`) only the risks
    it may see, with :data:`CLIENT_COLUMNS` as keys.
    """
    client = _for_client(audience)
    lang = lang or language("en")
    plain = lang.locale == "en"

    def when(value: pendulum.DateTime | None) -> str | None:
        if value is None:
            return None
        return value.to_iso8601_string() if plain else lang.instant(value, timezone)

    def rated(rating: Rating | None) -> str | None:
        if rating is None:
            return None
        return rating.value if plain else lang.gettext(RATING_WORDS[rating])

    rows: list[dict[str, str | int | bool | None]] = []
    for risk in sorted(risks, key=lambda r: r.id):
        if client and not risk.client_visible:
            continue
        current, plan, residual = risk.current, risk.plan, risk.residual
        exposure = None if current is None else current.exposure
        cost = None if current is None else current.cost
        rows.append(
            {
                "id": risk.id,
                "client": risk.client,
                "project": risk.project,
                "title": risk.title,
                "category": risk.category,
                "owner": risk.owner,
                "status": risk.status,
                "statement": statement(risk, lang),
                "probability": None if current is None else current.probability,
                "impact": None if current is None else current.impact,
                "score": None if current is None else current.score,
                "rating": rated(None if current is None else current.rating),
                "likelihood": None
                if current is None or current.likelihood is None
                else str(current.likelihood),
                "cost": None if cost is None else str(cost.amount),
                "exposure": None if exposure is None else str(exposure.amount),
                "currency": None if cost is None else cost.currency,
                "schedule_days": None if current is None else current.schedule_days,
                "strategy": None
                if plan is None
                else plan.strategy.value
                if plain
                else lang.gettext(STRATEGY_WORDS[plan.strategy]),
                "open_actions": len(risk.open_actions()),
                "trigger": None if plan is None else plan.trigger,
                "contingency": None if plan is None else plan.contingency,
                "residual_rating": rated(None if residual is None else residual.rating),
                "review_due": when(risk.review_due),
                "last_reviewed": when(risk.last_reviewed),
                "issues": " ".join(risk.issues),
                "client_visible": risk.client_visible,
            }
        )
    if client:
        return [{column: row[column] for column in CLIENT_COLUMNS} for row in rows]
    return rows


_YES, _NO = N_("yes"), N_("no")


def _words(
    row: Mapping[str, str | int | bool | None], lang: Language, names: Names | None
) -> dict[str, str]:
    """The codes and ids of a register row as ``lang``'s words and people's names."""
    status, category = str(row["status"]), str(row["category"])
    names = names or Names()
    words = {
        "owner": names.person(str(row["owner"])),
        "status": lang.gettext(STATUS_WORDS.get(status, status)),
        "category": lang.gettext(CATEGORY_WORDS[category])
        if category in CATEGORY_WORDS
        else category,
    }
    if "client" not in row:  # a client's copy: no ids, money or visibility to word
        return words
    currency = str(row["currency"])
    money = {  # "¥84,000" as the reader writes money, not "84000.00" (JSON keeps that)
        key: lang.money(Decimal(str(row[key])), currency)
        for key in ("cost", "exposure")
        if row[key] is not None
    }
    return {
        **money,
        **words,
        "client": names.client(str(row["client"])),
        "project": names.project(str(row["project"])),
        "client_visible": lang.gettext(_YES if row["client_visible"] else _NO),
    }


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | int | bool | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    # A spreadsheet runs a cell starting with these as a formula (CSV injection, OWASP):
    # a quote in front keeps it text. Numbers are written by us and never start so.
    if text.startswith(_FORMULA_START) and not isinstance(value, int):
        return "'" + text
    return text


def register_csv(
    risks: Iterable[Risk],
    lang: Language | None = None,
    timezone: str = "UTC",
    *,
    names: Names | None = None,
    audience: str = "team",
) -> str:
    """The register as CSV (RFC 4180, header row of :data:`REGISTER_COLUMNS`).

    Cells are as :func:`register_rows` writes them for ``lang`` in ``timezone``; in a
    language other than English, a spreadsheet is read by people, so the status, the
    category and client visibility are words too, cost and exposure money as the reader
    writes it (``¥84,000``), and the client, project and owner their ``names`` (codes,
    ids and plain amounts stay in the JSON form).

    Text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) is quoted
    with a leading apostrophe, so an exported register is safe to open.

    A client's copy (``audience="client"``) has the risks the client may see and
    :data:`CLIENT_COLUMNS` only, headed in ``lang``'s words (风险、类别、负责人……) outside
    English.
    """
    client = _for_client(audience)
    lang = lang or language("en")
    columns = CLIENT_COLUMNS if client else REGISTER_COLUMNS
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if client and lang.locale != "en":
        writer.writerow([lang.gettext(_CLIENT_HEADERS[column]) for column in columns])
    else:
        writer.writerow(columns)
    for plain in register_rows(risks, lang, timezone, audience=audience):
        row = plain if lang.locale == "en" else {**plain, **_words(plain, lang, names)}
        writer.writerow([_cell(row[column]) for column in columns])
    return out.getvalue()


STRATEGY_WORDS = {
    Strategy.AVOID: N_("avoid"),
    Strategy.MITIGATE: N_("mitigate"),
    Strategy.TRANSFER: N_("transfer"),
    Strategy.ACCEPT: N_("accept"),
}


def client_lines(risks: Iterable[Risk], lang: Language | None = None, count: int = 5) -> list[str]:
    """The top open risks the client may see, one line each, in ``lang`` (English):
    what could happen, its rating, and what the team does about it. Internal risks
    (``client_visible=False``) never appear.

    >>> client_lines([])
    []
    """  # noqa: D205
    lang = lang or language("en")
    _ = lang.gettext
    lines = []
    for risk in top_risks(risks, count, client_view=True):
        rating = _("not assessed yet") if risk.rating is None else _(RATING_WORDS[risk.rating])
        response = (
            _("response being planned")
            if risk.plan is None
            else _("response: {strategy}").format(strategy=_(STRATEGY_WORDS[risk.plan.strategy]))
        )
        lines.append(
            _("{title}: {rating} risk, {response}").format(
                title=risk.title, rating=rating, response=response
            )
        )
    return lines
