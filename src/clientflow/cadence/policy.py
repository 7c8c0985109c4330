"""Cadence rules: when occurrences fall and which touchpoint satisfies which.

All pure, all given ``now``.

How occurrences are computed:

1. the item's recurrence is expanded with python-dateutil from its naive local DTSTART in
   the plan's time zone (so "Friday 17:00" stays 17:00 local across DST);
2. each local time is placed in the zone as RFC 5545 says: a time in a DST gap moves
   forward by the gap, a repeated time takes its first occurrence;
3. an occurrence on a non-working day (the calendar's holidays, weekends, make-up days)
   is skipped or moved to the previous / next working day, same local time;
4. quiet hours: an occurrence outside working time moves to the next working time.

Expansions are cached per :class:`Schedule` (one per calendar) and per year, so asking
for the next due item of many plans costs a binary search each.
"""

from __future__ import annotations

import datetime as dt
import functools
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence

import attrs
import pendulum

from clientflow.cadence.model import (
    CommunicationPlan,
    Direction,
    NonWorkingDay,
    PlanItem,
    Touchpoint,
    parse_rule,
)
from clientflow.core import (
    BusinessCalendar,
    HasRole,
    Rule,
    ValidationError,
    from_micros,
    to_micros,
    to_utc,
    zone,
)

__all__ = ["Occurrence", "PlanPermissions", "Schedule", "Status"]


@attrs.frozen
class PlanPermissions:
    """Who may shape and keep a communication plan (``[permissions.plans]``).

    Every check also needs the actor to act within the plan's client (see
    :func:`clientflow.core.require`). Defaults: the project manager creates a plan,
    adds and removes items (``manage``) and archives it (``archive``); the team
    (``pm``, ``support``, ``engineer``, ``account-director``) records touchpoints
    (``record``).
    """

    manage: Rule = HasRole("pm")
    record: Rule = (
        HasRole("pm") | HasRole("support") | HasRole("engineer") | HasRole("account-director")
    )
    archive: Rule = HasRole("pm")


Status = str
"""An occurrence's state in :class:`~clientflow.cadence.machine.OccurrenceMachine`."""


@attrs.frozen
class Occurrence:
    """One scheduled communication: when it falls, when it is overdue, and how it stands."""

    item_id: str
    nominal: dt.datetime  # the local time the rule gave, before any shift
    at: pendulum.DateTime
    due_by: pendulum.DateTime
    status: Status = "due"
    touchpoint_id: str | None = None

    @property
    def key(self) -> str:
        """Stable id of this occurrence (for alerts and calendar UIDs)."""
        return f"{self.item_id}@{self.nominal.isoformat()}"


_INSTANT = dt.timedelta(microseconds=1)


