"""A what-if as people and scripts read it: text, JSON (stable English keys) and HTML."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from markupsafe import Markup

from clientflow.escalation import METRIC_WORDS
from clientflow.i18n import N_, Language, Templates, language
from clientflow.i18n.language import columns
from clientflow.reports.render import _CSS  # the health report's look, reused as it is
from clientflow.whatif.compare import Change, ClientWhatIf, Tally, WhatIf
from clientflow.whatif.flows import FlowChange, FlowClient, FlowWhatIf
from clientflow.whatif.replay import Flag

__all__ = ["to_html", "to_json", "to_text"]

Names = Callable[[str], str]
"""A client's id -> the name people read (the rules' ``[clients.X] name``)."""

_STATES = {"met": N_("met"), "breached": N_("breached"), "open": N_("open"), "none": N_("none")}
_TOPICS = {
    "escalated": N_("escalated"),
    "paused": N_("paused"),
    "resolved": N_("resolved"),
}


_FLOW_TITLES = {
    "change": N_("Change approvals"),
    "plan": N_("Communication plans"),
    "risk": N_("Risk reviews"),
    "surveys": N_("Surveys"),
}
_COUNTS = {
    "changes": N_("Change requests replayed"),
    "approvers asked": N_("Approvers asked"),
    "approval escalations": N_("Approval escalations"),
    "decided by vote": N_("Decided by vote"),
    "decision hours": N_("Business hours to a decision"),
    "flagged": N_("Facts not replayable"),
    "plans": N_("Plans replayed"),
    "occurrences due": N_("Occurrences due"),
    "occurrences overdue": N_("Occurrences overdue"),
    "silences": N_("Silences detected"),
    "replies owed": N_("Replies owed"),
    "risks": N_("Risks replayed"),
    "review alerts": N_("Missed reviews"),
    "action alerts": N_("Overdue action alerts"),
    "route": N_("route"),
    "approvers": N_("approvers"),
    "decision": N_("decision"),
    "rating": N_("rating"),
    "review due": N_("next review due"),
    "contacts": N_("Contacts surveyed"),
    "requested": N_("Surveys asked for"),
    "sent": N_("Surveys sent"),
    "deferred": N_("Surveys deferred"),
    "dropped": N_("Surveys dropped"),
    "reminded": N_("Survey reminders"),
    "answered": N_("Surveys answered"),
    "expired": N_("Surveys expired"),
}
_PREFIXED = {
    "route": N_("Route: {name}"),
    "decision": N_("Decision: {name}"),
    "rating": N_("Rated: {name}"),
    "survey": N_("Survey {name}"),
}
_VALUES = {
    "approved": N_("approved"),
    "approved automatically": N_("approved automatically"),
    "rejected": N_("rejected"),
    "pending": N_("pending"),
    "sent back": N_("sent back"),
    "not requested": N_("not requested"),
    "none": N_("none"),
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "critical": N_("critical"),
    "sent": N_("sent"),
    "deferred": N_("deferred"),
    "dropped": N_("dropped"),
    "answered": N_("answered"),
    "expired": N_("expired"),
}


def _same(client: str) -> str:
    return client


def _signed(value: float) -> str:
    return f"{value:+g}" if value else "0"


def _tally(tally: Tally) -> dict[str, object]:
    return {
        "issues": tally.issues,
        "met": tally.met,
        "breached": tally.breached,
        "clocks": {
            metric: {
                priority: {
                    "met": c.met,
                    "breached": c.breached,
                    "open": c.open,
                    "moved_hours": c.moved_hours,
                }
                for priority, c in by.items()
            }
            for metric, by in tally.clocks.items()
        },
        "escalations": dict(tally.escalations),
        "notices": dict(tally.notices),
        "warnings": tally.warnings,
        "breaches": tally.breaches,
        "flagged": tally.flagged,
    }


def _delta(side: ClientWhatIf) -> dict[str, int]:
    old, new = side.before, side.after
    return {
        "met": new.met - old.met,
        "breached": new.breached - old.breached,
        "escalations": sum(new.escalations.values()) - sum(old.escalations.values()),
        "notices": sum(new.notices.values()) - sum(old.notices.values()),
        "warnings": new.warnings - old.warnings,
        "flagged": new.flagged - old.flagged,
    }


def _side(side: ClientWhatIf) -> dict[str, object]:
    return {"before": _tally(side.before), "after": _tally(side.after), "delta": _delta(side)}


def _flag(flag: Flag) -> dict[str, str]:
    return {"issue": flag.issue, "event": flag.event, "reason": flag.reason}


def _change(change: Change) -> dict[str, str]:
    return {
        "issue": change.issue,
        "client": change.client,
        "what": change.what,
        "before": change.before,
        "after": change.after,
    }


def _counts(side: FlowWhatIf | FlowClient) -> dict[str, object]:
    """One workflow's counts (in total or a client's): before, after and delta."""
    return {
        "before": dict(side.before),
        "after": dict(side.after),
        "delta": {k: round(side.after[k] - side.before[k], 2) for k in side.before},
    }


def _flow_json(flow: FlowWhatIf) -> dict[str, object]:
    return {
        "kind": flow.kind,
        **_counts(flow),
        "clients": [{"client": c.client, **_counts(c)} for c in flow.clients],
        "changes": [
            {"id": c.id, "client": c.client, "what": c.what, "before": c.before, "after": c.after}
            for c in flow.changes
        ],
        "flags": {
            "before": [_flag(f) for f in flow.flags_before],
            "after": [_flag(f) for f in flow.flags_after],
        },
        "earlier": flow.earlier,
        "reproduced": flow.reproduced,
        "diverged": list(flow.diverged),
    }


def to_json(result: WhatIf) -> str:
    """The what-if as JSON: ``total`` and per ``clients`` the ``before``, ``after`` and
    ``delta`` (``delta.breached`` is what a CI gate on additional breaches reads), the
    ``changes``, the ``flags`` per side, ``earlier``, ``reproduced`` and ``diverged``;
    ``workflows`` the same per other workflow (``kind``: change, plan, risk, surveys),
    its counts by stable English keys in total and per ``clients``."""  # noqa: D205, D209
    data = {
        "since": result.since.isoformat(),
        "until": result.until.isoformat(),
        "total": _side(result.total),
        "clients": [{"client": c.client, **_side(c)} for c in result.clients],
        "changes": [_change(c) for c in result.changes],
        "flags": {
            "before": [_flag(f) for f in result.flags_before],
            "after": [_flag(f) for f in result.flags_after],
        },
        "earlier": result.earlier,
        "reproduced": result.reproduced,
        "diverged": list(result.diverged),
        "workflows": [_flow_json(flow) for flow in result.workflows],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def _metric(metric: str, lang: Language) -> str:
    return lang.gettext(METRIC_WORDS.get(metric, metric))


def _word(words: Mapping[str, str], key: str, lang: Language) -> str:
    return lang.gettext(words[key]) if key in words else key


def _what(change: Change, lang: Language) -> str:
    """A change's subject in ``lang``: a clock (metric and priority) or a list."""
    metric, _, priority = change.what.partition(" ")
    if metric in METRIC_WORDS:
        return f"{_metric(metric, lang)} {priority}"
    if change.what == "escalations":
        return lang.gettext("escalations")
    if change.what == "notices":
        return lang.gettext("client notices")
    return change.what


