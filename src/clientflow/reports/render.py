"""Client health as text (terminals), JSON (other tools) and HTML (people).

The HTML page is one self-contained file: inline CSS and SVG charts, no script, no
font or image from the network, so it opens offline and can be mailed as is.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from clientflow.core import ValidationError
from clientflow.i18n import N_, RATING_WORDS, Language, Templates, language
from clientflow.reports.columns import cells, fit
from clientflow.reports.health import ClientHealth, WeekScore
from clientflow.reports.heatmap import heat_map_json, heat_map_svg, heat_map_text
from clientflow.risks import STRATEGY_WORDS, HeatMap, Rating, Strategy

__all__ = ["AUDIENCES", "to_html", "to_json", "to_text"]

AUDIENCES = ("client", "team")
"""Who a text or HTML health report is for. ``client`` (the default) shows only what a
client may be sent: no ids, no internal risks (``client_visible=False``), no exposure
estimates, no internal targets (how long feedback waited for an owner), no process
gaps (risk reviews overdue, risks without a plan, calendar data); ``team`` shows all of
it. The JSON form is for tools and always has everything."""

_COLOURS = {"healthy": "#2e7d32", "watch": "#ef8f00", "at risk": "#c62828"}


_NONE = N_("n/a")


def _pct(value: float | None, lang: Language) -> str:
    if value is None:
        return lang.gettext(_NONE)
    return f"{value:.0f} %" if lang.locale == "en" else f"{value:.0f}%"


def _score(value: float | None, delta: float | None, lang: Language) -> str:
    if value is None:
        return lang.gettext(_NONE)
    trend = "" if delta is None else lang.aside(f"{delta:+.0f}")  # 83（+50） in Chinese
    return f"{value:.0f}{trend}"


_WIDTHS = (22, 9, 8, 7, 8, 11, 11, 8)
"""The text table's least column widths in display cells (a label may widen one)."""

_RATINGS = {"healthy": N_("healthy"), "watch": N_("watch"), "at risk": N_("at risk")}
_CLIENT_RATINGS = {
    "healthy": N_("on track"),
    "watch": N_("worth watching"),
    "at risk": N_("needs attention"),
}
"""The rating as a client reads it: the state of the project, not the team's churn rating
of the client ("at risk" sent to a client reads as a judgement of them)."""


def _rating(rating: str, lang: Language, *, team: bool) -> str:
    return lang.gettext((_RATINGS if team else _CLIENT_RATINGS)[rating])


def _title(report: Sequence[ClientHealth], lang: Language, *, team: bool) -> str:
    """The page's name: the portfolio's health for the team, the project's state (by the
    client's name: 莲花银行项目状况) for a client."""  # noqa: D205, D209
    if team or not report:
        return lang.gettext("Client health")
    if len(report) > 1:  # only from Python (the CLI sends a client its own page alone)
        return lang.gettext("Project status")
    return lang.gettext("{name} project status").format(name=report[0].name)


def _audience(audience: str) -> bool:
    """Whether ``audience`` is the team (``ValidationError`` for one not in AUDIENCES)."""
    if audience not in AUDIENCES:
        raise ValidationError("audience", f"one of {', '.join(AUDIENCES)}", got=audience)
    return audience == "team"


