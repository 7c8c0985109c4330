"""The one error hierarchy every clientflow call raises from.

Each error keeps its facts as attributes (for hosts that map them to HTTP codes or UI
messages) and renders a message that says what was wrong and what is allowed: in English
as ``str(error)`` (for logs), and in a reader's language with ``error.render(lang)``.

core sits below the catalogues, so it only marks its sentences (``N_``) and takes any
:class:`Translator` (``clientflow.i18n.Language`` is one); no global state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Protocol

__all__ = [
    "MAX_REASON",
    "AlreadyExists",
    "ClientflowError",
    "ConcurrencyError",
    "ConfigError",
    "ConfigProblem",
    "CorruptData",
    "CursorBusy",
    "DuplicateCommand",
    "NotFound",
    "PermissionDenied",
    "Phrase",
    "RulesChanged",
    "StoreError",
    "StoreMissing",
    "StoreTimeout",
    "TransactionConflict",
    "TransitionNotAllowed",
    "Translator",
    "ValidationError",
    "as_read",
    "failure_reason",
    "quoted",
    "shown",
    "spaced",
]


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name, so pybabel extracts it
    """Mark ``message`` for the catalogues; it is translated when an error is rendered."""
    return message


class Translator(Protocol):
    """What rendering an error for a reader needs: a language's sentences and lists.

    ``clientflow.i18n.language("zh_CN")`` is one; a host may bring its own.
    """

    def gettext(self, message: str) -> str:
        """``message`` in the reader's language."""
        ...  # pragma: no cover - a Protocol

    def items(self, parts: Iterable[str]) -> str:
        """Items of a list as the language joins them ("a, b", "甲、乙")."""
        ...  # pragma: no cover - a Protocol


class Phrase(str):
    """A message id and its values inside another sentence: a ``str`` holding the
    English text (so it goes wherever text goes), said in the reader's language by
    :meth:`render`. A value that is itself a ``Phrase`` is said in that language too; a
    tuple of str is listed as the language lists ("a, b", "甲、乙").

    >>> rule = Phrase("is the {party}", {"party": Phrase("owner")})
    >>> rule, rule.message
    ('is the owner', 'is the {party}')
    """  # noqa: D205

    message: str
    values: Mapping[str, object]

    def __new__(  # noqa: D102
        cls, message: str, values: Mapping[str, object] | None = None, *, english: str = ""
    ) -> Phrase:
        given = dict(values or {})
        plain = {k: ", ".join(v) if isinstance(v, tuple) else v for k, v in given.items()}
        # ``english``: the text logs keep when it is not the message id's (a command's name)
        made = super().__new__(cls, english or (message.format(**plain) if given else message))
        made.message = message
        made.values = given
        return made

    def render(self, lang: Translator, people: Mapping[str, str] | None = None) -> str:
        """The phrase in ``lang``; a value named ``actor`` as the person's name in
        ``people`` (their id where it names none)."""  # noqa: D205, D209
        values = {
            k: v.render(lang, people)
            if isinstance(v, Phrase)
            else lang.items(v)
            if isinstance(v, tuple)
            else v
            for k, v in self.values.items()
        }
        if people and isinstance(values.get("actor"), str):
            values["actor"] = people.get(str(values["actor"]), str(values["actor"]))
        said = lang.gettext(self.message) if self.message else self.message
        return spaced(said, values)


def spaced(template: str, values: Mapping[str, object]) -> str:
    """``template`` formatted with ``values``, a space kept where a Latin word or number
    meets a CJK character at a slot's edge (``张兰无权审批 CR-1``, ``应为 P1 之一``),
    as Chinese typesetting writes them; other languages' texts are unchanged.

    >>> spaced("{who}无权{what}", {"who": "li.wei", "what": "审批"})
    'li.wei 无权审批'
    """  # noqa: D205
    if not values:  # nothing to fill: the text as it is (braces and all)
        return template
    if "{{" in template or "}}" in template:  # escaped braces: no slots to space
        return template.format(**values)
    parts = template.split("{")
    out = [parts[0]]
    for part in parts[1:]:
        name, brace, rest = part.partition("}")
        if not brace or name not in values:  # a format spec or a stray brace: format it
            return template.format(**values)
        text = str(values[name])
        before = out[-1][-1:]
        if text and before and _cjk(before) and _latin(text[0]):
            text = " " + text
        if text and rest and _latin(text[-1]) and _cjk(rest[0]):
            text += " "
        out.extend((text, rest))
    return "".join(out)


