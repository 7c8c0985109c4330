"""The clientflow command: the demo runs and errors are one clean line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from clientflow.changes import kind
from clientflow.cli import cli
from clientflow.core import Codec
from clientflow.storage import SQLiteStore


def test_demo_shows_deadlines_over_holidays_and_dst() -> None:
    """The demo prints real deadlines: Golden Week skipped, make-up Sunday worked, DST kept."""
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert "due   Thu 2026-10-08 17:00 CST" in result.output
    assert "due   Sun 2026-01-04 14:00 CST" in result.output
    assert "due   Mon 2026-03-09 13:00 EDT" in result.output
    assert "no work on the 01, 02, 03, 04, 05, 06, 07, 11" in result.output


def test_demo_runs_change_requests_on_a_sqlite_store(tmp_path: Path) -> None:
    """The demo stores its change requests in SQLite and sweeps the approval deadline once."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = CliRunner().invoke(cli, ["demo", "--store", url])
    assert result.exit_code == 0, result.output
    assert "CR-1 Fix a typo on the login page: approved (route standard)" in result.output
    assert "CR-2 decision due Thu 2026-10-08 16:10 CST" in result.output
    assert result.output.count("change.approval_escalated") == 1
    assert "creep past 5 %: yes" in result.output
    store = SQLiteStore(tmp_path / "demo.db", Codec([kind(lambda change: None)]))  # type: ignore[arg-type,return-value]
    assert len(store.feed(limit=100)) == 13
    assert store.integrity_check() == "ok"


def test_console_script_help_and_unknown_command() -> None:
    """--help exits 0; an unknown command exits 2 with a usage message and no traceback."""
    ok = subprocess.run(
        [sys.executable, "-m", "clientflow", "--help"], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0
    assert "demo" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "clientflow", "nope"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2
    assert "No such command" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_diagram_is_generated_from_the_declaration() -> None:
    """`clientflow diagram changes` prints every declared transition, in mermaid or dot."""
    mermaid = CliRunner().invoke(cli, ["diagram", "changes"])
    assert mermaid.exit_code == 0
    assert "awaiting_approval --> approved : approve" in mermaid.output
    dot = CliRunner().invoke(cli, ["diagram", "changes", "--format", "dot"])
    assert dot.output.startswith("digraph ChangeRequestMachine {")
    assert '"assessed" -> "approved" [label="auto_approve"];' in dot.output
    unknown = CliRunner().invoke(cli, ["diagram", "billing"])
    assert unknown.exit_code == 2
