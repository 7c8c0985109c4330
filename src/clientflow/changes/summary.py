"""The client-facing impact summary: what a PM sends the client about a change."""

from __future__ import annotations

from decimal import Decimal

import attrs

from clientflow.changes.model import ChangeRequest, GroupTally, Impact, Outcome, Priority
from clientflow.core import Names
from clientflow.i18n import N_, RATING_WORDS, Language, Templates, language

__all__ = ["ImpactSummary", "impact_summary"]

_PRIORITY = {
    Priority.MUST: N_("must have"),
    Priority.SHOULD: N_("should have"),
    Priority.COULD: N_("could have"),
    Priority.WONT: N_("won't have this time"),
}
_STATES = {
    "rejected": N_("Not approved."),
    "implemented": N_("Approved and implemented."),
    "closed": N_("Implemented and closed."),
    "withdrawn": N_("Withdrawn."),
    "draft": N_("Draft, not yet submitted."),
    "submitted": N_("Submitted; impact assessment in progress."),
}


def _days(days: int, lang: Language) -> str:
    if days == 0:
        return lang.gettext("no change to the schedule")
    if days > 0:
        return lang.ngettext(
            "+{n} business day (later)", "+{n} business days (later)", days
        ).format(n=days)
    return lang.ngettext(
        "-{n} business day (earlier)", "-{n} business days (earlier)", -days
    ).format(n=-days)


def _cost(amount: Decimal, currency: str, lang: Language) -> str:
    """A cost change as a client reads it: "+¥9,000.00" in English, "增加¥9,000.00"."""
    text = lang.money(abs(amount), currency)
    if amount > 0:
        return lang.gettext("+{amount}").format(amount=text)
    if amount < 0:
        return lang.gettext("-{amount}").format(amount=text)
    return text


def _effective(group: GroupTally, lang: Language, names: Names) -> str:
    """Who a group really is once someone was left out ("" when nobody was)."""
    if not group.excluded:
        return ""
    _ = lang.gettext
    left_out = lang.items(
        _("{who} (requested the change)").format(who=names.person(who))
        for who, _reason in group.excluded
    )
    return lang.ngettext(
        "{group}: {needed} approval needed from {who}; {left_out} left out.",
        "{group}: {needed} approvals needed from {who}; {left_out} left out.",
        group.needed,
    ).format(
        group=group.name,
        needed=group.needed,
        who=lang.items(names.person(who) for who in sorted(group.eligible)),
        left_out=left_out,
    )


def _status(change: ChangeRequest, tz: str, lang: Language, names: Names) -> str:
    _ = lang.gettext
    status, current = change.status, change.round
    if status == "awaiting_approval" and current is not None:
        waiting = lang.items(names.person(who) for who in sorted(current.pending()))
        waiting = waiting or _("the approvers")
        due = ""
        if change.next_deadline is not None:
            # Within the year of the request, Chinese leaves the year out.
            when = lang.instant_within(change.next_deadline, tz, change.requested_at)
            if lang.locale == "en":  # the weekday is left out in English
                when = when.split(" ", 1)[1]
            due = _("; decision due {when}").format(when=when)
        if len(current.stages) > 1:
            text = _(
                "Awaiting approval (stage {stage} of {stages}, waiting for {who}{due})."
            ).format(stage=current.stage + 1, stages=len(current.stages), who=waiting, due=due)
        else:
            text = _("Awaiting approval (waiting for {who}{due}).").format(who=waiting, due=due)
        groups = [_effective(group, lang, names) for group in current.current]
        return " ".join([text, *(g for g in groups if g)])
    if status == "approved":
        if current is None:
            return _("Approved automatically as a standard change; implementation is planned.")
        return _("Approved by the approvers; implementation is planned.")
    if status == "deferred":
        return _("Deferred to release {release}.").format(release=change.release)
    if current is not None and current.outcome is Outcome.SENT_BACK:
        return _("Being re-assessed at the approvers' request.")
    if status in _STATES:
        return _(_STATES[status])
    return _("Assessed; approval will be requested.")


@attrs.frozen
class ImpactSummary:
    """The summary as data (for host UIs) and as plain text (for an email), in the
    language it was made in (``locale``)."""  # noqa: D205, D209

    change_id: str
    title: str
    schedule: str
    cost: str
    effort: str
    risk: str
    scope: str
    priority: str
    milestones: tuple[str, ...]
    status: str
    locale: str = "en"

    def as_dict(self) -> dict[str, str | list[str]]:
        """Plain JSON-ready data."""
        data: dict[str, str | list[str]] = {
            field.name: getattr(self, field.name) for field in attrs.fields(ImpactSummary)
        }
        data["milestones"] = list(self.milestones)
        return data

    def text(self, templates: Templates | None = None) -> str:
        """The message a PM sends the client, from the template ``impact_summary.txt.j2``
        (``templates`` finds a host's own version first)."""  # noqa: D205, D209
        text = (templates or Templates()).render(
            "impact_summary.txt.j2", language(self.locale), **self.as_dict()
        )
        return text.rstrip("\n")


def impact_summary(
    change: ChangeRequest,
    timezone: str = "UTC",
    *,
    lang: Language | None = None,
    names: Names | None = None,
) -> ImpactSummary:
    """Summarise a change for the client: times in ``timezone`` (the client's), words,
    amounts and dates as ``lang`` (English) writes them, people by their ``names``
    (ids when unnamed).

    A change not yet assessed says so instead of inventing numbers.
    """  # noqa: D205
    lang = lang or language("en")
    _ = lang.gettext
    impact: Impact | None = change.impact
    pending = _("not yet assessed")
    status = _status(change, timezone, lang, names or Names())
    if impact is None:
        return ImpactSummary(
            change.id, change.title, pending, pending, pending, pending, pending, pending,
            (), status, lang.locale,
        )  # fmt: skip
    hours = f"{impact.effort_hours.normalize():f}"
    return ImpactSummary(
        change_id=change.id,
        title=change.title,
        schedule=_days(impact.schedule_days, lang),
        cost=_cost(impact.cost.amount, impact.cost.currency, lang),
        effort=_("{hours} hours").format(hours=hours),
        risk=_(RATING_WORDS[impact.risk]),
        scope=_("within the agreed scope") if impact.in_scope else _("outside the agreed scope"),
        priority=_(_PRIORITY[impact.priority]),
        milestones=impact.milestones,
        status=status,
        locale=lang.locale,
    )
