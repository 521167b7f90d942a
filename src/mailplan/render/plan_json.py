"""The plan as JSON, documented by ``schemas/plan.schema.json``."""

from __future__ import annotations

import json

from mailplan.model.plan import Plan


def render(plan: Plan) -> str:
    return json.dumps(plan.to_dict(), ensure_ascii=False, indent=2) + "\n"
