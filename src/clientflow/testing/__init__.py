"""What host applications import in their own tests.

- :class:`StoreContract`: the store contract as pytest test classes; subclass it and
  implement ``make_store()`` to prove your own adapter (:class:`SQLStoreContract` adds
  what a :class:`~clientflow.storage.SQLStore` subclass must also do). These need
  pytest (``pip install clientflow[test]``) and import it only when first used.
- :mod:`clientflow.testing.samples` (:func:`sample_codec` and sample change requests)
  needs nothing beyond clientflow itself, so scripts and benchmarks can use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientflow.testing.samples import sample_codec

if TYPE_CHECKING:
    from clientflow.testing.contract import SQLStoreContract, StoreContract

__all__ = ["SQLStoreContract", "StoreContract", "sample_codec"]


def __getattr__(name: str) -> object:
    """Import the pytest-based contracts on first use (a plain install has no pytest)."""
    if name in {"StoreContract", "SQLStoreContract"}:
        from clientflow.testing import contract  # noqa: PLC0415 - lazily, see above

        return getattr(contract, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
