"""The HTML report in a real headless browser: it renders, offline, and is not blank.

Needs Debian's chromium (``.ci/run`` installs it); skipped with the reason elsewhere,
except under CI=true.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from clientflow.cli import cli
from clientflow.demo import END


def _browser() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "no chromium on PATH (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: the browser test must run)")
        pytest.skip(reason)
    return found


def _png_rows(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and raw scanlines (filter byte first) of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert depth == 8
    assert colour in (2, 6)
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        if kind == b"IDAT":
            chunks.append(data[offset + 8 : offset + 8 + length])
        offset += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = 1 + width * (3 if colour == 2 else 4)
    return width, height, [raw[i * stride : (i + 1) * stride] for i in range(height)]


def test_the_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    browser = _browser()
    store = f"sqlite:///{tmp_path / 'demo.db'}"
    assert CliRunner().invoke(cli, ["demo", "--store", store]).exit_code == 0
    page = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli, ["report", "--store", store, "--now", END.to_iso8601_string(), "--format", "html"]
    )
    page.write_text(result.stdout, encoding="utf-8")
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",  # offline: the page must need nothing else
            "--disable-component-update",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1280,1600",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    width, height, rows = _png_rows(shot.read_bytes())
    assert (width, height) == (1280, 1600)
    # a blank or error page compresses to almost nothing and has few distinct scanlines
    assert shot.stat().st_size > 40_000
    assert len(set(rows)) > 300


def test_the_chinese_report_prints_with_a_cjk_font(tmp_path: Path) -> None:
    """``--locale zh_CN``: the page says it is Chinese, and Chromium finds a font with
    Chinese glyphs for it (``.ci/run`` installs one): the printed PDF embeds it."""
    browser = _browser()
    store = f"sqlite:///{tmp_path / 'demo.db'}"
    assert CliRunner().invoke(cli, ["demo", "--store", store]).exit_code == 0
    result = CliRunner().invoke(
        cli,
        ["report", "--store", store, "--now", END.to_iso8601_string(), "--format", "html",
         "--locale", "zh_CN"],
    )  # fmt: skip
    assert '<html lang="zh-CN">' in result.stdout
    assert "<th>客户</th><th>评级</th>" in result.stdout
    page = tmp_path / "report.html"
    page.write_text(result.stdout, encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", f"--print-to-pdf={pdf}", page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    fonts = set(re.findall(rb"/FontName\s*/([A-Za-z0-9+\-_]+)", pdf.read_bytes()))
    assert any(re.search(rb"WenQuanYi|Noto\w*CJK|SourceHan|Droid\w*Fallback", f) for f in fonts), (
        fonts
    )


_MEASURE = """<script>
addEventListener("load", () => {
  const width = innerWidth;
  const wrapped = [];
  for (const el of document.querySelectorAll("th, .badge, h1, h2, .muted, .summary td")) {
    if (el.getClientRects().length === 0) continue;  // not shown (the phone hides <thead>)
    const style = getComputedStyle(el);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.45;
    if (el.getBoundingClientRect().height > line * 2.2) wrapped.push(el.textContent);
  }
  const outside = [];
  for (const el of document.querySelectorAll(".card, .card *, h1, .muted, .table, .table *")) {
    const box = el.getBoundingClientRect();
    const out = box.right > width + 1 || box.left < -1;
    if (box.width && out) outside.push(el.outerHTML.slice(0, 60));
  }
  const table = document.querySelector(".table");
  const scrolls = table.scrollWidth > table.clientWidth + 1;  // a box scrolling sideways
  const overflow = document.scrollingElement.scrollWidth > width + 1;
  const rows = [...document.querySelectorAll(".summary tbody tr")];
  const layout = getComputedStyle(rows[0]).display;
  const labels = [...rows[0].querySelectorAll("td")].map(
    (td) => getComputedStyle(td, "::before").content.replace(/^"|"$/g, ""));
  const found = {width, overflow, scrolls, wrapped, outside, layout, labels};
  parent.document.body.dataset.measure = JSON.stringify(found);
});
</script>"""


_AUDIENCES = {"client": ["--audience", "client", "--client", "lotus"], "team": []}


@pytest.mark.parametrize("audience", sorted(_AUDIENCES))
@pytest.mark.parametrize("width", [375, 640, 1280])
def test_the_chinese_report_reads_on_a_phone(tmp_path: Path, width: int, audience: str) -> None:
    """At a phone's 375 px, a WeCom browser's 640 px and a desktop's 1280 px, for a
    client's page and the team's: nothing sticks out of the page sideways and nothing
    needs a sideways scroll (on a phone the summary table is one card per client, each
    value on a "label: value" line; a desktop keeps the table), and no table header,
    label, value, badge or heading wraps (no 逾/期/沟/通, one character per line)."""
    import html  # noqa: PLC0415
    import json  # noqa: PLC0415

    browser = _browser()
    store = f"sqlite:///{tmp_path / 'demo.db'}"
    assert CliRunner().invoke(cli, ["demo", "--store", store]).exit_code == 0
    result = CliRunner().invoke(
        cli,
        ["report", "--store", store, "--now", END.to_iso8601_string(), "--format", "html",
         "--locale", "zh_CN", *_AUDIENCES[audience]],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    if audience == "client":  # the project's state, not the team's rating of the client
        # the English demo's names: Lotus Bank项目状况
        assert "<title>Lotus Bank项目状况</title>" in result.stdout
        assert "<h1>Lotus Bank项目状况</h1>" in result.stdout
        assert ">需关注</span>" in result.stdout
        assert not re.search("客户健康状况|有风险", result.stdout)
    # The test adds a measuring script; the page itself has none. Headless Chromium's
    # window is at least 500 px wide, so the page is laid out in a frame of the width.
    assert "<script" not in result.stdout
    measured = result.stdout.replace("</body>", _MEASURE + "</body>")
    page = tmp_path / "frame.html"
    page.write_text(
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe style="border:0;width:{width}px;height:900px" '
        f'srcdoc="{html.escape(measured)}"></iframe></body></html>',
        encoding="utf-8",
    )
    flags = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--hide-scrollbars",
        f"--window-size={max(width, 500)},900",
    ]  # fmt: skip
    dom = subprocess.run(
        [*flags, "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    found = re.search(r'data-measure="([^"]*)"', dom)
    assert found, dom[-500:]
    measure = json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&"))
    assert measure["width"] == width
    assert measure["wrapped"] == []
    assert measure["outside"] == []
    assert measure["overflow"] is False
    assert measure["scrolls"] is False
    if width < 700:  # a card per client: each value under its column's name
        assert measure["layout"] == "block"
        # a client's page says the project's state (状态), the team's its rating (评级)
        rating = "状态" if audience == "client" else "评级"
        assert measure["labels"][1:4] == [rating, "SLA 达成率", "升级中"]
    else:
        assert measure["layout"] == "table-row"
    shot = tmp_path / f"report-{width}.png"
    command = [*flags, f"--screenshot={shot}", page.as_uri()]
    subprocess.run(command, capture_output=True, timeout=120, check=True)
    shot_width, _, rows = _png_rows(shot.read_bytes())
    assert shot_width == max(width, 500)
    assert len(set(rows)) > 100  # drawn, not blank
