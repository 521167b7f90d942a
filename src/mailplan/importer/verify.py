"""Check an import before anyone relies on it: compile the written text, diff it against what was read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from mailplan.config.compile import compile_config
from mailplan.config.directory import resolve
from mailplan.config.models import Document
from mailplan.config.problems import problems_of
from mailplan.config.source import SourceMap
from mailplan.engine.diff import diff_provider
from mailplan.errors import ConfigError
from mailplan.model.change import Change
from mailplan.model.plan import Unmanaged
from mailplan.model.state import Observed
from mailplan.session import handed_over


def replan(
    text: str, path: Path, provider: str, observed: Observed, today: dt.date
) -> tuple[list[Change], list[Unmanaged]]:
    """The changes and unmanaged objects a plan of ``text`` (written at ``path``) would show for ``provider``.

    DNS is left out: it is copied from the starting config, not imported, and
    deriving it would create DKIM keys as a side effect.
    """
    data: dict[str, Any] = yaml.safe_load(text)
    for domain in data.get("domains", {}).values():
        domain.pop("dns", None)
    try:
        doc = Document.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems_of(exc, Document, SourceMap())) from None
    config = resolve(doc, SourceMap(), path, [path], "")
    desired = handed_over(compile_config(config, today))
    changes, unmanaged, _ = diff_provider(provider, desired.objects[provider], observed)
    return changes, unmanaged
