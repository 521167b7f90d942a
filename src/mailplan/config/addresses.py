"""Domain names and mail addresses: IDN to A-label, and what a valid local part is."""

from __future__ import annotations

import re

import idna

from mailplan.i18n import Msg

# What mailplan lets a config create: lower-case letters, digits, and . _ - inside.
# (RFC 5321 allows more, but every provider in scope accepts exactly this safely.)
LOCAL_PART = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")
_LDH_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class AddressError(ValueError):
    """A name or address is malformed; the message (a ``Msg``) says how."""


def reason(exc: Exception) -> str:
    """The message ``exc`` was raised with, a ``Msg`` kept as one (``str(exc)`` would make it plain English)."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, str) else str(exc)


def to_alabel(domain: str) -> str:
    """``例子.中国`` or ``XN--FSQU00A.xn--fiqs8s`` -> ``xn--fsqu00a.xn--fiqs8s``."""
    name = domain.strip().rstrip(".").lower()
    if not name:
        raise AddressError(Msg("a domain name cannot be empty"))
    if "." not in name:
        raise AddressError(Msg("{domain} is not a domain name: it needs at least one dot, like example.com",
                                domain=repr(domain)))
    if "" in name.split("."):  # the usual typo (two dots, a leading dot): said here, not in idna's English
        raise AddressError(Msg("{domain} is not a valid domain name: it has an empty label (two dots in a row, or a "
                               "dot at the start)", domain=repr(domain)))  # fmt: skip
    if name.isascii():
        _check_labels(domain, name)  # an underscore, a space, a stray hyphen: said in our words, not idna's English
    try:
        alabel = idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        shown, error = repr(domain), str(exc)
        # Translators: {error} is the idna library's English explanation
        raise AddressError(Msg("{domain} is not a valid domain name: {error}", domain=shown, error=error)) from None
    if len(alabel) > 253:
        raise AddressError(Msg("{domain} is longer than 253 characters", domain=repr(domain)))
    _check_labels(domain, alabel)
    return alabel


def _check_labels(domain: str, name: str) -> None:
    for label in name.split("."):
        if not _LDH_LABEL.match(label):
            raise AddressError(Msg(
                "{domain} is not a valid domain name: label {label} may hold only letters, digits and "
                "inner hyphens, at most 63 characters", domain=repr(domain), label=repr(label)
            ))  # fmt: skip


def to_unicode(domain: str) -> str:
    try:
        return str(idna.decode(domain))
    except idna.IDNAError:
        return domain


def check_local_part(local: str) -> str:
    """Return ``local`` lower-cased, or raise saying what is wrong with it."""
    value = local.strip().lower()
    if not value:
        raise AddressError(Msg("an address cannot be empty"))
    if not LOCAL_PART.match(value) or ".." in value:
        raise AddressError(Msg(
            "{local} is not a valid address: use letters a-z, digits and . _ - "
            "(not at the start or end, no '..'), at most 64 characters", local=repr(local)
        ))  # fmt: skip
    return value


def split_address(address: str) -> tuple[str, str | None]:
    """``Info@例子.中国`` -> (``info``, ``xn--fsqu00a.xn--fiqs8s``); a bare local part has no domain."""
    text = address.strip()
    if text.count("@") > 1:
        raise AddressError(Msg("{address} is not a valid address: more than one '@'", address=repr(address)))
    local, at, domain = text.partition("@")
    if not at:
        return check_local_part(local), None
    return check_local_part(local), to_alabel(domain)


# RFC 5322 atext (and, per RFC 6531, any non-ASCII letter): what a dot-atom local part is made of.
_ATEXT = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u00a0-\u2027\u202a-\U0010ffff]+$")


def external_address(address: str) -> str:
    """A full address outside the organization: an RFC 5321 dot-atom local part (UTF-8 allowed) @ a domain."""
    text = address.strip()
    local, at, domain = text.partition("@")
    if not at or not local or not domain:
        raise AddressError(Msg("{address} is not a valid mail address (expected name@domain)", address=repr(address)))
    if "@" in domain:
        fixed = f"{local}@{domain.lstrip('@')}" if domain.lstrip("@") and "@" not in domain.lstrip("@") else ""
        if fixed:
            raise AddressError(Msg("{address} is not a valid mail address: more than one '@' — write {fixed}",
                                   address=repr(address), fixed=fixed))
        raise AddressError(Msg("{address} is not a valid mail address: more than one '@'", address=repr(address)))
    atoms = local.split(".")
    if len(local.encode()) > 64 or not all(atoms) or not all(_ATEXT.match(a) for a in atoms):
        raise AddressError(Msg(
            "{address} is not a valid mail address: the part before @ may hold letters, digits and "
            "{specials} in dot-separated words, at most 64 bytes (no spaces, quotes or control characters)",
            address=repr(address), specials="!#$%&'*+/=?^_`{|}~-",
        ))  # fmt: skip
    return f"{local.lower()}@{to_alabel(domain)}"
