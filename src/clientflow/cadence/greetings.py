"""Holiday greetings: a plan item whose dates are the client's public holidays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import holidays

from clientflow.cadence.model import Channel, ItemKind, NonWorkingDay, PlanItem
from clientflow.core import ValidationError
from clientflow.core.calendar import country_holidays
from clientflow.i18n import N_, Language, Templates, language

__all__ = ["NOT_GREETED", "greeting_text", "holiday_greetings"]

NOT_GREETED = ("Tomb-Sweeping", "Memorial Day", "Remembrance", "Good Friday", "Veterans Day")
"""Days of remembrance (清明节, Memorial Day ...): no cheerful greeting goes out on them
unless ``names`` asks for one by name."""

# Holidays of countries whose names the holidays package has no Chinese for, as a Chinese
# reader knows them; any other is "the holiday" (值此节日之际), never an English name.
_COMMON = {
    "New Year's Day": N_("New Year's Day"),
    "Christmas Day": N_("Christmas Day"),
    "Thanksgiving Day": N_("Thanksgiving Day"),
    "Independence Day": N_("Independence Day"),
    "Labor Day": N_("Labor Day"),
    "Easter Monday": N_("Easter Monday"),
}
_THE_HOLIDAY = N_("the holiday")


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
    "Spring Festival"); without it every holiday but the days of remembrance
    (:data:`NOT_GREETED`, e.g. 清明节) is greeted. The greeting goes on the holiday itself,
    at ``at`` local time: it is neither moved to a working day nor held back by quiet hours.
    """
    found = country_holidays(country, subdivision, years)
    wanted = None if names is None else tuple(names)

    def greeted(name: str) -> bool:
        if wanted is None:
            return not any(part.lower() in name.lower() for part in NOT_GREETED)
        return any(part.lower() in name.lower() for part in wanted)

    days = sorted(day for day, name in found.items() if greeted(name))
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
    team: str = "",
) -> str:
    """The holiday greeting (节日问候) for the public holiday on ``day``, ready to send,
    signed by ``sender`` and, when given, the ``team`` (莲花银行手机银行项目组).

    A day of remembrance (:data:`NOT_GREETED`, e.g. 清明节) is refused with a
    :class:`~clientflow.core.ValidationError`, as :func:`holiday_greetings` skips it.
    The holiday is named as the ``holidays`` package names it in the reader's language
    where it can (国庆节, National Day), else by a short table (圣诞节) or as "the holiday";
    the text is the template ``greeting.txt.j2``.

    >>> from clientflow.i18n import language
    >>> print(greeting_text(dt.date(2026, 10, 1), country="CN", client="Lotus Bank",
    ...                     sender="Li Wei", lang=language("zh_CN")).splitlines()[2])
    值此国庆节之际，项目组全体成员向贵司各位致以诚挚的节日祝福。感谢各位一直以来的信任与支持，期待今后继续携手合作。
    """  # noqa: D205
    lang = lang or language("en")
    named = country_holidays(country, subdivision, [day.year]).get(day)
    if named is not None and any(part.lower() in named.lower() for part in NOT_GREETED):
        raise ValidationError(
            "day", f"a public holiday of {country} that is not a day of remembrance", got=named
        )
    spoken = _names_in(country, lang)
    found = country_holidays(country, subdivision, [day.year], language=spoken).get(day)
    if found is None:
        raise ValidationError("day", f"a public holiday of {country}", got=day.isoformat())
    holiday = found.split("; ")[0]  # the package joins two holidays on one day with "; "
    # A day off in lieu is greeted as the holiday itself ("国庆节", not "国庆节（补假）").
    holiday = holiday.removesuffix(" (observed)").removesuffix("（补假）")
    if spoken is None:  # no names in the reader's language: a known one, or "the holiday"
        holiday = lang.gettext(_COMMON.get(holiday, _THE_HOLIDAY))
    return (templates or Templates()).render(
        "greeting.txt.j2", lang, holiday=holiday, client=client, sender=sender, team=team
    )
