"""Translations between neutral objects and Graph resources, and mailplan's marks on them.

Marks: a user mailplan created carries ``mailplan:<tokens>`` in
``onPremisesExtensionAttributes.extensionAttribute15`` (writable through Graph for cloud-only
users): ``person``/``functional`` (the kind), ``autoreply`` (mailplan wrote the automatic reply),
``admin`` (mailplan granted a directory role), ``frozen`` (a shared mailbox mailplan froze: it has
no sign-in to block), ``freezing`` (a freeze under way: its first call set it, its last clears it).
Groups and administrative units carry the same ``[mailplan ...]`` description
note as on Google; a group's note also records who may post (``post=``, ``senders=``), which Graph
cannot read with application permissions: the plan asks a person to set it in Exchange.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from mailplan.model.objects import Group, PostPolicy
from mailplan.providers.mail.marks import KIND_TOKENS, address, read_note, with_note

__all__ = ["KIND_TOKENS", "address", "read_note", "with_note"]  # with what follows

MARK_ATTRIBUTE = "extensionAttribute15"
# A freeze under way: written with its first call, cleared by its last (the user is not frozen until then).
FREEZING = "freezing"
MARK_PREFIX = "mailplan:"


def user_tokens(user: Mapping[str, Any]) -> set[str]:
    value = str((user.get("onPremisesExtensionAttributes") or {}).get(MARK_ATTRIBUTE) or "")
    if not value.startswith(MARK_PREFIX):
        return set()
    return {t for t in value[len(MARK_PREFIX) :].split(",") if t}


def mark(tokens: Iterable[str]) -> dict[str, str | None]:
    value = MARK_PREFIX + ",".join(sorted(set(tokens)))
    return {MARK_ATTRIBUTE: value}


def kind_of(user: Mapping[str, Any]) -> str | None:
    found = user_tokens(user).intersection(KIND_TOKENS)
    return sorted(found)[0] if found else None


def user_address(user: Mapping[str, Any]) -> str:
    return address(str(user.get("mail") or user.get("userPrincipalName") or ""))


def secondary_addresses(resource: Mapping[str, Any]) -> list[str]:
    """``smtp:`` entries of ``proxyAddresses`` (``SMTP:`` is the primary address)."""
    return [address(p[5:]) for p in resource.get("proxyAddresses") or [] if p.startswith("smtp:")]


def group_note(group: Group) -> dict[str, str]:
    """The note fields that record the posting rule mailplan asked for (none for ``anyone``)."""
    note: dict[str, str] = {"post": group.post_policy} if group.post_policy != "anyone" else {}
    if group.senders:
        note["senders"] = ",".join(group.senders)
    return note


POST_POLICIES: tuple[PostPolicy, ...] = ("anyone", "organization", "members", "senders")


def posting_of(note: dict[str, str] | None) -> tuple[PostPolicy, tuple[str, ...]]:
    """``(post_policy, senders)`` as a group's note recorded them (``anyone`` without a note)."""
    fields = note or {}
    policy: PostPolicy = next((p for p in POST_POLICIES if p == fields.get("post")), "anyone")
    senders = tuple(s for s in fields.get("senders", "").split(",") if s)
    return policy, senders


def reply_html(subject: str, body: str) -> str:
    """Exchange has no subject for automatic replies: the subject is the first paragraph."""
    lines = "<br>".join(html.escape(line) for line in body.split("\n"))
    return f"<p>{html.escape(subject)}</p><p>{lines}</p>"


_PARA = re.compile(r"<p[^>]*>(.*?)</p>", re.S | re.I)
_BR = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")


def reply_text(message: str) -> tuple[str, str]:
    """``(subject, body)`` back from a reply message, whatever HTML Exchange wrapped around it."""
    paragraphs = _PARA.findall(message)
    if not paragraphs:
        text = html.unescape(_TAG.sub("", _BR.sub("\n", message))).strip()
        return "", text
    texts = [html.unescape(_TAG.sub("", _BR.sub("\n", p))) for p in paragraphs]
    return texts[0], "\n".join(texts[1:])
