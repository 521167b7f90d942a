"""The journal of one run: who applies, and which version of the config (its git commit, whether
its files have uncommitted edits, its fingerprint)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mailplan.engine.journal import Journal
from mailplan.model.desired import Desired


@dataclass(frozen=True)
class ConfigVersion:
    commit: str  # "" when the config is in no repository and no CI names a commit
    dirty: bool  # the config's files differ from that commit (uncommitted or untracked)


def _git(folder: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def config_version(config_dir: Path, files: Sequence[Path] = ()) -> ConfigVersion:
    """The git commit of the config, and whether ``files`` (the config and its includes) differ from it."""
    head = _git(config_dir, "rev-parse", "HEAD")
    if head is None:
        # no checkout to compare with: the CI's commit is the best we know, dirtiness we cannot tell
        for var in ("GITHUB_SHA", "CI_COMMIT_SHA"):
            if os.environ.get(var):
                return ConfigVersion(os.environ[var], False)
        return ConfigVersion("", False)
    if not files:
        return ConfigVersion(head.strip(), False)
    # --ignored and untracked files too: a file git does not hold is not what the commit says either
    status = _git(config_dir, "status", "--porcelain", "--ignored", "--untracked-files=all", "--",
                  *(str(f) for f in files))  # fmt: skip
    # a failed status (a file outside the repository) cannot be in the commit
    return ConfigVersion(head.strip(), status is None or bool(status.strip()))


def for_run(
    path: Path, desired: Desired, base_dir: Path, actor: str = "", as_of: dt.date | None = None
) -> Journal:
    """The journal of one run: who, which config (commit, uncommitted edits, fingerprint), the key if any,
    and ``as_of`` the rehearsed day it acted as, if not the clock's."""
    files = [Path(f) for f in desired.config_files] or ([Path(desired.config_path)] if desired.config_path else [])
    version = config_version(base_dir, files)
    return Journal(
        path,
        actor=actor,
        commit=version.commit,
        fingerprint=desired.config_fingerprint,
        dirty=version.dirty,
        key_ref=desired.journal_key,
        base_dir=base_dir,
        as_of=as_of,
    )
