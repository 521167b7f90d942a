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

from mailplan.config.addresses import AddressError, reason, to_alabel
from mailplan.config.text import control_character
from mailplan.i18n import N_, Msg

# a term's name ends the word, or is followed by its separator: amazonses.com and mxroute.com are domains, not a or mx
_SPF_MECHANISM = re.compile(r"^[-+~?]?(include|a|mx|ptr|exists|ip4|ip6|all|redirect=|exp=)(?:(?<==)|[:/]|$)",
                            re.IGNORECASE)  # fmt: skip
_TOPLABEL = re.compile(r"[a-z0-9]*[a-z][a-z0-9]*(-[a-z0-9]+)*|xn--[a-z0-9-]+")  # RFC 7208 §7.1: not all digits


# an SPF include target is a domain-spec (RFC 7208 §7.1), not a host name: a label may begin with an underscore
# (RFC 8552's underscored names, as in _spf.salesforce.com); anywhere else an underscore is still taken for a typo
_SPF_LABEL = re.compile(r"(?=.{1,63}$)_?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


def _underscored(value: str, what: str) -> str:
    """An ASCII domain with underscored labels (``_spf.example.com``)."""
    name = value.strip().rstrip(".").lower()
    for label in name.split("."):
        if not _SPF_LABEL.fullmatch(label):
            raise ValueError(Msg(
                "{value} is not a valid domain name: label {label} may hold only letters, digits and inner hyphens "
                "after an optional leading underscore, at most 63 characters ({what})", value=repr(value),
                label=repr(label), what=Msg(what),
            ))  # fmt: skip
    return name


def _domain(value: str, what: str, underscores: bool = False) -> str:
    """``value`` as an A-label; ``what`` (an ``N_`` constant) says what the domain is for."""
    if underscores and "_" in value and value.isascii() and "." in value:
        name = _underscored(value, what)
    else:
        try:
            name = to_alabel(value)
        except AddressError as exc:
            raise ValueError(Msg("{error} ({what})", error=reason(exc), what=Msg(what))) from None
    if not _TOPLABEL.fullmatch(name.rsplit(".", 1)[-1]):
        raise ValueError(Msg("{value} is not a domain name: its last label {label} is not a top-level domain ({what})",
                             value=repr(value), label=repr(name.rsplit(".", 1)[-1]), what=Msg(what)))  # fmt: skip
    return name


def spf_domain(value: str) -> str:
    """An SPF include target (RFC 7208 §5.2): a domain name; mailplan writes the ``include:``."""
    text = value.strip()
    mechanism = _SPF_MECHANISM.match(text)
    if mechanism:
        rest = text[mechanism.end() :]
        name = mechanism.group(1).lower().rstrip("=")
        if name == "include" and rest:
            raise ValueError(Msg("{value}: give only the domain, mailplan writes the include: — write `{rest}`",
                                 value=repr(value), rest=rest))
        if name in ("ip4", "ip6") and rest:
            raise ValueError(Msg("{value} is an address, not a domain to include — put `{rest}` under spf.{name}",
                                 value=repr(value), rest=rest, name=name))
        raise ValueError(Msg("{value} is an SPF term, not a domain to include — list only domains here "
                             "(the closing all is set with spf.all)", value=repr(value)))  # fmt: skip
    if " " in text:
        raise ValueError(Msg("{value} holds a space: give one domain per list item", value=repr(value)))
    if "%" in text:
        raise ValueError(Msg("{value}: SPF macros are not supported in spf.include; give a plain domain",
                             value=repr(value)))
    return _domain(text, N_("an SPF include needs the domain that publishes the sender's SPF record"), underscores=True)


def _network(value: str, version: int) -> str:
    text = value.strip()
    other = 6 if version == 4 else 4
    for prefix in (f"ip{version}:", f"ip{other}:"):
        if text.lower().startswith(prefix):
            raise ValueError(Msg("{value}: give only the address, mailplan writes the {prefix} — write `{rest}`",
                                 value=repr(value), prefix=prefix, rest=text[len(prefix):]))  # fmt: skip
    address, slash, length = text.partition("/")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(Msg(
            "{value} is not an IPv{version} address or network (write e.g. {first} or {second})", value=repr(value),
            version=version, first="192.0.2.10" if version == 4 else "2001:db8::1",
            second="192.0.2.0/24" if version == 4 else "2001:db8::/32",
        )) from None  # fmt: skip
    if ip.version != version:
        raise ValueError(Msg("{value} is an IPv{version} address — put it under spf.ip{version}", value=repr(value),
                             version=ip.version))
    limit = 32 if version == 4 else 128
    if slash and not (length.isdigit() and not (len(length) > 1 and length[0] == "0") and int(length) <= limit):
        raise ValueError(Msg("{value}: the network length after / must be a number from 0 to {limit}",
                             value=repr(value), limit=limit))
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
        raise ValueError(Msg("{value}: a wildcard may only be the whole leftmost label, as in *.example.com",
                             value=repr(value)))
    name = _domain(text[2:] if wildcard else text, N_("an MTA-STS mx pattern is a mail host name, or *.domain"))
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
        raise ValueError(Msg("{value} holds the control character {character}", value=repr(value), character=found))
    for ch, template in (
        (";", N_("{value}: '{character}' ends the tag in the record — give one address or URI per list item")),
        (",", N_("{value}: '{character}' separates two URIs in the record — give one address or URI per list item")),
        (" ", N_("{value}: '{character}' is not allowed in a URI in the record — give one address or URI per list "
                 "item")),
    ):
        if ch in value.strip():
            raise ValueError(Msg(template, value=repr(value), character=ch))
    return value


def https_report_uri(value: str) -> str:
    """A TLS-RPT ``https:`` destination (RFC 8460 §3): an https URL with a host name."""
    parts = urlsplit(value.strip())
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise ValueError(Msg("{value} is not an https:// URL with a host name", value=repr(value)))
    _domain(parts.hostname, N_("the host of a TLS report URL"))
    return value.strip()


ReportTarget = Annotated[str, AfterValidator(check_report_text)]
SpfDomain = Annotated[str, AfterValidator(spf_domain)]
SpfIp4 = Annotated[str, AfterValidator(spf_ip4)]
SpfIp6 = Annotated[str, AfterValidator(spf_ip6)]
MxPattern = Annotated[str, AfterValidator(mx_pattern)]