def _cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _latin(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "'\"-+([`")


_TIMEOUT = N_(
    "a statement ran past the timeout (code {code}): nothing was written; is a lock held elsewhere?"
)
_TIMEOUT_AFTER = N_(
    "a statement ran past the {seconds} s timeout (code {code}): nothing was written;"
    " is a lock held elsewhere?"
)


class ClientflowError(Exception):
    """Root of every error clientflow raises on purpose.

    Catch this to handle any rejected command or bad input in one place. ``str(error)``
    is English, for logs; :meth:`render` is the text to show a user.
    """

    _said: tuple[str, Mapping[str, object]] | None = None

    def _say(self, message: str, **values: object) -> str:
        """Keep ``message`` (a message id) and its ``values`` for :meth:`render`; the
        English text, for ``str(error)``."""  # noqa: D205, D209
        self._said = (message, values)
        return message.format(**values)

    def render(self, lang: Translator) -> str:
        """The error in the reader's language.

        Every error class has its sentence in the catalogues; what a store's driver or a
        rules check wrote inside it (a store's problem, a rules file's mistakes) stays as
        written. An error raised with free text (``ClientflowError("...")``) shows it.
        """
        if self._said is None:
            return str(self)
        message, values = self._said
        return spaced(lang.gettext(message), _in(lang, values))


def _in(lang: Translator, values: Mapping[str, object]) -> dict[str, object]:
    """``values`` with each :class:`Phrase` said in ``lang``."""
    return {k: v.render(lang) if isinstance(v, Phrase) else v for k, v in values.items()}


def _word(lang: Translator, code: str, words: Mapping[str, str] | None = None) -> str:
    """A code (a state, a command, a noun) as the reader's word when the catalogue has
    one (``waiting_on_client`` -> "waiting on the client" -> "等待客户回复"), else as is."""  # noqa: D205, D209
    message = (words or {}).get(code, code.replace("_", " "))
    return lang.gettext(message)


_VALIDATION = N_("{field}: expected {expected}, got {got}")
_VALIDATION_NOTHING = N_("{field}: expected {expected}")
_VALIDATION_EMPTY = N_("{field}: expected {expected}, got an empty string")
_ONE_OF = N_("one of {choices}")
_TRANSITION = N_("cannot '{event}' in state '{state}'; allowed: {allowed}")
_FINAL = N_("nothing (final state)")
_PERMISSION = N_("{actor} may not {action} (rule: {rule})")
_NOT_FOUND = N_("no {kind} with id {id}")
# The nouns of what is looked up by id, so "找不到问题 ISS-404" reads as Chinese.
_NOUNS = (
    N_("issue"),
    N_("change request"),
    N_("risk"),
    N_("feedback item"),
    N_("client in the rules"),
)