def to_text(
    report: Sequence[ClientHealth],
    *,
    lang: Language | None = None,
    timezone: str = "UTC",
    audience: str = "client",
) -> str:
    r"""A plain-text table and a line of findings per client, in ``lang`` (English).

    What it shows is for ``audience`` (see :data:`AUDIENCES`: a client's by default).

    The report's instant is read in ``timezone`` (the reader's).

    Columns line up by display width, so Chinese labels and names keep the table straight.

    >>> to_text([])
    'No clients.\n'
    """
    team = _audience(audience)
    lang = lang or language("en")
    _ = lang.gettext
    if not report:
        return _("No clients.") + "\n"
    rating = _("rating") if team else _("status")
    labels = (
        _("client"), rating, _("SLA met"), _("escal."), _("overdue comms"),
        _("CSAT"), _("NPS"), _("scope change"),
    )  # fmt: skip
    # a column is as wide as its values need, or its label and two spaces ("SLA 达成率")
    widths = [max(w, cells(label) + 2) for w, label in zip(_WIDTHS, labels, strict=True)]
    # and the rating as wide as its longest word ("needs attention" for a client)
    widths[1] = max([widths[1]] + [cells(_rating(r.rating, lang, team=team)) + 2 for r in report])
    header = "".join(
        fit(label, width, right=index > 1)
        for index, (label, width) in enumerate(zip(labels, widths, strict=True))
    )
    at = lang.instant(report[0].at, timezone)
    heading = (
        _("Client health at {when}").format(when=at)
        if team
        else _("{title} at {when}").format(title=_title(report, lang, team=False), when=at)
    )
    lines = [heading, "", header]
    for row in report:
        scope = _(_NONE) if row.scope_cost_percent is None else f"{row.scope_cost_percent:+.1f}%"
        values = (
            _rating(row.rating, lang, team=team),
            _pct(row.sla_compliance, lang),
            str(len(row.open_escalations)),
            str(len(row.overdue_communications)),
            _score(row.csat, row.csat_delta, lang),
            _score(row.nps, row.nps_delta, lang),
            scope,
        )
        lines.append(
            f"{fit(row.name, widths[0] - 1)} "
            + "".join(
                fit(value, width, right=index > 0)
                for index, (value, width) in enumerate(zip(values, widths[1:], strict=True))
            )
        )
    lines.append("")
    for row in report:
        findings = _findings(row, lang, team=team)
        risk_map = row.risk_map if team else row.client_risk_map
        if findings or risk_map is not None:
            lines.append(f"{row.name}{lang.colon.rstrip()}")
            lines += [f"  - {finding}" for finding in findings]
        if risk_map is not None and risk_map.total:
            lines += [f"    {line}" for line in heat_map_text(risk_map, lang)]
    return "\n".join(lines) + "\n"


def _findings(row: ClientHealth, lang: Language, *, team: bool) -> list[str]:
    _ = lang.gettext
    found = []
    if row.open_escalations and team:
        found.append(
            _("open escalations: {issues}").format(issues=lang.items(row.open_escalations))
        )
    elif row.open_escalations:
        found.append(
            lang.ngettext(
                "{n} escalated issue still open",
                "{n} escalated issues still open",
                len(row.open_escalations),
            ).format(n=len(row.open_escalations))
        )
    if row.sla_breached:
        found.append(
            lang.ngettext(
                "{n} resolution SLA breach in the period",
                "{n} resolution SLA breaches in the period",
                row.sla_breached,
            ).format(n=row.sla_breached)
        )
    if row.overdue_communications:
        shown = lang.items(o.label(lang) for o in row.overdue_communications[:3])
        more = len(row.overdue_communications) - 3
        text = _("overdue communications: {items}").format(items=shown)
        if more > 0:
            text += " " + _("and {n} more").format(n=more)
        found.append(text)
    if row.scope_creep:
        found.append(
            _(
                "scope creep: approved changes add {cost:.1f}% to cost and {schedule:.1f}% to the"
                " schedule (threshold {threshold:.0f}%)"
            ).format(
                cost=row.scope_cost_percent,
                schedule=row.scope_schedule_percent,
                threshold=row.scope_threshold_percent,
            )
        )
    if row.csat_delta is not None and row.csat_delta < 0:
        found.append(
            _("CSAT fell {points:.0f} points in the last 30 days").format(points=-row.csat_delta)
        )
    wait, target = row.assignment_wait_hours, row.assignment_target_hours
    if team and wait is not None and target is not None and wait > target:
        found.append(
            _(
                "feedback waited a median {wait:.1f} business hours for an owner (target"
                " {target:g} h; the contact deadline counts from receipt)"
            ).format(wait=wait, target=target)
        )
    found += _risk_findings(row, lang) if team else _client_risk_findings(row, lang)
    if team and row.calendar_gaps:
        found.append(
            _(
                "the calendar does not know the make-up working days of {years} yet (not"
                " published): deadlines then count every weekend as rest"
            ).format(years=lang.items(str(year) for year in row.calendar_gaps))
        )
    return found


def _risk_count(risk_map: HeatMap | None, lang: Language) -> list[str]:
    """The open risks by rating ("1 open risk (1 critical)"), or nothing without any."""
    _ = lang.gettext
    if risk_map is None:
        return []
    counts = risk_map.by_rating()
    shown = lang.items(
        _("{n} {rating}").format(n=counts[rating], rating=_(RATING_WORDS[rating]))
        for rating in reversed(Rating)
        if counts[rating]
    )
    return [
        lang.ngettext("{n} open risk", "{n} open risks", risk_map.total).format(n=risk_map.total)
        + (lang.aside(shown) if shown else "")
    ]


