"""mailplan's one form for DNS record values, and the conversions to and from
each wire or API form.

A value is what ``Record.values`` holds: presentation format with absolute
names ending in a dot and lower-cased (``10 mx1.example.com.``), and for TXT
the text itself, unquoted, with multi-string values joined. Two providers
holding the same data therefore give equal Records.
"""

from __future__ import annotations

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
from dns.rdtypes.ANY.TXT import TXT

from mailplan.dns.txt import join_txt, split_txt
from mailplan.providers.base import ProviderError

# Types whose rdata is only names and numbers, so lower-casing is exact.
NAME_TYPES = frozenset({"MX", "CNAME", "NS", "SRV", "PTR", "DNAME"})


def relative_name(name: str, zone: str) -> str:
    """``www.example.com.`` (or ``www.example.com`` or ``www``) in zone ``example.com`` -> ``www``; apex -> ``@``."""
    name = name.rstrip(".").lower()
    zone = zone.rstrip(".").lower()
    if name in ("", "@", zone):
        return "@"
    if name.endswith("." + zone):
        return name[: -len(zone) - 1]
    return name


def fqdn(name: str, zone: str) -> str:
    """The absolute name without the trailing dot: ``www`` in ``example.com`` -> ``www.example.com``."""
    return zone if name == "@" else f"{name}.{zone}"


def txt_rdata(value: str) -> TXT:
    """A TXT value as rdata: UTF-8 character-strings of at most 255 bytes, never cut inside a character."""
    return TXT(dns.rdataclass.IN, dns.rdatatype.TXT, [s.encode("utf-8") for s in split_txt(value)])


def quoted_txt(value: str) -> str:
    """The presentation form of a TXT value: quoted strings of at most 255 bytes each."""
    return txt_rdata(value).to_text()


def to_rdata(rtype: str, value: str) -> dns.rdata.Rdata:
    """A mailplan value as dnspython rdata (for dynamic updates and zone files)."""
    if rtype == "TXT":
        return txt_rdata(value)
    try:
        return dns.rdata.from_text(dns.rdataclass.IN, rtype, value, origin=dns.name.root, relativize=False)
    except (dns.exception.DNSException, ValueError) as exc:
        raise ProviderError(f"{rtype} value {value!r} is not valid: {exc}") from exc


def from_rdata(rdata: dns.rdata.Rdata) -> str:
    """dnspython rdata as a mailplan value."""
    if isinstance(rdata, TXT):
        return join_txt(rdata.strings)
    text: str = rdata.to_text(origin=dns.name.root, relativize=False)
    rtype = dns.rdatatype.to_text(rdata.rdtype)
    return text.lower() if rtype in NAME_TYPES else text


def from_presentation(rtype: str, text: str) -> str:
    """A value as a zone file or an API writes it (TXT quoted) -> a mailplan value."""
    rtype = rtype.upper()
    if rtype == "TXT" and not text.lstrip().startswith('"'):
        return text  # some APIs hand TXT back unquoted
    try:
        rdata = dns.rdata.from_text(dns.rdataclass.IN, rtype, text, origin=dns.name.root, relativize=False)
    except (dns.exception.DNSException, ValueError):
        return text  # keep what we cannot parse as it is: it then reads as different, never as equal
    return from_rdata(rdata)


def from_api_value(rtype: str, value: str, priority: object) -> str:
    """A value as an API that keeps the MX preference in its own field hands it back (names
    without the trailing dot, TXT unquoted) -> a mailplan value."""
    if rtype == "MX":
        return f"{priority} {host(value)}"
    if rtype in ("CNAME", "NS"):
        return host(value)
    if rtype == "TXT":
        return value
    return from_presentation(rtype, value)


def host(name: str) -> str:
    """A host name as a mailplan value: lower-case, absolute with the trailing dot."""
    return name.rstrip(".").lower() + "."


def split_priority(rtype: str, value: str) -> tuple[int | None, str]:
    """``10 mx1.example.com.`` -> ``(10, "mx1.example.com.")`` for MX; other types -> ``(None, value)``.

    APIs that carry the MX preference in its own field need this.
    """
    if rtype != "MX":
        return None, value
    pref, _, target = value.partition(" ")
    try:
        return int(pref), target
    except ValueError as exc:
        raise ProviderError(f"MX value {value!r} is not 'preference host.'") from exc
