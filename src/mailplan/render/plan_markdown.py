"""The plan as Markdown, for a pull-request comment."""

from __future__ import annotations

from mailplan.i18n import _, localized, ngettext
from mailplan.model.plan import Plan
from mailplan.render.common import (
    by_domain,
    heading,
    manual_steps,
    nothing_to_do,
    problem_text,
    shown_attrs,
    summary_line,
    unicode_domain,
    unicode_text,
)
from mailplan.render.labels import word


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def render(plan: Plan, title: str = "Plan") -> str:
    out = [f"### {heading(title)}", "", f"**{summary_line(plan.counts(), title)}**", ""]
    if plan.blocked:
        out += ["> [!CAUTION]", "> " + _("Refused by the safety gate; nothing will be applied:")]
        out += [f"> - {_cell(problem_text(p))}" for p in plan.blocked]
        out.append("")
    if plan.warnings:
        out += ["> [!WARNING]", "> " + _("Look at these before applying:")]
        out += [f"> - {_cell(problem_text(p))}" for p in plan.warnings]
    if plan.safety:
        out += [_("Safety limits (`policies.safety`):"), ""]
        over = _("**over**") + " "
        out += [f"- {over if u.exceeded else ''}{_cell(localized(u.describe()))}" for u in plan.safety]
        out.append("")
    if not plan.has_changes:
        out += [nothing_to_do(plan), ""]
    columns = _("| | what | provider | details |")
    for domain, changes in by_domain(plan.changes).items():
        out += [f"#### {unicode_domain(domain)}", "", columns, "|---|---|---|---|"]
        for change in changes:
            details = "; ".join(f"{name}: {text}" for name, text in shown_attrs(change))
            if change.instructions:
                manual = _("**manual:**")
                details += f"<br>{manual} {manual_steps(change.instructions)}"
            what = f"{word(change.kind)} `{unicode_text(change.key)}`"
            out.append(f"| `{change.action.symbol}` | {what} | {change.provider} | {_cell(details)} |")
        out.append("")
    if plan.unmanaged:
        summary = ngettext("Unmanaged: on the providers, not in the config; never touched ({count})",
                           "Unmanaged: on the providers, not in the config; never touched ({count})",
                           len(plan.unmanaged))
        out += [f"<details><summary>{summary}</summary>", ""]
        out += [f"- {word(u.obj.KIND)} `{unicode_text(u.obj.key)}` ({u.provider})" for u in plan.unmanaged]
        out += ["", "</details>", ""]
    return "\n".join(out)
