"""Import from the local backend: the imported file plans no changes against the tenant it came from."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import yaml

from mailplan.cli.main import COMMANDS

from .conftest import Run


def test_import_is_a_command_of_the_cli() -> None:
    assert COMMANDS["import"][0] == "mailplan.cli.import_cmd"


def test_example_company_round_trips_to_no_changes(run: Run, company: Path) -> None:
    applied = run(company, "apply", "mailplan.yaml", "--auto-approve")
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    imported = run(company, "import", "--config", "mailplan.yaml", "--provider", "mail", "--out", "imported.yaml")
    assert imported.exit_code == 0, imported.stderr
    text = (company / "imported.yaml").read_text(encoding="utf-8")
    assert text.startswith("# mailplan.yaml — imported from provider 'mail' (local)")
    plan = run(company, "plan", "imported.yaml", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout + plan.stderr
    assert "No changes" in plan.stdout

    doc = yaml.safe_load(text)
    people = {p.get("address") or p["name"]: p for p in doc["people"]}
    # names stay as written; addresses only where the naming rule would not give them
    assert "{name: 单雄信, department: sales}" in text
    assert people["zhangwei2"]["name"] == "张伟"
    assert people["张三"]["aliases"] == ["zs"]
    # the person who left: frozen, handed over to the successor
    assert people["lina2"]["successor"] == "zhangsan" and "left_on" in people["lina2"]
    # groups keep their posting rules; department managers keep their tier
    groups = {g["address"]: g for g in doc["groups"]}
    assert groups["supplier-notice"]["post"] == "senders"
    assert groups["supplier-notice"]["senders"] == ["chenjianguo", "zhaolei"]
    assert people["王芳"]["tier"] == "manager"
    assert doc["departments"]["sales-eu"] == {"name": "欧洲业务组", "manager": "xiesiyuan", "parent": "sales"}


def test_without_a_config_the_provider_is_given_by_type_and_settings(run: Run, company: Path) -> None:
    assert run(company, "apply", "mailplan.yaml", "--auto-approve").exit_code == 0
    fresh = company / "adopt"
    fresh.mkdir()
    imported = run(
        fresh, "import", "--type", "local", "--setting", "database=../.mailplan/mail.sqlite",
        "--domain", "huamao-trade.com", "--organization", "华贸进出口有限公司", "--out", "mailplan.yaml",
    )
    # The alias domain and the DNS are not known without a config; the mail objects are all there.
    assert imported.exit_code == 0, imported.stderr
    doc = yaml.safe_load((fresh / "mailplan.yaml").read_text(encoding="utf-8"))
    assert doc["providers"] == {"mail": {"type": "local", "database": "../.mailplan/mail.sqlite"}}
    plan = run(fresh, "plan", "mailplan.yaml", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout + plan.stderr


def test_a_secret_on_the_command_line_is_refused(run: Run, tmp_path: Path) -> None:
    result = run(
        tmp_path, "import", "--type", "tencent-exmail", "--setting", "corp_id=x", "--setting", "corp_secret=hunter2",
        "--domain", "example.com",
    )
    assert result.exit_code == 1
    assert "corp_secret" in result.stderr and "hunter2" not in result.stdout + result.stderr


def test_an_existing_file_is_not_overwritten(run: Run, company: Path) -> None:
    result = run(company, "import", "--out", "mailplan.yaml")
    assert result.exit_code == 1 and "--force" in result.stderr


# --- a tenant an admin made by hand ----------------------------------------------------------------

HAND_CONFIG = """\
version: 1
organization: {name: 阿克米贸易, primary_domain: acme.example}
providers:
  mail: {type: local, database: mail.sqlite}
domains:
  acme.example: {mail: mail}
  acme.cn: {alias_of: acme.example}
