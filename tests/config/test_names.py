"""Names read right, or the doubt said (issue 16): given-name polyphones, transliteration, given:/family:, characters
outside the tables, collision suggestions, `mailplan names`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mailplan.config.naming import derive, derive_local_part
from mailplan.config.readings import GIVEN_NAME_READINGS

from .conftest import BASE, BASE_LINES, Cli

L = BASE_LINES
EXAMPLES = Path(__file__).parents[2] / "examples"


# -- readings ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "address", "doubtful"),
    [
        ("张长生", "zhangchangsheng", True),  # 长 chang in names (pypinyin alone: zhang); zhang also occurs
        ("李重阳", "lichongyang", True),  # 重 chong (pypinyin alone: zhong)
        ("刘晟睿", "liushengrui", True),  # 晟 sheng (pypinyin alone: cheng)
        ("陈都", "chendu", False),  # 都 du in names (pypinyin alone: dou)
        ("赵凹", "zhaoao", True),  # 凹 ao, or wa
        ("王朝阳", "wangzhaoyang", True),  # 朝阳 the morning sun: zhao (also chao)
        ("王泊远", "wangboyuan", False),  # 淡泊 bo (pypinyin alone: po)
        ("孙婼", "sunruo", True),  # ruo in modern names (pypinyin: chuo)
        ("张建国", "zhangjianguo", False),
        ("长孙无忌", "zhangsunwuji", False),  # the compound surname is still read as one
    ],
)
def test_given_name_polyphones(name: str, address: str, doubtful: bool) -> None:
    derived = derive(name)
    assert derived.local == address
    assert derived.doubtful is doubtful


def test_every_table_reading_is_one_pypinyin_knows() -> None:
    from pypinyin import Style, pinyin

    for char, readings in GIVEN_NAME_READINGS.items():
        known = {r.replace("ü", "v") for r in pinyin(char, style=Style.NORMAL, heteronym=True)[0]}
        assert set(readings) <= known, (char, readings, known)


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("Łukasz Kowalski", "lukasz.kowalski"),
        ("Jón Þórsson", "jon.thorsson"),
        ("Đặng Thị Hoa", "dang.hoa"),  # Vietnamese order is family first: given:/family: say so (below)
        ("Œdipe Roux", "oedipe.roux"),
        ("Ðorđe Petrović", "dorde.petrovic"),
        ("Иван Петров", "ivan.petrov"),
        ("Søren Kierkegaard", "soren.kierkegaard"),
        ("Zoë Ångström", "zoe.angstrom"),
    ],
)
def test_latin_and_other_scripts_are_transliterated_not_dropped(name: str, address: str) -> None:
    assert derive_local_part(name) == address


def test_given_and_family_fields_settle_the_order(cli: Cli) -> None:
    text = BASE + (
        "people:\n"
        "  - {name: Mary 王, given: Mary, family: 王}\n"
        "  - {name: Đặng Thị Hoa, given: Thị Hoa, family: Đặng}\n"
        "  - {name: 欧阳 Jean Paul, given: Jean Paul, family: 欧阳}\n"
        "  - {name: 王小明, given: 小明, family: 王}\n"
    )
    assert cli.validate(text) == (0, [])
    code, out, _ = cli("names", str(cli.folder / "mailplan.yaml"))
    assert code == 0
    for address in ("mary.wang@", "thi-hoa.dang@", "jean-paul.ouyang@", "wangxiaoming@"):
        assert address in out


def test_given_without_family_is_an_error(cli: Cli) -> None:
    code, err = cli.validate(BASE + "people:\n  - {name: Mary 王, given: Mary}\n")
    assert (code, err[0]) == (1, f"mailplan.yaml:{L + 2}:27: given: is written, but family: is not — write both, "
                                 "e.g. `given: Mary, family: 王`, or neither")  # fmt: skip


def test_a_character_outside_the_pinyin_tables_asks_for_the_address(cli: Cli) -> None:
    code, err = cli.validate(BASE + "people:\n  - {name: 𠮷田}\n")
    assert (code, err[0]) == (1, f"mailplan.yaml:{L + 2}:12: the name '𠮷田' has the character 𠮷 (U+20BB7), which "
                                 "is outside the pinyin tables, so no address can be derived from it — write the "
                                 "address with `address:`")  # fmt: skip
    assert cli.validate(BASE + "people:\n  - {name: 𠮷田, address: jitian}\n") == (0, [])


def test_a_japanese_name_with_kana_asks_for_the_address(cli: Cli) -> None:
    code, err = cli.validate(BASE + "people:\n  - {name: 田中さくら}\n")
    assert code == 1
    assert "the character さ (U+3055), which is in a script mailplan cannot romanize here" in err[0]


# -- doubtful readings are said: validate, onboard, names ----------------------------------------------------------


def test_validate_notes_a_doubtful_reading_with_both_addresses(cli: Cli) -> None:
    code, err = cli.validate(BASE + "people:\n  - {name: 张长生}\n")
    assert code == 0
    assert err == [
        f"note: mailplan.yaml:{L + 2}:12: 张长生 gets zhangchangsheng@huamao-trade.com: 长 is read chang, "
        "but in names it is also read zhang (zhangzhangsheng) — ask how the name is read, and write "
        "`address: zhangchangsheng` or `address: zhangzhangsheng`"
    ]
    assert cli.validate(BASE + "people:\n  - {name: 张长生, address: zhangzhangsheng}\n") == (0, [])


def test_onboard_says_the_doubt(cli: Cli, tmp_path: Path) -> None:
    company = tmp_path / "company"
    shutil.copytree(EXAMPLES, company, ignore=shutil.ignore_patterns(".mailplan", "zones", "*.sqlite", "ci"))
    code, _, err = cli("onboard", str(company / "mailplan.yaml"), "刘晟睿", "--department", "sales", "--no-plan")
    assert code == 0, err
    assert "刘晟睿 gets the address liushengrui@huamao-trade.com" in err
    assert "note: " in err and "晟 is read sheng, but in names it is also read cheng (liuchengrui)" in err


def test_names_lists_every_reading_and_flags_the_doubtful_ones(cli: Cli) -> None:
    text = BASE + "people:\n  - {name: 张三}\n  - {name: 王朝阳}\n  - {name: 单雄信}\n  - {name: John Smith}\n"
    (cli.folder / "mailplan.yaml").write_text(text, encoding="utf-8")
    code, out, _ = cli("names", str(cli.folder / "mailplan.yaml"))
    assert code == 2  # found something: a reading to check
    lines = out.splitlines()
    assert lines[0].startswith("  张三        zhangsan@huamao-trade.com")
    assert lines[1].startswith("? 王朝阳      wangzhaoyang@huamao-trade.com")
    assert lines[1].endswith("王 wang · 朝 zhao? (given-name table; or chao) · 阳 yang")
    assert lines[2].strip().startswith("doubtful: 朝 read zhao; also read chao in names, which gives wangchaoyang")
    assert "单 shan (surname table)" in lines[3]
    assert "given name John, family name Smith" in lines[4]
    assert lines[-1] == "4 people: 1 doubtful reading, 0 addresses written by hand."
    code, out, _ = cli("names", str(cli.folder / "mailplan.yaml"), "--format", "json")
    rows = json.loads(out)
    assert [r["address"] for r in rows if r["doubtful"]] == ["wangzhaoyang@huamao-trade.com"]


# -- collisions ----------------------------------------------------------------------------------------------------


def test_three_people_deriving_the_same_address_get_suggestions_that_never_collide(cli: Cli) -> None:
    text = BASE + (
        "people:\n  - {name: 张伟}\n  - {name: 张伟, department: sales}\n  - {name: 张伟}\n"
        "  - {name: 张伟伟, address: zhangwei3}\n"
        "aliases:\n  - {address: zhangwei4, to: [zhangwei3]}\n"
    )
    code, err = cli.validate(text)
    assert code == 1
    hints = [line.rpartition(" — ")[2] for line in err[:-1]]
    assert hints == ["write `address: zhangwei2` for one of them", "write `address: zhangwei5` for one of them"]
