"""The Admin console steps for what the Google APIs cannot do (password policy, 2-Step
enforcement, compliance routing, Vault retention rules), and the Vault hold when ``vault_hold``
is off."""

from __future__ import annotations

from mailplan.i18n import Msg
from mailplan.model.change import Change
from mailplan.model.objects import ArchiveRule, Hold, Policy

CONSOLE = "https://admin.google.com"
VAULT = "https://vault.google.com"

# Each line is one whole message (docs/i18n.md) so that a saved plan reads in Chinese too; the console's
# menu path is code (backticks in the translation), as the admin finds it in an English console.


def _policy(policy: Policy | None) -> list[str]:
    if policy is None:
        return [Msg("{console} › Security: nothing to undo; password and 2-Step settings stay as they are.",
                    console=CONSOLE)]
    if policy.password_max_age_days:
        password = Msg(
            "{console} › Security › Authentication › Password management (organizational unit of {scope}): "
            "minimum length {length}, expire after {days} days",
            console=CONSOLE, scope=policy.scope, length=policy.password_min_length, days=policy.password_max_age_days,
        )
    else:
        password = Msg(
            "{console} › Security › Authentication › Password management (organizational unit of {scope}): "
            "minimum length {length}, never expire",
            console=CONSOLE, scope=policy.scope, length=policy.password_min_length,
        )
    steps: list[str] = [password]
    if policy.require_2fa:
        steps.append(Msg("{console} › Security › Authentication › 2-step verification: allow, Enforcement: On",
                         console=CONSOLE))
    return steps


def _archive(rule: ArchiveRule | None) -> list[str]:
    if rule is None:
        return [Msg("{console} › Apps › Google Workspace › Gmail › Compliance: delete the rule 'mailplan archive'.",
                    console=CONSOLE)]
    steps: list[str] = [
        Msg(
            "{console} › Apps › Google Workspace › Gmail › Compliance › Content compliance › Add rule "
            "'mailplan archive {scope}': Inbound + Outbound + Internal, every message, 'Also deliver to' {copy_to}",
            console=CONSOLE, scope=rule.scope, copy_to=rule.copy_to,
        )
    ]
    if rule.retention_days:
        steps.append(Msg("{vault} › Retention › Default rules › Gmail: keep {days} days",
                         vault=VAULT, days=rule.retention_days))
    return steps


def _hold(before: Hold | None, after: Hold | None, matter: str) -> list[str]:
    if after is not None:
        return [Msg("{vault} › Matters › '{matter}' (create it if missing) › Holds › Create or edit: "
                    "Gmail, accounts: add {address}", vault=VAULT, matter=matter, address=after.address)]
    assert before is not None
    return [Msg("{vault} › Matters › '{matter}' › Holds: remove {address} from the hold",
                vault=VAULT, matter=matter, address=before.address)]


def instructions(change: Change, matter: str = "mailplan: departed staff") -> str:
    after = change.after
    if change.kind == "hold":
        before = change.before if isinstance(change.before, Hold) else None
        return _lines(_hold(before, after if isinstance(after, Hold) else None, matter))
    if change.kind == "policy":
        return _lines(_policy(after if isinstance(after, Policy) else None))
    if change.kind == "archive":
        return _lines(_archive(after if isinstance(after, ArchiveRule) else None))
    kind = Msg(change.kind)  # its label in the reader's language
    return Msg("{kind} {key}: not something the Google APIs mailplan uses can do", kind=kind, key=change.key)


def _lines(steps: list[str]) -> str:
    """One step as its message (translated whole), several joined with newlines (translated a line each)."""
    return steps[0] if len(steps) == 1 else "\n".join(steps)
