"""Secrets in provider settings: only references (``env:NAME``, ``file:PATH``), resolved at compile time."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mailplan.config.files import os_reason
from mailplan.config.limits import MAX_SECRET_BYTES
from mailplan.config.source import NodePath, SourceMap
from mailplan.errors import Problem
from mailplan.i18n import Msg
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
                    Msg("{key} holds a secret written in the file", key=repr(key)),
                    where.at(child),
                    Msg("never commit secrets: write `{key}: env:{env}` (an environment variable) "
                        "or `{key}: file:/run/secrets/...` (a file)", key=key, env=env_name),
                )
            )
    return problems


def misplaced_references(settings: Mapping[str, Any], path: NodePath, where: SourceMap) -> list[Problem]:
    """A reference in a setting that is not a secret is an error: only secrets are read from env:/file:.

    Its value would otherwise be shown wherever the setting is (a plan's MX record, a
    pull-request comment); a secret's value is never shown, so only secrets may come from there.
    """
    problems: list[Problem] = []
    for key, value in settings.items():
        child = (*path, key)
        if isinstance(value, Mapping):
            problems.extend(misplaced_references(value, child, where))
            continue
        items = enumerate(value) if isinstance(value, list) else [(None, value)]
        for i, item in items:
            if is_secret_key(key) or not is_reference(item):
                continue
            kind = str(item).partition(":")[0]
            problems.append(
                Problem(
                    Msg("{key} is not a secret, so it cannot be read from {kind} (only secrets are)",
                        key=repr(key), kind=kind + ":"),
                    where.at(child if i is None else (*child, i)),
                    Msg("write the value itself; env:NAME and file:PATH are for secret settings (password, secret, "
                        "token, key, and names ending in _password, _secret, _token, _key or _passphrase)"),
                )
            )
    return problems


def resolve(
    settings: Mapping[str, Any], path: NodePath, where: SourceMap, base_dir: Path, problems: list[Problem],
    secrets: bool = True,
) -> dict[str, Any]:
    """``settings`` with every ``env:``/``file:`` reference replaced by its value.

    ``secrets=False`` leaves the references of secret settings as they are: a command that
    only reads DNS (``check``) runs where no provider secret is set.
    """
    out: dict[str, Any] = {}
    for key, value in settings.items():
        child = (*path, key)
        if isinstance(value, Mapping):
            out[key] = resolve(value, child, where, base_dir, problems, secrets)
        elif is_reference(value) and (secrets or not is_secret_key(key)):
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
                    Msg("environment variable {name} (for {key}) is not set", name=repr(name), key=repr(path[-1])),
                    where.at(path),
                    Msg("`export {name}=...` before running mailplan (in CI: add it to the job's secrets)",
                        name=name or "NAME"),
                )
            )
            return ""
        return value
    file = Path(name)
    file = file if file.is_absolute() else base_dir / file
    try:
        if not stat.S_ISREG(file.stat().st_mode):  # a directory, a pipe (would block), a device (endless)
            raise OSError(0, Msg("not a regular file"))
        with file.open("rb") as fh:
            data = fh.read(MAX_SECRET_BYTES + 1)
        if len(data) > MAX_SECRET_BYTES:
            raise OSError(0, Msg("larger than {size} KiB, so not a secret", size=MAX_SECRET_BYTES // 1024))
        return data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        problems.append(Problem(Msg("the secret file {name} (for {key}) is not UTF-8 text", name=repr(name),
                                    key=repr(path[-1])), where.at(path)))  # fmt: skip
        return ""
    except OSError as exc:
        problems.append(
            Problem(
                Msg("cannot read the secret file {name} (for {key}): {reason}", name=repr(name), key=repr(path[-1]),
                    reason=os_reason(exc)),
                where.at(path),
                Msg("check the path (relative paths are relative to the config file) and its permissions"),
            )
        )
        return ""
