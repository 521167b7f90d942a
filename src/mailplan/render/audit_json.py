"""The audit log as JSON: the journal entries themselves (hash chain included), oldest first."""

from __future__ import annotations

import json
from typing import Any


def render(entries: list[dict[str, Any]], person: str = "", since: str = "") -> str:
    document = {"format": "mailplan-audit-log", "version": 1, "person": person or None, "since": since or None,
                "entries": entries}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
