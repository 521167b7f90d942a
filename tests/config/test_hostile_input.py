"""Hostile and mistaken YAML: every input ends as exit 0, or exit 1 with `file:line:col: …` lines — never a
traceback — within bounded memory and time.

The config is untrusted input for the CI job that plans a pull request. Each input is validated by a
``mailplan validate`` worker process (validate_worker.py) whose address space is capped with RLIMIT_AS,
and each answer must come within a timeout: a loader that expands aliases without bound dies of
MemoryError there (reported as a crash with the input), one that loops is killed at the timeout. The
bounds are bounds, not speed targets (speed is measured in benchmarks/).
"""

from __future__ import annotations

import json
import os
import re
import resource
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mailplan.config import limits

EXAMPLE = (Path(__file__).parents[2] / "examples" / "mailplan.yaml").read_text(encoding="utf-8")
WORKER = Path(__file__).with_name("validate_worker.py")
MEMORY_LIMIT = 1536 * 1024 * 1024  # address space of the worker: Python, pydantic and mailplan take ~400 MB of it
ANSWER_TIMEOUT = 60.0  # seconds for one input, on a busy 2-core machine
LOCATED = re.compile(r"^.+:\d+:\d+: \S")
SUMMARY = re.compile(r"^\d+ problems? found; nothing was changed\.$")