class Schedule:
    """Expands plan items on one calendar, with a cache of expansions per item and year.

    >>> from clientflow.cadence import ItemKind, Channel, PlanItem
    >>> cal = BusinessCalendar("Asia/Shanghai", ("09:00-12:00", "13:00-18:00"), country="CN")
    >>> item = PlanItem("weekly", ItemKind.STATUS_REPORT, "FREQ=WEEKLY;BYDAY=FR",
    ...                 dt.datetime(2026, 9, 4, 17), Channel.EMAIL, owner="li.wei")
    >>> window = (pendulum.datetime(2026, 9, 1), pendulum.datetime(2026, 10, 20))
    >>> for o in Schedule(cal).between(item, "Asia/Shanghai", *window):
    ...     print(o.at.in_timezone("Asia/Shanghai").format("ddd MM-DD HH:mm"))
    Fri 09-04 17:00
    Fri 09-11 17:00
    Fri 09-18 17:00
    Mon 09-28 17:00
    Thu 10-08 17:00
    Fri 10-09 17:00
    Fri 10-16 17:00
    """

    def __init__(self, calendar: BusinessCalendar, *, quiet_hours: bool = True) -> None:
        self.calendar = calendar
        self.quiet_hours = quiet_hours
        self._cache: dict[
            tuple[str, dt.datetime, str, NonWorkingDay, bool, int],
            tuple[list[int], list[Occurrence]],
        ] = {}

    def _year(self, item: PlanItem, tz: str, year: int) -> tuple[list[int], list[Occurrence]]:
        key = (item.rule, item.start, tz, item.non_working, item.working_hours_only, year)
        found = self._cache.get(key)
        if found is None:
            found = self._expand(item, tz, year)
            self._cache[key] = found
        return found

    def _expand(
        self, item: PlanItem, tz_name: str, year: int
    ) -> tuple[list[int], list[Occurrence]]:
        tz = zone(tz_name, "plan.timezone")
        rules = parse_rule(item.rule, item.start, f"items.{item.id}.rule", tz_name)
        # A week of margin each side: shifting can carry an occurrence across New Year.
        low, high = (
            dt.datetime(year, 1, 1) - dt.timedelta(days=7),
            dt.datetime(year + 1, 1, 1) + dt.timedelta(days=7),
        )
        found: list[Occurrence] = []
        for nominal in rules.between(low, high, inc=True):
            at = self._place(item, nominal, tz)
            # Each occurrence belongs to the bucket of its local year, exactly one.
            if at is None or at.in_timezone(tz_name).year != year:
                continue
            due_by = self.calendar.add(at, item.grace)
            found.append(Occurrence(item.id, nominal, at, due_by))
        found.sort(key=lambda o: o.at)
        # Shifts can pile two occurrences onto one instant (Thursday's and a moved Friday's):
        # keep the first, the later one would be the same communication twice.
        unique: list[Occurrence] = []
        for occurrence in found:
            if not unique or occurrence.at > unique[-1].at:
                unique.append(occurrence)
        return [to_micros(o.at) for o in unique], unique

    def _place(
        self, item: PlanItem, nominal: dt.datetime, tz: dt.tzinfo
    ) -> pendulum.DateTime | None:
        day = nominal.date()
        if item.non_working is not NonWorkingDay.KEEP and not self.calendar.is_working_day(day):
            if item.non_working is NonWorkingDay.SKIP:
                return None
            day = (
                self.calendar.previous_working_day(day)
                if item.non_working is NonWorkingDay.PREVIOUS
                else self.calendar.next_working_day(day)
            )
        # fold=0: a local time in a DST gap takes the pre-gap offset (moves forward), a
        # repeated time its first occurrence, as RFC 5545 says.
        local = dt.datetime.combine(day, nominal.time()).replace(tzinfo=tz)
        at = to_utc(local)
        if self.quiet_hours and item.working_hours_only and not self._inside(at):
            at = self.calendar.next_working_time(at)
        return at

    def _inside(self, at: pendulum.DateTime) -> bool:
        """Working time for placement: a shift's end counts (a 17:00 report on a
        09:00-17:00 calendar stays at 17:00), though no work happens after it."""  # noqa: D205, D209
        return self.calendar.is_working_time(at) or self.calendar.is_working_time(at - _INSTANT)

    def between(
        self, item: PlanItem, tz: str, start: dt.datetime, end: dt.datetime
    ) -> list[Occurrence]:
        """Occurrences with ``start <= at < end``, in order."""
        a, b = to_utc(start, "start"), to_utc(end, "end")
        if b <= a:
            return []
        result: list[Occurrence] = []
        for year in range(a.year - 1, b.year + 1):
            micros, occurrences = self._year(item, tz, year)
            lo = bisect_left(micros, to_micros(a))
            hi = bisect_left(micros, to_micros(b))
            result.extend(occurrences[lo:hi])
        return sorted({o.key: o for o in result}.values(), key=lambda o: o.at)

    def next_after(
        self, item: PlanItem, tz: str, instant: dt.datetime, *, horizon_years: int = 5
    ) -> Occurrence | None:
        """The first occurrence strictly after ``instant`` (None if the rule has ended)."""
        t = to_micros(to_utc(instant, "instant"))
        year = from_micros(t).year - 1
        for y in range(year, year + horizon_years + 1):
            micros, occurrences = self._year(item, tz, y)
            i = bisect_right(micros, t)
            if i < len(occurrences):
                return occurrences[i]
        return None

    def all(self, item: PlanItem, tz: str) -> list[Occurrence]:
        """Every occurrence of a bounded rule (COUNT, UNTIL or explicit dates)."""
        if not item.bounded:
            raise ValidationError(
                f"items.{item.id}.rule",
                "a bounded rule (COUNT or UNTIL) to list all occurrences",
                got=item.rule,
            )
        rules = parse_rule(item.rule, item.start, f"items.{item.id}.rule", tz)
        years = sorted({d.year for d in rules})
        if not years:
            return []
        return self.between(
            item, tz, pendulum.datetime(years[0] - 1, 1, 1), pendulum.datetime(years[-1] + 2, 1, 1)
        )

    # -- matching touchpoints ---------------------------------------------------------

    def statuses(
        self, plan: CommunicationPlan, item: PlanItem, start: dt.datetime, now: dt.datetime
    ) -> list[Occurrence]:
        """Occurrences of ``item`` in ``[start, now]`` with their status at ``now``.

        The one rule alerts, reports and agendas count by.

        Nothing is owed before the item existed (added to the plan, or the plan created
        with it). An outbound touchpoint matching the item (by ``item_id``, else by kind)
        is *meant for* the occurrence whose own local day it falls on, up to that
        occurrence's ``due_by`` (a 16:30 report for the 17:00 slot of the same day is on
        time for that slot); one between an occurrence's ``due_by`` and the next
        occurrence's day is late for the former if it is still open, else early (on time)
        for the next. Each touchpoint satisfies one occurrence, each occurrence at most
        one touchpoint; an unsatisfied occurrence is "due" until ``due_by``, "overdue"
        until the next occurrence's day, then "missed".
        """
        at_now = to_utc(now, "now")
        owed_from = to_utc(item.added_at or plan.created_at, "added_at")
        since = max(to_utc(start, "start"), owed_from)
        zone_ = zone(plan.timezone, "timezone")
        occurrences = [
            o
            for o in self.between(item, plan.timezone, since, from_micros(to_micros(at_now) + 1))
            # owed by the time the rule gives, not where a holiday moved it
            if o.nominal.replace(tzinfo=zone_) >= owed_from
        ]
        following = self.next_after(item, plan.timezone, at_now)
        days = [self._day_start(o.at, plan.timezone) for o in occurrences]
        next_day = None if following is None else self._day_start(following.at, plan.timezone)
        matching = sorted(
            (tp for tp in plan.touchpoints if _matches(tp, item) and owed_from <= tp.at <= at_now),
            key=lambda tp: tp.at,
        )
        chosen: dict[int, tuple[Touchpoint, bool]] = {}
        for touchpoint in matching:
            found = _meant_for(touchpoint.at, occurrences, days, chosen)
            if found is not None:
                chosen[found[0]] = (touchpoint, found[1])
        result: list[Occurrence] = []
        for index, occurrence in enumerate(occurrences):
            closes = days[index + 1] if index + 1 < len(days) else next_day
            if index in chosen:
                touchpoint, on_time = chosen[index]
                status: Status = "satisfied" if on_time else "satisfied_late"
                result.append(attrs.evolve(occurrence, status=status, touchpoint_id=touchpoint.id))
            elif at_now <= occurrence.due_by:
                result.append(occurrence)
            elif closes is None or at_now < closes:
                result.append(attrs.evolve(occurrence, status="overdue"))
            else:
                result.append(attrs.evolve(occurrence, status="missed"))
        return result

    @staticmethod
    def _day_start(at: pendulum.DateTime, timezone: str) -> pendulum.DateTime:
        return _day_start(at, timezone)

    def silence_deadline(self, plan: CommunicationPlan) -> pendulum.DateTime:
        """When ``plan.silence_days`` working days pass without outbound contact.

        Counted from the last outbound touchpoint, or from the plan's start.
        """
        outbound = [tp.at for tp in plan.touchpoints if tp.direction is Direction.OUTBOUND]
        last = max(outbound) if outbound else plan.created_at
        local = last.in_timezone(self.calendar.timezone)
        # A plain date: pendulum's Date arithmetic costs ~10 us a step.
        day = dt.date(local.year, local.month, local.day)
        if plan.silence_days > 0:  # the n-th next working day, stepped on plain dates
            day = self.calendar.add_working_days(day, plan.silence_days)
        moved = local.replace(year=day.year, month=day.month, day=day.day)
        return self.calendar.next_working_time(moved)

    def satisfied_early(
        self, plan: CommunicationPlan, item: PlanItem, past: list[Occurrence], upcoming: Occurrence
    ) -> bool:
        """Whether a touchpoint already satisfies ``upcoming`` before it falls.

        ``past`` is :meth:`statuses` up to now; by the same rule, a touchpoint no past
        occurrence used that is meant for ``upcoming`` (early) satisfies it, so no "due"
        alert must wait for it.
        """
        occurrences = [*past, upcoming]
        days = [self._day_start(o.at, plan.timezone) for o in occurrences]
        used = {o.touchpoint_id for o in past if o.touchpoint_id is not None}
        chosen = {i: o for i, o in enumerate(past) if o.touchpoint_id is not None}
        owed_from = to_utc(item.added_at or plan.created_at, "added_at")
        return any(
            _matches(tp, item)
            and tp.id not in used
            and owed_from <= tp.at < upcoming.at
            and _meant_for(tp.at, occurrences, days, chosen) == (len(past), True)
            for tp in plan.touchpoints
        )

    def replies_owed(self, plan: CommunicationPlan) -> list[tuple[Touchpoint, pendulum.DateTime]]:
        """Inbound messages with no outbound touchpoint after them, and their reply deadline."""
        ordered = sorted(plan.touchpoints, key=lambda tp: tp.at)
        owed: list[tuple[Touchpoint, pendulum.DateTime]] = []
        for index, tp in enumerate(ordered):
            if tp.direction is not Direction.INBOUND:
                continue
            answered = any(later.direction is Direction.OUTBOUND for later in ordered[index + 1 :])
            if not answered:
                owed.append((tp, self.calendar.add(tp.at, plan.reply_within)))
        return owed


