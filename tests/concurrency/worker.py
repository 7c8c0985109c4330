"""A separate process for the concurrency and crash tests.

python -m tests.concurrency.worker write URL PREFIX WORKER COUNT
    re-assesses aggregates CR-0..CR-2 COUNT times, printing "ack <effort>" after each
    acknowledged command (flushed, so a killed process has reported what committed);
python -m tests.concurrency.worker sweep URL PREFIX AT
    sweeps once at AT and prints "fired <id>" for each timer it fired;
python -m tests.concurrency.worker deliver URL PREFIX SEED TOTAL
    delivers until the notifier cursor reaches TOTAL, through a notifier that refuses 2 %
    of its calls at random, printing "took <position>" for each event it accepted;
python -m tests.concurrency.worker trigger URL PREFIX ISSUE KEY AT
    waits until the Unix time AT, then triggers risk RSK-1 opening ISSUE with KEY on a
    workspace over the store, printing "ok" or "refused <error type>".
"""

from __future__ import annotations

import random
import sys
import time
from functools import partial

import pendulum

from clientflow.core import parse_instant
from clientflow.engine import Command, Engine
from clientflow.ports import Backoff, Store, StoredEvent
from clientflow.storage import SQLiteStore
from clientflow.testing import sample_codec
from clientflow.testing.samples import reassess


def open_store(url: str, prefix: str) -> Store:
    if url.startswith("sqlite:///"):
        return SQLiteStore(url[len("sqlite:///") :], prefix=prefix)
    from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

    return SQLAlchemyStore(url, prefix=prefix)


def main(argv: list[str]) -> None:
    mode, url, prefix = argv[:3]
    store = open_store(url, prefix)
    engine = Engine(store, kinds=sample_codec(), max_retries=200)
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
    elif mode == "trigger":
        store.close()
        print(_trigger(url, prefix, *argv[3:6]), flush=True)
        return
    elif mode == "deliver":
        seed, last = int(argv[3]), int(argv[4])  # the last position to deliver
        deliverer = Engine(
            store,
            kinds=sample_codec(),
            notifier=_Flaky(random.Random(seed)),
            delivery_backoff=Backoff(pendulum.duration(), pendulum.duration()),
            max_attempts=1_000,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if store.cursor("notifier") >= last and not store.held("notifier"):
                break  # the feed is done and nothing waits for a retry
            if deliverer.deliver(limit=50).busy:
                time.sleep(0.005)
    store.close()


def _trigger(url: str, prefix: str, issue_id: str, key: str, at: str) -> str:
    import clientflow  # noqa: PLC0415
    from clientflow.core import Actor, ClientflowError, ManualClock  # noqa: PLC0415
    from tests.risks.test_workspace import START, rules_data  # noqa: PLC0415

    if url.startswith("sqlite:///"):
        store: Store = SQLiteStore(url[len("sqlite:///") :], prefix=prefix)
    else:
        from clientflow.storage.sql import SQLAlchemyStore  # noqa: PLC0415

        store = SQLAlchemyStore(url, prefix=prefix)
    with clientflow.open(store, rules_data(), clock=ManualClock(START.add(hours=1))) as ws:
        time.sleep(max(float(at) - time.time(), 0))
        try:
            ws.risks.trigger(
                "RSK-1", by=Actor("li.wei", {"pm"}), issue_id=issue_id, note="now", key=key
            )
        except ClientflowError as error:
            return f"refused {type(error).__name__}"
    return "ok"


class _Flaky:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def notify(self, event: StoredEvent) -> None:
        if self.rng.random() < 0.02:
            raise ConnectionError("flaky network")
        print(f"took {event.position}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
