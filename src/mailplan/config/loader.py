"""``load``: read, validate and resolve a mailplan.yaml, or raise ConfigError listing every problem."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import ValidationError

from mailplan.config.directory import resolve
from mailplan.config.entries import Config
from mailplan.config.models import Document
from mailplan.config.problems import problems_of
from mailplan.config.providers import check_providers
from mailplan.config.source import read_config, top_level_scalar
from mailplan.errors import ConfigError

# The config loaded last, and the files it was read from: one run loads it again (apply, for the welcome
# sheets after the changes) and a 10,000-person config takes seconds to read. Served again only while
# every file it was read from holds the same bytes.
_last: Config | None = None


def load(path: Path) -> Config:
    global _last
    if _last is not None and _last.path == path and _unchanged(_last):
        return _last
    _last = None
    config = _load(path)
    _last = config
    return config


def _unchanged(config: Config) -> bool:
    digest = hashlib.sha256()
    try:
        for file in config.files:
            digest.update(file.read_bytes())
    except OSError:
        return False
    return digest.hexdigest() == config.fingerprint


def _load(path: Path) -> Config:
    source = read_config(path)
    try:
        doc = Document.model_validate(source.data)
    except ValidationError as exc:
        raise ConfigError(problems_of(exc, Document, source.where)) from None
    problems = check_providers(doc, source.where)
    try:
        config = resolve(doc, source.where, path, source.files, source.fingerprint)
    except ConfigError as exc:
        raise ConfigError(problems + exc.problems) from None
    if problems:
        raise ConfigError(problems)
    return config


def state_dir_of(path: Path) -> Path:
    """The state folder a config names, read before the config is loaded: the lock of a command that
    writes is taken first, so that what the command then reads (the config too) no other run changes.
    Only the main file's ``state_dir`` counts; a file that cannot be read gives the default."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        text = ""
    # most configs do not name it: those are not parsed twice (a key written with escapes is still found)
    value = top_level_scalar(text, "state_dir") if "state_dir" in text or "\\" in text else None
    default = str(Document.model_fields["state_dir"].default)
    folder = Path(value if isinstance(value, str) and value.strip() else default)
    return folder if folder.is_absolute() else path.resolve().parent / folder
