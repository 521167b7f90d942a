"""``alidns``: Alibaba Cloud DNS (云解析 DNS, API version 2015-01-09), RPC
style with the HMAC-SHA1 signature (SignatureVersion 1.0).

A zone is read with ``DescribeDomainRecords`` in pages of up to 500 (the
documented maximum ``PageSize``); one rrset with ``DescribeSubDomainRecords``.
MX keeps its preference in ``Priority``; TXT values are plain text.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import math
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import requests
from pydantic import BaseModel, ConfigDict, Field

from mailplan.providers.base import ProviderContext
from mailplan.providers.dns.record_api import ApiRecord, RecordApiProvider
from mailplan.providers.dns.rrset_provider import NULL_MX, SUPPORTS_RECORDS
from mailplan.providers.dns.values import fqdn, from_api_value, host, split_priority
from mailplan.providers.http import ApiError, HttpClient, RetryableApiError

API_VERSION = "2015-01-09"
ALREADY_EXISTS = "DomainRecordDuplicate"


class AliDnsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    access_key_id: str = Field(description="The AccessKey ID of a RAM user allowed to manage the zones' records")
    access_key_secret: str = Field(description="Its AccessKey secret (use a secret reference)")
    endpoint: str = Field("https://alidns.aliyuncs.com", description="The Alibaba Cloud DNS API")
    page_size: int = Field(500, ge=1, le=500, description="Records per list call")


def percent_encode(text: str) -> str:
    """RFC 3986 encoding as the signature wants it: only A-Z a-z 0-9 - _ . ~ stay as they are."""
    return quote(text, safe="-_.~")


def rpc_signature(method: str, params: dict[str, str], secret: str) -> str:
    """Base64(HMAC-SHA1(secret + "&", method & %2F & encode(sorted canonical query)))."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def alidns_error(resp: requests.Response) -> str | None:
    """Errors come as ``{"RequestId", "HostId", "Code", "Message"}``; ``Throttling*`` codes are retried."""
    try:
        body = resp.json()
    except ValueError:
        return None if resp.status_code < 400 else f"HTTP {resp.status_code}: {resp.text[:200]}"
    code = str(body.get("Code", "")) if isinstance(body, dict) else ""
    if resp.status_code < 400 and not code:
        return None
    message = f"HTTP {resp.status_code}: {code}: {body.get('Message', '')} (RequestId {body.get('RequestId', '?')})"
    if code.startswith("Throttling"):
        raise RetryableApiError(message, status=resp.status_code, code=code)
    if code.startswith(("InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden")):
        message += " — check the AccessKey ID and secret, and that the RAM user may manage DNS"
    return message


class AliDnsProvider(RecordApiProvider):
    TYPE = "alidns"
    # Alibaba Cloud DNS AddDomainRecord / UpdateDomainRecord: ``Priority`` "MX 记录的优先级，取值范围：[1,50]"
    # (help.aliyun.com/document_detail/29772.html):
    # no preference 0, so no null MX, and Microsoft 365's "MX 0" is published as 1.
    SUPPORTS = SUPPORTS_RECORDS - {NULL_MX}
    MX_PREFERENCE_MIN = 1
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = AliDnsSettings
    ENDPOINTS: ClassVar[Mapping[str, tuple[str, ...]]] = {"endpoint": ("alidns.aliyuncs.com", "alidns.*.aliyuncs.com")}

    def __init__(self, name: str, settings: Any, context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        self.config = AliDnsSettings.model_validate(dict(settings))
        self.client = HttpClient(self.config.endpoint)

    def call(self, action: str, **params: Any) -> Any:
        signed = {
            "Action": action,
            "Format": "JSON",
            "Version": API_VERSION,
            "AccessKeyId": self.config.access_key_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex,
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **{k: str(v) for k, v in params.items() if v is not None},
        }
        signed["Signature"] = rpc_signature("GET", signed, self.config.access_key_secret)
        return self.client.request("GET", "/", params=signed, error_of=alidns_error).json()

    def list_records(self, zone: str, name: str | None = None, rtype: str | None = None) -> list[ApiRecord]:
        out: list[ApiRecord] = []
        page, pages = 1, 1
        while page <= pages:
            if name is None:
                body = self.call(
                    "DescribeDomainRecords", DomainName=zone, PageNumber=page, PageSize=self.config.page_size
                )
            else:
                body = self.call(
                    "DescribeSubDomainRecords",
                    DomainName=zone,
                    SubDomain=fqdn(name, zone),
                    Type=rtype,
                    PageNumber=page,
                    PageSize=self.config.page_size,
                )
            out += [_from_api(item) for item in body.get("DomainRecords", {}).get("Record", [])]
            pages = math.ceil(int(body.get("TotalCount", 0)) / self.config.page_size)
            page += 1
        return [r for r in out if rtype is None or r.rtype == rtype]

    def create_record(self, zone: str, name: str, rtype: str, ttl: int, value: str) -> None:
        priority, api_value = _to_api(rtype, value)
        try:
            self.call(
                "AddDomainRecord", DomainName=zone, RR=name, Type=rtype, Value=api_value, TTL=ttl, Priority=priority
            )
        except ApiError as exc:
            if ALREADY_EXISTS not in str(exc):
                raise  # the very record is already there: nothing left to do

    def update_record(self, zone: str, record: ApiRecord, ttl: int, value: str) -> None:
        priority, api_value = _to_api(record.rtype, value)
        self.call(
            "UpdateDomainRecord",
            RecordId=record.id,
            RR=record.name,
            Type=record.rtype,
            Value=api_value,
            TTL=ttl,
            Priority=priority,
        )

    def delete_record(self, zone: str, record: ApiRecord) -> None:
        self.call("DeleteDomainRecord", RecordId=record.id)


def _to_api(rtype: str, value: str) -> tuple[int | None, str]:
    priority, target = split_priority(rtype, value)
    if rtype in ("MX", "CNAME"):
        return priority, target.rstrip(".") or "."  # the root stays "." (a null MX never gets here: SUPPORTS)
    if rtype == "SRV":
        prio, weight, port, srv_target = value.split()
        return None, f"{prio} {weight} {port} {srv_target.rstrip('.') or '.'}"
    return priority, value


def _from_api(item: dict[str, Any]) -> ApiRecord:
    rtype, value = item["Type"], str(item["Value"])
    if rtype == "SRV":  # the target comes without its trailing dot
        prio, weight, port, target = value.split()
        value = f"{prio} {weight} {port} {host(target)}"
    else:
        value = from_api_value(rtype, value, item.get("Priority", 0))
    return ApiRecord(str(item["RecordId"]), item["RR"].lower(), rtype, int(item.get("TTL", 600)), value)
