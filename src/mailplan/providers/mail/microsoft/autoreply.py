"""The automatic reply, the one handover step of offboarding Graph writes (forwarding, delegates
and the hold are Exchange's: manual steps)."""

from __future__ import annotations

from typing import Any

from mailplan.model.change import Change
from mailplan.model.objects import AutoReply
from mailplan.providers.http import ApiError

from . import codec
from .api import fail
from .directory import Directory


def write_autoreply(directory: Directory, change: Change) -> str:
    reply = change.after if isinstance(change.after, AutoReply) else None
    owner = (reply or change.before).address  # type: ignore[union-attr]
    if reply is None:
        setting: dict[str, Any] = {"status": "disabled"}
    else:
        message = codec.reply_html(reply.subject, reply.body)
        setting = {
            "status": "alwaysEnabled",
            "externalAudience": "all",
            "internalReplyMessage": message,
            "externalReplyMessage": message,
        }
    try:
        directory.call("PATCH", f"users/{owner}/mailboxSettings", {"automaticRepliesSetting": setting}, fresh=owner)
    except ApiError as exc:
        if exc.status == 404:
            raise fail(
                f"{owner} has no Exchange mailbox yet (is a licence assigned? a new mailbox can take "
                "up to 24 hours); apply again later"
            ) from None
        raise
    if reply is not None:
        directory.mark(owner, add=["autoreply"])
        return "automatic reply on"
    return "automatic reply off"
