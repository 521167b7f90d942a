"""The zonefile provider edits a person's zone file without disturbing anything it does not own."""

from __future__ import annotations

import datetime as dt
import importlib.util
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import dns.zone
import pytest

from mailplan.model.change import Action, Change
from mailplan.model.objects import Record
from mailplan.providers.base import CredentialSink, ProviderContext, ProviderError
from mailplan.providers.dns.values import from_rdata
from mailplan.providers.dns.zonefile import ZoneFileProvider, next_serial
from servers.common import require_binaries

ZONE = "example.com"
VERIFICATION = "google-site-verification=Zx81-verify;9f3a"
# Comments, a multi-line SOA, blank owners, class before TTL, tabs and spaces mixed, a $TTL with a unit.
HAND_MADE = f"""; example.com — maintained by hand, please keep tidy
$ORIGIN example.com.
$TTL 1h
@   IN  SOA ns1.example.com. hostmaster.example.com. (
        2024010101 ; serial
        3600       ; refresh
        900 1209600 300 )
    IN  NS  ns1
        IN 7200 NS ns2.example.net.
ns1     IN A 192.0.2.1

; the web site
@	300	IN	TXT	"{VERIFICATION}"   ; search console
        IN  MX  5 old-mx.example.net.
www   IN A     192.0.2.10 ; web
  IN AAAA 2001:db8::10
"""
DKIM = "v=DKIM1; k=rsa; p=" + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "q" * 330 + "IDAQAB"
MAIL_RECORDS = [
    Record(ZONE, "@", "MX", "", 600, ("10 mx1.example.com.", "20 mx2.example.com.")),
    Record(ZONE, "@", "TXT", "v=spf1", 600, ("v=spf1 mx include:spf.mail.qq.com ~all",)),
    Record(ZONE, "_dmarc", "TXT", "", 600, ("v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com",)),
    Record(ZONE, "mail._domainkey", "TXT", "", 3600, (DKIM,)),
]
MAILPLAN_MARKS = ("mx1.example.com.", "mx2.example.com.", "v=spf1", "v=DMARC1", "v=DKIM1")


def make_provider(base: Path, **settings: object) -> ZoneFileProvider:
    context = ProviderContext(base_dir=base, credentials=CredentialSink(base / "credentials"))
    return ZoneFileProvider("dns", {"directory": "zones", **settings}, context)


@pytest.fixture
def provider(tmp_path: Path) -> ZoneFileProvider:
    (tmp_path / "zones").mkdir()
    (tmp_path / "zones" / f"{ZONE}.zone").write_text(HAND_MADE, encoding="utf-8")
    return make_provider(tmp_path)


def zone_text(provider: ZoneFileProvider, zone: str = ZONE) -> str:
    return provider.zone_path(zone).read_text(encoding="utf-8")


def plan(provider: ZoneFileProvider, desired: Sequence[Record]) -> list[Change]:
    observed = provider.read([r.zone for r in desired]).state
    changes = []
    for record in desired:
        found = observed.get(record.ident)
        if found is None:
            changes.append(Change(Action.CREATE, "dns", None, record))
        elif found != record:
            changes.append(Change(Action.UPDATE, "dns", found, record))
    return changes


def apply_plan(provider: ZoneFileProvider, desired: Sequence[Record]) -> list[str]:
    return [provider.apply(change) for change in plan(provider, desired)]


def served(text: str, name: str, rtype: str) -> list[str]:
    """What a server loading ``text`` answers at ``name``, in mailplan's value form (dnspython's reading)."""
    zone = dns.zone.from_text(text, origin=ZONE, relativize=False)
    rdataset = zone.get_rdataset(f"{name}.{ZONE}." if name != "@" else f"{ZONE}.", rtype)
    return sorted(from_rdata(rd) for rd in rdataset) if rdataset else []


def serial_of(text: str) -> int:
    zone = dns.zone.from_text(text, origin=ZONE, relativize=False)
    return int(zone.get_rdataset(f"{ZONE}.", "SOA")[0].serial)


def test_read_splits_what_mailplan_owns_from_what_it_does_not(provider: ZoneFileProvider) -> None:
    records = {r.key: r for r in provider.read([ZONE]).state}
    assert records[f"{ZONE}/@/TXT/other"] == Record(ZONE, "@", "TXT", "other", 300, (VERIFICATION,))
    assert records[f"{ZONE}/@/MX/"] == Record(ZONE, "@", "MX", "", 3600, ("5 old-mx.example.net.",))
    assert records[f"{ZONE}/www/AAAA/"].values == ("2001:db8::10",)  # a blank owner: the line above's
    assert records[f"{ZONE}/@/NS/"].values == ("ns1.example.com.", "ns2.example.net.")
    assert records[f"{ZONE}/@/NS/"].ttl == 3600
    assert not any(r.rtype == "SOA" for r in records.values())


