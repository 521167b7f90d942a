"""Addresses derived from people's names: 张三 -> ``zhangsan``, John Smith -> ``john.smith``.

A derived address depends only on the person's own name and the pattern, so
adding, removing or reordering other people never changes it; two people who
derive the same address are a config error the loader reports.

Chinese names: the surname is read first, from a table of surnames whose
reading differs from the character's everyday one (单 is *shan* as a surname,
not *dan*) and of compound surnames (欧阳, 尉迟 ...); the given name is read by
pypinyin, without tones. ü is written ``v`` (吕 -> ``lv``, 女 -> ``nv``), as the
pinyin input method and most Chinese mail systems write it.

Latin names: ``Given [Middle ...] Family`` or ``Family, Given``; accents are
stripped (José -> jose), apostrophes dropped (O'Neil -> oneil), titles and
suffixes left out (Dr. John Smith Jr. -> john.smith).
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from anyascii import anyascii

from mailplan.config.addresses import AddressError, check_local_part
from mailplan.config.readings import Syllable, char_reading, read_given
from mailplan.config.text import brace_error
from mailplan.i18n import Msg

# Two-character surnames, read as one surname.
COMPOUND_SURNAMES: dict[str, str] = {
    "欧阳": "ouyang", "司马": "sima", "上官": "shangguan", "诸葛": "zhuge", "东方": "dongfang",
    "皇甫": "huangfu", "令狐": "linghu", "慕容": "murong", "司徒": "situ", "夏侯": "xiahou",
    "尉迟": "yuchi", "长孙": "zhangsun", "万俟": "moqi", "公孙": "gongsun", "轩辕": "xuanyuan",
    "宇文": "yuwen", "端木": "duanmu", "独孤": "dugu", "西门": "ximen", "南宫": "nangong",
    "呼延": "huyan", "澹台": "tantai", "公冶": "gongye", "太史": "taishi", "申屠": "shentu",
    "闻人": "wenren", "赫连": "helian", "淳于": "chunyu", "单于": "chanyu", "百里": "baili",
    "东郭": "dongguo", "钟离": "zhongli", "宗政": "zongzheng", "濮阳": "puyang", "公羊": "gongyang",
    "仲孙": "zhongsun", "拓跋": "tuoba", "司空": "sikong", "司寇": "sikou", "第五": "diwu",
}  # fmt: skip

# Single-character surnames whose surname reading a plain pinyin lookup may get wrong.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou", "查": "zha", "朴": "piao",
    "盖": "ge", "乐": "yue", "员": "yun", "缪": "miao", "覃": "qin", "翟": "zhai", "繁": "po",
    "黑": "he", "宓": "mi", "召": "shao", "秘": "bi", "种": "chong", "句": "gou", "能": "nai",
    "葛": "ge", "任": "ren", "燕": "yan", "纪": "ji", "冼": "xian", "隗": "wei", "阚": "kan",
    "沈": "shen", "尉": "wei", "长": "chang", "重": "chong", "朝": "chao", "折": "she", "卜": "bu",
    "薄": "bo", "柏": "bai", "贲": "ben", "苌": "chang", "都": "du", "过": "guo", "华": "hua",
    "相": "xiang", "应": "ying", "曲": "qu", "殷": "yin", "洗": "xian", "眭": "sui", "粘": "nian",
    "藏": "zang", "乜": "nie", "牟": "mou", "祭": "zhai", "蕃": "pi", "宿": "su", "臧": "zang",
    "石": "shi", "行": "xing", "车": "che", "阿": "a", "吕": "lv", "女": "nv", "费": "fei",
    "那": "na", "哈": "ha", "褚": "chu", "郇": "xun", "莘": "shen", "於": "yu", "么": "yao",
}  # fmt: skip

PLACEHOLDERS = ("pinyin", "given", "family", "given_initials", "family_initial", "middle_initials")
DEFAULT_PATTERN = "{pinyin}"
DEFAULT_LATIN_PATTERN = "{given}.{family}"

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_SEPARATORS = frozenset(" \t·・•‧-‐'’.")  # between the parts of a name; not read


@dataclass(frozen=True)
class NameParts:
    """A name split into romanized parts, ready for a pattern, and how each part was read."""

    family: str
    given: tuple[str, ...]  # syllables (Chinese) or given names (Latin, without middle names)
    middle: tuple[str, ...] = ()
    chinese: bool = False  # the given name is Chinese: the (Chinese) pattern applies
    family_read: tuple[Syllable, ...] = ()  # how a Chinese family name was read
    given_read: tuple[Syllable, ...] = ()  # how a Chinese given name was read
    how: str = ""  # how a Latin name was split

    def values(self) -> dict[str, str]:
        given = "".join(self.given) if self.chinese else "-".join(self.given)
        return {
            "pinyin": self.family + "".join(self.given) if self.chinese else f"{given}{self.family}",
            "given": given,
            "family": self.family,
            "given_initials": "".join(g[:1] for g in self.given),
            "family_initial": self.family[:1],
            "middle_initials": "".join(m[:1] for m in self.middle),
        }

    @property
    def doubts(self) -> tuple[Syllable, ...]:
        return tuple(s for s in (*self.family_read, *self.given_read) if s.doubtful)

    def reading(self, syllable: Syllable, instead: str) -> NameParts:
        """These parts with ``syllable`` of the given name read as ``instead``."""
        read = tuple(replace(s, reading=instead) if s is syllable else s for s in self.given_read)
        return replace(self, given=tuple(s.reading for s in read), given_read=read)


def is_chinese(name: str) -> bool:
    return bool(_HAN.search(name))


def _unreadable(name: str, char: str) -> AddressError:
    facts = {"name": repr(name), "char": char, "code": f"U+{ord(char):04X}"}
    if _HAN.match(char):
        return AddressError(Msg("the name {name} has the character {char} ({code}), which is outside the pinyin "
                                "tables, so no address can be derived from it", **facts))
    return AddressError(Msg("the name {name} has the character {char} ({code}), which is in a script mailplan "
                            "cannot romanize here, so no address can be derived from it", **facts))


def _chinese_syllables(name: str, text: str, read: Callable[[str], list[Syllable]]) -> list[Syllable]:
    """Han characters read by ``read``; Latin letters and digits kept as they are; separators dropped."""
    out: list[Syllable] = []
    run = ""
    for ch in text + " ":
        if _HAN.match(ch):
            run += ch
            continue
        if run:
            out += read(run)
            run = ""
        if ch in _SEPARATORS or ch.isspace():
            continue
        if ch.isascii() and ch.isalnum():
            out.append(Syllable(ch, ch.lower(), "as written"))
        elif ch.isalnum() or unicodedata.category(ch).startswith("L"):
            raise _unreadable(name, ch)
    for syllable in out:
        if not syllable.reading:
            raise _unreadable(name, syllable.char)
    return out


def _merge_letters(syllables: list[Syllable]) -> list[Syllable]:
    """Latin letters written inside a Chinese name stay one word (张Alex -> zhang + alex)."""
    out: list[Syllable] = []
    for s in syllables:
        if out and s.source == "as written" and out[-1].source == "as written":
            out[-1] = Syllable(out[-1].char + s.char, out[-1].reading + s.reading, "as written")
        else:
            out.append(s)
    return out


def _read_surname(text: str) -> list[Syllable]:
    surname = text[:2] if text[:2] in COMPOUND_SURNAMES else text[:1]
    if surname in COMPOUND_SURNAMES:
        head = [Syllable(surname, COMPOUND_SURNAMES[surname], "compound surname table")]
    elif surname in SURNAME_READINGS:
        head = [Syllable(surname, SURNAME_READINGS[surname], "surname table")]
    else:
        head = [Syllable(surname, char_reading(surname), "pypinyin")]
    return head + ([*read_given(text[len(surname) :])] if len(text) > len(surname) else [])


def split_chinese(name: str) -> NameParts:
    syllables = _merge_letters(_chinese_syllables(name, name, _read_surname))
    if not syllables:
        raise AddressError(f"cannot read a name out of {name!r}")
    family, given = syllables[0], tuple(syllables[1:])
    return NameParts(family=family.reading, given=tuple(s.reading for s in given), chinese=True,
                     family_read=(family,), given_read=given)  # fmt: skip


def _latin(text: str) -> str:
    """A word of any script in plain letters: ``Zoë`` -> ``zoe``, ``Łukasz`` -> ``lukasz``, ``O'Neil`` -> ``oneil``.

    anyascii transliterates (Ł, Đ, Þ, Œ, ß, Cyrillic, Greek ... are written, not dropped).
    """
    return re.sub(r"[^a-z0-9-]", "", anyascii(text).lower()).strip("-")


# Titles before a name and generational or academic suffixes after it are not part of the address
# ("Dr. John Smith Jr." is john.smith); compared lower-case, without the dot.
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "herr", "frau", "mme", "mlle"})
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "mba"})


def _without_titles(words: list[str]) -> list[str]:
    def plain(word: str) -> str:
        return word.lower().strip(".,")

    while len(words) > 1 and plain(words[0]) in TITLES:
        words = words[1:]
    while len(words) > 1 and plain(words[-1]) in SUFFIXES:
        words = words[:-1]
    return words


def split_latin(name: str) -> NameParts:
    if "," in name:
        family_text, _, given_text = name.partition(",")
        if family_text.strip() and given_text.strip().lower().strip(".") in SUFFIXES:
            return split_latin(family_text)  # "John Smith, Jr."
        words = _without_titles(given_text.split())
        family_words = family_text.split()
    else:
        all_words = _without_titles(name.split())
        words, family_words = all_words[:-1], all_words[-1:]
    family = "".join(_latin(w) for w in family_words)
    given = [_latin(w) for w in words if _latin(w)]
    if not family:
        raise AddressError(Msg("cannot read a name out of {name}", name=repr(name)))
    family_shown = " ".join(family_words)
    if not given:  # a single name (mononym): the pattern's separators fall away
        return NameParts(family=family, given=(), how=Msg("family name {family}, no given name", family=family_shown))
    if words[1:]:
        middle = " ".join(words[1:])
        how = Msg("given name {given}, middle {middle} (initials only), family name {family}", given=words[0],
                  middle=middle, family=family_shown)  # fmt: skip
    else:
        how = Msg("given name {given}, family name {family}", given=words[0], family=family_shown)
    return NameParts(family=family, given=(given[0],), middle=tuple(given[1:]), how=how)


def split_name(name: str) -> NameParts:
    return split_chinese(name) if is_chinese(name) else split_latin(name)


def split_given_family(name: str, given: str, family: str) -> NameParts:
    """A name whose parts are written out (``given: Mary``, ``family: 王``): each read in its own script."""
    if is_chinese(family):
        family_read = _merge_letters(_chinese_syllables(name, family, _read_surname_whole))
        family_text = "".join(s.reading for s in family_read)
    else:
        family_read, family_text = [], "".join(_latin(w) for w in family.split())
    if not family_text:
        raise AddressError(Msg("cannot read a family name out of {family}", family=repr(family)))
    if is_chinese(given):
        given_read = _merge_letters(_chinese_syllables(name, given, read_given))
        return NameParts(family=family_text, given=tuple(s.reading for s in given_read), chinese=True,
                         family_read=tuple(family_read), given_read=tuple(given_read))  # fmt: skip
    words = [w for w in (_latin(w) for w in given.split()) if w]
    how = Msg("given name {given}, family name {family} (as written under given: and family:)", given=given,
              family=family)
    return NameParts(family=family_text, given=tuple(words), family_read=tuple(family_read), how=how)


def _read_surname_whole(text: str) -> list[Syllable]:
    """A family name written on its own: a compound or single surname, or (rarely) more characters."""
    if text in COMPOUND_SURNAMES or len(text) == 1:
        return _read_surname(text)
    return [_read_surname(text[:1])[0], *(Syllable(c, char_reading(c), "pypinyin") for c in text[1:])]


def check_pattern(pattern: str) -> None:
    """Raise ValueError when ``pattern`` uses something other than the known placeholders."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
    except ValueError as exc:
        wrong = brace_error(exc)
        raise ValueError(Msg("invalid pattern {pattern}: {error}", pattern=repr(pattern), error=wrong)) from None
    if not fields:
        raise ValueError(Msg("pattern {pattern} uses no placeholder; use e.g. {{pinyin}} or {{given}}.{{family}}",
                             pattern=repr(pattern)))
    unknown = [f for f in fields if f not in PLACEHOLDERS]
    if unknown:
        known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        placeholder = "{" + unknown[0] + "}"
        raise ValueError(Msg("unknown placeholder {placeholder} in {pattern}; known: {known}",
                             placeholder=placeholder, pattern=repr(pattern), known=known))