class ValidationError(ClientflowError):
    """A value was malformed or out of range.

    ``field`` names the argument, attribute or rules-file key; ``expected`` says what is
    allowed; ``got`` is a short rendering of the rejected value. ``expected`` may be a
    message id with ``{name}`` slots filled from ``values`` (a :class:`Phrase` said in
    the reader's language, a tuple of str listed as the language lists), so
    :meth:`render` says it in the reader's language; free English text is shown as given.

    >>> err = ValidationError("score", "an integer from 1 to 5", got=7)
    >>> str(err)
    'score: expected an integer from 1 to 5, got 7'
    >>> str(ValidationError("limit", "a whole number from {low} to {high}", values={"low": 0, "high": 9}))
    'limit: expected a whole number from 0 to 9'
    """  # noqa: E501 - the doctest shows the whole message

    def __init__(
        self,
        field: str,
        expected: str,
        *,
        got: object = None,
        choices: Sequence[str] = (),
        values: Mapping[str, object] | None = None,
    ) -> None:
        self.field = field
        self.template = expected
        """``expected`` as its message id (before ``values`` fill its slots)."""
        self.values: Mapping[str, object] = dict(values or {})
        english = {k: ", ".join(v) if isinstance(v, tuple) else v for k, v in self.values.items()}
        self.expected = expected.format(**english) if self.values else expected
        self.got = got
        self.choices = tuple(choices)
        suffix = "" if got is None else f", got {shown(got)}"
        super().__init__(f"{field}: expected {self.expected}{suffix}")

    @classmethod
    def one_of(cls, field: str, choices: Sequence[str], *, got: object = None) -> ValidationError:
        """A value outside a fixed set: ``expected`` reads "one of a, b, c", and
        :meth:`render` lists ``choices`` as the reader's language does.

        >>> str(ValidationError.one_of("priority", ["P1", "P2", "P3"], got="P9"))
        "priority: expected one of P1, P2, P3, got 'P9'"
        """  # noqa: D205
        return cls(field, f"one of {', '.join(choices)}", got=got, choices=choices)

    def expectation(self) -> Phrase:
        """What was expected, as a :class:`Phrase` (for a sentence of another error, such
        as a rules file's problem)."""  # noqa: D205, D209
        if self.choices:
            return Phrase(_ONE_OF, {"choices": self.choices})
        return Phrase(self.template, self.values) if self.template else Phrase(self.expected)

    def render(self, lang: Translator) -> str:
        """``字段 priority 应为 P1、P2、P3 之一，收到 P9``: ``expected`` in the reader's
        language where the catalogue has it, ``got`` as a reader writes it (``收到 -1``,
        ``收到空字符串``)."""  # noqa: D205, D209
        if self.choices:
            expected = spaced(lang.gettext(_ONE_OF), {"choices": lang.items(self.choices)})
        elif self.template and not self.values:
            expected = lang.gettext(self.template)
        elif self.template:
            said = {
                k: lang.items(v) if isinstance(v, tuple) else v
                for k, v in _in(lang, self.values).items()
            }
            expected = spaced(lang.gettext(self.template), said)
        else:
            expected = self.expected
        if self.got is None:
            template = lang.gettext(_VALIDATION_NOTHING)
        elif self.got == "" and isinstance(self.got, str):
            template = lang.gettext(_VALIDATION_EMPTY)
        else:
            template = lang.gettext(_VALIDATION)
        values = {"field": self.field, "expected": expected, "got": as_read(self.got, lang)}
        return spaced(template, values)


def as_read(value: object, lang: Translator, limit: int = 60) -> str:
    """``value`` as a reader writes it in a message: ``-1`` (not ``Decimal('-1')``),
    ``P9`` (not ``'P9'``), a list as the language joins its items; text that would be
    misread bare (surrounding spaces, line breaks) keeps its quotes.

    >>> class Plain:
    ...     def gettext(self, message: str) -> str:
    ...         return message
    ...     def items(self, parts: Iterable[str]) -> str:
    ...         return ", ".join(parts)
    >>> from decimal import Decimal
    >>> as_read(Decimal("-1"), Plain()), as_read("P9", Plain()), as_read(["a", "b"], Plain())
    ('-1', 'P9', 'a, b')
    """  # noqa: D205
    if isinstance(value, str):
        plain = value == value.strip() and value.isprintable()
        return value if plain and len(value) <= limit else shown(value, limit)
    if isinstance(value, bool | int | float | Decimal):
        text = str(value)
        return text if len(text) <= limit else text[: limit - 3] + "..."
    if isinstance(value, list | tuple | frozenset | set) and len(value) <= 10:
        parts = [as_read(item, lang, 20) for item in value]
        return lang.items(sorted(parts) if isinstance(value, frozenset | set) else parts)
    return shown(value, limit)


class TransitionNotAllowed(ClientflowError):
    """A command asked for a transition the current state does not have.

    >>> str(TransitionNotAllowed("draft", "approve", ("submit", "withdraw")))
    "cannot 'approve' in state 'draft'; allowed: 'submit', 'withdraw'"
    """

    def __init__(
        self,
        state: str,
        event: str,
        allowed: Sequence[str],
        *,
        words: Mapping[str, str] | None = None,
    ) -> None:
        self.state = state
        self.event = event
        self.allowed = tuple(allowed)
        self.words: Mapping[str, str] = dict(words or {})
        """The workflow's states and commands as message ids, kept for :meth:`render`."""
        shown = ", ".join(repr(name) for name in self.allowed) or "nothing (final state)"
        super().__init__(f"cannot {event!r} in state {state!r}; allowed: {shown}")

    def render(self, lang: Translator, words: Mapping[str, str] | None = None) -> str:
        """The refusal with the state and commands as the reader's words; ``words`` maps
        codes to message ids where a code is not its own (a workflow's ``STATUS_WORDS``),
        over those the error was raised with (its workflow's vocabulary).
        """  # noqa: D205
        words = {**self.words, **(words or {})}
        allowed = (
            lang.items(_word(lang, name, words) for name in self.allowed)
            if self.allowed
            else lang.gettext(_FINAL)
        )
        return lang.gettext(_TRANSITION).format(
            event=_word(lang, self.event, words),
            state=_word(lang, self.state, words),
            allowed=allowed,
        )


