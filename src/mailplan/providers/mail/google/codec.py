"""Translations between neutral objects and Google resources, and mailplan's marks on them.

Marks (how ``read`` knows what mailplan created, and what it did to a mailbox):
- users: ``externalIds`` entries ``{"type":"custom","customType":"mailplan","value":TOKEN}`` with
  TOKEN in ``person``/``functional`` (created by mailplan; also the mailbox kind), ``frozen``
  (login blocked by mailplan) with ``frozen_on:YYYY-MM-DD`` (the day: retention counts from it),
  ``gmail`` (mailplan wrote Gmail settings), ``admin`` (mailplan granted an admin role);
- groups and org units: a ``[mailplan ...]`` note at the end of the description, which also
  carries what the resource has no field for (a department's manager).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from mailplan.model.objects import Alias, Group, PostPolicy
from mailplan.providers.mail.marks import KIND_TOKENS, address, read_note, with_note

__all__ = ["KIND_TOKENS", "address", "read_note", "with_note"]  # with what follows

MARK_TYPE = "mailplan"

POST_TO_GOOGLE = {
    "anyone": "ANYONE_CAN_POST",
    "organization": "ALL_IN_DOMAIN_CAN_POST",
    "members": "ALL_MEMBERS_CAN_POST",
}  # "senders" has no exact Google rule: refused at validate (provider.py)


def user_tokens(user: Mapping[str, Any]) -> set[str]:
    ids = user.get("externalIds") or []
    return {str(e.get("value")) for e in ids if e.get("type") == "custom" and e.get("customType") == MARK_TYPE}


def with_tokens(user: Mapping[str, Any], add: Iterable[str] = (), drop: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The user's ``externalIds`` with mailplan tokens dropped, then added; other entries kept as they are."""
    tokens = (user_tokens(user) - set(drop)) | set(add)
    others = [
        e for e in user.get("externalIds") or [] if not (e.get("type") == "custom" and e.get("customType") == MARK_TYPE)
    ]
    return others + [{"type": "custom", "customType": MARK_TYPE, "value": t} for t in sorted(tokens)]


FROZEN_ON = "frozen_on:"


def frozen_on_token(day: dt.date) -> str:
    return f"{FROZEN_ON}{day.isoformat()}"


def frozen_on_tokens(user: Mapping[str, Any]) -> list[str]:
    return sorted(t for t in user_tokens(user) if t.startswith(FROZEN_ON))


def frozen_dates(users: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Address -> the day mailplan froze the user, from its mark (a malformed day is left out)."""
    found = {}
    for user in users:
        for token in frozen_on_tokens(user):
            day = token.removeprefix(FROZEN_ON)
            try:
                found[address(str(user["primaryEmail"]))] = dt.date.fromisoformat(day).isoformat()
            except ValueError:
                continue
    return found


def kind_token(user: Mapping[str, Any]) -> str | None:
    found = user_tokens(user).intersection(KIND_TOKENS)
    return sorted(found)[0] if found else None


def split_name(name: str) -> dict[str, str]:
    """Google requires given and family names; ``displayName`` keeps the name exactly as configured."""
    name = name.strip() or "-"
    words = name.split()
    if len(words) > 1:
        given, family = " ".join(words[:-1]), words[-1]
    elif len(name) > 1 and not name.isascii():
        family, given = name[0], name[1:]  # 张三: family 张, given 三
    else:
        given = family = name
    return {"givenName": given, "familyName": family, "displayName": name}


def display_name(user: Mapping[str, Any]) -> str:
    name = user.get("name") or {}
    return str(name.get("displayName") or name.get("fullName") or "")


ALIAS_NOTE = {"alias": "yes"}  # a group that stands for an alias with several (or external) targets


def alias_group(alias: Alias) -> Group:
    return Group(address=alias.address, name=alias.address, members=alias.targets, post_policy="anyone")


def member_entries(group: Group) -> dict[str, tuple[str, str]]:
    """address -> (role, delivery_settings) that hold ``group`` on Google."""
    entries: dict[str, tuple[str, str]] = {}
    if group.post_policy == "senders":  # as read: who receives nothing (the way an older mailplan wrote senders)
        entries.update((address(s), ("MEMBER", "NONE")) for s in group.senders if not s.startswith("@"))
    for member in group.members:
        entries[member] = ("MEMBER", "ALL_MAIL")
    for owner in group.owners:
        entries[owner] = ("OWNER", "ALL_MAIL")
    return entries


def group_note(group: Group) -> dict[str, str]:
    """The note of a group mailplan holds (it says the group is mailplan's: nothing more to keep)."""
    return {}


def group_from_google(
    resource: Mapping[str, Any], members: Iterable[Mapping[str, Any]], who_can_post: str, note: Mapping[str, str]
) -> Group:
    owners, receivers, silent = [], [], []
    for m in members:
        email = address(str(m.get("email", "")))
        if not email:
            continue  # a member without address (the whole customer, ``type: CUSTOMER``)
        if m.get("role") == "OWNER":
            owners.append(email)
        elif m.get("delivery_settings") == "NONE":
            silent.append(email)
        else:
            receivers.append(email)
    # Named senders who are members can post as members; those no longer in the group cannot.
    named = {address(a) for a in note.get("senders", "").split(",") if a} & {*receivers, *owners}
    senders = sorted({*silent, *named})
    policy: PostPolicy
    if who_can_post == "ANYONE_CAN_POST":
        policy = "anyone"
    elif who_can_post == "ALL_IN_DOMAIN_CAN_POST":
        policy = "organization"
    elif who_can_post == "ALL_MEMBERS_CAN_POST" and not senders:
        policy = "members"
    else:
        # Members plus senders, or something stricter (owners/managers only): shown as
        # "senders" so that a config asking for "members" sees a difference.
        policy = "senders"
    return Group(
        address=address(str(resource["email"])),
        name=str(resource.get("name") or ""),
        members=tuple(sorted(receivers)),
        post_policy=policy,
        senders=tuple(senders) if policy == "senders" else (),
        owners=tuple(sorted(owners)),
    )
