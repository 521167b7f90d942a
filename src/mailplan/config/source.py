"""Reading the YAML: plain data plus the file:line:col of every node.

PyYAML's composed nodes carry marks; we walk them ourselves instead of letting
the constructor throw them away, so that every later error (a pydantic error,
an unknown reference, a duplicate address) can point at the exact spot.

libyaml (in PyYAML's wheels) scans and parses, our composer builds the nodes
(``limits.py``); a file libyaml finds a mistake in is read again by PyYAML's
Python parser, so that every mistake is worded and located as it always was.
That parser also reads a file with a tab (it refuses some tabs libyaml allows)
and every file where libyaml is absent. The walk lets go of
each node once it has read it (an anchored one stays for its aliases).

Paths are tuples of mapping keys (always strings, as written) and list
indexes: ``("people", 3, "left_on")``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mailplan.config.files import include_targets, read_text
from mailplan.config.limits import FAST, MAX_DEPTH, AliasNode, Budget, LimitedLoader, LimitExceeded
from mailplan.config.yamlwords import yaml_words
from mailplan.errors import ConfigError, Location, Problem
from mailplan.i18n import Msg

NodePath = tuple[str | int, ...]

MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass
class SourceMap:
    """Where each value (and each mapping key) was written."""

    values: dict[NodePath, Location] = field(default_factory=dict)
    keys: dict[NodePath, Location] = field(default_factory=dict)

    def at(self, path: NodePath) -> Location | None:
        """The location of the value at ``path``, or of its nearest written ancestor."""
        for end in range(len(path), -1, -1):
            loc = self.values.get(path[:end])
            if loc is not None:
                return loc
        return None

    def key_at(self, path: NodePath) -> Location | None:
        """The location of the key that introduced ``path`` (falls back to the value)."""
        return self.keys.get(path) or self.at(path)

    def shifted(self, rewrite: Callable[[NodePath], NodePath]) -> SourceMap:
        return SourceMap(
            values={rewrite(p): loc for p, loc in self.values.items()},
            keys={rewrite(p): loc for p, loc in self.keys.items()},
        )


@dataclass
class Source:
    """The merged document of a config file and everything it includes."""

    data: dict[str, Any]
    where: SourceMap
    files: list[Path]
    fingerprint: str


def location(file: str, node: Node) -> Location:
    mark = node.start_mark
    return Location(file, mark.line + 1, mark.column + 1)


class _Walker:
    """Turns one composed YAML document into plain data and a SourceMap.

    An alias (``*name``) is expanded where it is written, charged to the budget once
    (with the aliases inside it), and located at the alias; values nested too deep
    through aliases stop the walk with a problem, as they do when written.
    """

    def __init__(self, file: str, problems: list[Problem], budget: Budget, anchored: set[int]) -> None:
        self.file = file
        self.anchored = anchored  # nodes aliases repeat: kept; every other node is let go once read
        self._keep = 0  # > 0 inside an anchored node
        self.problems = problems
        self.budget = budget
        self.where = SourceMap()
        self._scalars = SafeConstructor()
        self._depth = 0
        self._in_alias = 0
        self._outer_alias: Node | None = None  # the alias written in the file whose value is being walked
        self.stopped = False

    def value(self, node: Node, path: NodePath) -> Any:
        if self.stopped:
            return None
        if isinstance(node, AliasNode):
            return self._alias(node, path)
        self.where.values[path] = location(self.file, node)
        if isinstance(node, MappingNode | SequenceNode):
            self._depth += 1
            kept = id(node) in self.anchored  # an alias may repeat it: all of it stays
            self._keep += kept
            try:
                if self._depth > MAX_DEPTH:
                    deep = Msg("values are nested more than {limit} levels deep (through aliases)", limit=MAX_DEPTH)
                    return self._stop(deep, node)
                if isinstance(node, MappingNode):
                    return self._mapping(node, path)
                return self._sequence(node, path)
            finally:
                self._depth -= 1
                self._keep -= kept
                if not kept and not self._keep and not self._in_alias:
                    node.value = []  # read: its children can go
        return self._scalar(node)

    def _sequence(self, node: SequenceNode, path: NodePath) -> list[Any]:
        items, out = node.value, []
        for i, item in enumerate(items):
            out.append(self.value(item, (*path, i)))
            if not self._keep and not self._in_alias:
                items[i] = None  # let the item's nodes go as soon as it is read
        return out

    def _alias(self, node: AliasNode, path: NodePath) -> Any:
        if not self._in_alias:  # an alias inside a repeated value was counted with it
            wrong = self.budget.charge_alias(node)
            if wrong:
                return self._stop(wrong, node, Msg("write the values out, or repeat fewer of them through aliases"))
            self._outer_alias = node
        self._in_alias += 1
        try:
            value = self.value(node.target, path)
        finally:
            self._in_alias -= 1
        self.where.values[path] = location(self.file, node)  # an error in the value points at the alias
        return value

    def _stop(self, message: str, node: Node, hint: str = "") -> None:
        at = self._outer_alias if self._in_alias and self._outer_alias is not None else node
        self.problems.append(Problem(message, location(self.file, at), hint))
        self.stopped = True
        return None

    def _scalar(self, node: Node) -> Any:
        try:
            return self._scalars.construct_object(node, deep=True)
        except (ValueError, yaml.YAMLError):
            # ``2026-13-45`` matches YAML's timestamp pattern but is no date; keep the
            # text and let validation say what is wrong with it.
            return node.value

    def _pairs(self, node: MappingNode) -> Iterator[tuple[Node, Node]]:
        """Key/value pairs, with ``<<: *anchor`` merges expanded (explicit keys win)."""
        merged: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    if isinstance(source, AliasNode) and not self._in_alias:
                        wrong = self.budget.charge_alias(source)
                        if wrong:
                            fewer = Msg("write the values out, or repeat fewer of them through aliases")
                            self._stop(wrong, source, fewer)
                            return
                    source = source.target if isinstance(source, AliasNode) else source
                    if isinstance(source, MappingNode):
                        self._in_alias += 1
                        try:
                            merged.extend(self._pairs(source))
                        finally:
                            self._in_alias -= 1
            else:
                yield key_node, value_node
        explicit = {k.value for k, _ in node.value if isinstance(k, ScalarNode)}
        seen: set[str] = set()
        for key_node, value_node in merged:
            if key_node.value not in explicit and key_node.value not in seen:
                seen.add(key_node.value)
                yield key_node, value_node

    def _mapping(self, node: MappingNode, path: NodePath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in self._pairs(node):
            key_loc = location(self.file, key_node)
            if not isinstance(key_node, ScalarNode):
                self.problems.append(Problem(Msg("a key must be a plain word, not a list or mapping"), key_loc))
                continue
            key = str(key_node.value)
            child = (*path, key)
            if key in out:
                first = self.where.keys[child]
                self.problems.append(
                    Problem(
                        Msg("duplicate key {key} (first written at line {line})", key=repr(key), line=first.line),
                        key_loc,
                        Msg("remove one of them or merge their content"),
                    )
                )
                continue
            self.where.keys[child] = key_loc
            out[key] = self.value(value_node, child)
        return out


def _parse(text: str, file: str, problems: list[Problem], budget: Budget) -> tuple[Any, SourceMap] | None:
    """The document's data and where each value is; None when it cannot be read (the problem is added)."""
    try:
        node, anchored = _compose(text, budget)
    except LimitExceeded as exc:
        mark = exc.problem_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        problems.append(Problem(exc.problem or Msg("the config is too large"), loc, exc.hint))
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        raw = exc.problem or exc.context or "invalid YAML"
        what = yaml_words(raw)
        if exc.problem and exc.context and exc.context_mark and exc.context_mark.line != (mark.line if mark else -1):
            what = Msg("{problem} ({context} at line {line})", problem=what, context=yaml_words(exc.context),
                       line=exc.context_mark.line + 1)  # fmt: skip
        problems.append(Problem(Msg("YAML syntax error: {problem}", problem=what), loc, _yaml_hint(raw)))
        return None
    except yaml.reader.ReaderError as exc:
        loc = _position(text, file, exc.position)
        what = f"U+{exc.character:04X}" if isinstance(exc.character, int) else Msg("a byte that is not text")
        problems.append(Problem(Msg("the control character {character} cannot appear in a YAML file", character=what),
                                loc, Msg("remove it")))  # fmt: skip
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(Msg("YAML error: {problem}", problem=yaml_words(str(exc))), Location(file, 1, 1)))
        return None
    if node is None:  # an empty file: problems about it point at its start
        return {}, SourceMap(values={(): Location(file, 1, 1)})
    walker = _Walker(file, problems, budget, anchored)
    data = walker.value(node, ())
    return None if walker.stopped else (data, walker.where)


def _compose(text: str, budget: Budget) -> tuple[Node | None, set[int]]:
    """The document's nodes and which of them are anchored; raises what PyYAML's Python loader raises."""
    # A tab between values is refused by PyYAML and allowed by libyaml: a file with a tab is read by
    # PyYAML's parser alone, so that what is valid does not depend on the machine.
    if FAST and "\t" not in text:
        from mailplan.config.limits import FastLimitedLoader

        saved = budget.copy()
        fast = FastLimitedLoader(text, budget)
        try:
            return fast.get_single_node(), fast.anchored
        except yaml.YAMLError:
            budget.restore(saved)  # read again below, to word and place the mistake as PyYAML does
        finally:
            fast.dispose()
    loader = LimitedLoader(text, budget)
    try:
        return loader.get_single_node(), loader.anchored
    finally:
        loader.dispose()


def _position(text: str, file: str, offset: int) -> Location:
    before = text[:offset]
    return Location(file, before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)


def _yaml_hint(what: str) -> str:
    if "\\t" in what or "\t" in what:  # PyYAML shows the tab escaped
        return Msg("indent with spaces, not tabs")
    if "mapping values are not allowed" in what:
        return Msg("a value containing ': ' must be quoted")
    if "could not find expected ':'" in what or "expected <block end>" in what:
        return Msg("check the indentation of this line and the one before")
    return Msg("check the quoting and indentation around this spot")


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.files: list[Path] = []
        self.digest = hashlib.sha256()
        self.budget = Budget()

    def read(self, path: Path, label: str, stack: tuple[Path, ...], origin: Location | None) -> Source | None:
        resolved = path.resolve()
        if resolved in stack:
            self.problems.append(Problem(Msg("{file} includes itself (directly or through another file)", file=label),
                                         origin))  # fmt: skip
            return None
        content = read_text(path, label, origin, self.budget)
        if isinstance(content, Problem):
            self.problems.append(content)
            return None
        raw, text = content
        self.files.append(path)
        self.digest.update(raw)
        parsed = _parse(text, label, self.problems, self.budget)
        if parsed is None:
            return None
        data, where = parsed
        if not isinstance(data, dict):
            at = where.at(()) or Location(label, 1, 1)
            self.problems.append(Problem(Msg("the file must be a mapping of keys (version:, people:, ...)"), at))
            return None
        doc = Source(data, where, [], "")
        for target, target_label, include_loc in include_targets(data, where.at, path, label, self.problems):
            included = self.read(target, target_label, (*stack, resolved), include_loc)
            if included is not None:
                _merge(doc, included, self.problems)
        return doc


def _merge(doc: Source, other: Source, problems: list[Problem]) -> None:
    """Included files add to the including one: lists are appended, mappings merged.

    A key defined in both (a department, a domain, a scalar such as ``version``)
    is an error: one file must own each thing.
    """
    for key, value in other.data.items():
        if key == "include":
            continue
        mine = doc.data.get(key)
        if key not in doc.data:
            doc.data[key] = value
            _update_under(doc.where, other.where, key)
            continue
        if isinstance(mine, list) and isinstance(value, list):
            offset = len(mine)
            mine.extend(value)

            def shift(p: NodePath, key: str = key, offset: int = offset) -> NodePath:
                if len(p) >= 2 and p[0] == key and isinstance(p[1], int):
                    return (key, p[1] + offset, *p[2:])
                return p

            _update_under(doc.where, other.where.shifted(shift), key, keep_root=True)
            continue
        if isinstance(mine, dict) and isinstance(value, dict):
            for sub, sub_value in value.items():
                if sub in mine:
                    first = doc.where.key_at((key, sub))
                    problems.append(
                        Problem(
                            Msg("{key} is defined again (first at {first})", key=key + "." + sub, first=str(first)),
                            other.where.key_at((key, sub)),
                            Msg("each entry must be defined in exactly one file"),
                        )
                    )
                    continue
                mine[sub] = sub_value
                _update_under(doc.where, other.where, key, sub)
            continue
        first = doc.where.key_at((key,))
        problems.append(
            Problem(
                Msg("{key} is defined again (first at {first})", key=repr(key), first=str(first)),
                other.where.key_at((key,)),
                Msg("only lists (people:, groups: ...) and mappings (departments:, domains: ...) can be split across "
                    "files"),
            )
        )


def _update_under(where: SourceMap, other: SourceMap, *prefix: str | int, keep_root: bool = False) -> None:
    """Copy the locations below ``prefix`` (the including file keeps its own for the prefix itself)."""
    n = len(prefix)
    for table, target in ((other.values, where.values), (other.keys, where.keys)):
        for p, loc in table.items():
            if p[:n] == prefix and (len(p) > n or not keep_root) and not (keep_root and p in target):
                target[p] = loc


def read_config(path: Path) -> Source:
    """Read ``path`` and its includes; raise ConfigError for syntax, encoding and include problems."""
    reader = _Reader()
    doc = reader.read(path, str(path), (), None)
    if reader.problems or doc is None:
        raise ConfigError(reader.problems or [Problem(Msg("cannot read {file}", file=str(path)),
                                                      Location(str(path), 1, 1))])  # fmt: skip
    doc.files = reader.files
    doc.fingerprint = reader.digest.hexdigest()
    return doc


def top_level_scalar(text: str, key: str) -> str | None:
    """The text of ``key`` in the document's top mapping, composed under the config's own limits (a hostile
    file costs no more here than when it is read), without building the rest: a command reads this before
    taking the lock. None when the key is absent or not text, or the file does not parse (reading the config
    reports why)."""
    try:
        node, _anchored = _compose(text, Budget())
    except yaml.YAMLError:
        return None
    for name, value in node.value if isinstance(node, MappingNode) else ():
        value = value.target if isinstance(value, AliasNode) else value
        if isinstance(name, ScalarNode) and name.value == key and isinstance(value, ScalarNode):
            return str(value.value)
    return None
