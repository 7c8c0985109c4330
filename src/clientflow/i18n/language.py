"""The ``Language`` of a reader: translations, plural forms, local dates and money."""

from __future__ import annotations

import datetime as dt
import gettext
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from importlib import resources

import attrs
import pendulum  # noqa: F401 - the doctests' instants
from babel.dates import format_date, format_skeleton, get_timezone_location
from babel.numbers import format_currency

from clientflow.core import ValidationError, to_utc, zone
from clientflow.i18n.conventions import duration

__all__ = ["DOMAIN", "LOCALES", "N_", "Language", "columns", "language"]

DOMAIN = "clientflow"
LOCALES = ("en", "zh_CN")
"""The locales whose catalogues ship with clientflow."""


# How Chinese business writing names the zones its readers meet: Beijing time for China
# (whatever the IANA city), the US coasts by region; others as "<city>时间" from Babel.
_ZH_ZONES = {
    "Asia/Shanghai": "北京时间",
    "Asia/Chongqing": "北京时间",
    "Asia/Harbin": "北京时间",
    "PRC": "北京时间",
    "Asia/Hong_Kong": "香港时间",
    "Asia/Macau": "澳门时间",
    "Asia/Taipei": "台北时间",
    "America/New_York": "美东时间",
    "America/Chicago": "美中时间",
    "America/Denver": "美国山地时间",
    "America/Los_Angeles": "美西时间",
    "UTC": "世界协调时间",
    "Etc/UTC": "世界协调时间",
    "GMT": "格林尼治时间",
}


