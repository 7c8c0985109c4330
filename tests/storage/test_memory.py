"""The memory store keeps the same contract as the database stores."""

from __future__ import annotations

from clientflow.ports import Store
from clientflow.storage import MemoryStore
from clientflow.testing import StoreContract, sample_codec


class TestMemoryStore(StoreContract):
    def make_store(self) -> Store:
        return MemoryStore(sample_codec())
