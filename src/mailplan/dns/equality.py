"""When two DNS record values say the same thing.

Receivers read a mail record by its meaning, not its bytes: ``v=DMARC1; p=reject;`` and
``v=DMARC1;p=reject`` are one policy. ``plan`` and ``check`` compare values with
``same_values`` so that a difference only in form is a note, never drift or a rewrite.

What counts as form, per kind of value (the kind is read from the value's ``v=`` prefix):

- every tag-list record (DMARC, DKIM, MTA-STS, TLS-RPT): the order of the tags after ``v=``,
  spaces around ``;`` and ``=``, an empty last part (a trailing ``;``);
- DMARC (RFC 7489 §6.3, RFC 9989): the case of tag names and of keyword values (``p=Reject``),
  the order of report URIs and of ``fo`` options, the case of a ``mailto:`` URI's scheme and
  domain, and a tag that states its default (``pct=100``, ``adkim=r``, ``sp`` equal to ``p``);
- DKIM (RFC 6376 §3.2, §3.6.1): whitespace inside values (keys are often pasted wrapped),
  the default ``k=rsa``, ``s=*`` and ``v=DKIM1`` written or not, the order of ``h`` and ``t`` items;
- TLS-RPT (RFC 8460 §3): the order of report URIs, the case of their scheme and domain;
- SPF (RFC 7208 §4.6): runs of spaces, the case of mechanism names and domains (not of
  macros), a ``+`` qualifier written or not, an address written as a network or not
  (``ip4:192.0.2.1/32``), and where the modifiers stand. The order of mechanisms matters.

TXT values are compared joined (RFC 7208 §3.3): how a value is split into strings is never
part of its meaning, and ``Record.values`` already holds it joined. Other record types compare
as ``Record.values`` holds them (names lower-case, absolute).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence

from mailplan.dns import spf

Tags = list[tuple[str, str]]

# DMARC tags that state the default when written with this value (RFC 7489 §6.3, RFC 9989 §4.7).
DMARC_DEFAULTS = {"adkim": "r", "aspf": "r", "fo": "0", "pct": "100", "rf": "afrf", "ri": "86400", "t": "n",
                  "psd": "u"}
DMARC_KEYWORDS = frozenset({"p", "sp", "np", "adkim", "aspf", "t", "psd", "rf"})
DKIM_DEFAULTS = {"v": "DKIM1", "k": "rsa", "s": "*"}


def same_values(rtype: str, a: Sequence[str], b: Sequence[str]) -> bool:
    """True when the two rrsets (or owned parts of one) hold values of the same meaning."""
    return sorted(canonical(rtype, v) for v in a) == sorted(canonical(rtype, v) for v in b)


def only_form_differs(rtype: str, a: Sequence[str], b: Sequence[str]) -> bool:
    """True when the values differ as text but not in meaning: worth a note, not a change."""
    return sorted(a) != sorted(b) and same_values(rtype, a, b)


def canonical(rtype: str, value: str) -> str:
    """One text for every way of writing ``value``'s meaning (see the module docstring)."""
    if rtype != "TXT":
        return value.lower().rstrip(".") + "." if rtype in ("MX", "CNAME", "NS", "PTR", "SRV") else value
    head = value[:12].replace(" ", "").lower()
    for prefix, reader in _READERS:
        if head.startswith(prefix):
            read = reader(value)
            if read is not None:
                return f"{prefix}|{read}"
    return value


def _tag_list(value: str) -> Tags | None:
    """``name=value`` pairs in order, or None when a part is not one (then the bytes must match)."""
    out: Tags = []
    parts = value.split(";")
    for i, part in enumerate(parts):
        if not part.strip():
            if i == len(parts) - 1:
                continue  # a trailing separator
            return None  # ";;" inside: not a form receivers agree on
        name, eq, val = part.partition("=")
        if not eq or not name.strip():
            return None
        out.append((name.strip(), val.strip()))
    return out


def _joined(tags: Tags) -> str:
    return "; ".join(f"{k}={v}" for k, v in tags)


def _tags_after_version(value: str, version: str, case_insensitive_names: bool) -> dict[str, str] | None:
    tags = _tag_list(value)
    if not tags or tags[0][0].lower() != "v" or tags[0][1] != version:
        return None
    out: dict[str, str] = {}
    for name, val in tags[1:]:
        key = name.lower() if case_insensitive_names else name
        if key in out or key == "v":
            return None  # a repeated tag: receivers differ on which counts, so compare the bytes
        out[key] = val
    return out


