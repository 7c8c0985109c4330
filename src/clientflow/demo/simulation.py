"""A simulated clock driving a workspace: scripted actions at set instants, hourly sweeps."""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pendulum

from clientflow.core import ClientflowError, ManualClock
from clientflow.engine import Result

if TYPE_CHECKING:
    from clientflow.workspace import Workspace

__all__ = ["Action", "Simulation"]

Action = Callable[[], Result[Any]]
"""What a person does at a scheduled instant: a workspace call, dated by the clock."""


_HOUR = pendulum.duration(hours=1)


class Simulation:
    """Runs scripted actions in time order and sweeps the workspace every ``sweep_every``.

    An action may schedule further actions (``then``), so a scenario reads as a story:
    "acknowledge two hours later, then investigate". An action the workflow refuses
    (the issue was closed meanwhile) is counted, not fatal: real people race too.
    """

    def __init__(self, workspace: Workspace, start: pendulum.DateTime) -> None:
        clock = workspace.clock
        if not isinstance(clock, ManualClock):
            raise TypeError("a Simulation needs a Workspace on a ManualClock")
        self.workspace = workspace
        self.clock = clock
        self.clock.set(start)
        self.start = start
        self._queue: list[tuple[pendulum.DateTime, int, Action, Callable[[Any], None] | None]] = []
        self._order = itertools.count()
        self.fired: Counter[str] = Counter()
        self.commands = 0
        self.refused: Counter[str] = Counter()
        self.highlights: list[tuple[pendulum.DateTime, str, str]] = []

    def at(
        self,
        when: pendulum.DateTime,
        action: Action,
        then: Callable[[Any], None] | None = None,
    ) -> None:
        """Run ``action`` at ``when``; ``then(aggregate)`` runs after it."""
        heapq.heappush(self._queue, (when, next(self._order), action, then))

    def run(
        self,
        until: pendulum.DateTime,
        *,
        sweep_every: pendulum.Duration = _HOUR,
        tick: Callable[[], None] | None = None,
    ) -> None:
        """Advance to ``until``: due actions first, then a sweep, at every tick."""
        now = self.start
        while now <= until:
            while self._queue and self._queue[0][0] <= now:
                when, _, action, then = heapq.heappop(self._queue)
                self.clock.set(when)
                try:
                    result = action()
                except ClientflowError as error:
                    self.refused[type(error).__name__] += 1
                    continue
                self.commands += 1
                if then is not None:
                    then(result.aggregate)
            self.clock.set(now)
            for aggregate_id, events in self.workspace.sweep(now).fired:
                for event in events:
                    self.fired[type(event).__name__] += 1
                    self.highlights.append((now, aggregate_id, type(event).__name__))
            if tick is not None:
                tick()
            now = now + sweep_every