def _value(change: Change, text: str, lang: Language) -> str:
    if change.what.partition(" ")[0] in METRIC_WORDS:
        return _word(_STATES, text, lang)
    if text == "none":
        return lang.gettext("none")
    parts = text.split(", ")
    if change.what == "notices":  # "escalated 3, resolved 1": topic words, then counts
        counted = (part.rpartition(" ") for part in parts)
        return lang.items(f"{_word(_TOPICS, topic, lang)} {n}" for topic, _, n in counted)
    # Escalation levels in order; a level reached again and again is named once, counted.
    runs: list[tuple[str, int]] = []
    for part in parts:
        if runs and runs[-1][0] == part:
            runs[-1] = (part, runs[-1][1] + 1)
        else:
            runs.append((part, 1))
    return lang.items(name if n == 1 else f"{name} \u00d7{n}" for name, n in runs)


def _breached(lang: Language, metric: str, priority: str, hours: float) -> str:
    """A clock's row label: its breaches, and how far the proposal moves its deadlines
    (said only when it moves them, as earlier or later: never a signed number)."""  # noqa: D205, D209
    _ = lang.gettext
    if not hours:
        return _("{metric} {priority} breached").format(metric=metric, priority=priority)
    moved = lang.business_hours(abs(hours))
    text = (
        _("{metric} {priority} breached (deadlines {time} earlier)")
        if hours < 0
        else _("{metric} {priority} breached (deadlines {time} later)")
    )
    return text.format(metric=metric, priority=priority, time=moved)


