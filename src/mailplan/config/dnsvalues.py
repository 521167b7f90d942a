"""The grammar of what a config writes into DNS records, checked where it is written.

Each value the config hands to a record (an SPF include domain or an ip4/ip6
network, an MTA-STS mx pattern, a DMARC or TLS-RPT report URI) is checked by the
grammar of its RFC, so that a mistake is an error at the value's own line with
the fix — never a record published with ``include:include:x`` (an SPF permerror
for every message the company sends) or ``dmarc@@example.com``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator

from mailplan.config.addresses import AddressError, to_alabel
from mailplan.config.text import control_character

_SPF_MECHANISM = re.compile(r"^[-+~?]?(include|a|mx|ptr|exists|ip4|ip6|all|redirect=|exp=)[:=/]?", re.IGNORECASE)
_TOPLABEL = re.compile(r"[a-z0-9]*[a-z][a-z0-9]*(-[a-z0-9]+)*|xn--[a-z0-9-]+")  # RFC 7208 §7.1: not all digits


def _domain(value: str, what: str) -> str:
    try:
        name = to_alabel(value)
    except AddressError as exc:
        raise ValueError(f"{exc} ({what})") from None
    if not _TOPLABEL.fullmatch(name.rsplit(".", 1)[-1]):
        raise ValueError(f"{value!r} is not a domain name: its last label {name.rsplit('.', 1)[-1]!r} is not a "
                         f"top-level domain ({what})")  # fmt: skip
    return name


def spf_domain(value: str) -> str:
    """An SPF include target (RFC 7208 §5.2): a domain name; mailplan writes the ``include:``."""
    text = value.strip()
    mechanism = _SPF_MECHANISM.match(text)
    if mechanism:
        rest = text[mechanism.end() :]
        name = mechanism.group(1).lower().rstrip("=")
        if name == "include" and rest:
            raise ValueError(f"{value!r}: give only the domain, mailplan writes the include: — write `{rest}`")
        if name in ("ip4", "ip6") and rest:
            raise ValueError(f"{value!r} is an address, not a domain to include — put `{rest}` under spf.{name}")
        raise ValueError(f"{value!r} is an SPF term, not a domain to include — list only domains here "
                         "(the closing all is set with spf.all)")  # fmt: skip
    if " " in text:
        raise ValueError(f"{value!r} holds a space: give one domain per list item")
    if "%" in text:
        raise ValueError(f"{value!r}: SPF macros are not supported in spf.include; give a plain domain")
    return _domain(text, "an SPF include needs the domain that publishes the sender's SPF record")


def _network(value: str, version: int) -> str:
    text = value.strip()
    other = 6 if version == 4 else 4
    for prefix in (f"ip{version}:", f"ip{other}:"):
        if text.lower().startswith(prefix):
            raise ValueError(f"{value!r}: give only the address, mailplan writes the {prefix} — write "
                             f"`{text[len(prefix):]}`")  # fmt: skip
    address, slash, length = text.partition("/")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an IPv{version} address or network (write e.g. "
            f"{'192.0.2.10 or 192.0.2.0/24' if version == 4 else '2001:db8::1 or 2001:db8::/32'})"
        ) from None
    if ip.version != version:
        raise ValueError(f"{value!r} is an IPv{ip.version} address — put it under spf.ip{ip.version}")
    limit = 32 if version == 4 else 128
    if slash and not (length.isdigit() and not (len(length) > 1 and length[0] == "0") and int(length) <= limit):
        raise ValueError(f"{value!r}: the network length after / must be a number from 0 to {limit}")
    return text


def spf_ip4(value: str) -> str:
    return _network(value, 4)


def spf_ip6(value: str) -> str:
    return _network(value, 6)


def mx_pattern(value: str) -> str:
    """An MTA-STS policy ``mx`` (RFC 8461 §3.2): a host name, or ``*.`` and a domain (one leftmost wildcard)."""
    text = value.strip().rstrip(".")
    wildcard = text.startswith("*.")
    if "*" in (text[2:] if wildcard else text):
        raise ValueError(f"{value!r}: a wildcard may only be the whole leftmost label, as in *.example.com")
    name = _domain(text[2:] if wildcard else text, "an MTA-STS mx pattern is a mail host name, or *.domain")
    return f"*.{name}" if wildcard else name


def report_size_suffix(uri: str) -> tuple[str, str]:
    """A DMARC report URI split from its ``!size`` limit (RFC 7489 §6.4: ``!10m``): (uri, "!10m" or "")."""
    head, bang, size = uri.rpartition("!")
    if bang and re.fullmatch(r"\d+[kmgt]?", size, re.IGNORECASE):
        return head, f"!{size.lower()}"
    return uri, ""


def check_report_text(value: str) -> str:
    """What every report destination shares: no characters that would end a tag or split the URI list."""
    found = control_character(value)
    if found:
        raise ValueError(f"{value!r} holds the control character {found}")
    for ch, role in ((";", "ends the tag"), (",", "separates two URIs"), (" ", "is not allowed in a URI")):
        if ch in value.strip():
            raise ValueError(f"{value!r}: '{ch}' {role} in the record — give one address or URI per list item")
    return value


def https_report_uri(value: str) -> str:
    """A TLS-RPT ``https:`` destination (RFC 8460 §3): an https URL with a host name."""
    parts = urlsplit(value.strip())
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise ValueError(f"{value!r} is not an https:// URL with a host name")
    _domain(parts.hostname, "the host of a TLS report URL")
    return value.strip()


ReportTarget = Annotated[str, AfterValidator(check_report_text)]
SpfDomain = Annotated[str, AfterValidator(spf_domain)]
SpfIp4 = Annotated[str, AfterValidator(spf_ip4)]
SpfIp6 = Annotated[str, AfterValidator(spf_ip6)]
MxPattern = Annotated[str, AfterValidator(mx_pattern)]
