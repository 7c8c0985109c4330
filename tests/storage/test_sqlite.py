"""The embedded SQLite store keeps the contract, on a real file."""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path

import pytest

from clientflow.core import ConcurrencyError
from clientflow.ports import KindedStore, Query
from clientflow.storage import SQLiteStore, SQLStore, TypedStore
from clientflow.testing import SQLStoreContract, sample_codec
from clientflow.testing.samples import awaiting_approval


class TestSQLiteStore(SQLStoreContract):
    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.path = tmp_path / "clientflow.db"

    def make_store(self) -> TypedStore[SQLStore]:
        store = SQLiteStore(self.path)
        store.create_schema()
        return TypedStore(store, sample_codec())

    def reopen(self, store: KindedStore) -> KindedStore:
        return TypedStore(SQLiteStore(self.path), sample_codec())


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (Query(kind="risk", client="client-7", open=True), "client"),
        (Query(kind="risk", owner="li.wei"), "owner"),
        (Query(kind="risk"), "kind"),
    ],
)
def test_a_query_of_one_client_or_owner_reads_their_rows_not_the_whole_kind(
    tmp_path: Path, query: Query, index: str
) -> None:
    """Without statistics SQLite picked the kind index for kind + client and read every
    aggregate of that kind; the client's (or owner's) index must serve such a query."""
    store = SQLiteStore(str(tmp_path / "plan.db"))
    store.create_schema()
    where, params = store._where(query)
    with sqlite3.connect(tmp_path / "plan.db") as db:
        plan = db.execute(
            f"EXPLAIN QUERY PLAN SELECT priority, COUNT(*) FROM clientflow_aggregates"
            f" WHERE {where} GROUP BY priority",
            params,
        ).fetchall()
    assert f"USING INDEX clientflow_aggregates_{index} " in " ".join(str(step) for step in plan)
    store.close()


@pytest.mark.parametrize("enabled", [True, False])
def test_an_import_leaves_the_garbage_collector_as_it_found_it(
    tmp_path: Path, *, enabled: bool
) -> None:
    """The import pauses Python's collector; it is back as it was, failed import or not."""
    sqlite = SQLiteStore(tmp_path / "s.db")
    sqlite.create_schema()
    store = TypedStore(sqlite, sample_codec())
    events = [e for s in awaiting_approval("CR-1")[1] for e in s.events]
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert store.import_history(events) == len(events)
        assert gc.isenabled() is enabled
        with pytest.raises(ConcurrencyError):
            store.import_history(events)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
