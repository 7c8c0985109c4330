"""Storage adapters, opened by URL.

- ``memory://`` — :class:`~clientflow.storage.memory.MemoryStore`, in process memory;
- ``sqlite:///path/to/file.db`` (or ``sqlite:///:memory:``) — the embedded default;
- ``postgresql+psycopg://...``, ``mysql+pymysql://...`` — SQLAlchemy (the ``sql`` extra).

Stores keep neutral records and know no workflow kinds, and are opened without them;
:class:`Kinded` reads and writes them as aggregates and events of a codec's kinds (the
engine's ``engine.kinded``), and :class:`TypedStore` adds those typed methods to any
store (``TypedStore(open_store(url), codec)``).

The SQL adapters are imported only when asked for, so the core needs none of their drivers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from clientflow.core import Codec, StoreMissing, ValidationError
from clientflow.storage.kinded import Kinded, TypedStore
from clientflow.storage.memory import MemoryStore
from clientflow.storage.sqlbase import SCHEMA_VERSION, SQLStore
from clientflow.storage.sqlite import SQLiteStore
from clientflow.storage.streams import safe_url

if TYPE_CHECKING:
    from clientflow.ports import Store

__all__ = [
    "SCHEMA_VERSION",
    "Kinded",
    "MemoryStore",
    "SQLStore",
    "SQLiteStore",
    "TypedStore",
    "open_store",
]

_SQLALCHEMY_SCHEMES = ("postgresql", "mysql", "mariadb")


def open_store(
    url: str,
    *,
    create: bool = False,
    migrate_with: Callable[[], Codec] | None = None,
) -> Store:
    """Open the store a URL names; ``create=True`` also creates the schema if missing.

    With ``create``, a SQL store of an older schema is migrated; a schema 1 store's read
    side is filled from its snapshots, read with the kinds ``migrate_with`` gives (asked
    for only then): without it, a ``StoreError`` asks for ``clientflow migrate``.

    Without ``create``, a SQLite file that does not exist is a ``StoreError`` (nothing
    is created on disk). The store keeps neutral records and knows no workflow kinds:
    an :class:`~clientflow.engine.Engine` holds them (``Engine(store, kinds=codec)``),
    and :class:`TypedStore` reads the store as aggregates and events of a codec's kinds.

    >>> store = open_store("memory://")
    >>> type(store).__name__
    'MemoryStore'
    """
    if not isinstance(url, str):
        raise ValidationError(
            "url", "a store URL such as sqlite:///clientflow.db", got=safe_url(url)
        )
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    if url == "memory://":
        return MemoryStore()
    if scheme == "sqlite":
        if not url.startswith("sqlite:///") or url == "sqlite:///":
            raise ValidationError(
                "url",
                "sqlite:///relative/path.db, sqlite:////absolute/path.db or sqlite:///:memory:",
                got=safe_url(url),
            )
        path = url[len("sqlite:///") :]
        if not create and path != ":memory:" and not Path(path).exists():
            # Opening would create an empty file, then refuse it for want of a schema.
            raise StoreMissing(url)
        store: SQLStore = SQLiteStore(path)
    elif scheme in _SQLALCHEMY_SCHEMES:
        try:
            from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415 - optional extra
        except ImportError as error:
            raise ValidationError(
                "url",
                "a URL whose driver is installed: pip install 'clientflow[sql]'",
                got=safe_url(url),
            ) from error
        store = SQLAlchemyStore(url)
    else:
        raise ValidationError(
            "url",
            "memory://, sqlite:///path.db, postgresql+psycopg://... or mysql+pymysql://...",
            got=safe_url(url),
        )
    if create:
        store.create_schema(migrate_with)
    return store
