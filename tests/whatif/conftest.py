"""The demo's 90 days in a SQLite store, shared by a test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import clientflow
from clientflow.demo import run
from clientflow.workspace import Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """The demo's quarter (every workflow, swept hourly) in a SQLite store."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    run(lambda _: None, url)
    with clientflow.open(url) as ws:
        yield ws
