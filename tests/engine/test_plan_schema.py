"""`plan --format json` output is documented by schemas/plan.schema.json."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from mailplan.engine.diff import diff_all
from mailplan.errors import Problem
from mailplan.model.change import Action, Change
from mailplan.model.objects import KINDS, Domain, Group, Mailbox, Record
from mailplan.model.plan import Plan
from mailplan.model.state import Observed, State
from mailplan.render import plan_json

SCHEMA = json.loads((Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text())


def test_every_object_kind_is_in_the_schema() -> None:
    assert sorted(SCHEMA["$defs"]["kind"]["enum"]) == sorted(KINDS)


def test_plan_json_validates_against_the_schema() -> None:
    d = "例子.中国".encode("idna").decode()
    desired = State([Domain(d), Mailbox(f"zhangsan@{d}", "张三"), Group(f"all@{d}", "全体", (f"zhangsan@{d}",)),
                     Record(d, "@", "MX", "", 3600, ("10 mx.example.",))])
    changes, _, _ = diff_all({"m": desired}, {"m": Observed(State([Mailbox(f"old@{d}", "旧")]))})
    changes.append(Change(Action.MANUAL, "m", None, Mailbox(f"x@{d}", "X"), "", "Set-Mailbox x"))
    plan = Plan(changes, blocked=[Problem("too many", None, "use --force")], config_fingerprint="c",
                observed_fingerprints={"m": "o"})
    data = json.loads(plan_json.render(plan))
    jsonschema.validate(data, SCHEMA)
    assert data["summary"]["create"] == 4 and data["summary"]["manual"] == 1
    assert data["changes"][1]["after"]["name"] == "张三"


def test_a_plan_of_only_manual_steps_has_nothing_to_apply() -> None:
    manual = Change(Action.MANUAL, "m", None, Mailbox("x@example.com", "X"), "", "Set-Mailbox x")
    plan = Plan([manual])
    assert not plan.has_changes and plan.manual == [manual]
    from mailplan.render import plan_text

    text = plan_text.render(plan)
    assert text.startswith("No changes to apply. 1 manual step below is for a person")
    assert "Set-Mailbox x" in text
