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

from clientflow.core.errors import N_, ValidationError

__all__ = ["MAX_LINE_LENGTH", "MAX_TEXT_LENGTH", "check_line", "check_text", "continued"]

MAX_TEXT_LENGTH = 10_000
"""The longest free text, in characters, unless a field says otherwise."""

MAX_LINE_LENGTH = 200
"""The longest single-line text (a title, a milestone, a release name)."""

# Everywhere: lone surrogates, C0 controls except \t \n \r, DEL, C1 controls, and the
# bidi embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069), which
# make a line read in another order than it is stored ("Trojan source").
_REFUSED = re.compile(
    r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)
# In single-line text also: line breaks of any kind (a title with a line break could
# forge a heading or a list item in a report).
_BREAKS = re.compile(r"[\n\r\u2028\u2029]")
# What a text may be, by (required, single_line), each a message id with {limit}.
_SHAPES = {
    (True, True): N_(
        "a non-empty text on one line of at most {limit} characters, without control"
        " characters, bidi controls or lone surrogates"
    ),
    (True, False): N_(
        "a non-empty text of at most {limit} characters, without control characters, bidi"
        " controls or lone surrogates"
    ),
    (False, True): N_(
        "a text on one line of at most {limit} characters, without control characters, bidi"
        " controls or lone surrogates"
    ),
    (False, False): N_(
        "a text of at most {limit} characters, without control characters, bidi controls or"
        " lone surrogates"
    ),
}


def check_text(
    value: object,
    field: str,
    *,
    required: bool = True,
    limit: int = MAX_TEXT_LENGTH,
    single_line: bool = False,
) -> str:
    """Return ``value`` if it is acceptable text; else ``ValidationError`` naming ``field``.

    ``single_line`` also refuses line breaks (titles, names); multi-line text keeps them
    and its renderers indent continuation lines (see :func:`continued`).
    """
    # Printable ASCII holds no control character, line break, bidi control or surrogate:
    # the common case, decided without the patterns.
    if (
        isinstance(value, str)
        and type(value) is str
        and value.isascii()
        and value.isprintable()
        and len(value) <= limit
        and (not required or value.strip())
    ):
        return value
    if (
        not isinstance(value, str)
        or len(value) > limit
        or (required and not value.strip())
        or _REFUSED.search(value) is not None
        or (single_line and _BREAKS.search(value) is not None)
    ):
        raise ValidationError(
            field,
            _SHAPES[bool(required), bool(single_line)],
            got=value if not isinstance(value, str) or len(value) <= 80 else f"{len(value)} chars",
            values={"limit": limit},
        )
    return value


def check_line(
    value: object, field: str, *, required: bool = True, limit: int = MAX_LINE_LENGTH
) -> str:
    r""":func:`check_text` for a single-line field (a title, a name): no line breaks.

    >>> check_line("SSO\n## FORGED", "title")
    Traceback (most recent call last):
    ...
    clientflow.core.errors.ValidationError: title: expected a non-empty text on one line ...
    """
    return check_text(value, field, required=required, limit=limit, single_line=True)


def continued(value: str, indent: str = "  ") -> str:
    r"""Multi-line text laid out so it cannot break out of its place in a rendered text:
    every line after the first is indented by ``indent`` (a line of a note can then
    never start a heading or a list item of its own).

    >>> print("- " + continued("slow export\n## Done\n- FORGED"))
    - slow export
      ## Done
      - FORGED
    """  # noqa: D205
    lines = value.splitlines() or [""]
    return ("\n" + indent).join(lines)