def _client_risk_findings(row: ClientHealth, lang: Language) -> list[str]:
    """The risks as a client may read them: visible ones only, by title, with the team's
    response; no ids, no exposure estimate."""  # noqa: D205, D209
    _ = lang.gettext
    found = _risk_count(row.client_risk_map, lang)
    for top in [top for top in row.top_risks if top.client_visible][:3]:
        rating = _(RATING_WORDS[Rating(top.rating)]) if top.rating else _("not assessed yet")
        response = (
            _("response being planned")
            if top.strategy is None
            else _("response: {strategy}").format(
                strategy=_(STRATEGY_WORDS[Strategy(top.strategy)])
            )
        )
        found.append(
            _("top risk: {title}: {rating}, {response}").format(
                title=top.title, rating=rating, response=response
            )
        )
    return found


def _risk_findings(row: ClientHealth, lang: Language) -> list[str]:
    _ = lang.gettext
    found = _risk_count(row.risk_map, lang)
    for top in row.top_risks[:3]:
        rating = _(RATING_WORDS[Rating(top.rating)]) if top.rating else _("not assessed yet")
        exposure = (
            ""
            if top.exposure is None
            else lang.comma
            + _("exposure {amount}").format(
                amount=lang.money(top.exposure.amount, top.exposure.currency)
            )
        )
        found.append(
            _("top risk {id} {title}: {rating}{exposure}").format(
                id=top.id, title=top.title, rating=rating, exposure=exposure
            )
        )
    if row.risks_without_plan:
        found.append(
            _("risks without a response plan: {risks}").format(
                risks=lang.items(row.risks_without_plan)
            )
        )
    if row.overdue_risk_reviews:
        found.append(
            _("risk reviews overdue: {risks}").format(risks=lang.items(row.overdue_risk_reviews))
        )
    return found


def to_json(report: Sequence[ClientHealth]) -> str:
    """The report as JSON: one object per client, with the derived rating and compliance."""
    rows = []
    for row in report:
        rows.append(
            {
                "client": row.client,
                "name": row.name,
                "at": row.at.isoformat(),
                "rating": row.rating,
                "sla": {
                    "compliance_percent": row.sla_compliance,
                    "met": row.sla_met,
                    "breached": row.sla_breached,
                },
                "open_issues": row.open_issues,
                "open_escalations": list(row.open_escalations),
                "communications": {
                    "overdue": [
                        {
                            "plan_id": o.plan_id,
                            "item_id": o.item_id,
                            "title": o.title,
                            "due": o.due.isoformat(),
                            "status": o.status,
                            "label": str(o),
                        }
                        for o in row.overdue_communications
                    ],
                    "on_time_percent": row.communications_on_time,
                },
                "satisfaction": {
                    "csat": row.csat,
                    "nps": row.nps,
                    "csat_delta": row.csat_delta,
                    "nps_delta": row.nps_delta,
                    "assignment_wait_hours": row.assignment_wait_hours,
                    "assignment_target_hours": row.assignment_target_hours,
                    "weeks": [
                        {
                            "week": w.week.isoformat(),
                            "csat": w.csat,
                            "nps": w.nps,
                            "answers": w.answers,
                            "csat_answers": w.csat_answers,
                            "nps_answers": w.nps_answers,
                            "window_weeks": w.window_weeks,
                        }
                        for w in row.weeks
                    ],
                },
                "risks": {
                    "heat_map": None if row.risk_map is None else heat_map_json(row.risk_map),
                    "top": [
                        {
                            "id": top.id,
                            "title": top.title,
                            "rating": top.rating or None,
                            "score": top.score,
                            "exposure": None
                            if top.exposure is None
                            else {
                                "amount": str(top.exposure.amount),
                                "currency": top.exposure.currency,
                            },
                            "owner": top.owner,
                            "client_visible": top.client_visible,
                            "strategy": top.strategy,
                        }
                        for top in row.top_risks
                    ],
                    "without_plan": list(row.risks_without_plan),
                    "overdue_reviews": list(row.overdue_risk_reviews),
                },
                "scope": {
                    "open_changes": row.open_changes,
                    "approved_changes": row.approved_changes,
                    "cost_percent": row.scope_cost_percent,
                    "schedule_percent": row.scope_schedule_percent,
                    "threshold_percent": row.scope_threshold_percent,
                    "creep": row.scope_creep,
                },
            }
        )
    return json.dumps({"clients": rows}, indent=2) + "\n"