class Worker:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.proc = self._start()

    def _start(self) -> subprocess.Popen[str]:
        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

        proc = subprocess.Popen(
            [sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, cwd=self.folder, preexec_fn=limit, env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip
        assert json.loads(self._line(proc, 120.0)) == {"ready": True}
        return proc

    @staticmethod
    def _line(proc: subprocess.Popen[str], timeout: float) -> str:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        if not ready:
            proc.kill()
            raise AssertionError(f"no answer within {timeout:.0f} s: the input made validate run away")
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"the worker died (exit {proc.wait()}): out of its {MEMORY_LIMIT >> 20} MiB?")
        return line

    def validate(self, text: str | bytes, name: str = "mailplan.yaml") -> dict[str, Any]:
        self.count += 1
        folder = self.folder / f"case{self.count}"
        folder.mkdir()
        path = folder / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
        if self.proc.poll() is not None:
            self.proc = self._start()
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{path}\n")
        self.proc.stdin.flush()
        try:
            answer: dict[str, Any] = json.loads(self._line(self.proc, ANSWER_TIMEOUT))
        except AssertionError:
            self.proc = self._start()
            raise
        answer["path"] = str(path)
        return answer

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    w = Worker(tmp_path_factory.mktemp("hostile"))
    yield w
    w.close()


def assert_clear_outcome(answer: dict[str, Any]) -> None:
    """Exit 0, or exit 1 with every problem located (`file:line:col: …`) and the count; never a traceback."""
    assert not answer["crash"], answer["crash"]
    assert answer["code"] in (0, 1), answer
    lines = [line for line in answer["stderr"].splitlines() if line and not line.startswith(("note: ", "warning: "))]
    if answer["code"] == 0:
        assert not lines, answer["stderr"]
        return
    assert lines, "exit 1 with nothing said"
    assert SUMMARY.match(lines[-1]), answer["stderr"]
    unlocated = [line for line in lines[:-1] if not LOCATED.match(line)]
    assert not unlocated, answer["stderr"]
    assert all(line.startswith(answer["path"]) for line in lines[:-1]), answer["stderr"]


def problems(answer: dict[str, Any]) -> list[str]:
    """The problem lines with the file's folder taken off: 'mailplan.yaml:3:7: …'."""
    folder = str(Path(answer["path"]).parent) + os.sep
    return [line.removeprefix(folder) for line in answer["stderr"].splitlines()[:-1]]


# -- the inputs the issue names -----------------------------------------------------------------------

BILLION_LAUGHS = "\n".join(
    [f'a0: &a0 [{", ".join(["lol"] * 9)}]']
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
) + "\n"


def test_billion_laughs_is_refused_at_the_alias_that_goes_past_the_limit(worker: Worker) -> None:
    assert len(BILLION_LAUGHS.encode()) < 500  # a few hundred bytes that would expand to 387 million values
    answer = worker.validate(BILLION_LAUGHS)
    assert_clear_outcome(answer)
    assert answer["code"] == 1
    (first, *_) = problems(answer)
    # the first *a3 repeats 7381 values; with the 8289 repeated by a1 to a3, past the 10,000 allowed
    assert first.startswith("mailplan.yaml:5:10: aliases repeat more than 10000 values in this config (*a3 ")
    assert "write the values out" in first


def test_merge_keys_count_as_aliases(worker: Worker) -> None:
    lines = ["b0: &b0 {" + ", ".join(f"k{j}: [x, x, x, x, x, x, x, x, x]" for j in range(9)) + "}"]
    lines += [f"b{i}: &b{i} {{<<: *b{i - 1}, c{i}: [*b{i - 1}, *b{i - 1}, *b{i - 1}]}}" for i in range(1, 12)]
    answer = worker.validate("\n".join(lines) + "\n")
    assert_clear_outcome(answer)
    assert answer["code"] == 1 and "aliases repeat more than 10000 values" in answer["stderr"]


def test_nesting_500_levels_deep_is_an_error_at_the_level_past_the_limit(worker: Worker) -> None:
    answer = worker.validate("people: " + "[" * 500 + "]" * 500 + "\n")
    assert_clear_outcome(answer)
    assert problems(answer) == [
        f"mailplan.yaml:1:{9 + limits.MAX_DEPTH - 1}: values are nested more than {limits.MAX_DEPTH} levels deep — "
        "a mailplan config needs a few levels; check the indentation and brackets above this line"
    ]


def test_block_nesting_is_limited_as_well(worker: Worker) -> None:
    text = "".join(f"{'  ' * i}k{i}:\n" for i in range(300)) + "  " * 300 + "end\n"
    answer = worker.validate(text)
    assert_clear_outcome(answer)
    assert f"values are nested more than {limits.MAX_DEPTH} levels deep" in answer["stderr"]


def test_nesting_built_from_aliases_is_limited_at_the_alias(worker: Worker) -> None:
    text = "x0: &x0 [1]\n" + "".join(f"x{i}: &x{i} [*x{i - 1}]\n" for i in range(1, 2000))
    answer = worker.validate(text)
    assert_clear_outcome(answer)
    (first,) = problems(answer)
    assert re.match(r"mailplan\.yaml:\d+:\d+: values are nested more than 32 levels deep \(through aliases\)", first)
    line, col = map(int, first.split(":")[1:3])
    assert text.splitlines()[line - 1][col - 1] == "*"  # at an alias


def test_an_alias_inside_the_value_it_names_is_a_loop(worker: Worker) -> None:
    answer = worker.validate("a: &a [1, *a]\n")
    assert problems(answer) == [
        "mailplan.yaml:1:11: alias *a is used inside the value it names (a loop) — an alias can only repeat a "
        "value written before it, not the one it is part of"
    ]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(worker: Worker) -> None:
    answer = worker.validate(b"# " + b"x" * limits.MAX_FILE_BYTES + b"\n")
    assert_clear_outcome(answer)
    size = limits.MAX_FILE_BYTES + 3
    assert problems(answer) == [
        f"mailplan.yaml:1:1: {answer['path']} is {size} bytes, more than the 4 MiB a config file may hold — split it "
        "with include:, or check that this is the file you meant"
    ]


def test_a_binary_file_is_refused(worker: Worker) -> None:
    answer = worker.validate(b"version: 1\n\x00\x01\x02\xff")
    assert answer["code"] == 1
    assert "is a binary file, not YAML text (a NUL byte at byte 11)" in answer["stderr"]


def test_the_node_limit_stops_composing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mailplan.config import load
    from mailplan.errors import ConfigError

    monkeypatch.setattr(limits, "MAX_NODES", 1000)
    path = tmp_path / "mailplan.yaml"
    path.write_text("people:\n" + "".join(f"  - {{name: P{i}}}\n" for i in range(400)), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(path)
    (problem,) = info.value.problems
    assert str(problem).startswith(f"{path}:334:6: the config holds more than 1000 values")  # 3 + 3 a person


# -- generated and mutated inputs ----------------------------------------------------------------------

# Text that YAML gives meaning to, plus letters, CJK, control characters and a character outside the BMP.
YAML_BITS = st.sampled_from(
    [": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "<<: ", "!!str ", "!!binary ", "? ", "|\n", ">\n", "'", '"',
     "#", "%YAML 1.1\n", "---\n", "...\n", "\t", "\n", "  ", "\\", "\r\n", "\x85", "\x00", "\x1b", "\u2028", "𠮷",
     "张三", "env:X", "file:/dev/zero", "include: ", "*", "&", "~", "null", "2026-13-45", "1e999", "0x1F", "@@"]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.dates(),
    st.text(max_size=30), st.sampled_from(["张三", "sales", "department:sales", "group:managers", "env:HOME", "x@@y"]),
)  # fmt: skip
TREES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=25,
)
SECTIONS = ("version", "organization", "providers", "domains", "departments", "tiers", "people", "mailboxes",
            "groups", "aliases", "policies", "naming", "include", "state_dir", "journal_key")  # fmt: skip


@st.composite
def mutated_example(draw: st.DrawFn) -> str:
    """The example company with a few edits: lines dropped, doubled or swapped, YAML syntax inserted."""
    lines = EXAMPLE.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["drop", "double", "swap", "insert", "cut"]))
        if edit == "drop":
            del lines[i]
        elif edit == "double":
            lines.insert(i, lines[i])
        elif edit == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif edit == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + "".join(draw(st.lists(YAML_BITS, min_size=1, max_size=3))) + lines[i][at:]
        else:
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at]
        if not lines:
            lines = [""]
    return "".join(lines)


