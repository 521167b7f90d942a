"""The plan as a person reads it in a terminal, in the manner of a Terraform plan."""

from __future__ import annotations

from collections.abc import Callable

import typer

from mailplan.i18n import _, localized, ngettext
from mailplan.model.change import Action
from mailplan.model.plan import Plan
from mailplan.render.common import (
    by_domain,
    manual_steps,
    nothing_to_do,
    problem_text,
    shown_attrs,
    summary_line,
    unicode_domain,
    unicode_text,
    width,
)
from mailplan.render.labels import word

COLORS = {
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.FREEZE: "magenta",
    Action.UNFREEZE: "cyan",
    Action.REMOVE: "red",
    Action.MANUAL: "blue",
}


def render(plan: Plan, color: bool = False, title: str = "Plan") -> str:
    style: Callable[..., str] = typer.style if color else (lambda text, **_: text)
    out: list[str] = []
    if not plan.has_changes:
        out += [nothing_to_do(plan), ""]
    for domain, changes in by_domain(plan.changes).items():
        out.append(style(unicode_domain(domain), bold=True))
        for change in changes:
            head = f"  {change.action.symbol} {word(change.kind)} {unicode_text(change.key)}  ({change.provider})"
            if change.reason and change.action is not Action.CREATE:
                head += f" — {localized(change.reason)}"
            out.append(style(head, fg=COLORS[change.action]))
            rows = shown_attrs(change)
            column = max((width(name) for name, _text in rows), default=0)
            out += [f"      {name + ':'}{' ' * (column - width(name))} {text}" for name, text in rows]
            if change.instructions:
                out.append("      " + _("manual step — a person must run:"))
                out += [f"        {line}" for line in manual_steps(change.instructions).splitlines()]
        out.append("")
    if plan.unmanaged:
        out.append(style(ngettext("Unmanaged ({count}): on the providers, not in the config; never touched.",
                                  "Unmanaged ({count}): on the providers, not in the config; never touched.",
                                  len(plan.unmanaged)), bold=True))
        out += [f"  · {word(u.obj.KIND)} {unicode_text(u.obj.key)}  ({u.provider})" for u in plan.unmanaged]
        out.append("")
    if plan.warnings:
        out.append(style(ngettext("Warnings ({count}): look at these before applying:",
                                  "Warnings ({count}): look at these before applying:", len(plan.warnings)),
                         fg="yellow", bold=True))
        out += [style(f"  ! {problem_text(p)}", fg="yellow") for p in plan.warnings]
    if plan.safety:
        out.append(style(_("Safety limits (policies.safety):"), bold=True))
        for use in plan.safety:
            line = f"  {'✗' if use.exceeded else '·'} {localized(use.describe())}"
            out.append(style(line, fg="red") if use.exceeded else line)
        out.append("")
    if plan.blocked:
        out.append(style(_("Refused by the safety gate — nothing will be applied:"), fg="red", bold=True))
        out += [style(f"  ✗ {problem_text(p)}", fg="red") for p in plan.blocked]
        out.append("")
    out.append(style(summary_line(plan.counts(), title), bold=True))
    return "\n".join(out) + "\n"
