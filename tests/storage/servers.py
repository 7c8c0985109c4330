"""Where the database servers for adapter tests are, and whether they answer.

Defaults match this project's machines; override with CLIENTFLOW_TEST_POSTGRES_URL and
CLIENTFLOW_TEST_MARIADB_URL. A test that needs an unreachable server is skipped with
the reason, except under CI=true, where it fails: CI must prove the real adapters.
"""

from __future__ import annotations

import os
import uuid

import pytest

POSTGRES_URL = os.environ.get(
    "CLIENTFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MARIADB_URL = os.environ.get(
    "CLIENTFLOW_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"
)


def require_server(url: str) -> None:
    """Skip (or, under CI, fail) unless a server answers at ``url``."""
    try:
        import sqlalchemy as sa  # noqa: PLC0415 - only the sql extra has it

        engine = sa.create_engine(url)
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # any failure to connect means "not reachable here"
        reason = f"no database server reachable at {url}: {type(error).__name__}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: adapter tests must run)")
        pytest.skip(reason)


def fresh_prefix() -> str:
    """A table prefix no other test uses, so tests can share one database."""
    return f"t{uuid.uuid4().hex[:12]}_"
