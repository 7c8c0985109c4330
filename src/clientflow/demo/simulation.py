"""A simulated clock driving the engine: scripted commands at set instants, hourly sweeps."""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Callable
from typing import Any

import pendulum

from clientflow.core import ClientflowError, Decision, ManualClock
from clientflow.engine import Command, Engine

__all__ = ["Simulation", "Step"]

Step = Callable[[Any, pendulum.DateTime], Decision[Any]]
"""A command body: the current aggregate (or ``None``) and the instant -> a decision."""


_HOUR = pendulum.duration(hours=1)


class Simulation:
    """Runs scripted commands in time order and sweeps the engine every ``sweep_every``.

    A step may schedule further steps (``follow``), so a scenario reads as a story:
    "acknowledge two hours later, then investigate". A command the workflow refuses
    (the issue was closed meanwhile) is counted, not fatal: real people race too.
    """

    def __init__(self, engine: Engine, start: pendulum.DateTime) -> None:
        clock = engine.clock
        if not isinstance(clock, ManualClock):
            raise TypeError("a Simulation needs an Engine on a ManualClock")
        self.engine = engine
        self.clock = clock
        self.clock.set(start)
        self.start = start
        self._queue: list[
            tuple[pendulum.DateTime, int, str, Step, Callable[[Any], None] | None]
        ] = []
        self._order = itertools.count()
        self.fired: Counter[str] = Counter()
        self.commands = 0
        self.refused: Counter[str] = Counter()
        self.highlights: list[tuple[pendulum.DateTime, str, str]] = []

    def at(
        self,
        when: pendulum.DateTime,
        aggregate_id: str,
        step: Step,
        then: Callable[[Any], None] | None = None,
    ) -> None:
        """Run ``step`` on ``aggregate_id`` at ``when``; ``then(aggregate)`` runs after it."""
        heapq.heappush(self._queue, (when, next(self._order), aggregate_id, step, then))

    def run(
        self,
        until: pendulum.DateTime,
        *,
        sweep_every: pendulum.Duration = _HOUR,
        tick: Callable[[], None] | None = None,
    ) -> None:
        """Advance to ``until``: due commands first, then a sweep, at every tick."""
        now = self.start
        while now <= until:
            while self._queue and self._queue[0][0] <= now:
                when, _, aggregate_id, step, then = heapq.heappop(self._queue)
                self.clock.set(when)
                try:
                    result = self.engine.execute(Command(aggregate_id, step))
                except ClientflowError as error:
                    self.refused[type(error).__name__] += 1
                    continue
                self.commands += 1
                if then is not None:
                    then(result.aggregate)
            self.clock.set(now)
            for aggregate_id, events in self.engine.sweep(now).fired:
                for event in events:
                    self.fired[type(event).__name__] += 1
                    self.highlights.append((now, aggregate_id, type(event).__name__))
            if tick is not None:
                tick()
            now = now + sweep_every
