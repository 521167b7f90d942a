"""Text that ends up in mail: names and subjects are one header line, bodies are plain text.

A CR or LF in a display name or an auto-reply subject would start a new header
line in the mail that carries it (``Bcc:`` injected into every auto-reply); other
control characters (NUL, ESC, the Unicode line separators) break SMTP, terminals
or the providers' APIs. They are refused where they are written.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

# Allowed in a body: line breaks and tabs. Everything else of category Cc, and U+2028/U+2029, is refused.
_BODY_OK = frozenset("\n\r\t")
_SEPARATORS = {"\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR"}


def control_character(text: str, allowed: frozenset[str] = frozenset()) -> str:
    """The first control character in ``text`` (not in ``allowed``), described: 'U+000D (carriage return)'; ''."""
    for ch in text:
        if ch in allowed:
            continue
        if unicodedata.category(ch) == "Cc" or ch in _SEPARATORS:
            name = _SEPARATORS.get(ch) or {"\r": "carriage return", "\n": "line feed", "\t": "tab",
                                           "\0": "NUL", "\x1b": "escape"}.get(ch, "control character")  # fmt: skip
            return f"U+{ord(ch):04X} ({name.lower()})"
    return ""


def one_line(value: str) -> str:
    found = control_character(value)
    if found:
        raise ValueError(
            f"holds the control character {found}; this text ends up in a mail header, where a line break would "
            "start a new header — write it on one line, without control characters"
        )
    return value


def plain_text(value: str) -> str:
    found = control_character(value, _BODY_OK)
    if found:
        raise ValueError(
            f"holds the control character {found}; only line breaks and tabs may appear in this text — remove it"
        )
    return value


def reason(value: str) -> str:
    if not value.strip():
        raise ValueError("an exception needs its reason: write why, e.g. `allow_external_delivery: \"the owner's "
                         "partner in Brazil, approved by the CEO 2026-03\"`")  # fmt: skip
    return one_line(value)


Line = Annotated[str, AfterValidator(one_line)]  # a name, a subject: one header line
Text = Annotated[str, AfterValidator(plain_text)]  # a body, a note: several lines of plain text
Reason = Annotated[str, AfterValidator(reason)]  # why an exception is made: required, one line
