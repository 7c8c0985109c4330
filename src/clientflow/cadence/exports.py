"""What a plan looks like outside clientflow: an .ics calendar, a weekly report, an agenda."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

import attrs
import icalendar
import pendulum

from clientflow.cadence.model import CommunicationPlan, Direction, ItemKind
from clientflow.cadence.policy import Occurrence, Schedule, touchpoints_between
from clientflow.core import Names, to_utc, zone
from clientflow.i18n import N_, Language, Templates, language

__all__ = ["STATUS_WORDS", "AgendaEntry", "agenda", "monthly_agenda", "to_ical", "weekly_report"]


def to_ical(
    plan: CommunicationPlan,
    schedule: Schedule,
    *,
    start: dt.datetime,
    end: dt.datetime,
    exported_at: dt.datetime,
) -> bytes:
    """The plan's occurrences in ``[start, end)`` as an RFC 5545 file calendar apps import.

    Each occurrence is its own event, *after* non-working-day and quiet-hour shifts, so
    the file shows exactly the dates clientflow tracks (a raw RRULE would not know the
    client's holidays). An event lasts its item's ``length`` (a meeting an hour, a
    report a point in time). UIDs are stable and ``SEQUENCE``/``LAST-MODIFIED`` follow
    the plan's item changes, so re-importing updates rather than duplicates;
    ``DTSTAMP`` is ``exported_at``; every ``TZID`` used has its ``VTIMEZONE``.
    """
    stamp = to_utc(exported_at, "exported_at")
    modified = plan.items_changed_at or plan.created_at
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//clientflow//communication plan//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{plan.client} / {plan.project}")
    calendar.add("x-wr-timezone", plan.timezone)
    tz = zone(plan.timezone)
    for item in plan.items:
        for occurrence in schedule.between(item, plan.timezone, start, end):
            event = icalendar.Event()
            event.add("uid", f"{plan.id}/{occurrence.key}@clientflow")
            event.add("summary", f"{item.label()} ({plan.client})")
            event.add("dtstart", occurrence.at.astimezone(tz))
            if item.length:
                event.add("dtend", (occurrence.at + item.length).astimezone(tz))
            event.add("dtstamp", stamp)
            event.add("sequence", plan.items_revision)
            event.add("last-modified", modified)
            details = [f"Channel: {item.channel.value}", f"Owner: {item.owner}"]
            if item.audience:
                details.append("Audience: " + ", ".join(item.audience))
            event.add("description", "\n".join(details))
            event.add("categories", [item.kind.value])
            calendar.add_component(event)
    # The zone's rules over the exported span only (a year of margin each side): the
    # library's default span ends in 2038, and a short one reads right in every client.
    first, last = to_utc(start, "start"), to_utc(end, "end")
    calendar.add_missing_timezones(
        first_date=dt.date(first.year - 1, 1, 1), last_date=dt.date(last.year + 1, 12, 31)
    )
    return bytes(calendar.to_ical())


STATUS_WORDS: Mapping[str, str] = MappingProxyType(
    {"overdue": N_("overdue"), "missed": N_("missed"), "due": N_("due")}
)
"""An occurrence's status as a message id (only those a person is told about)."""
_CHANNELS = {
    "email": N_("email"),
    "im": N_("instant message"),
    "call": N_("call"),
    "video": N_("video call"),
    "in_person": N_("in person"),
    "custom": N_("other"),
}


def weekly_report(
    plan: CommunicationPlan,
    schedule: Schedule,
    *,
    week_start: dt.datetime,
    lang: Language | None = None,
    risk_lines: Sequence[str] = (),
    issue_lines: Sequence[str] = (),
    templates: Templates | None = None,
    names: Names | None = None,
) -> str:
    """A weekly report skeleton in the seeds' structure: completed this week, current
    state, next week's plan, risks and issues (本周完成 / 当前状态 / 下周计划 / 风险与问题).

    Filled from the week's outbound touchpoints, the plan's due and overdue items, and
    next week's schedule, in ``lang`` (English); the PM writes the rest. ``risk_lines``
    open the risks-and-issues section: the top risks the client may see, from
    :func:`clientflow.risks.client_lines` (cadence does not read the register itself);
    ``issue_lines`` follow them (the open issues as the client hears of them). Without a
    risk the section says there is no new one.
    ``names`` gives the client, project and people their display names (ids otherwise;
    the template also gets ``client_id`` and ``project_id``). Times are in the plan's zone,
    named once in the heading (``zone``); the same contact made several times in the week
    is one line with its days and count. The layout is the template
    ``weekly_report.txt.j2`` (a host may override it, see
    :class:`~clientflow.i18n.Templates`).
    """  # noqa: D205
    lang = lang or language("en")
    names = names or Names()
    _ = lang.gettext
    start = to_utc(week_start, "week_start")
    end = start.add(days=7)

    def local(instant: pendulum.DateTime) -> str:
        # the heading names the zone once; a date in the week's year goes without it
        return lang.local_time(instant, plan.timezone, now=start)

    def channel(value: str) -> str:
        return _(_CHANNELS.get(value, value))

    # The same contact made several times ("邮件：客户咨询" three times) is one line
    # with its days and a count, as a PM writes it, not three lines a reader compares.
    sent: dict[tuple[str, str], list[pendulum.DateTime]] = {}
    for tp in touchpoints_between(plan, start, end):
        if tp.direction is Direction.OUTBOUND:
            key = (channel(tp.channel.value), tp.summary or _kind(tp.kind))
            sent.setdefault(key, []).append(tp.at)
    done = [
        _("{when} {channel}: {summary}").format(
            when=local(times[0])
            if len(times) == 1
            else lang.days(t.in_timezone(plan.timezone).date() for t in times),
            channel=how,
            summary=summary
            if len(times) == 1
            else lang.ngettext("{summary} ({n} time)", "{summary} ({n} times)", len(times)).format(
                summary=summary, n=len(times)
            ),
        )
        for (how, summary), times in sorted(sent.items(), key=lambda pair: pair[1][0])
    ]
    state, late = [], []
    for item in plan.items:
        for occurrence in schedule.statuses(plan, item, start, end):
            if occurrence.status in STATUS_WORDS:
                line = _("{item} {status} (was due {when})").format(
                    item=item.label(),
                    status=_(STATUS_WORDS[occurrence.status]),
                    when=local(occurrence.at),
                )
                state.append(line)
                if occurrence.status != "due":
                    late.append(line)
    following = [
        (occurrence, item)
        for item in plan.items
        for occurrence in schedule.between(item, plan.timezone, end, end.add(days=7))
    ]
    return (templates or Templates()).render(
        "weekly_report.txt.j2",
        lang,
        client=names.client(plan.client),
        project=names.project(plan.project),
        client_id=plan.client,
        project_id=plan.project,
        week=lang.full_date(start.in_timezone(plan.timezone).date()),
        zone=lang.zone(plan.timezone),
        done=done,
        state=state,
        following=[
            _("{when} {item} ({channel}, {owner})").format(
                when=local(o.at),
                item=i.label(),
                channel=channel(i.channel.value),
                owner=names.person(i.owner),
            )
            for o, i in sorted(following, key=lambda p: p[0].at)
        ],
        risks=[*risk_lines, *late],
        issues=list(issue_lines),
    )


def monthly_agenda(
    plan: CommunicationPlan,
    schedule: Schedule,
    *,
    month: dt.date,
    lang: Language | None = None,
    issues: Sequence[str] = (),
    changes: Sequence[str] = (),
    risks: Sequence[str] = (),
    feedback: Sequence[str] = (),
    templates: Templates | None = None,
    names: Names | None = None,
) -> str:
    """The agenda of the monthly client meeting (月度会议) for ``month`` (any day of it).

    From the plan: the month's meeting (its first ``meeting`` item occurrence, in the
    client's time zone), last month in review (outbound contact kept and missed), and
    next month's communications. The other sections take finished lines the host (or
    ``ws.plans.monthly_agenda``) gathers from the other workflows. Rendered from the
    template ``monthly_agenda.txt.j2`` in ``lang`` (English); ``names`` as for
    :func:`weekly_report`.
    """
    lang = lang or language("en")
    names = names or Names()
    _ = lang.gettext
    zone = plan.timezone
    first = pendulum.datetime(month.year, month.month, 1, tz=zone)
    start, end = to_utc(first, "month"), to_utc(first.add(months=1), "month")
    before = to_utc(first.subtract(months=1), "month")
    meetings = sorted(
        occurrence.at
        for item in plan.items
        if item.kind is ItemKind.MEETING
        for occurrence in schedule.between(item, zone, start, end)
    )
    kept = sum(
        tp.direction is Direction.OUTBOUND for tp in touchpoints_between(plan, before, start)
    )
    review = [
        lang.ngettext(
            "{n} outbound contact with the client", "{n} outbound contacts with the client", kept
        ).format(n=kept)
    ]
    for item in plan.items:
        for occurrence in schedule.statuses(plan, item, before, start):
            if occurrence.status in ("overdue", "missed"):
                # told to the client: which one did not happen on time, by its day (the
                # heading names the zone), not our status words ("missed, was due …")
                late = (
                    N_("{item}: the one on {day} did not take place as planned")
                    if item.kind is ItemKind.MEETING
                    else N_("{item}: the one due {day} was not sent on time")
                )
                day = occurrence.at.in_timezone(zone).date()
                review.append(_(late).format(item=item.label(), day=lang.weekday_date(day)))
    following: dict[str, int] = {}
    for item in plan.items:
        count = len(schedule.between(item, zone, end, to_utc(first.add(months=2), "month")))
        if count:
            following[item.label()] = count
    return (templates or Templates()).render(
        "monthly_agenda.txt.j2",
        lang,
        client=names.client(plan.client),
        project=names.project(plan.project),
        client_id=plan.client,
        project_id=plan.project,
        month=lang.month(month),
        meeting=lang.instant(meetings[0], zone) if meetings else "",
        review=review,
        issues=list(issues),
        changes=list(changes),
        risks=list(risks),
        feedback=list(feedback),
        following=[
            lang.ngettext("{item}: {n} time", "{item}: {n} times", n).format(item=label, n=n)
            for label, n in following.items()
        ],
    )


@attrs.frozen
class AgendaEntry:
    """One thing on someone's agenda, in their own time zone."""

    plan_id: str
    client: str
    item_id: str
    title: str
    at: pendulum.DateTime
    status: str


def agenda(
    plans: Iterable[CommunicationPlan],
    schedule: Schedule,
    *,
    owner: str,
    now: dt.datetime,
    timezone: str,
    days: int = 7,
) -> list[AgendaEntry]:
    """What ``owner`` has due from today (in their zone) for ``days`` days, plus overdue.

    Ordered by time; times are in ``timezone`` (the owner's, not the client's).
    """
    at = to_utc(now, "now")
    today = at.in_timezone(timezone).start_of("day")
    until = today.add(days=days)
    entries: list[AgendaEntry] = []
    for plan in plans:
        if plan.status != "active":
            continue
        for item in plan.items:
            if item.owner != owner:
                continue
            seen: set[str] = set()
            occurrences: list[Occurrence] = [
                o
                for o in schedule.statuses(plan, item, today.subtract(days=7), at)
                if o.status in {"due", "overdue"}
            ]
            occurrences += schedule.between(item, plan.timezone, at, until)
            for occurrence in occurrences:
                if occurrence.key in seen:
                    continue
                seen.add(occurrence.key)
                entries.append(
                    AgendaEntry(
                        plan.id,
                        plan.client,
                        item.id,
                        item.label(),
                        occurrence.at.in_timezone(timezone),
                        occurrence.status,
                    )
                )
    return sorted(entries, key=lambda e: e.at)


def _kind(kind: object) -> str:
    return str(getattr(kind, "value", "contact"))
