"""Argument types checked at the edge of every public command, from its annotations.

Pure commands are called by scripts, web handlers and the engine with whatever a caller
has at hand; an argument of the wrong type must be a :class:`ValidationError` naming the
parameter, not an ``AttributeError`` three calls deeper. The annotations already say
what each parameter takes, so :func:`checked` reads them once, when the command is
defined, and checks each call with plain ``isinstance`` tests (about a microsecond).

>>> @checked
... def rename(title: str, *, times: int | None = None) -> str:
...     return title
>>> rename(7)
Traceback (most recent call last):
...
clientflow.core.errors.ValidationError: title: expected a str, got 7
"""

from __future__ import annotations

import collections.abc
import datetime as dt
import enum
import functools
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

import pendulum

from clientflow.core.errors import N_, ValidationError

__all__ = [
    "Check",
    "accepted",
    "check_count",
    "checked",
    "enum_of",
    "fits",
    "json_object",
    "value_refusal",
    "words_for",
]

P = ParamSpec("P")
R = TypeVar("R")

_CALLABLE: object = collections.abc.Callable
Check = tuple[tuple[type, ...], bool]
"""The runtime types an annotation accepts, and whether it accepts ``None``."""
_Check = Check


def _accepted(annotation: object) -> _Check | None:
    """The runtime types an annotation allows, or ``None`` when it cannot be checked."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        kinds: list[type] = []
        optional = False
        for part in typing.get_args(annotation):
            if part is type(None):
                optional = True
                continue
            found = _accepted(part)
            if found is None:
                return None
            kinds.extend(found[0])
            optional = optional or found[1]
        return tuple(kinds), optional
    if origin is not None:
        annotation = origin  # tuple[X, ...] -> tuple, Mapping[K, V] -> Mapping
    if annotation is pendulum.DateTime:
        # Awareness and range are checked by to_utc inside the command, with its message.
        return (dt.datetime,), False
    if not isinstance(annotation, type) or annotation is _CALLABLE:
        return None  # Any, type variables, forward references, callables
    return (annotation,), False


def _words(kinds: tuple[type, ...], optional: bool) -> str:
    names = " or ".join(_word(kind) for kind in kinds)
    return f"{names} or None" if optional else names


def value_refusal(name: str, check: _Check, value: object, command: str = "") -> ValidationError:
    """The error for ``value`` that ``check`` refuses: the values of an enum it takes
    listed one by one (the reader's list), else the types it takes."""  # noqa: D205, D209
    kinds, optional = check
    if len(kinds) == 1 and issubclass(kinds[0], enum.Enum) and not optional:
        return ValidationError.one_of(name, [str(m.value) for m in kinds[0]], got=value)
    suffix = f" ({command})" if command else ""
    return ValidationError(name, _words(*check) + suffix, got=value)


def _word(kind: type) -> str:
    name = kind.__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"  # "an Actor", "a str"
    if issubclass(kind, enum.Enum):  # name the values a caller may pass
        return f"{article} {name} ({', '.join(str(member.value) for member in kind)})"
    return f"{article} {name}"


def _fits(value: object, check: _Check) -> bool:
    kinds, optional = check
    if value is None:
        return optional
    if isinstance(value, str | bytes) and not any(k in (str, bytes, object) for k in kinds):
        # A str is a Sequence of characters: `participants: "anna"` must be refused,
        # never split into ('a', 'n', 'n', 'a').
        return False
    return isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)


# Subclasses callers pass all the time, accepted wherever their base is.
_USUAL_SUBCLASSES = {
    dt.datetime: pendulum.DateTime,
    dt.timedelta: pendulum.Duration,
    dt.date: pendulum.Date,
}


def _exact(kinds: tuple[type, ...]) -> frozenset[type]:
    found = set(kinds)
    found.update(_USUAL_SUBCLASSES[kind] for kind in kinds if kind in _USUAL_SUBCLASSES)
    return frozenset(found)


exact_types = _exact
"""The exact types of a :data:`Check`'s kinds (with the subclasses callers pass all the
time) a value of which passes without an ``isinstance`` test."""


def check_count(value: object, field: str, *, low: int = 0, high: int) -> int:
    """``value`` if it is an ``int`` (not a bool) from ``low`` to ``high``; else
    ``ValidationError`` naming ``field`` and the range.

    >>> check_count(20, "limit", high=10_000)
    20
    >>> check_count(10**400, "limit", high=10_000)
    Traceback (most recent call last):
    ...
    clientflow.core.errors.ValidationError: limit: expected a whole number from 0 to 10000, ...
    """  # noqa: D205
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        got = value if not isinstance(value, int) or abs(value) < 10**30 else "a huge number"
        raise ValidationError(
            field,
            N_("a whole number from {low} to {high}"),
            got=got,
            values={"low": low, "high": high},
        )
    return value


