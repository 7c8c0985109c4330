"""A copy of a frozen attrs value with some fields replaced, generated per class.

``attrs.evolve`` looks the class's fields up and builds a dict of every argument on each
call (~2 us for a 13-field aggregate); ``apply`` functions evolve an aggregate once per
event, so a rebuild or an import pays it for every event. :func:`evolver` generates, once
per class, a function with one keyword per field that calls the class's ``__init__`` as
``attrs.evolve`` does (validators, converters and ``__attrs_post_init__`` all run):
~1.5 us for the same call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import attrs

from clientflow.core.errors import ValidationError

__all__ = ["evolver"]

T = TypeVar("T")

_KEEP = object()  # "not given": the field keeps its value


def evolver(cls: type[T]) -> Callable[..., T]:
    """``evolve(value, **changes)`` for values of ``cls``: ``attrs.evolve`` made per class.

    >>> @attrs.frozen
    ... class Point:
    ...     x: int
    ...     y: int = 0
    >>> evolver(Point)(Point(1, 2), y=5)
    Point(x=1, y=5)
    """
    if not attrs.has(cls):
        raise ValidationError("evolver", "an attrs class", got=cls)
    fields = [field for field in attrs.fields(cls) if field.init]
    keywords = ", ".join(f"{field.alias}=_KEEP" for field in fields)
    arguments = ", ".join(
        f"{field.alias}=value.{field.name} if {field.alias} is _KEEP else {field.alias}"
        for field in fields
    )
    source = f"def evolve(value, /, *, {keywords}):\n    return cls({arguments})\n"
    scope: dict[str, object] = {}
    exec(
        compile(source, f"<evolve {cls.__qualname__}>", "exec"),
        {"_KEEP": _KEEP, "cls": cls},
        scope,
    )
    made: Callable[..., T] = scope["evolve"]  # type: ignore[assignment]
    return made