# --- HTML --------------------------------------------------------------------------------


def _donut(percent: float | None, label: str, none: str) -> str:
    """A ring filled to ``percent``; grey with ``none`` when nothing was measured."""
    radius, width = 34, 10
    circumference = 2 * 3.14159 * radius
    filled = 0.0 if percent is None else circumference * percent / 100
    colour = (
        "#9e9e9e"
        if percent is None
        else ("#2e7d32" if percent >= 95 else "#ef8f00" if percent >= 80 else "#c62828")
    )
    text = escape(none) if percent is None else f"{percent:.0f}%"
    ring = f'cx="50" cy="50" r="{radius}" fill="none" stroke-width="{width}"'
    return (
        f'<svg class="donut" viewBox="0 0 100 100" role="img" aria-label="{escape(label)} {text}">'
        f'<circle {ring} stroke="#e0e0e0"/>'
        f'<circle {ring} stroke="{colour}" '
        f'stroke-dasharray="{filled:.1f} {circumference:.1f}" transform="rotate(-90 50 50)"/>'
        f'<text x="50" y="55" text-anchor="middle" font-size="18" font-weight="600">{text}</text>'
        "</svg>"
        f'<div class="caption">{escape(label)}</div>'
    )


def _line_chart(weeks: Sequence[WeekScore], lang: Language) -> str:
    """CSAT (0..100) and NPS (-100..100) per week, on one shared -100..100 axis."""
    width, height, pad = 320, 140, 24
    if not weeks:
        return ""
    step = (width - 2 * pad) / max(len(weeks) - 1, 1)
    window = weeks[0].window_weeks

    def point_title(week: dt.date, name: str, value: float, n: int) -> str:
        """What a point says on hover: its window and its answers to that question (the
        legend's count, when each answer gives both scores)."""  # noqa: D205, D209
        text = (
            N_("week of {week}: {score} ({n} answers)")
            if window == 1
            else N_("{weeks} weeks to the week of {week}: {score} ({n} answers)")
        )
        score = f"CSAT {value:.0f}%" if name == "CSAT" else f"{name} {value:+.0f}"
        return lang.gettext(text).format(week=lang.date(week), score=score, n=n, weeks=window)

    def y(value: float) -> float:
        return pad + (100 - value) * (height - 2 * pad) / 200

    def path(values: list[tuple[float | None, int]], colour: str, name: str, label: str) -> str:
        drawn = [
            (pad + i * step, y(v), v, n, weeks[i].week)
            for i, (v, n) in enumerate(values)
            if v is not None
        ]
        if not drawn:
            return ""
        points = [f"{x:.1f},{top:.1f}" for x, top, _, _, _ in drawn]
        dots = "".join(
            f'<circle cx="{x:.1f}" cy="{top:.1f}" r="2.5" fill="{colour}">'
            f"<title>{escape(point_title(week, name, v, n))}</title></circle>"
            for x, top, v, n, week in drawn
        )
        return (
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}">'
            f"<title>{escape(label)}</title></polyline>{dots}"
        )

    grid = "".join(
        f'<line x1="{pad}" x2="{width - pad}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eee"/>'
        f'<text x="2" y="{y(v) + 4:.1f}" font-size="9" fill="#777">{v}</text>'
        for v in (100, 50, 0, -50, -100)
    )
    first, last = lang.date(weeks[0].week), lang.date(weeks[-1].week)
    name = lang.gettext("CSAT and NPS by week")
    # "CSAT（满意度）": the abbreviation a reader may not know, with its meaning
    csat, nps = lang.gettext(_CSAT_LABEL), "NPS"
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(name)}">'
        f"{grid}"
        f"{path([(w.csat, w.csat_answers) for w in weeks], '#1565c0', 'CSAT', csat)}"
        f"{path([(w.nps, w.nps_answers) for w in weeks], '#8e24aa', 'NPS', nps)}"
        f'<text x="{pad}" y="{height - 4}" font-size="9" fill="#777">{first}</text>'
        f'<text x="{width - pad}" y="{height - 4}" font-size="9" fill="#777" '
        f'text-anchor="end">{last}</text>'
        "</svg>"
        f'<div class="legend"><span style="color:#1565c0">&#9632; {escape(csat)}</span> '
        f'<span style="color:#8e24aa">&#9632; {escape(nps)}</span> '
        # what a point is in the legend; how many answers each counts on hover (a number
        # list in the caption read as noise to a client)
        f'<span class="answers" title="{escape(_answers_tip(weeks, lang))}">'
        + escape(_answers_caption(weeks, lang))
        + "</span></div>"
    )


