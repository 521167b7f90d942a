"""``mailplan local server-config`` on the example config (no servers needed)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from mailplan.cli.main import build

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mailplan.yaml"


def _run(tmp_path: Path, *args: str) -> tuple[int, str]:
    config = tmp_path / "mailplan.yaml"
    shutil.copy(EXAMPLE, config)
    result = CliRunner().invoke(build(), ["local", "server-config", str(config), *args])
    return result.exit_code, result.output


def test_writes_every_file_for_the_configs_database(tmp_path: Path) -> None:
    code, output = _run(tmp_path, "--out", str(tmp_path / "srv"), "--python", "/opt/mailplan/bin/python")
    assert code == 0, output
    srv = tmp_path / "srv"
    names = {p.name for p in srv.iterdir()}
    assert {"main.cf.fragment", "master.cf.fragment", "dovecot-sql.conf.ext", "dovecot-mailplan.conf"} <= names
    assert "README.txt" in names
    database = tmp_path / ".mailplan" / "mail.sqlite"
    for name in names:
        if name.startswith("sqlite-"):
            assert f"dbpath = {database}\n" in (srv / name).read_text()
    main_cf = (srv / "main.cf.fragment").read_text()
    assert "myhostname = mx.huamao-trade.com" in main_cf  # the provider's mx_host
    assert f"virtual_alias_maps = sqlite:{srv}/sqlite-recipients.cf" in main_cf
    master_cf = (srv / "master.cf.fragment").read_text()
    assert f"argv=/opt/mailplan/bin/python -m mailplan.providers.mail.local.policyd --db {database}" in master_cf
    assert "permit_mynetworks" not in master_cf.partition("\nsubmission")[0]  # the public MX trusts nobody
    dovecot = (srv / "dovecot-mailplan.conf").read_text()
    assert "postmaster_address = postmaster@huamao-trade.com" in dovecot
    assert "unix_listener /var/spool/postfix/private/mailplan-auth" in dovecot


def test_refuses_a_provider_that_is_not_local(tmp_path: Path) -> None:
    code, output = _run(tmp_path, "--out", str(tmp_path / "srv"), "--provider", "dns")
    assert code == 1
    assert "'dns' is not a local provider" in output
    assert not (tmp_path / "srv").exists()


def test_tls_needs_both_certificate_and_key(tmp_path: Path) -> None:
    code, output = _run(tmp_path, "--out", str(tmp_path / "srv"), "--tls-cert", "/etc/ssl/mail.pem")
    assert code == 1
    assert "--tls-cert and --tls-key go together" in output
