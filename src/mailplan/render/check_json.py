"""The check report as JSON: stable keys (``version``, ``summary``, ``domains[].findings[]``)."""

from __future__ import annotations

import json

from mailplan.dns.check.model import Report


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
