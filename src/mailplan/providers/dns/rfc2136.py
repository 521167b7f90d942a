"""``rfc2136``: any standards DNS server (BIND, Knot, PowerDNS...), written by
TSIG-signed dynamic update (RFC 2136) and read by TSIG-signed zone transfer.

Each write carries a prerequisite that the rrset is still what was read just
before, so a hand change made in between fails the update instead of being
overwritten.
"""

from __future__ import annotations

from typing import Any, ClassVar

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import dns.update
import dns.xfr
from pydantic import BaseModel, ConfigDict, Field

from mailplan.providers.base import ProviderError
from mailplan.providers.dns.rrset_provider import RRset, RrsetProvider
from mailplan.providers.dns.values import fqdn, from_rdata, relative_name, to_rdata

RCODE_HINTS = {
    "REFUSED": "the server refused: is the key allowed to update this zone (allow-update)? "
    "BIND also refuses an MX or NS whose in-zone target has no address record",
    "NOTAUTH": "the server does not accept the TSIG key, or is not authoritative for the zone",
    "NXRRSET": "the record changed on the server since it was read; run plan again",
    "YXRRSET": "the record was created on the server since it was read; run plan again",
    "NOTZONE": "the name is not inside the zone",
}


class Rfc2136Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    server: str = Field(description="address of the primary server")
    port: int = Field(53, ge=1, le=65535, description="its DNS port")
    key_name: str = Field(description="name of the TSIG key the server allows updates and transfers with")
    key_algorithm: str = Field("hmac-sha256", description="the TSIG key's algorithm")
    key_secret: str = Field(description="base64 TSIG secret (use a secret reference)")
    timeout: float = Field(10.0, gt=0, description="seconds each query may take")


class Rfc2136Provider(RrsetProvider):
    TYPE = "rfc2136"
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = Rfc2136Settings

    def __init__(self, name: str, settings: Any, context: Any) -> None:
        super().__init__(name, settings, context)
        self.config = Rfc2136Settings.model_validate(dict(settings))
        try:
            self.keyring = dns.tsigkeyring.from_text(
                {self.config.key_name: (self.config.key_algorithm, self.config.key_secret)}
            )
        except (ValueError, dns.exception.DNSException) as exc:
            raise ProviderError(f"rfc2136 {name!r}: the TSIG key is not valid: {exc}") from exc
        self.key_name = dns.name.from_text(self.config.key_name)

    def _where(self) -> str:
        return f"{self.config.server}:{self.config.port}"

    def zone_rrsets(self, zone: str) -> list[RRset]:
        # The transfer's own messages, not a dns.zone: that would relativize names inside rdata.
        found: dict[tuple[str, str], tuple[int, set[str]]] = {}
        try:
            for message in dns.query.xfr(
                self.config.server,
                zone,
                port=self.config.port,
                keyring=self.keyring,
                keyname=self.key_name,
                timeout=self.config.timeout,
                lifetime=self.config.timeout * 3,
                relativize=False,
            ):
                for rrset in message.answer:
                    key = (relative_name(rrset.name.to_text(), zone), dns.rdatatype.to_text(rrset.rdtype))
                    _, values = found.setdefault(key, (rrset.ttl, set()))
                    values.update(from_rdata(rd) for rd in rrset)
        except dns.xfr.TransferError as exc:
            raise ProviderError(
                f"zone transfer of {zone} from {self._where()} failed: {exc} "
                "(does the server allow transfer to this TSIG key, and serve the zone?)"
            ) from exc
        except dns.tsig.PeerError as exc:
            raise ProviderError(
                f"zone transfer of {zone} from {self._where()}: the server rejected the TSIG key "
                f"{self.config.key_name!r} ({exc})"
            ) from exc
        except (dns.exception.DNSException, OSError) as exc:
            raise ProviderError(f"zone transfer of {zone} from {self._where()}: {type(exc).__name__}: {exc}") from exc
        return [RRset(name, rtype, ttl, tuple(sorted(values))) for (name, rtype), (ttl, values) in found.items()]

    def current_rrset(self, zone: str, name: str, rtype: str) -> RRset | None:
        query = dns.message.make_query(fqdn(name, zone), rtype)
        query.use_tsig(self.keyring, keyname=self.key_name)
        reply = self._send(query, f"query {fqdn(name, zone)} {rtype}")
        if reply.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise ProviderError(
                f"query {fqdn(name, zone)} {rtype} at {self._where()}: {dns.rcode.to_text(reply.rcode())}"
            )
        wanted = dns.rdatatype.from_text(rtype)
        for rrset in reply.answer:
            if rrset.rdtype == wanted and rrset.name == dns.name.from_text(fqdn(name, zone)):
                return RRset(name, rtype, rrset.ttl, tuple(sorted(from_rdata(rd) for rd in rrset)))
        return None

    def write_rrset(self, zone: str, current: RRset | None, wanted: RRset | None) -> str:
        target = current or wanted
        assert target is not None
        owner = dns.name.from_text(fqdn(target.name, zone))
        update = dns.update.UpdateMessage(zone, keyring=self.keyring, keyname=self.key_name)
        if current is None:
            update.absent(owner, target.rtype)
        else:
            update.present(owner, _rdataset(current, ttl=0))  # RFC 2136 §2.4.2: prerequisites carry TTL 0
        if wanted is None:
            update.delete(owner, target.rtype)
        else:
            update.replace(owner, _rdataset(wanted))
        reply = self._send(update, f"update {owner} {target.rtype}")
        rcode = dns.rcode.to_text(reply.rcode())
        if rcode != "NOERROR":
            hint = RCODE_HINTS.get(rcode, "")
            raise ProviderError(
                f"update of {owner} {target.rtype} at {self._where()}: {rcode}" + (f" — {hint}" if hint else "")
            )
        return f"{owner} {target.rtype}: " + (
            "deleted" if wanted is None else f"{len(wanted.values)} value(s), ttl {wanted.ttl}"
        )

    def _send(self, message: dns.message.Message, what: str) -> dns.message.Message:
        try:
            return dns.query.tcp(message, self.config.server, port=self.config.port, timeout=self.config.timeout)
        except dns.tsig.PeerError as exc:
            raise ProviderError(
                f"{what} at {self._where()}: the server rejected the TSIG key {self.config.key_name!r} ({exc})"
            ) from exc
        except (dns.exception.DNSException, OSError) as exc:
            raise ProviderError(f"{what} at {self._where()}: {type(exc).__name__}: {exc}") from exc


def _rdataset(rrset: RRset, ttl: int | None = None) -> dns.rdataset.Rdataset:
    rdtype = dns.rdatatype.from_text(rrset.rtype)
    out = dns.rdataset.Rdataset(dns.rdataclass.IN, rdtype)
    out.update_ttl(rrset.ttl if ttl is None else ttl)
    for value in rrset.values:
        out.add(to_rdata(rrset.rtype, value))
    return out
