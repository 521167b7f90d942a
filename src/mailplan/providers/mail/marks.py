"""What the Google and Microsoft providers share in the marks mailplan leaves on what it
created: addresses as they are compared, the kind tokens, and the ``[mailplan ...]`` note at the
end of a description (which also carries what the resource has no field for)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping

KIND_TOKENS = ("person", "functional")
_NOTE = re.compile(r"\s*\[mailplan((?: [a-z_]+=\S+)*)\]\s*$")


def address(value: str) -> str:
    """Lower-case ``local@domain`` with the domain as an IDNA A-label."""
    local, _, dom = value.strip().lower().rpartition("@")
    with contextlib.suppress(UnicodeError):
        dom = dom.encode("idna").decode("ascii")
    return f"{local}@{dom}" if local else dom


def with_note(text: str, fields: Mapping[str, str | None] | None = None) -> str:
    """``text`` followed by the mailplan note (which marks the resource as created by mailplan)."""
    parts = "".join(f" {k}={v}" for k, v in sorted((fields or {}).items()) if v)
    return f"{text} [mailplan{parts}]".strip()


def read_note(description: str | None) -> tuple[str, dict[str, str] | None]:
    """``(text, fields)``; ``fields`` is None when the description carries no mailplan note."""
    description = description or ""
    found = _NOTE.search(description)
    if not found:
        return description, None
    fields = dict(part.split("=", 1) for part in found.group(1).split())
    return description[: found.start()], fields
