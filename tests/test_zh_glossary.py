"""The Chinese texts keep to the glossary in docs/zh/glossary.md: one term per concept,
none of the words it rules out (issue 24)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.zh_outputs import chinese_outputs

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "zh" / "glossary.md"
CATALOGUE = ROOT / "src" / "clientflow" / "i18n" / "locale" / "zh_CN" / "LC_MESSAGES"


def _rows() -> list[tuple[str, list[str], list[str]]]:
    text = GLOSSARY.read_text(encoding="utf-8")
    table = text[text.index("| English |") : text.index("## 写给谁")]
    rows = []
    for line in table.strip().splitlines()[2:]:
        english, use, avoid, _ = (cell.strip() for cell in line.strip("|").split("|"))
        rows.append((english, _words(use), _words(avoid)))
    return rows


def _words(cell: str) -> list[str]:
    return [w.replace("……", "").strip() for w in re.split(r"[、/]", cell) if w.strip()]


def _chinese_texts() -> str:
    with (CATALOGUE / "clientflow.po").open("rb") as file:
        catalog = read_po(file, locale="zh_CN")
    strings = [
        text
        for message in catalog
        if message.id
        for text in ([message.string] if isinstance(message.string, str) else message.string)
    ]
    templates = (ROOT / "src" / "clientflow" / "templates").glob("*.j2")
    return "\n".join([*strings, *(path.read_text(encoding="utf-8") for path in templates)])


def test_no_chinese_text_uses_a_word_the_glossary_rules_out() -> None:
    """违约 is a breach of contract, 首响 is jargon: the catalogue uses the glossary's."""
    texts = _chinese_texts()
    found = {word for _, _, avoid in _rows() for word in avoid if word in texts}
    assert found == set()


def test_every_glossary_term_is_one_the_texts_use() -> None:
    """The glossary lists terms in use, not wishes: each shows up in the Chinese texts."""
    texts = _chinese_texts()
    missing = {
        english
        for english, use, _ in _rows()
        if not any(word in texts for word in use if re.search(r"[\u4e00-\u9fff]", word))
    }
    assert missing == set()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return chinese_outputs(tmp_path_factory.mktemp("zh-glossary"))


def test_no_chinese_output_uses_a_word_the_glossary_rules_out(outputs: dict[str, str]) -> None:
    """What clientflow writes, not only its catalogue: the demo's data and labels, reports,
    agendas, registers, weekly and monthly texts, summaries and help pages ("4 小时修复"
    was in the demo while the glossary ruled 修复 out)."""
    rejected = {word for _, _, avoid in _rows() for word in avoid}
    found = {(name, word) for name, text in outputs.items() for word in rejected if word in text}
    assert found == set()
    assert "解决时限 4 小时" in outputs["demo"]
