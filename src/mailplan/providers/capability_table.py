"""The provider × feature table of docs/providers/README.md, generated from each provider's SUPPORTS and MANUAL.

``python -m mailplan.providers.capability_table`` prints it; a test keeps the
page's copy in step with the code.
"""

from __future__ import annotations

from mailplan.providers.base import Provider
from mailplan.providers.registry import known_types, provider_class

FEATURE_NAMES = {
    "domain": "mail domain",
    "domain.alias": "alias domain",
    "policy": "password policy",
    "policy.2fa": "require 2FA",
    "department": "departments",
    "mailbox": "mailboxes (people, functional)",
    "alias": "aliases",
    "alias.multi": "alias with several targets",
    "alias.external": "alias to an outside address",
    "group": "groups",
    "group.external": "group with outside members",
    "group.post.organization": "group: organization may post",
    "group.post.members": "group: members may post",
    "group.post.senders": "group: listed senders may post",
    "forwarding": "handover forwarding",
    "autoreply": "auto-reply",
    "delegation": "delegation",
    "delegation.read": "delegate may read",
    "delegation.send": "delegate may send as",
    "admin_role": "admin roles",
    "archive": "archive journal copy",
    "hold": "hold on a leaver's mailbox (optional)",
    "contact": "shared address book of customers (optional)",
}


def _cell(cls: type[Provider], feature: str) -> str:
    if feature in cls.SUPPORTS:
        return "✓"
    if feature in cls.MANUAL:
        return "manual"
    return "—"


def markdown() -> str:
    # the embedded default first, then the others by name
    classes = [provider_class(t) for t in sorted(known_types(), key=lambda t: (t not in ("local", "zonefile"), t))]
    mail = [c for c in classes if c.ROLE == "mail"]
    dns = [c for c in classes if c.ROLE == "dns"]
    lines = ["| feature | " + " | ".join(f"`{c.TYPE}`" for c in mail) + " |", "|---" * (len(mail) + 1) + "|"]
    features = list(FEATURE_NAMES) + sorted(
        {f for c in mail for f in (*c.SUPPORTS, *c.MANUAL)} - set(FEATURE_NAMES)
    )
    for feature in features:
        lines.append(f"| {FEATURE_NAMES.get(feature, feature)} | " + " | ".join(_cell(c, feature) for c in mail) + " |")
    rtypes = sorted({f.split(".")[1] for c in dns for f in c.SUPPORTS if f.count(".") == 1 and f.startswith("record.")})
    lines += ["", "| DNS provider | record types | null MX (`0 .`, parked domains) |", "|---|---|---|"]
    for c in dns:
        types = ", ".join(t for t in rtypes if f"record.{t}" in c.SUPPORTS)
        lines.append(f"| `{c.TYPE}` | {types} | {'✓' if 'record.MX.null' in c.SUPPORTS else '—'} |")
    lines += [
        "",
        "✓ through the provider's API · manual: the plan lists the exact step for a person · — not possible "
        "(a config needing it is refused; an optional feature is simply left out on that provider)",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
