"""Errors a user sees: each says where, what is wrong, and how to fix it."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Characters that would break a message's one line or the terminal: shown escaped, never as they are.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def visible(text: str) -> str:
    """``text`` with control characters written as escapes (``\\r``, ``\\x1b``): a message stays one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


@dataclass(frozen=True, order=True)
class Location:
    file: str
    line: int  # 1-based
    col: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class MailplanError(Exception):
    """Any failure the CLI reports as a message (exit 1), never as a traceback."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the config: ``file:line:col: message (hint)``."""

    message: str
    location: Location | None = None
    hint: str = ""

    def __str__(self) -> str:
        where = f"{visible(str(self.location))}: " if self.location else ""
        fix = f" — {visible(self.hint)}" if self.hint else ""
        return f"{where}{visible(self.message)}{fix}"


class ConfigError(MailplanError):
    """The config is invalid. Holds every problem found, sorted by position."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(
            problems, key=lambda p: (p.location is None, p.location or Location("", 0, 0), p.message)
        )
        super().__init__("\n".join(str(p) for p in self.problems))
