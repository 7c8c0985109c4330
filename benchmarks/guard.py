"""Regression guard: count the work of fixed workloads against a committed baseline.

Wall-clock time on shared machines swings too much to gate on, so this counts instead:
every Python and C function call made while a workload runs (cProfile's call counts).
The same code on the same interpreter and dependencies makes the same calls, run after
run; a change that makes a command do more work shows up as more calls.

Each workload (see `workloads.py`: 1,000 commands of each workflow through the workspace
on the memory store and on SQLite, 10,000 business-calendar calls, 100 first uses of a
calendar, a 20,000-event batch import) runs in its own fresh interpreter with a fixed
hash seed and the garbage collector off while counting, so nothing from an earlier
workload (warm caches, finalisers, set order) leaks into its count.

Two counts per workload:
- ``calls``: every call, clientflow's and its dependencies' (and the standard library's);
- ``own``: calls of functions defined in clientflow itself.
``calls`` is gated when the interpreter and the dependency versions are the ones the
baseline was recorded with; otherwise (another Python, an upgraded dependency) only
``own`` is gated, and the guard says so.

Exit status 1 when a gated count grew by more than THRESHOLD over the baseline.
Run:    python benchmarks/guard.py            (compare; about 30 s)
Update: python benchmarks/guard.py --update   (rewrite guard_baseline.json; commit it
        with the reason in the message)
Only:   python benchmarks/guard.py changes/memory calendar/first-use
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib.metadata
import json
import os
import platform
import pstats
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "guard_baseline.json"
THRESHOLD = 0.05
"""Growth of a gated count over its baseline that fails the guard (5 %)."""


def _fingerprint() -> dict[str, str]:
    """The interpreter and the versions of clientflow's runtime dependencies."""
    found = {"python": platform.python_version()}
    for requirement in importlib.metadata.requires("clientflow") or []:
        if "extra ==" in requirement:
            continue
        name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
        try:
            found[name.lower()] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name.lower()] = "absent"
    return dict(sorted(found.items()))


def _count(name: str) -> dict[str, int]:
    """Run one workload in this interpreter and count its calls."""
    sys.path.insert(0, str(HERE))
    import clientflow  # noqa: PLC0415
    from workloads import WORKLOADS, temporary_folder  # noqa: PLC0415

    package = str(Path(clientflow.__file__).resolve().parent)
    with temporary_folder() as folder:
        run = WORKLOADS[name](folder)
        gc.collect()
        gc.disable()  # finalisers and weakref callbacks would run at arbitrary points
        profile = cProfile.Profile()
        profile.enable()
        run()
        profile.disable()
        gc.enable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    calls = own = 0
    for (filename, _, _), (_, total, _, _, _) in stats.items():
        calls += total
        if filename.startswith(package):
            own += total
    return {"calls": calls, "own": own}


def _measure(name: str) -> dict[str, int]:
    """Count one workload in a fresh interpreter (fixed hash seed)."""
    env = dict(os.environ, PYTHONHASHSEED=os.environ.get("GUARD_HASHSEED", "0"))
    done = subprocess.run(
        [sys.executable, __file__, "--count", name],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"workload {name} failed:\n{done.stderr}")
    counts: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return counts


def _measure_all(names: list[str]) -> list[dict[str, int]]:
    """Count the workloads two at a time (counts do not depend on what runs beside)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(_measure, names))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("workloads", nargs="*", help="only these (default: all)")
    parser.add_argument("--update", action="store_true", help="rewrite the baseline")
    parser.add_argument("--count", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.count:
        print(json.dumps(_count(args.count)))
        return 0
    sys.path.insert(0, str(HERE))
    from workloads import WORKLOADS  # noqa: PLC0415

    names = args.workloads or list(WORKLOADS)
    unknown = sorted(set(names) - set(WORKLOADS))
    if unknown:
        parser.error(f"unknown workloads {unknown}; known: {sorted(WORKLOADS)}")
    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    here = _fingerprint()
    same = baseline.get("environment") == here
    if args.update:
        recorded = baseline.get("workloads", {}) if args.workloads else {}
        for name, counts in zip(names, _measure_all(names), strict=True):
            recorded[name] = counts
            print(f"  {name:<22} {counts['calls']:>12,} calls {counts['own']:>11,} own")
        BASELINE.write_text(
            json.dumps({"environment": here, "workloads": recorded}, indent=2, sort_keys=True)
            + "\n"
        )
        print(f"baseline written to {BASELINE.name}: commit it with the reason")
        return 0
    gated = "calls" if same else "own"
    if not same:
        print(
            "environment differs from the baseline's "
            f"({_differences(baseline.get('environment', {}), here)}):"
            " gating clientflow's own calls only"
        )
    print(f"{'workload':<22} {'calls':>12} {'change':>8} {'own':>11} {'change':>8}")
    failed = []
    for name, counts in zip(names, _measure_all(names), strict=True):
        before = baseline.get("workloads", {}).get(name)
        if before is None:
            print(f"{name:<22} {counts['calls']:>12,} {'new':>8} {counts['own']:>11,} {'new':>8}")
            continue
        change = {key: counts[key] / before[key] - 1 for key in ("calls", "own")}
        print(
            f"{name:<22} {counts['calls']:>12,} {change['calls']:>+8.1%}"
            f" {counts['own']:>11,} {change['own']:>+8.1%}"
        )
        if change[gated] > THRESHOLD:
            failed.append(name)
    if failed:
        print(
            f"FAILED: {', '.join(failed)} grew more than {THRESHOLD:.0%} ({gated});"
            " find the extra work, or update the baseline in a commit that says why"
        )
        return 1
    print(f"ok: no workload grew more than {THRESHOLD:.0%} ({gated})")
    return 0


def _differences(old: dict[str, str], new: dict[str, str]) -> str:
    keys = sorted(set(old) | set(new))
    return ", ".join(
        f"{key} {old.get(key, '-')} -> {new.get(key, '-')}"
        for key in keys
        if old.get(key) != new.get(key)
    )


if __name__ == "__main__":
    sys.exit(main())
