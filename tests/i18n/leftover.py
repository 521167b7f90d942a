"""What is left of the other language in a rendering: the checker every output's bilingual test uses.

``english_left(chinese_rendering, keep=...)`` lists the English words still in a Chinese rendering,
once what is never translated is taken out: the texts in ``keep`` (names, provider answers, data
the test knows), and what looks like a machine token wherever it appears — addresses, domains,
file names and paths, ``--options``, ``<metavars>``, UPPERCASE placeholders and acronyms (rule ids,
JSON, SEQ:HASH, YYYY-MM-DD), identifiers with ``_`` or ``:``, hex hashes, code in backticks, ASCII
"quoted" data. ``chinese_left(english_rendering, keep=...)`` is the other way round.

Used on every human output as its conversion lands: render it on the example company in both
languages, and assert both lists are empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

# Always taken out: tokens a reader types or a machine reads, in any language.
_A = r"(?<![A-Za-z0-9])"  # an ASCII word's edge: \b would not see one between 中 and D
_Z = r"(?![A-Za-z0-9])"
MACHINE = [
    r"`[^`\n]*`",  # code
    r'"[^"\n]*"',  # data quoted as JSON (an attribute's value): ASCII quotes, never a translation's
    r"'[^'\n]*'",  # data as Python shows it ('one'); a translation quotes with “”
    r"[\w.+-]+@[\w.-]+",  # addresses (IDN ones too: \w is Unicode)
    r"\b\w+://\S+",  # URLs
    r"(?<![\w-])--?[A-Za-z][\w-]*",  # --options, -p
    r"<[^<>\n]*>",  # <metavars> (and what is left of markup)
    _A + r"(?:env|file):[\w./|:-]*",  # key references
    r"\S*/\S*",  # paths, keys of records (zone/name/type)
    _A + r"[\w-]+(?:\.[\w-]+)+" + _Z,  # domains, file names
    _A + r"[A-Za-z0-9]*_[A-Za-z0-9_]*" + _Z,  # identifiers: journal_key, LC_ALL
    _A + r"\d+:[0-9a-f]{8,}" + _Z,  # a journal head
    _A + r"[0-9a-f]{7,}" + _Z,  # hashes, commits
    _A + r"[A-Z][A-Z0-9]*(?:[-:|][A-Z0-9]+)*" + _Z,  # placeholders and acronyms: SEQ:HASH, JSON, UTC, SPF07, YYYY-MM-DD
    r"^head \d+:\S+$",  # the head line of audit verify: scripts read it, it is the same in every language
    _A + r"mailplan" + _Z,  # the program's name
]

_MACHINE = re.compile("|".join(f"(?:{p})" for p in MACHINE), re.MULTILINE)
_ENGLISH = re.compile(r"[A-Za-z]{2,}")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")


def _without(text: str, keep: Iterable[str]) -> str:
    for literal in sorted({k for k in keep if k}, key=len, reverse=True):
        text = re.sub(_A + re.escape(literal) + _Z, " ", text)  # a whole word: "mail" is not kept out of "mailbox"
    return text


def english_left(text: str, keep: Iterable[str] = ()) -> list[str]:
    """The English words in ``text`` (a Chinese rendering) that are neither kept nor machine tokens,
    each with a little of its line around it."""
    rest = _MACHINE.sub(" ", _without(text, keep))
    found = []
    for line in rest.splitlines():
        found += [f"{m.group()!r} in {line.strip()[:80]!r}" for m in _ENGLISH.finditer(line)]
    return found


def chinese_left(text: str, keep: Iterable[str] = ()) -> list[str]:
    """The Chinese in ``text`` (an English rendering) that is not kept data (a name, an answer)."""
    rest = _without(text, keep)
    return [f"{m.group()!r} in {line.strip()[:80]!r}" for line in rest.splitlines() for m in _CJK.finditer(line)]


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("style", "script")
        if tag in ("br", "p", "tr", "li", "h1", "h2", "td", "th", "title"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a reader of an HTML page sees (no markup, no style sheet), a line per block."""
    parser = _Visible()
    parser.feed(html)
    return "".join(parser.parts)
