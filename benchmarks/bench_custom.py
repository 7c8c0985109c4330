"""A custom workflow's commands beside a built-in one's, through the same workspace.

Target (issue 27): a custom workflow's command within 20 % of a built-in one's. Three
workflows in one memory store, measured in the same run, interleaved:

- built-in: a change request (``ws.changes.request``, then ``ws.changes.submit``), and an
  issue (``ws.issues.report``, which starts SLA clocks and sets a timer as a renewal's
  opening does, then ``ws.issues.acknowledge``);
- Python: the contract renewal of ``clientflow.demo.renewals`` (``open``, then
  ``request_approval`` with the terms), run through ``ws.workflow("renewal").run``;
- rules file: an expense claim declared under ``[workflows.expense]`` (``open``, then
  ``submit`` with an amount and a reason), run the same way.

Each side opens its own items (creation), then moves each one step (a transition with a
permission rule and an event). Ratios are custom / built-in of the best of 3 medians,
against the change request and against the issue.
Run: python benchmarks/bench_custom.py [--items 2000]
"""

from __future__ import annotations

import argparse
import pathlib
import tempfile
from collections.abc import Callable

import pendulum

import clientflow
from clientflow.demo import RULES_FILE
from clientflow.demo.renewals import RENEWALS
from timing import median_us  # run from benchmarks/, as the others are

START = pendulum.datetime(2026, 3, 2, 2)
ANNA = clientflow.Actor("anna", {"client"})
LI = clientflow.Actor("li.wei", {"pm"})
ZHANG = clientflow.Actor("zhang", {"engineer"})
CHEN = clientflow.Actor("chen.jie", {"engineer"})
DAY = pendulum.date(2026, 10, 12)

EXPENSE = """
[workflows.expense]
noun = "expense claim"
states = ["draft", "dept_review", "finance_review", "archived", "rejected"]
final = ["archived", "rejected"]

[[workflows.expense.transitions]]
name = "submit"
from = "draft"
to = "dept_review"
who = "party:owner"
fields = { amount = "money", reason = "text" }

[[workflows.expense.transitions]]
name = "dept_approve"
from = "dept_review"
to = "finance_review"
who = "role:pm"

[[workflows.expense.transitions]]
name = "finance_approve"
from = "finance_review"
to = "archived"
who = "role:finance"

[[workflows.expense.transitions]]
name = "reject"
from = ["dept_review", "finance_review"]
to = "rejected"
who = ["role:pm", "role:finance"]

[workflows.expense.timers.finance_review]
after = "3wd"
fire = "reject"
"""

Step = Callable[[int], object]


def sides(ws: clientflow.Workspace, round_: int) -> dict[str, tuple[Step, Step]]:
    """(open item i, move item i one step) per workflow; ids unique per round."""
    renewals, claims = ws.workflow("renewal"), ws.workflow("expense")
    r = round_
    return {
        "built-in change request": (
            lambda i: ws.changes.request(f"CR-{r}-{i}", by=ANNA, project="lotus-app", title="SSO"),
            lambda i: ws.changes.submit(f"CR-{r}-{i}", by=ANNA),
        ),
        "built-in issue (SLA timer)": (
            lambda i: ws.issues.report(
                f"ISS-{r}-{i}",
                by=ANNA,
                client="lotus",
                project="lotus-app",
                title="Slow",
                priority="P3",
                owner="chen.jie",
            ),
            lambda i: ws.issues.acknowledge(f"ISS-{r}-{i}", by=CHEN),
        ),
        "Python renewal": (
            lambda i: renewals.run(
                f"REN-{r}-{i}",
                "open",
                by=LI,
                client="lotus",
                project="lotus-app",
                owner="li.wei",
                renewal_date=DAY,
            ),
            lambda i: renewals.run(f"REN-{r}-{i}", "request_approval", by=LI, terms="2 years"),
        ),
        "rules-file expense": (
            lambda i: claims.run(f"EXP-{r}-{i}", "open", by=ZHANG, client="lotus", owner="zhang"),
            lambda i: claims.run(
                f"EXP-{r}-{i}", "submit", by=ZHANG, amount="1200.50", reason="taxi"
            ),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2000)
    n = parser.parse_args().items
    rules = pathlib.Path(tempfile.mkdtemp()) / "rules.toml"
    rules.write_text(RULES_FILE.read_text(encoding="utf-8") + EXPENSE, encoding="utf-8")
    ws = clientflow.open(
        "memory://", rules, clock=clientflow.ManualClock(START), workflows=[RENEWALS]
    )
    best: dict[str, list[float]] = {}
    for round_ in range(3):  # interleaved rounds: every side sees the same machine load
        for name, (open_, step) in sides(ws, round_).items():
            times = [median_us(open_, n), median_us(step, n)]
            best[name] = [min(a, b) for a, b in zip(best.get(name, times), times, strict=True)]
    change, issue = best["built-in change request"], best["built-in issue (SLA timer)"]
    print(f"through the workspace, memory store ({n:,} items per side, best of 3 medians)")
    print(f"  {'':<26} {'':>8} {'ratio to':>16} {'':>8} {'ratio to':>16}")
    print(
        f"  {'workflow':<26} {'open':>8} {'change':>7} {'issue':>8}"
        f" {'step':>8} {'change':>7} {'issue':>8}"
    )
    for name, (opened, stepped) in best.items():
        print(
            f"  {name:<26} {opened:6.1f}us {opened / change[0]:6.2f}x {opened / issue[0]:7.2f}x"
            f" {stepped:6.1f}us {stepped / change[1]:6.2f}x {stepped / issue[1]:7.2f}x"
        )
    print("target: a custom workflow's command <= 1.20x the built-in one's")
    ws.close()


if __name__ == "__main__":
    main()
