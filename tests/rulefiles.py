"""The demo's rules file with a test's own workflows appended, as a host would write it."""

from __future__ import annotations

from pathlib import Path

from clientflow.demo import RULES_FILE


def demo_rules_with(folder: Path, extra: str = "", name: str = "rules.toml") -> Path:
    """``folder/name`` holding the demo rules followed by ``extra`` (TOML tables)."""
    path = folder / name
    path.write_text(RULES_FILE.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path
