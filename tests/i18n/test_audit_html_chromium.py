"""The Chinese audit report as a reader sees it: laid out by headless Chromium, every Chinese glyph drawn by
a CJK font (no tofu boxes), the text read back from the browser free of English."""

from __future__ import annotations

import re
import shutil
import struct
from pathlib import Path

import pytest

from .browser import Browser
from .conftest import History
from .leftover import english_left

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


@pytest.mark.realstack
def test_chromium_draws_the_chinese_audit_report_with_a_cjk_font(history: History, tmp_path: Path) -> None:
    shown = history.run("audit", "log", str(history.config), "--person", "zhangwei", "--format", "html",
                        lang="zh-CN")  # fmt: skip
    assert shown.exit_code == 0, shown.stderr
    page = tmp_path / "audit.html"
    page.write_text(shown.stdout, encoding="utf-8")
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(page)
        assert browser.evaluate("document.documentElement.lang") == "zh-CN"
        # the text the browser laid out, not the text mailplan wrote
        text = browser.evaluate("document.body.innerText")
        assert "mailplan 审计日志 — 张伟" in text and "冻结邮箱 zhangwei@huamao-trade.com" in text
        assert english_left(text, keep=history.data()) == [], text

        drawn = [(own, fonts) for own, fonts in browser.fonts("h1, p, th, td, li, small") if CJK.search(own)]
        assert len(drawn) > 20, drawn  # the title, the summary, the headings, every entry's cells
        for own, fonts in drawn:
            by_cjk_font = sum(f["glyphCount"] for f in fonts if "CJK" in f["familyName"])
            assert by_cjk_font >= len(CJK.findall(own)), (own, fonts)  # else boxes: no font had the glyph

        shot = tmp_path / "audit.png"
        browser.screenshot(shot)
    finally:
        browser.close()
    assert _png_size(shot) == (1200, 1600)
    assert shot.stat().st_size > 20_000  # a blank page compresses to a few hundred bytes
    keep = Path(__file__).parents[2] / ".pytest-artifacts"
    if keep.is_dir():  # mkdir .pytest-artifacts to look at it
        shutil.copy(shot, keep / "audit-report-zh.png")
