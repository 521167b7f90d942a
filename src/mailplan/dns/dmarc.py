"""DMARC: building the ``_dmarc`` record and reading one back (RFC 7489, RFC 9989)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mailplan.i18n import Msg

POLICIES = ("none", "quarantine", "reject")
_ALLOWED = {
    "p": POLICIES,
    "sp": POLICIES,
    "np": POLICIES,
    "adkim": ("r", "s"),
    "aspf": ("r", "s"),
    "t": ("y", "n"),
}
KNOWN_TAGS = ("v", "p", "sp", "np", "adkim", "aspf", "fo", "pct", "rf", "ri", "rua", "ruf", "psd", "t")


def report_uri(address: str) -> str:
    """``reports@example.com`` or ``mailto:reports@例子.cn`` → ``mailto:`` URI with an A-label domain."""
    uri = address.strip()
    if ":" not in uri.split("@", 1)[0]:
        uri = f"mailto:{uri}"
    scheme, _, rest = uri.partition(":")
    local, at, domain = rest.rpartition("@")
    if at and not domain.isascii():
        domain = domain.encode("idna").decode("ascii")
    return f"{scheme.lower()}:{local}{at}{domain.lower()}"


def uri_domain(uri: str) -> str:
    """The domain part of a ``mailto:`` report URI (without a ``!size`` suffix)."""
    return uri.partition(":")[2].rpartition("@")[2].split("!", 1)[0].rstrip(".").lower()


def build(
    policy: str,
    subdomain_policy: str | None = None,
    rua: Sequence[str] = (),
    ruf: Sequence[str] = (),
    pct: int = 100,
) -> str:
    if policy not in POLICIES:
        raise ValueError(Msg("DMARC policy must be one of {choices}, not {value}", choices=", ".join(POLICIES),
                             value=repr(policy)))
    if subdomain_policy is not None and subdomain_policy not in POLICIES:
        raise ValueError(Msg("DMARC subdomain policy must be one of {choices}, not {value}",
                             choices=", ".join(POLICIES), value=repr(subdomain_policy)))
    tags = ["v=DMARC1", f"p={policy}"]
    if subdomain_policy and subdomain_policy != policy:
        tags.append(f"sp={subdomain_policy}")
    if pct != 100:  # pct is gone from RFC 9989; written only when the config asks for a ramp
        tags.append(f"pct={pct}")
    if rua:
        tags.append("rua=" + ",".join(report_uri(a) for a in rua))
    if ruf:
        tags.append("ruf=" + ",".join(report_uri(a) for a in ruf))
    return "; ".join(tags)


@dataclass
class Parsed:
    tags: list[tuple[str, str]] = field(default_factory=list)  # in record order
    errors: list[str] = field(default_factory=list)

    def get(self, tag: str) -> str | None:
        for name, val in self.tags:
            if name == tag:
                return val
        return None

    def uris(self, tag: str) -> list[str]:
        val = self.get(tag)
        return [u.strip() for u in val.split(",") if u.strip()] if val else []


def is_dmarc(value: str) -> bool:
    return value.replace(" ", "").upper().startswith("V=DMARC1")


def parse(record: str) -> Parsed:
    out = Parsed()
    if record != record.lstrip():
        out.errors.append(Msg("the record starts with whitespace"))
    parts = [p.strip() for p in record.strip().split(";")]
    for i, part in enumerate(parts):
        if not part:
            continue
        name, eq, val = part.partition("=")
        name, val = name.strip().lower(), val.strip()
        if not eq:
            out.errors.append(Msg("'{part}' is not a tag=value pair", part=part))
            continue
        if i == 0 and (name != "v" or val != "DMARC1"):
            out.errors.append(Msg("the record must start with 'v=DMARC1'"))
        if any(n == name for n, _ in out.tags):
            out.errors.append(Msg("tag '{name}' appears more than once", name=name))
        allowed = _ALLOWED.get(name)
        written = f"{name}={val}"
        if allowed and val.lower() not in allowed:
            out.errors.append(Msg("{tag}: must be one of {choices}", tag=written, choices=", ".join(allowed)))
        if name == "pct" and not (val.isdigit() and 0 <= int(val) <= 100):
            out.errors.append(Msg("{tag}: must be 0-100", tag=written))
        if name in ("rua", "ruf"):
            for uri in val.split(","):
                if not uri.strip().lower().startswith(("mailto:", "https:")):
                    out.errors.append(Msg("{tag}: '{uri}' is not a mailto: or https: URI", tag=name, uri=uri.strip()))
        out.tags.append((name, val.lower() if allowed else val))
    if not out.tags and not out.errors:
        out.errors.append(Msg("empty record"))
    return out


def authorisation_name(sender_domain: str) -> str:
    """Name (relative to the report destination's domain) that authorises ``sender_domain``'s reports."""
    return f"{sender_domain}._report._dmarc"
