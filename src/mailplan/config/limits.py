"""Bounds on what loading a config may cost, whatever the file holds.

A config is untrusted input for the CI job that plans a pull request: a few
hundred bytes of nested YAML aliases ("billion laughs") or a few thousand
levels of nesting must end as one clear error, not as a process that grows
without bound or a RecursionError. Each limit is far above what a real
organization writes (a 10,000-person company is about 1 MB, 60,000 values,
6 levels deep) and is stated in docs/configuration.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_FILE_BYTES = 4 * 1024 * 1024  # one file
MAX_TOTAL_BYTES = 16 * 1024 * 1024  # the config and everything it includes
MAX_FILES = 256  # files read for one config (includes and their includes)
MAX_NODES = 250_000  # YAML values written, all files together
MAX_DEPTH = 32  # mappings and lists inside each other
MAX_ALIAS_VALUES = 10_000  # values that aliases (*name, <<: *name) may repeat, all together
MAX_SECRET_BYTES = 1024 * 1024  # a file: secret (a service account's JSON key is about 2 KB)


def size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


class LimitExceeded(yaml.MarkedYAMLError):
    """A limit was passed while composing; ``problem`` says which, ``problem_mark`` where."""

    def __init__(self, problem: str, mark: Any, hint: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.hint = hint


class AliasNode(Node):
    """One occurrence of ``*name``: where it was written, and the node it repeats.

    PyYAML hands back the anchored node itself for every alias, which loses the
    alias's own position and makes a repeated value indistinguishable from a
    written one; this keeps both, so the walker can charge it and point at it.
    """

    id = "alias"

    def __init__(self, target: Node, start_mark: Any, end_mark: Any) -> None:
        super().__init__(target.tag, target.value, start_mark, end_mark)
        self.target = target


@dataclass
class Budget:
    """What one config has used so far, across all its files."""

    bytes: int = 0
    files: int = 0
    nodes: int = 0
    alias_values: int = 0
    _sizes: dict[int, int] = field(default_factory=dict)

    def charge_alias(self, alias: AliasNode) -> str:
        """Count the values ``alias`` repeats; '' when within bounds, else what is wrong."""
        size = self.size(alias.target)
        self.alias_values += size
        if self.alias_values > MAX_ALIAS_VALUES:
            return (
                f"aliases repeat more than {MAX_ALIAS_VALUES} values in this config (*{_anchor_name(alias)} "
                f"repeats {size if size <= MAX_ALIAS_VALUES else 'more than that'} by itself)"
            )
        return ""

    def size(self, node: Node) -> int:
        """The values ``node`` stands for with every alias in it expanded (capped just past the limit).

        Called for each alias as it is composed, so the aliases inside are already known and the
        recursion goes no deeper than the nesting limit.
        """
        key = id(node)
        if key not in self._sizes:
            if isinstance(node, AliasNode):
                total = self.size(node.target)
            elif isinstance(node, SequenceNode | MappingNode):
                children = node.value if isinstance(node, SequenceNode) else [n for pair in node.value for n in pair]
                total = 1
                for child in children:
                    total = min(total + self.size(child), MAX_ALIAS_VALUES + 1)
            else:
                total = 1
            self._sizes[key] = total
        return self._sizes[key]


def _anchor_name(alias: AliasNode) -> str:
    buffer = getattr(alias.start_mark, "buffer", None)
    if isinstance(buffer, str):
        start, end = alias.start_mark.pointer, alias.end_mark.pointer
        return buffer[start + 1 : end].rstrip("\0")
    return "…"


class LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, composing with a depth and node limit and keeping aliases as ``AliasNode``."""

    def __init__(self, stream: str, budget: Budget) -> None:
        super().__init__(stream)
        self.budget = budget
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            target = super().compose_node(parent, index)
            assert target is not None  # an alias always names a node (PyYAML raises for an unknown one)
            alias = AliasNode(target, event.start_mark, event.end_mark)
            if isinstance(target, SequenceNode | MappingNode) and target.end_mark is None:
                raise LimitExceeded(
                    f"alias *{_anchor_name(alias)} is used inside the value it names (a loop)",
                    event.start_mark,
                    "an alias can only repeat a value written before it, not the one it is part of",
                )
            self.budget.size(alias)
            return alias
        event = self.peek_event()  # type: ignore[no-untyped-call]
        self.budget.nodes += 1
        if self.budget.nodes > MAX_NODES:
            raise LimitExceeded(
                f"the config holds more than {MAX_NODES} values",
                event.start_mark,
                "split the organization into several configs, or remove what is not used",
            )
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise LimitExceeded(
                f"values are nested more than {MAX_DEPTH} levels deep",
                event.start_mark,
                "a mailplan config needs a few levels; check the indentation and brackets above this line",
            )
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        assert node is not None  # an event that starts a node was peeked above
        return node
