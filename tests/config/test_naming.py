"""Addresses derived from names: pinyin with surname readings, Latin names, patterns, collisions, stability."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mailplan.config import Config
from mailplan.config.naming import COMPOUND_SURNAMES, SURNAME_READINGS, derive_local_part
from mailplan.errors import ConfigError


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("张三", "zhangsan"),
        ("欧阳娜娜", "ouyangnana"),
        ("单雄信", "shanxiongxin"),  # 单 as a surname is shan, not dan
        ("曾国藩", "zengguofan"),  # not ceng
        ("解缙", "xiejin"),  # not jie
        ("朴槿惠", "piaojinhui"),  # not pu
        ("区家明", "oujiaming"),  # not qu
        ("长孙无忌", "zhangsunwuji"),
        ("万俟卨", "moqixie"),
        ("尉迟恭", "yuchigong"),
        ("吕布", "lvbu"),  # ü is written v
        ("  王 芳 ", "wangfang"),
    ],
)
def test_chinese_names(name: str, address: str) -> None:
    assert derive_local_part(name) == address


@pytest.mark.parametrize(("surname", "reading"), sorted(SURNAME_READINGS.items()))
def test_every_polyphonic_surname_is_read_as_a_surname(surname: str, reading: str) -> None:
    assert derive_local_part(surname + "明") == reading + "ming"


@pytest.mark.parametrize(("surname", "reading"), sorted(COMPOUND_SURNAMES.items()))
def test_every_compound_surname_is_one_surname(surname: str, reading: str) -> None:
    assert derive_local_part(surname + "明", "{family}.{given}") == f"{reading}.ming"


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("John Smith", "john.smith"),
        ("JOHN SMITH", "john.smith"),
        ("John Ronald Reuel Tolkien", "john.tolkien"),  # middle names left out
        ("Smith, John", "john.smith"),
        ("José Álvarez", "jose.alvarez"),
        ("Anna Müller", "anna.muller"),
        ("Seán O'Neil", "sean.oneil"),
        ("Mary-Jane Watson", "mary-jane.watson"),
        ("Madonna", "madonna"),
        ("Dr. John Smith", "john.smith"),  # titles and suffixes are not the name
        ("John Smith Jr.", "john.smith"),
        ("Smith, John, Jr.", "john.smith"),
        ("Prof. Dr. Anna Müller", "anna.muller"),
        ("Mr Bean", "bean"),
    ],
)
def test_latin_names(name: str, address: str) -> None:
    assert derive_local_part(name) == address


@pytest.mark.parametrize(
    ("pattern", "latin_pattern", "name", "address"),
    [
        ("{family}{given_initials}", "", "张三丰", "zhangsf"),
        ("{family}.{given}", "", "欧阳娜娜", "ouyang.nana"),
        ("{given}.{family}", "", "张三", "san.zhang"),
        ("", "{family_initial}{given}", "John Smith", "sjohn"),
        ("", "{given}{middle_initials}.{family}", "John Ronald Reuel Tolkien", "johnrr.tolkien"),
        ("", "{family}.{given}", "Jane Doe", "doe.jane"),
    ],
)
def test_patterns(pattern: str, latin_pattern: str, name: str, address: str) -> None:
    assert derive_local_part(name, pattern or "{pinyin}", latin_pattern or "{given}.{family}") == address


def test_pattern_is_configurable(load_text: Callable[[str], Config]) -> None:
    config = load_text(
        "naming: {pattern: '{family}{given_initials}', latin_pattern: '{family}.{given}'}\n"
        "people: [{name: 张三丰}, {name: John Smith}]\n"
    )
    assert [p.address for p in config.people] == ["zhangsf@huamao-trade.com", "smith.john@huamao-trade.com"]


def test_collision_names_both_people_and_suggests_an_address(load_text: Callable[[str], Config]) -> None:
    with pytest.raises(ConfigError) as info:
        load_text("people:\n  - {name: 张伟}\n  - {name: 李娜}\n  - {name: 张伟, department: sales}\n")
    (problem,) = info.value.problems
    assert problem.location is not None and problem.location.line == 15
    assert "by person 张伟 and by person 张伟" in problem.message
    assert ":13:5)" in problem.message  # where the first 张伟 is
    assert problem.hint == "write `address: zhangwei2` for one of them"


def test_collision_suggestion_skips_taken_numbers(load_text: Callable[[str], Config]) -> None:
    with pytest.raises(ConfigError, match="write `address: zhangwei3`"):
        load_text("people:\n  - {name: 张伟}\n  - {name: 张卫, address: zhangwei2}\n  - {name: 张伟}\n")


def test_adding_a_person_never_changes_anyone_elses_address(load_text: Callable[[str], Config]) -> None:
    before = load_text("people:\n  - {name: 张伟}\n  - {name: 单雄信}\n  - {name: John Smith}\n")
    after = load_text(
        "people:\n  - {name: 张薇, address: zhangwei2}\n  - {name: 张伟}\n  - {name: 单雄信}\n"
        "  - {name: 张伟, address: zhangwei3}\n  - {name: John Smith}\n  - {name: Jon Smith}\n"
    )
    old = {p.address for p in before.people}
    assert old <= {p.address for p in after.people}
    for person in before.people:
        assert after.person(person.address).name == person.name


def test_explicit_address_is_kept_as_written(load_text: Callable[[str], Config]) -> None:
    config = load_text("people:\n  - {name: 李娜, address: LiNa2}\n")
    assert config.people[0].address == "lina2@huamao-trade.com"
    assert config.people[0].derived is False


def test_name_that_gives_no_valid_address(load_text: Callable[[str], Config]) -> None:
    with pytest.raises(
        ConfigError, match=r":13:11: cannot read a name out of '!!!' — write the address with `address:`"
    ):
        load_text("people:\n  - name: '!!!'\n")
