"""The generated company the benchmarks run on: N people with Chinese names, in
departments that grow with the company (one per ~100 people, in a tree ten
wide), each department with a manager, a functional mailbox and a
``department:`` group; every tenth person has an alias; a name whose address
is taken gets ``address:``, as ``mailplan onboard`` would write it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mailplan.config.naming import derive_local_part, numbered

DOMAIN = "huamao-bench.com"
PEOPLE_PER_DEPARTMENT = 100
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国文博晓东海峰雪梅志婷玉兰春燕红宇浩然子涵思远佳怡欣雨萱梓轩俊辰皓天泽瑞嘉琪凯琳鹏飞"  # noqa: E501


def departments_for(size: int) -> int:
    return max(1, round(size / PEOPLE_PER_DEPARTMENT))


@dataclass
class Company:
    departments: int
    people: list[dict[str, Any]] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)  # each person's local part, same order

    def managers(self) -> list[str]:
        return self.addresses[: self.departments]  # the first person of each department leads it


def company(size: int, departments: int | None = None) -> Company:
    """``size`` people with Chinese names; a name whose address is taken gets ``address:`` (as onboard does)."""
    out = Company(departments=departments or departments_for(size))
    taken: set[str] = set()
    for i in range(size):
        surname = SURNAMES[i % len(SURNAMES)]
        rest = i // len(SURNAMES)
        given = GIVEN[rest % len(GIVEN)] + (GIVEN[(rest // len(GIVEN)) % len(GIVEN)] if rest >= len(GIVEN) else "")
        name = surname + given
        local = derive_local_part(name)
        entry: dict[str, Any] = {"name": name, "department": f"d{i % out.departments}"}
        if local in taken:
            local = numbered(local, taken)
            entry["address"] = local
        taken.add(local)
        entry["tier"] = "manager" if i < out.departments else "staff"
        if i % 10 == 3:
            entry["aliases"] = [f"x{i}"]
        out.people.append(entry)
        out.addresses.append(local)
    return out


def document(people: Company, mail: dict[str, Any], extra_domains: dict[str, Any] | None = None) -> dict[str, Any]:
    """The mailplan.yaml of ``people`` with ``mail`` as the mail provider's settings."""
    managers = people.managers()
    count = people.departments
    return {
        "version": 1,
        "organization": {"name": "华贸进出口有限公司", "primary_domain": DOMAIN},
        "state_dir": ".mailplan",
        "providers": {"mail": mail},
        "domains": {DOMAIN: {"mail": "mail"}, **(extra_domains or {})},
        "departments": {
            f"d{k}": {
                "name": f"第{k + 1}业务部",
                "manager": managers[k] if k < len(managers) else None,
                **({"parent": f"d{(k - 1) // 10}"} if k else {}),  # a tree ten wide
            }
            for k in range(count)
        },
        "tiers": {"manager": {"read_department_mailboxes": True, "send_as_department_mailboxes": True}, "staff": {}},
        "people": people.people,
        "mailboxes": [
            {"address": f"info-d{k}", "name": f"第{k + 1}业务部询盘", "department": f"d{k}", "owners": [managers[k]]}
            for k in range(min(count, len(managers)))
        ],
        "groups": [
            {
                "address": f"team-d{k}",
                "name": f"第{k + 1}业务部全体",
                "members": [f"department:d{k}"],
                "post": "organization",
            }
            for k in range(count)
        ],
        "aliases": [{"address": "postmaster", "to": [managers[0]]}, {"address": "abuse", "to": [managers[0]]}],
        "policies": {
            "password": {"min_length": 12},
            "archive": {"retention": "5y"},
            "offboarding": {
                "deliver_to_successor": True,
                "remove_from_groups": True,
                "auto_reply": {"subject": "{name} 已离职 / {name} has left", "body": "请联系 {successor_address}。"},
            },
        },
    }


def local_mail(database: str = ".mailplan/mail.sqlite", scheme: str = "SHA512-CRYPT") -> dict[str, Any]:
    return {"type": "local", "database": database, "password_scheme": scheme}


def offboarded(people: Company, share: float, today: dt.date) -> Company:
    """The same company with ``share`` of the staff (never a manager) gone yesterday, handed to their manager."""
    out = Company(departments=people.departments, addresses=list(people.addresses))
    count = round(len(people.people) * share)
    managers = people.managers()
    for i, entry in enumerate(people.people):
        entry = dict(entry)
        if i >= people.departments and count > 0 and i % 5 in (1, 2, 3):
            entry["left_on"] = (today - dt.timedelta(days=1)).isoformat()
            entry["successor"] = managers[i % people.departments]
            count -= 1
        out.people.append(entry)
    return out


PEOPLE_PER_FILE = 20_000  # a 100,000-person company is 6 MB: more than one file may hold (include: splits it)


def write_yaml(path: Path, doc: dict[str, Any]) -> list[Path]:
    """Write ``doc`` to ``path``, its people in included files of PEOPLE_PER_FILE each when there are more;
    returns every file written."""
    people = doc.get("people", [])
    files = [path]
    if len(people) > PEOPLE_PER_FILE:
        doc = {**doc, "people": people[:PEOPLE_PER_FILE], "include": []}
        for start in range(PEOPLE_PER_FILE, len(people), PEOPLE_PER_FILE):
            part = path.with_name(f"{path.stem}-people-{start // PEOPLE_PER_FILE}.yaml")
            part.write_text(_dump({"people": people[start : start + PEOPLE_PER_FILE]}), encoding="utf-8")
            doc["include"].append(part.name)
            files.append(part)
    path.write_text(_dump(doc), encoding="utf-8")
    return files


def _dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
