"""The terminal's locale chooses the CLI's language; Chinese help wraps by display
width (found by review)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from clientflow.cli import cli
from clientflow.i18n.language import wrap

_TOKEN = re.compile(r"\s+|[^\s\u2e80-\uffef]+|[\u2e80-\uffef]")
_PIECES = st.sampled_from([*"ab XY-（）。，：；「」中文字库测试", "hello", "  "])


def _cells(text: str) -> int:
    # what a terminal shows: wide (CJK, fullwidth) characters take two cells
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@pytest.mark.parametrize(
    ("env", "chinese"),
    [
        ({"LANG": "zh_CN.UTF-8"}, True),
        ({"LANG": "ZH_cn"}, True),
        ({"LANG": "zh"}, True),
        ({"LANG": "C"}, False),
        ({"LANG": "POSIX"}, False),
        ({"LANG": ""}, False),
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, False),
        ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, True),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, True),
        ({"LC_MESSAGES": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, False),
    ],
)
def test_help_reads_the_terminals_language(env: dict[str, str], chinese: bool) -> None:
    full = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "", **env}
    result = CliRunner().invoke(cli, ["--help"], env=full)
    assert result.exit_code == 0, result.output
    assert bool(re.search(r"[\u4e00-\u9fff]", result.output)) is chinese


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join), st.integers(1, 30))
def test_wrap_keeps_every_character_in_order_within_the_width(text: str, width: int) -> None:
    """A line is wider than ``width`` only when one unbreakable token is (found: an
    opening mark carried along overflowed, ``wrap("a（（", 3)`` gave a 4-cell line)."""
    lines = wrap(text, width)
    assert "".join("".join(lines).split()) == "".join(text.split())
    widest = max((_cells(t) for t in _TOKEN.findall(text) if not t.isspace()), default=0)
    assert all(_cells(line) <= max(width, widest) for line in lines)


def test_wrap_an_opening_mark_pair_within_the_width() -> None:
    assert all(_cells(line) <= 3 for line in wrap("a（（", 3))
