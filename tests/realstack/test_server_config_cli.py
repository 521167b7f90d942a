"""``mailplan local server-config`` on the example config: what it writes, what it refuses, and the
checks it makes on the host before writing (as root, with the helpers' real user)."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailplan.cli.main import build
from mailplan.providers.mail.local.database import open_database
from servers.accounts import Account
from servers.common import server_dir
from servers.mailstack import helper_pythonpath
from servers.tlscert import make_certificate

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mailplan.yaml"
TLS = ("--tls-cert", "/etc/ssl/mail/fullchain.pem", "--tls-key", "/etc/ssl/mail/key.pem")


def _run(folder: Path, *args: str) -> tuple[int, str]:
    config = folder / "mailplan.yaml"
    if not config.exists():
        shutil.copy(EXAMPLE, config)
    result = CliRunner().invoke(build(), ["local", "server-config", str(config), *args])
    return result.exit_code, result.output


def test_writes_every_file_for_the_configs_database(tmp_path: Path) -> None:
    code, output = _run(tmp_path, "--out", str(tmp_path / "srv"), "--python", "/opt/mailplan/bin/python",
                        "--no-check", *TLS)  # fmt: skip
    assert code == 0, output
    srv = tmp_path / "srv"
    names = {p.name for p in srv.iterdir()}
    assert {"main.cf.fragment", "master.cf.fragment", "dovecot-sql.conf.ext", "dovecot-mailplan.conf"} <= names
    assert {"README.txt", "dovecot-acl"} <= names
    database = tmp_path / ".mailplan" / "mail.sqlite"
    for name in names:
        if name.startswith("sqlite-"):
            assert f"dbpath = {database}\n" in (srv / name).read_text()
    main_cf = (srv / "main.cf.fragment").read_text()
    assert "myhostname = mx.huamao-trade.com" in main_cf  # the provider's mx_host
    assert f"virtual_alias_maps = sqlite:{srv}/sqlite-recipients.cf" in main_cf
    master_cf = (srv / "master.cf.fragment").read_text()
    assert f"argv=/opt/mailplan/bin/python -m mailplan.providers.mail.local.policyd --db {database}" in master_cf
    assert "permit_mynetworks" not in master_cf  # neither the public MX nor the re-injection trusts an address
    dovecot = (srv / "dovecot-mailplan.conf").read_text()
    assert "postmaster_address = postmaster@huamao-trade.com" in dovecot
    assert "unix_listener /var/spool/postfix/private/mailplan-auth" in dovecot


def test_files_are_written_with_their_modes_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        code, output = _run(tmp_path, "--out", str(tmp_path / "srv"), "--no-check", *TLS)
    finally:
        os.umask(old)
    assert code == 0, output
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "srv").iterdir()}
    assert set(modes.values()) == {0o644} and (tmp_path / "srv").stat().st_mode & 0o777 == 0o755


def test_refuses_a_provider_that_is_not_local(tmp_path: Path) -> None:
    code, output = _run(tmp_path, "--out", str(tmp_path / "srv"), "--provider", "dns")
    assert code == 1
    assert "'dns' is not a local provider" in output
    assert not (tmp_path / "srv").exists()


def test_tls_needs_both_certificate_and_key(tmp_path: Path) -> None:
    code, output = _run(tmp_path, "--out", str(tmp_path / "srv"), "--tls-cert", "/etc/ssl/mail.pem")
    assert code == 1
    assert "--tls-cert and --tls-key go together" in output


def test_without_a_certificate_it_refuses_password_listeners_off_loopback(tmp_path: Path) -> None:
    code, output = _run(tmp_path, "--out", str(tmp_path / "srv"), "--no-check")
    assert code == 1
    assert "no TLS certificate: refusing to write listeners that take passwords in cleartext" in output
    assert "submission (submission)" in output and "IMAP (* port 143)" in output
    assert "--tls-cert FULLCHAIN --tls-key KEY" in output and "docs/self-hosting.md" in output
    assert not (tmp_path / "srv").exists()
    # kept on loopback, it is a test machine's setup: written, with a warning
    code, output = _run(tmp_path, "--out", str(tmp_path / "srv"), "--no-check",
                        "--submission-listen", "127.0.0.1:587", "--imap-address", "127.0.0.1")  # fmt: skip
    assert code == 0, output
    assert "warning: no TLS certificate" in output


def test_help_shows_every_flags_default() -> None:
    result = CliRunner().invoke(build(), ["local", "server-config", "--help"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    options = [line for line in result.output.splitlines() if re.match(r"^│\s+\*?\s+--", line)]
    assert len(options) >= 27
    missing = [line.split()[1 if line.split()[1] != "*" else 2] for line in options
               if "[default:" not in line and "[required]" not in line and "--help" not in line]  # fmt: skip
    assert missing == []
    assert "default: the Python running mailplan." in result.output
    assert f"[default: ({sys.executable})]" in result.output
    assert "[default: (mailplan)]" in result.output  # the helper user


# --- the checks on the host -------------------------------------------------------------------------------------


@pytest.fixture
def host(mail_helper: Account) -> Iterator[Path]:
    """A folder with the example config and its (empty) database, traversable by the helper's user."""
    folder = server_dir("server-config")
    shutil.copy(EXAMPLE, folder / "mailplan.yaml")
    (folder / "autoreply").mkdir()
    os.chown(folder / "autoreply", mail_helper.uid, mail_helper.gid)
    db = open_database(folder / ".mailplan" / "mail.sqlite", create=True)
    assert db is not None
    db.close()
    make_certificate(folder / "tls", "mx.huamao-trade.com")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _generate(host: Path, helper: Account, *args: str) -> tuple[int, str]:
    vmail = host / "vmail"
    vmail.mkdir(exist_ok=True)
    os.chown(vmail, 5000, 5000)
    tls = ("--tls-cert", str(host / "tls" / "cert.pem"), "--tls-key", str(host / "tls" / "key.pem"))
    return _run(host, "--out", str(host / "srv"), "--helper-user", helper.name, "--vmail-dir", str(vmail),
                "--autoreply-state-dir", str(host / "autoreply"), *tls, *args)  # fmt: skip


