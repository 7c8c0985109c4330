"""Holiday greetings: a plan item whose dates are the client's public holidays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from clientflow.cadence.model import Channel, ItemKind, NonWorkingDay, PlanItem
from clientflow.core import ValidationError
from clientflow.core.calendar import country_holidays

__all__ = ["holiday_greetings"]


def holiday_greetings(
    item_id: str,
    *,
    country: str,
    years: Iterable[int],
    at: dt.time,
    owner: str,
    channel: Channel = Channel.EMAIL,
    subdivision: str | None = None,
    names: Iterable[str] | None = None,
) -> PlanItem:
    """A greeting on each public holiday of the client's country (first day of each).

    ``names`` keeps only holidays whose name contains one of them (e.g. "New Year",
    "Spring Festival"). The greeting goes on the holiday itself, at ``at`` local time:
    it is neither moved to a working day nor held back by quiet hours.
    """
    found = country_holidays(country, subdivision, years)
    wanted = None if names is None else tuple(names)
    days = sorted(
        day
        for day, name in found.items()
        if wanted is None or any(part.lower() in name.lower() for part in wanted)
    )
    # One greeting per festival: the first day of each run of holidays, where a run may
    # skip a weekend (National Day 1-3 October and its observed day 5 October are one).
    firsts = [day for n, day in enumerate(days) if n == 0 or (day - days[n - 1]).days > 3]
    if not firsts:
        raise ValidationError("names", "names that match at least one holiday", got=wanted)
    rdates = ",".join(dt.datetime.combine(day, at).strftime("%Y%m%dT%H%M%S") for day in firsts)
    start = dt.datetime.combine(firsts[0], at)
    return PlanItem(
        item_id,
        ItemKind.GREETING,
        f"RDATE:{rdates}",
        start,
        channel,
        owner,
        non_working=NonWorkingDay.KEEP,
        title="Holiday greeting",
        working_hours_only=False,
    )
