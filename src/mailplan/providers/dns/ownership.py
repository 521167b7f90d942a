"""Which values of a live rrset mailplan owns, by tag.

- A TXT value starting with ``v=spf1`` carries the tag ``v=spf1``: at a mail
  domain's name it shares the TXT rrset with site-verification values, and
  mailplan owns only it.
- A TXT value starting with another mail prefix (``v=DMARC1``, ``v=DKIM1``,
  ``v=STSv1``, ``v=TLSRPTv1``) lives at a name that is mail's own (``_dmarc``,
  a DKIM selector, ``_mta-sts``, ``_smtp._tls``): tag ``""``, as the record
  derivation tags them.
- Any other TXT value belongs to somebody else: tag ``other``. Such Records
  are read so they can be shown, and are never written.
- Every other type is owned as a whole rrset: tag ``""``.

``merge`` is the one place a change meets the live rrset: it replaces the
values of the change's tag and keeps every other value exactly as it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from mailplan.model.objects import Record
from mailplan.providers.base import ProviderError

SPF_TAG = "v=spf1"
OTHER_TAG = "other"
MAIL_TXT_PREFIXES = ("v=dmarc1", "v=dkim1", "v=stsv1", "v=tlsrptv1")


def _starts_with_tag(value: str, prefix: str) -> bool:
    head = value.lstrip().lower()
    return head.startswith(prefix) and (len(head) == len(prefix) or head[len(prefix)] in " ;\t")


def tag_of(rtype: str, value: str) -> str:
    if rtype != "TXT":
        return ""
    if _starts_with_tag(value, SPF_TAG):
        return SPF_TAG
    if any(_starts_with_tag(value, p) for p in MAIL_TXT_PREFIXES):
        return ""
    return OTHER_TAG


def split(zone: str, name: str, rtype: str, ttl: int, values: Sequence[str]) -> list[Record]:
    """One live rrset as Records, one per tag present."""
    by_tag: dict[str, list[str]] = defaultdict(list)
    for value in values:
        by_tag[tag_of(rtype, value)].append(value)
    return [Record(zone, name, rtype, tag, ttl, tuple(sorted(vals))) for tag, vals in sorted(by_tag.items())]


def merge(
    rtype: str, current: Sequence[str], current_ttl: int | None, tag: str, after: Record | None
) -> tuple[int, tuple[str, ...]]:
    """The rrset's ``(ttl, values)`` once the values of ``tag`` are replaced by ``after`` (None = removed).

    The TTL belongs to the whole rrset: a write sets the changed Record's TTL;
    a removal keeps the TTL the remaining values had.
    """
    if tag == OTHER_TAG:
        raise ProviderError("refusing to write DNS values mailplan does not own (tag 'other')")
    if after is not None:
        strays = [v for v in after.values if tag_of(rtype, v) != tag]
        if strays:
            raise ProviderError(f"{after.fqdn} {after.rtype}: values {strays} do not carry the tag {tag!r}")
    kept = [v for v in current if tag_of(rtype, v) != tag]
    if after is None:
        return (current_ttl or 0), tuple(sorted(kept))
    return after.ttl, tuple(sorted({*kept, *after.values}))
