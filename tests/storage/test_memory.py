"""The memory store keeps the same contract as the database stores."""

from __future__ import annotations

from clientflow.ports import KindedStore
from clientflow.storage import MemoryStore
from clientflow.storage.kinded import TypedStore
from clientflow.testing import StoreContract, sample_codec


class TestMemoryStore(StoreContract):
    """The contract on the neutral memory store, read through a TypedStore (as a host's
    own store is)."""

    def make_store(self) -> KindedStore:
        return TypedStore(MemoryStore(), sample_codec())
