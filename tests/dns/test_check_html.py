"""The HTML check report: self-contained, and rendered by a real headless Chromium."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
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


@pytest.mark.realstack
def test_chromium_renders_the_report(tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("chromium is missing — run ./scripts/test (as root) first: it installs it")
    page = tmp_path / "check.html"
    page.write_text(check_html.render(sample_report()), encoding="utf-8")
    shot = tmp_path / "check.png"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,1600",
         page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    assert png_size(shot) == (1200, 1600)
    assert shot.stat().st_size > 20_000  # a blank page compresses to a few hundred bytes
    keep = Path(__file__).parent.parent.parent / ".pytest-artifacts"
    if keep.is_dir():  # let a person look at it: mkdir .pytest-artifacts to keep screenshots
        shutil.copy(shot, keep / "check-report.png")
