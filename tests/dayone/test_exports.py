"""`mailplan export crm` and `mailplan export contacts`, run as a user runs them, their files read back
by independent parsers (csv, json, the vobject vCard parser) the way an importing system reads them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import vobject

from .conftest import Run


def test_crm_export_has_one_row_per_active_person_and_no_password(company: Path, mailplan: Run) -> None:
    result = mailplan("export", "crm", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    by_address = {r["address"]: r for r in rows}
    assert "lina2@huamao-trade.com" not in by_address  # left on 2026-09-30
    assert "zhangsan@huamao-trade.com" in by_address
    zs = by_address["zhangsan@huamao-trade.com"]
    assert zs == {
        "address": "zhangsan@huamao-trade.com", "display_name": "张三", "first_name": "三", "last_name": "张",
        "department": "销售部", "login": "zhangsan@huamao-trade.com",
        "imap_host": "mx.huamao-trade.com", "imap_port": "993", "imap_security": "SSL/TLS",
        "smtp_host": "mx.huamao-trade.com", "smtp_port": "465", "smtp_security": "SSL/TLS",
        "pop_host": "", "pop_port": "", "pop_security": "",
        "takes_over": "lina2@huamao-trade.com",  # the frozen mailbox whose successor zhangsan is
    }
    secrets = (company / ".mailplan" / "credentials.txt")
    assert not secrets.exists() or not any(line.split("\t")[1] in result.stdout
                                           for line in secrets.read_text().splitlines())
    assert "password" not in result.stdout.lower()


@pytest.mark.parametrize(
    ("target", "columns"),
    [("hubspot", ("Email", "First Name", "Last Name")), ("zoho-crm", ("email", "first_name", "last_name")),
     ("generic", ("address", "first_name", "last_name"))],
)
def test_crm_csv_names_the_columns_as_each_target_imports_them(mailplan: Run, target: str,
                                                               columns: tuple[str, ...]) -> None:
    result = mailplan("export", "crm", "--for", target)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert set(columns) <= set(rows[0]) and {"imap_host", "smtp_port", "login"} <= set(rows[0])
    john = next(r for r in rows if r[columns[0]] == "john.smith@huamao-trade.com")
    assert (john[columns[1]], john[columns[2]]) == ("John", "Smith")


def test_crm_export_follows_a_hosted_providers_documented_servers(company: Path, mailplan: Run) -> None:
    config = company / "mailplan.yaml"
    local = "    type: local\n    database: .mailplan/mail.sqlite\n    mx_host: mx.huamao-trade.com\n"
    exmail = "    type: tencent-exmail\n    corp_id: wm123\n    corp_secret: env:EXMAIL_SECRET\n"
    config.write_text(config.read_text(encoding="utf-8").replace(local, exmail), encoding="utf-8")
    result = mailplan("export", "crm", "-f", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {(r["imap_host"], r["imap_port"], r["smtp_host"], r["smtp_port"], r["pop_host"]) for r in rows} == {
        ("imap.exmail.qq.com", "993", "smtp.exmail.qq.com", "465", "pop.exmail.qq.com")}


def test_vcard_export_is_valid_vcard_4_with_one_card_per_customer_address(mailplan: Run, tmp_path: Path) -> None:
    out = tmp_path / "customers.vcf"
    result = mailplan("export", "contacts", "--format", "vcard", "--out", str(out))
    assert result.returncode == 0, result.stderr
    raw = out.read_bytes()
    assert b"\r\n" in raw and all(len(line) <= 75 for line in raw.split(b"\r\n"))  # RFC 6350 §3.2 folding
    parsed = list(vobject.readComponents(raw.decode("utf-8")))
    assert len(parsed) == 10  # 3 + 4 + 3 addresses in the example company
    assert all(card.version.value == "4.0" and card.uid.value.startswith("urn:uuid:") for card in parsed)
    keller = {card.email.value: card for card in parsed}
    finance = keller["buchhaltung@keller-handel.example"]
    assert finance.org.value == ["Keller Handel GmbH"]
    assert finance.fn.value == "Keller Handel GmbH · 财务 finance"
    assert "john.smith@huamao-trade.com" in finance.note.value
    assert keller["m.keller@keller-handel.example"].fn.value == "Martin Keller"
    assert keller["caigou@donghai-home.example"].fn.value == "李明"
    assert len({card.uid.value for card in parsed}) == 10


def test_a_new_owner_is_on_the_cards_after_a_departure(company: Path, mailplan: Run) -> None:
    config = company / "mailplan.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  - {name: John Smith, department: sales-eu, tier: staff}",
        "  - {name: John Smith, department: sales-eu, tier: staff, left_on: 2026-10-01, successor: anna.muller}"),
        encoding="utf-8")
    parsed = list(vobject.readComponents(mailplan("export", "contacts").stdout))
    finance = next(c for c in parsed if c.email.value == "buchhaltung@keller-handel.example")
    assert "anna.muller@huamao-trade.com" in finance.note.value and "john.smith" not in finance.note.value


def test_outlook_csv_has_outlooks_columns_and_survives_chinese(mailplan: Run, tmp_path: Path) -> None:
    out = tmp_path / "customers.csv"
    assert mailplan("export", "contacts", "--format", "outlook-csv", "--out", str(out)).returncode == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Outlook and Excel read it as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0])[:6] == ["First Name", "Last Name", "Company", "Job Title", "E-mail Address",
                                 "E-mail Display Name"]
    donghai = [r for r in rows if r["Company"] == "东海家居用品有限公司"]
    assert {r["E-mail Address"] for r in donghai} == {"info@donghai-home.example", "caigou@donghai-home.example",
                                                       "caiwu@donghai-home.example"}
    assert next(r for r in donghai if r["First Name"] == "李明")["Job Title"] == "业务 business"
