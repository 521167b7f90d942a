"""mailplan's rfc2136 provider against octoDNS's, on one real BIND on loopback.

For each size N, two fresh zones on the same server: mailplan pushes N rrsets
(half DKIM TXT, half MX) into one through the engine (read → diff_all → gate →
apply_changes, with ``Record`` objects), octoDNS (YamlProvider source,
octodns-bind Rfc2136Provider target) pushes the same N into the other. Phases:
plan against the empty zone, first apply, no-change plan, 5% of the records
changed and applied, and a last no-change plan to prove both converged.

Counted by wrapping dnspython: AXFRs (``dns.query.xfr``), UPDATE messages and
plain queries (``dns.query.tcp``, told apart by opcode).

    python benchmarks/dns_vs_octodns.py [--sizes 1000,10000]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import io
import logging
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import benchlib
import dns.exception
import dns.opcode
import dns.query
import yaml
from benchlib import table

from mailplan.engine import gate
from mailplan.engine.apply import apply_changes
from mailplan.engine.diff import diff_all
from mailplan.model.objects import Record
from mailplan.model.state import State
from mailplan.providers.base import CredentialSink, ProviderContext
from mailplan.providers.dns.rfc2136 import Rfc2136Provider
from servers.bind import BindServer, start_bind

TTL = 300
PHASES = ("plan, empty zone", "apply, N creates", "no-change plan", "apply, 5% updated", "no-change plan again")


# --- counting what goes over the wire -----------------------------------------------------

WIRE: Counter[str] = Counter()


def _count_wire() -> None:
    """Wrap dnspython's TCP and XFR entry points (both tools call them through ``dns.query``)."""
    real_tcp, real_xfr = dns.query.tcp, dns.query.xfr

    def tcp(message: Any, *args: Any, **kwargs: Any) -> Any:
        answer = real_tcp(message, *args, **kwargs)  # counted once sent and answered
        WIRE["update" if message.opcode() == dns.opcode.UPDATE else "query"] += 1
        return answer

    def xfr(*args: Any, **kwargs: Any) -> Any:
        WIRE["axfr"] += 1
        return real_xfr(*args, **kwargs)

    dns.query.tcp = tcp  # type: ignore[assignment]
    dns.query.xfr = xfr


@dataclass
class Row:
    tool: str
    size: int
    phase: str
    seconds: float
    changes: int
    extra: str = ""

    def __post_init__(self) -> None:
        self.axfr, self.updates, self.queries = WIRE["axfr"], WIRE["update"], WIRE["query"]


@contextmanager
def measured(rows: list[Row], tool: str, size: int, phase: str) -> Iterator[dict[str, Any]]:
    WIRE.clear()
    out: dict[str, Any] = {"changes": 0, "extra": ""}
    stopwatch = benchlib.Stopwatch()
    with stopwatch.phase(phase):
        yield out
    rows.append(Row(tool, size, phase, stopwatch.seconds[phase], out["changes"], out["extra"]))


# --- the records ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One rrset both tools push: a DKIM key (TXT) at an even index, an MX at an odd one."""

    index: int
    version: int  # 0 at first, 1 once the 5% update touched it

    @property
    def name(self) -> str:
        return f"s{self.index}._domainkey" if self.index % 2 == 0 else f"m{self.index}"

    @property
    def rtype(self) -> str:
        return "TXT" if self.index % 2 == 0 else "MX"

    @property
    def key(self) -> str:
        return base64.b64encode(hashlib.sha256(f"{self.index}/{self.version}".encode()).digest()).decode()

    @property
    def preference(self) -> int:
        return 10 + 10 * self.version

    @property
    def exchange(self) -> str:
        return f"mx{self.index % 7}.mail.example.net."

    def record(self, zone: str) -> Record:
        value = f"v=DKIM1; k=rsa; p={self.key}" if self.rtype == "TXT" else f"{self.preference} {self.exchange}"
        return Record(zone, self.name, self.rtype, "", TTL, (value,))

    def octodns(self) -> dict[str, Any]:
        if self.rtype == "TXT":
            return {"type": "TXT", "ttl": TTL, "value": f"v=DKIM1\\; k=rsa\\; p={self.key}"}
        return {"type": "MX", "ttl": TTL, "value": {"preference": self.preference, "exchange": self.exchange}}


def specs(size: int, updated: bool) -> list[Spec]:
    # every 20th record changes: 5%
    return [Spec(i, 1 if updated and i % 20 == 0 else 0) for i in range(size)]


# --- mailplan -------------------------------------------------------------------------------


