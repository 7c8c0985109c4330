"""The demo and the commands around it: how long a user waits.

Measures (median of --repeat runs): the whole demo (90 simulated days, hourly sweeps, on
a new SQLite file), loading and checking the demo's rules file, reading the demo store
into a Portfolio, and computing plus rendering the health report (text and HTML).
Run: python benchmarks/bench_demo.py [--repeat N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from clientflow.config import load_rules
from clientflow.demo import END, RULES_FILE, demo_rules, run
from clientflow.reports import Portfolio, health, to_html, to_text
from clientflow.storage import open_store
from clientflow.storage.kinded import TypedStore
from timing import median_ms  # run from benchmarks/, as the others are


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-demo-"))
    counter = iter(range(1_000))

    def demo() -> None:
        run(lambda line: None, f"sqlite:///{folder / f'demo{next(counter)}.db'}")

    rules = demo_rules()
    timings = {"demo (90 days, hourly sweeps, SQLite)": median_ms(demo, args.repeat)}
    timings["load + check the demo rules file"] = median_ms(lambda: load_rules(RULES_FILE), 20)
    store = TypedStore(open_store(f"sqlite:///{folder / 'demo0.db'}"), rules.codec())
    portfolio = Portfolio.from_store(store)
    timings["read the demo store into a Portfolio"] = median_ms(
        lambda: Portfolio.from_store(store), args.repeat
    )
    timings["health of 4 clients over 90 days"] = median_ms(
        lambda: health(portfolio, rules, END), args.repeat
    )
    rows = health(portfolio, rules, END)
    timings["render as text"] = median_ms(lambda: to_text(rows), 20)
    timings["render as HTML"] = median_ms(lambda: to_html(rows), 20)
    for label, ms in timings.items():
        print(f"{label:<40} {ms:>9.2f} ms")
    store.close()


if __name__ == "__main__":
    main()
