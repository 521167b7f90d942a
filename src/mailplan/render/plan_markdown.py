"""The plan as Markdown, for a pull-request comment."""

from __future__ import annotations

from mailplan.model.plan import Plan
from mailplan.render.common import by_domain, nothing_to_do, shown_attrs, summary_line, unicode_domain, unicode_text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def render(plan: Plan, title: str = "Plan") -> str:
    out = [f"### mailplan {title.lower()}", "", f"**{summary_line(plan.counts(), title)}**", ""]
    if plan.blocked:
        out += ["> [!CAUTION]", "> Refused by the safety gate; nothing will be applied:"]
        out += [f"> - {_cell(str(p))}" for p in plan.blocked]
        out.append("")
    if plan.warnings:
        out += ["> [!WARNING]", "> Look at these before applying:"]
        out += [f"> - {_cell(str(p))}" for p in plan.warnings]
        out.append("")
    if not plan.has_changes:
        out += [nothing_to_do(plan), ""]
    for domain, changes in by_domain(plan.changes).items():
        out += [f"#### {unicode_domain(domain)}", "", "| | what | provider | details |", "|---|---|---|---|"]
        for change in changes:
            details = "; ".join(f"{name}: {text}" for name, text in shown_attrs(change))
            if change.instructions:
                details += f"<br>**manual:** `{change.instructions}`"
            what = f"{change.kind} `{unicode_text(change.key)}`"
            out.append(f"| `{change.action.symbol}` | {what} | {change.provider} | {_cell(details)} |")
        out.append("")
    if plan.unmanaged:
        out += ["<details><summary>Unmanaged: on the providers, not in the config; never touched "
                f"({len(plan.unmanaged)})</summary>", ""]
        out += [f"- {u.obj.KIND} `{unicode_text(u.obj.key)}` ({u.provider})" for u in plan.unmanaged]
        out += ["", "</details>", ""]
    return "\n".join(out)