@dataclass(frozen=True)
class Derived:
    """The address a name gives, how the name was read, and what each doubtful reading would give instead."""

    local: str
    parts: NameParts
    alternatives: tuple[tuple[Syllable, str, str], ...] = ()  # (syllable, other reading, the local part it gives)

    @property
    def doubtful(self) -> bool:
        return bool(self.alternatives)


def derive(
    name: str,
    pattern: str = DEFAULT_PATTERN,
    latin_pattern: str = DEFAULT_LATIN_PATTERN,
    given: str | None = None,
    family: str | None = None,
) -> Derived:
    """The address (local part) a name gives with the configured patterns, and how it was read."""
    parts = split_given_family(name, given, family) if given and family else split_name(name)
    chosen = pattern if parts.chinese else latin_pattern
    local = _local(name, parts, chosen)
    alternatives = tuple(
        (syllable, other, _local(name, parts.reading(syllable, other), chosen))
        for syllable in parts.doubts
        for other in syllable.alternatives
    )
    return Derived(local, parts, alternatives)


def _local(name: str, parts: NameParts, pattern: str) -> str:
    local = pattern.format_map(parts.values())
    local = re.sub(r"[.\-_]{2,}", lambda m: m.group(0)[0], local).strip("._-")
    try:
        return check_local_part(local)
    except AddressError:
        raise AddressError(Msg("the name {name} gives {local} with the pattern {pattern}, which is not a valid address",
                               name=repr(name), local=repr(local), pattern=repr(pattern))) from None


