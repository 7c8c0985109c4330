"""The reference parts of the docs are what the code declares, and the Chinese quick
start works as written, command by command."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import reference  # noqa: E402 - tools/ is not a package

from clientflow.cli import cli  # noqa: E402


@pytest.mark.parametrize("page", sorted(reference.PARTS))
def test_generated_reference_matches_the_code(page: str) -> None:
    """docs/cli.md lists every command and option click declares, and docs/rules.md
    every key of the rules schema: a new option or key without a docs run fails here."""
    text = (reference.DOCS / page).read_text(encoding="utf-8")
    assert text == reference.rendered(page), f"regenerate: python tools/reference.py ({page})"


def test_every_command_is_in_the_overview_table() -> None:
    """The overview table at the top of docs/cli.md names every command there is."""
    text = (reference.DOCS / "cli.md").read_text(encoding="utf-8")
    overview = text[: text.index("## Reference")]
    for name, _ in reference._commands(cli, "clientflow"):
        assert f"| `{name}` |" in overview, f"{name} is missing from the overview table"


def _console_commands(page: Path) -> list[str]:
    blocks = re.findall(r"^```console\n(.*?)^```", page.read_text("utf-8"), re.DOTALL | re.M)
    return [line[2:].strip() for block in blocks for line in block.splitlines() if line[:2] == "$ "]


def _install_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.findall(r"^```console\n(.*?)^```", readme, re.DOTALL | re.M)[0]
    return block.splitlines()[0].split("&&")[0].strip()


def test_the_chinese_quick_start_runs_command_by_command(tmp_path: Path) -> None:
    """docs/zh/index.md's commands, run in order in an empty folder, succeed: the
    install is the README's (which CI runs from a fresh venv), the demo leaves its
    store where the next command reads it, and the report is a Chinese HTML page."""
    commands = _console_commands(ROOT / "docs" / "zh" / "index.md")
    install, *rest = commands
    assert install == _install_command(), "the install step must be the README's"
    assert rest, "the quick start runs something after installing"
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    for command in rest:
        words = shlex.split(command)
        assert words[0] == "clientflow", command
        target = None
        if ">" in words:  # a redirect to a file, as a shell would do it
            target = tmp_path / words[words.index(">") + 1]
            words = words[: words.index(">")]
        done = subprocess.run(
            [sys.executable, "-m", "clientflow", *words[1:]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{command}\n{done.stderr}"
        if target is not None:
            target.write_text(done.stdout, encoding="utf-8")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'lang="zh' in page
    assert "明珠" in page or "客户" in page
