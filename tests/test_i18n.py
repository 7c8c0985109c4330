"""Message catalogues: every message has a translation in every shipped locale, the
compiled catalogues match their sources, the template matches the code, and the demo
speaks Chinese (issue 14, foundations)."""

from __future__ import annotations

import ast
import io
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import clientflow
from clientflow.cli import cli
from clientflow.demo import demo_rules
from clientflow.escalation import IssueEscalated
from clientflow.i18n import LOCALES, language

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "src" / "clientflow" / "i18n"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _template() -> set[str]:
    with (I18N / "clientflow.pot").open("rb") as file:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(file) if m.id}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_template_holds_every_message_the_code_marks() -> None:
    """A new _("...") in the code or a template without a catalogue entry fails here:
    run pybabel extract/update (babel.cfg maps both)."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT),
            method_map,
            options_map,
            keywords=KEYWORDS,  # type: ignore[arg-type]
        )
    }
    assert any(path.suffix == ".j2" for path in (ROOT / "src" / "clientflow").rglob("*.j2"))
    assert found == _template()


def _marked_anywhere() -> set[str]:
    """Every literal passed to a gettext function, read from the syntax tree, which
    (unlike the extractor) also sees calls inside f-strings."""
    found = set()
    for path in (ROOT / "src" / "clientflow").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if (
                name in KEYWORDS
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                found.add(first.value)
    return found


def test_no_marked_message_hides_where_the_extractor_cannot_see_it() -> None:
    """A _("...") inside an f-string is never extracted, so it would never be translated:
    every literal the code marks, wherever it is, must be in the template."""
    assert _marked_anywhere() - _template() == set()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_with_the_same_placeholders(locale: str) -> None:
    path = I18N / "locale" / locale / "LC_MESSAGES" / "clientflow.po"
    with path.open("rb") as file:
        catalog = read_po(file, locale=locale)
    ids = set()
    for message in catalog:
        if not message.id:
            continue
        singular = message.id if isinstance(message.id, str) else message.id[0]
        ids.add(singular)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(strings), f"{locale}: no translation for {singular!r}"
        for text in strings:
            assert _fields(text) == _fields(singular), f"{locale}: placeholders of {singular!r}"
    assert ids == _template()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_shipped_catalogues_are_compiled_from_their_sources(locale: str) -> None:
    folder = I18N / "locale" / locale / "LC_MESSAGES"
    with (folder / "clientflow.po").open("rb") as file:
        catalog = read_po(file, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert compiled.getvalue() == (folder / "clientflow.mo").read_bytes(), "pybabel compile"


def test_the_demo_speaks_chinese(tmp_path: Path) -> None:
    done = CliRunner().invoke(
        cli, ["demo", "--locale", "zh_CN", "--store", f"sqlite:///{tmp_path / 'zh.db'}"]
    )
    assert done.exit_code == 0, done.output
    out = done.output
    assert "1. 截止时间：按各地团队的真实工作日历计算" in out
    assert "截止 2026年10月8日（周四）17:00（北京时间），实际经过 1 周 1 天" in out
    assert "调休工作日：10月10日（周六）" in out
    assert "定时检查触发了：" in out
    assert "本期内 14 次超出解决时限" in out  # the catalogue's plural form
    assert not re.search(r"Deadlines in business time|What the sweeps fired|wall clock", out)
    # the demo's section 3 is titled once; the report under it says the instant (and, as
    # a client may read it, the projects' state, not the team's rating of the clients)
    assert out.count("客户健康状况") == 0
    assert out.count("的项目状况") == 1
    assert "各客户升级次数（每达到一级计一次）：Northwind Logistics 97 次、" in out


def test_the_escalation_levels_a_rules_file_names_are_the_names_people_read(
    tmp_path: Path,
) -> None:
    """The Chinese demo's rules name its levels 项目经理, 客户总监, 客户方发起人: the
    escalations recorded, and a what-if over them, read those names, not the English."""
    url = f"sqlite:///{tmp_path / 'zh.db'}"
    assert CliRunner().invoke(cli, ["demo", "--locale", "zh_CN", "--store", url]).exit_code == 0
    rules = demo_rules("zh_CN")
    assert [level.name for level in rules.escalation["standard"].levels] == [
        "项目经理", "客户总监", "客户方发起人",
    ]  # fmt: skip
    assert [level.notify for level in rules.escalation["standard"].levels] == [
        level.notify for level in demo_rules("en").escalation["standard"].levels
    ]  # only the names change
    with clientflow.open(url, rules) as ws:
        names = {
            event.level_name
            for issue in ws.issues.list()
            for event in ws.history(issue.id)
            if isinstance(event, IssueEscalated)
        }
    assert names == {"项目经理", "客户总监", "客户方发起人"}


def _messages() -> list[tuple[str, str | None]]:
    with (I18N / "clientflow.pot").open("rb") as file:
        return sorted(
            (m.id, None) if isinstance(m.id, str) else (m.id[0], m.id[1])
            for m in read_po(file)
            if m.id
        )


_PLAIN = string.ascii_letters + string.digits + " .-_中文"
# Terms Chinese readers use as they are: left untranslated on purpose.
_SAME_IN_CHINESE = {"CSAT", "NPS", "CSAT %", "SLA"}


def _value(spec: str) -> st.SearchStrategy[object]:
    if spec.endswith(("f", "g", "d", "%")):
        return st.floats(-1e6, 1e6, allow_nan=False) if not spec.endswith("d") else st.integers()
    return st.text(_PLAIN, max_size=20)


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_every_message_renders_in_every_locale_with_any_values(data: st.DataObject) -> None:
    """Any message, any locale, any values of the right kind: every placeholder is
    filled, and Chinese never falls back to the English text."""
    singular, plural = data.draw(st.sampled_from(_messages()), "message")
    lang = language(data.draw(st.sampled_from(LOCALES), "locale"))
    n = data.draw(st.integers(0, 1000), "n")
    fields = {
        name: spec for _, name, spec, _ in string.Formatter().parse(singular) if name is not None
    }
    values = {name: data.draw(_value(spec or ""), name) for name, spec in fields.items()}
    if "n" in fields and plural is not None:
        values["n"] = n
    template = lang.gettext(singular) if plural is None else lang.ngettext(singular, plural, n)
    rendered = template.format(**values)
    assert not re.search(r"\{[a-z_]+(:[^}]*)?\}", rendered), rendered
    if (
        lang.locale == "zh_CN"
        and singular not in _SAME_IN_CHINESE
        and re.search("[a-z]{3}", singular)
    ):
        assert template not in (singular, plural), f"English left in zh_CN: {singular!r}"
