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

import os
import re
import string
import unicodedata
from dataclasses import dataclass

from mailplan.config.addresses import AddressError, check_local_part

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

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")


@dataclass(frozen=True)
class NameParts:
    """A name split into romanized parts, ready for a pattern."""

    family: str
    given: tuple[str, ...]  # syllables (Chinese) or given names (Latin, without middle names)
    middle: tuple[str, ...] = ()
    chinese: bool = False

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


def is_chinese(name: str) -> bool:
    return bool(_HAN.search(name))


def split_chinese(name: str) -> NameParts:
    text = "".join(ch for ch in name if _HAN.match(ch) or ch.isalnum())
    if not text:
        raise AddressError(f"cannot read a name out of {name!r}")
    surname = text[:2] if text[:2] in COMPOUND_SURNAMES else text[:1]
    if surname in COMPOUND_SURNAMES:
        family = COMPOUND_SURNAMES[surname]
    elif surname in SURNAME_READINGS:
        family = SURNAME_READINGS[surname]
    else:
        family = "".join(_syllables(surname))
    given = tuple(_syllables(text[len(surname) :]))
    return NameParts(family=family, given=given, chinese=True)


def _syllables(text: str) -> list[str]:
    # pypinyin loads its dictionaries when imported (a quarter of a second, 50 MB): only once a name is read
    os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")  # we never change them: no private copy needed
    from pypinyin import Style, lazy_pinyin

    out: list[str] = []
    for piece in lazy_pinyin(text, style=Style.NORMAL, errors=_latin):
        out.extend(p for p in piece.split() if p)
    return [s.lower() for s in out if s]


def _latin(text: str) -> str:
    """Strip accents and keep letters, digits and hyphens: ``Zoë`` -> ``zoe``, ``O'Neil`` -> ``oneil``."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_text = ascii_text.replace("ß", "ss").replace("ø", "o").replace("Ø", "o").replace("ł", "l")
    ascii_text = ascii_text.replace("æ", "ae").replace("Æ", "ae").replace("đ", "d")
    return re.sub(r"[^a-z0-9-]", "", ascii_text.lower()).strip("-")


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
        raise AddressError(f"cannot read a name out of {name!r}")
    if not given:  # a single name (mononym): the pattern's separators fall away
        return NameParts(family=family, given=())
    return NameParts(family=family, given=(given[0],), middle=tuple(given[1:]))


def split_name(name: str) -> NameParts:
    return split_chinese(name) if is_chinese(name) else split_latin(name)


def check_pattern(pattern: str) -> None:
    """Raise ValueError when ``pattern`` uses something other than the known placeholders."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
    except ValueError as exc:
        raise ValueError(f"invalid pattern {pattern!r}: {exc}") from None
    if not fields:
        raise ValueError(f"pattern {pattern!r} uses no placeholder; use e.g. {{pinyin}} or {{given}}.{{family}}")
    unknown = [f for f in fields if f not in PLACEHOLDERS]
    if unknown:
        known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        raise ValueError(f"unknown placeholder {{{unknown[0]}}} in {pattern!r}; known: {known}")


def derive_local_part(name: str, pattern: str = DEFAULT_PATTERN, latin_pattern: str = DEFAULT_LATIN_PATTERN) -> str:
    """The address (local part) a name gives with the configured patterns."""
    parts = split_name(name)
    chosen = pattern if parts.chinese else latin_pattern
    local = chosen.format_map(parts.values())
    local = re.sub(r"[.\-_]{2,}", lambda m: m.group(0)[0], local).strip("._-")
    try:
        return check_local_part(local)
    except AddressError:
        raise AddressError(
            f"the name {name!r} gives {local!r} with the pattern {chosen!r}, which is not a valid address"
        ) from None


def numbered(local: str, taken: set[str]) -> str:
    """The first of ``local2``, ``local3``, ... not in ``taken`` (a suggestion for a collision)."""
    n = 2
    while f"{local}{n}" in taken:
        n += 1
    return f"{local}{n}"