_CSAT_LABEL = N_("CSAT %")
"""The chart's name for its CSAT line (its legend and the line's tooltip)."""


def answer_counts(weeks: Sequence[WeekScore], lang: Language) -> str:
    """The legend's answers per point ("3 4 4", "3、4、4"): the survey answers each point
    counts, the number its tooltip gives too."""  # noqa: D205, D209
    counts = [str(w.answers) for w in weeks]
    return " ".join(counts) if lang.locale == "en" else lang.items(counts)


def _answers_caption(weeks: Sequence[WeekScore], lang: Language) -> str:
    """What the chart's points are: each week's satisfaction, or a rolling window's."""
    window = weeks[0].window_weeks
    if window == 1:
        return lang.gettext("satisfaction by week")
    return lang.gettext("satisfaction (rolling {weeks} weeks)").format(weeks=window)


def _answers_tip(weeks: Sequence[WeekScore], lang: Language) -> str:
    """The caption's tooltip: the answers each point counts, and why some are missing."""
    text = N_("answers at each point: {counts} (points with too few answers are not drawn)")
    return lang.gettext(text).format(counts=answer_counts(weeks, lang))


def _scope_bars(row: ClientHealth, lang: Language) -> str:
    _ = lang.gettext
    if row.scope_cost_percent is None or row.scope_threshold_percent is None:
        missing = _("No baseline in the rules.")
        return f'<p class="muted">{escape(missing)}</p>'
    width, scale = (
        300,
        max(
            row.scope_threshold_percent * 2,
            row.scope_cost_percent,
            row.scope_schedule_percent or 0,
            1,
        ),
    )
    bars = []
    for index, (label, value) in enumerate(
        ((_("cost"), row.scope_cost_percent), (_("schedule"), row.scope_schedule_percent or 0.0))
    ):
        over = value > row.scope_threshold_percent
        length = max(value, 0) * (width - 130) / scale  # 70 for the label, 60 for the value
        y = 8 + index * 26
        bars.append(
            f'<text x="0" y="{y + 13}" font-size="11">{escape(label)}</text>'
            f'<rect x="70" y="{y}" width="{length:.1f}" height="16" '
            f'fill="{"#c62828" if over else "#2e7d32"}"/>'
            f'<text x="{74 + length:.1f}" y="{y + 13}" font-size="11">{value:+.1f}%</text>'
        )
    limit = 70 + row.scope_threshold_percent * (width - 130) / scale
    name = _("Scope change")
    return (
        f'<svg class="bars" viewBox="0 0 {width} 64" role="img" '
        f'aria-label="{escape(name)}">'
        f"{''.join(bars)}"
        f'<line x1="{limit:.1f}" x2="{limit:.1f}" y1="2" y2="62" stroke="#333" '
        'stroke-dasharray="3 2"/>'
        "</svg>"
        '<div class="caption">'
        + escape(
            _(
                "approved change vs baseline; dashed line: creep threshold ({threshold:.0f}%)"
            ).format(threshold=row.scope_threshold_percent)
        )
        + "</div>"
    )


# On a phone (up to 700 px, a WeCom browser's 640 px included) the summary table is one
# card per client, "label: value" lines from each cell's data-label, so no column is cut
# off and nothing scrolls sideways; a desktop keeps the table.
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC",
 "Microsoft YaHei",sans-serif;margin:24px;color:#212121;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}.muted{color:#757575}
.table{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:16px 0}
table.summary{border-collapse:collapse;background:#fff}
.summary th,.summary td{padding:6px 12px;border-bottom:1px solid #e0e0e0;text-align:right;
 white-space:nowrap}
.summary th:first-child,.summary td:first-child{text-align:left;position:sticky;left:0;
 background:#fff}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;color:#fff;font-size:12px;
 white-space:nowrap}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(520px,100%),1fr));
 gap:16px}