class PermissionDenied(ClientflowError):
    """An actor is not allowed to do something; ``rule`` is the rule that failed.

    >>> str(PermissionDenied("alice", "approve change CR-1", "is not the requester"))
    "alice may not approve change CR-1: rule 'is not the requester' failed"
    """

    def __init__(self, actor: str, action: str, rule: str) -> None:
        self.actor = actor
        self.action = action
        self.rule = rule
        self.people: Mapping[str, str] = {}
        """What people call the actors, by id (the rules' ``[people]`` names, which the
        workspace adds), for :meth:`render`."""
        super().__init__(f"{actor} may not {action}: rule {str.__str__(rule)!r} failed")

    def render(self, lang: Translator) -> str:
        """``陈杰无权审批变更请求 CR-1：须为本轮审批人或其代理人``: the person by their
        name, the action and the rule in the reader's words where they are
        :class:`Phrase` (or a message id), else as the workflow wrote them."""  # noqa: D205, D209
        people = self.people
        return spaced(
            lang.gettext(_PERMISSION),
            {
                "actor": people.get(self.actor, self.actor),
                "action": _said(lang, self.action, people),
                "rule": _said(lang, self.rule, people),
            },
        )


def _said(lang: Translator, text: str, people: Mapping[str, str]) -> str:
    """``text`` in ``lang``: a :class:`Phrase` rendered, other text looked up as an id."""
    if isinstance(text, Phrase):
        return text.render(lang, people)
    return lang.gettext(text) if text else text


class ConcurrencyError(ClientflowError):
    """A save was based on a stale version; nothing was written.

    >>> str(ConcurrencyError("CR-1", expected=3, actual=4))
    'CR-1: expected version 3 but the store has version 4; reload and retry'
    """

    def __init__(self, aggregate_id: str, *, expected: int, actual: int | None) -> None:
        self.aggregate_id = aggregate_id
        self.expected = expected
        self.actual = actual
        message = (
            N_(
                "{id}: expected version {expected} but the store has no such aggregate;"
                " reload and retry"
            )
            if actual is None
            else N_(
                "{id}: expected version {expected} but the store has version {actual};"
                " reload and retry"
            )
        )
        super().__init__(self._say(message, id=aggregate_id, expected=expected, actual=actual))


class AlreadyExists(ConcurrencyError):
    """A command meant to create an aggregate whose id is taken; nothing was written.

    A subclass of :class:`ConcurrencyError` (two creators may have raced), but never
    retried: the id is taken for good.

    >>> str(AlreadyExists("CR-1", actual=3))
    'CR-1 already exists (at version 3); choose another id, or load it and act on it'
    """

    def __init__(self, aggregate_id: str, *, actual: int | None) -> None:
        message = (
            N_("{id} already exists; choose another id, or load it and act on it")
            if actual is None
            else N_(
                "{id} already exists (at version {actual}); choose another id, or load it and"
                " act on it"
            )
        )
        ClientflowError.__init__(self, self._say(message, id=aggregate_id, actual=actual))
        self.aggregate_id = aggregate_id
        self.expected = 0
        self.actual = actual


class RulesChanged(ConcurrencyError):
    """A command decided under one rules revision while the store moved to another;
    nothing was written.

    >>> str(RulesChanged(expected=1, actual=2))
    'the store runs under rules revision 2 now, not 1 (applied since this workspace opened); reopen it and retry'
    """  # noqa: D205, E501

    def __init__(self, *, expected: int, actual: int | None) -> None:
        message = N_(
            "the store runs under rules revision {actual} now, not {expected} (applied since"
            " this workspace opened); reopen it and retry"
        )
        ClientflowError.__init__(self, self._say(message, actual=actual, expected=expected))
        self.aggregate_id = "rules"
        self.expected = expected
        self.actual = actual


