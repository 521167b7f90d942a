"""Welcome sheets: written by `apply` beside the credentials file, owner-only, one per new person,
bilingual, without the password, and printed by headless Chromium on exactly one A4 page."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from mailplan.dns.clients import client_settings_for
from mailplan.render.welcome_html import Sheet, render

from .conftest import Run


def pdf_pages(tmp_path: Path, page: Path) -> int:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        raise RuntimeError("chromium is missing — run ./scripts/test (as root) first: it installs it")
    pdf = tmp_path / (page.stem + ".pdf")
    subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--user-data-dir={tmp_path / 'chromium-profile'}", f"--print-to-pdf={pdf}", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def test_apply_writes_an_owner_only_sheet_per_new_person(applied: Path, mailplan: Run, tmp_path: Path) -> None:
    folder = applied / ".mailplan" / "welcome"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    sheets = {p.name: p for p in folder.iterdir()}
    assert "zhangsan@huamao-trade.com.html" in sheets and "john.smith@huamao-trade.com.html" in sheets
    assert "lina2@huamao-trade.com.html" not in sheets  # left before her mailbox was made: no welcome
    assert "info@huamao-trade.com.html" not in sheets  # functional mailboxes are nobody's first day
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in sheets.values())
    page = sheets["zhangsan@huamao-trade.com.html"].read_text(encoding="utf-8")
    for text in ("欢迎加入 华贸进出口有限公司", "Welcome to", "zhangsan@huamao-trade.com", "销售部",
                 "mx.huamao-trade.com", "<td>993</td>", "<td>465</td>", "SSL/TLS", "第一次登录", "First sign-in"):
        assert text in page
    passwords = [line.split("\t")[1] for line in (applied / ".mailplan" / "credentials.txt").read_text(
        encoding="utf-8").splitlines()]
    for sheet in sheets.values():
        assert not any(pw in sheet.read_text(encoding="utf-8") for pw in passwords), sheet.name
    assert pdf_pages(tmp_path, sheets["zhangsan@huamao-trade.com.html"]) == 1
    again = mailplan("apply", "--auto-approve")
    assert "welcome sheets" not in again.stdout  # nothing was created: no sheet rewritten


def test_a_person_joining_later_gets_a_sheet_then(applied: Path, mailplan: Run) -> None:
    joined = mailplan("onboard", "周杰", "--department", "sales", "--no-plan")
    assert joined.returncode == 0, joined.stderr
    result = mailplan("apply", "--auto-approve")
    assert "welcome sheet of 1 new person" in result.stdout
    assert (applied / ".mailplan" / "welcome" / "zhoujie@huamao-trade.com.html").exists()


@pytest.mark.parametrize("kind", ["google-workspace", "tencent-exmail", "microsoft-365"])
def test_a_hosted_providers_sheet_with_2fa_still_fits_one_page(tmp_path: Path, kind: str) -> None:
    clients = client_settings_for(kind, {}, "example.com")
    assert clients is not None
    sheet = Sheet("华贸进出口有限公司 Huamao Import & Export Trading Co., Ltd.", "欧阳娜娜",
                  "ouyangnana@例子.中国", "ouyangnana@xn--fsqu00a.xn--fiqs8s", "欧洲业务组 European business",
                  clients, require_2fa=True, autoconfig=False)
    page = tmp_path / f"{kind}.html"
    page.write_text(render(sheet), encoding="utf-8")
    text = page.read_text(encoding="utf-8")
    assert "两步验证" in text and "Two-step verification is required" in text
    assert clients.webmail in text and clients.pop3 is not None and str(clients.pop3.port) in text
    assert pdf_pages(tmp_path, page) == 1
