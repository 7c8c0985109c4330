"""Communication plans: items with recurrence rules, touchpoints, and the plan aggregate."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import attrs
import pendulum
from dateutil import rrule

from clientflow.core import (
    FIRST_YEAR,
    LAST_YEAR,
    ValidationError,
    check_id,
    check_text,
    to_utc,
    zone,
)

__all__ = [
    "Channel",
    "CommunicationPlan",
    "Direction",
    "ItemKind",
    "NonWorkingDay",
    "PlanItem",
    "Touchpoint",
    "parse_rule",
]


class ItemKind(enum.Enum):
    """What a plan item is."""

    STATUS_REPORT = "status_report"
    MEETING = "meeting"
    CHECK_IN = "check_in"
    GREETING = "greeting"
    CUSTOM = "custom"


_LENGTHS = {ItemKind.MEETING: dt.timedelta(hours=1), ItemKind.CHECK_IN: dt.timedelta(minutes=30)}


class Channel(enum.Enum):
    """How a communication happens."""

    EMAIL = "email"
    IM = "im"
    CALL = "call"
    VIDEO = "video"
    IN_PERSON = "in_person"
    CUSTOM = "custom"


class NonWorkingDay(enum.Enum):
    """What to do with an occurrence that falls on a non-working day.

    ``KEEP`` leaves it there (holiday greetings are sent on the holiday).
    """

    SKIP = "skip"
    PREVIOUS = "previous"
    NEXT = "next"
    KEEP = "keep"


class Direction(enum.Enum):
    """Who reached out."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


@lru_cache(maxsize=4096)
def parse_rule(
    text: str, start: dt.datetime, field: str = "rule", timezone: str = "UTC"
) -> rrule.rruleset:
    """Parse an RFC 5545 recurrence (RRULE, RDATE, EXDATE lines) with a naive local DTSTART.

    The occurrences are naive wall times in ``timezone`` (the plan's). Values that name
    their own zone are converted to it first, as RFC 5545 means them: an ``UNTIL`` in
    UTC (``...Z``), and ``RDATE``/``EXDATE`` values with a ``TZID`` or in UTC; values
    without one are local already.

    Cached: the same text and start always give the same (immutable in use) set.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(field, "an RFC 5545 rule such as 'FREQ=WEEKLY;BYDAY=FR'", got=text)
    try:
        local = _in_local_time(text, zone(timezone, "timezone"))
        parsed = rrule.rrulestr(local, dtstart=start, forceset=True, ignoretz=True)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise ValidationError(field, f"an RFC 5545 rule ({error})", got=text) from None
    if not isinstance(parsed, rrule.rruleset):  # pragma: no cover - forceset guarantees it
        raise ValidationError(field, "an RFC 5545 recurrence set", got=text)
    _within_limits(parsed, start, field, text)
    return parsed


_UNTIL_UTC = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)
_STAMP = "%Y%m%dT%H%M%S"


def _in_local_time(text: str, local: dt.tzinfo) -> str:
    """The rule with every zoned instant rewritten as a naive wall time in ``local``."""
    return "\n".join(_line_in_local_time(line, local) for line in text.splitlines())


def _line_in_local_time(line: str, local: dt.tzinfo) -> str:
    name, colon, values = line.partition(":")
    head, *parameters = name.split(";")
    if not colon or head.upper() not in {"RDATE", "EXDATE"}:
        return _UNTIL_UTC.sub(lambda m: f"UNTIL={_wall(m.group(1), dt.UTC, local)}", line)
    params = dict(part.split("=", 1) for part in parameters if "=" in part)
    if params.get("VALUE", "DATE-TIME").upper() != "DATE-TIME":
        return line  # whole dates have no zone
    tzid = params.pop("TZID", None)
    source = None if tzid is None else zone(tzid, f"{head} TZID")
    converted = [
        _wall(value[:-1], dt.UTC, local)
        if value.upper().endswith("Z")
        else value
        if source is None
        else _wall(value, source, local)
        for value in values.split(",")
    ]
    kept = [f"{key}={value}" for key, value in params.items()]
    return f"{';'.join([head, *kept])}:{','.join(converted)}"


def _wall(stamp: str, source: dt.tzinfo, local: dt.tzinfo) -> str:
    """``YYYYMMDDTHHMMSS`` in ``source`` as the same instant's wall time in ``local``."""
    moment = dt.datetime.strptime(stamp, _STAMP).replace(tzinfo=source)
    return moment.astimezone(local).strftime(_STAMP)