class CursorBusy(ConcurrencyError):
    """Another deliverer (or retrier) holds a consumer's cursor lease; nothing was sent.

    >>> str(CursorBusy("notifier"))
    "another deliverer holds the cursor of consumer 'notifier'; try again when it is done"
    """

    def __init__(self, consumer: str) -> None:
        message = N_(
            "another deliverer holds the cursor of consumer {consumer}; try again when it is done"
        )
        ClientflowError.__init__(self, self._say(message, consumer=repr(consumer)))
        self.aggregate_id = consumer
        self.expected = 0
        self.actual = None


class TransactionConflict(ConcurrencyError):
    """The database aborted a transaction that collided with another one (a deadlock or
    serialisation failure); nothing was written and the same call may simply be retried.

    >>> str(TransactionConflict("postgresql://db", "40P01"))
    'store postgresql://db aborted a transaction that collided with another (code 40P01); nothing was written; retry'
    """  # noqa: D205, E501 - the doctest shows the whole message

    def __init__(self, store: str, code: str) -> None:
        message = N_(
            "store {store} aborted a transaction that collided with another (code {code});"
            " nothing was written; retry"
        )
        ClientflowError.__init__(self, self._say(message, store=store, code=code))
        self.aggregate_id = ""
        self.expected = 0
        self.actual = None
        self.code = code


class DuplicateCommand(ClientflowError):
    """A command with this idempotency key was applied before; nothing was written now.

    >>> str(DuplicateCommand("req-42", "CR-1", 3))
    "command 'req-42' was already applied (CR-1 at version 3)"
    """

    def __init__(self, key: str, aggregate_id: str, version: int) -> None:
        self.key = key
        self.aggregate_id = aggregate_id
        self.version = version
        message = N_("command {key} was already applied ({id} at version {version})")
        super().__init__(self._say(message, key=repr(key), id=aggregate_id, version=version))


class StoreError(ClientflowError):
    """A store could not do what was asked: unreachable, wrong schema, corrupt data.

    The driver's own exception, if any, is chained as ``__cause__``.

    >>> str(StoreError("sqlite:///x.db", "schema version 3 is newer than this release's 1"))
    "store sqlite:///x.db: schema version 3 is newer than this release's 1"
    """

    def __init__(self, store: str, problem: str) -> None:
        self.store = store
        self.problem = problem
        super().__init__(self._say(N_("store {store}: {problem}"), store=store, problem=problem))


class StoreMissing(StoreError):
    """A store to open has no database yet (a SQLite file that is not there); nothing
    was created.

    >>> str(StoreMissing("sqlite:///x.db"))
    'store sqlite:///x.db does not exist; create it with `clientflow init --store sqlite:///x.db RULES.toml` (or open it with create=True)'
    """  # noqa: D205, E501 - the doctest shows the whole message

    def __init__(self, store: str) -> None:
        message = N_(
            "store {store} does not exist; create it with"
            " `clientflow init --store {store} RULES.toml` (or open it with create=True)"
        )
        ClientflowError.__init__(self, self._say(message, store=store))
        self.store = store
        self.problem = "no database file here"


class StoreTimeout(StoreError):
    """A statement ran past the store's statement timeout, or waited too long for a lock
    another session holds; nothing was written. Retrying may wait the same way again:
    look for the session holding the lock.

    >>> str(StoreTimeout("postgresql://db", "57014", 30.0))
    'store postgresql://db: a statement ran past the 30 s timeout (code 57014): nothing was written; is a lock held elsewhere?'
    """  # noqa: D205, E501 - the doctest shows the whole message

    def __init__(self, store: str, code: str, seconds: float | None) -> None:
        self.code = code
        self.seconds = seconds
        # What the statement hit, said in the reader's language inside "store …: …".
        problem = (
            Phrase(_TIMEOUT, {"code": code})
            if seconds is None
            else Phrase(_TIMEOUT_AFTER, {"code": code, "seconds": f"{seconds:g}"})
        )
        super().__init__(store, str(problem))
        self._said = (N_("store {store}: {problem}"), {"store": store, "problem": problem})