@st.composite
def example_with_a_section_replaced(draw: st.DrawFn) -> str:
    """The example company, one top-level section replaced by generated data."""
    data = yaml.safe_load(EXAMPLE)
    data[draw(st.sampled_from(SECTIONS))] = draw(TREES)
    return yaml.safe_dump(data, allow_unicode=draw(st.booleans()), default_flow_style=draw(st.booleans()))


@st.composite
def example_with_an_entry_replaced(draw: st.DrawFn) -> str:
    """The example company, one field of one person, mailbox, group or alias given a generated value."""
    data = yaml.safe_load(EXAMPLE)
    section = draw(st.sampled_from(["people", "mailboxes", "groups", "aliases"]))
    entry = draw(st.sampled_from(data[section]))
    field = draw(st.sampled_from([*entry, "given", "family", "address", "senders", "expires_on", "starts_on"]))
    entry[field] = draw(TREES)
    return yaml.safe_dump(data, allow_unicode=True)


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(text=st.one_of(
    mutated_example(),
    example_with_a_section_replaced(),
    example_with_an_entry_replaced(),
    st.text(max_size=200),
    st.lists(YAML_BITS, max_size=40).map("".join),
))  # fmt: skip
@example(text=BILLION_LAUGHS)
@example(text="a: " + "[" * 5000 + "\n")
@example(text="a: &a\n  b: *a\n")
@example(text="include: ['/etc/*.conf', '.', /dev/zero, missing.yaml]\n")
@example(text="version: 1\norganization: {name: \"A\\r\\nBcc: x@evil.example\", primary_domain: x.com}\n")
def test_any_input_ends_as_a_clear_outcome(worker: Worker, text: str) -> None:
    assert_clear_outcome(worker.validate(text))