ALERT_WINDOW = dt.timedelta(days=35)
"""How far back alerts are looked for: an occurrence older than this is no longer news."""
MAX_SILENCE = 260
"""The most working days of silence a plan may allow before it alerts (about a year)."""
MAX_INTERVAL = 1000
"""The largest ``INTERVAL`` of a recurrence rule."""
MAX_COUNT = 10_000
"""The largest ``COUNT`` of a recurrence rule."""
PROBE_YEARS = 10
"""A rule must have an occurrence within this many years of its start."""


def _within_limits(parsed: rrule.rruleset, start: dt.datetime, field: str, text: str) -> None:
    """Refuse rules whose expansion would hang or flood memory.

    Communication happens at most hourly (MINUTELY and SECONDLY are refused), with an
    ``INTERVAL`` from 1 to :data:`MAX_INTERVAL` and a ``COUNT`` of at most
    :data:`MAX_COUNT`; ``EXRULE`` (deprecated by RFC 5545, and able to exclude every
    occurrence so that a search never ends) is refused; and the rule must occur within
    :data:`PROBE_YEARS` years of its start (``FEB 30`` never does).
    """
    rules: list[rrule.rrule] = list(getattr(parsed, "_rrule", ()))
    if getattr(parsed, "_exrule", ()):
        raise ValidationError(field, "a rule without EXRULE (use EXDATE for exceptions)", got=text)
    horizon = start + dt.timedelta(days=366 * PROBE_YEARS)
    probe = rrule.rruleset()
    for rule in rules:
        state = vars(rule)  # dateutil keeps the parsed parts as private attributes
        freq, interval, count = state["_freq"], state["_interval"], state["_count"]
        if freq > rrule.HOURLY:
            raise ValidationError(
                field, "a rule at most HOURLY (not MINUTELY or SECONDLY)", got=text
            )
        if not 1 <= interval <= MAX_INTERVAL:
            raise ValidationError(field, f"an INTERVAL from 1 to {MAX_INTERVAL}", got=text)
        if count is not None and count > MAX_COUNT:
            raise ValidationError(field, f"a COUNT of at most {MAX_COUNT}", got=text)
        until = state["_until"]
        bound = horizon if until is None else min(until, horizon)
        probe.rrule(rule.replace(count=None, until=bound))
    for day in getattr(parsed, "_rdate", ()):
        probe.rdate(day)
    if next(iter(probe), None) is None:
        raise ValidationError(
            field, f"a rule with an occurrence within {PROBE_YEARS} years of its start", got=text
        )


def _bounded(text: str) -> bool:
    upper = text.upper()
    rules = [line for line in upper.replace("\n", ";").split(";") if line]
    has_rrule = "FREQ=" in upper
    return not has_rrule or any(part.startswith(("COUNT=", "UNTIL=")) for part in rules)


@attrs.frozen
class PlanItem:
    """One recurring communication of a plan.

    ``start`` is the naive local DTSTART in the plan's time zone, so "Friday 17:00" stays
    17:00 local across DST; ``grace`` is the business time after an occurrence before it
    is overdue; ``non_working`` moves (or skips) occurrences on non-working days;
    ``working_hours_only`` (quiet hours) moves one outside working time to the next
    working time. ``duration`` is how long it takes in a calendar (``None``: by kind, a
    meeting an hour, a call or check-in half an hour, a report or greeting a point in
    time).
    """

    id: str
    kind: ItemKind
    rule: str
    start: dt.datetime
    channel: Channel
    owner: str
    audience: tuple[str, ...] = ()
    grace: pendulum.Duration = pendulum.duration(hours=4)
    non_working: NonWorkingDay = NonWorkingDay.NEXT
    title: str = ""
    working_hours_only: bool = True
    duration: dt.timedelta | None = None
    added_at: pendulum.DateTime | None = None
    """When the item joined the plan (``None``: with the plan); nothing is owed before."""

    def __attrs_post_init__(self) -> None:
        where = f"items.{self.id}"
        if not isinstance(self.id, str) or not self.id.strip():
            raise ValidationError("items.id", "a non-empty item id", got=self.id)
        if not isinstance(self.start, dt.datetime) or self.start.tzinfo is not None:
            raise ValidationError(
                f"{where}.start",
                "a naive local date-time (the plan's time zone applies)",
                got=self.start,
            )
        if not FIRST_YEAR <= self.start.year <= LAST_YEAR:  # the range of every instant
            raise ValidationError(
                f"{where}.start",
                f"a date-time in the years {FIRST_YEAR} to {LAST_YEAR}",
                got=self.start.isoformat(),
            )
        parse_rule(self.rule, self.start, f"{where}.rule")
        if not isinstance(self.grace, dt.timedelta) or self.grace < dt.timedelta(0):
            raise ValidationError(f"{where}.grace", "a duration >= 0", got=self.grace)
        if self.duration is not None and (
            not isinstance(self.duration, dt.timedelta)
            or not dt.timedelta(0) <= self.duration <= dt.timedelta(days=1)
        ):
            raise ValidationError(
                f"{where}.duration", "a duration from 0 to 24 hours", got=self.duration
            )

    @property
    def length(self) -> dt.timedelta:
        """How long one occurrence lasts in a calendar (``duration``, or the kind's)."""
        if self.duration is not None:
            return self.duration
        return _LENGTHS.get(self.kind, dt.timedelta(0))

    @property
    def bounded(self) -> bool:
        """Whether the rule ends (COUNT or UNTIL, or only explicit dates)."""
        return _bounded(self.rule)

    def label(self) -> str:
        """A readable name: the title, or the kind."""
        return self.title or self.kind.value.replace("_", " ")


