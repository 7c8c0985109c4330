r"""What free text (titles, notes, reasons, messages) may be: checked once, at the edge.

Text goes to every store and to client-facing messages, so it must be something each
of them can hold: a ``str`` of at most ``limit`` characters, encodable as UTF-8 (no
lone surrogates such as ``"\udcff"``, which the SQL drivers cannot send), and without
control characters other than tab, line feed and carriage return (a NUL ends a C string
in some drivers and terminals).

>>> check_text("Export to CSV", "title")
'Export to CSV'
>>> check_text("a\udcffb", "title")
Traceback (most recent call last):
...
clientflow.core.errors.ValidationError: title: expected a non-empty text of at most 10000 ...
"""

from __future__ import annotations

import re

from clientflow.core.errors import ValidationError

__all__ = ["MAX_TEXT_LENGTH", "check_text"]

MAX_TEXT_LENGTH = 10_000
"""The longest free text, in characters, unless a field says otherwise."""

# Lone surrogates and C0 controls except \t \n \r, and DEL.
_REFUSED = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text(
    value: object, field: str, *, required: bool = True, limit: int = MAX_TEXT_LENGTH
) -> str:
    """Return ``value`` if it is acceptable text; else ``ValidationError`` naming ``field``."""
    if (
        not isinstance(value, str)
        or len(value) > limit
        or (required and not value.strip())
        or _REFUSED.search(value) is not None
    ):
        shape = "a non-empty text" if required else "a text"
        raise ValidationError(
            field,
            f"{shape} of at most {limit} characters, without control characters or lone surrogates",
            got=value if not isinstance(value, str) or len(value) <= 80 else f"{len(value)} chars",
        )
    return value
