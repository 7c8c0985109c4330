"""A generated evolver copies a value as ``attrs.evolve`` does: same result, same checks."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientflow.changes.model import ChangeRequest
from clientflow.core import ValidationError
from clientflow.core.evolve import evolver
from clientflow.testing.samples import awaiting_approval

_CHANGE = awaiting_approval("CR-1")[0]
_NAMES = [field.name for field in attrs.fields(ChangeRequest)]


@given(
    st.dictionaries(
        st.sampled_from(_NAMES),
        st.none() | st.integers() | st.text(max_size=5) | st.just(_CHANGE.round),
        max_size=5,
    )
)
def test_an_evolved_change_equals_attrs_evolve(changes: dict[str, object]) -> None:
    """Any fields replaced by any values: the very copy ``attrs.evolve`` makes."""
    made = evolver(ChangeRequest)(_CHANGE, **changes)
    assert made == attrs.evolve(_CHANGE, **changes)
    assert type(made) is ChangeRequest
    assert awaiting_approval("CR-1")[0] == _CHANGE  # the original is untouched


@attrs.frozen
class Checked:
    amount: int = attrs.field(validator=attrs.validators.ge(0))
    _note: str = attrs.field(default="", converter=str)
    total: int = attrs.field(init=False, default=0)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "total", self.amount + len(self._note))


def test_validators_converters_and_post_init_run_as_in_attrs_evolve() -> None:
    evolve = evolver(Checked)
    value = Checked(1, "ab")
    assert evolve(value, note=7) == attrs.evolve(value, note=7) == Checked(1, "7")
    assert evolve(value, amount=3).total == 5
    with pytest.raises(ValueError, match="amount"):
        evolve(value, amount=-1)
    with pytest.raises(TypeError):
        evolve(value, total=3)  # not an argument of __init__, as in attrs.evolve


def test_only_attrs_classes_have_an_evolver() -> None:
    with pytest.raises(ValidationError):
        evolver(dict)