def derive_local_part(
    name: str,
    pattern: str = DEFAULT_PATTERN,
    latin_pattern: str = DEFAULT_LATIN_PATTERN,
    given: str | None = None,
    family: str | None = None,
) -> str:
    """The address (local part) a name gives with the configured patterns."""
    return derive(name, pattern, latin_pattern, given, family).local


def describe(derived: Derived) -> str:
    """How the name was read, for people: '张 zhang (surname table) · 长 chang? (given-name table; or zhang)'.

    A ``Msg`` (English for JSON, the reader's language where ``names`` prints it)."""
    parts = derived.parts
    read = [*parts.family_read, *parts.given_read]
    if not read:
        return parts.how

    def one(s: Syllable) -> Msg:
        source = _source(s.source)
        if s.doubtful:
            others = ", ".join(s.alternatives)
            return Msg("{char} {reading}? ({source}; or {others})", char=s.char, reading=s.reading, source=source,
                       others=others)  # fmt: skip
        if s.source == "pypinyin":
            return Msg("{char} {reading}", char=s.char, reading=s.reading)
        return Msg("{char} {reading} ({source})", char=s.char, reading=s.reading, source=source)

    # Translators: two readings of a name's characters side by side; keep the middle dot
    shown = joined([one(s) for s in read], lambda first, rest: Msg("{first} · {rest}", first=first, rest=rest))
    return Msg("{reading}; {how}", reading=shown, how=parts.how) if parts.how else shown


def joined(items: Sequence[str], pair: Callable[[str, str], str]) -> str:
    """``items`` joined as one message, each pair by ``pair`` (a ``Msg``), so that the reader's language joins
    them too (a plain join would give English only)."""
    shown = items[-1]
    for item in reversed(items[:-1]):
        shown = pair(item, shown)
    return shown


def _source(source: str) -> str:
    """Where a reading came from, as a message when it is one of the known sources."""
    if source.startswith("pypinyin phrase "):
        return Msg("pypinyin phrase {phrase}", phrase=source.removeprefix("pypinyin phrase "))
    known = {
        "surname table": Msg("surname table"),
        "compound surname table": Msg("compound surname table"),
        "given-name table": Msg("given-name table"),
        "as written": Msg("as written"),
    }
    return known.get(source, source)


def numbered(local: str, taken: set[str]) -> str:
    """The first of ``local2``, ``local3``, ... not in ``taken`` (a suggestion for a collision)."""
    n = 2
    while f"{local}{n}" in taken:
        n += 1
    return f"{local}{n}"
