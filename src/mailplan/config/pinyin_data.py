"""pypinyin's two dictionaries, read without importing pypinyin's converter.

``import pypinyin`` parses both of its dictionaries (0.8 MB of characters, 2.5 MB of phrases) and
trains its word segmenter on 47,000 phrases: a quarter of a second and some 50 MB that every
``validate`` of a company with Chinese names paid, though a name needs a few dozen characters and,
for a given name of two or more characters, one or two phrases. So the character table is parsed
(a few hundredths of a second) and a phrase is looked up in the phrase file's text; only a run that
asks for many phrases (a large company) parses the phrase file whole, once.

The data is pypinyin's own, read from the installed package: readings stay exactly pypinyin's
(``tests/config/test_pinyin_data.py`` holds them to pypinyin's ``lazy_pinyin``/``pinyin`` output).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import unicodedata
from pathlib import Path
from typing import Any

# Past this many phrase look-ups, parsing the whole file once is cheaper than searching its text again.
_SEARCHES_BEFORE_PARSING = 48
_CIRCUMFLEX = "\u0302"  # ê is a vowel of its own in pinyin, not a tone mark


def _data_file(name: str) -> Path:
    spec = importlib.util.find_spec("pypinyin")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pypinyin is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / name


def toneless(syllable: str) -> str:
    """A toned syllable as pypinyin's ``Style.NORMAL`` writes it: tone marks dropped, ü as v, ê kept."""
    decomposed = unicodedata.normalize("NFD", syllable).replace("u\u0308", "v").replace("U\u0308", "V")
    kept = "".join(c for c in decomposed if c == _CIRCUMFLEX or not unicodedata.combining(c))
    return unicodedata.normalize("NFC", kept)


@functools.cache
def _characters() -> dict[str, str]:
    return json.loads(_data_file("pinyin_dict.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def char_readings(char: str) -> tuple[str, ...]:
    """Every reading of one character, toneless, most frequent first (() when pypinyin has none)."""
    found = _characters().get(str(ord(char))) if len(char) == 1 else None
    return tuple(dict.fromkeys(toneless(r) for r in found.split(","))) if found else ()


class _Phrases:
    """The phrase dictionary: searched in its text while look-ups are few, parsed whole past that."""

    def __init__(self) -> None:
        self._text: str | None = None
        self._parsed: dict[str, list[list[str]]] | None = None
        self._prefixes: set[str] = set()
        self._answers: dict[tuple[str, str], Any] = {}  # (question, text) -> answer, while searching
        self._searches = 0

    def _source(self) -> str:
        if self._text is None:
            self._text = _data_file("phrases_dict.json").read_text(encoding="utf-8")
        return self._text

    def _parse(self) -> dict[str, list[list[str]]]:
        if self._parsed is None:
            self._parsed = json.loads(self._source())
            self._prefixes = {word[:end] for word in self._parsed for end in range(1, len(word) + 1)}
            self._text, self._answers = None, {}
        return self._parsed

    def _search(self, question: str, text: str) -> Any:
        """The answer from the file's text, or ``...`` once searching costs more than parsing would."""
        if (question, text) in self._answers:
            return self._answers[question, text]
        if self._parsed is not None or self._searches >= _SEARCHES_BEFORE_PARSING:
            return ...
        self._searches += 1
        source = self._source()
        if question == "prefix":  # keys are the only quoted Han text in the file
            answer: Any = '"' + text in source
        else:
            at = source.find('"' + text + '":')
            answer = None if at < 0 else json.JSONDecoder().raw_decode(source, source.index("[", at))[0]
        self._answers[question, text] = answer
        return answer

    def is_prefix(self, text: str) -> bool:
        """Whether some phrase starts with ``text``."""
        found = self._search("prefix", text)
        if found is ...:
            self._parse()
            return text in self._prefixes
        return bool(found)

    def readings(self, word: str) -> list[list[str]] | None:
        """The phrase's readings, one list per character, toned (None when ``word`` is not a phrase)."""
        found = self._search("readings", word)
        return self._parse().get(word) if found is ... else found


_PHRASES = _Phrases()


def segments(text: str) -> list[str]:
    """``text`` cut as pypinyin cuts it (its strict forward maximum match): the longest phrase at each
    point, else one character; a rest that only begins some phrase, and holds none, falls apart into its
    characters. No phrase is one character, and a phrase is a prefix too: fewer questions, the same cut."""
    out: list[str] = []
    remain = text
    while remain:
        word, end = "", 0
        for size in range(2, len(remain) + 1):
            if _PHRASES.readings(remain[:size]) is not None:
                word, end = remain[:size], size
            elif len(remain) == 2 or not _PHRASES.is_prefix(remain[:size]):
                break  # (two characters that are no phrase fall apart whether or not they begin one)
        else:
            if not word:
                out.extend(remain)
                break
        out.append(word or remain[0])
        remain = remain[end or 1 :]
    return out


def read_in_context(text: str) -> list[str]:
    """Each character's toneless reading as pypinyin reads ``text`` as running text ("" for none)."""
    out: list[str] = []
    for part in segments(text):
        found = _PHRASES.readings(part) if len(part) > 1 else None
        if found is not None and len(found) == len(part):
            out.extend(toneless(r[0]) for r in found)
        else:
            out.extend((char_readings(c) or ("",))[0] for c in part)
    return out
