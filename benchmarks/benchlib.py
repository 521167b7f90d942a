"""What the benchmark scripts share: import paths, a stopwatch, a table printer,
a journal for long applies, and the size flag.

Benchmarks print figures; they assert nothing about time. Each one runs a peer
(another tool, or the naive way of doing the same job) in the same run, on the
same machine, so the figures can be read side by side.
"""

from __future__ import annotations

import argparse
import compileall
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The test fixtures (real servers, cloud fakes) are imported from tests/, as the test suite does.
for extra in (ROOT / "tests", ROOT / "src"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from mailplan.engine.journal import Journal  # noqa: E402
from mailplan.model.change import Change  # noqa: E402  (after the path set-up above)


def sizes_arg(parser: argparse.ArgumentParser, default: Sequence[int]) -> None:
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(part.replace("_", "")) for part in text.split(",")],
        default=list(default),
        help="comma-separated sizes (default: %(default)s)",
    )


@dataclass
class Stopwatch:
    """Wall time of named phases, in the order they ran."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def timed(fn: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table, numbers right-aligned (pasteable into Markdown as is)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values: Sequence[str], raw: Sequence[object] | None = None) -> str:
        out = []
        for i, value in enumerate(values):
            numeric = raw is not None and isinstance(raw[i], int | float) and not isinstance(raw[i], bool)
            out.append(value.rjust(widths[i]) if numeric else value.ljust(widths[i]))
        return "| " + " | ".join(out) + " |"

    text = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    text += [line(c, r) for c, r in zip(cells, rows, strict=True)]
    return "\n".join(text)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


class TimedJournal(Journal):
    """The shipped Journal, with the time spent appending counted."""

    def __init__(self, path: Path, actor: str = "", commit: str = "") -> None:
        super().__init__(path, actor=actor, commit=commit)
        self.append_seconds = 0.0

    def append(self, change: Change, answer: str, event: str = "applied") -> dict[str, Any]:
        start = time.perf_counter()
        body = super().append(change, answer, event)
        self.append_seconds += time.perf_counter() - start
        return body


def journal(path: Path) -> TimedJournal:
    return TimedJournal(path, actor="benchmark")


def machine_line() -> str:
    return f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"


def machine_details() -> str:
    """CPU model, cores, memory, OS and Python: what a figure was measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        kib = next(int(x.split()[1]) for x in meminfo if x.startswith("MemTotal"))
        memory = f", {kib / 2**20:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        memory = ""
    return (
        f"{model or platform.processor() or 'unknown CPU'}, {os.cpu_count()} cores{memory}, "
        f"{platform.system()} {platform.release()}, Python {sys.version.split()[0]}"
    )


# --- whole processes ----------------------------------------------------------------------------


@dataclass
class Process:
    """One finished command: exit code, CPU seconds (user + system), wall seconds, peak RSS."""

    argv: list[str]
    code: int
    cpu: float
    wall: float
    rss_mb: float
    stdout: str
    stderr: str


# Runs the command and writes its own exit code, CPU seconds, wall seconds and peak RSS (KiB) to a file.
# A small process of its own: on Linux a child's peak RSS counts the memory of the process it was forked
# from, so the benchmark (which has mailplan imported) must not be that process.
_LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
result = [os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss]
with open(sys.argv[1], "w") as out:
    json.dump(result, out)
"""


def run_process(argv: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Process:
    """Run ``argv`` to its end and measure it alone: what ``getrusage(RUSAGE_CHILDREN)`` counts, for
    this one child (``wait4``), so that peak RSS is its own and not the largest of all children so far."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as tmp:
        figures = Path(tmp) / "figures.json"
        launcher = [sys.executable, "-S", "-c", _LAUNCHER, str(figures), *argv]
        subprocess.run(launcher, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd, env=env, check=False)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
        if not figures.exists():
            raise SystemExit(f"could not run {argv[0]}: {stderr[-1000:]}")
        code, cpu, wall, rss_kib = json.loads(figures.read_text())
        return Process(list(argv), code, cpu, wall, rss_kib / 1024, stdout, stderr)


def mailplan_argv(*args: str) -> list[str]:
    """The ``mailplan`` command as a user runs it (``python -m mailplan`` of this checkout)."""
    return [sys.executable, "-m", "mailplan", *args]


def mailplan_env() -> dict[str, str]:
    _compiled()
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


@functools.cache
def _compiled() -> None:
    """Byte-compile this checkout once, as installing a package does: with PYTHONDONTWRITEBYTECODE set (CI
    images set it) every mailplan process would otherwise compile its changed modules from source at each
    start (about 0.1 s of a 0.4 s validate), while the peer, installed by pip, starts from its bytecode."""
    compileall.compile_dir(ROOT / "src" / "mailplan", quiet=1)


@dataclass
class Median:
    """The median CPU, wall and RSS of repeated runs of one command."""

    runs: list[Process]

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def rss_mb(self) -> float:
        return statistics.median(r.rss_mb for r in self.runs)

    @property
    def last(self) -> Process:
        return self.runs[-1]


def interleaved(repeat: int, *commands: Any) -> list[Median]:
    """Run each command (a no-argument callable returning a Process) ``repeat`` times, taking turns,
    so that a busy moment of the shared machine weighs on each of them alike."""
    runs: list[list[Process]] = [[] for _ in commands]
    for _ in range(repeat):
        for i, command in enumerate(commands):
            runs[i].append(command())
    return [Median(r) for r in runs]
