"""`apply` killed with SIGKILL at every change boundary and at every point inside a change (see
killpoints.py), on the local backend (Postfix/Dovecot's database, zone files) and on the Tencent Exmail fake.
The local database takes its changes in batches (one transaction each): there, every point inside a batch
(each of its intents and outcomes torn, its passwords written ahead, before its commit) is a kill point.

After each kill, one more `apply` must converge: the re-plan is empty; the provider holds exactly what an
apply that was never killed leaves (nothing done twice, nothing lost); every change is in the journal once
(done but not journaled is the bug this guards against); `audit verify` passes; no temporary file is left;
and the credentials file holds, for every mailbox made, one confirmed line with the password that works
(checked against the stored hash, as Dovecot does, and with `doveadm pw -t` for the mailbox being made when
the run died). Right after each kill, before anything else runs, every mailbox in the database already has a
line whose password works: no moment exists at which a password is lost.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crash.killpoints import DAY, run_forked
from mailplan.files import is_temp
from mailplan.providers.credentials import UNCONFIRMED
from mailplan.providers.mail.local.passwords import verify_password
from mailplan.providers.mail.local.serverdb import AUTOREPLY_SECRET_KEY
from people.conftest import Company
from servers.common import require_binaries

KILLPOINTS = Path(__file__).with_name("killpoints.py")
DOMAIN = "xiaomao.com"

COMPANY = """\
version: 1
organization: {name: 小贸易公司, primary_domain: xiaomao.com}
providers:
  mail: {type: local, database: .mailplan/mail.sqlite, mx_host: mx.xiaomao.com}
  dns: {type: zonefile, directory: zones, nameservers: [ns1.xiaomao.com.]}
domains:
  xiaomao.com: {mail: mail, dns: dns, dkim: {selector: mail}, dmarc: {policy: none}}
departments:
  sales: {name: 销售部, manager: zhangsan}
people:
  - {name: 张三, department: sales, aliases: [zs]}
  - {name: 李四, department: sales}
  - {name: 王五, department: sales}
mailboxes:
  - {address: info, name: 信息, department: sales, owners: [lisi]}
groups:
  - {address: sales-team, name: 销售团队, members: [department:sales], post: anyone}
aliases:
  - {address: postmaster, to: [zhangsan]}
policies:
  archive: {retention: 5y}
  offboarding: {auto_reply: {subject: "{name} has left", body: "Write to {successor_address}."}}
