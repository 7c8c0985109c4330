"""The engine: retries, idempotency, timers that fail, and what reaches the caller."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import attrs
import pendulum
import pytest

from clientflow import CorruptData, ManualClock, NotFound, ValidationError
from clientflow.changes import ChangeRequest, defer, kind, withdraw
from clientflow.core import (
    Actor,
    Codec,
    ConcurrencyError,
    Decision,
    StoreError,
    TransitionNotAllowed,
)
from clientflow.engine import Command, Engine
from clientflow.ports import Commit, Store, StoredEvent
from clientflow.storage import MemoryStore, SQLiteStore, open_store
from clientflow.storage.kinded import TypedStore
from clientflow.testing import sample_codec
from clientflow.testing.samples import (
    CALENDAR,
    START,
    awaiting_approval,
    draft,
    reassess,
    send_parcel,
)
from tests.core.example_workflow import open_ticket

ANNA = Actor("anna")


def stored(store: MemoryStore, change: ChangeRequest, steps: list[Decision[ChangeRequest]]) -> None:
    store.save(Commit(change, tuple(e for s in steps for e in s.events), 0))


class TestExecute:
    def test_a_conflicting_write_is_retried_on_the_fresh_aggregate(self) -> None:
        """Someone else writes between our load and save: we re-decide and succeed."""
        store = TypedStore(MemoryStore(), sample_codec())
        engine = Engine(store, clock=ManualClock(START))
        _, steps = awaiting_approval("CR-1")
        stored(store, steps[2].aggregate, steps[:3])  # assessed, effort 12 hours
        engine.execute(Command("CR-1", lambda c, now: reassess(c, now, hours=1)))
        calls = []

        def racing(change: ChangeRequest | None, now: pendulum.DateTime) -> Decision[ChangeRequest]:
            calls.append(change.version if change else None)
            if len(calls) == 1:  # a concurrent writer sneaks in
                rival = reassess(change, now, hours=2)
                store.save(Commit(rival.aggregate, rival.events, change.version))  # type: ignore[union-attr]
            return reassess(change, now, hours=3)

        result = engine.execute(Command("CR-1", racing))
        assert calls == [4, 5]
        assert result.aggregate.version == 6
        efforts = [int(e.impact.effort_hours) for e in store.history("CR-1")[3:]]  # type: ignore[attr-defined]
        assert efforts == [1, 2, 3]

    def test_a_command_that_must_not_be_retried_raises_the_conflict(self) -> None:
        """retry_on_conflict=False hands the conflict to the caller; nothing of ours is saved."""
        store = TypedStore(MemoryStore(), sample_codec())
        engine = Engine(store)
        change, steps = awaiting_approval("CR-1")
        stored(store, change, steps)

        def racing(
            current: ChangeRequest | None, now: pendulum.DateTime
        ) -> Decision[ChangeRequest]:
            assert current is not None
            rival = withdraw(current, ANNA, now)  # the requester withdraws meanwhile
            store.save(Commit(rival.aggregate, rival.events, current.version))
            return defer(current, "v2", ANNA, now)

        with pytest.raises(ConcurrencyError):
            engine.execute(Command("CR-1", racing, retry_on_conflict=False))
        assert store.load("CR-1").version == change.version + 1  # type: ignore[union-attr]

    def test_rejected_command_saves_nothing(self) -> None:
        """A domain error propagates unchanged and the store is untouched."""
        store = TypedStore(MemoryStore(), sample_codec())
        engine = Engine(store)
        engine.execute(Command("CR-1", lambda c, now: draft("CR-1", now)))
        with pytest.raises(TransitionNotAllowed):
            engine.execute(Command("CR-1", lambda c, now: reassess(c, now, hours=1)))
        assert len(store.history("CR-1")) == 1

    def test_decision_about_another_aggregate_is_refused(self) -> None:
        """A command may only change the aggregate it names."""
        engine = Engine(TypedStore(MemoryStore(), sample_codec()))
        with pytest.raises(ValidationError, match="a decision about CR-1"):
            engine.execute(Command("CR-1", lambda c, now: draft("CR-2", now)))

    @pytest.mark.parametrize("url", ["memory", "sqlite"])
    def test_a_decision_with_another_workflows_events_is_refused(
        self, url: str, tmp_path: Path
    ) -> None:
        """A stream holds its own kind's events only: a change decided with a parcel's
        event (a handler wired to the wrong workflow) is refused and nothing is written."""
        records = (
            MemoryStore()
            if url == "memory"
            else open_store(f"sqlite:///{tmp_path / 'k.db'}", create=True)
        )
        engine = Engine(TypedStore(records, sample_codec()))
        engine.execute(Command("CR-1", lambda c, now: draft("CR-1", now)))
        sent = send_parcel("CR-1").events[0]

        def mixed(change: ChangeRequest | None, now: pendulum.DateTime) -> Decision[ChangeRequest]:
            assert change is not None
            moved = attrs.evolve(sent, meta=attrs.evolve(sent.meta, aggregate_version=2))
            return Decision(attrs.evolve(change, version=2), (moved,))

        with pytest.raises(
            ValidationError, match=r"events of the change workflow.*sample.parcel_sent"
        ):
            engine.execute(Command("CR-1", mixed))
        assert [type(e).event_type for e in engine.kinded.history("CR-1")] == ["change.requested"]

    def test_loading_a_missing_aggregate_is_not_found(self) -> None:
        """The engine's load names what was missing."""
        with pytest.raises(NotFound, match="CR-9"):
            Engine(TypedStore(MemoryStore(), sample_codec())).load("CR-9")


