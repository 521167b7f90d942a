"""The provider templates as a markdown table (docs/dns.md's), built from the same code that derives records."""

from __future__ import annotations

import html

from mailplan.dns.derive import example_facts, mail_records
from mailplan.dns.templates import TEMPLATES, Input


def markdown_table() -> str:
    """The provider templates as a markdown table, built from the same code that derives records."""
    lines = ["| type | provider | records (example.com) | inputs | notes |", "|---|---|---|---|---|"]
    rows = [(t.type, t.title, example_facts(t.type), t.inputs, t.notes) for t in TEMPLATES.values()]
    rows.append(("(parked)", "Alias or non-sending domain", example_facts("local", sends_mail=False), (),
                 "any domain with sends_mail false, whatever its provider"))
    for type_name, title, facts, inputs, notes in rows:
        shown = "<br>".join(
            f"`{r.name} {r.rtype} {_short(v)}`" for r in mail_records(facts) for v in sorted(r.values, key=_mx_order)
        )
        # placeholders such as <tenant> are text, not HTML tags
        needs = "<br>".join(f"`{i.key}` {html.escape(_need(i), quote=False)}" for i in inputs)
        lines.append(f"| `{type_name}` | {title} | {shown} | {needs or '–'} | {notes or '–'} |")
    return "\n".join(lines)


def _need(given: Input) -> str:
    if given.default:
        return f"(default {given.default})"
    return f"(required for {given.required_for})" if given.required_for else "(required)"


def _short(text: str) -> str:
    return text if len(text) < 60 else text[:40] + "…"


def _mx_order(value: str) -> tuple[int, str]:
    pref, _, rest = value.partition(" ")
    return (int(pref), rest) if pref.isdigit() else (0, value)


if __name__ == "__main__":
    print(markdown_table())
