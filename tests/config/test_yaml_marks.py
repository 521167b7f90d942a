"""libyaml parses configs (fast), PyYAML's Python parser reports their mistakes and stands in where
libyaml is absent: both must place every value at the same line and column, which is what every
error message points at. Chinese text (several bytes per character in UTF-8) and tabs (one column,
whatever they look like) are where a byte-counting or tab-expanding parser would drift. A file with a
tab anywhere is read by the Python parser, which refuses tabs between values where libyaml allows
them: a config valid on one machine is valid on every other."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mailplan.config import limits, source
from mailplan.config.limits import Budget, LimitedLoader
from mailplan.errors import ConfigError

TEXT = (
    "# 华贸进出口有限公司\t的邮件配置\n"
    "version: 1\n"
    "organization: {name: 华贸进出口有限公司, primary_domain: huamao-trade.com}  # 主域名\t(tab)\n"
    "departments:\n"
    "  sales: {name: 销售部, manager: 王芳}\n"
    "  欧洲组: {name: \"欧洲\tEurope\", parent: sales}\n"
    "people:\n"
    "  - {name: 王芳, department: sales, aliases: [芳芳, wf]}\n"
    "  - name: 单雄信  #\tshanxiongxin\n"
    "    department: 欧洲组\n"
    "    note: |\n"
    "      第一行\t有制表符\n"
    "      第二行 𠮷野家\n"
    "  - &p {name: 'Zoë\tMüller', department: sales}\n"
    "  - *p\n"
    "groups:\n"
    "  - {address: 全体, members: [department:sales, \"张三@例子.中国\"]}\n"
)


def marks(node: Node) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    stack = [node]
    while stack:
        n = stack.pop()
        start, end = n.start_mark, n.end_mark
        value = n.value if isinstance(n, ScalarNode) else None
        out.append((type(n).__name__, n.tag, value, start.line, start.column, end.line, end.column))
        if isinstance(n, SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, MappingNode):
            stack.extend(child for pair in n.value for child in pair)
    return out


@pytest.mark.skipif(not limits.FAST, reason="PyYAML was built without libyaml")
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_libyaml_places_every_value_where_the_python_parser_does(newline: str) -> None:
    text = TEXT.replace("\n", newline)
    python = LimitedLoader(text, Budget()).get_single_node()
    fast = limits.FastLimitedLoader(text, Budget()).get_single_node()
    assert python is not None and fast is not None
    assert marks(fast) == marks(python)
    assert len(marks(python)) > 50


def read(path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> source.Source:
    with monkeypatch.context() as patch:
        patch.setattr(source, "FAST", fast)
        return source.read_config(path)


@pytest.mark.parametrize("text", [TEXT, TEXT.replace("\t", " ")], ids=["with tabs", "without tabs"])
def test_a_config_reads_the_same_with_and_without_libyaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    path = tmp_path / "mailplan.yaml"
    path.write_text(text, encoding="utf-8")
    python, fast = read(path, False, monkeypatch), read(path, limits.FAST, monkeypatch)
    assert fast.data == python.data and fast.where == python.where
    # a value behind a tab and Chinese text is placed at its character's column
    line = text.splitlines()[4]
    at = python.where.values[("departments", "sales", "manager")]
    assert (at.line, line[at.col - 1 :]) == (5, "王芳}")
    assert python.where.values[("people", 1, "department")].col == 17  # after 欧洲组, a tab in a comment above
    assert python.data["people"][3] == python.data["people"][2]  # the alias, expanded


@pytest.mark.parametrize(
    "mistake",
    [
        "people:\n\t- {name: 王芳}\n",  # a tab indenting a line
        "people:\n  - {name: 王芳\n",  # an unclosed flow mapping
        "名字: [1, 2\n部门: x\n",  # an unclosed flow sequence before the next key
        "a: *missing\n",  # an alias to no anchor
    ],
    ids=["tab", "unclosed mapping", "unclosed sequence", "unknown alias"],
)
def test_a_mistake_is_reported_as_the_python_parser_words_and_places_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mistake: str
) -> None:
    path = tmp_path / "mailplan.yaml"
    path.write_text(mistake, encoding="utf-8")
    reports = []
    for fast in (False, limits.FAST):
        with pytest.raises(ConfigError) as info:
            read(path, fast, monkeypatch)
        reports.append([str(p) for p in info.value.problems])
    assert reports[0] == reports[1]
    assert reports[0] and all(r.startswith(f"{path}:") for r in reports[0])


def test_a_tab_between_values_is_refused_with_or_without_libyaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mailplan.yaml"
    path.write_text("version: 1\norganization: {name: 华贸,\tprimary_domain: huamao.com}\n", encoding="utf-8")
    for fast in (False, limits.FAST):
        with pytest.raises(ConfigError) as info:
            read(path, fast, monkeypatch)
        assert str(info.value.problems[0]).endswith("— indent with spaces, not tabs")


def test_the_python_parser_is_what_reads_without_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    # the fallback is PyYAML's pure-Python SafeLoader with the same limits, not libyaml under another name
    assert issubclass(LimitedLoader, yaml.SafeLoader)
    assert not issubclass(LimitedLoader, getattr(yaml, "CParser", ()))
