"""JSON text of attrs classes written directly, without cattrs' intermediate dicts.

:class:`TextWriter` generates, once per class, a function that writes the same compact
JSON text as :func:`~clientflow.core.events.write_json` (cattrs unstructure, then the
JSON encoder) from the class's fields and their declared types. Each field's fast path
is taken only for a value of exactly the type its text is known for; any other value,
and any type not handled here, goes through the converter's own hook for the declared
type, so the text is the same whatever the value (a property test compares them).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from functools import partial

import attrs
import cattrs
import pendulum

from clientflow.core.instants import duration_micros

__all__ = ["TextWriter"]

_Write = Callable[[object], str]

_SCALARS: dict[type, str] = {
    str: "_s({v})",
    int: "_r({v})",
    bool: '("true" if {v} else "false")',
    pendulum.DateTime: "'\"' + _iso({v}) + '\"'",
    Decimal: "'\"' + _str({v}) + '\"'",
    dt.date: "'\"' + {v}.isoformat() + '\"'",
    pendulum.Duration: "_r(_dm({v}))",
    dt.timedelta: "_r(_dm({v}))",
}
_SEQUENCES = (tuple, frozenset, list)

# Texts a remembering writer keeps at most: a store writes an aggregate's snapshot and
# its events together, so reuse is near; the bound holds however the texts are asked for.
_REMEMBERED = 4096


class TextWriter:
    """Writes values as ``write_json(converter, value)`` would, generated per class.

    ``converter`` must be one made by
    :func:`~clientflow.core.events.make_converter_for_events` (its hooks are what the
    generated code writes by hand).

    A ``remember`` writer (an import's) writes each top-level part of an event or
    aggregate other than the event's meta (an approval round, an impact) once per object
    until :meth:`forget`: an aggregate's parts are the very objects of its events, so
    their text is reused. Entries are used only for the object they were written for, so
    a writer shared by threads stays correct (a ``forget`` meanwhile costs only reuse).
    """

    __slots__ = ("_by_type", "_converter", "_depth", "_globals", "_meta", "_remembered")

    def __init__(self, converter: cattrs.Converter, *, remember: bool = False) -> None:
        from clientflow.core.events import EventMeta, _isoformat  # noqa: PLC0415

        self._converter = converter
        self._by_type: dict[type, _Write] = {}
        # Texts written by a remembering writer, by the id of the value (kept beside it,
        # so the id cannot be reused while the entry lives): see ``remember``.
        self._remembered: dict[int, tuple[object, str]] | None = {} if remember else None
        self._meta = EventMeta
        self._depth = 0  # how deep in nested classes the code being generated is
        self._globals: dict[str, object] = {
            "_s": json.encoder.encode_basestring,
            "_r": int.__repr__,
            "_iso": _isoformat,
            "_str": str,
            "_dm": duration_micros,
            "_N": "null",
            "_r_float": float.__repr__,
        }

    def forget(self) -> None:
        """Drop what a remembering writer wrote (and the values it kept alive for it)."""
        if self._remembered is not None:
            self._remembered.clear()

    def _recall(self, write: _Write, value: object) -> str:
        """The text of ``value`` written before by this writer, else written now.

        Keyed by identity, with the value kept beside its text: the values written are
        immutable (frozen attrs classes), so one object has one text.
        """
        remembered = self._remembered
        assert remembered is not None
        found = remembered.get(id(value))
        if found is not None and found[0] is value:
            return found[1]
        text = write(value)
        if len(remembered) >= _REMEMBERED:  # an aggregate's parts are reused at once
            remembered.clear()
        remembered[id(value)] = (value, text)
        return text

    def write(self, value: object) -> str:
        """Compact JSON text of ``value`` (the same as ``write_json``)."""
        kind = type(value)
        found = self._by_type.get(kind)
        if found is None:
            found = self._by_type[kind] = self._make(kind)
        return found(value)

    def _generic(self, hook: Callable[[object], object]) -> _Write:
        from clientflow.core.events import json_text  # noqa: PLC0415

        def write(value: object) -> str:
            return json_text(hook(value))

        return write

    def _make(self, kind: type) -> _Write:
        from clientflow.core.events import write_json  # noqa: PLC0415

        converter = self._converter
        whole: _Write = lambda value: write_json(converter, value)  # noqa: E731
        if not attrs.has(kind) or getattr(converter, "use_alias", False):
            return whole
        if getattr(converter, "omit_if_default", False):
            return whole
        hook = converter.get_unstructure_hook(kind)
        if getattr(hook, "overrides", None) != {}:  # a hook of its own: not generated
            return whole
        self._by_type[kind] = whole  # while being made: a field of its own type waits
        self._depth += 1
        try:
            attrs.resolve_types(kind)
            fields = [a for a in attrs.fields(kind) if a.init]
            lines, parts = [], []
            for number, field in enumerate(fields):
                declared = field.type
                if declared is None or isinstance(declared, (str, typing.TypeVar)):
                    return whole
                if typing.get_origin(declared) in (typing.Final, typing.Annotated):
                    return whole
                name = f"v{number}"
                lines.append(f"    {name} = o.{field.name}")
                lines.append(f"    t{number} = {self._expr(declared, name, field=True)}")
                parts.append(f'"{field.name}":{{t{number}}}')
        except (NameError, TypeError, attrs.exceptions.NotAnAttrsClassError):
            return whole
        finally:
            self._depth -= 1
        text = "{{" + ",".join(parts) + "}}"
        source = "def write(o):\n" + "\n".join(lines) + f"\n    return f'{text}'\n"
        scope: dict[str, object] = {}
        exec(compile(source, f"<json text of {kind.__qualname__}>", "exec"), self._globals, scope)
        made = typing.cast(_Write, scope["write"])
        self._by_type[kind] = made
        return made

    def _name(self, value: object) -> str:
        name = f"_g{len(self._globals)}"
        self._globals[name] = value
        return name

    def _expr(self, declared: object, v: str, *, field: bool = False) -> str:
        """An expression giving the text of ``v`` declared as ``declared``.

        For a ``field`` (formatted by the f-string, not joined) an ``int`` is left as it
        is: formatting an exact ``int`` writes its ``repr``, without a call.
        """
        generic = self._name(
            self._generic(self._converter.get_unstructure_hook(declared, cache_result=False))
        )
        fast = f"{v} if {v}.__class__ is int" if field and declared is int else None
        fast = fast or self._fast(declared, v)
        return f"{generic}({v})" if fast is None else f"({fast} else {generic}({v}))"

    def _fast(self, declared: object, v: str) -> str | None:
        """``<text> if <v is exactly a type known>`` (chained), or ``None``."""
        if isinstance(declared, type):
            return self._exact(declared, v)
        origin = typing.get_origin(declared)
        if origin in (types.UnionType, typing.Union):
            chain = []
            for member in typing.get_args(declared):
                if member is type(None):
                    chain.append(f"_N if {v} is None")
                    continue
                exact = self._exact(member, v) if isinstance(member, type) else None
                if exact is not None:
                    chain.append(exact)
            return " else ".join(chain) or None
        args = typing.get_args(declared)
        if origin in _SEQUENCES and (origin is not tuple or (len(args) == 2 and args[1] is ...)):
            item = self._expr(args[0], "e")
            kind = self._name(origin)
            joined = f"'[' + ','.join([{item} for e in {v}]) + ']'"
            return f"(({joined}) if {v} else '[]') if {v}.__class__ is {kind}"
        return None

    def _exact(self, kind: type, v: str) -> str | None:
        checked = self._name(kind)
        scalar = _SCALARS.get(kind)
        if scalar is not None:
            return f"{scalar.format(v=v)} if {v}.__class__ is {checked}"
        if kind is float:
            return f"_r_float({v}) if {v}.__class__ is float and {v} - {v} == 0"
        if issubclass(kind, enum.Enum):
            values = {type(m.value) for m in kind}
            if values == {str}:
                return f"_s({v}._value_) if {v}.__class__ is {checked}"
            if values == {int}:
                return f"_r({v}._value_) if {v}.__class__ is {checked}"
            return None
        if attrs.has(kind):
            made = self._by_type.get(kind) or self._make(kind)
            if self._remembered is not None and self._depth == 1 and kind is not self._meta:
                # a top-level part of an event or aggregate other than the event's meta:
                # what an aggregate takes from its events (an impact, a round), written
                # once by a remembering writer
                made = partial(self._recall, made)
            return f"{self._name(made)}({v}) if {v}.__class__ is {checked}"
        return None
