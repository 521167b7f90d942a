"""Editing one list entry of a YAML file and leaving every other byte alone.

HR's commands change one person's entry. A round-trip dump of the whole file
(even ruamel.yaml's) re-indents lists and realigns comments, so instead the
file is composed with ruamel.yaml to learn where each node starts and ends,
and only the text of that one entry is rewritten. Flow entries
(``- {name: 张三, ...}``) stay flow and keep their trailing comment; block
entries get their new keys as lines at the entry's indentation.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError as RuamelError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mailplan.errors import MailplanError
from mailplan.i18n import Msg

Value = str | dt.date | int | bool
Pairs = list[tuple[str, Node, Node]]


def scalar(value: Value) -> str:
    """``value`` as YAML text that reads back as the same value in flow and block context."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | int):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    for probe in (f"{{k: {value}}}", f"k: {value}"):
        try:
            if value != value.strip() or yaml.safe_load(probe) != {"k": value}:
                return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string
        except yaml.YAMLError:
            return json.dumps(value, ensure_ascii=False)
    return value


def _compose(text: str) -> Node:
    try:
        root = YAML().compose(text)
    except RuamelError as exc:
        error = str(exc)
        # Translators: {error} is the YAML parser's English explanation, with the line and column
        message = Msg("the file is not valid YAML, so it cannot be edited safely: {error}", error=error)
        raise MailplanError(message) from None
    if not isinstance(root, MappingNode):
        raise MailplanError(Msg("the file is not a mapping of keys, so it cannot be edited safely"))
    return root


def _section(root: Node, section: str) -> SequenceNode | None:
    for key, value in root.value:
        if isinstance(key, ScalarNode) and key.value == section:
            if not isinstance(value, SequenceNode):
                raise MailplanError(Msg("`{section}:` is not a list", section=section))
            return value
    return None


