"""The client-facing impact summary: what a PM sends the client about a change."""

from __future__ import annotations

import attrs

from clientflow.changes.model import ChangeRequest, Impact, Outcome, Priority

__all__ = ["ImpactSummary", "impact_summary"]

_PRIORITY = {
    Priority.MUST: "must have",
    Priority.SHOULD: "should have",
    Priority.COULD: "could have",
    Priority.WONT: "won't have this time",
}


def _days(days: int) -> str:
    if days == 0:
        return "no change to the schedule"
    unit = "business day" if abs(days) == 1 else "business days"
    return f"{'+' if days > 0 else '-'}{abs(days)} {unit} ({'later' if days > 0 else 'earlier'})"


def _status(change: ChangeRequest, tz: str) -> str:
    status, current = change.status, change.round
    if status == "awaiting_approval" and current is not None:
        waiting = ", ".join(sorted(current.pending())) or "the approvers"
        stage = (
            f"stage {current.stage + 1} of {len(current.stages)}, "
            if len(current.stages) > 1
            else ""
        )
        due = ""
        if change.next_deadline is not None:
            local = change.next_deadline.in_timezone(tz)
            due = f"; decision due {local.format('YYYY-MM-DD HH:mm zz')}"
        return f"Awaiting approval ({stage}waiting for {waiting}{due})."
    if status == "approved":
        how = "automatically as a standard change" if current is None else "by the approvers"
        return f"Approved {how}; implementation is planned."
    if status == "rejected":
        return "Not approved."
    if status == "deferred":
        return f"Deferred to release {change.release}."
    if status == "implemented":
        return "Approved and implemented."
    if status == "closed":
        return "Implemented and closed."
    if status == "withdrawn":
        return "Withdrawn."
    if current is not None and current.outcome is Outcome.SENT_BACK:
        return "Being re-assessed at the approvers' request."
    return {
        "draft": "Draft, not yet submitted.",
        "submitted": "Submitted; impact assessment in progress.",
    }.get(status, "Assessed; approval will be requested.")


@attrs.frozen
class ImpactSummary:
    """The summary as data (for host UIs) and as plain text (for an email)."""

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

    def as_dict(self) -> dict[str, str | list[str]]:
        """Plain JSON-ready data."""
        data: dict[str, str | list[str]] = {
            field.name: getattr(self, field.name) for field in attrs.fields(ImpactSummary)
        }
        data["milestones"] = list(self.milestones)
        return data

    def text(self) -> str:
        """The message a PM sends the client."""
        lines = [
            f"Change request {self.change_id}: {self.title}",
            f"Schedule: {self.schedule}",
            f"Cost: {self.cost}; effort: {self.effort}",
            f"Risk: {self.risk}. Scope: {self.scope}. Priority: {self.priority}.",
        ]
        if self.milestones:
            lines.append(f"Milestones affected: {', '.join(self.milestones)}")
        lines.append(f"Status: {self.status}")
        return "\n".join(lines)


def impact_summary(change: ChangeRequest, timezone: str = "UTC") -> ImpactSummary:
    """Summarise a change for the client; times are shown in ``timezone`` (the client's).

    A change not yet assessed says so instead of inventing numbers.
    """
    impact: Impact | None = change.impact
    pending = "not yet assessed"
    if impact is None:
        return ImpactSummary(
            change.id,
            change.title,
            pending,
            pending,
            pending,
            pending,
            pending,
            pending,
            (),
            _status(change, timezone),
        )
    cost = str(impact.cost)
    if impact.cost.amount > 0:
        cost = "+" + cost
    return ImpactSummary(
        change_id=change.id,
        title=change.title,
        schedule=_days(impact.schedule_days),
        cost=cost,
        effort=f"{impact.effort_hours.normalize():f} hours",
        risk=impact.risk.value,
        scope="within the agreed scope" if impact.in_scope else "outside the agreed scope",
        priority=_PRIORITY[impact.priority],
        milestones=impact.milestones,
        status=_status(change, timezone),
    )
