"""Messages in the reader's language: English in the code, Simplified Chinese from a gettext catalog.

Every message a person reads is an English msgid marked for extraction (docs/i18n.md). A run
speaks one language, chosen once by ``select``: ``--lang``, else ``MAILPLAN_LANG``, else the
locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``zh_CN…`` is Chinese); English otherwise.

Machine output never passes through here: JSON, the journal, saved plans, exit codes and rule
ids are English whatever the language. So a message built in the core is a ``Msg``: a ``str``
holding the English text (what JSON and the journal get), which a renderer turns into the
reader's language with ``localized()``. Renderers translate their own words at once with ``_``.

The runtime uses the stdlib ``gettext`` only, and loads the catalog on the first translation of
a run that is not English: start-up costs nothing more. Babel manages the catalogs (tests only).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import string
import struct
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gettext import NullTranslations

DOMAIN = "mailplan"
LOCALE_DIR = Path(__file__).parent / "locale"
ENGLISH = "en"
CHINESE = "zh-CN"
# the gettext catalog of each language but English (the msgids are the English)
CATALOGS = {CHINESE: "zh_CN"}
# the locale variables, strongest first: the first one set decides (POSIX)
LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")


def language_of(value: str) -> str | None:
    """``zh-CN``, ``zh_CN.UTF-8``, ``zh`` → ``zh-CN``; ``en``, ``en_US``, ``C`` → ``en``; anything else → None."""
    tag = value.strip().split(".")[0].split("@")[0].replace("_", "-").lower()
    if tag in ("zh", "zh-cn", "zh-sg", "zh-hans", "zh-hans-cn"):
        return CHINESE
    if tag in ("c", "posix", "en") or tag.startswith("en-"):
        return ENGLISH
    return None


def choose(explicit: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The language of a run: ``explicit`` (``--lang``), ``MAILPLAN_LANG``, the locale; English otherwise."""
    for wanted in (explicit, environ.get("MAILPLAN_LANG")):
        if wanted:
            return language_of(wanted) or ENGLISH
    for var in LOCALE_VARS:
        if environ.get(var):
            return language_of(environ[var]) or ENGLISH
    return ENGLISH


class _Run:
    language = ENGLISH
    catalog: NullTranslations | None = None  # loaded on the first translation


_run = _Run()


def select(explicit: str | None = None) -> str:
    """Choose the language of this run (the CLI does, before anything is printed); returns it."""
    language = choose(explicit)
    if language != _run.language:
        _run.language, _run.catalog = language, None
    return language


def language() -> str:
    return _run.language


def _catalog() -> NullTranslations | None:
    """The catalog of the run's language, None for English (the msgids are the text)."""
    if _run.language == ENGLISH:
        return None
    if _run.catalog is None:
        import gettext as stdlib

        _run.catalog = stdlib.translation(
            DOMAIN, LOCALE_DIR, languages=[CATALOGS[_run.language]], fallback=True
        )
    return _run.catalog


# --- marking and translating -------------------------------------------------------------------------------


def N_(msgid: str) -> str:
    """Mark a string for extraction without translating it: a module constant, translated where it is shown."""
    return msgid


def gettext(text: str) -> str:
    """``text`` in the run's language as it is, no placeholders filled: help texts, typer's own words."""
    catalog = _catalog()
    return catalog.gettext(text) if catalog else text


def _(msgid: str, /, **params: Any) -> str:
    """``msgid`` in the run's language, its ``{placeholders}`` filled: for renderers and the CLI."""
    catalog = _catalog()
    return _fill(catalog.gettext(msgid) if catalog else msgid, msgid, params)


def ngettext(singular: str, plural: str, count: int, /, **params: Any) -> str:
    """The form for ``count`` (placeholder ``{count}``) in the run's language."""
    catalog = _catalog()
    english = singular if count == 1 else plural
    return _fill(catalog.ngettext(singular, plural, count) if catalog else english, english, {"count": count, **params})


