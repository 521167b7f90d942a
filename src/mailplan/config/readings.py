"""How the characters of a Chinese given name are read, and where that reading may be wrong.

pypinyin reads a given name as it reads running text: as a word from its phrase
dictionary when the name is one (朝阳 zhaoyang, 长江 changjiang, 重阳 chongyang),
otherwise each character by its most frequent reading — which for some characters
is not the reading names use (长 zhang, 都 dou, 泊 po, 婼 chuo). The table below is
reviewed for given names: for each character it gives the reading used and, when
another reading is also common in names, the alternatives. Such a character is a
*doubtful* reading: validate and onboard say so, with the address each reading
gives, and never guess silently; ``address:`` settles it.

Characters not in the table are read by pypinyin as above. A character pypinyin
has no reading for (an Extension B character such as 𠮷, a kana) is an error that
asks for ``address:``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from mailplan.config import pinyin_data

# character -> (the reading used in given names, other readings that also occur in given names)
# Sources checked for each entry: 现代汉语词典 (7th ed.) readings, and how the character is read in common
# given names; an alternative is listed only where both readings are usual in names.
GIVEN_NAME_READINGS: dict[str, tuple[str, ...]] = {
    "长": ("chang", "zhang"),  # 长青, 长春 cháng; 长 zhǎng "to grow" also named
    "重": ("chong", "zhong"),  # 重阳, 重光 chóng; 重 zhòng "weighty" (重义)
    "晟": ("sheng", "cheng"),  # shèng (dictionary); chéng in many families' usage
    "朝": ("zhao", "chao"),  # 朝阳, 朝晖 zhāo "morning"; cháo also named
    "乐": ("le", "yue"),  # 乐乐 lè; yuè "music" (乐天 is both)
    "凹": ("ao", "wa"),  # āo; wā in some regional names
    "觉": ("jue", "jiao"),  # 觉民 jué; jiào rare but found
    "靓": ("jing", "liang"),  # jìng (dictionary); liàng (Cantonese-influenced usage)
    "莘": ("xin", "shen"),  # 莘 xīn in names and places; shēn in 莘莘
    "婼": ("ruo", "chuo"),  # ruò in modern given names; chuò (dictionary)
    "玟": ("wen", "min"),  # wén; mín also used
    "行": ("xing", "hang"),  # 行健 xíng; háng rare in names
    "参": ("shen", "can"),  # 参 shēn (ginseng) in names; cān also found
    "柏": ("bai", "bo"),  # bǎi; bó in transliterations
    "都": ("du",),  # dū in names (首都); dōu "all" is not a name reading
    "泊": ("bo",),  # 淡泊 bó; pō "lake" is not a name reading
    "厦": ("xia",),  # 厦 xià in names (厦门); shà "building" rarely
    "薄": ("bo",),  # bó
    "藏": ("zang",),  # zàng in names; cáng "hide" is not
    "曾": ("zeng",),  # zēng (曾 as in 曾孙); céng "once" is not a name reading
    "传": ("chuan",),
    "单": ("dan",),  # dān in a given name (shàn is the surname, read by the surname table)
    "解": ("jie",),
    "茜": ("qian",),
    "蔚": ("wei",),
    "娜": ("na",),
    "奇": ("qi",),
    "强": ("qiang",),
    "会": ("hui",),
    "和": ("he",),
}


@dataclass(frozen=True)
class Syllable:
    """One character of a name and how it was read."""

    char: str
    reading: str  # "" when no reading is known
    source: str  # "surname table", "given-name table", "pypinyin phrase 朝阳", "pypinyin", ...
    alternatives: tuple[str, ...] = ()  # other readings usual in names: the reading is doubtful

    @property
    def doubtful(self) -> bool:
        return bool(self.alternatives)


def _plain(reading: str) -> str:
    return reading.lower().replace("ü", "v").replace("u:", "v")


def _known(reading: str) -> str:
    """pypinyin hands back the character itself when it has no reading: that is no reading."""
    return _plain(reading) if reading.isascii() and reading.isalpha() else ""


# Readings depend on the characters alone: each is asked of pypinyin once per run (a company repeats them).
@functools.cache
def char_reading(char: str) -> str:
    """pypinyin's reading of one character alone ("" when it has none)."""
    found = pinyin_data.char_readings(char)
    return _known(found[0]) if found else ""


@functools.cache
def other_readings(char: str, reading: str) -> tuple[str, ...]:
    """Every other toneless reading pypinyin knows for ``char`` (for the record, not a doubt)."""
    found = pinyin_data.char_readings(char)
    return tuple(dict.fromkeys(_known(r) for r in found if _known(r) not in ("", reading)))


def read_given(text: str) -> list[Syllable]:
    """The characters of a given name (Han characters only), each read as names read it."""
    return list(_read_given(text))


@functools.cache
def _read_given(text: str) -> tuple[Syllable, ...]:
    alone = [char_reading(c) for c in text]
    in_context = pinyin_data.read_in_context(text) if all(alone) else alone
    if len(in_context) != len(text):  # pypinyin keeps one item per Han character; be safe if not
        in_context = alone
    out: list[Syllable] = []
    for char, word_reading in zip(text, in_context, strict=True):
        table = GIVEN_NAME_READINGS.get(char)
        if table is not None:
            out.append(Syllable(char, table[0], "given-name table", table[1:]))
            continue
        reading, single = _known(word_reading), char_reading(char)
        source = f"pypinyin phrase {text}" if reading and single and reading != single else "pypinyin"
        out.append(Syllable(char, reading, source))
    return tuple(out)
