"""Holiday greetings: a plan item whose dates are the client's public holidays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import holidays

from clientflow.cadence.model import Channel, ItemKind, NonWorkingDay, PlanItem
from clientflow.core import ValidationError
from clientflow.core.calendar import country_holidays
from clientflow.i18n import Language, Templates, language

__all__ = ["greeting_text", "holiday_greetings"]


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


def _names_in(country: str, lang: Language) -> str | None:
    """The holidays package's language for naming ``country``'s holidays to ``lang``."""
    spoken = holidays.list_localized_countries().get(country, [])
    wanted = [lang.locale] + (["en_US", "en_GB"] if lang.locale == "en" else [])
    return next((name for name in wanted if name in spoken), None)


def greeting_text(
    day: dt.date,
    *,
    country: str,
    client: str,
    sender: str,
    subdivision: str | None = None,
    lang: Language | None = None,
    templates: Templates | None = None,
) -> str:
    """The holiday greeting (节日问候) for the public holiday on ``day``, ready to send.

    The holiday is named as the ``holidays`` package names it in the reader's language
    where it can (国庆节, National Day); the text is the template ``greeting.txt.j2``.

    >>> from clientflow.i18n import language
    >>> print(greeting_text(dt.date(2026, 10, 1), country="CN", client="Lotus Bank",
    ...                     sender="Li Wei", lang=language("zh_CN")).splitlines()[2])
    值此国庆节之际，项目组全体成员向您和贵司同事致以诚挚的祝福。感谢您一直以来的信任与支持，期待今后继续携手合作。
    """
    lang = lang or language("en")
    found = country_holidays(
        country, subdivision, [day.year], language=_names_in(country, lang)
    ).get(day)
    if found is None:
        raise ValidationError("day", f"a public holiday of {country}", got=day.isoformat())
    holiday = found.split("; ")[0]  # the package joins two holidays on one day with "; "
    return (templates or Templates()).render(
        "greeting.txt.j2", lang, holiday=holiday, client=client, sender=sender
    )