class CorruptData(StoreError):
    """Stored data that cannot be what clientflow wrote.

    A row it cannot read, a history with a missing version, a feed counter behind the
    events.

    ``aggregate_id`` and ``position`` say where, when known; the message says what to do.

    >>> str(CorruptData("sqlite:///x.db", "history has versions 1, 3", aggregate_id="CR-1"))
    'store sqlite:///x.db: CR-1: history has versions 1, 3'
    """

    def __init__(
        self,
        store: str,
        problem: str,
        *,
        aggregate_id: str | None = None,
        position: int | None = None,
    ) -> None:
        self.aggregate_id = aggregate_id
        self.position = position
        where = "" if aggregate_id is None else f"{aggregate_id}: "
        where += "" if position is None else f"feed position {position}: "
        super().__init__(store, where + problem)


class NotFound(ClientflowError):
    """Something looked up by id does not exist.

    >>> str(NotFound("change request", "CR-9"))
    "no change request with id 'CR-9'"
    """

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} with id {key!r}")

    def render(self, lang: Translator) -> str:
        """``找不到问题 ISS-404``: the noun as the reader's word where the catalogue has it."""
        return lang.gettext(_NOT_FOUND).format(kind=_word(lang, self.kind), id=self.key)


_AT_PATH = N_("{path}: {message}")


def quoted(value: object) -> Phrase:
    """A rejected value inside a sentence: quoted in English (``'1 小时'``); in Chinese
    bare when it is one word (``verbose``), in “” when it has spaces (``“1 小时”``).

    >>> quoted("verbose"), quoted(3)
    ("'verbose'", '3')
    """  # noqa: D205
    if not isinstance(value, str):
        return Phrase(shown(value))
    text = value if len(value) <= 60 else value[:57] + "..."
    if text and text == text.strip() and text.isprintable() and " " not in text:
        return Phrase(N_("'{word}'"), {"word": text})
    return Phrase(N_("'{text}'"), {"text": text})


class ConfigProblem:
    """One mistake in a rules file: the dotted key path and what is wrong there."""

    __slots__ = ("message", "path")

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message

    def __repr__(self) -> str:
        return f"ConfigProblem({self.path!r}, {self.message!r})"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def render(self, lang: Translator) -> str:
        """The problem in ``lang``: its message said there when it is a :class:`Phrase`
        (or a message id), else as written."""  # noqa: D205, D209
        message = _said(lang, self.message, {})
        return spaced(lang.gettext(_AT_PATH), {"path": self.path, "message": message})


class ConfigError(ClientflowError):
    """A rules file (or rules dict) has one or more mistakes, all reported at once.

    >>> err = ConfigError([ConfigProblem("sla.p1.resolution", "expected a duration > 0")])
    >>> print(err)
    rules have 1 problem:
      sla.p1.resolution: expected a duration > 0
    """

    def __init__(self, problems: Iterable[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        message = (
            N_("rules have 1 problem:\n{lines}")
            if count == 1
            else N_("rules have {count} problems:\n{lines}")
        )
        super().__init__(self._say(message, count=count, lines=lines))

    def render(self, lang: Translator) -> str:
        """The heading and every problem in the reader's language."""
        message, values = self._said or ("", {})
        lines = "\n".join(f"  {problem.render(lang)}" for problem in self.problems)
        return lang.gettext(message).format(**{**values, "lines": lines})


def shown(value: object, limit: int = 60) -> str:
    """A short ``repr`` for messages; never fails, even on values too big to print."""
    try:
        text = repr(value)
    except Exception:  # a value too big (10**5000) or broken to show must not hide the error
        return f"<a {type(value).__name__} that cannot be shown>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


MAX_REASON = 2_000
"""The most characters of an error's text kept in a parked entry, a log line or a report."""


def failure_reason(error: BaseException) -> str:
    """``Type: message`` for logs, parked entries and reports, whatever the error does.

    A host's or receiver's exception is untrusted: its ``__str__`` may raise, return
    megabytes or hold lone surrogates that a database cannot store. None of that may
    escape after a save or stop delivery, so the text is guarded, cleaned and cut.
    """
    name = str.__str__(type(error).__name__)
    try:
        # str.__str__ makes a plain str of a str subclass, whose own methods may raise.
        text = str.__str__(str(error))
    except Exception:  # the exception's own __str__ failed: say so instead of raising
        text = "<the error's message could not be read>"
    reason = name + ": " + text if text else name
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 1] + "…"
    return reason.encode("utf-8", "replace").decode("utf-8")
