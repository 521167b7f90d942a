"""The HTML check report: self-contained, and rendered by a real headless Chromium."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from check_zones import good_body, txt, zone

from mailplan.dns.check.context import Target
from mailplan.dns.check.dnsview import ZoneDns
from mailplan.dns.check.model import Report
from mailplan.dns.check.runner import run
from mailplan.render import check_html, check_markdown, check_text

IDN = "xn--fiqs8s.test"  # 中国.test


def sample_report() -> Report:
    zones = {
        "example.test": zone(good_body(), "example.test"),
        IDN: zone(good_body("v=spf1 mx +all").replace("p=reject", "p=none"), IDN),
        "parked.test": zone("www IN A 192.0.2.80\n" + txt("@", "v=spf1 ~all"), "parked.test"),
    }
    targets = [Target("example.test", dkim_selectors=("mail",)), Target(IDN, dkim_selectors=("mail",)),
               Target("parked.test", sends_mail=False, receives_mail=False)]
    return run(targets, ZoneDns(zones))


def test_html_is_self_contained_and_shows_each_rule() -> None:
    page = check_html.render(sample_report())
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched
    assert "<script" not in page
    assert page.count("<section") == 3
    assert "中国.test" in page and "SPF07" in page and "✗" in page and "✓" in page


def test_text_and_markdown_show_expected_and_found() -> None:
    report = sample_report()
    text = check_text.render(report)
    assert "✗ SPF07" in text and "expected: -all or ~all" in text and "found:    +all" in text
    assert "中国.test" in text
    markdown = check_markdown.render(report)
    assert "| ✗ | SPF07 |" in markdown


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


class Rendered(HTMLParser):
    """What a reader finds in the DOM the browser built: the sections, and each table row's cells."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []  # their ids
        self.rows: list[list[str]] = []  # the text of each cell, per row
        self.summaries: list[str] = []  # the <summary> lines (folded passes)
        self._cell: list[str] | None = None
        self._summary: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.sections.append(dict(attrs).get("id") or "")
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "summary":
            self._summary = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "summary" and self._summary is not None:
            self.summaries.append("".join(self._summary).strip())
            self._summary = None

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._summary):
            if part is not None:
                part.append(data)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        raise RuntimeError("chromium is missing — run scripts/install-test-deps (as root) first")
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", *args],
        check=True, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.realstack
def test_chromium_renders_the_report(tmp_path: Path) -> None:
    page = tmp_path / "check.html"
    page.write_text(check_html.render(sample_report()), encoding="utf-8")
    shot = tmp_path / "check.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri())
    assert png_size(shot) == (1200, 1600)
    assert shot.stat().st_size > 20_000  # a blank page compresses to a few hundred bytes
    keep = Path(__file__).parent.parent.parent / ".pytest-artifacts"
    if keep.is_dir():  # let a person look at it: mkdir .pytest-artifacts to keep screenshots
        shutil.copy(shot, keep / "check-report.png")

    # What the browser built from the page, not the text mailplan wrote: its DOM after parsing.
    dom = Rendered()
    dom.feed(chromium(tmp_path, "--dump-dom", page.as_uri()).stdout)
    assert dom.sections == ["example.test", IDN, "parked.test"]  # one section per domain
    spf07 = [row for row in dom.rows if len(row) == 5 and row[:2] == ["✗", "SPF07"]]
    assert len(spf07) == 1, dom.rows
    _, _, what, expected, found = spf07[0]
    assert "no '+all'" in what and "error" in what
    assert (expected, found) == ("-all or ~all", "+all")
    passed = [s for s in dom.summaries if s.startswith("✓") and s.endswith("checks passed")]
    assert len(passed) == 3 and all(int(s.split()[1]) > 0 for s in passed), dom.summaries
