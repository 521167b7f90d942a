"""Folders mailplan creates for its state, with a mode of their own whatever the caller's umask."""

from __future__ import annotations

import os
from pathlib import Path

# Traversable by the mail servers' users (the local database usually lives in the state folder);
# what is secret inside has its own, stricter mode.
STATE_DIR_MODE = 0o755


def make_dirs(directory: Path, mode: int = STATE_DIR_MODE) -> None:
    """Create ``directory`` and its missing parents with ``mode``; folders that exist keep theirs."""
    missing = []
    for folder in [directory, *directory.parents]:
        if folder.exists():
            break
        missing.append(folder)
    directory.mkdir(parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, mode)  # mkdir's mode is cut by the umask; chmod's is not
