"""``dnspod``: DNSPod on Tencent Cloud API 3.0 (version 2021-03-23), signed
with TC3-HMAC-SHA256.

A zone is read with ``DescribeRecordList`` in pages of up to 3000 (the
documented maximum ``Limit``); one rrset with its ``Subdomain`` and
``RecordType`` filters. Errors come in an HTTP 200 body; ``RequestLimitExceeded``
is retried.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ConfigDict, Field

from mailplan.providers.base import ProviderContext
from mailplan.providers.dns.record_api import ApiRecord, RecordApiProvider
from mailplan.providers.dns.rrset_provider import NULL_MX, SUPPORTS_RECORDS
from mailplan.providers.dns.values import from_api_value, split_priority
from mailplan.providers.http import ApiError, HttpClient, RetryableApiError

API_VERSION = "2021-03-23"
SERVICE = "dnspod"
DEFAULT_LINE = "默认"  # the default resolution line
NO_RECORDS = "ResourceNotFound.NoDataOfRecord"
ALREADY_EXISTS = "InvalidParameter.DomainRecordExist"


class DnsPodSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    secret_id: str = Field(description="The Tencent Cloud API SecretId")
    secret_key: str = Field(description="Its SecretKey (use a secret reference)")
    endpoint: str = Field("https://dnspod.tencentcloudapi.com", description="The DNSPod API")
    page_size: int = Field(3000, ge=1, le=3000, description="Records per list call")


def tc3_authorization(secret_id: str, secret_key: str, host_name: str, payload: bytes, timestamp: int) -> str:
    """The ``Authorization`` header of Tencent Cloud API 3.0 for a JSON POST to ``/``."""
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:application/json; charset=utf-8\nhost:{host_name}\n",
            "content-type;host",
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    scope = f"{date}/{SERVICE}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    signing_key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), SERVICE), "tc3_request")
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


def dnspod_error(resp: requests.Response) -> str | None:
    """Errors are ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``, usually with HTTP 200."""
    try:
        body = resp.json().get("Response", {})
    except (ValueError, AttributeError):
        return None if resp.status_code < 400 else f"HTTP {resp.status_code}: {resp.text[:200]}"
    error = body.get("Error")
    if not error:
        return None if resp.status_code < 400 else f"HTTP {resp.status_code}"
    code = str(error.get("Code", ""))
    message = f"{code}: {error.get('Message', '')} (RequestId {body.get('RequestId', '?')})"
    if code in ("RequestLimitExceeded", "RequestLimitExceeded.UinLimitExceeded"):
        raise RetryableApiError(message, status=resp.status_code, code=code)
    if code.startswith("AuthFailure"):
        message += " — check the SecretId and SecretKey, and that the key may manage DNSPod"
    return message


class DnsPodProvider(RecordApiProvider):
    TYPE = "dnspod"
    # DNSPod API 3.0 (2021-03-23) CreateRecord and ModifyRecord reference, parameter ``MX``:
    # "MX 优先级，当记录类型是 MX、HTTPS、SVCB 时必填，范围1-65535":
    # no preference 0, so no null MX, and Microsoft 365's "MX 0" is published as 1.
    SUPPORTS = SUPPORTS_RECORDS - {NULL_MX}
    MX_PREFERENCE_MIN = 1
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = DnsPodSettings
    ENDPOINTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "endpoint": ("dnspod.tencentcloudapi.com", "dnspod.intl.tencentcloudapi.com")
    }

    def __init__(self, name: str, settings: Any, context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        self.config = DnsPodSettings.model_validate(dict(settings))
        self.client = HttpClient(self.config.endpoint)
        self.host = urlsplit(self.config.endpoint).netloc

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        payload = json.dumps({k: v for k, v in params.items() if v is not None}, ensure_ascii=False).encode()
        # Retries resend this signature: the API accepts a timestamp up to 5 minutes old,
        # longer than the HTTP client ever waits in total.
        timestamp = int(dt.datetime.now(dt.UTC).timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Host": self.host,
            "X-TC-Action": action,
            "X-TC-Version": API_VERSION,
            "X-TC-Timestamp": str(timestamp),
            "Authorization": tc3_authorization(
                self.config.secret_id, self.config.secret_key, self.host, payload, timestamp
            ),
        }
        body: dict[str, Any] = self.client.request(
            "POST", "/", data=payload, headers=headers, error_of=dnspod_error
        ).json()["Response"]
        return body

    def list_records(self, zone: str, name: str | None = None, rtype: str | None = None) -> list[ApiRecord]:
        out: list[ApiRecord] = []
        offset, total = 0, 1
        while offset < total:
            try:
                body = self.call(
                    "DescribeRecordList",
                    Domain=zone,
                    Subdomain=name,
                    RecordType=rtype,
                    Offset=offset,
                    Limit=self.config.page_size,
                )
            except ApiError as exc:
                if NO_RECORDS in str(exc):
                    return []  # DNSPod answers "no data" as an error
                raise
            items = body.get("RecordList", [])
            out += [_from_api(item) for item in items]
            total = int(body.get("RecordCountInfo", {}).get("TotalCount", 0))
            offset += self.config.page_size
            if not items:
                break
        return [r for r in out if (name is None or r.name == name) and (rtype is None or r.rtype == rtype)]

    def create_record(self, zone: str, name: str, rtype: str, ttl: int, value: str) -> None:
        priority, api_value = _to_api(rtype, value)
        try:
            self.call(
                "CreateRecord",
                Domain=zone,
                SubDomain=name,
                RecordType=rtype,
                RecordLine=DEFAULT_LINE,
                Value=api_value,
                MX=priority,
                TTL=ttl,
            )
        except ApiError as exc:
            if ALREADY_EXISTS not in str(exc):
                raise  # the very record is already there: nothing left to do

    def update_record(self, zone: str, record: ApiRecord, ttl: int, value: str) -> None:
        priority, api_value = _to_api(record.rtype, value)
        self.call(
            "ModifyRecord",
            Domain=zone,
            RecordId=int(record.id),
            SubDomain=record.name,
            RecordType=record.rtype,
            RecordLine=DEFAULT_LINE,
            Value=api_value,
            MX=priority,
            TTL=ttl,
        )

    def delete_record(self, zone: str, record: ApiRecord) -> None:
        self.call("DeleteRecord", Domain=zone, RecordId=int(record.id))


def _to_api(rtype: str, value: str) -> tuple[int | None, str]:
    return split_priority(rtype, value)


def _from_api(item: dict[str, Any]) -> ApiRecord:
    rtype = item["Type"]
    value = from_api_value(rtype, str(item["Value"]), item.get("MX", 0))
    return ApiRecord(str(item["RecordId"]), str(item["Name"]).lower(), rtype, int(item.get("TTL", 600)), value)
