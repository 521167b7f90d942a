"""Secrets in provider settings: only references (``env:NAME``, ``file:PATH``), resolved at compile time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mailplan.config.source import NodePath, SourceMap
from mailplan.errors import Problem
from mailplan.providers import redact
from mailplan.providers.redact import SECRET_KEYS, SECRET_SUFFIXES, is_secret_key

__all__ = ["SECRET_KEYS", "SECRET_SUFFIXES", "is_secret_key", "literal_secrets", "resolve"]
REFERENCE_PREFIXES = ("env:", "file:")


def is_reference(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(REFERENCE_PREFIXES)


def literal_secrets(settings: Mapping[str, Any], path: NodePath, where: SourceMap) -> list[Problem]:
    """A secret written into the file would end up in git: each one is an error."""
    problems: list[Problem] = []
    for key, value in settings.items():
        child = (*path, key)
        if isinstance(value, Mapping):
            problems.extend(literal_secrets(value, child, where))
        elif is_secret_key(key) and value is not None and not is_reference(value):
            env_name = "_".join(str(p).upper().replace("-", "_") for p in child[1:])
            problems.append(
                Problem(
                    f"{key!r} holds a secret written in the file",
                    where.at(child),
                    f"never commit secrets: write `{key}: env:{env_name}` (an environment variable) "
                    f"or `{key}: file:/run/secrets/...` (a file)",
                )
            )
    return problems


def resolve(
    settings: Mapping[str, Any], path: NodePath, where: SourceMap, base_dir: Path, problems: list[Problem]
) -> dict[str, Any]:
    """``settings`` with every ``env:``/``file:`` reference replaced by its value."""
    out: dict[str, Any] = {}
    for key, value in settings.items():
        child = (*path, key)
        if isinstance(value, Mapping):
            out[key] = resolve(value, child, where, base_dir, problems)
        elif is_reference(value):
            out[key] = _dereference(str(value), child, where, base_dir, problems)
            redact.register(out[key])  # whatever a reference holds is kept out of every error
        else:
            out[key] = value
    return out


def _dereference(ref: str, path: NodePath, where: SourceMap, base_dir: Path, problems: list[Problem]) -> str:
    kind, _, name = ref.partition(":")
    if kind == "env":
        value = os.environ.get(name)
        if value is None or not name:
            problems.append(
                Problem(
                    f"environment variable {name!r} (for {path[-1]!r}) is not set",
                    where.at(path),
                    f"export {name or 'NAME'}=... before running mailplan (in CI: add it to the job's secrets)",
                )
            )
            return ""
        return value
    file = Path(name)
    file = file if file.is_absolute() else base_dir / file
    try:
        return file.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        problems.append(
            Problem(
                f"cannot read the secret file {name!r} (for {path[-1]!r}): {exc.strerror or exc}",
                where.at(path),
                "check the path (relative paths are relative to the config file) and its permissions",
            )
        )
        return ""
