"""The ``Language`` of a reader: translations, plural forms, local dates and money."""

from __future__ import annotations

import datetime as dt
import gettext
from decimal import Decimal
from importlib import resources

import attrs
import pendulum
from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_currency

from clientflow.core import ValidationError, to_utc, zone

__all__ = ["DOMAIN", "LOCALES", "N_", "Language", "language"]

DOMAIN = "clientflow"
LOCALES = ("en", "zh_CN")
"""The locales whose catalogues ship with clientflow."""


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name
    """Mark ``message`` for the catalogues where it is defined; translate it where used."""
    return message


@attrs.frozen
class Language:
    """One locale's translations and formats."""

    locale: str
    translations: gettext.NullTranslations = attrs.field(eq=False, repr=False)

    def gettext(self, message: str) -> str:
        """``message`` in this language."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form for ``n`` (the catalogue knows the language's plural rules)."""
        return self.translations.ngettext(singular, plural, n)

    def instant(self, at: dt.datetime, timezone: str) -> str:
        """A weekday, date, time and zone as this language writes them."""
        local = to_utc(at, "at").in_timezone(timezone)
        if self.locale == "en":
            return local.format("ddd YYYY-MM-DD HH:mm zz")
        return format_datetime(
            local, "EEE y-MM-dd HH:mm zzzz", tzinfo=zone(timezone), locale=self.locale
        )

    def date(self, day: dt.date) -> str:
        """A short date ("02 Mar", "3月2日")."""
        if self.locale == "en":
            return day.strftime("%d %b")
        return format_date(day, "MMMd", locale=self.locale)

    def day(self, day: dt.date) -> str:
        """A weekday and day of the month ("Sat 10", "周六 10")."""
        if self.locale == "en":
            return day.strftime("%a %d")
        return format_date(day, "EEE dd", locale=self.locale)

    def weekday_date(self, day: dt.date) -> str:
        """A weekday, month and day ("Mon 09-21", "周一 09-21")."""
        if self.locale == "en":
            return day.strftime("%a %m-%d")
        return format_date(day, "EEE MM-dd", locale=self.locale)

    def month(self, day: dt.date) -> str:
        """The month of ``day`` ("October 2026", "2026年10月")."""
        return format_skeleton("yMMMM", day, locale=self.locale)

    def business_hours(self, hours: float) -> str:
        """Business time in words ("2.5 business hours", "2.5 个工作小时")."""
        return self.ngettext(
            "{hours} business hour", "{hours} business hours", 1 if hours == 1 else 2
        ).format(hours=f"{hours:g}")

    def business_left(self, hours: float) -> str:
        """Business time still left ("2.5 business hours left", "剩余 2.5 个工作小时")."""
        return self.gettext("{time} left").format(time=self.business_hours(hours))

    def money(self, amount: Decimal, currency: str, *, signed: bool = False) -> str:
        """An amount as this language writes it ("¥120,000.00", "$5,000.00")."""
        text = format_currency(amount, currency, locale=self.locale)
        return f"+{text}" if signed and amount > 0 else text

    def duration(self, span: dt.timedelta) -> str:
        """A wall-clock span in words ("1 week 1 day", "1周 1天")."""
        words = pendulum.Duration(seconds=span.total_seconds())
        return words.in_words(locale="zh" if self.locale.startswith("zh") else "en")


def language(locale: str = "en") -> Language:
    """The shipped catalogue of ``locale`` (``en`` or ``zh_CN``)."""
    if locale not in LOCALES:
        raise ValidationError("locale", f"one of {', '.join(LOCALES)}", got=locale)
    folder = resources.files(__package__) / "locale"
    with resources.as_file(folder) as path:
        translations = gettext.translation(DOMAIN, localedir=str(path), languages=[locale])
    return Language(locale, translations)
