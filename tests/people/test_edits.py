"""HR's edits touch one person's entry and nothing else; bad input changes nothing."""

from __future__ import annotations

import datetime as dt

from mailplan import config as config_mod
from mailplan.config import compile_config
from mailplan.model.objects import Group
from people.conftest import Company, addr

LEAVER_LINE = "  - {name: 张伟, department: sales, tier: staff}                        # zhangwei"
FORMER_BLOCK = """  - name: 李娜
    address: lina2
    department: sales
    left_on: 2026-09-30
    successor: zhangsan
    left_reason: 个人原因离职 (resigned)
"""


def test_offboard_changes_only_the_leavers_line_byte_for_byte(company: Company) -> None:
    before = company.text()
    result = company.ok(
        "offboard", str(company.config), "zhangwei", "--successor", "王芳",
        "--on", "2027-03-31", "--reason", "合同到期, 不续签", "--no-plan",
    )  # fmt: skip
    after = company.text()
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    differing = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    assert [old[i].rstrip("\n") for i in differing] == [LEAVER_LINE]
    expected = LEAVER_LINE.replace(
        "tier: staff}", 'tier: staff, left_on: 2027-03-31, successor: wangfang, left_reason: "合同到期, 不续签"}'
    )
    assert new[differing[0]].rstrip("\n") == expected
    assert "张伟 <zhangwei@huamao-trade.com> leaves on 2027-03-31" in result.stderr
    person = config_mod.find_person(config_mod.load(company.config), "zhangwei")
    assert (person.left_on, person.successor, person.left_reason) == (
        dt.date(2027, 3, 31), addr("wangfang"), "合同到期, 不续签"
    )


def test_an_ambiguous_name_lists_the_candidates_and_changes_nothing(company: Company) -> None:
    before = company.text()
    result = company.run("offboard", str(company.config), "张伟", "--successor", "wangfang", "--no-plan")
    assert result.exit_code == 1
    assert "zhangwei@huamao-trade.com (" in result.stderr and "zhangwei2@huamao-trade.com (" in result.stderr
    assert company.text() == before


def test_an_unknown_successor_changes_nothing(company: Company) -> None:
    before = company.text()
    result = company.run("offboard", str(company.config), "zhangwei", "--successor", "nobody", "--no-plan")
    assert result.exit_code == 1 and "nobody" in result.stderr
    assert company.text() == before


def test_rehire_takes_out_exactly_the_departure_lines_of_a_block_entry(company: Company) -> None:
    before = company.text()
    company.ok("rehire", str(company.config), "lina2", "--no-plan")
    back = FORMER_BLOCK.split("    left_on:")[0]
    assert company.text() == before.replace(FORMER_BLOCK, back)


def test_offboard_of_a_block_entry_adds_lines_at_its_indentation(company: Company) -> None:
    company.ok("rehire", str(company.config), "lina2", "--no-plan")
    company.ok("offboard", str(company.config), "lina2", "--successor", "zs", "--on", "2026-09-30", "--no-plan")
    assert FORMER_BLOCK.replace("    left_reason: 个人原因离职 (resigned)\n", "") in company.text()


def test_onboard_derives_the_address_and_settles_a_collision(company: Company) -> None:
    before = company.text()
    result = company.ok("onboard", str(company.config), "张伟", "--department", "sales", "--tier", "staff", "--no-plan")
    assert "张伟 gets the address zhangwei3@huamao-trade.com" in result.stderr
    assert "zhangwei is taken by person 张伟" in result.stderr
    new_line = "  - {name: 张伟, address: zhangwei3, department: sales, tier: staff}\n"
    # right after the last current colleague of the department, nothing else touched
    anchor = "  - {name: Carlos Mendes, department: sales, tier: staff}               # carlos.mendes, South America\n"
    assert company.text() == before.replace(anchor, anchor + new_line)
    fresh = company.ok("onboard", str(company.config), "Maria Silva", "-d", "purchasing", "--no-plan")
    assert "Maria Silva gets the address maria.silva@huamao-trade.com" in fresh.stderr


def test_onboard_refuses_an_unknown_department(company: Company) -> None:
    before = company.text()
    result = company.run("onboard", str(company.config), "王五", "--department", "marketing", "--no-plan")
    assert result.exit_code == 1 and "unknown department 'marketing'" in result.stderr
    assert company.text() == before


def test_a_group_owned_by_a_leaver_passes_to_the_successor(company: Company) -> None:
    company.config.write_text(
        company.text().replace("    post: anyone\n", "    post: anyone\n    owners: [zhangwei]\n"), encoding="utf-8"
    )
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--on", "2027-01-04", "--no-plan")
    config = config_mod.load(company.config)
    for day, owner in ((dt.date(2027, 1, 3), "zhangwei"), (dt.date(2027, 1, 4), "wangfang")):
        team = compile_config(config, day).objects["mail"].get(("group", addr("sales-team")))
        assert isinstance(team, Group) and team.owners == (addr(owner),)
