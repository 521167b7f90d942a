"""The plan as a person reads it in a terminal, in the manner of a Terraform plan."""

from __future__ import annotations

from collections.abc import Callable

import typer

from mailplan.model.change import Action
from mailplan.model.plan import Plan
from mailplan.render.common import by_domain, nothing_to_do, shown_attrs, summary_line, unicode_domain, unicode_text

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
            head = f"  {change.action.symbol} {change.kind} {unicode_text(change.key)}  ({change.provider})"
            if change.reason and change.action is not Action.CREATE:
                head += f" — {change.reason}"
            out.append(style(head, fg=COLORS[change.action]))
            rows = shown_attrs(change)
            width = max((len(name) for name, _ in rows), default=0)
            out += [f"      {name + ':':<{width + 1}} {text}" for name, text in rows]
            if change.instructions:
                out.append("      manual step — a person must run:")
                out += [f"        {line}" for line in change.instructions.splitlines()]
        out.append("")
    if plan.unmanaged:
        out.append(style(f"Unmanaged ({len(plan.unmanaged)}): on the providers, not in the config; never touched.",
                         bold=True))
        out += [f"  · {u.obj.KIND} {unicode_text(u.obj.key)}  ({u.provider})" for u in plan.unmanaged]
        out.append("")
    if plan.warnings:
        out.append(style(f"Warnings ({len(plan.warnings)}): look at these before applying:", fg="yellow", bold=True))
        out += [style(f"  ! {p}", fg="yellow") for p in plan.warnings]
        out.append("")
    if plan.blocked:
        out.append(style("Refused by the safety gate — nothing will be applied:", fg="red", bold=True))
        out += [style(f"  ✗ {p}", fg="red") for p in plan.blocked]
        out.append("")
    out.append(style(summary_line(plan.counts(), title), bold=True))
    return "\n".join(out) + "\n"
