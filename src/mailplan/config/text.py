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

from mailplan.i18n import N_, Msg

# Allowed in a body: line breaks and tabs. Everything else of category Cc, and U+2028/U+2029, is refused.
_BODY_OK = frozenset("\n\r\t")
_SEPARATORS = {"\u2028": N_("line separator"), "\u2029": N_("paragraph separator")}
_NAMES = {"\r": N_("carriage return"), "\n": N_("line feed"), "\t": N_("tab"), "\0": N_("nul"), "\x1b": N_("escape")}


def control_character(text: str, allowed: frozenset[str] = frozenset()) -> str:
    """The first control character in ``text`` (not in ``allowed``), described: 'U+000D (carriage return)'; ''."""
    for ch in text:
        if ch in allowed:
            continue
        if unicodedata.category(ch) == "Cc" or ch in _SEPARATORS:
            name = _SEPARATORS.get(ch) or _NAMES.get(ch) or N_("control character")
            code = "U+" + format(ord(ch), "04X")
            return Msg("{code} ({name})", code=code, name=Msg(name))
    return ""


def one_line(value: str) -> str:
    found = control_character(value)
    if found:
        raise ValueError(
            Msg("holds the control character {found}; this text ends up in a mail header, where a line break would "
                "start a new header — write it on one line, without control characters", found=found)
        )
    return value


def plain_text(value: str) -> str:
    found = control_character(value, _BODY_OK)
    if found:
        raise ValueError(
            Msg("holds the control character {found}; only line breaks and tabs may appear in this text — remove it",
                found=found)
        )
    return value


def reason(value: str) -> str:
    if not value.strip():
        raise ValueError(Msg("an exception needs its reason: write why, e.g. `allow_external_delivery: \"the "
                             "owner's partner in Brazil, approved by the CEO 2026-03\"`"))  # fmt: skip
    return one_line(value)


Line = Annotated[str, AfterValidator(one_line)]  # a name, a subject: one header line
Text = Annotated[str, AfterValidator(plain_text)]  # a body, a note: several lines of plain text
Reason = Annotated[str, AfterValidator(reason)]  # why an exception is made: required, one line


# what Python's str.format parser says is wrong with a brace, as our msgids (its own words are English only)
_BRACE_ERRORS = {
    "Single '}' encountered in format string": N_("Single '}}' encountered in format string"),
    "Single '{' encountered in format string": N_("Single '{{' encountered in format string"),
    "expected '}' before end of string": N_("expected '}}' before end of string"),
}


def brace_error(exc: ValueError) -> str:
    """What is wrong with a brace in a text with placeholders, in the reader's language when it is a known case."""
    known = _BRACE_ERRORS.get(str(exc))
    return Msg(known) if known else str(exc)