def _uri(uri: str) -> str:
    """A report URI with the parts that are not case-sensitive lower-cased (scheme, mailto domain, size)."""
    scheme, colon, rest = uri.strip().partition(":")
    if not colon:
        return uri.strip()
    scheme = scheme.lower()
    if scheme == "mailto":
        address, bang, size = rest.partition("!")
        local, at, domain = address.rpartition("@")
        rest = f"{local}{at}{domain.lower().rstrip('.')}" + (bang + size.lower() if bang else "")
    return f"{scheme}:{rest}"


def _uris(value: str) -> str:
    return ",".join(sorted({_uri(u) for u in value.split(",") if u.strip()}))


def _dmarc(value: str) -> str | None:
    tags = _tags_after_version(value, "DMARC1", case_insensitive_names=True)
    if tags is None:
        return None
    for name, val in list(tags.items()):
        if name in DMARC_KEYWORDS:
            tags[name] = val.lower()
        elif name == "fo":
            tags[name] = ":".join(sorted({o.strip().lower() for o in val.split(":")}))
        elif name in ("pct", "ri") and val.isdigit():
            tags[name] = str(int(val))
        elif name in ("rua", "ruf"):
            tags[name] = _uris(val)
    policy = tags.get("p")
    if tags.get("np") is not None and tags["np"] == tags.get("sp", policy):
        del tags["np"]  # np defaults to sp, which defaults to p (RFC 9989 §4.7)
    if policy is not None and tags.get("sp") == policy:
        del tags["sp"]
    kept = {k: v for k, v in tags.items() if DMARC_DEFAULTS.get(k) != v}
    return _joined(sorted(kept.items()))


def _dkim(value: str) -> str | None:
    tags = _tag_list(value)
    if not tags or any(name == "v" for name, _ in tags[1:]):
        return None  # v= anywhere but first is not DKIM1 syntax
    out: dict[str, str] = {}
    for name, val in tags:
        if name in out:
            return None
        squeezed = "".join(val.split())
        if name in ("h", "t"):
            squeezed = ":".join(sorted({item.lower() for item in squeezed.split(":")}))
        out[name] = val if name == "n" else squeezed
    kept = {k: v for k, v in out.items() if DKIM_DEFAULTS.get(k) != v}
    return _joined(sorted(kept.items()))


def _tls_rpt(value: str) -> str | None:
    tags = _tags_after_version(value, "TLSRPTv1", case_insensitive_names=False)
    if tags is None:
        return None
    if "rua" in tags:
        tags["rua"] = _uris(tags["rua"])
    return _joined(sorted(tags.items()))


def _sts(value: str) -> str | None:
    tags = _tags_after_version(value, "STSv1", case_insensitive_names=False)
    return None if tags is None else _joined(sorted(tags.items()))


def _spf(value: str) -> str | None:
    parsed = spf.parse(value)
    if parsed.errors:
        return None
    mechanisms, modifiers = [], []
    for term in parsed.terms:
        if term.modifier:
            modifiers.append(f"{term.name}={_domain(term.value)}")
        else:
            mechanisms.append(f"{term.qualifier or '+'}{term.name}{_spf_value(term.name, term.value)}")
    return " ".join([*mechanisms, *sorted(modifiers)])


def _spf_value(name: str, value: str) -> str:
    if name in ("ip4", "ip6"):
        return ":" + str(ipaddress.ip_network(value, strict=False))
    domain, slash, cidr = value.partition("/") if not value.startswith("/") else ("", "/", value[1:])
    return (f":{_domain(domain)}" if domain else "") + (slash + cidr if slash else "")


def _domain(text: str) -> str:
    """A domain-spec: lower-case (DNS names are not case-sensitive) unless it holds macros, whose letters mean
    something (``%{S}`` URL-escapes, ``%{s}`` does not)."""
    return text if "%" in text else text.lower().rstrip(".")


_READERS: tuple[tuple[str, Callable[[str], str | None]], ...] = (
    ("v=spf1", _spf),
    ("v=dmarc1", _dmarc),
    ("v=dkim1", _dkim),
    ("v=stsv1", _sts),
    ("v=tlsrptv1", _tls_rpt),
)
