"""Turning pydantic validation errors into Problems that point at the YAML."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from mailplan.config.source import NodePath, SourceMap
from mailplan.errors import Problem
from mailplan.i18n import Msg

_TYPE_WORDS = {
    "int": "a whole number",
    "bool": "true or false",
    "string": "text",
    "list": "a list",
    "dict": "a mapping (key: value lines)",
    "model": "a mapping (key: value lines)",
    "date": "a date",
    "float": "a number",
}


def dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the file"


def suggest(word: str, choices: Sequence[str]) -> str:
    """'did you mean ...?' for a misspelt key or name, else the list of choices."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return Msg("did you mean {choice}?", choice=repr(close[0]))
    if choices:
        listing = ", ".join(sorted(choices))
        return Msg("expected one of: {choices}", choices=listing)
    return ""


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> X (the config models use no other unions)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def model_at(root: type[BaseModel], path: NodePath) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``path``, if any."""
    current: Any = root
    for part in path:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
            continue
        origin, args = typing.get_origin(current), typing.get_args(current)
        if origin is list and isinstance(part, int):
            current = args[0]
        elif origin is dict:
            current = args[1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _type_hint(kind: str) -> str:
    if kind.startswith("date"):
        return "write dates as YYYY-MM-DD, e.g. 2026-10-31"
    return ""


def problems_of(
    error: ValidationError, root: type[BaseModel], where: SourceMap, prefix: NodePath = ()
) -> list[Problem]:
    problems: list[Problem] = []
    for err in error.errors(include_url=False):
        path: NodePath = (*prefix, *err["loc"])
        kind = err["type"]
        name = dotted(path)
        if kind == "extra_forbidden":
            key = str(path[-1])
            model = model_at(root, tuple(err["loc"][:-1]))
            allowed = list(model.model_fields) if model else []
            problems.append(
                Problem(f"unknown key {key!r} in {dotted(path[:-1])}", where.key_at(path), suggest(key, allowed))
            )
        elif kind == "missing":
            problems.append(
                Problem(
                    f"{dotted(path[:-1])} is missing the required key {path[-1]!r}",
                    where.at(path[:-1]),
                    f"add `{path[-1]}: ...`",
                )
            )
        elif kind.endswith(("_type", "_parsing", "_inexact")):
            base = kind.split("_")[0]
            expected = _TYPE_WORDS.get(base, base)
            got = err.get("input")
            shown = "nothing" if got is None else repr(got)
            problems.append(Problem(f"{name} must be {expected}, not {shown}", where.at(path), _type_hint(kind)))
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            problems.append(Problem(f"{name}: {err.get('input')!r} is not allowed", where.at(path), f"use {expected}"))
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append(Problem(f"{name}: {msg}", where.at(path), _type_hint(kind)))
    return problems
