"""Names are read from pypinyin's dictionaries without importing pypinyin (start-up cost): the readings
must be exactly the ones pypinyin itself gives, for every character it knows and for given names that
are, contain or begin phrases — both while phrases are searched in the file's text and once it is parsed."""

from __future__ import annotations

import itertools
import json

import pytest
from pypinyin import Style, lazy_pinyin, pinyin

from mailplan.config import pinyin_data
from mailplan.config.readings import _known

NAME_CHARACTERS = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚华建国文博晓东海峰雪梅志婷玉兰春燕红宇浩然子涵思远佳怡欣雨萱梓轩俊辰皓天泽瑞嘉琪凯琳鹏飞长重朝乐行都会和单解家信雄阳江"  # noqa: E501


def pypinyin_reads(text: str) -> list[str]:
    return [_known(r) for r in lazy_pinyin(text, style=Style.NORMAL)]


@pytest.fixture
def fresh_phrases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pinyin_data, "_PHRASES", pinyin_data._Phrases())


def phrase_keys() -> list[str]:
    with pinyin_data._data_file("phrases_dict.json").open(encoding="utf-8") as f:
        return list(json.load(f))


def test_every_character_reads_as_pypinyin_reads_it() -> None:
    codes = json.loads(pinyin_data._data_file("pinyin_dict.json").read_text(encoding="utf-8"))
    assert len(codes) > 40_000
    for code in codes:
        char = chr(int(code))
        ours = pinyin_data.char_readings(char)
        first = _known(ours[0]) if ours else ""
        assert first == _known(lazy_pinyin(char, style=Style.NORMAL)[0]), char
        theirs = dict.fromkeys(_known(r) for r in pinyin(char, style=Style.NORMAL, heteronym=True)[0])
        assert dict.fromkeys(_known(r) for r in ours) == theirs, char


def test_a_character_pypinyin_does_not_know_has_no_reading() -> None:
    assert pinyin_data.char_readings("𠮷") == () or _known(lazy_pinyin("𠮷")[0]) != ""
    assert pinyin_data.char_readings("あ") == ()


@pytest.mark.usefixtures("fresh_phrases")
def test_given_names_read_as_pypinyin_reads_them_while_phrases_are_searched() -> None:
    names = ["朝阳", "重阳", "长江", "雄信", "思远", "家明", "长生", "乐天", "行健", "江长阳"]
    assert len(names) < pinyin_data._SEARCHES_BEFORE_PARSING // 4  # this test stays in search mode
    for name in names:
        assert pinyin_data.read_in_context(name) == pypinyin_reads(name), name
    assert pinyin_data._PHRASES._parsed is None


@pytest.mark.usefixtures("fresh_phrases")
def test_phrases_and_name_combinations_read_as_pypinyin_reads_them_once_parsed() -> None:
    combos = ["".join(p) for p in itertools.product(NAME_CHARACTERS, repeat=2)]
    words = [w for w in phrase_keys() if len(w) <= 4]
    for text in [*combos, *words, *(w + c for w in words[:3000] for c in "明")]:
        assert pinyin_data.read_in_context(text) == pypinyin_reads(text), text
    assert pinyin_data._PHRASES._parsed is not None


def test_toneless_writes_u_umlaut_as_v() -> None:
    assert pinyin_data.toneless("lǘ") == "lv"
    assert pinyin_data.toneless("nǚ") == "nv"
    assert pinyin_data.toneless("zhāng") == "zhang"


@pytest.mark.usefixtures("fresh_phrases")
def test_a_text_that_only_begins_a_phrase_is_cut_as_pypinyin_cuts_it() -> None:
    # each of these begins a longer phrase without being one: pypinyin reads such a rest character by
    # character, even where a later part of it is a phrase of its own
    beginnings = sorted({w[:3] for w in phrase_keys() if len(w) >= 4})
    beginnings = [b for b in beginnings if pinyin_data._PHRASES.readings(b) is None][:400]
    assert len(beginnings) == 400
    for text in beginnings:
        assert pinyin_data.read_in_context(text) == pypinyin_reads(text), text