def _meant_for(
    at: pendulum.DateTime,
    occurrences: list[Occurrence],
    days: list[pendulum.DateTime],
    chosen: Mapping[int, object],
) -> tuple[int, bool] | None:
    """The occurrence a touchpoint at ``at`` satisfies, and whether on time (see
    :meth:`Schedule.statuses`); ``None`` when it satisfies none."""  # noqa: D205, D209
    for index, occurrence in enumerate(occurrences):
        if index not in chosen and days[index] <= at <= occurrence.due_by:
            return index, True  # on its own day, by its grace's end
    before = [i for i, o in enumerate(occurrences) if o.due_by < at]
    if before:
        last = before[-1]
        if last not in chosen:
            return last, False  # after the grace, before the next one's day: late
        upcoming = last + 1
    else:
        upcoming = 0
    if upcoming >= len(occurrences) or upcoming in chosen or at >= days[upcoming]:
        return None
    first = occurrences[upcoming]
    if not before and at < first.at - (first.due_by - first.at) - dt.timedelta(days=1):
        return None  # long before the first occurrence counted: meant for an earlier one
    return upcoming, True  # ahead of its day: early, and so on time


def _matches(touchpoint: Touchpoint, item: PlanItem) -> bool:
    if touchpoint.direction is not Direction.OUTBOUND:
        return False
    if touchpoint.item_id is not None:
        return touchpoint.item_id == item.id
    return touchpoint.kind is item.kind


def touchpoints_between(
    plan: CommunicationPlan, start: dt.datetime, end: dt.datetime
) -> Sequence[Touchpoint]:
    """Touchpoints with ``start <= at < end``, oldest first."""
    a, b = to_utc(start, "start"), to_utc(end, "end")
    return sorted((tp for tp in plan.touchpoints if a <= tp.at < b), key=lambda tp: tp.at)


@functools.lru_cache(maxsize=65_536)
def _day_start(at: pendulum.DateTime, timezone: str) -> pendulum.DateTime:
    """The start of ``at``'s local day in ``timezone``, in UTC.

    Cached: a plan's statuses ask it of the same occurrences on every command, and
    pendulum's time-zone conversion and ``start_of`` cost ~20 us a call.
    """
    return to_utc(at.in_timezone(timezone).start_of("day"), "day")
