"""The embedded SQLite store keeps the contract, on a real file."""

from __future__ import annotations

from pathlib import Path

import pytest

from clientflow.ports import Store
from clientflow.storage import SQLiteStore
from clientflow.testing import SQLStoreContract, sample_codec


class TestSQLiteStore(SQLStoreContract):
    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.path = tmp_path / "clientflow.db"

    def make_store(self) -> Store:
        store = SQLiteStore(self.path, sample_codec())
        store.create_schema()
        return store

    def reopen(self, store: Store) -> Store:
        return SQLiteStore(self.path, sample_codec())
