"""Every text clientflow writes for a Chinese reader, from one run of the Chinese demo: the
demo itself, the health report (text and HTML, for a client and for the team), agendas,
the risk register (the client's copy and the team's), a weekly report, monthly agendas,
impact summaries and help pages.

The convention scan (test_zh_conventions) and the glossary scan (test_zh_glossary) read
the same texts, so a new output added here is checked by both.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pendulum
from click.testing import CliRunner

import clientflow
from clientflow.cli import cli
from clientflow.core import ManualClock
from clientflow.demo import END, RULES_FILE, demo_rules
from clientflow.i18n import language

NOW = "2026-11-30T08:00:00+08:00"
LEVELS = {
    "project manager": "项目经理",
    "account director": "客户总监",
    "client sponsor": "客户方发起人",
}
"""The demo's escalation levels and the names rules.zh_CN.toml gives them."""


def _run(args: list[str], **env: str) -> str:
    done = CliRunner().invoke(cli, args, env=env or None)
    assert done.exit_code == 0, done.output
    return done.output


def _page_text(html: str) -> str:
    """What a reader sees of a page, tooltips (``<title>``) included, one piece a line."""
    return re.sub(r"<[^>]+>", "\n", html)


def chinese_outputs(folder: Path) -> dict[str, str]:
    """Each zh_CN output of a fresh Chinese demo in ``folder``, by a name saying which."""
    url = f"sqlite:///{folder / 'demo.db'}"
    out = {"demo": _run(["demo", "--locale", "zh_CN", "--store", url])}
    report = ["report", "--store", url, "--now", NOW, "--locale", "zh_CN"]
    for audience, which in (("client", ["--client", "lotus"]), ("team", [])):
        out[f"report text ({audience})"] = _run([*report, *which, "--audience", audience])
        html = _run([*report, *which, "--audience", audience, "--format", "html"])
        out[f"report html ({audience})"] = _page_text(html)
    for owner in ("li.wei", "chen.jie", "wang.fang"):
        agenda = ["agenda", "--store", url, "--owner", owner, "--now", "2026-11-25T09:00:00+08:00"]
        out[f"agenda {owner} (30 days)"] = _run([*agenda, "--days", "30"])
    for client in ("lotus", "acme", "northwind", "sakura"):
        risks = ["risks", "--store", url, "--client", client, "--locale", "zh_CN"]
        out[f"risks {client} csv"] = _run(risks)  # the client's copy, the default
        out[f"risks {client} csv (team)"] = _run([*risks, "--audience", "team"])
    proposed = folder / "proposed.toml"
    # The proposal a Chinese team makes: its own levels' names (as rules.zh_CN.toml gives
    # them), a shorter P2 resolution target.
    text = RULES_FILE.read_text("utf-8").replace('resolution = "40h"', 'resolution = "6h"')
    for english, chinese in LEVELS.items():
        text = text.replace(f'name = "{english}"', f'name = "{chinese}"')
    proposed.write_text(text, "utf-8")
    what_if = ["what-if", "--store", url, "--rules", str(proposed), "--locale", "zh_CN"]
    what_if += ["--from", "2026-09-01", "--to", "2026-12-01", "--sweep-every", "60"]
    out["what-if text"] = _run(what_if)
    out["what-if html"] = _page_text(_run([*what_if, "--format", "html"]))
    out["help"] = _run(["--help"], LANG="zh_CN.UTF-8")
    for command in ("demo", "report", "agenda", "risks"):
        out[f"help {command}"] = _run([command, "--locale", "zh_CN", "--help"])
    zh = language("zh_CN")
    with clientflow.open(url, demo_rules("zh_CN"), clock=ManualClock(END)) as ws:
        for client in ("lotus", "acme", "northwind", "sakura"):
            plan = f"plan-{client}"
            week = pendulum.datetime(2026, 11, 23, tz="Asia/Shanghai")
            out[f"weekly report {client}"] = ws.plans.weekly_report(plan, week_start=week, lang=zh)
            for month in (10, 11):
                out[f"monthly agenda {client} {month}"] = ws.plans.monthly_agenda(
                    plan, month=dt.date(2026, month, 1), lang=zh
                )
        for change in ws.changes.list():
            out[f"impact summary {change.id}"] = ws.changes.impact_summary(
                change.id, lang=zh
            ).text()
    return out
