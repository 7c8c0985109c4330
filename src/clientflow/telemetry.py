"""Traces and metrics for operators: off by default, OpenTelemetry when asked.

The engine reports through a :class:`Telemetry`: spans around ``execute``, ``sweep``,
``deliver`` and each notifier call; counters of commands (by outcome), version
conflicts and retries, events delivered and parked; gauges of the sweep lag (how long
the oldest due timer has waited), the delivery backlog and the dead letters.
:data:`OFF` costs nothing; :class:`OpenTelemetry` (``pip install clientflow[otel]``)
sends them through the OpenTelemetry API to whatever the host configured.

>>> from clientflow.engine import Engine
>>> from clientflow.storage import MemoryStore
>>> from clientflow.testing import sample_codec
>>> engine = Engine(MemoryStore(), kinds=sample_codec(), telemetry=OpenTelemetry())
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Protocol

from clientflow.core import failure_reason

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

__all__ = ["OFF", "Attributes", "OpenTelemetry", "Telemetry"]

Attributes = Mapping[str, str | int | float | bool]
"""What a span or a measurement is about (aggregate id, consumer, outcome...)."""

COUNTERS = {
    "clientflow.commands": "Commands executed, by outcome (saved, unchanged, duplicate, refused)",
    "clientflow.conflicts": "Version conflicts met while saving",
    "clientflow.retries": "Commands retried after a version conflict",
    "clientflow.timers.fired": "Timers fired by sweeps",
    "clientflow.timers.failed": "Timers that failed (backed off)",
    "clientflow.events.delivered": "Events the notifier took",
    "clientflow.events.parked": "Events given up on (the dead-letter)",
}
GAUGES = {
    "clientflow.sweep.lag": ("s", "How long the oldest due timer has waited"),
    "clientflow.delivery.backlog": ("{event}", "Events waiting for a consumer"),
    "clientflow.delivery.dead_letters": ("{event}", "Events a consumer gave up on"),
}


class Telemetry(Protocol):
    """Where the engine reports; every method must be cheap and never raise."""

    @property
    def enabled(self) -> bool:
        """Whether measurements that cost a query (lag, backlog) are worth taking."""
        ...

    def span(self, name: str, attributes: Attributes) -> AbstractContextManager[None]:
        """A span around one operation."""
        ...

    def count(self, name: str, value: int, attributes: Attributes) -> None:
        """Add ``value`` to a counter of :data:`COUNTERS`."""
        ...

    def gauge(self, name: str, value: float, attributes: Attributes) -> None:
        """Record the current value of a gauge of :data:`GAUGES`."""
        ...


class _Off:
    """No telemetry: nothing recorded, nothing measured."""

    enabled = False

    def span(self, name: str, attributes: Attributes) -> AbstractContextManager[None]:
        return nullcontext()

    def count(self, name: str, value: int, attributes: Attributes) -> None:
        return None

    def gauge(self, name: str, value: float, attributes: Attributes) -> None:
        return None


OFF: Telemetry = _Off()
"""The default: no telemetry."""


class OpenTelemetry:
    """Spans and metrics through the OpenTelemetry API (the providers the host set up,
    or the ones given; ``pip install clientflow[otel]``)."""  # noqa: D205, D209

    enabled = True

    def __init__(
        self,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        from opentelemetry import metrics, trace  # noqa: PLC0415 - the otel extra

        version = importlib.metadata.version("clientflow")
        self._tracer = trace.get_tracer("clientflow", version, tracer_provider)
        meter = metrics.get_meter("clientflow", version, meter_provider)
        self._counters = {
            name: meter.create_counter(name, description=text) for name, text in COUNTERS.items()
        }
        self._gauges = {
            name: meter.create_gauge(name, unit=unit, description=text)
            for name, (unit, text) in GAUGES.items()
        }

    @contextmanager
    def span(self, name: str, attributes: Attributes) -> Iterator[None]:
        """A span; an exception escaping it is recorded on it.

        Recorded here, not by OpenTelemetry: its own recording reads the exception's
        text raw, and a notifier's exception is untrusted (a ``__str__`` that raises
        would replace it, a 20 MB message would be kept whole).
        """
        from opentelemetry.trace import Status, StatusCode  # noqa: PLC0415 - the extra

        with self._tracer.start_as_current_span(
            name,
            attributes=dict(attributes),
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                yield
            except Exception as error:
                reason = failure_reason(error)
                span.add_event(
                    "exception",
                    {"exception.type": type(error).__name__, "exception.message": reason},
                )
                span.set_status(Status(StatusCode.ERROR, reason))
                raise

    def count(self, name: str, value: int, attributes: Attributes) -> None:
        """Add to a counter."""
        self._counters[name].add(value, dict(attributes))

    def gauge(self, name: str, value: float, attributes: Attributes) -> None:
        """Set a gauge."""
        self._gauges[name].set(value, dict(attributes))
