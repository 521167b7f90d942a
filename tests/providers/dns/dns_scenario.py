"""The scenario every DNS provider must pass, on its real server or its fake.

A zone already holds a site-verification TXT at the apex and a web A record.
mailplan applies its mail records (MX, SPF, DMARC, a DKIM key longer than one
TXT string), re-plans (nothing left to do), changes the SPF value, and then
sees a hand change to an owned record as drift. Throughout, the verification
value and the A record stay exactly as they were.

Then the records of two more domains in the zone, derived as ``plan`` derives them
for this provider: a parked one (null MX ``0 .``, which a provider whose API starts MX
preferences at 1 must refuse before anything is written) and a receive-only Microsoft
365 alias domain (``MX 0``, published there as 1, with a note, and the re-plan empty).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from mailplan.dns import derive
from mailplan.dns.facts import MailDomainFacts
from mailplan.engine import capabilities
from mailplan.model.change import Action, Change
from mailplan.model.objects import Record
from mailplan.model.state import State
from mailplan.notes import Note
from mailplan.providers.base import CredentialSink, Provider, ProviderContext
from mailplan.providers.registry import provider_class

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
    """Creates and updates that make the zone hold ``desired`` (what the engine's diff does for records).

    Read as a plan reads: only the rrsets at the desired names and types, which must be what a read of
    the whole zone finds there."""
    observed = provider.read_wanted([zone], State(desired)).state
    at = {(r.zone, r.name, r.rtype) for r in desired}

    def there(state: State) -> list[str]:
        return sorted(repr(o) for o in state if isinstance(o, Record) and (o.zone, o.name, o.rtype) in at)

    assert there(observed) == there(provider.read([zone]).state)
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

    run_other_domains(backend)


def other_domains(zone: str, provider_type: str) -> list[Record]:
    """A parked ``parked.<zone>`` and a receive-only Microsoft 365 ``o365.<zone>`` (no tenant given: it
    publishes no DKIM CNAMEs), derived for ``provider_type`` exactly as ``plan`` derives them."""
    parked = MailDomainFacts(zone=zone, domain=f"parked.{zone}", mail_provider_type="local",
                             mail_settings={"mx_host": f"mx.{zone}"}, sends_mail=False, ttl=600,
                             dns_provider_type=provider_type, mx_preference_min=_mx_min(provider_type))
    o365 = MailDomainFacts(zone=zone, domain=f"o365.{zone}", mail_provider_type="microsoft-365",
                           mail_settings={"mx_host": "o365-example.mail.protection.outlook.com"}, sends_mail=False,
                           receives_mail=True, ttl=600, dns_provider_type=provider_type,
                           mx_preference_min=_mx_min(provider_type))
    return [*derive.mail_records(parked), *derive.mail_records(o365)]


def _mx_min(provider_type: str) -> int:
    """The lowest MX preference the provider's API accepts, as ``plan`` hands it to the derivation."""
    return int(getattr(provider_class(provider_type), "MX_PREFERENCE_MIN", 0))


def run_other_domains(backend: Backend) -> None:
    provider, zone = backend.provider, backend.zone
    minimum = int(getattr(type(provider), "MX_PREFERENCE_MIN", 0))
    if minimum:
        with pytest.warns(Note, match=f"{provider.TYPE} accepts MX preferences from 1 only"):
            wanted = other_domains(zone, provider.TYPE)
    else:
        wanted = other_domains(zone, provider.TYPE)
    o365_mx = next(r for r in wanted if r.name == "o365" and r.rtype == "MX")
    assert o365_mx.values == (f"{minimum} o365-example.mail.protection.outlook.com.",)

    null_mx = next(r for r in wanted if r.name == "parked" and r.rtype == "MX")
    assert null_mx.values == ("0 .",)
    missing = capabilities.missing_features(type(provider), null_mx)
    if minimum:  # the API has no preference 0: the config is refused by validate, nothing is sent
        assert missing == ["record.MX.null"]
        wanted = [r for r in wanted if r is not null_mx]
    else:
        assert missing == []

    first = plan(provider, zone, wanted)
    assert {c.action for c in first} == {Action.CREATE} and len(first) == len(wanted)
    apply_all(provider, first)
    assert plan(provider, zone, wanted) == [], "re-plan after the parked and Microsoft 365 domains must be empty"
    observed = provider.read([zone]).state
    for record in wanted:
        assert observed.get(record.ident) == record
    if backend.resolve:
        assert backend.resolve("o365", "MX") == [f"{minimum} o365-example.mail.protection.outlook.com."]
        if not minimum:
            assert backend.resolve("parked", "MX") == ["0 ."]
        assert backend.resolve("parked", "TXT") == ["v=spf1 -all"]