def _rows(result: WhatIf, lang: Language) -> list[tuple[str, str, str, str]]:
    """The summary: (label, before, after, change) per line, clocks per metric and priority."""
    _ = lang.gettext
    old, new = result.total.before, result.total.after
    rows = [
        (_("Issues replayed"), str(old.issues), str(new.issues), ""),
        (_("SLA clocks met"), str(old.met), str(new.met), _signed(new.met - old.met)),
        (
            _("SLA clocks breached"),
            str(old.breached),
            str(new.breached),
            _signed(new.breached - old.breached),
        ),
    ]
    for metric, by in new.clocks.items():
        for priority, count in by.items():
            before = old.clocks.get(metric, {}).get(priority)
            was = 0 if before is None else before.breached
            label = _breached(lang, _metric(metric, lang), priority, count.moved_hours)
            rows.append((label, str(was), str(count.breached), _signed(count.breached - was)))
    for level in dict.fromkeys([*old.escalations, *new.escalations]):  # in level order
        a, b = old.escalations.get(level, 0), new.escalations.get(level, 0)
        rows.append(
            (_("Escalations to {level}").format(level=level), str(a), str(b), _signed(b - a))
        )
    for topic in sorted(set(old.notices) | set(new.notices)):
        a, b = old.notices.get(topic, 0), new.notices.get(topic, 0)
        label = _("Client notices: {topic}").format(topic=_word(_TOPICS, topic, lang))
        rows.append((label, str(a), str(b), _signed(b - a)))
    rows.append(
        (
            _("SLA warnings"),
            str(old.warnings),
            str(new.warnings),
            _signed(new.warnings - old.warnings),
        )
    )
    return rows


def _count_label(key: str, lang: Language) -> str:
    if key in _COUNTS:
        return lang.gettext(_COUNTS[key])
    prefix, _, name = key.partition(" ")
    if prefix in _PREFIXED:
        return lang.gettext(_PREFIXED[prefix]).format(name=_word(_VALUES, name, lang))
    return key


def _number(value: float) -> str:
    return f"{value:g}"


def _flow_rows(
    flow: FlowWhatIf | FlowClient, lang: Language, *, zeros: bool = True
) -> list[tuple[str, str, str, str]]:
    """One workflow's counts (in total or a client's): (label, before, after, change),
    its own total first; ``zeros``: also the counts that are 0 on both sides."""  # noqa: D205, D209
    rows = []
    first = {"changes", "plans", "risks", "contacts"}
    # The workflow's own total first, the facts left out last, the rest by key.
    order = sorted(flow.before, key=lambda k: (k not in first, k == "flagged", k))
    for key in order:
        before = flow.before[key]
        after = flow.after[key]
        if not (zeros or before or after):
            continue
        rows.append(
            (
                _count_label(key, lang),
                _number(before),
                _number(after),
                _signed(round(after - before, 2)),
            )
        )
    return rows


def _flow_change(change: FlowChange, lang: Language, names: Names) -> dict[str, str]:
    return {
        "issue": change.id,
        "client": names(change.client),
        "what": _count_label(change.what, lang),
        "before": _word(_VALUES, change.before, lang),
        "after": _word(_VALUES, change.after, lang),
    }


def _flow_text(flow: FlowWhatIf, lang: Language, names: Names) -> list[str]:
    _ = lang.gettext
    lines = ["", _word(_FLOW_TITLES, flow.kind, lang), ""]
    header = ("", _("before"), _("after"), _("change"))
    lines += columns([header, *_flow_rows(flow, lang)])
    if flow.clients:
        lines += ["", _("Per client:")]
        for side in flow.clients:
            lines.append("  " + names(side.client))
            rows = _flow_rows(side, lang, zeros=False)
            lines += ["    " + line for line in columns([header, *rows])]
        lines.append("")
    lines.append(_("Outcomes that change: {count}").format(count=len(flow.changes)))
    lines += [
        "  " + _("{issue} ({client}) {what}: {before} → {after}").format(**shown)
        for shown in (_flow_change(c, lang, names) for c in flow.changes)
    ]
    for flag in flow.flags_after:
        lines.append(f"  {flag.event}: {flag.reason}")
    total = flow.reproduced + len(flow.diverged)
    lines.append(
        _("The rules in force reproduce {same} of {total} recorded histories exactly.").format(
            same=flow.reproduced, total=total
        )
    )
    return lines