"""

MB = 1024 * 1024


def _hand_made_tenant(folder: Path) -> None:
    """PostfixAdmin rows as an admin makes them: addresses chosen by hand, not by mailplan's naming rule."""
    from mailplan.providers.mail.local.database import open_database

    db = open_database(folder / "mail.sqlite", create=True)
    assert db is not None
    with db:
        db.execute("INSERT INTO domain (domain, description) VALUES ('acme.example', 'ACME 主域名')")
        db.execute("INSERT INTO domain (domain) VALUES ('acme.cn')")
        db.execute("INSERT INTO alias_domain (alias_domain, target_domain) VALUES ('acme.cn', 'acme.example')")
        people = [
            ("san.zhang", "张三", 1, 2048),  # the admin wrote given.family; the rule derives zhangsan
            ("danxiongxin", "单雄信", 1, 2048),  # 单 read "dan": the rule reads the surname "shan"
            ("lisi", "李四", 1, 2048),  # derives
            ("hans.muller", "Hans Müller", 1, 4096),  # derives (accent stripped)
            ("zhaoliu", "赵六", 0, 2048),  # switched off: left
        ]
        for local, name, active, quota in people:
            address = f"{local}@acme.example"
            db.execute(
                "INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain, active) "
                "VALUES (?, '{SHA512-CRYPT}x', ?, ?, ?, ?, 'acme.example', ?)",
                (address, name, f"acme.example/{local}/", quota * MB, local, active),
            )
            db.execute(
                "INSERT INTO alias (address, goto, domain, active) VALUES (?, ?, 'acme.example', ?)",
                (address, address, active),
            )
        aliases = [
            ("zs", "san.zhang@acme.example"),
            ("sales", "san.zhang@acme.example,lisi@acme.example"),
            ("boss", "chairman@gmail.example"),
        ]
        for local, goto in aliases:
            db.execute(
                "INSERT INTO alias (address, goto, domain) VALUES (?, ?, 'acme.example')",
                (f"{local}@acme.example", goto),
            )
    db.close()


def test_a_hand_made_tenant_round_trips(run: Run, tmp_path: Path) -> None:
    (tmp_path / "mailplan.yaml").write_text(HAND_CONFIG, encoding="utf-8")
    _hand_made_tenant(tmp_path)
    imported = run(tmp_path, "import", "--out", "imported.yaml")
    text = (tmp_path / "imported.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    people = {p["name"]: p for p in doc["people"]}
    assert people["张三"] == {"name": "张三", "address": "san.zhang", "aliases": ["zs"]}
    assert people["单雄信"]["address"] == "danxiongxin"
    assert "address" not in people["李四"] and "address" not in people["Hans Müller"]
    assert people["Hans Müller"]["quota_mb"] == 4096 and doc["policies"]["mailbox"] == {"quota_mb": 2048}
    assert people["赵六"]["left_on"] and "successor" not in people["赵六"]
    assert {"address": "sales", "to": ["lisi", "san.zhang"]} in doc["aliases"]
    assert {"address": "boss", "to": ["chairman@gmail.example"]} in doc["aliases"]
    assert doc["domains"]["acme.example"]["description"] == "ACME 主域名"
    # PostfixAdmin keeps no password policy: the only thing the first apply adds, and import says so.
    assert "no password policy" in imported.stderr
    assert imported.exit_code == 2
    assert "create policy acme.example" in imported.stderr
    plan = run(tmp_path, "plan", "imported.yaml", "--format", "json")
    changes = json.loads(plan.stdout)["changes"]
    assert [(c["action"], c["kind"]) for c in changes] == [("create", "policy")]


def test_what_the_language_cannot_say_is_named_and_left_alone(run: Run, tmp_path: Path) -> None:
    (tmp_path / "mailplan.yaml").write_text(HAND_CONFIG, encoding="utf-8")
    _hand_made_tenant(tmp_path)
    with sqlite3.connect(tmp_path / "mail.sqlite") as db:
        # a colleague may read lisi's own mailbox: the language grants rights on functional mailboxes only
        db.execute("INSERT INTO mailplan_delegation (mailbox, grantee, may_read) VALUES "
                   "('lisi@acme.example', 'san.zhang@acme.example', 1)")
    imported = run(tmp_path, "import", "--out", "imported.yaml")
    assert imported.exit_code == 2
    assert "not imported: delegation: san.zhang@acme.example may read lisi@acme.example" in imported.stderr
    assert "# - delegation: san.zhang@acme.example may read lisi@acme.example" in (
        tmp_path / "imported.yaml"
    ).read_text(encoding="utf-8")
    plan = run(tmp_path, "plan", "imported.yaml")
    assert "unmanaged" in plan.stdout.lower() and "delegation" in plan.stdout
