"""How each language writes a number with its unit, defined once for every renderer.

Chinese business writing puts a space between an Arabic number and the word after it
("8 天", "1 周 1 天", "剩余 2.5 个工作小时", "1000 条命令"), as clientflow's catalogue does
throughout; dates are the exception ("2026年10月8日"), written by Babel's patterns. A
duration is written in the largest units that fit, each with its number: "1 周 1 天 17 小时
30 分钟", "1 week 1 day 17 hours 30 minutes".

>>> import datetime as dt
>>> duration(dt.timedelta(days=8), "zh_CN"), duration(dt.timedelta(days=8), "en")
('1 周 1 天', '1 week 1 day')
>>> quantity(2.5, "个工作小时", "zh_CN")
'2.5 个工作小时'
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["NUMBER_BEFORE_UNIT", "STUCK_TO_UNIT", "duration", "quantity"]

NUMBER_BEFORE_UNIT = " "
"""What stands between a number and its unit, in every shipped language."""

STUCK_TO_UNIT = re.compile(r"\d(?:周|天|小时|分钟|秒|个|条|次|项)")
"""A number written against its Chinese unit ("8天"): what the convention rules out."""

_UNITS = (  # (seconds, Chinese unit, English singular, English plural)
    (7 * 86400, "周", "week", "weeks"),
    (86400, "天", "day", "days"),
    (3600, "小时", "hour", "hours"),
    (60, "分钟", "minute", "minutes"),
    (1, "秒", "second", "seconds"),
)


def quantity(number: float, unit: str, locale: str) -> str:
    """``number`` followed by its ``unit`` word, spaced as ``locale`` writes it."""
    del locale  # both shipped languages space a number from its unit
    return f"{number:g}{NUMBER_BEFORE_UNIT}{unit}"


def duration(span: dt.timedelta, locale: str) -> str:
    """A wall-clock span in words, the largest units first ("1 周 1 天", "2 days 4 hours");
    seconds only when the span is shorter than a minute."""  # noqa: D205, D209
    left = int(abs(span.total_seconds()))
    parts: list[str] = []
    for seconds, zh, one, many in _UNITS:
        count, left = divmod(left, seconds)
        if count and (seconds > 1 or not parts):
            word = zh if locale.startswith("zh") else (one if count == 1 else many)
            parts.append(quantity(count, word, locale))
    if not parts:
        parts.append(quantity(0, "秒" if locale.startswith("zh") else "seconds", locale))
    return " ".join(parts)