def checked(function: Callable[P, R]) -> Callable[P, R]:
    """Check every annotated argument's type before ``function`` runs.

    The function itself stays reachable as the wrapper's ``unchecked``, for callers that
    checked the arguments already (a declared command's runner).
    """
    hints = typing.get_type_hints(function)
    signature = inspect.signature(function)
    checks: dict[str, _Check] = {}
    for name in signature.parameters:
        if name in hints:
            found = _accepted(hints[name])
            if found is not None:
                checks[name] = found

    # Checks by position and by keyword, so a call costs no Signature.bind (~20 us).
    order = list(signature.parameters)
    by_position = [checks.get(name) for name in order]
    accepts = set(order)
    # The exact types each parameter accepts: most arguments are one of them (a str, an
    # Actor, a calendar), so a set lookup settles them before the full isinstance test.
    # A bool never counts as an int here: its exact type is bool.
    exact = {name: _exact(check[0]) for name, check in checks.items()}
    exact_by_position = [exact.get(name, frozenset()) for name in order]

    refuse = value_refusal

    def generic(*args: P.args, **kwargs: P.kwargs) -> R:
        if len(args) > len(order):
            raise ValidationError(function.__name__, f"at most {len(order)} arguments")
        for index, value in enumerate(args):
            check = by_position[index]
            if (
                check is not None
                and type(value) not in exact_by_position[index]
                and not _fits(value, check)
            ):
                raise refuse(order[index], check, value)
        for name, value in kwargs.items():
            if name in exact:  # a checked parameter (`in`, not a `get` call per argument)
                if type(value) not in exact[name] and not _fits(value, checks[name]):
                    raise refuse(name, checks[name], value)
            elif name not in accepts:
                raise ValidationError(
                    function.__name__, f"arguments named {', '.join(order)}", got=name
                )
        try:
            return function(*args, **kwargs)
        except TypeError as error:
            # Only a call that misses a required argument gets here: the types were checked.
            if error.__traceback__ is not None and error.__traceback__.tb_next is None:
                raise ValidationError(function.__name__, f"its arguments ({error})") from None
            raise

    wrapper = functools.wraps(function)(_compiled(function, signature, checks, exact, generic))
    wrapper.unchecked = function  # type: ignore[attr-defined]
    return wrapper


_MISSING: Any = object()  # an argument the caller did not pass


def _compiled(
    function: Callable[P, R],
    signature: inspect.Signature,
    checks: Mapping[str, _Check],
    exact: Mapping[str, frozenset[type]],
    generic: Callable[P, R],
) -> Callable[P, R]:
    """A wrapper with ``function``'s own parameters, its checks written out one by one.

    A call in the usual shape (every required argument, positional ones by position, no
    unknown name) costs a few tests instead of two loops over ``*args`` and ``**kwargs``
    (~1.5 us a command). Any other call goes to ``generic``, the loops, with their errors
    word for word: the parameters taken by position are positional-only here, so a name
    given by keyword, twice or unknown arrives in ``**named`` and goes there too.
    """
    kinds = {p.kind for p in signature.parameters.values()}
    plain = {inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY}
    if not kinds <= plain:  # *args, **kwargs, positional-only: the loops handle them
        return generic
    params = list(signature.parameters.values())
    positional = [p.name for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    keywords = [p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]
    env: dict[str, object] = {
        "_M": _MISSING,
        "_generic": generic,
        "_function": function,
        "_fits": _fits,
        "_refuse": value_refusal,
    }
    head = [f"{name}=_M" for name in positional]
    if positional:
        head.append("/")
    head.append("*_more")
    head.extend(f"{name}=_M" for name in keywords)
    head.append("**_named")
    required = [p.name for p in params if p.default is inspect.Parameter.empty]
    given_positional = ", ".join(positional)
    given_keywords = ", ".join(f"({n!r}, {n})" for n in keywords)
    unusual = " or ".join(["_more", "_named", *(f"{n} is _M" for n in required)])
    lines = [
        f"def wrapper({', '.join(head)}):",
        f"    if {unusual}:",
        f"        return _generic(*[v for v in ({given_positional}{',' if positional else ''})"
        " if v is not _M], *_more,"
        f" **{{k: v for k, v in ({given_keywords}{',' if keywords else ''}) if v is not _M}},"
        " **_named)",
    ]
    for p in params:
        name = p.name
        if p.default is not inspect.Parameter.empty:
            env[f"_D_{name}"] = p.default
            lines.append(f"    if {name} is _M:")
            lines.append(f"        {name} = _D_{name}")
            if name in checks:
                lines.append(f"    elif {_test(name)}:")
                lines.append(f"        raise _refuse({name!r}, _C_{name}, {name})")
        elif name in checks:
            lines.append(f"    if {_test(name)}:")
            lines.append(f"        raise _refuse({name!r}, _C_{name}, {name})")
        if name in checks:
            env[f"_C_{name}"] = checks[name]
            env[f"_E_{name}"] = exact[name]
    call = [*positional, *(f"{name}={name}" for name in keywords)]
    lines.append(f"    return _function({', '.join(call)})")
    # The source holds only the signature's own names (identifiers), nothing a caller gave.
    exec("\n".join(lines), env)
    return env["wrapper"]  # type: ignore[return-value]


def _test(name: str) -> str:
    return f"type({name}) not in _E_{name} and not _fits({name}, _C_{name})"


accepted = _accepted
"""The :data:`Check` of an annotation (``None`` when it cannot be checked at run time)."""
fits = _fits
"""Whether a value passes a :data:`Check` (a str never passes for a sequence)."""
words_for = _words
"""What a :data:`Check` accepts, in words for an error."""


def enum_of(kind: type[Any], value: object) -> object:
    """The member of ``kind`` whose value is ``value`` (a web form's string); anything else
    unchanged, so the command's own check says what is allowed."""  # noqa: D205, D209
    if isinstance(value, str):
        for member in kind:
            if member.value == value:
                return member
    return value


def json_object(value: object, name: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    """``value`` if it is a JSON object with only the ``allowed`` fields; else a
    ``ValidationError`` naming ``name`` and the fields."""  # noqa: D205, D209
    if not isinstance(value, Mapping):
        raise ValidationError(name, f"a JSON object with {', '.join(allowed)}", got=value)
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        raise ValidationError(name, f"only the fields {', '.join(allowed)}", got=unknown)
    return value