"""


@dataclass(frozen=True)
class Probe:
    number: int
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"#{self.number} {self.kind}: {self.detail}"


def probes(log: Path) -> list[Probe]:
    rows = [line.split("\t") for line in log.read_text(encoding="utf-8").splitlines()]
    return [Probe(int(n), kind, detail) for n, kind, detail in rows]


def copy_of(template: Path, where: Path) -> Company:
    shutil.copytree(template, where, symlinks=True)
    return Company(where)


# --- what an apply leaves, to compare with one that was never killed -------------------------------------------

VOLATILE = {"created", "modified", "password"}  # times, and the password hash (salted: never equal twice)


def local_state(company: Company) -> dict[str, Any]:
    """Every row of the mail database (but times and hashes), and the zone files (the DKIM key masked)."""
    state: dict[str, Any] = {}
    with sqlite3.connect(company.folder / ".mailplan" / "mail.sqlite") as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            columns = [c[1] for c in db.execute(f"PRAGMA table_info({table})") if c[1] not in VOLATILE]
            rows = db.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            if table == "mailplan_meta":  # the helper's secret is made afresh with each new database
                rows = [(k, "<secret>" if k == AUTOREPLY_SECRET_KEY else v) for k, v in rows]
            state[table] = sorted(rows)
    for zone in sorted((company.folder / "zones").glob("*.zone")):
        state[zone.name] = re.sub(r'"v=DKIM1; k=rsa; p=[^\n]*', "<dkim>", zone.read_text(encoding="utf-8"))
    return state


def journaled(company: Company, since: int = 0) -> set[tuple[str, str]]:
    """The objects the journal (from entry ``since`` on) says were changed at the provider, each checked:
    every intent has one outcome, and no change is recorded as done twice."""
    entries = [json.loads(line) for line in company.journal.read_text(encoding="utf-8").splitlines()][since:]
    intents = {e["seq"] for e in entries if e["event"] == "intended"}
    outcomes = Counter(e["intent"] for e in entries if "intent" in e)
    assert set(outcomes) == intents and set(outcomes.values()) <= {1}, "an intent without one outcome"
    # a create made again because the run that made it was cut short before marking it (its reason says so)
    # adopts and marks it: that is finishing a change, not doing it twice
    done = Counter(
        (e["action"], e["kind"], e["key"], json.dumps(e["after"], sort_keys=True), e["reason"])
        for e in entries
        if e["event"] == "applied"
    )
    assert [change for change, n in done.items() if n > 1] == [], "a change done twice"
    return {(e["kind"], e["key"]) for e in entries if e["event"] in ("applied", "partly applied")}


def journal_length(company: Company) -> int:
    return len(company.journal.read_text(encoding="utf-8").splitlines()) if company.journal.exists() else 0


def working_passwords(company: Company, confirmed_only: bool) -> dict[str, str]:
    """Mailbox -> the password on file that its stored hash accepts; fails for a mailbox without one."""
    path = company.folder / ".mailplan" / "credentials.txt"
    lines = [ln.split("\t") for ln in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    found = {}
    for username, stored in company.db("SELECT username, password FROM mailbox WHERE active = 1"):
        mine = [ln for ln in lines if ln[0] == username]
        if confirmed_only:
            assert len(mine) == 1 and UNCONFIRMED not in "\t".join(mine[0]), (username, mine)
        working = [ln[1] for ln in mine if verify_password(ln[1], stored)]
        assert working, f"no working password on file for {username}: {mine}"
        found[username] = working[-1]
    return found


def doveadm_accepts(company: Company, username: str, password: str) -> None:
    [(stored,)] = company.db("SELECT password FROM mailbox WHERE username = ?", username)
    ok = subprocess.run(["doveadm", "pw", "-t", stored, "-p", password], capture_output=True, text=True)
    assert ok.returncode == 0 and "(verified)" in ok.stdout, ok.stderr


def no_temporary_files(folder: Path) -> None:
    left = [p for p in folder.rglob("*") if is_temp(p)]
    assert left == [], left


# --- the sweep ----------------------------------------------------------------------------------------------------


@dataclass
class Reference:
    """An apply from the template that nobody killed: its probes, and what it leaves."""

    probes: list[Probe]
    state: dict[str, Any]
    changed: set[tuple[str, str]]  # the objects it changed, as its journal says


def reference(template: Path, where: Path) -> Reference:
    company = copy_of(template, where)
    since = journal_length(company)
    log = where.parent / f"{where.name}.log"
    assert run_forked(str(company.folder), ["apply", "--auto-approve"], 0, str(log)) == 0
    assert company.plan_is_empty(today=DAY)
    return Reference(probes(log), local_state(company), journaled(company, since))


def kill_and_recover(template: Path, ref: Reference, probe: Probe, where: Path) -> None:
    company = copy_of(template, where)
    since = journal_length(company)
    code = run_forked(str(company.folder), ["apply", "--auto-approve"], probe.number, str(where) + ".log")
    assert code == -9, f"{probe}: not killed there (exit {code})"
    if (company.folder / ".mailplan" / "mail.sqlite").exists():
        working_passwords(company, confirmed_only=False)  # at the moment of the kill: none lost

    recovered = company.run("apply", str(company.config), "--auto-approve", today=DAY)
    assert recovered.exit_code == 0, f"{probe}: {recovered.stdout}{recovered.stderr}"
    assert company.plan_is_empty(today=DAY), probe
    assert local_state(company) == ref.state, probe
    assert journaled(company, since) == ref.changed, probe  # each change on record, none twice
    verify = company.run("audit", "verify", str(company.config))
    assert verify.exit_code == 0, f"{probe}: {verify.stdout}"
    no_temporary_files(company.folder)
    passwords = working_passwords(company, confirmed_only=True)
    dying = probe.detail.split()[-1]
    if dying in passwords:
        doveadm_accepts(company, dying, passwords[dying])


def sweep(template: Path, tmp: Path) -> list[Probe]:
    ref = reference(template, tmp / "reference")
    for probe in ref.probes:
        kill_and_recover(template, ref, probe, tmp / f"kill-{probe.number}")
        shutil.rmtree(tmp / f"kill-{probe.number}")
    return ref.probes


@pytest.fixture
def fast_tmp(tmp_path: Path) -> Iterator[Path]:
    """A folder in memory (tmpfs) when the machine has one: a kill is a kill there too, and the hundreds of
    runs do not wait for a disk's fsync. Elsewhere, pytest's own."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="mailplan-kill-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def template(fast_tmp: Path) -> Path:
    require_binaries("doveadm")
    folder = fast_tmp / "template"
    folder.mkdir()
    (folder / "mailplan.yaml").write_text(COMPANY, encoding="utf-8")
    return folder