class MailplanRun:
    def __init__(self, server: BindServer, zone: str, workdir: Path) -> None:
        context = ProviderContext(base_dir=workdir, credentials=CredentialSink(workdir / "credentials.txt"))
        self.provider = Rfc2136Provider("dns", server.settings(), context)
        self.zone = zone
        self.journal = benchlib.journal(workdir / f"journal-{zone}.jsonl")

    def step(self, wanted: list[Spec], apply: bool) -> tuple[int, str]:
        desired = {"dns": State(s.record(self.zone) for s in wanted)}
        observed = {"dns": self.provider.read([self.zone])}
        changes, _unmanaged, orphans = diff_all(desired, observed)
        problems = gate.check(changes, orphans, observed, {}, gate.GateSettings(today=dt.date.today()))
        if problems:
            raise SystemExit(f"mailplan's gate refused: {problems[0].message}")
        if not apply or not changes:
            return len(changes), ""
        before = self.journal.append_seconds
        report = apply_changes(changes, {"dns": self.provider}, self.journal)
        if not report.ok:
            raise SystemExit(f"mailplan apply failed at {report.failed}: {report.error}")
        return len(report.applied), f"journal {self.journal.append_seconds - before:.2f} s"


# --- octoDNS --------------------------------------------------------------------------------


class OctodnsRun:
    def __init__(self, server: BindServer, zone: str, workdir: Path) -> None:
        from octodns.manager import Manager

        self.zone = zone
        self.records_dir = workdir / "octodns-zones"
        self.records_dir.mkdir(exist_ok=True)
        config = {
            "providers": {
                "config": {
                    "class": "octodns.provider.yaml.YamlProvider",
                    "directory": str(self.records_dir),
                    "default_ttl": TTL,
                    "enforce_order": False,
                },
                "bind": {
                    "class": "octodns_bind.Rfc2136Provider",
                    "host": server.host,
                    "port": server.port,
                    "key_name": server.key_name,
                    "key_secret": server.key_secret,
                    "key_algorithm": server.key_algorithm,
                    "root_ns_warnings": False,  # the zone's NS is the server's, not the benchmark's
                },
            },
            "zones": {f"{zone}.": {"sources": ["config"], "targets": ["bind"]}},
        }
        config_file = workdir / f"octodns-{zone}.yaml"
        config_file.write_text(yaml.safe_dump(config))
        self.manager = Manager(str(config_file))

    def write_source(self, wanted: list[Spec]) -> None:
        """The YAML octoDNS reads (not timed: it stands for the file a user edits)."""
        records: dict[str, Any] = {s.name: s.octodns() for s in wanted}
        # The server's own glue for its NS: octoDNS deletes what its source does not list.
        records["ns1"] = {"type": "A", "ttl": TTL, "value": "127.0.0.1"}
        (self.records_dir / f"{self.zone}.yaml").write_text(yaml.safe_dump(records, sort_keys=True))

    @property
    def target(self) -> Any:
        return self.manager.providers["bind"]

    def step(self, apply: bool) -> tuple[int, str]:
        PLANNED.clear()
        batch = self.target.update_batch_size
        try:
            applied = self.manager.sync(
                eligible_zones=[f"{self.zone}."], dry_run=not apply, plan_output_fh=io.StringIO()
            )
        except dns.exception.TooBig:
            # octoDNS sends update_batch_size changes per UPDATE, whatever their size; past 64 KiB
            # the message cannot be sent at all. The batches before it were applied.
            sent = WIRE["update"] * batch  # every batch before the failing one was full and applied
            return sent, f"FAILED: {batch} changes do not fit one DNS message (update_batch_size {batch})"
        planned = int(PLANNED.get("changes", 0))
        detail = f"source YAML {PLANNED.get('yaml_seconds', 0.0):.2f} s" + (f", batch {batch}" if apply else "")
        return (applied if apply else planned), detail


PLANNED: dict[str, float] = {}