def pgettext(context: str, msgid: str, /, **params: Any) -> str:
    """``msgid`` in a context (date patterns): never matched against stored English text."""
    catalog = _catalog()
    return _fill(catalog.pgettext(context, msgid) if catalog else msgid, msgid, params)


class Msg(str):
    """A message built in the core: the English text as a ``str``, and ``localized()`` for a reader.

    JSON, the journal and saved plans take it as the plain English string it is; a renderer
    prints ``localized(text)``. Concatenating or formatting it gives a plain English ``str``:
    put the parts in one message with placeholders instead.
    """

    msgid: str
    plural: str
    number: int | None  # the count a plural depends on (not "count": str has a method of that name)
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Msg:
        return cls._make(msgid, "", None, params)

    @classmethod
    def _make(cls, msgid: str, plural: str, number: int | None, params: dict[str, Any]) -> Msg:
        english = plural if plural and number != 1 else msgid
        made = super().__new__(cls, _format(english, params, str))
        made.msgid, made.plural, made.number, made.params = msgid, plural, number, params
        return made

    def localized(self) -> str:
        if self.number is None:
            return _(self.msgid, **self.params)
        params = {k: v for k, v in self.params.items() if k != "count"}
        return ngettext(self.msgid, self.plural, self.number, **params)

    def mapped(self, change: Callable[[Any], Any]) -> Msg:
        """The same message with each parameter passed through ``change`` (a secret blanked out of it)."""
        return Msg._make(self.msgid, self.plural, self.number, {k: change(v) for k, v in self.params.items()})

    def __reduce__(self) -> tuple[Any, ...]:
        return (Msg._make, (self.msgid, self.plural, self.number, self.params))


def plural_msg(singular: str, plural: str, count: int, /, **params: Any) -> Msg:
    """A ``Msg`` with a plural: the number is the placeholder ``{count}``."""
    return Msg._make(singular, plural, count, {"count": count, **params})


def localized(text: object) -> str:
    """What a renderer prints for ``text`` built elsewhere: a ``Msg`` in the run's language; a plain
    string stored as English (a journal entry's reason) translated when the catalog knows it,
    placeholders and all; anything else as it is."""
    if isinstance(text, Msg):
        return text.localized()
    if isinstance(text, BaseException) and len(text.args) == 1 and isinstance(text.args[0], Msg):
        return text.args[0].localized()  # an error raised with one message: that message
    if _run.language == ENGLISH:
        return str(text)
    return _stored(_run.language, str(text))


# --- dates ---------------------------------------------------------------------------------------------------


def format_date(day: dt.date) -> str:
    """A date in the run's language: 2026-03-07 in English, 2026年3月7日 in Chinese (CLDR's form)."""
    padded = {"mm": str(day.month).zfill(2), "dd": str(day.day).zfill(2)}
    # Translators: a date. {year}, {month}, {day} are numbers; {mm}, {dd} the same with a leading zero.
    return pgettext("date", "{year}-{mm}-{dd}", year=day.year, month=day.month, day=day.day, **padded)


def format_datetime(moment: dt.datetime) -> str:
    """A moment, in UTC (the journal's clock): 2026-03-07T09:05:03+00:00 in English, the locale's form otherwise."""
    utc = moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    shown = {"date": format_date(utc.date()), "time": utc.strftime("%H:%M:%S"), "offset": "+00:00"}
    # Translators: a moment in UTC: {date} as above, {time} is 09:05:03, {offset} is "+00:00".
    return pgettext("datetime", "{date}T{time}{offset}", **shown)


# --- filling placeholders --------------------------------------------------------------------------------


def _format(template: str, params: Mapping[str, Any], show: Any) -> str:
    return template.format_map({name: show(value) for name, value in params.items()})


def _shown(value: Any) -> str:
    """A parameter as the reader sees it: a nested message translated, a date in the locale's form."""
    if isinstance(value, Msg):
        return value.localized()
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    return str(value)


