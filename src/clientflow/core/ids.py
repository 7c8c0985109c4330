r"""What an id may be: defined once, checked at the edge, compared byte for byte after that.

Ids name aggregates (``CR-1``), actors (``li.wei``), roles (``pm``) and idempotency keys
(``form-42``). Stores compare them exactly (MariaDB with a binary collation), so two ids
that *look* alike must not reach a store as different strings by accident. An id is
therefore refused, never silently repaired, when it is:

- not a ``str``, empty, or longer than :data:`MAX_ID_LENGTH` characters;
- not in Unicode normalisation form NFC (``"Zoe\u0308"`` must be written ``"Zoë"``);
- surrounded by whitespace (``"anna "``);
- holding a control, format (zero-width space, bidi marks), surrogate, private-use or
  unassigned character, or a line or paragraph separator.

Letters of any script, digits, punctuation, symbols and inner spaces are allowed.

>>> check_id("李伟", "actor.id")
'李伟'
>>> check_id("anna\u200b", "actor.id")
Traceback (most recent call last):
...
clientflow.core.errors.ValidationError: actor.id: expected an id ... got 'anna\u200b'
"""

from __future__ import annotations

import unicodedata

from clientflow.core.errors import N_, Phrase, ValidationError

__all__ = ["ID_RULE", "MAX_ID_LENGTH", "check_id", "check_ids", "id_problem"]

MAX_ID_LENGTH = 200
"""The longest id, in characters; every store keeps at least this many (4 bytes each)."""

ID_RULE = (
    f"an id of 1 to {MAX_ID_LENGTH} characters in Unicode NFC, without surrounding "
    "whitespace and without control, format, surrogate, private-use or unassigned characters"
)
"""What :func:`check_id` allows, as error messages and docs say it."""

_RULE_BECAUSE = N_(
    "an id of 1 to {most} characters in Unicode NFC, without surrounding whitespace and"
    " without control, format, surrogate, private-use or unassigned characters ({problem})"
)
# The problems id_problem says in fixed words, so an error renders them in the reader's.
_PROBLEMS = frozenset(
    (
        N_("it is empty"),
        N_("it holds a control character"),
        N_("it has surrounding whitespace"),
        N_("it is not in Unicode normalisation form NFC"),
    )
)

# Categories refused anywhere in an id: control, format, surrogate, private use,
# unassigned, line and paragraph separators.
_REFUSED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def id_problem(value: object) -> str | None:
    """Why ``value`` is not a valid id, or ``None`` if it is one.

    >>> id_problem("CR-1") is None
    True
    >>> id_problem(" CR-1")
    'it has surrounding whitespace'
    """
    if not isinstance(value, str):
        return f"it is a {type(value).__name__}, not a str"
    if not value:
        return "it is empty"
    if len(value) > MAX_ID_LENGTH:
        return f"it has {len(value)} characters"
    if value.isascii():
        # The common case, decided without a per-character loop.
        if not value.isprintable():
            return "it holds a control character"
        if value[0] == " " or value[-1] == " ":
            return "it has surrounding whitespace"
        return None
    if value != value.strip():
        return "it has surrounding whitespace"
    for char in value:
        if unicodedata.category(char) in _REFUSED:
            return f"it holds U+{ord(char):04X} ({unicodedata.category(char)})"
    if not unicodedata.is_normalized("NFC", value):
        return "it is not in Unicode normalisation form NFC"
    return None


# Ids seen valid lately. One command checks the same few ids at each layer it crosses
# (the edge, the engine, the event, the commit, the read-side row): a set lookup answers
# the repeats. Exact str only (a subclass could hash or compare otherwise); cleared when
# full, so it stays bounded whatever the number of ids.
_VALID: set[str] = set()
_VALID_LIMIT = 65_536


def check_id(value: object, field: str) -> str:
    """Return ``value`` if it is a valid id, else raise ``ValidationError`` naming ``field``."""
    if type(value) is str and value in _VALID:
        return value
    problem = id_problem(value)
    if problem is not None:
        said = Phrase(problem, {}) if problem in _PROBLEMS else problem
        raise ValidationError(
            field, _RULE_BECAUSE, got=value, values={"most": MAX_ID_LENGTH, "problem": said}
        )
    if type(value) is str:
        if len(_VALID) >= _VALID_LIMIT:
            _VALID.clear()
        _VALID.add(value)
    return value  # type: ignore[return-value]  # id_problem proved it is a str


def check_ids(values: object, field: str) -> frozenset[str]:
    """A set of ids (roles, approvers), each checked with :func:`check_id`."""
    if isinstance(values, str):
        return frozenset({check_id(values, field)})
    try:
        items = list(values)  # type: ignore[call-overload]
    except TypeError:
        raise ValidationError(field, "a string or a collection of strings", got=values) from None
    return frozenset(check_id(item, field) for item in items)
