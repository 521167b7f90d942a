"""What mailplan reads of a Zoho group (``GET …/groups`` and ``GET …/groups/{zgid}``) and how it
writes who may post.

Access types (Zoho Mail help, creating-groups / private-groups, and put-change-group-admin):
``Public`` anyone may post · ``Organization`` only the organization's members · ``Group`` only the
group's members; mail from others is held for a moderator or bounced (``holdOrBounce``) ·
``Moderated`` every message waits for a moderator. mailplan's ``members`` is ``Group`` with
``holdOrBounce: reject`` (a held message could still be let through). No access type admits a
list of senders: ``post: senders`` is refused by validate. A group that lets fewer post than any
rule of the config language (``Moderated``, or ``Group`` holding other mail for a moderator) reads
as ``senders`` with nobody listed, so that a config asking for ``members`` sees a difference.

mailplan marks what it created with a note at the end of the group's description (``[mailplan]``,
``[mailplan alias=1]`` for a group standing for an alias with several targets)."""

from __future__ import annotations

from typing import Any

from mailplan.model.objects import Group, PostPolicy
from mailplan.providers.mail.marks import address as normal_address
from mailplan.providers.mail.marks import read_note
from mailplan.providers.mail.zoho.accounts import ident

ACCESS_TYPE: dict[PostPolicy, str] = {"anyone": "Public", "organization": "Organization", "members": "Group"}
ALIAS_NOTE = {"alias": "1"}


def zgid(group: dict[str, Any]) -> str:
    return ident(group.get("zgid"))


def address(group: dict[str, Any]) -> str:
    return normal_address(str(group.get("emailId") or ""))


def settings(group: dict[str, Any]) -> dict[str, Any]:
    found = group.get("groupAdminSettings")
    return found if isinstance(found, dict) else {}


def access_type(group: dict[str, Any]) -> str:
    """The access type, spelt as the API writes it (a read may spell it otherwise: "Organization Members")."""
    raw = str(settings(group).get("accessType") or group.get("accessType") or "Public").strip().lower()
    for name in ("Public", "Organization", "Group", "Moderated"):
        if raw.startswith(name.lower()):
            return name
    return raw


def post_policy(group: dict[str, Any]) -> PostPolicy:
    kind = access_type(group)
    held = str(settings(group).get("holdOrBounce") or "").strip().lower() == "hold"
    if kind == "Public":
        return "anyone"
    if kind == "Organization":
        return "organization"
    if kind == "Group" and not held:
        return "members"
    return "senders"  # stricter than the language can say: nobody listed


def note_key(group: dict[str, Any]) -> str | None:
    """Where the answer holds the description (the create call names it ``groupDescription``)."""
    return next((k for k in ("groupDescription", "description") if k in group), None)


def note(group: dict[str, Any]) -> dict[str, str] | None:
    """mailplan's note in the description (None: a group mailplan did not create)."""
    key = note_key(group)
    return read_note(str(group.get(key) or "") if key else "")[1]


def members(group: dict[str, Any]) -> tuple[str, ...]:
    """Members and moderators who receive the group's mail (an invitation not yet taken is no member)."""
    found = set()
    for entry in group.get("mailGroupMemberList") or []:
        if not isinstance(entry, dict) or not entry.get("memberEmailId"):
            continue
        if str(entry.get("status") or "active").strip().lower() in ("active", "confirmed", "1", "true"):
            found.add(normal_address(str(entry["memberEmailId"])))
    return tuple(sorted(found))


def as_group(group: dict[str, Any]) -> Group:
    policy = post_policy(group)
    return Group(address=address(group), name=str(group.get("name") or ""), members=members(group), post_policy=policy)
