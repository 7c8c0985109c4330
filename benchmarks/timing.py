"""Timing shared by the benchmark scripts: medians, because the machines are shared and noisy.

The scripts run from `benchmarks/` (`python benchmarks/bench_x.py`), so they import this
module by its bare name.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_us(call: Callable[[int], object], count: int) -> float:
    """Median time of ``call(0)``, ``call(1)``, ... ``call(count - 1)``, in microseconds.

    The index lets a benchmark cycle through prepared cases without timing the lookup.
    """
    samples = []
    for i in range(count):
        begin = time.perf_counter_ns()
        call(i)
        samples.append(time.perf_counter_ns() - begin)
    return statistics.median(samples) / 1000


def median_ms(call: Callable[[], object], repeat: int = 15) -> float:
    """Median time of ``repeat`` calls of ``call()``, in milliseconds."""
    return median_us(lambda _: call(), repeat) / 1000
