"""``powerdns``: the PowerDNS Authoritative HTTP API (``/api/v1``).

A zone is read with one GET (the API returns every rrset of the zone); one
rrset is read with the ``rrset_name``/``rrset_type`` filter and written with
one PATCH (``changetype`` REPLACE or DELETE), which the server applies whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import requests
from pydantic import BaseModel, ConfigDict, Field

from mailplan.providers.base import ProviderError
from mailplan.providers.dns.rrset_provider import RRset, RrsetProvider, group_rrsets
from mailplan.providers.dns.values import fqdn, from_presentation, quoted_txt
from mailplan.providers.http import ApiError, HttpClient


class PowerDnsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_url: str = Field(description="the API base, e.g. http://ns1.example.net:8081/api/v1")
    api_key: str = Field(description="the X-API-Key (use a secret reference)")
    server_id: str = Field("localhost", description="The server's id in the API's paths")


def powerdns_error(resp: requests.Response) -> str | None:
    """PowerDNS answers errors with ``{"error": "..."}`` (and plain text for 401)."""
    if resp.status_code < 400:
        return None
    if resp.status_code == 401:
        return "HTTP 401: the API key was not accepted"
    try:
        message = resp.json().get("error", "")
    except ValueError:
        message = resp.text[:200]
    return f"HTTP {resp.status_code}: {message}"


class PowerDnsProvider(RrsetProvider):
    TYPE = "powerdns"
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = PowerDnsSettings
    # Self-hosted: no documented host, so the API (which gets the key) must be allowed in the environment.
    ENDPOINTS: ClassVar[Mapping[str, tuple[str, ...]]] = {"api_url": ()}

    def __init__(self, name: str, settings: Any, context: Any) -> None:
        super().__init__(name, settings, context)
        self.config = PowerDnsSettings.model_validate(dict(settings))
        self.client = HttpClient(self.config.api_url, headers={"X-API-Key": self.config.api_key})

    def _zone_path(self, zone: str) -> str:
        return f"servers/{quote(self.config.server_id)}/zones/{quote(zone + '.')}"

    def _get_rrsets(self, zone: str, params: dict[str, str] | None = None) -> list[RRset]:
        try:
            body = self.client.get_json(self._zone_path(zone), params=params, error_of=powerdns_error)
        except ApiError as exc:
            if exc.status == 404:
                raise ProviderError(f"powerdns {self.name!r}: zone {zone} does not exist on the server") from exc
            raise
        items = [
            (rrset["name"], rrset["type"], int(rrset["ttl"]), from_presentation(rrset["type"], record["content"]))
            for rrset in body.get("rrsets", [])
            for record in rrset.get("records", [])
            if not record.get("disabled")  # a disabled record is not served; it is nobody's live value
        ]
        return group_rrsets(zone, items)

    def zone_rrsets(self, zone: str) -> list[RRset]:
        return self._get_rrsets(zone)

    def current_rrset(self, zone: str, name: str, rtype: str) -> RRset | None:
        found = self._get_rrsets(zone, {"rrset_name": fqdn(name, zone) + ".", "rrset_type": rtype})
        return next((r for r in found if r.name == name and r.rtype == rtype), None)

    def write_rrset(self, zone: str, current: RRset | None, wanted: RRset | None) -> str:
        target = wanted or current
        assert target is not None
        change: dict[str, Any] = {"name": fqdn(target.name, zone) + ".", "type": target.rtype}
        if wanted is None:
            change["changetype"] = "DELETE"
        else:
            change.update(
                changetype="REPLACE",
                ttl=wanted.ttl,
                records=[{"content": _content(wanted.rtype, v), "disabled": False} for v in wanted.values],
            )
        self.client.request("PATCH", self._zone_path(zone), json={"rrsets": [change]}, error_of=powerdns_error)
        what = "deleted" if wanted is None else f"{len(wanted.values)} value(s), ttl {wanted.ttl}"
        return f"{change['name']} {target.rtype}: {what}"


def _content(rtype: str, value: str) -> str:
    """PowerDNS wants presentation format; TXT quoted (it rejects bare text with 422)."""
    return quoted_txt(value) if rtype == "TXT" else value
