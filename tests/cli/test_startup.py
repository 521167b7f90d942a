"""A command imports what it needs when it needs it: ``mailplan --help`` no command module, ``validate``
no pinyin dictionary unless a name is read, no DNS resolver unless asked to resolve. What is asserted
is which libraries a real ``mailplan`` process loaded (never a time: benchmarks/cli_table.py measures).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import typer

from mailplan.cli.main import COMMANDS, build

# Runs ``mailplan ARGS`` and prints the modules it imported, whatever the exit.
_PROBE = """
import json, sys
from mailplan.cli.main import run
try:
    run()
finally:
    print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""

HEAVY = ("pypinyin", "pydantic", "dns.resolver", "jsonschema", "cryptography", "httpx", "requests", "mailplan.session")


def imported(args: list[str], cwd: Path) -> tuple[int, set[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
    modules = json.loads(done.stderr.strip().splitlines()[-1])
    return done.returncode, set(modules), done.stdout


def loaded(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


# the root command itself: the table, and the help classes that show it in the run's language
ROOT = {"mailplan.cli.main", "mailplan.cli.localized_help"}


def test_help_lists_every_command_without_importing_any(tmp_path: Path) -> None:
    code, modules, out = imported(["--help"], tmp_path)
    assert code == 0
    for name in COMMANDS:
        assert f" {name} " in out, f"`mailplan --help` does not list {name}"
    assert not [m for m in modules if m.startswith("mailplan.cli.") and m not in ROOT]
    assert not [name for name in HEAVY if loaded(modules, name)]


def test_help_in_chinese_lists_every_command_from_the_table_too(tmp_path: Path) -> None:
    code, modules, out = imported(["--lang", "zh-CN", "--help"], tmp_path)
    assert code == 0 and "用法：" in out
    assert "检查配置" in out and "审计日志" in out  # validate's and audit's lines, translated
    for name in COMMANDS:
        assert f" {name} " in out, f"`mailplan --lang zh-CN --help` does not list {name}"
    assert not [m for m in modules if m.startswith("mailplan.cli.") and m not in ROOT]


def test_the_help_table_says_what_each_command_says_of_itself() -> None:
    registered = typer.main.get_group(build()).commands
    assert set(registered) == set(COMMANDS)
    for name, command in registered.items():
        module, summary = COMMANDS[name]
        callback = command.callback
        assert callback is None or callback.__module__ == module, f"{name} is defined in {callback.__module__}"
        assert (command.help or "").strip().splitlines()[0] == summary, f"the table's line for {name} is stale"


def test_validate_reads_names_with_pinyin_only_when_a_name_is_derived(tmp_path: Path) -> None:
    config = tmp_path / "mailplan.yaml"
    people = """\
people:
  - {name: 张三, address: zhangsan}
  - {name: 李四, address: lisi}
"""
    config.write_text(
        """\
version: 1
organization: {name: 华贸进出口有限公司, primary_domain: huamao-trade.com}
providers:
  mail: {type: local, database: mail.sqlite}
domains:
  huamao-trade.com: {mail: mail}
"""
        + people,
        encoding="utf-8",
    )
    code, modules, out = imported(["validate", str(config)], tmp_path)
    assert code == 0 and "valid (" in out
    assert not loaded(modules, "pypinyin")  # every address written out: no name is read
    assert not loaded(modules, "dns.resolver")  # no --spf-resolver: DNS is not asked

    config.write_text(config.read_text(encoding="utf-8").replace(", address: lisi", ""), encoding="utf-8")
    code, modules, out = imported(["validate", str(config)], tmp_path)
    assert code == 0 and "valid (" in out
    # 李四 -> lisi is read from pypinyin's dictionary files, without importing pypinyin (its import parses
    # 3 MB of dictionaries and trains a segmenter: config/pinyin_data.py)
    assert not loaded(modules, "pypinyin")
    assert loaded(modules, "mailplan.config.pinyin_data")
