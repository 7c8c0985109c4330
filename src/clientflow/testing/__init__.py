"""What host applications import in their own tests (needs ``pip install clientflow[test]``).

- :class:`StoreContract`: the store contract as pytest test classes; subclass it and
  implement ``make_store()`` to prove your own adapter (:class:`SQLStoreContract` adds
  what a :class:`~clientflow.storage.SQLStore` subclass must also do).
- :mod:`clientflow.testing.samples`: realistic sample change requests.
"""

from clientflow.testing.contract import SQLStoreContract, StoreContract
from clientflow.testing.samples import sample_codec

__all__ = ["SQLStoreContract", "StoreContract", "sample_codec"]
