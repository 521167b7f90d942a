"""The local mail backend at 100 / 1,000 / 10,000 people, through the config language.

For each size: a ``mailplan.yaml`` of the generated company (``company.py``:
departments, managers, functional mailboxes and groups growing with it) is
written to a temp dir, then

1. validate + compile (load the YAML, check it, derive addresses and objects);
2. first apply (read, diff, gate, apply every change to the SQLite database);
3. a no-change plan, as ``mailplan plan`` does it (compile + read + diff + gate);
4. 1% drift: names edited by hand in the database, planned (then put back);
5. 40% of the people offboarded in the config: ``mailplan plan`` through the
   CLI, without and with ``--force`` (the safety gate should refuse without).

The peer: a per-object reader of the same database, one SELECT per mailbox,
alias and group (what a tool that refreshes each resource on its own does),
against mailplan's reader (one SELECT per table).

    python benchmarks/mail_scale.py [--sizes 100,1000,10000] [--password-scheme SSHA512]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import benchlib
from benchlib import Stopwatch, mailplan_env, table
from company import DOMAIN, company, document, local_mail, offboarded, write_yaml

from mailplan import config as config_mod
from mailplan.engine import capabilities
from mailplan.engine.apply import apply_changes
from mailplan.model.objects import Alias, Group, Mailbox, MailObject
from mailplan.model.state import State
from mailplan.providers.mail.local.reader import read_managed, read_objects, split_list
from mailplan.session import Session

# --- the peer: one SELECT per object ----------------------------------------------------------


def per_object_read(database: Path) -> tuple[list[MailObject], int]:
    """Mailboxes, aliases and groups read one row at a time by key, as a per-resource refresh does."""
    db = sqlite3.connect(database)
    selects = 0

    def one(sql: str, key: str) -> Any:
        nonlocal selects
        selects += 1
        return db.execute(sql, (key,)).fetchone()

    objects: list[MailObject] = []
    try:
        # The keys a per-object tool keeps in its own state file.
        usernames = [r[0] for r in db.execute("SELECT username FROM mailbox")]
        groups = {r[0] for r in db.execute("SELECT address FROM mailplan_group")}
        aliases = [r[0] for r in db.execute("SELECT address FROM alias WHERE active = 1")]
        selects += 3
        for username in usernames:
            row = one(
                "SELECT m.username, m.name, m.active, m.quota, x.kind, x.department FROM mailbox m "
                "LEFT JOIN mailplan_mailbox x ON x.username = m.username WHERE m.username = ?",
                username,
            )
            objects.append(
                Mailbox(
                    address=row[0],
                    name=row[1],
                    kind=row[4] or "person",
                    department=row[5],
                    frozen=not row[2],
                    quota_mb=(int(row[3]) + 2**19) // 2**20,
                )
            )
        mailbox_set = set(usernames)
        for address in aliases:
            if address in groups:
                g = one(
                    "SELECT g.address, g.name, a.goto, g.post_policy, g.senders, g.owners FROM mailplan_group g "
                    "JOIN alias a ON a.address = g.address WHERE g.address = ?",
                    address,
                )
                objects.append(
                    Group(
                        address=g[0],
                        name=g[1],
                        members=split_list(g[2]),
                        post_policy=g[3],
                        senders=split_list(g[4]),
                        owners=split_list(g[5]),
                    )
                )
                continue
            goto = one("SELECT goto FROM alias WHERE address = ?", address)[0]
            if address in mailbox_set and split_list(goto) == (address,):
                continue
            objects.append(Alias(address=address, targets=split_list(goto)))
    finally:
        db.close()
    return objects, selects


def mailplan_read(database: Path) -> tuple[list[MailObject], int]:
    """mailplan's reader on the same file, SELECTs counted."""
    db = sqlite3.connect(database)
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    try:
        objects = list(State(read_objects(db, [DOMAIN])))
        read_managed(db)
    finally:
        db.close()
    return objects, sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))


# --- the run ------------------------------------------------------------------------------------


def cli(config: Path, *flags: str) -> tuple[int, float, dict[str, Any]]:
    """``mailplan plan CONFIG --format json FLAGS``: exit code, wall time, the JSON plan."""
    env = mailplan_env()
    command = [sys.executable, "-m", "mailplan", "plan", str(config), "--format", "json", *flags]
    done, seconds = benchlib.timed(lambda: subprocess.run(command, capture_output=True, text=True, env=env))
    try:
        plan = json.loads(done.stdout) if done.stdout.strip() else {}
    except json.JSONDecodeError:
        plan = {}
    return done.returncode, seconds, plan


