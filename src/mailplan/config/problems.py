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
from mailplan.i18n import N_, Msg, plural_msg

# what a value must be, by the first word of pydantic's error type (int_parsing, dict_type, ...): each a whole
# sentence, so that no other English sentence "x must be y, not z" is taken for one of these and half translated
_A_NUMBER = N_("{name} must be a whole number, not {value}")
_A_MAPPING = N_("{name} must be a mapping (key: value lines), not {value}")
_A_LIST = N_("{name} must be a list, not {value}")
_A_DATE = N_("{name} must be a date, not {value}")
_WRONG_TYPE = {
    "int": _A_NUMBER,
    "int_from_float": _A_NUMBER,
    "bool": N_("{name} must be true or false, not {value}"),
    "string": N_("{name} must be text, not {value}"),
    "list": _A_LIST,
    "set": _A_LIST,
    "tuple": _A_LIST,
    "dict": _A_MAPPING,
    "model": _A_MAPPING,
    "date": _A_DATE,
    "datetime": _A_DATE,
    "float": N_("{name} must be a number, not {value}"),
    "decimal": N_("{name} must be a number, not {value}"),
}
# pydantic's limits, its English as our msgids (its own messages are English only): the limit is ctx's value
_LIMITS = {
    "greater_than": N_("{name}: Input should be greater than {limit}"),
    "greater_than_equal": N_("{name}: Input should be greater than or equal to {limit}"),
    "less_than": N_("{name}: Input should be less than {limit}"),
    "less_than_equal": N_("{name}: Input should be less than or equal to {limit}"),
}
_LIMIT_KEY = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt", "less_than_equal": "le"}
_LENGTH_KEY = {"too_short": "min_length", "too_long": "max_length",
               "string_too_short": "min_length", "string_too_long": "max_length"}  # fmt: skip


def dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or Msg("the file")


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
        return Msg("write dates as YYYY-MM-DD, e.g. 2026-10-31")
    return ""


def _use(expected: object) -> Msg:
    """The hint for a value not among the allowed ones: pydantic's ``'a', 'b' or 'c'`` as a list (its "or" is
    English, and a sentence "use x or y" would match other English sentences)."""
    choices = ", ".join(str(expected).rsplit(" or ", 1))
    return Msg("use one of: {choices}", choices=choices)


def _shown(value: object) -> str:
    return Msg("nothing") if value is None else repr(value)


def _value_error(err: Any, name: str) -> Msg:
    """A validator's own message (a ``Msg`` when it is ours), after the name of the value."""
    cause = err.get("ctx", {}).get("error")
    if isinstance(cause, BaseException) and len(cause.args) == 1 and isinstance(cause.args[0], Msg):
        return Msg("{name}: {reason}", name=name, reason=cause.args[0])
    if cause is not None:
        return Msg("{name}: {reason}", name=name, reason=str(cause))
    # a check pydantic made that has no words of ours yet: its English, after the value's name
    return Msg("{name} is not valid here: {reason}", name=name, reason=str(err["msg"]))


def _length(kind: str, name: str, n: int) -> Msg:
    """A list or a text too short or too long; the number is the limit."""
    if kind == "too_short":
        return plural_msg("{name} needs at least {count} entry", "{name} needs at least {count} entries", n, name=name)
    if kind == "too_long":
        return plural_msg("{name} may have at most {count} entry", "{name} may have at most {count} entries", n,
                          name=name)  # fmt: skip
    if kind == "string_too_short":
        return plural_msg("{name} needs at least {count} character", "{name} needs at least {count} characters", n,
                          name=name)  # fmt: skip
    return plural_msg("{name} may have at most {count} character", "{name} may have at most {count} characters", n,
                      name=name)  # fmt: skip


def _problem_of(err: Any, root: type[BaseModel], where: SourceMap, path: NodePath) -> Problem:
    kind = err["type"]
    name = dotted(path)
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        key = str(path[-1])
        model = model_at(root, tuple(err["loc"][:-1]))
        allowed = list(model.model_fields) if model else []
        unknown = Msg("unknown key {key} in {place}", key=repr(key), place=dotted(path[:-1]))
        return Problem(unknown, where.key_at(path), suggest(key, allowed))
    if kind == "missing":
        missing = Msg("{place} is missing the required key {key}", place=dotted(path[:-1]), key=repr(path[-1]))
        return Problem(missing, where.at(path[:-1]), Msg("add `{key}: ...`", key=path[-1]))
    if kind in ("literal_error", "enum"):
        refused = Msg("{name}: {value} is not allowed", name=name, value=repr(err.get("input")))
        return Problem(refused, where.at(path), _use(ctx.get("expected")))
    if kind in _LIMITS:
        limit = ctx.get(_LIMIT_KEY[kind], "")
        return Problem(Msg(_LIMITS[kind], name=name, limit=limit), where.at(path))
    if kind in _LENGTH_KEY:
        return Problem(_length(kind, name, int(ctx.get(_LENGTH_KEY[kind], 0))), where.at(path))
    if kind.endswith(("_type", "_parsing", "_inexact")) or kind in _WRONG_TYPE:
        base = kind if kind in _WRONG_TYPE else kind.split("_")[0]
        shown = _shown(err.get("input"))
        if base in _WRONG_TYPE:
            wrong = Msg(_WRONG_TYPE[base], name=name, value=shown)
        else:
            wrong = Msg("{name} must be of the type {expected}, not {value}", name=name, expected=base, value=shown)
        return Problem(wrong, where.at(path), _type_hint(kind))
    return Problem(_value_error(err, name), where.at(path), _type_hint(kind))


def problems_of(
    error: ValidationError, root: type[BaseModel], where: SourceMap, prefix: NodePath = ()
) -> list[Problem]:
    return [_problem_of(err, root, where, (*prefix, *err["loc"])) for err in error.errors(include_url=False)]