_ENDS = ".!?\u3002\uff01\uff1f\u2026"
"""Marks that end a sentence, in English and Chinese."""
_FULL_STOP, _BANG, _ASK = "\u3002", "\uff01", "\uff1f"
_ZH_ENDS = {".": _FULL_STOP, "!": _BANG, "?": _ASK, _FULL_STOP: _FULL_STOP, _BANG: _BANG}
_ZH_ENDS |= {_ASK: _ASK, "\u2026": "\u2026"}
"""The full-width mark Chinese writes for each sentence end."""


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
        """A weekday, date, time and zone as this language writes them.

        >>> at = pendulum.datetime(2026, 10, 8, 9)
        >>> language("en").instant(at, "Asia/Shanghai")
        'Thu 2026-10-08 17:00 CST'
        >>> language("zh_CN").instant(at, "Asia/Shanghai")
        '2026年10月8日（周四）17:00（北京时间）'
        """
        local = to_utc(at, "at").in_timezone(timezone)
        if self.locale == "en":
            return local.format("ddd YYYY-MM-DD HH:mm zz")
        day = format_date(local.date(), "y年M月d日", locale=self.locale)
        weekday = format_date(local.date(), "EEE", locale=self.locale)
        return f"{day}（{weekday}）{local.format('HH:mm')}（{self.zone(timezone)}）"

    def instant_within(self, at: dt.datetime, timezone: str, now: dt.datetime) -> str:
        """:meth:`instant` without the year when ``at`` falls in the year of ``now``, as
        Chinese writes a date within the year ("3月2日（周一）10:00（北京时间）"); English
        keeps the full form.

        >>> at, now = pendulum.datetime(2026, 3, 2, 2), pendulum.datetime(2026, 3, 2, 1)
        >>> language("zh_CN").instant_within(at, "Asia/Shanghai", now)
        '3月2日（周一）10:00（北京时间）'
        >>> language("zh_CN").instant_within(at, "Asia/Shanghai", now.add(years=1))
        '2026年3月2日（周一）10:00（北京时间）'
        """  # noqa: D205
        if self.locale == "en":
            return self.instant(at, timezone)
        return f"{self.local_time(at, timezone, now=now)}（{self.zone(timezone)}）"

    def local_time(self, at: dt.datetime, timezone: str, *, now: dt.datetime) -> str:
        """A weekday, date and time in ``timezone`` without the zone's name, for a text
        that names its zone once (a weekly report's heading); Chinese leaves out the
        year of a date in the year of ``now`` ("10月8日（周四）17:00").

        >>> at = pendulum.datetime(2026, 10, 8, 9)
        >>> language("zh_CN").local_time(at, "Asia/Shanghai", now=at)
        '10月8日（周四）17:00'
        >>> language("zh_CN").local_time(at, "Asia/Shanghai", now=at.add(years=1))
        '2026年10月8日（周四）17:00'
        >>> language("en").local_time(at, "Asia/Shanghai", now=at)
        'Thu 2026-10-08 17:00'
        """  # noqa: D205
        local = to_utc(at, "at").in_timezone(timezone)
        if self.locale == "en":
            return local.format("ddd YYYY-MM-DD HH:mm")
        if local.year != to_utc(now, "now").in_timezone(timezone).year:
            day = format_date(local.date(), "y年M月d日", locale=self.locale)
            weekday = format_date(local.date(), "EEE", locale=self.locale)
            return f"{day}（{weekday}）{local.format('HH:mm')}"
        return f"{self.day(local.date())}{local.format('HH:mm')}"

    def days(self, days: Iterable[dt.date]) -> str:
        """Several days, in order, as this language lists them: Chinese names a month
        once until it changes ("11月23日、25日、12月2日"); English gives each its weekday
        ("Mon 11-23, Wed 11-25"). A day given more than once is listed once with its
        count ("11月24日（2 次）、27日"), not repeated.

        >>> language("zh_CN").days([dt.date(2026, 11, 23), dt.date(2026, 11, 25), dt.date(2026, 12, 2)])
        '11月23日、25日、12月2日'
        >>> language("zh_CN").days([dt.date(2026, 11, 24), dt.date(2026, 11, 27), dt.date(2026, 11, 24)])
        '11月24日（2 次）、27日'
        """  # noqa: D205, E501
        counted: dict[dt.date, int] = {}
        for day in sorted(days):
            counted[day] = counted.get(day, 0) + 1
        ordered = list(counted)
        if self.locale == "en":
            names = [self.weekday_date(day) for day in ordered]
        else:
            months = [(day.year, day.month) for day in ordered]
            names = [
                f"{day.day}日" if i and months[i] == months[i - 1] else self.date(day)
                for i, day in enumerate(ordered)
            ]
        return self.items(
            name
            if counted[day] == 1
            else name
            + self.aside(self.ngettext("{n} time", "{n} times", counted[day])).format(
                n=counted[day]
            )
            for name, day in zip(names, ordered, strict=True)
        )

    def time_left(self, hours: float) -> str:
        """Business time still left, in hours to a tenth, or in minutes under an hour
        ("1.5 business hours left", "剩余 1.5 个工作小时", "剩余 15 分钟").

        >>> language("zh_CN").time_left(0.25), language("en").time_left(1)
        ('剩余 15 分钟', '1 business hour left')
        """  # noqa: D205
        if hours >= 1:
            value = round(hours, 1)
            return self.ngettext(
                "{hours} business hour left",
                "{hours} business hours left",
                1 if value == 1 else 2,
            ).format(hours=f"{value:g}")
        minutes = max(round(hours * 60), 1)
        return self.ngettext(
            "{minutes} business minute left", "{minutes} business minutes left", minutes
        ).format(minutes=minutes)

    def sentence(self, text: str) -> str:
        r"""What a person wrote, as one sentence that ends once in this language's marks.

        A trailing full stop is added if missing and never doubled; Chinese takes
        full-width marks, and a request (请…) that ends in a question mark ends in "。".
        English quoted in Chinese keeps its own "?" and "!" (a Chinese mark there reads as
        a typo). Text of several lines (a numbered list) starts on a line of its own, so
        after "解决：" the list begins on the next line.

        >>> zh = language("zh_CN")
        >>> zh.sentence("请提供截图和手机型号？"), zh.sentence("已修复。"), zh.sentence("好的.")
        ('请提供截图和手机型号。', '已修复。', '好的。')
        >>> zh.sentence("Can you send logs?"), zh.sentence("1. 已回滚证书\n2. 已重新发布")
        ('Can you send logs?', '\n1. 已回滚证书\n2. 已重新发布。')
        >>> language("en").sentence("Could you send a screenshot?")
        'Could you send a screenshot?'
        """  # noqa: RUF002 - the Chinese marks are the point
        text = "\n".join(line.rstrip() for line in text.strip().splitlines())
        said = self._ended(text)
        return "\n" + said if "\n" in said else said

    def _ended(self, text: str) -> str:
        body = text.rstrip(_ENDS)
        if not body:
            return text
        end = text[len(body) :][:1]
        if self.locale == "en":
            return body + (end if end in {"?", "!"} else ".") if end else body + "."
        if end in {"?", "!"} and not _wide(body):
            return body + end  # English inside Chinese keeps its own mark
        end = _ZH_ENDS.get(end, _FULL_STOP)
        if end == _ASK and body.startswith("请"):
            end = _FULL_STOP  # a request, not a question
        return body + end

    def quote(self, text: str, *, whole: bool = False) -> str:
        """What a person wrote, quoted inside a sentence: no full stop of its own (a
        question or exclamation mark stays), in this language's quotation marks; a
        ``whole`` quote standing on its own line ends as :meth:`sentence` does.

        >>> language("zh_CN").quote("请提供截图。"), language("en").quote("OK.")
        ('“请提供截图”', '"OK"')
        >>> language("zh_CN").quote("已收到", whole=True)
        '“已收到。”'
        """  # noqa: D205
        if whole:
            said = self.sentence(text)
            return f'"{said}"' if self.locale == "en" else f"“{said}”"
        text = text.strip()
        body = text.rstrip(_ENDS)
        end = text[len(body) :][:1]
        if (end and end not in {"?", "!", _ASK, _BANG}) or (
            end in {"?", _ASK} and body.startswith("请")
        ):
            end = ""
        if end and self.locale != "en" and (end not in {"?", "!"} or _wide(body)):
            end = _ZH_ENDS[end]
        return f'"{body}{end}"' if self.locale == "en" else f"“{body}{end}”"

    def zone(self, timezone: str) -> str:
        """The name readers use for a time zone ("北京时间", "美东时间"; the IANA name
        in English).

        >>> language("zh_CN").zone("Europe/London")
        '伦敦时间'
        """  # noqa: D205
        if self.locale == "en":
            return timezone
        known = _ZH_ZONES.get(timezone)
        if known is not None:
            return known
        city = get_timezone_location(zone(timezone), locale=self.locale, return_city=True)
        return f"{city}时间"

    def date(self, day: dt.date) -> str:
        """A short date ("02 Mar", "3月2日"; a Chinese day always ends in 日).

        >>> language("zh_CN").date(dt.date(2026, 9, 14))
        '9月14日'
        """
        if self.locale == "en":
            return day.strftime("%d %b")
        return format_date(day, "M月d日", locale=self.locale)

    def day(self, day: dt.date) -> str:
        """A day of the month with its weekday ("Sat 10", "10月10日（周六）")."""
        if self.locale == "en":
            return day.strftime("%a %d")
        weekday = format_date(day, "EEE", locale=self.locale)
        return f"{format_date(day, 'M月d日', locale=self.locale)}（{weekday}）"

    def weekday_date(self, day: dt.date) -> str:
        """A weekday, month and day ("Mon 09-21", "9月21日（周一）")."""
        if self.locale == "en":
            return day.strftime("%a %m-%d")
        return self.day(day)

    def items(self, parts: Iterable[str]) -> str:
        """Items of a list as this language joins them ("a, b, c", "甲、乙、丙").

        >>> language("zh_CN").items(["1日", "2日", "11日"])
        '1日、2日、11日'
        """
        return (", " if self.locale == "en" else "、").join(parts)

    def aside(self, text: str) -> str:
        """A parenthetical after a word: " (x)" in English, "（x）" in Chinese."""
        return f" ({text})" if self.locale == "en" else f"（{text}）"

    @property
    def comma(self) -> str:
        """The comma between clauses (", " or "，")."""
        return ", " if self.locale == "en" else "，"

    @property
    def colon(self) -> str:
        """The colon before what follows (": " or "：")."""
        return ": " if self.locale == "en" else "："

    def full_date(self, day: dt.date) -> str:
        """A date with its year ("2026-11-30", "2026年11月30日")."""
        if self.locale == "en":
            return day.isoformat()
        return format_date(day, "y年M月d日", locale=self.locale)

    def day_ranges(self, days: Iterable[int]) -> str:
        """Days of one month, runs of consecutive days as ranges ("1-7, 11, 17-18",
        "1—7日、11日、17—18日").

        >>> language("zh_CN").day_ranges([1, 2, 3, 11, 17, 18])
        '1—3日、11日、17—18日'
        """  # noqa: D205
        runs: list[list[int]] = []
        for day in sorted(days):
            if runs and day == runs[-1][-1] + 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        if self.locale == "en":
            return self.items(f"{r[0]}-{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs)
        return self.items(f"{r[0]}—{r[-1]}日" if len(r) > 1 else f"{r[0]}日" for r in runs)

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
        """An amount as this language writes it: English as Babel does ("CN¥120,000.00",
        "$5,000.00"); Chinese as a PM writes it, the currency's sign and thousands
        separated by commas, without ".00" on a whole amount ("¥84,000", "US$12,000",
        "¥1,234.50"). Every renderer (reports, registers, summaries) writes money here.

        >>> zh = language("zh_CN")
        >>> zh.money(Decimal("84000.00"), "CNY"), zh.money(Decimal("1234.5"), "CNY")
        ('¥84,000', '¥1,234.50')
        >>> zh.money(Decimal("12000"), "USD", signed=True), language("en").money(Decimal(5), "USD")
        ('+US$12,000', '$5.00')
        """  # noqa: D205
        if self.locale != "en" and amount == amount.to_integral_value():
            # "¥84,000.00" reads as a bank statement; a PM writes whole amounts whole
            text = format_currency(
                amount, currency, format="¤#,##0", currency_digits=False, locale=self.locale
            )
        else:
            text = format_currency(amount, currency, locale=self.locale)
        return f"+{text}" if signed and amount > 0 else text

    def duration(self, span: dt.timedelta) -> str:
        """A wall-clock span in words ("1 week 1 day", "1 周 1 天"), as
        :mod:`~clientflow.i18n.conventions` writes a number and its unit."""  # noqa: D205, D209
        return duration(span, self.locale)


def _wide(text: str) -> bool:
    """Whether ``text`` holds a wide character (Chinese): else it is quoted English."""
    return any(unicodedata.east_asian_width(c) in "WF" for c in text)


def _width(text: str) -> int:
    # Wide and full-width characters (Chinese, full-width punctuation) take two columns
    # in a terminal or a monospaced mail client.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def columns(rows: Iterable[tuple[str, ...]], *, gap: int = 2, right: bool = True) -> list[str]:
    """Plain-text table lines: the first column left-aligned, the others right-aligned
    (left-aligned too with ``right=False``), padded by display width so Chinese labels
    line up with ASCII ones.

    >>> columns([("重放的问题", "55"), ("SLA breached", "7")])
    ['重放的问题     55', 'SLA breached   7']
    >>> columns([("定时器", "无到期定时器"), ("risk", "closed 2")], right=False)
    ['定时器  无到期定时器', 'risk    closed 2']
    """  # noqa: D205
    table = [tuple(row) for row in rows]
    if not table:
        return []
    widths = [max(_width(row[i]) for row in table) for i in range(len(table[0]))]
    lines = []
    for row in table:
        cells = [row[0] + " " * (widths[0] - _width(row[0]))]
        cells += [
            " " * (w - _width(c)) + c if right else c + " " * (w - _width(c))
            for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append((" " * gap).join(cells).rstrip())
    return lines


_NO_LINE_START = frozenset("，。、；：？！）」』”’》〉】…%")  # noqa: RUF001 - Chinese marks
"""Punctuation that Chinese typesetting never puts at the head of a line (禁则)."""
_OPENING = "（「『“‘《〈【"  # noqa: RUF001 - Chinese marks
"""Opening marks: never left at the end of a line, nor a word of two cut after one."""


def wrap(text: str, width: int) -> list[str]:
    """``text`` cut into lines of at most ``width`` display cells: Chinese may break
    between any two characters (never before a closing mark), English between words.

    >>> wrap("文本或 HTML 写给谁看：客户或团队。", 12)
    ['文本或 HTML', '写给谁看：客', '户或团队。']
    >>> wrap("存储地址（必填）", 10)
    ['存储地址', '（必填）']
    >>> wrap("sqlite:///file.db（必填）", 20)
    ['sqlite:///file.db', '（必填）']
    >>> wrap("进程数（默认：1；1<=x<=64）。", 22)
    ['进程数（默认：1；', '1<=x<=64）。']
    >>> wrap("一致（且未修正）时退出", 14)
    ['一致（且未修', '正）时退出']
    """  # noqa: D205
    tokens = re.findall(r"\s+|[^\s\u2e80-\uffef]+|[\u2e80-\uffef]", text)
    lines: list[str] = []
    line: list[str] = []
    for token in tokens:
        if token.isspace():
            line += [" "] if line else []
        elif not line or _width("".join(line)) + _width(token) <= width:
            line.append(token)
        else:
            cut = _cut([*line, token])
            if _width("".join(line[cut:]).lstrip()) + _width(token) > width:
                cut = len(line)  # the width holds first: 禁则 only when the carried part fits
            lines.append("".join(line[:cut]).rstrip())
            line = [*line[cut:], token]
            while line and line[0] == " ":
                line.pop(0)
    if line:
        lines.append("".join(line).rstrip())
    return lines


def _cut(tokens: list[str]) -> int:
    """Where a line of ``tokens`` (the last one did not fit) ends: a closing mark takes the
    word before it along, an opening mark goes on with the two characters after it."""  # noqa: D205, D209
    cut = len(tokens) - 1
    while cut > 1 and tokens[cut][0] in _NO_LINE_START:
        cut -= 1
    for back in range(cut - 1, max(cut - 3, 0) - 1, -1):
        if tokens[back] in _OPENING:
            return back if back > 0 else cut
    return cut


def language(locale: str = "en") -> Language:
    """The shipped catalogue of ``locale`` (``en`` or ``zh_CN``)."""
    if locale not in LOCALES:
        raise ValidationError("locale", f"one of {', '.join(LOCALES)}", got=locale)
    folder = resources.files(__package__) / "locale"
    with resources.as_file(folder) as path:
        translations = gettext.translation(DOMAIN, localedir=str(path), languages=[locale])
    return Language(locale, translations)
