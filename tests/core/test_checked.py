"""``checked``: every call shape gets the answer the signature and annotations give.

The wrapper writes each command's checks out for the usual call shape and sends every
other shape to the general loops; whichever path a call takes, a call the signature
binds with arguments of the annotated types runs, and any other is a ``ValidationError``
naming a parameter it got wrong (or the command, for a call that does not bind).
"""

from __future__ import annotations

import datetime as dt
import inspect

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientflow.core import ValidationError, checked
from clientflow.core.edge import accepted, fits


def _sample(
    title: str,
    count: int,
    note: str | None = None,
    *,
    when: dt.datetime,
    tags: tuple[str, ...] = (),
) -> tuple[object, ...]:
    return (title, count, note, when, tags)


SAMPLE = checked(_sample)
SIGNATURE = inspect.signature(_sample)
CHECKS = {
    name: accepted(hint) for name, hint in inspect.get_annotations(_sample, eval_str=True).items()
}
VALUES = st.sampled_from(
    ["x", "", 3, 0, True, None, ("a", "b"), 2.5, pendulum.datetime(2026, 1, 5), b"raw"]
)
NAMES = st.sampled_from(["title", "count", "note", "when", "tags", "bogus"])


def _expected(args: list[object], kwargs: dict[str, object]) -> set[str] | tuple[object, ...]:
    """The result the call must give, or the parameters a refusal may name."""
    try:
        bound = SIGNATURE.bind(*args, **kwargs)
    except TypeError:
        # Does not bind: refused naming the command, or a wrongly typed argument passed.
        return {"_sample", *kwargs, *list(SIGNATURE.parameters)[: len(args)]}
    wrong = {
        name
        for name, value in bound.arguments.items()
        if (check := CHECKS.get(name)) is not None and not fits(value, check)
    }
    if wrong:
        return wrong
    bound.apply_defaults()
    return tuple(bound.arguments.values())


@given(args=st.lists(VALUES, max_size=6), kwargs=st.dictionaries(NAMES, VALUES, max_size=5))
def test_every_call_shape_runs_or_is_refused_as_its_signature_says(
    args: list[object], kwargs: dict[str, object]
) -> None:
    expected = _expected(args, kwargs)
    if isinstance(expected, tuple):
        assert SAMPLE(*args, **kwargs) == expected
    else:
        with pytest.raises(ValidationError) as refused:
            SAMPLE(*args, **kwargs)
        assert refused.value.field in expected


def test_the_usual_shape_and_the_keyword_shape_give_the_same_answers() -> None:
    when = pendulum.datetime(2026, 1, 5)
    assert SAMPLE("t", 2, when=when) == SAMPLE(title="t", count=2, when=when) == (
        "t", 2, None, when, ()
    )  # fmt: skip
    for call in (
        lambda: SAMPLE("t", "2", when=when),
        lambda: SAMPLE(title="t", count="2", when=when),
    ):
        with pytest.raises(ValidationError, match="count: expected an int, got '2'"):
            call()
    with pytest.raises(ValidationError, match="missing 1 required keyword-only argument: 'when'"):
        SAMPLE("t", 2)
    with pytest.raises(ValidationError, match="multiple values for argument 'title'"):
        SAMPLE("t", 2, when=when, title="u")  # type: ignore[misc]
    with pytest.raises(ValidationError, match="takes from 2 to 3 positional arguments but 4"):
        SAMPLE("t", 2, None, when)  # type: ignore[misc]
    with pytest.raises(ValidationError, match="at most 5 arguments"):
        SAMPLE("t", 2, None, when, (), 6)  # type: ignore[misc]
    with pytest.raises(ValidationError, match="arguments named title, count, note, when, tags"):
        SAMPLE("t", 2, when=when, colour="red")  # type: ignore[call-arg]


def test_the_wrapper_shows_the_commands_own_signature() -> None:
    assert inspect.signature(SAMPLE) == SIGNATURE
    assert SAMPLE.unchecked is _sample  # type: ignore[attr-defined]
