"""`apply` on Tencent Exmail (its contract fake) killed with SIGKILL at every change boundary and at every
point inside a change — after each API write the fake has taken and before the client read its answer too.
After each kill, the next `apply` converges: the re-plan has no change left (manual steps are a person's), the
fake holds exactly what an apply nobody killed leaves, every change is journaled once, `audit verify` passes,
no temporary file is left, and every user mailplan made has one confirmed line in the credentials file with
the very password Exmail holds. Right after each kill, every user the fake holds already has its password on
file."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crash.killpoints import DAY, run_forked
from crash.test_kill_points import (
    COMPANY,
    Probe,
    copy_of,
    fast_tmp,
    journal_length,
    journaled,
    no_temporary_files,
    probes,
)
from fakes import exmail
from mailplan.providers.credentials import UNCONFIRMED
from people.conftest import Company

__all__ = ["fast_tmp"]  # the fixture, used here too

SECRETS = ("corp_secret", "function_secret")
MAIL = "  mail: {type: local, database: .mailplan/mail.sqlite, mx_host: mx.xiaomao.com}\n"


def _config(h: exmail.Harness) -> str:
    settings = [f"type: {h.provider_type}"]
    for key, value in h.settings.items():
        settings.append(f"{key}: " + (f"env:MAILPLAN_TEST_{key.upper()}" if key in SECRETS else json.dumps(value)))
    return COMPANY.replace(MAIL, "  mail: {" + ", ".join(settings) + "}\n")


def fake_state(fake: exmail.ExmailFake) -> dict[str, Any]:
    """What the tenant holds, with the ids the fake hands out replaced by names (they differ run to run)."""
    dept = {i: d["name"] for i, d in fake.departments.items()}
    users = {
        uid: {**u, "department": sorted(dept[i] for i in u["department"])} for uid, u in sorted(fake.users.items())
    }
    departments = sorted((d["name"], dept.get(d["parentid"])) for d in fake.departments.values())
    groups = {g: {**v, "department": sorted(dept[i] for i in v.get("department", []))} for g, v in fake.groups.items()}
    tags = sorted(
        (t["tagname"], sorted(t["userlist"]), sorted(dept[i] for i in t["partylist"])) for t in fake.tags.values()
    )
    return json.loads(json.dumps(
        {"users": users, "departments": departments, "groups": groups, "tags": tags, "options": fake.options},
        sort_keys=True, default=str,
    ))  # fmt: skip


def passwords_on_file(
    folder: Path, fake: exmail.ExmailFake, confirmed_only: bool, probe: Probe, leaver: str = ""
) -> None:
    path = folder / ".mailplan" / "credentials.txt"
    lines = [ln.split("\t") for ln in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    for userid, held in fake.passwords.items():
        mine = [ln for ln in lines if ln[0] == userid]
        if userid == leaver or fake.users[userid].get("enable") == 0:
            # being frozen or frozen: a password nobody knows (the freeze's first step), and none on file once done
            assert not confirmed_only or mine == [], (str(probe), userid, mine)
            continue
        if confirmed_only:
            assert len(mine) == 1 and UNCONFIRMED not in "\t".join(mine[0]), (str(probe), userid, mine)
        assert held in [ln[1] for ln in mine], f"{probe}: the password Exmail holds for {userid} is not on file"


class Tenant:
    """A fresh Exmail fake and the company's folder pointing at it, for one run of the sweep."""

    def __init__(self, template: Path, where: Path, before: str) -> None:
        self.template, self.where, self.before = template, where, before

    def __enter__(self) -> tuple[Company, exmail.ExmailFake]:
        self._harness = exmail.harness(("xiaomao.com",))
        h = self._harness.__enter__()
        company = copy_of(self.template, self.where)
        company.config.write_text(_config(h), encoding="utf-8")
        if self.before:  # the company had applied, and HR recorded a departure
            company.apply(today=DAY)
            company.ok("offboard", str(company.config), *self.before.split(), "--no-plan", today=DAY)
        return company, h.fake

    def __exit__(self, *exc: object) -> None:
        self._harness.__exit__(None, None, None)


def _sweep(template: Path, tmp: Path, before: str) -> list[Probe]:
    with Tenant(template, tmp / "reference", before) as (company, fake):
        since = journal_length(company)
        log = tmp / "reference.log"
        assert run_forked(str(company.folder), ["apply", "--auto-approve"], 0, str(log)) == 0
        assert company.run("plan", str(company.config), "--detailed-exitcode", today=DAY).exit_code == 0
        reference, changed = fake_state(fake), journaled(company, since)
    seen = probes(log)
    for probe in seen:
        where = tmp / f"kill-{probe.number}"
        with Tenant(template, where, before) as (company, fake):
            since = journal_length(company)
            code = run_forked(str(company.folder), ["apply", "--auto-approve"], probe.number, f"{where}.log")
            assert code == -9, f"{probe}: not killed there (exit {code})"
            leaver = f"{before.split()[0]}@xiaomao.com" if before else ""
            passwords_on_file(company.folder, fake, confirmed_only=False, probe=probe, leaver=leaver)

            recovered = company.run("apply", str(company.config), "--auto-approve", today=DAY)
            assert recovered.exit_code == 0, f"{probe}: {recovered.stdout}{recovered.stderr}"
            replan = company.run("plan", str(company.config), "--detailed-exitcode", today=DAY)
            assert replan.exit_code == 0, f"{probe}: {replan.stdout}"
            assert fake_state(fake) == reference, probe
            assert journaled(company, since) == changed, probe  # each change on record, none twice
            verify = company.run("audit", "verify", str(company.config))
            assert verify.exit_code == 0, f"{probe}: {verify.stdout}"
            no_temporary_files(company.folder)
            passwords_on_file(company.folder, fake, confirmed_only=True, probe=probe, leaver=leaver)
        shutil.rmtree(where)
    return seen


@pytest.fixture
def template(fast_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    fake = exmail.ExmailFake()
    monkeypatch.setenv("MAILPLAN_TEST_CORP_SECRET", fake.corp_secret)  # the harness's defaults
    monkeypatch.setenv("MAILPLAN_TEST_FUNCTION_SECRET", fake.function_secret)
    folder = fast_tmp / "template"
    folder.mkdir()
    yield folder


def test_exmail_first_apply_killed_at_every_point(template: Path, fast_tmp: Path) -> None:
    seen = _sweep(template, fast_tmp, "")
    kinds = Counter(p.kind for p in seen)
    assert kinds["provider took the call"] >= 10 and kinds["password written ahead"] == 4
    assert any(p.kind == "provider took the call" and "user/create" in p.detail for p in seen)


def test_exmail_departure_killed_at_every_point(template: Path, fast_tmp: Path) -> None:
    seen = _sweep(template, fast_tmp, "wangwu -s lisi")
    assert any(p.kind == "provider answered" and p.detail == "freeze mailbox wangwu@xiaomao.com" for p in seen)
    assert any(p.kind == "provider took the call" and "useroption/update" in p.detail for p in seen)