.card{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:16px;min-width:0}
.card h2{font-size:17px;margin:0 0 8px;display:flex;justify-content:space-between;gap:8px;
 align-items:baseline}
.row{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.row>div{max-width:100%}
.donut{width:92px;height:92px}.heat{margin-top:8px;max-width:100%;height:auto}
.chart{width:330px;max-width:100%;height:auto}.bars{width:300px;max-width:100%;height:auto}
svg{max-width:100%}
.caption,.legend{font-size:11px;color:#616161;text-align:center}.answers{display:block}
ul{margin:6px 0 0 18px;padding:0;overflow-wrap:anywhere}
@media (max-width:700px){body{margin:12px}.card{padding:12px}h1{font-size:19px}
 .table{overflow:visible}.summary thead{display:none}
 table.summary,.summary tbody,.summary tr,.summary td{display:block;background:none}
 .summary tr{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:4px 12px;
 margin:0 0 12px}
 .summary td{display:flex;justify-content:space-between;align-items:baseline;gap:12px;
 padding:5px 0;white-space:normal;border-bottom:1px solid #f0f0f0}
 .summary td:last-child{border-bottom:0}
 .summary td:first-child{position:static;font-size:16px;font-weight:600;
 border-bottom:1px solid #e0e0e0;overflow-wrap:anywhere}
 .summary td[data-label]::before{content:attr(data-label);color:#616161;text-align:left}}
"""


def to_html(
    report: Sequence[ClientHealth],
    *,
    title: str | None = None,
    lang: Language | None = None,
    templates: Templates | None = None,
    timezone: str = "UTC",
    audience: str = "client",
) -> str:
    """A self-contained HTML page: a summary table and one card of charts per client, in
    ``lang`` (English), with the page's ``lang`` attribute set accordingly; the report's
    instant is read in ``timezone``; what it shows is for ``audience`` (see
    :data:`AUDIENCES`: a client's by default).

    The page is the template ``health_report.html.j2`` (autoescaped); a host may restyle
    it with its own version (see :class:`~clientflow.i18n.Templates`).
    """  # noqa: D205
    team = _audience(audience)
    lang = lang or language("en")
    _ = lang.gettext
    rows = [
        {
            "name": r.name,
            "colour": _COLOURS[r.rating],
            "rating": _rating(r.rating, lang, team=team),
            "sla": _pct(r.sla_compliance, lang),
            "escalations": len(r.open_escalations),
            "overdue": len(r.overdue_communications),
            "csat": _score(r.csat, r.csat_delta, lang),
            "nps": _score(r.nps, r.nps_delta, lang),
            "pending": r.open_changes,
            "scope": _(_NONE) if r.scope_cost_percent is None else f"{r.scope_cost_percent:+.1f}%",
        }
        for r in report
    ]
    rating = N_("Rating") if team else N_("Status")
    headers = [
        _(label)
        for label in (
            N_("Client"), rating, N_("SLA met"), N_("Escalations"), N_("Overdue comms"),
            N_("CSAT (30-day change)"), N_("NPS (30-day change)"), N_("Scope change"),
            N_("Changes pending"),
        )
    ]  # fmt: skip
    return (templates or Templates()).render(
        "health_report.html.j2",
        lang,
        html_lang=lang.locale.replace("_", "-"),
        title=_title(report, lang, team=team) if title is None else title,
        at=lang.instant(report[0].at, timezone) if report else "",
        css=Markup(_CSS),
        headers=headers,
        rows=rows,
        cards=[_card(row, lang, team=team) for row in report],
    )


def _card(row: ClientHealth, lang: Language, *, team: bool) -> dict[str, object]:
    """One client's card: its charts are markup this module drew (safe), the rest text."""
    _ = lang.gettext
    extras = [_scope_bars(row, lang)]
    risk_map = row.risk_map if team else row.client_risk_map
    if risk_map is not None:
        extras.append(heat_map_svg(risk_map, lang))
    return {
        "name": row.name,
        "colour": _COLOURS[row.rating],
        "rating": _rating(row.rating, lang, team=team),
        "charts": [
            Markup(_donut(row.sla_compliance, _("SLA met"), _(_NONE))),
            Markup(_donut(row.communications_on_time, _("comms on time"), _(_NONE))),
            Markup(_line_chart(row.weeks, lang)),
        ],
        "extras": [Markup(extra) for extra in extras],
        "findings": _findings(row, lang, team=team),
    }
