"""The scenario every DNS provider must pass, on its real server or its fake.

A zone already holds a site-verification TXT at the apex and a web A record.
mailplan applies its mail records (MX, SPF, DMARC, a DKIM key longer than one
TXT string), re-plans (nothing left to do), changes the SPF value, and then
sees a hand change to an owned record as drift. Throughout, the verification
value and the A record stay exactly as they were.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mailplan.engine.change import Action, Change
from mailplan.model.objects import Record
from mailplan.model.state import State
from mailplan.providers.base import CredentialSink, Provider, ProviderContext

VERIFICATION = "google-site-verification=Zx81-verify-9f3a"
WEB_ADDRESS = "192.0.2.10"
DKIM_KEY = "v=DKIM1; k=rsa; p=" + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "q" * 330 + "IDAQAB"
SPF = "v=spf1 include:spf.mail.qq.com ~all"
SPF_CHANGED = "v=spf1 include:spf.mail.qq.com include:_spf.crm.example -all"


def context() -> ProviderContext:
    tmp = Path(tempfile.mkdtemp(prefix="mailplan-dns-test-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)  # callers take no tmp_path: remove it when the run ends
    return ProviderContext(base_dir=tmp, credentials=CredentialSink(tmp / "credentials"))


def mail_records(zone: str, spf: str = SPF) -> list[Record]:
    return [
        Record(zone, "@", "MX", "", 600, ("10 mxbiz1.qq.com.", "20 mxbiz2.qq.com.")),
        Record(zone, "@", "TXT", "v=spf1", 600, (spf,)),
        Record(zone, "_dmarc", "TXT", "", 600, (f"v=DMARC1; p=quarantine; rua=mailto:dmarc@{zone}",)),
        Record(zone, "mail._domainkey", "TXT", "", 600, (DKIM_KEY,)),
    ]


def plan(provider: Provider, zone: str, desired: Sequence[Record]) -> list[Change]:
    """Creates and updates that make the zone hold ``desired`` (what the engine's diff does for records)."""
    observed = provider.read([zone]).state
    changes = []
    for record in desired:
        found = observed.get(record.ident)
        if found is None:
            changes.append(Change(Action.CREATE, provider.name, None, record))
        elif found != record:
            changes.append(Change(Action.UPDATE, provider.name, found, record))
    return changes


def apply_all(provider: Provider, changes: Sequence[Change]) -> None:
    for change in changes:
        provider.apply(change)


def others(state: State, zone: str) -> dict[tuple[str, str, str], tuple[str, ...]]:
    """What the zone holds that mailplan does not own (tag ``other``) plus the web A record."""
    out = {}
    for obj in state:
        if isinstance(obj, Record) and obj.zone == zone and (obj.tag == "other" or obj.name == "www"):
            out[(obj.name, obj.rtype, obj.tag)] = obj.values
    return out


@dataclass
class Backend:
    """How a test drives one provider's backend besides mailplan itself."""

    provider: Provider
    zone: str
    # put values at (name, rtype) by hand, as a person in the console would (replacing that rrset)
    hand_set: Callable[[str, str, Sequence[str]], None]
    # what a resolver sees at (name, rtype): values in mailplan's form; None when the backend is an API fake
    resolve: Callable[[str, str], list[str]] | None = None


def seed(backend: Backend) -> None:
    backend.hand_set("@", "TXT", [VERIFICATION])
    backend.hand_set("www", "A", [WEB_ADDRESS])


def run_scenario(backend: Backend) -> None:
    provider, zone = backend.provider, backend.zone
    seed(backend)
    before = others(provider.read([zone]).state, zone)
    assert before == {("@", "TXT", "other"): (VERIFICATION,), ("www", "A", ""): (WEB_ADDRESS,)}

    first = plan(provider, zone, mail_records(zone))
    assert [c.action for c in first] == [Action.CREATE] * 4
    apply_all(provider, first)

    observed = provider.read([zone]).state
    assert plan(provider, zone, mail_records(zone)) == [], "re-plan after apply must be empty"
    for record in mail_records(zone):
        assert observed.get(record.ident) == record
    assert others(observed, zone) == before, "verification TXT and A record must survive"
    if backend.resolve:
        assert sorted(backend.resolve("@", "TXT")) == sorted([VERIFICATION, SPF])
        assert backend.resolve("mail._domainkey", "TXT") == [DKIM_KEY]
        assert backend.resolve("@", "MX") == ["10 mxbiz1.qq.com.", "20 mxbiz2.qq.com."]
        assert backend.resolve("www", "A") == [WEB_ADDRESS]

    # Changing the SPF value touches only the SPF value.
    changed = mail_records(zone, spf=SPF_CHANGED)
    second = plan(provider, zone, changed)
    assert [(c.action, c.key) for c in second] == [(Action.UPDATE, f"{zone}/@/TXT/v=spf1")]
    apply_all(provider, second)
    assert plan(provider, zone, changed) == []
    assert others(provider.read([zone]).state, zone) == before
    if backend.resolve:
        assert sorted(backend.resolve("@", "TXT")) == sorted([VERIFICATION, SPF_CHANGED])

    # A hand change to an owned record is drift: it reads back different and is planned back.
    backend.hand_set("_dmarc", "TXT", ["v=DMARC1; p=none"])
    drift = plan(provider, zone, changed)
    assert [(c.action, c.key) for c in drift] == [(Action.UPDATE, f"{zone}/_dmarc/TXT/")]
    assert drift[0].before is not None and drift[0].before.values == ("v=DMARC1; p=none",)
    apply_all(provider, drift)
    assert plan(provider, zone, changed) == []

    # Removing an owned value leaves the shared rrset's other values.
    spf_record = next(r for r in changed if r.tag == "v=spf1")
    provider.apply(Change(Action.REMOVE, provider.name, spf_record, None))
    after_remove = provider.read([zone]).state
    assert spf_record.ident not in after_remove
    assert others(after_remove, zone) == before
