"""OpenTelemetry spans and metrics from the engine, read back with the SDK's in-memory
exporters (issue 17); without telemetry nothing is measured."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from clientflow import AlreadyExists, ManualClock
from clientflow.core import MAX_REASON
from clientflow.engine import Command, Engine
from clientflow.ports import RateLimited, StoredEvent
from clientflow.telemetry import OpenTelemetry
from clientflow.testing.samples import START, draft
from tests.test_observability import Refusing, _store


def _telemetry() -> tuple[OpenTelemetry, InMemorySpanExporter, InMemoryMetricReader]:
    spans = InMemorySpanExporter()
    tracing = TracerProvider()
    tracing.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    return OpenTelemetry(tracing, MeterProvider(metric_readers=[reader])), spans, reader


def _metrics(reader: InMemoryMetricReader) -> dict[str, list[tuple[dict[str, object], float]]]:
    found: dict[str, list[tuple[dict[str, object], float]]] = {}
    data = reader.get_metrics_data()
    assert data is not None
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found[metric.name] = [
                    (dict(point.attributes or {}), point.value)  # type: ignore[union-attr]
                    for point in metric.data.data_points
                ]
    return found


class Accepting:
    def notify(self, event: StoredEvent) -> None:
        return None


def test_spans_for_execute_sweep_deliver_and_each_notifier_call() -> None:
    telemetry, spans, _ = _telemetry()
    store = _store()
    clock = ManualClock(START)
    engine = Engine(store, clock=clock, notifier=Accepting(), telemetry=telemetry)
    made = draft("CR-9")
    engine.execute(Command("CR-9", lambda _, now: made))
    clock.advance(START.add(days=1) - START)
    engine.sweep()
    names = [span.name for span in spans.get_finished_spans()]
    assert "clientflow.execute" in names
    assert "clientflow.sweep" in names
    assert "clientflow.deliver" in names
    notified = [s for s in spans.get_finished_spans() if s.name == "clientflow.notify"]
    assert len(notified) == len(store.feed(limit=1000))  # one span per event delivered
    execute = next(s for s in spans.get_finished_spans() if s.name == "clientflow.execute")
    assert execute.attributes["clientflow.aggregate_id"] == "CR-9"  # type: ignore[index]


def test_metrics_for_commands_lag_backlog_and_dead_letters() -> None:
    telemetry, _, reader = _telemetry()
    store = _store(broken="CR-1")
    at = START.add(days=1)
    engine = Engine(
        store, clock=ManualClock(at), notifier=Refusing(), max_attempts=1, telemetry=telemetry
    )
    made = draft("CR-9")
    engine.execute(Command("CR-9", lambda _, now: made))
    with pytest.raises(AlreadyExists):  # a second create on the same id
        engine.execute(Command("CR-9", lambda current, now: made))
    engine.sweep()
    found = _metrics(reader)
    outcomes = {attrs["outcome"]: value for attrs, value in found["clientflow.commands"]}
    assert outcomes == {"saved": 1, "refused": 1}
    [(_, lag)] = found["clientflow.sweep.lag"]
    assert lag == (at - START.add(hours=4)).total_seconds()  # the approvals' 4h deadline
    assert [v for _, v in found["clientflow.timers.failed"]] == [1]
    [(_, dead)] = found["clientflow.delivery.dead_letters"]
    [(_, backlog)] = found["clientflow.delivery.backlog"]
    assert dead > 0  # max_attempts=1: each refused event is parked
    assert backlog == 0  # nothing left waiting: parked events are behind the cursor


def test_without_telemetry_nothing_is_measured() -> None:
    store = _store()
    calls: list[str] = []
    original = store.backlog

    def counting(after: int) -> int:
        calls.append("backlog")
        return original(after)

    store.backlog = counting  # type: ignore[method-assign]
    engine = Engine(store, clock=ManualClock(START.add(days=1)), notifier=Accepting())
    engine.sweep()
    assert calls == []  # no extra queries when telemetry is off


class _Unprintable(RateLimited):
    def __str__(self) -> str:
        raise RuntimeError("no message")


class _Raising:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def notify(self, event: StoredEvent) -> None:
        raise self.error


@pytest.mark.parametrize(
    "error", [_Unprintable("x", 5), RuntimeError("x" * 5_000_000)], ids=["unprintable", "huge"]
)
def test_a_notifiers_hostile_error_is_recorded_bounded_and_keeps_its_kind(
    error: Exception,
) -> None:
    """The span records the error's bounded text; a rate limit stays a wait (no attempt)."""
    telemetry, spans, _ = _telemetry()
    store = _store()
    engine = Engine(store, clock=ManualClock(START), notifier=_Raising(error), telemetry=telemetry)
    result = engine.execute(Command("CR-9", lambda _, now: draft("CR-9")))
    assert result.delivery is not None
    notified = next(s for s in spans.get_finished_spans() if s.name == "clientflow.notify")
    [recorded] = notified.events
    message = str((recorded.attributes or {})["exception.message"])
    assert len(message) <= MAX_REASON
    assert notified.status.description == message
    if isinstance(error, RateLimited):
        assert message == "_Unprintable: <the error's message could not be read>"
        assert store.held("notifier") == []  # waited, not counted as a failed attempt
        assert result.delivery.retry_at == START.add(seconds=5)
    else:
        assert store.held("notifier")[0].attempts == 1  # a real attempt, counted
