"""The Chinese auditor's guide shows what mailplan prints (the translation pages' links: tests/docs/test_links.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import History

ROOT = Path(__file__).parents[2]
CJK_RUN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


def test_the_auditor_guide_shows_what_mailplan_prints(history: History, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Every Chinese phrase in the guide's sample outputs is one the commands really print (a changed
    translation must change the guide too)."""
    guide = (ROOT / "docs" / "zh-CN" / "auditor.md").read_text(encoding="utf-8")
    samples = [block for block in re.findall(r"```\n(.*?)```", guide, re.S) if block.startswith("$ mailplan")]
    assert len(samples) == 2, samples
    printed = [history.run("audit", "log", "--person", "zhangwei@huamao-trade.com", str(history.config),
                           lang="zh-CN").stdout]  # fmt: skip
    # the guide's journal has no key: the same entries without their signatures (which the hashes do not cover)
    monkeypatch.chdir(tmp_path)
    entries = [{k: v for k, v in json.loads(line).items() if k != "mac"} for line in history.journal.open()]
    for name, edit in (("unsigned.jsonl", {}), ("edited.jsonl", {"actor": "someone else"})):
        edited = [*entries[:2], {**entries[2], **edit}, *entries[3:]]
        (tmp_path / name).write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in edited), "utf-8")
        printed.append(history.run("audit", "verify", "--journal", name, lang="zh-CN").stdout)
    outputs = "\n".join(printed)
    for block in samples:
        for line in block.splitlines():
            if line.startswith("$") or line.startswith("…"):
                continue
            for phrase in CJK_RUN.findall(line):
                assert phrase in outputs, f"the guide shows {phrase!r} ({line.strip()!r}); mailplan prints:\n{outputs}"
