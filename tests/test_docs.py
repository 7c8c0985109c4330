"""Every example in docs/ runs and prints what the page says it prints."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from clientflow.cli import DIAGRAMS

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
BLOCK = re.compile(r"^```pycon\n(.*?)^```", re.DOTALL | re.MULTILINE)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_docs_have_examples() -> None:
    """The docs folder exists and holds runnable examples."""
    assert PAGES
    assert any(BLOCK.search(page.read_text(encoding="utf-8")) for page in PAGES)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(DOCS)))
def test_page_examples_run(page: Path) -> None:
    """The page's ```pycon blocks, run in order in one namespace, give the output shown."""
    text = "\n".join(BLOCK.findall(page.read_text(encoding="utf-8")))
    test = doctest.DocTestParser().get_doctest(text, {}, page.name, str(page), 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) failed in {page.name}; see output above"


PAGE_OF = {
    "cadence": "cadence.md",
    "changes": "changes.md",
    "escalation": "escalation.md",
    "feedback": "feedback.md",
    "risks": "risks.md",
    "surveys": "feedback.md",
}


@pytest.mark.parametrize("workflow", sorted(DIAGRAMS))
def test_state_diagrams_in_the_docs_are_the_generated_ones(workflow: str) -> None:
    """Each workflow's page shows exactly the diagram its machine declaration generates."""
    page = (DOCS / PAGE_OF[workflow]).read_text(encoding="utf-8")
    blocks = re.findall(r"^```mermaid\n(.*?)^```", page, re.DOTALL | re.MULTILINE)
    assert DIAGRAMS[workflow].mermaid() in blocks, "regenerate: clientflow diagram " + workflow


@pytest.mark.parametrize("workflow", sorted(DIAGRAMS))
def test_the_diagrams_page_shows_every_generated_diagram(workflow: str) -> None:
    """docs/diagrams.md gathers all diagrams; each is the one its declaration generates."""
    page = (DOCS / "diagrams.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```mermaid\n(.*?)^```", page, re.DOTALL | re.MULTILINE)
    assert DIAGRAMS[workflow].mermaid() in blocks, "regenerate docs/diagrams.md"
