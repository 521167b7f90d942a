"""The policy lint ``policies.external_delivery``: company mail delivered to personal free-mail addresses.

Customer conversations leaving with a salesperson are what these firms most want
to stop: a group member, an alias target or the archive copy at qq.com or
gmail.com sends company mail where the company cannot follow it. Each such entry
is found where it is written; ``allow`` lets it be, ``warn`` (the default) shows
it in validate, plan and check, ``refuse`` makes it an error. An entry with
``allow_external_delivery: <reason>`` is the exception, and says why.

A successor is always a person of the organization, so a handover never leaves
it by itself; where a leaver's mail goes on from there (an alias, a group) is
checked at that entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from mailplan.config import models
from mailplan.config.entries import Target
from mailplan.config.source import NodePath
from mailplan.i18n import Msg

LIST_FILE = "free_mail_domains.txt"
ALL_MAIL = "*"  # the source of the archive copy


@cache
def free_mail_domains() -> frozenset[str]:
    """The maintained list (config/data/free_mail_domains.txt), A-labels."""
    text = (resources.files("mailplan.config") / "data" / LIST_FILE).read_text(encoding="utf-8")
    entries = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(e for e in entries if e)


def free_mail_domain(address: str) -> str:
    """The listed free-mail domain ``address`` is at ("" when none): vip.qq.com is at qq.com."""
    domain = address.rpartition("@")[2].lower().rstrip(".")
    listed = free_mail_domains()
    labels = domain.split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in listed:
            return candidate
    return ""


@dataclass(frozen=True)
class Delivery:
    """One place the config delivers company mail to a free-mail address."""

    source: str  # our address whose mail goes out
    target: str  # the free-mail address
    free_domain: str
    path: NodePath  # where the target is written
    exception_at: NodePath  # where allow_external_delivery goes for this entry
    reason: str | None  # the exception's reason, when one is given


def free_mail_deliveries(
    doc: models.Document, resolve: Callable[[str], Target | None], own: Callable[[str], str | None]
) -> Iterator[Delivery]:
    def out(source: str | None, ref: str, path: NodePath, entry: NodePath, reason: str | None) -> Iterator[Delivery]:
        target = resolve(ref)
        if source and target is not None and target.kind == "external":
            domain = free_mail_domain(target.address)
            if domain:
                yield Delivery(source, target.address, domain, path, entry, reason)

    for i, group in enumerate(doc.groups):
        for j, ref in enumerate(group.members):
            if not ref.startswith(("department:", "group:")):
                yield from out(own(group.address), ref, ("groups", i, "members", j), ("groups", i),
                               group.allow_external_delivery)  # fmt: skip
    for i, alias in enumerate(doc.aliases):
        for j, ref in enumerate(alias.to):
            yield from out(own(alias.address), ref, ("aliases", i, "to", j), ("aliases", i),
                           alias.allow_external_delivery)  # fmt: skip
    archive = doc.policies.archive
    if archive.journal_to is not None:  # the archive copy: every message of every domain
        yield from out(ALL_MAIL, archive.journal_to, ("policies", "archive", "journal_to"), ("policies", "archive"),
                       archive.allow_external_delivery)  # fmt: skip


def describe(delivery: Delivery, setting: str) -> tuple[str, str]:
    """The message and the fix for one delivery (``Msg``s: shown in the reader's language)."""
    facts = {"target": delivery.target, "free": delivery.free_domain, "setting": setting}
    if delivery.path[0] == "policies":
        message = Msg("a copy of all company mail is delivered to {target}, a personal free-mail address ({free}); "
                      "policies.external_delivery is {setting}", **facts)
    else:
        message = Msg("company mail to {source} is delivered to {target}, a personal free-mail address ({free}); "
                      "policies.external_delivery is {setting}", source=delivery.source, **facts)
    hint = {
        "groups": Msg("remove it, or give the reason on this group: `allow_external_delivery: \"<why>\"`"),
        "aliases": Msg("remove it, or give the reason on this alias: `allow_external_delivery: \"<why>\"`"),
        "policies": Msg("remove it, or give the reason on policies.archive: `allow_external_delivery: \"<why>\"`"),
    }[str(delivery.path[0])]
    return message, hint
