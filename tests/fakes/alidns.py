"""A fake of Alibaba Cloud DNS (alidns, API version 2015-01-09).

This fake follows Alibaba Cloud's published documentation:
- "签名机制" / Signature mechanism for RPC APIs (help.aliyun.com/document_detail/28839.html):
  parameters sorted, RFC 3986-encoded, StringToSign = METHOD&%2F&encode(query),
  Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)); SignatureMethod
  HMAC-SHA1, SignatureVersion 1.0, a SignatureNonce used once;
- DescribeDomainRecords (alibabacloud.com/help/doc-detail/29776.htm): PageNumber from 1,
  PageSize at most 500 (default 20), TotalCount, DomainRecords.Record[];
- DescribeSubDomainRecords, AddDomainRecord, UpdateDomainRecord, DeleteDomainRecord;
- AddDomainRecord (help.aliyun.com/document_detail/29772.html, "AddDomainRecord - 添加解析记录"):
  ``Priority`` "MX 记录的优先级，取值范围：[1,50]", required for MX — so no preference 0 and no null MX;
- error body {"RequestId", "HostId", "Code", "Message", "Recommend"}: InvalidAccessKeyId.NotFound (404),
  SignatureDoesNotMatch (400), DomainRecordDuplicate (400), Throttling.User (503).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from typing import Any
from urllib.parse import quote

from fakes.dns_api import FakeDnsApi, FakeRecord
from fakes.server import Request, Response

COMMON = ("Format", "Version", "AccessKeyId", "SignatureMethod", "Timestamp", "SignatureVersion", "SignatureNonce")
TYPES = {"A", "AAAA", "CNAME", "MX", "TXT", "SRV", "NS", "CAA"}


def error(status: int, code: str, message: str) -> Response:
    return Response(
        status,
        {
            "RequestId": str(uuid.uuid4()).upper(),
            "HostId": "alidns.aliyuncs.com",
            "Code": code,
            "Message": message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}",
        },
    )


def _enc(text: str) -> str:
    # the documented recipe: form-encode, then "+" -> %20, "*" -> %2A, %7E -> "~"
    return quote(text, safe="~").replace("+", "%20").replace("*", "%2A")


class FakeAliDns(FakeDnsApi):
    def __init__(self, key_id: str = "LTAI5tFakeKeyId", secret: str = "fake-ali-secret") -> None:
        super().__init__()
        self.key_id, self.secret = key_id, secret
        self.nonces: set[str] = set()

    def throttle(self, times: int) -> None:
        for _ in range(times):
            self.failures.append(error(503, "Throttling.User", "Request was denied due to user flow control."))

    def hand_value(self, rtype: str, value: str) -> tuple[str, int | None]:
        if rtype == "MX":
            pref, target = value.split()
            return target.rstrip("."), int(pref)
        return (value.rstrip(".") if rtype == "CNAME" else value), None

    def _check_signature(self, params: dict[str, str], method: str) -> Response | None:
        missing = [p for p in (*COMMON, "Signature", "Action") if p not in params]
        if missing:
            return error(
                400,
                "MissingParameter",
                f'The input parameter "{missing[0]}" that is mandatory for processing this request is not supplied.',
            )
        if params["AccessKeyId"] != self.key_id:
            return error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
            return error(400, "InvalidParameter", "SignatureMethod or SignatureVersion is not supported.")
        unsigned = {k: v for k, v in params.items() if k != "Signature"}
        canonical = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(unsigned.items()))
        to_sign = f"{method}&%2F&{_enc(canonical)}"
        expected = base64.b64encode(hmac.new((self.secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest())
        if not hmac.compare_digest(expected.decode(), params["Signature"]):
            return error(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
        if params["SignatureNonce"] in self.nonces:
            return error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        self.nonces.add(params["SignatureNonce"])
        return None

    def handle(self, request: Request) -> Response:
        params = request.params
        problem = self._check_signature(params, request.method)
        if problem:
            return problem
        action = params["Action"]
        self.calls[action] += 1
        handler = getattr(self, f"_{action}", None)
        if handler is None:
            return error(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
        result: Response = handler(params)
        return result

    def _zone(self, params: dict[str, str]) -> str | None:
        zone = params.get("DomainName", "").lower()
        return zone if zone in self.zones else None

    def _page(self, params: dict[str, str], found: list[FakeRecord]) -> Response:
        try:
            number, size = int(params.get("PageNumber", "1")), int(params.get("PageSize", "20"))
        except ValueError:
            return error(400, "InvalidParameter", "PageNumber or PageSize is not valid.")
        if number < 1 or not 1 <= size <= 500:
            return error(400, "InvalidPageSize", "The specified PageSize is invalid (1-500).")
        found = sorted(found, key=lambda r: -int(r.id))  # newest first, as documented
        chunk = found[(number - 1) * size : number * size]
        return Response(
            200,
            {
                "RequestId": str(uuid.uuid4()).upper(),
                "TotalCount": len(found),
                "PageNumber": number,
                "PageSize": size,
                "DomainRecords": {"Record": [self._show(params, r) for r in chunk]},
            },
        )

    def _show(self, params: dict[str, str], r: FakeRecord) -> dict[str, Any]:
        out = {
            "RecordId": r.id,
            "RR": r.name,
            "Type": r.rtype,
            "Value": r.value,
            "TTL": r.ttl,
            "Line": "default",
            "Status": "ENABLE",
            "Locked": False,
            "DomainName": params.get("DomainName", ""),
        }
        if r.priority is not None:
            out["Priority"] = r.priority
        return out

    def _DescribeDomainRecords(self, params: dict[str, str]) -> Response:
        zone = self._zone(params)
        if zone is None:
            return error(400, "IncorrectDomainUser", "The domain name does not belong to this user.")
        return self._page(params, self.records(zone))

    def _DescribeSubDomainRecords(self, params: dict[str, str]) -> Response:
        zone = self._zone(params)
        sub = params.get("SubDomain", "").lower()
        if zone is None or not (sub == zone or sub.endswith("." + zone)):
            return error(400, "IncorrectDomainUser", "The domain name does not belong to this user.")
        rr = "@" if sub == zone else sub[: -len(zone) - 1]
        return self._page(params, self.records(zone, rr, params.get("Type") or None))

    def _validate(self, params: dict[str, str]) -> Response | None:
        for name in ("RR", "Type", "Value"):
            if not params.get(name):
                return error(
                    400,
                    "MissingParameter",
                    f'The input parameter "{name}" that is mandatory for processing this request is not supplied.',
                )
        if params["Type"] not in TYPES:
            return error(400, "InvalidType", "The specified record type is invalid.")
        if params["Type"] == "MX" and not 1 <= int(params.get("Priority", "0")) <= 50:  # [1,50], AddDomainRecord
            return error(400, "InvalidPriority", "The MX priority must be between 1 and 50.")
        if not 1 <= int(params.get("TTL", "600")) <= 86400:
            return error(400, "InvalidTTL", "The TTL is not valid.")
        return None

    def _new(self, params: dict[str, str], record_id: str) -> FakeRecord:
        priority = int(params["Priority"]) if params["Type"] == "MX" else None
        return FakeRecord(
            record_id, params["RR"].lower(), params["Type"], int(params.get("TTL", "600")), params["Value"], priority
        )

    def _duplicate(self, zone: str, record: FakeRecord) -> bool:
        return any(
            (r.name, r.rtype, r.value) == (record.name, record.rtype, record.value) and r.id != record.id
            for r in self.zones[zone].values()
        )

    def _AddDomainRecord(self, params: dict[str, str]) -> Response:
        zone = self._zone(params)
        if zone is None:
            return error(400, "IncorrectDomainUser", "The domain name does not belong to this user.")
        problem = self._validate(params)
        if problem:
            return problem
        record = self._new(params, self.new_id())
        if self._duplicate(zone, record):
            return error(400, "DomainRecordDuplicate", "The DNS record already exists.")
        with self.lock:
            self.zones[zone][record.id] = record
        return Response(200, {"RequestId": str(uuid.uuid4()).upper(), "RecordId": record.id})

    def _find(self, record_id: str) -> str | None:
        return next((z for z, recs in self.zones.items() if record_id in recs), None)

    def _UpdateDomainRecord(self, params: dict[str, str]) -> Response:
        zone = self._find(params.get("RecordId", ""))
        if zone is None:
            return error(400, "DomainRecordNotBelongToUser", "The DNS record does not belong to this user.")
        problem = self._validate(params)
        if problem:
            return problem
        record = self._new(params, params["RecordId"])
        old = self.zones[zone][record.id]
        if (old.name, old.rtype, old.value, old.ttl, old.priority) == (
            record.name,
            record.rtype,
            record.value,
            record.ttl,
            record.priority,
        ):
            return error(400, "DomainRecordDuplicate", "The DNS record already exists.")
        with self.lock:
            self.zones[zone][record.id] = record
        return Response(200, {"RequestId": str(uuid.uuid4()).upper(), "RecordId": record.id})

    def _DeleteDomainRecord(self, params: dict[str, str]) -> Response:
        zone = self._find(params.get("RecordId", ""))
        if zone is None:
            return error(400, "DomainRecordNotBelongToUser", "The DNS record does not belong to this user.")
        with self.lock:
            del self.zones[zone][params["RecordId"]]
        return Response(200, {"RequestId": str(uuid.uuid4()).upper(), "RecordId": params["RecordId"]})
