"""Business-time add/elapsed over spans of weeks: medians, and the ratio to businesstimedelta.

Target (DESIGN.md): <= 20 us median for add and elapsed on a calendar with holidays.
Run: python benchmarks/bench_calendar.py [--calls N]   (needs the test extra)
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import statistics
import time
from collections.abc import Sequence

import businesstimedelta as btd
import holidays
import pendulum
import pytz

from clientflow import BusinessCalendar, WorkingHours
from timing import median_us  # run from benchmarks/, as the others are

Case = tuple[pendulum.DateTime, dt.timedelta, pendulum.DateTime]


def measure(cal: BusinessCalendar, cases: Sequence[Case], calls: int) -> dict[str, float]:
    n = len(cases)
    firsts = []
    for case in cases[:31]:  # a new calendar each time; the median of its first call
        cold = BusinessCalendar(
            cal.timezone, cal.hours, country=cal.country, subdivision=cal.subdivision
        )
        begin = time.perf_counter_ns()
        cold.add(case[0], case[1])
        firsts.append((time.perf_counter_ns() - begin) / 1000)
    first = statistics.median(firsts)
    return {
        "add": median_us(lambda i: cal.add(cases[i % n][0], cases[i % n][1]), calls),
        "elapsed": median_us(lambda i: cal.elapsed(cases[i % n][0], cases[i % n][2]), calls),
        "first call of a new calendar (median of 31)": first,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    rng = random.Random(20261122)
    shanghai = BusinessCalendar(
        "Asia/Shanghai", WorkingHours.weekdays("09:00-12:00", "13:00-18:00"), country="CN"
    )
    new_york = BusinessCalendar(
        "America/New_York", ("09:00-17:00",), country="US", subdivision="NY"
    )
    base = pendulum.datetime(2026, 1, 1)
    starts = [base.add(minutes=rng.randrange(0, 330 * 24 * 60)) for _ in range(256)]
    spans = [dt.timedelta(minutes=rng.randrange(40 * 60, 160 * 60)) for _ in range(256)]
    print(f"median of {args.calls} calls; spans of 1-4 working weeks (40-160 working hours)")
    results: dict[str, float] = {}
    for name, cal in (
        ("Shanghai, CN holidays, split shifts", shanghai),
        ("New York, US-NY holidays, DST", new_york),
    ):
        cases = [(s, d, cal.add(s, d)) for s, d in zip(starts, spans, strict=True)]
        for what, value in measure(cal, cases, args.calls).items():
            results[f"{name}: {what}"] = value

    zone = pytz.timezone("Asia/Shanghai")
    rules = btd.Rules(
        [
            btd.WorkDayRule(start_time=dt.time(9), end_time=dt.time(18), tz=zone),
            btd.LunchTimeRule(start_time=dt.time(12), end_time=dt.time(13), tz=zone),
            btd.HolidayRule(sorted(holidays.country_holidays("CN", years=[2026, 2027])), tz=zone),
        ]
    )
    pairs = list(itertools.islice(zip(starts, spans, strict=True), 256))
    results["businesstimedelta, Shanghai: add"] = median_us(
        lambda i: pairs[i % 256][0] + btd.BusinessTimeDelta(rules, timedelta=pairs[i % 256][1]),
        max(args.calls // 20, 50),
    )
    width = max(map(len, results))
    for name, value in results.items():
        print(f"  {name:<{width}}  {value:10.1f} us")
    ratio = (
        results["businesstimedelta, Shanghai: add"]
        / results["Shanghai, CN holidays, split shifts: add"]
    )
    print(f"  businesstimedelta / clientflow, add on the same calendar and spans: {ratio:.0f}x")
    print("target: add and elapsed <= 20 us median; first use of a calendar <= 1 ms")


if __name__ == "__main__":
    main()