def run_size(size: int, workdir: Path, scheme: str) -> dict[str, Any]:
    today = dt.date.today()
    folder = workdir / f"company-{size}"
    folder.mkdir()
    people = company(size)
    config = folder / "mailplan.yaml"
    write_yaml(config, document(people, local_mail(scheme=scheme)))
    out: dict[str, Any] = {
        "size": size,
        "yaml_kib": config.stat().st_size // 1024,
        "explicit": sum(1 for p in people.people if "address" in p),
    }
    watch = Stopwatch()

    with watch.phase("load"):
        cfg = config_mod.load(config)
    with watch.phase("compile"):
        desired = config_mod.compile_config(cfg, today)
        assert not capabilities.check(desired)
    out["objects"] = len(desired.objects["mail"])

    session = Session(desired, today)
    with watch.phase("first apply"):
        observed = session.observe()
        plan = session.plan(observed)
        assert not plan.blocked, plan.blocked
        journal = benchlib.journal(folder / ".mailplan" / "journal.jsonl")
        report = apply_changes(plan.changes, session.providers, journal)
        assert report.ok, report.error
    out["applied"], out["journal_s"] = len(report.applied), journal.append_seconds
    session.close()

    def replan() -> tuple[int, float, float]:
        watch_in = Stopwatch()
        with watch_in.phase("all"):
            again = Session.open(config, today)
            with watch_in.phase("read"):
                found = again.observe()
            result = again.plan(found)
            again.close()
        return len(result.changes), watch_in.seconds["all"], watch_in.seconds["read"]

    out["nochange"] = replan()

    database = folder / ".mailplan" / "mail.sqlite"
    with sqlite3.connect(database) as db:
        edited = db.execute(
            "UPDATE mailbox SET name = name || '（手改）' WHERE rowid % 100 = 0 AND username NOT LIKE 'info-%'"
        ).rowcount
    out["drift_edited"], out["drift"] = edited, replan()
    fix = Session.open(config, today)
    assert apply_changes(fix.plan(fix.observe()).changes, fix.providers, journal).ok
    fix.close()

    (mine, mine_selects), mine_s = benchlib.timed(lambda: mailplan_read(database))
    (theirs, their_selects), theirs_s = benchlib.timed(lambda: per_object_read(database))
    out["reads"] = (len(mine), mine_selects, mine_s, len(theirs), their_selects, theirs_s)

    leaving = offboarded(people, 0.40, today)
    out["leaving"] = sum(1 for p in leaving.people if "left_on" in p)
    write_yaml(config, document(leaving, local_mail(scheme=scheme)))
    out["gate"] = cli(config)
    out["forced"] = cli(config, "--force")
    out["watch"] = watch.seconds
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    benchlib.sizes_arg(parser, [100, 1000])  # 10000: about 13 minutes, see docs/benchmarks.md
    parser.add_argument(
        "--password-scheme",
        default="SHA512-CRYPT",
        choices=["SHA512-CRYPT", "SSHA512"],
        help="the local provider's password_scheme (default: %(default)s, the provider's default)",
    )
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="mailplan-bench-") as tmp:
        print(f"{benchlib.machine_line()}; password scheme {args.password_scheme}", flush=True)
        for size in args.sizes:
            results.append(run_size(size, Path(tmp), args.password_scheme))
            print(f"  {size:,} people done", file=sys.stderr, flush=True)
    report(results)
    return 0


def report(results: list[dict[str, Any]]) -> None:
    rows: list[list[object]] = []
    for r in results:
        w, n = r["watch"], r["size"]
        rows += [
            [
                n,
                f"validate + compile ({r['yaml_kib']:,} KiB YAML, {r['explicit']} explicit addresses)",
                w["load"] + w["compile"],
                f"load {w['load']:.2f} s, compile {w['compile']:.2f} s",
                r["objects"],
            ],
            [n, "first apply", w["first apply"], f"journal {r['journal_s']:.2f} s", r["applied"]],
            [n, "no-change plan", r["nochange"][1], f"read {r['nochange'][2]:.2f} s", r["nochange"][0]],
            [
                n,
                f"1% drift plan ({r['drift_edited']} names edited)",
                r["drift"][1],
                f"read {r['drift'][2]:.2f} s",
                r["drift"][0],
            ],
        ]
        for label, (code, seconds, plan) in (("", r["gate"]), (" --force", r["forced"])):
            verdict = "refused" if plan.get("blocked") else "allowed"
            rows.append(
                [
                    n,
                    f"`mailplan plan{label}`, {r['leaving']} of {n} left",
                    seconds,
                    f"exit {code}, gate {verdict}",
                    len(plan.get("changes", [])),
                ]
            )
    print(table(["people", "phase", "wall s", "detail", "objects / changes"], rows))
    print()
    peer_rows = []
    for r in results:
        mine_n, mine_q, mine_s, theirs_n, theirs_q, theirs_s = r["reads"]
        peer_rows.append([r["size"], "mailplan reader (one SELECT per table)", mine_q, mine_s, mine_n])
        peer_rows.append([r["size"], "per-object reader (one SELECT per object)", theirs_q, theirs_s, theirs_n])
    print(table(["people", "reader", "SELECTs", "wall s", "objects read"], peer_rows))
    print("(the per-object reader reads mailboxes, aliases and groups only; mailplan's reads every kind)")
    print()
    print("Findings:")
    for r in results:
        code, _, plan = r["gate"]
        msg = (plan.get("blocked") or [{}])[0].get("message", "")
        tripped = "refused it (exit 1)" if code == 1 and plan.get("blocked") else f"did NOT refuse it (exit {code})"
        print(
            f"- {r['size']:,} people, {r['leaving']} leaving: the safety gate {tripped}" + (f": {msg}" if msg else "")
        )


if __name__ == "__main__":
    raise SystemExit(main())