def _memory(codec: Codec, folder: Path) -> Store:
    return TypedStore(MemoryStore(), codec)


def _sqlite(codec: Codec, folder: Path) -> Store:
    store = TypedStore(SQLiteStore(folder / "sweep.db"), codec)
    store.store.create_schema()
    return store


class TestSweep:
    @pytest.mark.parametrize("make", [_memory, _sqlite])
    @pytest.mark.parametrize(
        "failure",
        [
            ValidationError("calendar", "a known project"),
            IndexError("list index out of range"),
            KeyError("pm"),
            RecursionError("maximum recursion depth exceeded"),
            ZeroDivisionError("division by zero"),
        ],
    )
    def test_one_failing_timer_does_not_block_the_others(
        self, tmp_path: Path, make: Callable[[Codec, Path], Store], failure: Exception
    ) -> None:
        """A timer that raises anything is reported and backed off; the rest still fire."""

        def calendar_for(change: ChangeRequest) -> object:
            if change.id == "CR-1":
                raise failure
            return CALENDAR

        store = make(Codec([kind(calendar_for)]), tmp_path)  # type: ignore[arg-type]
        for n in range(3):
            change, steps = awaiting_approval(f"CR-{n}")
            stored(store, change, steps)
        engine = Engine(store)
        at = START.add(days=1)
        report = engine.sweep(at)
        assert sorted(i for i, _ in report.fired) == ["CR-0", "CR-2"]
        assert [i for i, _ in report.failed] == ["CR-1"]
        assert type(failure).__name__ in report.failed[0][1]
        # Backed off: the next sweeps leave it alone until 5 minutes have passed...
        assert engine.sweep(at.add(minutes=1)).failed == ()
        assert engine.sweep(at.add(minutes=5)).failed != ()
        # ...then 10 more (doubling), and operators can see it failing.
        assert engine.sweep(at.add(minutes=14)).failed == ()
        [failing] = engine.timer_failures()
        assert (failing.aggregate_id, failing.attempts) == ("CR-1", 2)
        assert failing.retry_at == at.add(minutes=15)

    def test_sweep_with_nothing_due_does_nothing(self) -> None:
        """No deadlines passed, no events."""
        store = TypedStore(MemoryStore(), sample_codec())
        change, steps = awaiting_approval("CR-1")
        stored(store, change, steps)
        report = Engine(store).sweep(START)
        assert report.fired == ()
        assert len(store.history("CR-1")) == 4

    def test_escalations_repeat_on_schedule_not_on_sweep_frequency(self) -> None:
        """Sweeping every minute for a day fires each repeat once, on its business-time slot."""
        store = TypedStore(MemoryStore(), sample_codec())
        change, steps = awaiting_approval("CR-1")
        stored(store, change, steps)
        engine = Engine(store)
        at = START
        fired = 0
        while at < START.add(days=1):
            at = at.add(minutes=30)
            fired += len(engine.sweep(at).fired)
        # Deadline 13:00, then every 4 business hours: 17:00 (London, 09:00-17:30 day).
        assert fired == 2
        assert engine.load("CR-1").next_deadline == CALENDAR.add(
            START.add(hours=8), pendulum.duration(hours=4)
        )

    def test_deliver_needs_a_notifier(self) -> None:
        """Delivery without a notifier is a configuration mistake, said plainly."""
        with pytest.raises(ValidationError, match="notifier"):
            Engine(TypedStore(MemoryStore(), sample_codec())).deliver()


