"""Start-up time of the CLI: ``mailplan --help`` and ``mailplan audit log --help``, in English and in Chinese.

Each command runs in a fresh interpreter, ``--runs`` times; the runs of every variant are interleaved
so that the machine's load falls on all of them alike. Printed: the fastest and the median wall time,
and the median CPU time (user + system) of the child, which load disturbs less.

``--compare DIR`` also runs the same commands from another checkout's ``src`` (e.g. the commit before a
change, unpacked with ``git archive <commit> | tar -x -C DIR``), with this environment's packages.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = {"--help": ["--help"], "audit log --help": ["audit", "log", "--help"]}


def once(src: Path | None, args: list[str], lang: str) -> tuple[float, float]:
    env = {**os.environ, "MAILPLAN_LANG": lang, "NO_COLOR": "1"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mailplan", *args], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--compare", type=Path, help="another checkout to time the same way (its src/ is used)")
    options = parser.parse_args()
    trees: dict[str, Path | None] = {"this": None}
    if options.compare:
        trees["compare"] = options.compare / "src"
    variants = [(tree, name, lang) for tree in trees for name in COMMANDS for lang in ("en", "zh-CN")
                if not (tree == "compare" and lang == "zh-CN")]  # fmt: skip
    times: dict[tuple[str, str, str], list[tuple[float, float]]] = {v: [] for v in variants}
    for _ in range(options.runs):
        for tree, name, lang in variants:
            times[(tree, name, lang)].append(once(trees[tree], COMMANDS[name], lang))
    print(f"| tree | command | MAILPLAN_LANG | fastest wall s | median wall s | median CPU s |  ({options.runs} runs)")
    print("|---|---|---|--:|--:|--:|")
    for (tree, name, lang), runs in times.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(f"| {tree} | `mailplan {name}` | {lang} | {min(walls):.3f} | {statistics.median(walls):.3f} "
              f"| {statistics.median(cpus):.3f} |")


if __name__ == "__main__":
    main()