def _entry(text: str, section: str, line: int) -> MappingNode:
    seq = _section(_compose(text), section)
    for item in seq.value if seq is not None else ():
        if isinstance(item, MappingNode) and item.start_mark.line + 1 == line:
            return item
    raise MailplanError(Msg("no `{section}:` entry starts at line {line}", section=section, line=line))


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _after_line(text: str, index: int) -> int:
    """The index just past the end of the line holding ``index`` (past a value ending at column 0: itself)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def set_keys(text: str, section: str, line: int, values: Mapping[str, Value | None]) -> str:
    """Set each key of the ``section:`` entry starting at ``line`` (1-based); ``None`` removes the key."""
    for key, value in values.items():
        text = _set_key(text, _entry(text, section, line), key, value)
    return text


def _set_key(text: str, entry: MappingNode, key: str, value: Value | None) -> str:
    pairs: Pairs = [(str(k.value), k, v) for k, v in entry.value if isinstance(k, ScalarNode)]
    found = next((i for i, (name, _, _) in enumerate(pairs) if name == key), None)
    if entry.flow_style:
        return _set_flow(text, entry, pairs, found, key, value)
    return _set_block(text, entry, pairs, found, key, value)


def _set_flow(
    text: str, entry: MappingNode, pairs: Pairs, found: int | None, key: str, value: Value | None
) -> str:
    if found is not None:
        _, key_node, value_node = pairs[found]
        if value is not None:
            return text[: value_node.start_mark.index] + scalar(value) + text[value_node.end_mark.index :]
        if found > 0:  # drop ", key: value" after the previous pair
            start = pairs[found - 1][2].end_mark.index
            return text[:start] + text[value_node.end_mark.index :]
        end = pairs[1][1].start_mark.index if len(pairs) > 1 else value_node.end_mark.index
        return text[: key_node.start_mark.index] + text[end:]
    if value is None:
        return text
    if pairs:
        at = pairs[-1][2].end_mark.index
        return text[:at] + f", {key}: {scalar(value)}" + text[at:]
    at = entry.start_mark.index + 1  # just inside "{"
    return text[:at] + f"{key}: {scalar(value)}" + text[at:]


def _set_block(
    text: str, entry: MappingNode, pairs: Pairs, found: int | None, key: str, value: Value | None
) -> str:
    indent = " " * entry.start_mark.column
    new_line = f"{indent}{key}: {scalar(value)}{_newline(text)}" if value is not None else ""
    if found is not None:
        _, key_node, value_node = pairs[found]
        start = _line_start(text, key_node.start_mark.index)
        if text[start : key_node.start_mark.index].strip() not in ("", "-"):
            raise MailplanError(Msg("cannot edit `{key}:` safely: it does not start its own line", key=key))
        if text[start : key_node.start_mark.index].strip() == "-":  # the first key shares the dash's line
            if value is None:
                raise MailplanError(Msg("cannot remove `{key}:`, the first key of the entry", key=key))
            return text[: key_node.start_mark.index] + f"{key}: {scalar(value)}" + text[value_node.end_mark.index :]
        return text[:start] + new_line + text[_after_line(text, value_node.end_mark.index) :]
    if value is None:
        return text
    at = _after_line(text, pairs[-1][2].end_mark.index) if pairs else _after_line(text, entry.start_mark.index)
    return text[:at] + new_line + text[at:]


def _inline(section: str) -> Msg:
    return Msg("`{section}:` is written as an inline list; write it as a block list first", section=section)


def add_entry(text: str, section: str, values: Mapping[str, Value], after_line: int | None) -> str:
    """Add an entry to the ``section:`` list, after the entry starting at ``after_line`` (else at the list's end).

    It is written in the style of its neighbour: a one-line flow mapping after a
    flow entry, block lines after a block entry.
    """
    seq = _section(_compose(text), section)
    nl = _newline(text)
    flow = "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in values.items()) + "}"
    if seq is None or not seq.value:
        if seq is not None and seq.flow_style:
            raise MailplanError(_inline(section))
        body = f"{section}:{nl}  - {flow}{nl}"
        if seq is None:
            return text + ("" if not text or text.endswith("\n") else nl) + body
        raise MailplanError(Msg("`{section}:` is empty; add the first entry by hand", section=section))
    if seq.flow_style:
        raise MailplanError(_inline(section))
    items = [i for i in seq.value if isinstance(i, MappingNode)]
    neighbour = next((i for i in items if i.start_mark.line + 1 == after_line), items[-1] if items else seq.value[-1])
    start = neighbour.start_mark.index
    dash = text.rfind("-", _line_start(text, start), start)
    if dash < 0:
        line = neighbour.start_mark.line + 1
        raise MailplanError(Msg("cannot find the `-` of the `{section}:` entry at line {line}", section=section,
                                line=line))
    prefix = text[_line_start(text, start) : dash]
    at = _after_line(text, _entry_end(neighbour))
    if not isinstance(neighbour, MappingNode) or neighbour.flow_style:
        new = f"{prefix}- {flow}{nl}"
    else:
        keys = list(values.items())
        inner = " " * (neighbour.start_mark.column - len(prefix) - 2)
        lines = [f"{prefix}- {inner}{keys[0][0]}: {scalar(keys[0][1])}"]
        lines += [f"{' ' * neighbour.start_mark.column}{k}: {scalar(v)}" for k, v in keys[1:]]
        new = nl.join(lines) + nl
    if at == len(text) and not text.endswith("\n"):
        new = nl + new
    return text[:at] + new + text[at:]


def _entry_end(node: Node) -> int:
    """Where the entry's own text ends (a block mapping's end mark runs on over following comments)."""
    if isinstance(node, MappingNode) and not node.flow_style and node.value:
        return _entry_end(node.value[-1][1])
    if isinstance(node, SequenceNode) and not node.flow_style and node.value:
        return _entry_end(node.value[-1])
    return int(node.end_mark.index)