class TestCommittedCommands:
    def test_a_committed_command_returns_even_when_delivery_meets_a_corrupt_row(
        self, tmp_path: Path
    ) -> None:
        """An unreadable feed row is parked by delivery; execute never raises after saving."""
        store = TypedStore(SQLiteStore(tmp_path / "x.db"), sample_codec())
        store.store.create_schema()
        sent: list[int] = []

        class Recorder:
            def notify(self, event: StoredEvent) -> None:
                sent.append(event.position)

        clock = ManualClock(START)
        engine = Engine(store, clock=clock, notifier=Recorder())
        engine.execute(Command("CR-1", lambda c, now: draft("CR-1", now)))
        engine.execute(Command("CR-2", lambda c, now: draft("CR-2", now)))
        store.store._connection.execute(
            "UPDATE clientflow_events SET payload = '[' WHERE position = 2"
        )
        store.store._connection.execute("UPDATE clientflow_cursors SET position = 1")
        result = engine.execute(Command("CR-3", lambda c, now: draft("CR-3", now)))
        assert result.aggregate.id == "CR-3"
        assert result.delivery is not None
        assert result.delivery.parked == (2,)
        assert sent == [1, 2, 3]  # 2 went out before it was damaged; 3 went past it
        assert [p.position for p in engine.parked()] == [2]
        assert "cannot be read" in engine.parked()[0].error
        assert not engine.retry_parked(2)  # still unreadable: stays parked

    def test_an_inconsistent_commit_is_refused_before_any_store(self) -> None:
        """A commit whose events do not continue its expected version is a ValidationError."""
        first = draft("CR-1")
        with pytest.raises(ValidationError, match="numbered from version 2"):
            Commit(first.aggregate, first.events, 1)
        with pytest.raises(ValidationError, match=r"commit\.aggregate\.version"):
            Commit(first.aggregate, (), 0)

    @pytest.mark.parametrize("key", ["x" * 201, "CR-1 ", "CR\u200b1", "", "Zoe\u0308"])
    def test_one_id_rule_before_any_store(self, key: str) -> None:
        """An id no store could keep the same way is refused by the engine, store untouched."""
        store = TypedStore(MemoryStore(), sample_codec())
        engine = Engine(store)
        with pytest.raises(ValidationError, match="id"):
            engine.execute(Command(key, lambda c, now: draft(key, now)))
        with pytest.raises(ValidationError, match="idempotency_key"):
            engine.execute(Command("CR-1", lambda c, now: draft("CR-1", now), idempotency_key=key))
        assert list(store.feed()) == []

    @pytest.mark.parametrize("key", ["x" * 201, "CR-1 ", ""])
    def test_run_checks_ids_as_execute_does(self, key: str) -> None:
        """``Engine.run`` (no Command built) refuses the same ids and keys as ``execute``."""
        store = TypedStore(MemoryStore(), sample_codec())
        engine = Engine(store)
        with pytest.raises(ValidationError, match="id"):
            engine.run(key, lambda c, now: draft(key, now))
        with pytest.raises(ValidationError, match="idempotency_key"):
            engine.run("CR-1", lambda c, now: draft("CR-1", now), key=key)
        assert list(store.feed()) == []

    def test_run_recalls_a_key_after_admit_accepts(self) -> None:
        """A retried ``run`` under the same key answers the first result once ``admit``
        accepts it, and raises what ``admit`` raises, saving nothing either way."""
        store = TypedStore(MemoryStore(), sample_codec())
        engine = Engine(store, clock=ManualClock(START))
        first = engine.run("CR-1", lambda c, now: draft("CR-1", now), key="form-1")
        seen: list[object] = []
        again = engine.run(
            "CR-1", lambda c, now: draft("CR-1", now), key="form-1", admit=seen.append
        )
        assert (again.duplicate, again.aggregate) == (True, first.aggregate)
        assert seen == [first.aggregate]

        def refuse(found: object) -> object:
            raise NotFound("change request", "CR-1")

        with pytest.raises(NotFound):
            engine.run("CR-1", lambda c, now: draft("CR-1", now), key="form-1", admit=refuse)
        assert len(list(store.feed())) == len(first.events)


