"""MTA-STS (RFC 8461) and SMTP TLS reporting (RFC 8460).

mailplan publishes the ``_mta-sts`` TXT and prints the policy file's text; the
user hosts the file at ``https://mta-sts.<domain>/.well-known/mta-sts.txt``.
The TXT ``id`` is a hash of the policy text, so it changes exactly when the
policy does — senders refetch only then.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from mailplan.i18n import Msg

MODES = ("enforce", "testing", "none")
MAX_AGE_LIMIT = 31557600  # RFC 8461 §3.2
_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")


def policy_text(mode: str, mx: Sequence[str], max_age: int) -> str:
    if mode not in MODES:
        raise ValueError(Msg("MTA-STS mode must be one of {choices}, not {value}", choices=", ".join(MODES),
                             value=repr(mode)))
    if mode != "none" and not mx:
        raise ValueError(Msg("an MTA-STS policy needs at least one mx pattern unless its mode is none"))
    if not 0 < max_age <= MAX_AGE_LIMIT:
        raise ValueError(Msg("MTA-STS max_age must be 1..{limit}, not {value}", limit=MAX_AGE_LIMIT, value=max_age))
    lines = ["version: STSv1", f"mode: {mode}", *(f"mx: {m.rstrip('.')}" for m in mx), f"max_age: {max_age}"]
    return "\r\n".join(lines) + "\r\n"  # RFC 8461 §3.2: lines end in CRLF


def policy_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def sts_txt(text: str) -> str:
    return f"v=STSv1; id={policy_id(text)}"


def tlsrpt_txt(rua: Sequence[str]) -> str:
    from mailplan.dns.dmarc import report_uri

    return "v=TLSRPTv1; rua=" + ",".join(u if u.startswith("https:") else report_uri(u) for u in rua)


@dataclass
class Tags:
    tags: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _tags(record: str, version: str) -> Tags:
    out = Tags()
    parts = [p.strip() for p in record.split(";") if p.strip()]
    for i, part in enumerate(parts):
        name, eq, val = part.partition("=")
        name, val = name.strip(), val.strip()
        if not eq:
            out.errors.append(Msg("'{part}' is not a tag=value pair", part=part))
            continue
        if i == 0 and (name != "v" or val != version):
            out.errors.append(Msg("the record must start with 'v={version}'", version=version))
        if name in out.tags:
            out.errors.append(Msg("tag '{name}' appears more than once", name=name))
        out.tags[name] = val
    if not parts:
        out.errors.append(Msg("empty record"))
    return out


def parse_sts(record: str) -> Tags:
    out = _tags(record, "STSv1")
    ident = out.tags.get("id")
    if ident is None:
        out.errors.append(Msg("the '{tag}' tag is missing", tag="id"))
    elif not _ID.match(ident):
        written = f"id={ident}"
        out.errors.append(Msg("{tag}: must be 1-32 letters or digits", tag=written))
    return out


def parse_tlsrpt(record: str) -> Tags:
    out = _tags(record, "TLSRPTv1")
    rua = out.tags.get("rua")
    if not rua:
        out.errors.append(Msg("the '{tag}' tag is missing", tag="rua"))
    else:
        for uri in rua.split(","):
            if not uri.strip().lower().startswith(("mailto:", "https:")):
                out.errors.append(Msg("{tag}: '{uri}' is not a mailto: or https: URI", tag="rua", uri=uri.strip()))
    return out


def parse_policy(text: str) -> Tags:
    """The policy file's keys (``mx`` collected comma-joined); errors for RFC 8461 §3.2 violations."""
    out = Tags()
    mx: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        key, colon, val = line.partition(":")
        if not colon:
            out.errors.append(Msg("'{line}' is not a key: value line", line=line))
            continue
        key, val = key.strip(), val.strip()
        if key == "mx":
            mx.append(val)
        else:
            out.tags[key] = val
    out.tags["mx"] = ",".join(mx)
    if out.tags.get("version") != "STSv1":
        out.errors.append(Msg("version must be STSv1"))
    if out.tags.get("mode") not in MODES:
        out.errors.append(Msg("mode must be one of {choices}", choices=", ".join(MODES)))
    age = out.tags.get("max_age", "")
    if not age.isdigit() or int(age) > MAX_AGE_LIMIT:
        out.errors.append(Msg("max_age must be a number up to {limit}", limit=MAX_AGE_LIMIT))
    if out.tags.get("mode") != "none" and not mx:
        out.errors.append(Msg("at least one mx line is required unless mode is none"))
    return out


def mx_patterns(policy: Tags) -> list[str]:
    return [m.strip().lower().rstrip(".") for m in policy.tags.get("mx", "").split(",") if m.strip()]


def mx_matches(host: str, pattern: str) -> bool:
    """RFC 8461 §4.1: a pattern names a host, or ``*.`` and one more leftmost label of it."""
    host, pattern = host.lower().rstrip("."), pattern.lower().rstrip(".")
    if pattern.startswith("*."):
        label, dot, rest = host.partition(".")
        return bool(label) and bool(dot) and rest == pattern[2:]
    return host == pattern
