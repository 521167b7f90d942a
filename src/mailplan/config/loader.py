"""``load``: read, validate and resolve a mailplan.yaml, or raise ConfigError listing every problem."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from mailplan.config.directory import resolve
from mailplan.config.entries import Config
from mailplan.config.models import Document
from mailplan.config.problems import problems_of
from mailplan.config.providers import check_providers
from mailplan.config.source import read_config
from mailplan.errors import ConfigError


def load(path: Path) -> Config:
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
