"""The memory store keeps the same contract as the database stores."""

from __future__ import annotations

from clientflow.ports import KindedStore, Store
from clientflow.storage import MemoryStore
from clientflow.storage.kinded import TypedStore
from clientflow.testing import StoreContract, sample_codec


class TestMemoryStore(StoreContract):
    def make_store(self) -> Store:
        return MemoryStore(sample_codec())


class TestANeutralStoreWrappedWithItsKinds(StoreContract):
    """The contract on a store built without kinds, read through a TypedStore (as a
    host's own store is)."""

    def make_store(self) -> KindedStore:
        return TypedStore(MemoryStore(), sample_codec())
