"""The Admin console steps for what the Google APIs cannot do (password policy, 2-Step
enforcement, compliance routing, Vault retention rules), and the Vault hold when ``vault_hold``
is off."""

from __future__ import annotations

from mailplan.model.change import Change
from mailplan.model.objects import ArchiveRule, Hold, Policy

CONSOLE = "https://admin.google.com"
VAULT = "https://vault.google.com"


def _policy(policy: Policy | None) -> list[str]:
    if policy is None:
        return [f"{CONSOLE} › Security: nothing to undo; password and 2-Step settings stay as they are."]
    expiry = f"expire after {policy.password_max_age_days} days" if policy.password_max_age_days else "never expire"
    steps = [
        f"{CONSOLE} › Security › Authentication › Password management (organizational unit of {policy.scope}): "
        f"minimum length {policy.password_min_length}, {expiry}"
    ]
    if policy.require_2fa:
        steps.append(f"{CONSOLE} › Security › Authentication › 2-step verification: allow, Enforcement: On")
    return steps


def _archive(rule: ArchiveRule | None) -> list[str]:
    if rule is None:
        return [f"{CONSOLE} › Apps › Google Workspace › Gmail › Compliance: delete the rule 'mailplan archive'."]
    steps = [
        f"{CONSOLE} › Apps › Google Workspace › Gmail › Compliance › Content compliance › Add rule "
        f"'mailplan archive {rule.scope}': Inbound + Outbound + Internal, every message, "
        f"'Also deliver to' {rule.copy_to}"
    ]
    if rule.retention_days:
        steps.append(f"{VAULT} › Retention › Default rules › Gmail: keep {rule.retention_days} days")
    return steps


def _hold(before: Hold | None, after: Hold | None, matter: str) -> list[str]:
    if after is not None:
        return [
            f"{VAULT} › Matters › '{matter}' (create it if missing) › Holds › Create or edit: "
            f"Gmail, accounts: add {after.address}"
        ]
    assert before is not None
    return [f"{VAULT} › Matters › '{matter}' › Holds: remove {before.address} from the hold"]


def instructions(change: Change, matter: str = "mailplan: departed staff") -> str:
    after = change.after
    if change.kind == "hold":
        before = change.before if isinstance(change.before, Hold) else None
        return "\n".join(_hold(before, after if isinstance(after, Hold) else None, matter))
    if change.kind == "policy":
        return "\n".join(_policy(after if isinstance(after, Policy) else None))
    if change.kind == "archive":
        return "\n".join(_archive(after if isinstance(after, ArchiveRule) else None))
    return f"{change.kind} {change.key}: not something the Google APIs mailplan uses can do"
