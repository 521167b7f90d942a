"""The example company, the schema file, IDN and UTF-8, includes, and find_person."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml

from mailplan.config import Config, compile_config, find_person, json_schema, load
from mailplan.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "mailplan.yaml"
SCHEMA = ROOT / "schemas" / "mailplan.schema.json"


@pytest.fixture
def example(tmp_path: Path) -> Config:
    # A copy, so that compiling (which creates DKIM keys in the state dir) leaves the repository alone.
    shutil.copy(EXAMPLE, tmp_path / "mailplan.yaml")
    return load(tmp_path / "mailplan.yaml")


def test_example_loads_and_compiles(example: Config) -> None:
    assert len(example.people) >= 25
    desired = compile_config(example, dt.date(2026, 11, 23))
    kinds = {obj.KIND for obj in desired.objects["mail"]}
    assert kinds >= {"domain", "policy", "department", "mailbox", "alias", "group", "forwarding", "autoreply",
                     "delegation", "admin_role", "archive"}  # fmt: skip
    records = desired.objects["dns"].of_kind("record")
    assert {(r.zone, r.name, r.rtype) for r in records} >= {
        ("huamao-trade.com", "@", "MX"),
        ("huamao-trade.com", "mail._domainkey", "TXT"),
        ("huamao.cn", "@", "MX"),
    }
    assert (example.state_dir / "dkim").is_dir()
    posts = {g.post for g in example.groups}
    assert {"anyone", "organization", "members"} <= posts
    assert any(p.left_on and p.successor for p in example.people)


def test_example_derives_polyphonic_surnames(example: Config) -> None:
    addresses = {p.name: p.address.partition("@")[0] for p in example.people if not p.left_on}
    assert addresses["单雄信"] == "shanxiongxin"
    assert addresses["尉迟文博"] == "yuchiwenbo"
    assert addresses["区家明"] == "oujiaming"
    assert addresses["John Smith"] == "john.smith"


def test_committed_schema_is_fresh() -> None:
    committed = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert committed == json_schema(), "regenerate: python -m mailplan.config.schema > schemas/mailplan.schema.json"


def test_schema_accepts_the_example_and_documents_every_key() -> None:
    schema = json_schema()
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)
    for name, definition in schema["$defs"].items():
        for key, prop in definition.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{key} has no description"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "peeple": []}, schema)


def test_idn_domains_in_either_form(write: Callable[..., Path]) -> None:
    path = write(
        "version: 1\n"
        "organization: {name: 例子公司, primary_domain: 例子.中国}\n"
        "providers: {mail: {type: local, database: m.sqlite}}\n"
        "domains:\n"
        "  例子.中国: {mail: mail}\n"
        "  xn--fsqu00a.xn--55qx5d: {alias_of: 例子.中国}\n"
        "people: [{name: 张三, aliases: ['zs@例子.公司']}]\n"
        "aliases: [{address: postmaster@xn--fsqu00a.xn--fiqs8s, to: [张三]}]\n"
    )
    config = load(path)
    assert config.primary_domain == "xn--fsqu00a.xn--fiqs8s"
    assert config.people[0].address == "zhangsan@xn--fsqu00a.xn--fiqs8s"
    assert config.people[0].aliases == ("zs@xn--fsqu00a.xn--fiqs8s",)  # the alias domain's address is the same one
    desired = compile_config(config, dt.date(2026, 1, 1))
    assert desired.scopes["mail"] == ("xn--fsqu00a.xn--55qx5d", "xn--fsqu00a.xn--fiqs8s")
    assert find_person(config, "zs@例子.公司").name == "张三"


def test_utf8_names_survive_into_objects(load_text: Callable[[str], Config]) -> None:
    config = load_text("people:\n  - {name: 迪丽热巴·迪力木拉提}\n  - {name: Zoë Ångström}\n")
    assert [p.name for p in config.people] == ["迪丽热巴·迪力木拉提", "Zoë Ångström"]
    assert [p.address.partition("@")[0] for p in config.people] == ["dilirebadilimulati", "zoe.angstrom"]


def test_include_appends_lists_and_merges_mappings(write: Callable[..., Path]) -> None:
    write(
        "people:\n  - {name: 李四, department: finance}\ndepartments:\n  finance: {name: 财务部}\n", "team/finance.yaml"
    )
    write("people:\n  - {name: 王五}\n", "team/more.yaml")
    path = write(
        "version: 1\n"
        "organization: {name: X, primary_domain: example.com}\n"
        "include: ['team/*.yaml']\n"
        "providers: {mail: {type: local, database: m.sqlite}}\n"
        "domains: {example.com: {mail: mail}}\n"
        "departments: {sales: {name: 销售部}}\n"
        "people: [{name: 张三}]\n"
    )
    config = load(path)
    assert [p.name for p in config.people] == ["张三", "李四", "王五"]
    assert set(config.document.departments) == {"sales", "finance"}
    assert len(config.files) == 3
    lisi = config.people[1].location
    assert lisi is not None and lisi.file.endswith("team/finance.yaml") and lisi.line == 2


def test_find_person(example: Config) -> None:
    assert find_person(example, "zhangsan").name == "张三"
    assert find_person(example, "zs@huamao.cn").name == "张三"  # an alias, on the alias domain
    assert find_person(example, "单雄信").address == "shanxiongxin@huamao-trade.com"
    assert find_person(example, "john smith").address == "john.smith@huamao-trade.com"
    with pytest.raises(ConfigError) as info:
        find_person(example, "张伟")
    assert "'张伟' is the name of 2 people: zhangwei@huamao-trade.com" in str(info.value)
    assert "zhangwei2@huamao-trade.com" in str(info.value)
    with pytest.raises(ConfigError) as info:
        find_person(example, "李娜")  # one of the two has left: HR sees which
    assert "lina2@huamao-trade.com (" in str(info.value) and "left on 2026-09-30)" in str(info.value)
    assert "give the address of the one you mean" in str(info.value)
    with pytest.raises(ConfigError, match="is mailbox info, not a person"):
        find_person(example, "info")
    with pytest.raises(ConfigError, match="nothing in this file is called 'zhangsna'; did you mean 'zhangsan'"):
        find_person(example, "zhangsna")
