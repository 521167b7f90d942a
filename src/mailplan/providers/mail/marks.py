"""What the Google and Microsoft providers share in the marks mailplan leaves on what it
created: addresses as they are compared, the kind tokens (and what they tell of a user a create
found already there), and the ``[mailplan ...]`` note at the end of a description (which also
carries what the resource has no field for)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Set

KIND_TOKENS = ("person", "functional")
RESENT_NOTE = "sent again after no answer; the account took it"  # the credentials file's note on such a user
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


def made_by_resend(attempts: int, kind: str, tokens: Set[str]) -> bool:
    """Whether the user an "already exists" answer to our create names is our own. The shared
    client resends a POST after a timeout or a 5xx: when it sent the create more than once
    (``attempts``) and the user carries our ``kind`` token, an earlier attempt went through, with
    our password."""
    return attempts > 1 and kind in tokens
