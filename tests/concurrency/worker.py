"""A separate process for the concurrency and crash tests.

python -m tests.concurrency.worker write URL PREFIX WORKER COUNT
    re-assesses aggregates CR-0..CR-2 COUNT times, printing "ack <effort>" after each
    acknowledged command (flushed, so a killed process has reported what committed);
python -m tests.concurrency.worker sweep URL PREFIX AT
    sweeps once at AT and prints "fired <id>" for each timer it fired.
"""

from __future__ import annotations

import sys
from functools import partial

from clientflow.core import parse_instant
from clientflow.engine import Command, Engine
from clientflow.ports import Store
from clientflow.storage import SQLiteStore
from clientflow.testing import sample_codec
from clientflow.testing.samples import reassess


def open_store(url: str, prefix: str) -> Store:
    if url.startswith("sqlite:///"):
        return SQLiteStore(url[len("sqlite:///") :], sample_codec(), prefix=prefix)
    from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

    return SQLAlchemyStore(url, sample_codec(), prefix=prefix)


def main(argv: list[str]) -> None:
    mode, url, prefix = argv[:3]
    store = open_store(url, prefix)
    engine = Engine(store, max_retries=200)
    if mode == "write":
        worker, count = int(argv[3]), int(argv[4])
        for i in range(count):
            effort = worker * 1_000_000 + i
            engine.execute(Command(f"CR-{i % 3}", partial(reassess, hours=effort)))
            print(f"ack {effort}", flush=True)
    elif mode == "sweep":
        report = engine.sweep(parse_instant(argv[3]), limit=5)
        for aggregate_id, _ in report.fired:
            print(f"fired {aggregate_id}", flush=True)
        for aggregate_id, reason in report.failed:
            print(f"failed {aggregate_id} {reason}", flush=True)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1:])