def _instant(value: object) -> pendulum.DateTime:
    return to_utc(value, "touchpoint.at")


def _touchpoint_id(value: str) -> str:
    return check_id(value, "touchpoint.id")


def _participants(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
        raise ValidationError("touchpoint.participants", "a list of person ids", got=value)
    return tuple(check_id(person, "touchpoint.participants") for person in value)


def _summary(value: str) -> str:
    return check_text(value, "touchpoint.summary", required=False)


@attrs.frozen
class Touchpoint:
    """A contact with the client: who reached out, how, when, with whom, about what."""

    id: str = attrs.field(converter=_touchpoint_id)
    direction: Direction
    channel: Channel
    at: pendulum.DateTime = attrs.field(converter=_instant)
    participants: tuple[str, ...] = attrs.field(default=(), converter=_participants)
    kind: ItemKind | None = None
    item_id: str | None = None
    summary: str = attrs.field(default="", converter=_summary)

    def __attrs_post_init__(self) -> None:
        for field, value, kind in (
            ("touchpoint.direction", self.direction, Direction),
            ("touchpoint.channel", self.channel, Channel),
            ("touchpoint.kind", self.kind, ItemKind),
        ):
            if not isinstance(value, kind) and not (field == "touchpoint.kind" and value is None):
                allowed = ", ".join(member.value for member in kind)
                raise ValidationError(field, f"a {kind.__name__} ({allowed})", got=value)
        if self.item_id is not None:
            check_id(self.item_id, "touchpoint.item_id")


@attrs.frozen(kw_only=True)
class CommunicationPlan:
    """The communication agreed with one client for one project.

    ``silence_days`` (working days with no outbound contact) and ``reply_within``
    (business time to answer an inbound message) drive the silence and reply-owed alerts;
    ``alerted`` remembers which alerts were raised, so each is raised once.
    """

    id: str
    version: int
    status: str
    client: str
    project: str
    timezone: str
    items: tuple[PlanItem, ...]
    created_at: pendulum.DateTime
    touchpoints: tuple[Touchpoint, ...] = ()
    silence_days: int = 5
    reply_within: pendulum.Duration = pendulum.duration(hours=4)
    alerted: frozenset[str] = frozenset()
    next_deadline: pendulum.DateTime | None = None
    items_revision: int = 1
    """Raised by each item added or removed: the iCalendar ``SEQUENCE`` of its events."""
    items_changed_at: pendulum.DateTime | None = None
    """When the items last changed (``None``: at creation)."""

    def __attrs_post_init__(self) -> None:
        zone(self.timezone, "plan.timezone")
        days = self.silence_days
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_SILENCE:
            raise ValidationError(
                "plan.silence_days",
                f"a whole number of working days from 1 to {MAX_SILENCE} (a year)",
                got=days,
            )
        ids = [item.id for item in self.items]
        if len(ids) != len(set(ids)):
            raise ValidationError("plan.items", "unique item ids", got=ids)

    def item(self, item_id: str) -> PlanItem:
        """The item with this id."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise ValidationError(
            "item_id", f"one of {', '.join(i.id for i in self.items)}", got=item_id
        )
