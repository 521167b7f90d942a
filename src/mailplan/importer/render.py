"""The imported document as YAML a person wants to read: one line per person, comments on top."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

# Sections whose entries are short enough for one line each.
ONE_LINE_SECTIONS = ("departments", "tiers", "people", "mailboxes", "aliases")
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"


def rebase(document: dict[str, Any], from_dir: Path, to_dir: Path) -> None:
    """Keep relative paths pointing at the same files when the file is written to another folder."""
    if from_dir.resolve() == to_dir.resolve():
        return

    def moved(value: str) -> str:
        return os.path.relpath(from_dir / value, to_dir)

    document["state_dir"] = moved(str(document.get("state_dir", ".mailplan")))
    if "journal" in document and not Path(document["journal"]).is_absolute():
        document["journal"] = moved(document["journal"])
    for settings in document.get("providers", {}).values():
        for key, value in settings.items():
            if not isinstance(value, str) or key == "type":
                continue
            if value.startswith("file:") and not Path(value[5:]).is_absolute():
                settings[key] = "file:" + moved(value[5:])
            elif not value.startswith("env:") and not Path(value).is_absolute() and (from_dir / value).exists():
                settings[key] = moved(value)


def render(document: Mapping[str, Any], header: list[str]) -> str:
    tree = _node(dict(document), ())
    buffer = io.StringIO()
    out = YAML()
    out.width = 4096  # one line per person, however long
    out.indent(mapping=2, sequence=4, offset=2)
    out.allow_unicode = True
    out.dump(tree, buffer)
    body = buffer.getvalue()
    body = body if body.endswith("\n") else body + "\n"
    lines = "".join(f"# {line}".rstrip() + "\n" for line in header)
    return lines + "\n" + _space_sections(body)


def _space_sections(body: str) -> str:
    """A blank line before each top-level key after the first few, as the example file does."""
    out: list[str] = []
    for line in body.splitlines(keepends=True):
        if out and line[:1].isalpha() and not line.startswith(("version", "organization")):
            out.append("\n")
        out.append(line)
    return "".join(out)


def _node(value: Any, path: tuple[str, ...]) -> Any:
    if isinstance(value, Mapping):
        node = CommentedMap((k, _node(v, (*path, str(k)))) for k, v in value.items())
        if _one_line(path) and all(not _nested(v) for v in value.values()):
            node.fa.set_flow_style()
        return node
    if isinstance(value, list):
        seq = CommentedSeq(_node(v, path) for v in value)
        if all(isinstance(v, str) for v in value) and len(path) > 1:
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str):
        return _scalar(value)
    return value


def _one_line(path: tuple[str, ...]) -> bool:
    # departments.<key> and tiers.<key> are maps; people/mailboxes/aliases entries sit right in the list
    return len(path) >= 1 and path[0] in ONE_LINE_SECTIONS and len(path) <= 2


def _nested(value: Any) -> bool:
    return isinstance(value, Mapping) or (isinstance(value, str) and "\n" in value)


def _scalar(text: str) -> Any:
    if "\n" in text:
        clean = all(line == line.rstrip() and "\t" not in line for line in text.split("\n"))
        if clean and "\r" not in text and not text.startswith(" "):
            return LiteralScalarString(text)
        return DoubleQuotedScalarString(text)
    # The loader reads YAML 1.1: 'on', 'no', '1:20' would not come back as text unquoted.
    if _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) != _STR_TAG:  # type: ignore[no-untyped-call]
        return DoubleQuotedScalarString(text)
    return text


def header_lines(origin: str, provider: str, provider_type: str, today: dt.date) -> list[str]:
    return [
        f"mailplan.yaml — imported from provider {provider!r} ({provider_type}) on {today.isoformat()},",
        f"starting from {origin}, by `mailplan import`.",
        "",
        "Review it, then run `mailplan plan --detailed-exitcode`: it should find no changes.",
        "People who left (frozen mailboxes) carry left_on: the import date, as the real date is not",
        "kept by the provider; correct it if you know it (retention is counted from it).",
    ]
