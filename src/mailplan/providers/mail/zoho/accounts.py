"""What mailplan reads of a Zoho account object (the entries of ``GET …/accounts``, and
``GET …/accounts/{zuid}``): ids, addresses, name, role, whether it is disabled, forwarding.

Field names follow the API's sample answers and a client run against live tenants
(kefapps/terraform-provider-zohomail): ``zuid``, ``accountId`` (64-bit ids, numbers or strings),
``primaryEmailAddress``, ``emailAddress[]`` (``mailId``, ``isAlias``), ``displayName``,
``roleName`` or ``role`` (the first may be missing), ``mailboxStatus``, ``incomingBlocked``,
``mailForward[]`` (``mailForward``, ``deleteCopy``, ``status``)."""

from __future__ import annotations

from typing import Any

from mailplan.providers.mail.marks import address as normal_address

ROLES = ("member", "admin", "super_admin")


def ident(value: Any) -> str:
    """A 64-bit id as text, whether it came as a JSON number or a string."""
    return str(value).strip() if value is not None else ""


def primary(account: dict[str, Any]) -> str:
    return normal_address(str(account.get("primaryEmailAddress") or account.get("mailboxAddress") or ""))


def aliases(account: dict[str, Any]) -> list[str]:
    found = {
        normal_address(str(e.get("mailId", "")))
        for e in account.get("emailAddress") or []
        if isinstance(e, dict) and e.get("isAlias") and e.get("mailId")
    }
    return sorted(found - {primary(account)})


def name(account: dict[str, Any]) -> str:
    shown = str(account.get("displayName") or "").strip()
    if shown:
        return shown
    return " ".join(str(account.get(k) or "").strip() for k in ("firstName", "lastName")).strip()


def role(account: dict[str, Any]) -> str:
    """member, admin or super_admin (``roleName`` may be missing or spelt "Super Admin")."""
    for key in ("roleName", "role"):
        value = str(account.get(key) or "").strip().lower().replace(" ", "_").replace("-", "_")
        value = {"user": "member", "superadmin": "super_admin", "administrator": "admin"}.get(value, value)
        if value in ROLES:
            return value
    return "member"


def disabled(account: dict[str, Any]) -> bool:
    status = str(account.get("mailboxStatus") or account.get("status") or "").strip().lower()
    return status in ("disabled", "inactive", "false") or account.get("enabled") is False


def incoming_blocked(account: dict[str, Any]) -> bool:
    return bool(account.get("incomingBlocked"))


def forwards(account: dict[str, Any]) -> dict[str, tuple[bool, bool]]:
    """Forwarding target -> (enabled, the copy in Zoho is deleted)."""
    found: dict[str, tuple[bool, bool]] = {}
    for entry in account.get("mailForward") or []:
        if not isinstance(entry, dict) or not entry.get("mailForward"):
            continue
        status = entry.get("status")
        enabled = status is True or str(status).strip().lower() in ("enabled", "active", "true", "1")
        found[normal_address(str(entry["mailForward"]))] = (enabled, bool(entry.get("deleteCopy")))
    return found