def _count_octodns_plans() -> None:
    """Record the size of each octoDNS plan and the time its YAML source took to load."""
    from octodns.provider.base import BaseProvider
    from octodns.provider.yaml import YamlProvider

    real_plan: Callable[..., Any] = BaseProvider.plan
    real_populate: Callable[..., Any] = YamlProvider.populate

    def plan(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = real_plan(self, *args, **kwargs)
        PLANNED["changes"] = PLANNED.get("changes", 0) + (len(result.changes) if result else 0)
        return result

    def populate(self: Any, *args: Any, **kwargs: Any) -> Any:
        result, seconds = benchlib.timed(lambda: real_populate(self, *args, **kwargs))
        PLANNED["yaml_seconds"] = PLANNED.get("yaml_seconds", 0.0) + seconds
        return result

    BaseProvider.plan = plan
    YamlProvider.populate = populate


# --- the run --------------------------------------------------------------------------------


def run_size(server: BindServer, size: int, workdir: Path, rows: list[Row]) -> None:
    mp = MailplanRun(server, f"mp{size}.bench.test", workdir)
    plan_steps = [
        (PHASES[0], False, False),
        (PHASES[1], False, True),
        (PHASES[2], False, False),
        (PHASES[3], True, True),
        (PHASES[4], True, False),
    ]
    for phase, updated, apply in plan_steps:
        with measured(rows, "mailplan", size, phase) as out:
            out["changes"], out["extra"] = mp.step(specs(size, updated), apply)
    od = OctodnsRun(server, f"od{size}.bench.test", workdir)
    for phase, updated, apply in plan_steps:
        od.write_source(specs(size, updated))
        for _attempt in range(4):  # a batch too big for one DNS message is retried at half the size
            with measured(rows, "octoDNS", size, phase) as out:
                out["changes"], out["extra"] = od.step(apply)
            if not out["extra"].startswith("FAILED"):
                break
            od.target.update_batch_size //= 2
    # Both zones must now hold the same mail records: compare the transfers.
    mine, theirs = (_mail_rrsets(mp.provider, zone) for zone in (mp.zone, od.zone))
    if mine != theirs or len(mine) != size:
        raise SystemExit(f"the zones differ after the run: {sorted(set(mine.items()) ^ set(theirs.items()))[:4]}")


def _mail_rrsets(provider: Rfc2136Provider, zone: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """The TXT and MX rrsets of a zone, read by AXFR."""
    state = provider.read([zone]).state
    return {(r.name, r.rtype): r.values for r in state if isinstance(r, Record) and r.rtype in ("TXT", "MX")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    benchlib.sizes_arg(parser, [1000, 10000])
    args = parser.parse_args(argv)
    try:
        import octodns_bind  # noqa: F401
    except ImportError:
        raise SystemExit("octoDNS is not installed: pip install -e '.[bench]' (octodns, octodns-bind)") from None
    logging.basicConfig(level=logging.ERROR)
    _count_wire()
    _count_octodns_plans()
    zones = [f"{tool}{n}.bench.test" for n in args.sizes for tool in ("mp", "od")]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="mailplan-bench-") as tmp, start_bind(zones) as server:
        print(f"BIND on {server.host}:{server.port}; {benchlib.machine_line()}", flush=True)
        for size in args.sizes:
            run_size(server, size, Path(tmp), rows)
            print(f"  size {size:,} done", file=sys.stderr, flush=True)
    print(
        table(
            ["tool", "N", "phase", "wall s", "changes", "AXFR", "UPDATE msgs", "queries", "of which"],
            [[r.tool, r.size, r.phase, r.seconds, r.changes, r.axfr, r.updates, r.queries, r.extra] for r in rows],
        )
    )
    print(findings(rows))
    return 0


def findings(rows: list[Row]) -> str:
    lines = ["", "Findings:"]
    for size in sorted({r.size for r in rows}):
        mine = next(r for r in rows if r.tool == "mailplan" and r.size == size and r.phase == PHASES[1])
        theirs = [r for r in rows if r.tool == "octoDNS" and r.size == size and r.phase == PHASES[1]]
        their_updates, their_seconds = sum(r.updates for r in theirs), sum(r.seconds for r in theirs)
        if mine.updates > their_updates:
            lines.append(
                f"- N={size:,}: mailplan's rfc2136 provider sent {mine.updates:,} UPDATE messages "
                f"(one per change, each after its own query: {mine.queries:,}) where octoDNS batched "
                f"the same {sum(r.changes for r in theirs):,} changes into {their_updates:,} "
                f"(over {len(theirs)} run(s)); apply took {mine.seconds:.2f} s against {their_seconds:.2f} s."
            )
    for failed in (r for r in rows if r.extra.startswith("FAILED")):
        lines.append(
            f"- N={failed.size:,}, {failed.phase}: octoDNS could not send its UPDATE ({failed.extra.lower()}); "
            "it was run again with half the batch size. Changes in batches sent before the failure stayed applied."
        )
    for tool in ("mailplan", "octoDNS"):
        stray = [r for r in rows if r.tool == tool and r.phase in (PHASES[2], PHASES[4]) and r.changes]
        lines.append(
            f"- {tool}: every no-change re-plan "
            + ("found no change." if not stray else f"found changes in {len(stray)} of them (not idempotent).")
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
