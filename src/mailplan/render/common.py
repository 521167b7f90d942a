"""Small helpers every renderer shares: Unicode display of IDN names, value formatting, grouping."""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from mailplan.errors import Problem
from mailplan.i18n import N_, Msg, _, localized, ngettext
from mailplan.model.change import Action, Change
from mailplan.model.plan import Plan
from mailplan.render.labels import word


def unicode_domain(name: str) -> str:
    """``xn--fiqs8s`` → ``中国``; anything that does not decode is shown as it is."""
    try:
        return ".".join(label.encode("ascii").decode("idna") if label.startswith("xn--") else label
                        for label in name.split("."))
    except UnicodeError:
        return name


def unicode_text(value: str) -> str:
    """An address or a key with an IDN domain inside, shown in Unicode."""
    if "xn--" not in value:
        return value
    if "@" in value:
        local, _, domain = value.rpartition("@")
        return f"{local}@{unicode_domain(domain)}"
    return "/".join(unicode_domain(part) for part in value.split("/"))


def fmt(value: Any) -> str:
    if value is None:
        return _("(none)")
    if isinstance(value, bool):
        return _("true") if value else _("false")
    if isinstance(value, tuple | list):
        return "[" + ", ".join(unicode_text(str(v)) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(unicode_text(value), ensure_ascii=False)
    return str(value)


def fmt_change(before: Any, after: Any) -> str:
    """``before → after``; for lists, only what was added and removed."""
    if isinstance(before, tuple | list) and isinstance(after, tuple | list):
        added = [v for v in after if v not in before]
        removed = [v for v in before if v not in after]
        parts = [f"+{unicode_text(str(v))}" for v in added] + [f"-{unicode_text(str(v))}" for v in removed]
        return ", ".join(parts) if parts else f"{fmt(before)} → {fmt(after)}"
    return f"{fmt(before)} → {fmt(after)}"


def by_domain(changes: Iterable[Change]) -> dict[str, list[Change]]:
    """Changes grouped by domain, domains sorted, each group in plan order."""
    groups: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        groups[change.domain].append(change)
    return dict(sorted(groups.items()))


# The titles a plan is printed under (``title``), each with its summary sentence and Markdown heading;
# a caller may pass its own title instead, already translated.
SUMMARIES = {"Plan": N_("Plan: {counts}."), "Drift": N_("Drift: {counts}.")}
HEADINGS = {"Plan": N_("mailplan plan"), "Drift": N_("mailplan drift")}


def nothing_to_do(plan: Plan) -> str:
    """The line shown instead of changes when apply has nothing to do."""
    if plan.blocked:
        return _("No changes to apply, but the config and the providers differ: the safety gate explains below.")
    if plan.manual:
        return ngettext(
            "No changes to apply. {count} manual step below is for a person: "
            "the provider's API cannot do it (or cannot show whether it was done).",
            "No changes to apply. {count} manual steps below are for a person: "
            "the provider's API cannot do them (or cannot show whether they were done).",
            len(plan.manual),
        )
    return _("No changes. The providers match the config.")


def summary_line(counts: dict[str, int], title: str = "Plan") -> str:
    shown = {action.value: counts.get(action.value, 0) for action in Action}
    parts = _(
        "{create} to create, {update} to update, {freeze} to freeze, {unfreeze} to unfreeze, "
        "{remove} to remove, {manual} manual",
        **shown,
    )
    if title in SUMMARIES:
        return _(SUMMARIES[title], counts=parts)
    # another title is already in the reader's language (HR's "Plan for {address}")
    return _("{title}: {counts}.", title=title, counts=parts)


def heading(title: str) -> str:
    return _(HEADINGS[title]) if title in HEADINGS else f"mailplan {title.lower()}"


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def manual_steps(instructions: str) -> str:
    """A change's manual steps in the reader's language: one message, or one message a line (a provider
    joins the steps of several lines; a saved plan holds them as plain English). Plain text is read
    line by line: a placeholder would otherwise swallow the lines after it."""
    if isinstance(instructions, Msg):
        return instructions.localized()
    return "\n".join(localized(line) for line in instructions.splitlines())


def problem_text(problem: Problem) -> str:
    """A warning or a refusal of the plan, in the reader's language."""
    return problem.shown(localized)


def shown_attrs(change: Change) -> list[tuple[str, str]]:
    """``(name, text)`` rows under a change, the name in the reader's language: every set attribute
    for a create, the differences otherwise."""
    if change.action is Action.CREATE and change.after is not None:
        return [(word(n), fmt(v)) for n, v in change.after.attrs().items() if v not in (None, "", (), 0, False)]
    if change.action is Action.REMOVE:
        return []
    return [(word(n), fmt_change(b, a)) for n, b, a in change.attr_changes()]