def _fill(template: str, english: str, params: Mapping[str, Any]) -> str:
    """``template`` filled; a translation whose placeholders are broken falls back to the English."""
    try:
        return _format(template, params, _shown)
    except (KeyError, IndexError, ValueError):
        if template == english:
            raise
        return _format(english, params, _shown)


# --- text stored as English: matched against the catalog's msgids ---------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@lru_cache(maxsize=4096)
def _stored(language: str, text: str) -> str:
    """``text`` (English stored earlier, e.g. a journal entry's reason) in ``language``.

    An exact msgid is looked up; otherwise the msgids with placeholders are tried as patterns,
    the one with the most fixed text first, and what the placeholders matched is put into the
    translation (an ISO date in the locale's form). Unknown text is returned as it is.
    """
    catalog = _catalog()
    if catalog is None:
        return text
    if (found := catalog.gettext(text)) != text:
        return found
    for pattern, singular, plural in _patterns(language):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        params: dict[str, Any] = {
            name: dt.date.fromisoformat(value) if _ISO_DATE.fullmatch(value) else value
            for name, value in match.groupdict().items()
        }
        if plural:
            return ngettext(singular, plural, int(params.pop("count")), **params)
        return _(singular, **params)
    return text


@lru_cache(maxsize=4)
def _patterns(language: str) -> list[tuple[re.Pattern[str], str, str]]:
    """Every msgid with placeholders of the language's catalog as a regular expression, most fixed text first."""
    found: list[tuple[int, re.Pattern[str], str, str]] = []
    for msgid in _msgids(LOCALE_DIR / CATALOGS[language] / "LC_MESSAGES" / f"{DOMAIN}.mo"):
        if "\x04" in msgid:
            continue  # a message with a context (a date pattern) is no sentence to recognise
        singular, _sep, plural = msgid.partition("\x00")
        for english in (singular, plural) if plural else (singular,):
            compiled = _as_pattern(english)
            if compiled is not None:
                found.append((compiled[1], compiled[0], singular, plural))
    found.sort(key=lambda item: -item[0])
    return [(pattern, singular, plural) for _size, pattern, singular, plural in found]


def _as_pattern(msgid: str) -> tuple[re.Pattern[str], int] | None:
    """The regular expression a msgid with placeholders matches, and how much fixed text it has."""
    parts = list(string.Formatter().parse(msgid))
    if all(field is None for _text, field, _spec, _conv in parts):
        return None
    regex, fixed, previous_field = "", "", False
    seen: set[str] = set()
    for text, field, _spec, _conv in parts:
        if text:
            regex, fixed, previous_field = regex + re.escape(text), fixed + text, False
        if field is None:
            continue
        if previous_field or not field.isidentifier():
            return None  # two placeholders side by side cannot be told apart
        if field in seen:
            regex += f"(?P={field})"
        else:
            regex += r"(?P<count>\d+)" if field == "count" else f"(?P<{field}>.+?)"
            seen.add(field)
        previous_field = True
    if len(re.findall(r"[A-Za-z]{2,}", fixed)) < 2:
        # "{what}: {why}" would match any text, "{first} or {last}" any text with an "or" in it: only
        # sentences (two words at least besides the placeholders) are recognised
        return None
    return re.compile(regex, re.DOTALL), len(fixed)


def _msgids(mo_file: Path) -> list[str]:
    """The msgids of a compiled catalog (GNU .mo format; a plural's two forms joined by NUL)."""
    try:
        data = mo_file.read_bytes()
    except OSError:
        return []
    order = "<" if data[:4] == b"\xde\x12\x04\x95" else ">"
    count, table = struct.unpack(f"{order}4x4xII", data[:16])
    out = []
    for index in range(count):
        length, offset = struct.unpack(f"{order}II", data[table + 8 * index : table + 8 * index + 8])
        if length:
            out.append(data[offset : offset + length].decode("utf-8"))
    return out