class TestBadStoreInput:
    @pytest.mark.parametrize(
        "url",
        ["", "ftp://x", "sqlite://relative.db", "sqlite:///", "memory", "oracle://scott@db/x"],
    )
    def test_unusable_urls_are_validation_errors(self, url: str) -> None:
        """A URL the library cannot open says which forms it accepts."""
        with pytest.raises(ValidationError, match="url"):
            TypedStore(open_store(url), sample_codec())

    def test_unopenable_sqlite_path_is_a_store_error(self, tmp_path: Path) -> None:
        """A file in a folder that does not exist cannot be opened."""
        with pytest.raises(StoreError, match="cannot open"):
            TypedStore(SQLiteStore(tmp_path / "missing" / "x.db"), sample_codec())

    @pytest.mark.parametrize(
        "payload", ['{"meta": 1}', "[" * 100_000 + "]" * 100_000, "not json", '"a\\udcffb"']
    )
    def test_corrupt_rows_are_corrupt_data_naming_where(self, tmp_path: Path, payload: str) -> None:
        """A hand-edited row surfaces as CorruptData naming the aggregate or position."""
        store = TypedStore(SQLiteStore(tmp_path / "x.db"), sample_codec())
        store.store.create_schema()
        first = draft("CR-1")
        store.save(Commit(first.aggregate, first.events, 0))
        store.store._connection.execute("UPDATE clientflow_events SET payload = ?", (payload,))
        with pytest.raises(CorruptData, match=r"CR-1: cannot be read"):
            store.history("CR-1")
        with pytest.raises(CorruptData, match=r"feed position 1: cannot be read") as caught:
            store.feed()
        assert caught.value.position == 1
        store.store._connection.execute("UPDATE clientflow_aggregates SET snapshot = ?", (payload,))
        with pytest.raises(CorruptData, match="CR-1"):
            store.load("CR-1")
        store.store._connection.execute("UPDATE clientflow_aggregates SET kind = 'invoice'")
        with pytest.raises(CorruptData, match="kind"):
            store.load("CR-1")

    def test_unknown_event_kind_on_import_writes_nothing(self, tmp_path: Path) -> None:
        """Importing events of a kind the store does not hold is refused before writing."""
        store = TypedStore(
            open_store(f"sqlite:///{tmp_path / 'x.db'}", create=True), sample_codec()
        )
        ticket = open_ticket("T-1", "x", Actor("a"), START, START)
        with pytest.raises(ValidationError, match="kinds change"):
            store.import_history(ticket.events)
        assert list(store.feed()) == []


