"""PostgreSQL and MariaDB stores keep the contract, on the real servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clientflow.core import StoreError
from clientflow.ports import Store
from clientflow.testing import SQLStoreContract, sample_codec
from tests.storage.servers import MARIADB_URL, POSTGRES_URL, fresh_prefix, require_server


class _ServerContract(SQLStoreContract):
    url: str

    @pytest.fixture(autouse=True)
    def _server(self) -> Iterator[None]:
        require_server(self.url)
        self.prefix = fresh_prefix()
        self.handles: list[Store] = []
        yield
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        cleanup = SQLAlchemyStore(self.url, sample_codec(), prefix=self.prefix)
        cleanup.drop_schema()
        cleanup.close()

    def make_store(self) -> Store:
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        store = SQLAlchemyStore(self.url, sample_codec(), prefix=self.prefix)
        store.create_schema()
        return store

    def reopen(self, store: Store) -> Store:
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        return SQLAlchemyStore(self.url, sample_codec(), prefix=self.prefix)

    def test_a_closed_or_unreachable_server_is_a_store_error(self) -> None:
        """Driver errors arrive as StoreError naming the store, never as driver exceptions."""
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        broken = SQLAlchemyStore(
            self.url.replace(":5432", ":1").replace(":3306", ":1"), sample_codec()
        )
        with pytest.raises(StoreError, match="store"):
            broken.load("CR-1")


class TestPostgreSQLStore(_ServerContract):
    url = POSTGRES_URL


class TestMariaDBStore(_ServerContract):
    url = MARIADB_URL