def test_local_first_apply_killed_at_every_point(template: Path, fast_tmp: Path) -> None:
    seen = sweep(template, fast_tmp)
    kinds = Counter(p.kind for p in seen)
    boundaries = [p for p in seen if p.kind == "line written" and p.detail.startswith("applied")]
    # the local database takes the mail changes in batches (one transaction, their intents and outcomes each
    # in one journal write): killed inside a batch, at each of its lines torn, and between batches
    assert len(boundaries) >= 10 and any(p.detail.endswith("more)") for p in boundaries)
    assert kinds["before commit"] >= 2 and kinds["before rename"] >= 5
    written_ahead = [p.detail.split() for p in seen if p.kind == "password written ahead"]
    assert sorted(a for addresses in written_ahead for a in addresses) == [
        f"{name}@{DOMAIN}" for name in ("info", "lisi", "wangwu", "zhangsan")
    ]
    lines = [int(m.group(1)) + 1 if (m := re.search(r"\(and (\d+) more\)$", p.detail)) else 1
             for p in seen if p.kind == "line written"]  # fmt: skip
    assert kinds["torn line"] == sum(lines)  # every line of every write torn once


def test_local_departure_killed_at_every_point(template: Path, fast_tmp: Path) -> None:
    company = Company(template)
    company.apply(today=DAY)
    company.ok("offboard", str(company.config), "wangwu", "-s", "lisi", "--no-plan", today=DAY)
    seen = sweep(template, fast_tmp)
    freeze = f"freeze mailbox wangwu@{DOMAIN}"  # made with the departure's other changes, in one batch
    assert any(p.kind == "provider answered" and freeze in p.detail.split("; ") for p in seen)


def test_a_real_mailplan_process_killed_the_same_way(template: Path, fast_tmp: Path) -> None:
    """The sweep forks the test process for speed; here the same probes in a `python -m mailplan`-like
    process of its own, killed inside a mailbox's creation, and the next plain `mailplan apply` converges."""
    company = copy_of(template, fast_tmp / "real")
    log = fast_tmp / "real.log"
    ref = reference(template, fast_tmp / "reference")
    target = next(p for p in ref.probes if p.kind == "before commit" and p.number > 20)
    env = {**os.environ, "MAILPLAN_TODAY": DAY.isoformat(), "NO_COLOR": "1"}
    probe_env = {**env, "KILLPOINT_AT": str(target.number), "KILLPOINT_LOG": str(log)}
    killed = subprocess.run([sys.executable, str(KILLPOINTS), "apply", "--auto-approve"], cwd=company.folder,
                            env=probe_env, capture_output=True, text=True)  # fmt: skip
    assert killed.returncode == -9, killed.stderr
    finished = subprocess.run([sys.executable, "-m", "mailplan", "apply", "--auto-approve"], cwd=company.folder,
                              env=env, capture_output=True, text=True)  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    assert "took over the lock of pid" in finished.stderr
    assert company.plan_is_empty(today=DAY) and local_state(company) == ref.state
    working_passwords(company, confirmed_only=True)