def test_mail_records_change_only_their_own_lines(provider: ZoneFileProvider) -> None:
    answers = apply_plan(provider, MAIL_RECORDS)
    assert len(answers) == 4
    after = zone_text(provider)

    before_lines = HAND_MADE.splitlines(keepends=True)
    after_lines = after.splitlines(keepends=True)
    not_ours = [line for line in after_lines if not any(mark in line for mark in MAILPLAN_MARKS)]
    old_mx = "        IN  MX  5 old-mx.example.net.\n"
    serial_line = "        2024010101 ; serial\n"
    expected = [line for line in before_lines if line != old_mx]
    new_serial = serial_of(after)
    expected[expected.index(serial_line)] = f"        {new_serial} ; serial\n"
    assert not_ours == expected  # every other line byte for byte, in its place
    assert new_serial > 2024010101

    assert served(after, "@", "TXT") == sorted([VERIFICATION, "v=spf1 mx include:spf.mail.qq.com ~all"])
    assert served(after, "@", "MX") == ["10 mx1.example.com.", "20 mx2.example.com."]
    assert served(after, "www", "A") == ["192.0.2.10"]
    assert served(after, "www", "AAAA") == ["2001:db8::10"]  # still under www after the edits above it


def test_a_long_dkim_key_is_split_into_strings_of_at_most_255_bytes(provider: ZoneFileProvider) -> None:
    apply_plan(provider, MAIL_RECORDS)
    zone = dns.zone.from_text(zone_text(provider), origin=ZONE, relativize=False)
    [rdata] = zone.get_rdataset(f"mail._domainkey.{ZONE}.", "TXT")
    assert len(rdata.strings) == 2
    assert all(len(s) <= 255 for s in rdata.strings)
    assert b"".join(rdata.strings).decode() == DKIM


def test_read_apply_read_is_stable_and_a_second_apply_writes_nothing(provider: ZoneFileProvider) -> None:
    apply_plan(provider, MAIL_RECORDS)
    assert plan(provider, MAIL_RECORDS) == []
    observed = provider.read([ZONE]).state
    assert all(observed.get(r.ident) == r for r in MAIL_RECORDS)
    text = zone_text(provider)
    answer = provider.apply(Change(Action.CREATE, "dns", None, MAIL_RECORDS[0]))
    assert answer.endswith("already as wanted")
    assert zone_text(provider) == text  # not even the serial moved


def test_changing_the_spf_value_leaves_the_verification_value(provider: ZoneFileProvider) -> None:
    apply_plan(provider, MAIL_RECORDS)
    serial = serial_of(zone_text(provider))
    spf = Record(ZONE, "@", "TXT", "v=spf1", 300, ("v=spf1 mx -all",))
    [answer] = apply_plan(provider, [spf])
    assert "1 line(s) written, 0 removed" in answer
    text = zone_text(provider)
    assert served(text, "@", "TXT") == sorted([VERIFICATION, "v=spf1 mx -all"])
    assert f'@\t300\tIN\tTXT\t"{VERIFICATION}"   ; search console\n' in text
    assert serial_of(text) == serial + 1
    assert plan(provider, [spf]) == []


def test_removing_a_record_keeps_the_owner_of_the_line_below(tmp_path: Path) -> None:
    (tmp_path / "zones").mkdir()
    (tmp_path / "zones" / f"{ZONE}.zone").write_text(
        "$TTL 300\n@ IN SOA ns1 hostmaster 1 2 3 4 5\n  IN NS ns1.example.net.\n"
        'mail IN MX 10 mx.example.net.\n     IN TXT "keep-me"\n',
        encoding="utf-8",
    )
    provider = make_provider(tmp_path)
    mx = Record(ZONE, "mail", "MX", "", 300, ("10 mx.example.net.",))
    assert provider.read([ZONE]).state.get(mx.ident) == mx
    provider.apply(Change(Action.REMOVE, "dns", mx, None))
    text = zone_text(provider)
    assert served(text, "mail", "MX") == []
    assert served(text, "mail", "TXT") == ["keep-me"]  # not moved to the apex
    assert '     IN TXT "keep-me"\n' in text


