"""`contacts:`: validated like the rest of the file, applied to the local backend, and handed over with a leaver."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mailplan.config import load
from mailplan.errors import ConfigError

from .conftest import Run

BASE = """\
version: 1
organization: {name: 华贸进出口有限公司, primary_domain: huamao-trade.com}
providers:
  mail: {type: local, database: mail.sqlite, mx_host: mx.huamao-trade.com}
domains:
  huamao-trade.com: {mail: mail}
people:
  - {name: 张三}
  - {name: John Smith}
contacts:
"""
L = BASE.count("\n")  # the first contact line is L + 1


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "mailplan.yaml"
    path.write_text(BASE + text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("text", "line", "at", "fragments"),
    [
        ("  - {company: Keller, owner: nobody, addresses: [{address: a@keller.example, role: inquiry}]}\n",
         L + 1, "nobody", ("unknown owner 'nobody'",)),
        ("  - {company: Keller, owner: 张三, addresses: [{address: not-an-address, role: inquiry}]}\n",
         L + 1, "not-an-address",
         ("'not-an-address' is not a valid mail address", "write the customer's full address")),
        ("  - {company: Keller, owner: 张三, addresses: [{address: info@huamao-trade.com, role: inquiry}]}\n",
         L + 1, "info@huamao", ("is an address of the organization", "staff are in people:")),
        ("  - {company: Keller, owner: 张三, addresses: [{address: a@keller.example, role: sales}]}\n",
         L + 1, "sales", ("role",)),
        ("  - {company: Keller, owner: 张三, addresses: [{address: a@keller.example, role: inquiry}]}\n"
         "  - {company: Santos, owner: 张三, addresses: [{address: A@Keller.example, role: finance}]}\n",
         L + 2, "A@Keller",
         ("customer address a@keller.example is listed twice", "also for 'Keller'", f"mailplan.yaml:{L + 1}:")),
        ("  - {company: Keller, owner: 张三, addresses: [{address: a@keller.example, role: inquiry}]}\n"
         "  - {company: ' keller', owner: john.smith, addresses: [{address: b@keller.example, role: inquiry}]}\n",
         L + 2, "' keller'", ("customer 'keller' is listed twice", "list each company once")),
    ],
    ids=["unknown owner", "bad address", "our own address", "unknown role", "address twice", "company twice"],
)
def test_each_mistake_is_reported_at_its_place(tmp_path: Path, text: str, line: int, at: str,
                                                fragments: tuple[str, ...]) -> None:
    col = text.splitlines()[line - L - 1].index(at) + 1  # the column of the value at fault
    found = problems(tmp_path, text)
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'mailplan.yaml'}:{line}:{col}:"), found[0]
    for fragment in fragments:
        assert fragment in found[0]


def test_validate_exits_1_with_the_location_and_no_traceback(tmp_path: Path, company: Path, mailplan: Run) -> None:
    config = company / "mailplan.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("owner: carlos.mendes", "owner: carlos"),
                      encoding="utf-8")
    result = mailplan("validate")
    assert result.returncode == 1
    assert "unknown owner 'carlos'" in result.stderr and "Traceback" not in result.stderr
    assert "mailplan.yaml:" in result.stderr


def test_a_leavers_customers_pass_to_the_successor_in_the_plan_hr_sees(applied: Path, mailplan: Run) -> None:
    result = mailplan("offboard", "John Smith", "--successor", "anna.muller", "--on", "2026-11-02")
    assert result.returncode == 0, result.stderr
    # the plan offboard prints (HR's view) names the customer changing hands
    assert "~ contact huamao-trade.com/Keller Handel GmbH" in result.stdout
    assert 'owner: "john.smith@huamao-trade.com" → "anna.muller@huamao-trade.com"' in result.stdout
    assert mailplan("apply", "--auto-approve").returncode == 0
    # read back where it was applied: the local backend's database, as the address book server reads it
    db = sqlite3.connect(applied / ".mailplan" / "mail.sqlite")
    owner = db.execute("SELECT owner FROM mailplan_contact WHERE company = 'Keller Handel GmbH'").fetchone()
    assert owner == ("anna.muller@huamao-trade.com",)
    again = mailplan("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout
