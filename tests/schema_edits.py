"""Breaking a JSON document on purpose, to prove a schema refuses it: a renamed, dropped or changed field."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import jsonschema

Edit = Callable[[dict[str, Any]], None]
Path = tuple[str | int, ...]


def edit(path: Path, value: Any = None, *, rename: str = "", drop: bool = False) -> Edit:
    """Set the value at ``path`` (or rename its key, or drop it)."""

    def apply(data: dict[str, Any]) -> None:
        target: Any = data
        for step in path[:-1]:
            target = target[step]
        if rename:
            target[rename] = target.pop(path[-1])
        elif drop:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return apply


def let_through(data: dict[str, Any], schema: dict[str, Any], broken: Mapping[str, Edit]) -> list[str]:
    """The names of the broken variants of ``data`` that ``schema`` still accepts (should be none)."""
    passed = []
    for name, change in broken.items():
        variant = copy.deepcopy(data)
        change(variant)
        try:
            jsonschema.validate(variant, schema)
        except jsonschema.ValidationError:
            continue
        passed.append(name)
    return passed