def test_a_missing_zone_file_is_created_with_soa_and_ns(tmp_path: Path) -> None:
    provider = make_provider(tmp_path, nameservers=["ns1.dns.example.net", "ns2.dns.example.net."], default_ttl=600)
    assert len(provider.read([ZONE]).state) == 0
    apply_plan(provider, MAIL_RECORDS[:2])
    text = zone_text(provider)
    zone = dns.zone.from_text(text, origin=ZONE, relativize=False, check_origin=True)
    assert served(text, "@", "NS") == ["ns1.dns.example.net.", "ns2.dns.example.net."]
    assert zone.get_rdataset(f"{ZONE}.", "SOA") is not None
    assert plan(provider, MAIL_RECORDS[:2]) == []


def test_idn_zone_uses_the_a_label_file_name(tmp_path: Path) -> None:
    zone = "例子.中国".encode("idna").decode()
    provider = make_provider(tmp_path)
    mx = Record(zone, "@", "MX", "", 600, (f"10 mail.{zone}.",))
    provider.apply(Change(Action.CREATE, "dns", None, mx))
    assert (tmp_path / "zones" / f"{zone}.zone").exists()
    assert provider.read([zone]).state.get(mx.ident) == mx


def test_values_mailplan_does_not_own_are_never_written(provider: ZoneFileProvider) -> None:
    other = Record(ZONE, "@", "TXT", "other", 300, ("google-site-verification=changed",))
    with pytest.raises(ProviderError, match="does not own"):
        provider.apply(Change(Action.UPDATE, "dns", None, other))
    assert zone_text(provider) == HAND_MADE


def test_a_zone_file_with_include_is_refused_untouched(tmp_path: Path) -> None:
    (tmp_path / "zones").mkdir()
    path = tmp_path / "zones" / f"{ZONE}.zone"
    path.write_text("$TTL 300\n@ IN SOA ns1 hostmaster 1 2 3 4 5\n@ IN NS ns1\n$INCLUDE keys.inc\n", encoding="utf-8")
    provider = make_provider(tmp_path)
    with pytest.raises(ProviderError, match=r"\$INCLUDE"):
        provider.apply(Change(Action.CREATE, "dns", None, MAIL_RECORDS[0]))
    assert "$INCLUDE" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (1, 2026_04_23_00),  # a counter becomes date based
        (2026_04_23_00, 2026_04_23_01),
        (2026_04_22_07, 2026_04_23_00),
        (2026_04_23_99, 2026_04_24_00),  # out of numbers for today: +1
        (3_000_000_000, 3_000_000_001),  # ahead of any date: +1
        (2**32 - 1, 0),  # serial arithmetic wraps
    ],
)
def test_serial_is_date_based_when_it_fits(old: int, new: int) -> None:
    assert next_serial(old, dt.date(2026, 4, 23)) == new


def test_bind_loads_the_edited_zone(provider: ZoneFileProvider) -> None:
    require_binaries("named-checkzone")  # fail, not skip: the test command installs bind9-utils
    apply_plan(provider, MAIL_RECORDS)
    result = subprocess.run(
        ["named-checkzone", ZONE, str(provider.zone_path(ZONE))], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _load_shared_scenario() -> object:
    path = Path(__file__).parent / "dns" / "dns_scenario.py"
    spec = importlib.util.spec_from_file_location("dns_scenario", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("dns_scenario", module)
    spec.loader.exec_module(module)
    return module


def test_the_shared_dns_scenario(tmp_path: Path) -> None:
    scenario: object = _load_shared_scenario()
    provider = make_provider(tmp_path, nameservers=["ns1.example.net"])
    provider.apply(Change(Action.CREATE, "dns", None, Record(ZONE, "ns-check", "A", "", 300, ("192.0.2.99",))))

    def hand_set(name: str, rtype: str, values: Sequence[str]) -> None:
        """Edit the file as a person would: drop that rrset's lines, add new ones at the end."""
        path = provider.zone_path(ZONE)
        owners = {name, f"{name}.{ZONE}." if name != "@" else f"{ZONE}."}
        kept = [
            line
            for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
            if not (len(line.split()) > 3 and line.split()[0] in owners and line.split()[3] == rtype)
        ]
        quoted = [f'"{v}"' if rtype == "TXT" else v for v in values]
        added = [f"{name} 300 IN {rtype} {value}\n" for value in quoted]
        path.write_text("".join(kept + added), encoding="utf-8")

    def resolve(name: str, rtype: str) -> list[str]:
        return served(zone_text(provider), name, rtype)

    backend = scenario.Backend(provider, ZONE, hand_set, resolve)  # type: ignore[attr-defined]
    scenario.run_scenario(backend)  # type: ignore[attr-defined]
