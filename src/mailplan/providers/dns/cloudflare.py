"""``cloudflare``: Cloudflare's DNS records API (``/client/v4``), with an API
token (``Authorization: Bearer``).

A zone is read with ``GET /zones/{id}/dns_records`` in pages of ``page_size``
(the API allows up to 5,000,000 per page; 5,000 holds any Free or Pro zone in
one call while keeping one answer a sensible size). Records carry the MX
preference in ``priority`` (0 to 65535, so the null MX ``0 .`` is content
``"."`` with priority 0) and TXT content as quoted strings of at most 255 bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import requests
from pydantic import BaseModel, ConfigDict, Field

from mailplan.providers.base import ProviderContext, ProviderError
from mailplan.providers.dns.record_api import ApiRecord, RecordApiProvider
from mailplan.providers.dns.values import fqdn, from_presentation, host, quoted_txt, relative_name, split_priority
from mailplan.providers.http import ApiError, HttpClient

ALREADY_EXISTS = 81058  # "An identical record already exists."


class CloudflareSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_token: str = Field(description="an API token with Zone.DNS edit permission (use a secret reference)")
    base_url: str = Field("https://api.cloudflare.com/client/v4", description="The Cloudflare API")
    page_size: int = Field(5000, ge=5, le=5_000_000, description="Records per list call")


def cloudflare_error(resp: requests.Response) -> str | None:
    """Cloudflare answers ``{"success": false, "errors": [{"code", "message"}]}``."""
    try:
        body = resp.json()
    except ValueError:
        return None if resp.status_code < 400 else f"HTTP {resp.status_code}: {resp.text[:200]}"
    if resp.status_code < 400 and body.get("success", True):
        return None
    errors = body.get("errors") or []
    detail = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors) or resp.text[:200]
    if resp.status_code in (401, 403):
        detail += " (is the API token valid, and allowed to edit DNS in this zone?)"
    return f"HTTP {resp.status_code}: {detail}"


class CloudflareProvider(RecordApiProvider):
    TYPE = "cloudflare"
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = CloudflareSettings
    ENDPOINTS: ClassVar[Mapping[str, tuple[str, ...]]] = {"base_url": ("api.cloudflare.com",)}

    def __init__(self, name: str, settings: Any, context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        self.config = CloudflareSettings.model_validate(dict(settings))
        self.client = HttpClient(self.config.base_url, headers={"Authorization": f"Bearer {self.config.api_token}"})
        self._zone_ids: dict[str, str] = {}

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.request(method, path, error_of=cloudflare_error, **kwargs).json()

    def zone_id(self, zone: str) -> str:
        if zone not in self._zone_ids:
            found = self._call("GET", "zones", params={"name": zone})["result"]
            if not found:
                raise ProviderError(
                    f"cloudflare {self.name!r}: no zone {zone} in this account (or the token cannot see it)"
                )
            self._zone_ids[zone] = found[0]["id"]
        return self._zone_ids[zone]

    def list_records(self, zone: str, name: str | None = None, rtype: str | None = None) -> list[ApiRecord]:
        path = f"zones/{quote(self.zone_id(zone))}/dns_records"
        params: dict[str, Any] = {"per_page": self.config.page_size}
        if name is not None:
            params["name"] = fqdn(name, zone)
        if rtype is not None:
            params["type"] = rtype
        out: list[ApiRecord] = []
        page, pages = 1, 1
        while page <= pages:
            body = self._call("GET", path, params={**params, "page": page})
            out += [_from_api(zone, item) for item in body["result"]]
            info = body.get("result_info") or {}
            pages = int(info.get("total_pages") or math.ceil(int(info.get("total_count", 0)) / self.config.page_size))
            page += 1
        return out

    def create_record(self, zone: str, name: str, rtype: str, ttl: int, value: str) -> None:
        try:
            self._call(
                "POST", f"zones/{quote(self.zone_id(zone))}/dns_records", json=_to_api(zone, name, rtype, ttl, value)
            )
        except ApiError as exc:
            if f"{ALREADY_EXISTS}:" not in str(exc):
                raise  # an identical record is already there: nothing left to do

    def update_record(self, zone: str, record: ApiRecord, ttl: int, value: str) -> None:
        self._call(
            "PUT",
            f"zones/{quote(self.zone_id(zone))}/dns_records/{quote(record.id)}",
            json=_to_api(zone, record.name, record.rtype, ttl, value),
        )

    def delete_record(self, zone: str, record: ApiRecord) -> None:
        self._call("DELETE", f"zones/{quote(self.zone_id(zone))}/dns_records/{quote(record.id)}")


def _to_api(zone: str, name: str, rtype: str, ttl: int, value: str) -> dict[str, Any]:
    body: dict[str, Any] = {"type": rtype, "name": fqdn(name, zone), "ttl": ttl}
    if rtype == "TXT":
        body["content"] = quoted_txt(value)
    elif rtype == "MX":
        priority, target = split_priority(rtype, value)
        # The null MX ("0 .", RFC 7505) is content "." with priority 0; stripping its dot would leave nothing.
        body.update(content=target.rstrip(".") or ".", priority=priority)
    elif rtype == "SRV":
        prio, weight, port, target = value.split()
        target = target.rstrip(".") or "."  # "." alone: the service is not offered (RFC 2782)
        body["data"] = {"priority": int(prio), "weight": int(weight), "port": int(port), "target": target}
    elif rtype == "CNAME":
        body["content"] = value.rstrip(".")
    else:
        body["content"] = value
    return body


def _from_api(zone: str, item: dict[str, Any]) -> ApiRecord:
    rtype = item["type"]
    content = item.get("content", "")
    if rtype == "MX":
        value = f"{item.get('priority', 0)} {host(content)}"
    elif rtype == "SRV":
        data = item.get("data") or {}
        value = f"{data.get('priority')} {data.get('weight')} {data.get('port')} {host(str(data.get('target', '')))}"
    elif rtype in ("CNAME", "NS", "PTR"):
        value = host(content)
    else:
        value = from_presentation(rtype, content)
    return ApiRecord(str(item["id"]), relative_name(item["name"], zone), rtype, int(item.get("ttl", 1)), value)