_COUNTED: list[tuple[str, Callable[[Engine, object], object]]] = [
    ("limit", lambda engine, n: engine.sweep(limit=n)),  # type: ignore[arg-type]
    ("limit", lambda engine, n: engine.deliver(limit=n)),  # type: ignore[arg-type]
    ("limit", lambda engine, n: engine.parked(n)),  # type: ignore[arg-type]
    ("limit", lambda engine, n: engine.timer_failures(n)),  # type: ignore[arg-type]
    ("limit", lambda engine, n: engine.feed(0, n)),  # type: ignore[arg-type]
    ("after", lambda engine, n: engine.feed(n)),  # type: ignore[arg-type]
    ("position", lambda engine, n: engine.retry_parked(n)),  # type: ignore[arg-type]
    ("position", lambda engine, n: engine.discard_parked(n)),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("make", [_memory, _sqlite])
@pytest.mark.parametrize(("field", "call"), _COUNTED)
@pytest.mark.parametrize("junk", [10**30, 2**63, -1, True, 2.5, "10"])
def test_every_count_and_position_a_caller_gives_is_bounded(
    tmp_path: Path,
    make: Callable[[Codec, Path], Store],
    field: str,
    call: Callable[[Engine, object], object],
    junk: object,
) -> None:
    """A page size or feed position out of range is a ValidationError naming it, on
    every store: never a driver's OverflowError from SQLite's 64-bit integers."""
    engine = Engine(
        make(sample_codec(), tmp_path), clock=ManualClock(pendulum.datetime(2026, 3, 2))
    )
    with pytest.raises(ValidationError, match=f"^{field}: expected a whole number"):
        call(engine, junk)


@pytest.mark.parametrize(
    "lease", [dt.timedelta(0), dt.timedelta(days=2), dt.timedelta.max, dt.timedelta(-1), 5]
)
def test_a_lease_is_a_duration_over_zero_and_at_most_a_day(tmp_path: Path, lease: object) -> None:
    """A zero lease would let another sweeper take what this one is firing; a huge one
    overflowed the driver. Both, and junk, are ValidationErrors naming ``lease``."""
    engine = Engine(
        _sqlite(sample_codec(), tmp_path), clock=ManualClock(pendulum.datetime(2026, 3, 2))
    )
    with pytest.raises(ValidationError, match=r"^lease: expected a duration"):
        engine.sweep(lease=lease)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"^lease: expected a duration"):
        Engine(_memory(sample_codec(), tmp_path), lease=lease)  # type: ignore[arg-type]


def test_the_engine_holds_the_kinds_and_the_store_none() -> None:
    """A store keeps records only, and is opened without kinds: the engine needs them,
    and reads and writes aggregates through them; the memory store never encodes."""
    store = MemoryStore()
    with pytest.raises(ValidationError, match="Engine\\(store, kinds="):
        Engine(store)
    assert not hasattr(store, "load")  # no typed methods: TypedStore(store, codec) adds them
    with pytest.raises(TypeError):
        MemoryStore(sample_codec())  # type: ignore[call-arg]  # the codec has gone from stores
    engine = Engine(store, kinds=sample_codec(), clock=ManualClock(START))
    made = engine.execute(Command("CR-1", lambda _, now: draft("CR-1", now)))
    record = store.read("CR-1")
    assert record is not None
    assert (record.kind, record.version, record.value) == ("change", 1, made.aggregate)
    assert record.made is None  # no text was ever produced: nothing asked for it
    assert engine.kinded.load("CR-1") is made.aggregate
    assert [e.type for e in store.read_history("CR-1")] == ["change.requested"]


def test_a_sql_load_of_the_text_just_saved_decodes_nothing(tmp_path: Path) -> None:
    """The engine holds what it saved beside its text: the next load reads the row and,
    finding the same text, returns the same object without decoding it."""
    store = SQLiteStore(tmp_path / "held.db")
    store.create_schema()
    engine = Engine(store, kinds=sample_codec(), clock=ManualClock(START))
    made = engine.execute(Command("CR-1", lambda _, now: draft("CR-1", now)))
    assert engine.kinded.load("CR-1") is made.aggregate
    fresh = Engine(store, kinds=sample_codec())  # holds nothing: decodes an equal one
    assert fresh.load("CR-1") == made.aggregate
    assert fresh.load("CR-1") is fresh.load("CR-1")
    store.close()
