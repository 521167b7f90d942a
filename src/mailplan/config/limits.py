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
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, SequenceNode
from yaml.resolver import Resolver

from mailplan.i18n import Msg, plural_msg

MAX_FILE_BYTES = 4 * 1024 * 1024  # one file
MAX_TOTAL_BYTES = 16 * 1024 * 1024  # the config and everything it includes
MAX_FILES = 256  # files read for one config (includes and their includes)
MAX_NODES = 250_000  # YAML values written, all files together
MAX_DEPTH = 32  # mappings and lists inside each other
MAX_ALIAS_VALUES = 10_000  # values that aliases (*name, <<: *name) may repeat, all together
MAX_SECRET_BYTES = 1024 * 1024  # a file: secret (a service account's JSON key is about 2 KB)


def size_text(n: int) -> str:
    if n >= 1024 * 1024:
        mib = round(n / 1024 / 1024)
        return Msg("{size} MiB", size=mib)
    return plural_msg("{count} byte", "{count} bytes", n)


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

    def __init__(self, target: Node, start_mark: Any, end_mark: Any, anchor: str = "") -> None:
        super().__init__(target.tag, target.value, start_mark, end_mark)
        self.target = target
        self.anchor = anchor


@dataclass
class Budget:
    """What one config has used so far, across all its files."""

    bytes: int = 0
    files: int = 0
    nodes: int = 0
    alias_values: int = 0
    _sizes: dict[int, int] = field(default_factory=dict)

    def copy(self) -> Budget:
        return Budget(self.bytes, self.files, self.nodes, self.alias_values, dict(self._sizes))

    def restore(self, saved: Budget) -> None:
        """Back to ``saved`` (a copy): a file composed again is charged once."""
        self.bytes, self.files, self.nodes = saved.bytes, saved.files, saved.nodes
        self.alias_values, self._sizes = saved.alias_values, dict(saved._sizes)

    def charge_alias(self, alias: AliasNode) -> str:
        """Count the values ``alias`` repeats; '' when within bounds, else what is wrong."""
        size = self.size(alias.target)
        self.alias_values += size
        if self.alias_values > MAX_ALIAS_VALUES:
            alias_name = "*" + _anchor_name(alias)
            return (
                Msg("aliases repeat more than {limit} values in this config ({alias} repeats {count} by itself)",
                    limit=MAX_ALIAS_VALUES, alias=alias_name, count=size)
                if size <= MAX_ALIAS_VALUES
                else Msg("aliases repeat more than {limit} values in this config ({alias} alone repeats more)",
                         limit=MAX_ALIAS_VALUES, alias=alias_name)
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
    return alias.anchor or "…"


class _Limits:
    """Composing with a depth and node limit, keeping aliases as ``AliasNode`` and noting which nodes
    are anchored (the walk may let go of every other node once it has read it)."""

    budget: Budget
    depth: int
    anchored: set[int]
    check_event: Any
    peek_event: Any

    def limits(self, budget: Budget) -> None:
        self.budget = budget
        self.depth = 0
        self.anchored = set()

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            target = super().compose_node(parent, index)  # type: ignore[misc]
            assert target is not None  # an alias always names a node (PyYAML raises for an unknown one)
            alias = AliasNode(target, event.start_mark, event.end_mark, event.anchor)
            if isinstance(target, SequenceNode | MappingNode) and target.end_mark is None:
                raise LimitExceeded(
                    Msg("alias {alias} is used inside the value it names (a loop)", alias="*" + _anchor_name(alias)),
                    event.start_mark,
                    Msg("an alias can only repeat a value written before it, not the one it is part of"),
                )
            self.budget.size(alias)
            return alias
        event = self.peek_event()
        self.budget.nodes += 1
        if self.budget.nodes > MAX_NODES:
            raise LimitExceeded(
                Msg("the config holds more than {limit} values", limit=MAX_NODES),
                event.start_mark,
                Msg("split the organization into several configs, or remove what is not used"),
            )
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise LimitExceeded(
                Msg("values are nested more than {limit} levels deep", limit=MAX_DEPTH),
                event.start_mark,
                Msg("a mailplan config needs a few levels; check the indentation and brackets above this line"),
            )
        try:
            node: Node | None = super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self.depth -= 1
        assert node is not None  # an event that starts a node was peeked above
        if isinstance(event, ScalarEvent | CollectionStartEvent) and event.anchor is not None:
            self.anchored.add(id(node))
        return node


class LimitedLoader(_Limits, yaml.SafeLoader):
    """PyYAML's safe loader in Python, with the limits: what reports a file's mistakes."""

    def __init__(self, stream: str, budget: Budget) -> None:
        yaml.SafeLoader.__init__(self, stream)
        self.limits(budget)


FAST = yaml.__with_libyaml__  # PyYAML was built with libyaml (its wheels are)

if FAST:
    from yaml._yaml import CParser

    class FastLimitedLoader(_Limits, Composer, CParser, SafeConstructor, Resolver):
        """libyaml scans and parses (C: most of the time a load takes), our composer above builds the
        nodes with the limits, from the same events with the same marks."""

        def __init__(self, stream: str, budget: Budget) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            Composer.__init__(self)
            self.limits(budget)
