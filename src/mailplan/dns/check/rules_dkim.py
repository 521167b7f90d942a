"""DKIM rules (RFC 6376, RFC 8301) on the selectors the config publishes or the user names."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from mailplan.dns.check.context import Ctx
from mailplan.dns.check.model import Severity
from mailplan.dns.check.rules import NA, Fail, Outcome, Pass, rule
from mailplan.dns.check.rules_config import compare


@dataclass(frozen=True)
class DkimKey:
    selector: str
    name: str  # where the record was found (after a CNAME)
    record: str
    tags: dict[str, str]
    problems: tuple[str, ...]
    bits: int | None  # RSA modulus size; None when not RSA or unreadable

    @property
    def revoked(self) -> bool:
        return "p" in self.tags and self.tags["p"] == ""


def parse_dkim(selector: str, name: str, record: str) -> DkimKey:
    tags: dict[str, str] = {}
    problems: list[str] = []
    for i, part in enumerate(p.strip() for p in record.split(";")):
        if not part:
            continue
        tag, eq, val = part.partition("=")
        tag, val = tag.strip(), "".join(val.split())
        if not eq:
            problems.append(f"'{part}' is not a tag=value pair")
        elif tag == "v" and (i != 0 or val != "DKIM1"):
            problems.append("v= must come first and be DKIM1")
        tags[tag] = val
    bits = None
    if "p" not in tags:
        problems.append("no p= tag (the public key)")
    elif tags["p"]:
        bits = _key_bits(tags.get("k", "rsa"), tags["p"], problems)
    if tags.get("k", "rsa") not in ("rsa", "ed25519"):
        problems.append(f"unknown key type k={tags['k']}")
    return DkimKey(selector, name, record, tags, tuple(problems), bits)


def _key_bits(kind: str, b64: str, problems: list[str]) -> int | None:
    try:
        der = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        problems.append("p= is not valid base64")
        return None
    if kind == "ed25519":
        if len(der) != 32:
            problems.append("an ed25519 p= must be 32 bytes")
        return None
    try:
        key = load_der_public_key(der)
    except ValueError:
        problems.append("p= is not a DER public key")
        return None
    if not isinstance(key, rsa.RSAPublicKey):
        problems.append("k=rsa but p= holds another key type")
        return None
    return key.key_size


def keys(ctx: Ctx) -> list[DkimKey | str]:
    """Each selector's key, or the selector name when nothing is published there."""
    out: list[DkimKey | str] = []
    for selector in ctx.selectors:
        name = ctx.fqdn(f"{selector}._domainkey")
        cname = ctx.lookup(name, "CNAME").values
        where = cname[0].rstrip(".") if cname else name
        records = [v for v in ctx.lookup(where, "TXT").values if "p=" in v or v.startswith("v=DKIM1")]
        out.append(parse_dkim(selector, where, records[0]) if records else selector)
    return out


@rule("DK01", "error", "DKIM selectors published as the config derives")
def dkim_as_derived(ctx: Ctx) -> Iterator[Outcome]:
    expected = [r for r in ctx.target.expected if r.fqdn.endswith(f"._domainkey.{ctx.domain}")]
    if not expected:
        yield NA
    for record in expected:
        yield compare(ctx, record)


def _each_key(ctx: Ctx) -> Iterator[DkimKey]:
    for key in keys(ctx):
        if isinstance(key, DkimKey):
            yield key


@rule("DK02", "error", "DKIM RSA keys at least 1024 bits")
def dkim_weak(ctx: Ctx) -> Iterator[Outcome]:
    for key in _each_key(ctx):
        if key.bits is not None and key.bits < 1024:
            yield Fail(f"selector {key.selector}: a {key.bits}-bit key; receivers ignore signatures with it",
                       "2048 bits", f"{key.bits} bits", key.name)
        elif key.bits is not None:
            yield Pass(f"{key.selector}: {key.bits} bits", name=key.name)


@rule("DK03", "warning", "DKIM RSA keys 2048 bits")
def dkim_short(ctx: Ctx) -> Iterator[Outcome]:
    for key in _each_key(ctx):
        if key.bits is not None and 1024 <= key.bits < 2048:
            yield Fail(f"selector {key.selector}: {key.bits}-bit keys are weaker than RFC 8301 recommends",
                       "2048 bits", f"{key.bits} bits", key.name)


@rule("DK04", "error", "active DKIM selectors not revoked")
def dkim_revoked(ctx: Ctx) -> Iterator[Outcome]:
    for key in _each_key(ctx):
        if key.revoked:
            yield Fail(f"selector {key.selector} has an empty p=: its key is revoked, signatures fail",
                       "p=<public key>", key.record, key.name)


@rule("DK05", "error", "DKIM record syntax")
def dkim_syntax(ctx: Ctx) -> Iterator[Outcome]:
    for key in _each_key(ctx):
        for problem in key.problems:
            yield Fail(f"selector {key.selector}: {problem}", found=key.record, name=key.name)
        if key.tags.get("t", "").split(":").count("y"):
            yield Fail(f"selector {key.selector}: t=y (testing) is still set", "no t=y", key.record, key.name,
                       severity="warning")
        if key.tags.get("h", "") == "sha1":
            yield Fail(f"selector {key.selector}: h=sha1 only; RFC 8301 forbids sha1", "h=sha256", key.record,
                       key.name, severity="warning")


@rule("DK06", "warning", "a DKIM key is published", "sending")
def dkim_present(ctx: Ctx) -> Iterator[Outcome]:
    found = [k for k in _each_key(ctx) if not k.revoked]
    if not found:
        tried = ", ".join(ctx.selectors) or "(none known)"
        severity: Severity = "warning" if ctx.dmarc_enforcing() else "info"
        yield Fail("no DKIM key found: DMARC then rests on SPF alone, which breaks on forwarding",
                   "a <selector>._domainkey key", f"selectors tried: {tried}", severity=severity)
    else:
        yield Pass(", ".join(k.selector for k in found))
