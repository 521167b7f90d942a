"""The speed table: every row measured as whole ``mailplan`` processes, start-up included.

Each command runs as its own process, as a user runs it; its CPU seconds (user +
system) and peak RSS come from the kernel's accounting of that child (``wait4``,
what ``getrusage(RUSAGE_CHILDREN)`` sums). CPU seconds, not wall time, are the
figure to read on a shared machine. Where there is a peer, mailplan and the peer
take turns (``--repeat`` rounds, medians printed) and the ratio is printed.

Rows:

1. start-up: ``mailplan --help`` and ``mailplan validate`` of the 29-person
   example, next to ``octodns-sync --help`` (octoDNS's CLI start-up);
2. ``validate`` and a no-change ``plan`` of the generated company (``company.py``:
   one department per ~100 people, a functional mailbox and a ``department:``
   group each) at each ``--sizes``, next to the floor of the YAML parse: a process
   that only composes the same file with libyaml (``yaml.compose``, ``CSafeLoader``);
3. the first ``apply --auto-approve`` on the local backend (``--apply-sizes``;
   larger sizes are seeded with the SSHA512 scheme, unmeasured, for their plan);
4. the DNS no-change ``plan`` of a mail domain whose zone on BIND holds N other
   records (``--zone-sizes``), next to ``octodns-sync`` (a dry run) of the same
   zone on the same BIND (needs ``named`` and the ``bench`` extra).

    python benchmarks/cli_table.py [--sizes 1000,10000] [--zone-sizes 1000,10000] [--only startup,company,dns]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import benchlib
import yaml
from benchlib import ROOT, Median, Process, interleaved, mailplan_argv, mailplan_env, run_process, table
from company import company, document, local_mail, write_yaml

EXAMPLE = ROOT / "examples" / "mailplan.yaml"
FLOOR = "import sys, yaml\nfor f in sys.argv[1:]: yaml.compose(open(f, 'rb'), Loader=yaml.CSafeLoader)"
SECTIONS = ("startup", "company", "dns")


class Rows:
    def __init__(self) -> None:
        self.rows: list[list[object]] = []

    def add(self, what: str, size: object, mine: Median, peer_name: str = "", peer: Median | None = None) -> None:
        self.rows.append(
            [
                what,
                size,
                mine.cpu,
                mine.wall,
                round(mine.rss_mb),
                peer_name,
                peer.cpu if peer else "",
                round(peer.rss_mb) if peer else "",
                f"{mine.cpu / peer.cpu:.2f}×" if peer and peer.cpu else "",
            ]
        )

    def print(self) -> None:
        headers = ["command", "size", "CPU s", "wall s", "peak MB", "peer", "peer CPU s", "peer MB", "mailplan/peer"]
        print(table(headers, self.rows))


def must(process: Process, *ok: int) -> Process:
    if process.code not in (ok or (0,)):
        tail = (process.stdout[-1500:] + process.stderr[-1500:]).strip()
        raise SystemExit(f"{' '.join(process.argv[-3:])}: exit {process.code}\n{tail}")
    return process


# ``mailplan`` with the loader's value limit (MAX_NODES, 250,000: about 40,000 people) lifted, for the
# 100,000-person rows: they measure how the work grows, past what a config is allowed to hold.
LIFTED = (
    "import sys; import mailplan.config.limits as l; l.MAX_NODES = 10**8; sys.argv[0] = 'mailplan'; "
    "from mailplan.cli.main import run; run()"
)


def mailplan(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,),
             lifted: bool = False) -> Callable[[], Process]:  # fmt: skip
    argv = [sys.executable, "-c", LIFTED, *args] if lifted else mailplan_argv(*args)
    return lambda: must(run_process(argv, cwd=cwd, env=env or mailplan_env()), *ok)


def script(name: str) -> str:
    """A console script installed next to this Python (octoDNS's)."""
    found = Path(sys.executable).with_name(name)
    if not found.exists():
        raise SystemExit(f"{name} is not installed: pip install -e '.[bench]'")
    return str(found)


# --- 1. start-up --------------------------------------------------------------------------------


def startup(rows: Rows, repeat: int) -> None:
    octodns_help = script("octodns-sync")
    peer = lambda: must(run_process([octodns_help, "--help"]))  # noqa: E731
    help_, help_peer = interleaved(repeat, mailplan("--help"), peer)
    rows.add("mailplan --help", "", help_, "octodns-sync --help", help_peer)
    with tempfile.TemporaryDirectory(prefix="mailplan-bench-") as tmp:
        folder = Path(tmp) / "example"
        shutil.copytree(EXAMPLE.parent, folder, ignore=shutil.ignore_patterns(".mailplan", "zones", "ci"))
        validate, validate_peer = interleaved(repeat, mailplan("validate", cwd=folder), peer)
    rows.add("mailplan validate (the example, 29 people)", 29, validate, "octodns-sync --help", validate_peer)


# --- 2. and 3. the generated company ---------------------------------------------------------------


def company_rows(rows: Rows, sizes: list[int], apply_sizes: set[int], repeat: int, workdir: Path) -> None:
    for size in sizes:
        lifted = size > 40_000
        folder = workdir / f"company-{size}"
        folder.mkdir()
        people = company(size)
        config = folder / "mailplan.yaml"
        files = write_yaml(config, document(people, local_mail()))
        kib = sum(f.stat().st_size for f in files) // 1024
        label = f"{size:,} people, {people.departments} departments, {kib:,} KiB in {len(files)} file(s)"
        label += ", value limit lifted" if lifted else ""
        floor_argv = [sys.executable, "-c", FLOOR, *map(str, files)]
        floor = lambda argv=floor_argv: must(run_process(argv))  # noqa: E731
        validate, floor_run = interleaved(repeat, mailplan("validate", cwd=folder, lifted=lifted), floor)
        rows.add(f"validate ({label})", size, validate, "libyaml compose", floor_run)
        if size in apply_sizes:
            first = Median([mailplan("apply", "--auto-approve", cwd=folder, lifted=lifted)()])
            rows.add("first apply, local backend (SHA512-CRYPT)", size, first)
        else:  # seeded for the plan below, not measured: the password scheme does not enter a plan
            write_yaml(config, document(people, local_mail(scheme="SSHA512")))
            mailplan("apply", "--auto-approve", cwd=folder, lifted=lifted)()
            write_yaml(config, document(people, local_mail()))
        planning = mailplan("plan", "--detailed-exitcode", cwd=folder, lifted=lifted)
        plan, floor_run = interleaved(repeat, planning, floor)
        rows.add("no-change plan", size, plan, "libyaml compose", floor_run)
        print(f"  {size:,} people done", file=sys.stderr, flush=True)


# --- 4. DNS -----------------------------------------------------------------------------------------


def dns_rows(rows: Rows, sizes: list[int], repeat: int, workdir: Path) -> None:
    import dns.query
    import dns.rcode
    import dns.update

    sys.path.insert(0, str(ROOT / "tests"))
    from servers.bind import start_bind

    zones = {size: f"z{size}.bench.test" for size in sizes}
    with start_bind(list(zones.values())) as server:

        def update(zone: str, entries: list[tuple[str, str, str]]) -> None:
            message = dns.update.UpdateMessage(
                zone, keyring=server.keyring, keyname=server.key_name, keyalgorithm=server.key_algorithm
            )
            for name, rtype, value in entries:
                message.add(name, 3600, rtype, value)
            reply = dns.query.tcp(message, server.host, port=server.port, timeout=30)
            assert reply.rcode() == dns.rcode.NOERROR, dns.rcode.to_text(reply.rcode())

        for size, zone in zones.items():
            # N records that are not mailplan's (a web site's hosts), and the mail server's own address
            update(zone, [("mx", "A", "192.0.2.25")])
            for start in range(0, size, 500):
                update(zone, [(f"h{i}", "A", f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")
                              for i in range(start, min(size, start + 500))])  # fmt: skip
            folder = workdir / f"dns-{size}"
            folder.mkdir()
            env = {**mailplan_env(), "BENCH_TSIG_SECRET": server.key_secret}
            settings = {**server.settings(), "type": "rfc2136", "key_secret": "env:BENCH_TSIG_SECRET"}
            write_yaml(folder / "mailplan.yaml", dns_document(zone, settings))
            mailplan("apply", "--auto-approve", cwd=folder, env=env)()
            octodns_config = octodns_files(server, zone, folder)
            sync = [script("octodns-sync"), "--config-file", str(octodns_config), "--quiet"]
            peer = lambda sync=sync: must(run_process(sync))  # noqa: E731
            plan, peer_run = interleaved(repeat, mailplan("plan", "--detailed-exitcode", cwd=folder, env=env), peer)
            if "No changes were planned" not in peer_run.last.stdout + peer_run.last.stderr:
                raise SystemExit(f"octoDNS planned changes on {zone}:\n{peer_run.last.stdout[-2000:]}")
            rows.add(f"DNS no-change plan, zone of {size:,} records", size, plan, "octodns-sync (dry run)", peer_run)
            print(f"  zone of {size:,} records done", file=sys.stderr, flush=True)


def dns_document(zone: str, settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": 1,
        "organization": {"name": "DNS bench", "primary_domain": zone},
        "state_dir": ".mailplan",
        "providers": {
            "mail": {"type": "local", "database": ".mailplan/mail.sqlite", "mx_host": f"mx.{zone}"},
            "dns": settings,
        },
        "domains": {zone: {"mail": "mail", "dns": "dns", "dkim": {"selector": "mail"}, "dmarc": {"policy": "none"}}},
        "people": [{"name": "张三"}],
    }


def octodns_files(server: Any, zone: str, folder: Path) -> Path:
    """octoDNS's config and its YAML source: the zone as it is now (what a user of octoDNS keeps)."""
    import dns.query
    import dns.zone

    transfer = dns.query.xfr(server.host, zone, port=server.port, keyring=server.keyring, keyname=server.key_name)
    current = dns.zone.from_xfr(transfer)
    records: dict[str, Any] = {}
    for name, node in current.nodes.items():
        for rdataset in node.rdatasets:
            rtype = dns.rdatatype.to_text(rdataset.rdtype)
            if rtype in ("SOA", "NS"):
                continue
            values = [octodns_value(rtype, rd, current.origin) for rd in rdataset]
            entry = {"type": rtype, "ttl": rdataset.ttl, "values": values}
            if rtype == "CNAME":  # octoDNS: one value, not a list
                entry = {"type": rtype, "ttl": rdataset.ttl, "value": values[0]}
            key = "" if name.to_text() == "@" else name.to_text()
            records.setdefault(key, []).append(entry)
    zones_dir = folder / "octodns"
    zones_dir.mkdir()
    (zones_dir / f"{zone}.yaml").write_text(yaml.safe_dump(records, sort_keys=True))
    config = {
        "providers": {
            "config": {"class": "octodns.provider.yaml.YamlProvider", "directory": str(zones_dir),
                       "enforce_order": False},
            "bind": {"class": "octodns_bind.Rfc2136Provider", "host": server.host, "port": server.port,
                     "key_name": server.key_name, "key_secret": server.key_secret,
                     "key_algorithm": server.key_algorithm, "root_ns_warnings": False},
        },
        "zones": {f"{zone}.": {"sources": ["config"], "targets": ["bind"]}},
    }  # fmt: skip
    path = folder / "octodns.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def octodns_value(rtype: str, rd: Any, origin: Any) -> Any:
    if rtype == "MX":
        return {"preference": rd.preference, "exchange": rd.exchange.derelativize(origin).to_text()}
    if rtype == "SRV":  # the mail clients' service records (autoconfig)
        target = rd.target.derelativize(origin).to_text()
        return {"priority": rd.priority, "weight": rd.weight, "port": rd.port, "target": target}
    if rtype == "CNAME":
        return rd.target.derelativize(origin).to_text()
    if rtype == "TXT":
        return "".join(part.decode() for part in rd.strings).replace(";", "\\;")
    return rd.to_text()


# --- the run ------------------------------------------------------------------------------------------


def sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    benchlib.sizes_arg(parser, [1000, 10000])
    parser.add_argument("--apply-sizes", type=sizes, default=None, help="first applies measured (default: ≤ 10,000)")
    parser.add_argument("--zone-sizes", type=sizes, default=[1000, 10000], help="DNS zone sizes (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each interleaved pair (default: 3)")
    parser.add_argument("--only", default=",".join(SECTIONS), help="sections to run (default: %(default)s)")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    apply_sizes = set(args.apply_sizes if args.apply_sizes is not None else [n for n in args.sizes if n <= 10000])
    rows = Rows()
    print(f"machine: {benchlib.machine_details()}; medians of {args.repeat} interleaved runs", flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="mailplan-bench-") as tmp:
            if "startup" in only:
                startup(rows, args.repeat)
            if "company" in only:
                company_rows(rows, args.sizes, apply_sizes, args.repeat, Path(tmp))
            if "dns" in only:
                dns_rows(rows, args.zone_sizes, args.repeat, Path(tmp))
    finally:
        rows.print()  # what was measured, also when a later step failed
    if args.json:
        args.json.write_text(json.dumps({"machine": benchlib.machine_details(), "rows": rows.rows}, indent=1))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    raise SystemExit(main())