def test_a_python_the_helper_user_cannot_run_is_refused_with_the_fix(host: Path, mail_helper: Account) -> None:
    private = host / "private"  # like a virtualenv in root's home: other users cannot enter
    private.mkdir(mode=0o700)
    (private / "python3").symlink_to("/usr/bin/python3")
    code, output = _generate(host, mail_helper, "--python", str(private / "python3"))
    assert code == 1
    assert f"user {mail_helper.name} (group {mail_helper.gid} only, as Postfix runs the helpers) cannot run" in output
    assert "451 4.3.5" in output
    assert "python3 -m venv /opt/mailplan && /opt/mailplan/bin/pip install" in output
    assert not (host / "srv").exists()


def test_a_python_without_mailplan_is_refused_with_the_fix(host: Path, mail_helper: Account) -> None:
    code, output = _generate(host, mail_helper, "--python", "/usr/bin/python3")
    assert code == 1
    assert "cannot import mailplan (ModuleNotFoundError" in output
    assert "--pythonpath DIR" in output


def test_a_database_the_helper_user_cannot_read_is_refused_with_the_fix(host: Path, mail_helper: Account) -> None:
    pythonpath = str(helper_pythonpath(host))
    code, output = _generate(host, mail_helper, "--python", "/usr/bin/python3", "--pythonpath", pythonpath)
    assert code == 1
    assert f"cannot read the database {host / '.mailplan' / 'mail.sqlite'}" in output
    assert f"set database_group: {mail_helper.name} for the provider and run mailplan apply" in output

    # the fix it names, then one more problem (the reply log's folder), then none
    open_database(host / ".mailplan" / "mail.sqlite", create=True, group=mail_helper.name)
    shutil.rmtree(host / "autoreply")
    code, output = _generate(host, mail_helper, "--python", "/usr/bin/python3", "--pythonpath", pythonpath)
    assert code == 1
    assert f"fix: install -d -o {mail_helper.name} -g {mail_helper.gid} -m 0700 {host / 'autoreply'}" in output
    (host / "autoreply").mkdir()
    os.chown(host / "autoreply", mail_helper.uid, mail_helper.gid)
    code, output = _generate(host, mail_helper, "--python", "/usr/bin/python3", "--pythonpath", pythonpath)
    assert code == 0, output
    assert (host / "srv" / "master.cf.fragment").exists()