def to_text(result: WhatIf, *, lang: Language | None = None, names: Names = _same) -> str:
    """The what-if as plain text in ``lang`` (English): the summary, each client, the
    issues whose outcome changes, the facts that could not be replayed, and how well
    the baseline reproduced the record."""  # noqa: D205, D209
    lang = lang or language("en")
    _ = lang.gettext
    lines = [
        _("What-if from {since} to {until} (UTC)").format(
            since=lang.full_date(result.since.date()), until=lang.full_date(result.until.date())
        ),
        "",
    ]
    header = ("", _("before"), _("after"), _("change"))
    lines += columns([header, *_rows(result, lang)])
    if result.clients:
        lines += ["", _("Per client:")]
        for side in result.clients:
            delta = _delta(side)
            lines.append(
                "  "
                + _("{client}: breached {before} → {after}, escalations {change}").format(
                    client=names(side.client),
                    before=side.before.breached,
                    after=side.after.breached,
                    change=_signed(delta["escalations"]),
                )
            )
    lines += ["", _("Issues whose outcome changes: {count}").format(count=len(result.changes))]
    lines += [
        "  "
        + _("{issue} ({client}) {what}: {before} → {after}").format(
            issue=c.issue,
            client=names(c.client),
            what=_what(c, lang),
            before=_value(c, c.before, lang),
            after=_value(c, c.after, lang),
        )
        for c in result.changes
    ]
    for label, flags in (
        (_("Facts not replayable under the rules in force: {count}"), result.flags_before),
        (_("Facts not replayable under the proposed rules: {count}"), result.flags_after),
    ):
        if flags:
            lines += ["", label.format(count=len(flags))]
            lines += [f"  {f.event}: {f.reason}" for f in flags]
    lines.append("")
    if result.earlier:
        lines.append(
            _("Issues reported before the period and open in it (not replayed): {count}").format(
                count=result.earlier
            )
        )
    total = result.reproduced + len(result.diverged)
    lines.append(
        _("The rules in force reproduce {same} of {total} recorded issues exactly.").format(
            same=result.reproduced, total=total
        )
    )
    if result.diverged:
        differ = _("Not as recorded (the rules changed, or sweeps were late or missing): {ids}")
        lines.append(differ.format(ids=lang.items(result.diverged[:20])))
    for flow in result.workflows:
        lines += _flow_text(flow, lang, names)
    return "\n".join(lines) + "\n"


def _bars(side: ClientWhatIf, most: int) -> Markup:
    """Two bars (breaches before, after) on one scale, drawn here: safe markup."""
    width = 300
    parts = []
    for row, (value, colour) in enumerate(
        ((side.before.breached, "#9e9e9e"), (side.after.breached, "#e53935"))
    ):
        length = 0 if most == 0 else round(width * value / most)
        y = 4 + row * 18
        parts.append(f'<rect x="0" y="{y}" width="{length}" height="14" fill="{colour}"/>')
        parts.append(f'<text x="{length + 4}" y="{y + 11}" font-size="11">{value}</text>')
    return Markup(
        f'<svg class="bars" viewBox="0 0 {width + 40} 42" role="img">{"".join(parts)}</svg>'
    )


def to_html(
    result: WhatIf,
    *,
    lang: Language | None = None,
    names: Names = _same,
    templates: Templates | None = None,
) -> str:
    """A self-contained HTML page in the health report's style: the summary table (before,
    after, change), breaches before and after as bars per client, and the changed issues."""  # noqa: D205, D209
    lang = lang or language("en")
    _ = lang.gettext
    most = max((max(c.before.breached, c.after.breached) for c in result.clients), default=0)
    return (templates or Templates()).render(
        "what_if.html.j2",
        lang,
        html_lang=lang.locale.replace("_", "-"),
        title=_("Policy what-if"),
        period=_("From {since} to {until} (UTC)").format(
            since=lang.full_date(result.since.date()), until=lang.full_date(result.until.date())
        ),
        css=Markup(_CSS),
        headers=["", _("before"), _("after"), _("change")],
        rows=_rows(result, lang),
        clients=[{"name": names(c.client), "bars": _bars(c, most)} for c in result.clients],
        changes=[
            {
                "issue": c.issue,
                "client": names(c.client),
                "what": _what(c, lang),
                "before": _value(c, c.before, lang),
                "after": _value(c, c.after, lang),
            }
            for c in result.changes
        ],
        flags=[*result.flags_before, *result.flags_after],
        workflows=[
            {
                "title": _word(_FLOW_TITLES, flow.kind, lang),
                "rows": _flow_rows(flow, lang),
                "clients": [
                    {"name": names(c.client), "rows": _flow_rows(c, lang, zeros=False)}
                    for c in flow.clients
                ],
                "changes": [_flow_change(c, lang, names) for c in flow.changes],
                "flags": [*flow.flags_before, *flow.flags_after],
            }
            for flow in result.workflows
        ],
    )
