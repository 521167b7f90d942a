"""A fake of DNSPod on Tencent Cloud API 3.0 (version 2021-03-23).

This fake follows Tencent Cloud's published documentation:
- "签名方法 v3" / Signature v3 (cloud.tencent.com/document/api/1427/56189): TC3-HMAC-SHA256 over
  the canonical request (POST, /, empty query, content-type and host headers, SHA-256 of the body),
  credential scope date/dnspod/tc3_request, timestamps older than 5 minutes refused;
- DescribeRecordList (cloud.tencent.com/document/api/1427/56166): Domain, Subdomain, RecordType,
  Offset (from 0), Limit (default 100, at most 3000), RecordCountInfo {SubdomainCount, TotalCount,
  ListCount}; no matching record is the error ResourceNotFound.NoDataOfRecord;
- CreateRecord (RecordLine required, MX priority for MX), ModifyRecord, DeleteRecord; the API
  reference of CreateRecord and ModifyRecord gives ``MX`` as "MX 优先级，当记录类型是 MX、HTTPS、SVCB
  时必填，范围1-65535" (older releases: 1-20) — so no preference 0 and no null MX;
- errors come with HTTP 200 as {"Response": {"Error": {"Code", "Message"}, "RequestId"}}:
  AuthFailure.SecretIdNotFound, AuthFailure.SignatureFailure, RequestLimitExceeded,
  InvalidParameter.DomainRecordExist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from fakes.dns_api import FakeDnsApi, FakeRecord
from fakes.server import Request, Response

TYPES = {"A", "AAAA", "CNAME", "MX", "TXT", "SRV", "NS", "CAA"}


def error(code: str, message: str) -> Response:
    return Response(200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}})


def ok(**fields: Any) -> Response:
    return Response(200, {"Response": {**fields, "RequestId": str(uuid.uuid4())}})


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FakeDnsPod(FakeDnsApi):
    def __init__(self, secret_id: str = "AKIDfakeDnsPodId", secret_key: str = "fake-dnspod-key") -> None:
        super().__init__()
        self.secret_id, self.secret_key = secret_id, secret_key

    def limit_requests(self, times: int) -> None:
        for _ in range(times):
            self.failures.append(error("RequestLimitExceeded", "请求的次数超过了频率限制。"))

    def hand_value(self, rtype: str, value: str) -> tuple[str, int | None]:
        if rtype == "MX":
            pref, target = value.split()
            return target, int(pref)
        return value, None

    def _check_signature(self, request: Request) -> Response | None:
        auth = request.headers.get("authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            fields = dict(part.strip().split("=", 1) for part in rest.split(","))
            key_id, date, service, terminator = fields["Credential"].split("/")
            timestamp = int(request.headers["x-tc-timestamp"])
        except (ValueError, KeyError):
            return error("AuthFailure.InvalidAuthorization", "Authorization header is malformed.")
        if algorithm != "TC3-HMAC-SHA256" or service != "dnspod" or terminator != "tc3_request":
            return error("AuthFailure.InvalidAuthorization", "Credential scope is not valid.")
        if key_id != self.secret_id:
            return error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        if abs(time.time() - timestamp) > 300:
            return error("AuthFailure.SignatureExpire", "The signature has expired.")
        if date != dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d"):
            return error("AuthFailure.InvalidAuthorization", "The date in the credential scope does not match.")
        signed = fields.get("SignedHeaders", "").split(";")
        headers = "".join(f"{h}:{request.headers.get(h, '').strip().lower()}\n" for h in signed)
        canonical = f"POST\n/\n\n{headers}\n{';'.join(signed)}\n{_sha256_hex(request.body)}"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/dnspod/tc3_request\n{_sha256_hex(canonical.encode())}"
        key = ("TC3" + self.secret_key).encode()
        for part in (date, "dnspod", "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if "host" not in signed or not hmac.compare_digest(expected, fields.get("Signature", "")):
            return error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        return None

    def handle(self, request: Request) -> Response:
        if request.method != "POST" or request.path != "/":
            return error("UnsupportedOperation", "Only POST / is served.")
        problem = self._check_signature(request)
        if problem:
            return problem
        if request.headers.get("x-tc-version") != "2021-03-23":
            return error("InvalidParameterValue", "The API version is not valid.")
        action = request.headers.get("x-tc-action", "")
        self.calls[action] += 1
        try:
            params = json.loads(request.body or b"{}")
        except ValueError:
            return error("InvalidParameter", "The request body is not valid JSON.")
        handler = getattr(self, f"_{action}", None)
        if handler is None:
            return error("InvalidAction", f"The action {action} does not exist.")
        zone = str(params.get("Domain", "")).lower()
        if zone not in self.zones:
            return error("ResourceNotFound.NoDataOfDomain", "The domain does not exist.")
        result: Response = handler(zone, params)
        return result

    def _show(self, r: FakeRecord) -> dict[str, Any]:
        return {
            "RecordId": int(r.id),
            "Name": r.name,
            "Type": r.rtype,
            "Value": r.value,
            "TTL": r.ttl,
            "MX": r.priority or 0,
            "Line": "默认",
            "LineId": "0",
            "Status": "ENABLE",
            "Weight": None,
            "MonitorStatus": "",
            "Remark": "",
            "UpdatedOn": "2026-11-23 12:00:00",
            "DefaultNS": r.rtype == "NS",
        }

    def _DescribeRecordList(self, zone: str, params: dict[str, Any]) -> Response:
        offset, limit = params.get("Offset", 0), params.get("Limit", 100)
        if not isinstance(offset, int) or not isinstance(limit, int) or offset < 0 or not 1 <= limit <= 3000:
            return error("InvalidParameter.OffsetInvalid" if offset != 0 else "InvalidParameter", "Limit is 1..3000.")
        found = sorted(self.records(zone), key=lambda r: int(r.id))
        if params.get("Subdomain"):
            found = [r for r in found if r.name == str(params["Subdomain"]).lower()]
        if params.get("RecordType"):
            found = [r for r in found if r.rtype == params["RecordType"]]
        if not found:
            return error("ResourceNotFound.NoDataOfRecord", "记录列表为空。")
        chunk = found[offset : offset + limit]
        info = {"SubdomainCount": len(found), "TotalCount": len(found), "ListCount": len(chunk)}
        return ok(RecordCountInfo=info, RecordList=[self._show(r) for r in chunk])

    def _validate(self, params: dict[str, Any]) -> Response | None:
        for name in ("RecordType", "RecordLine", "Value"):
            if not params.get(name):
                return error("MissingParameter", f"The parameter {name} is missing.")
        if params["RecordType"] not in TYPES:
            return error("InvalidParameter.RecordTypeInvalid", "The record type is not valid.")
        if params["RecordType"] == "MX" and not 1 <= int(params.get("MX") or 0) <= 65535:
            return error("InvalidParameter.MxInvalid", "MX优先级不正确。")
        if params["RecordLine"] != "默认":
            return error("InvalidParameter.RecordLineInvalid", "The line is not valid.")
        if params["RecordType"] == "TXT" and params["Value"].startswith('"'):
            return error("InvalidParameter.RecordValueInvalid", "Do not quote TXT values.")
        return None

    def _record(self, params: dict[str, Any], record_id: str) -> FakeRecord:
        priority = int(params["MX"]) if params["RecordType"] == "MX" else None
        return FakeRecord(
            record_id,
            str(params.get("SubDomain") or "@").lower(),
            params["RecordType"],
            int(params.get("TTL", 600)),
            params["Value"],
            priority,
        )

    def _exists(self, zone: str, record: FakeRecord) -> bool:
        return any(
            (r.name, r.rtype, r.value) == (record.name, record.rtype, record.value) and r.id != record.id
            for r in self.zones[zone].values()
        )

    def _CreateRecord(self, zone: str, params: dict[str, Any]) -> Response:
        problem = self._validate(params)
        if problem:
            return problem
        record = self._record(params, self.new_id())
        if self._exists(zone, record):
            return error("InvalidParameter.DomainRecordExist", "记录已经存在,无需再次添加。")
        with self.lock:
            self.zones[zone][record.id] = record
        return ok(RecordId=int(record.id))

    def _ModifyRecord(self, zone: str, params: dict[str, Any]) -> Response:
        record_id = str(params.get("RecordId", ""))
        if record_id not in self.zones[zone]:
            return error("InvalidParameter.RecordIdInvalid", "The record id is not valid.")
        problem = self._validate(params)
        if problem:
            return problem
        record = self._record(params, record_id)
        if self._exists(zone, record):
            return error("InvalidParameter.DomainRecordExist", "记录已经存在,无需再次添加。")
        with self.lock:
            self.zones[zone][record_id] = record
        return ok(RecordId=int(record_id))

    def _DeleteRecord(self, zone: str, params: dict[str, Any]) -> Response:
        record_id = str(params.get("RecordId", ""))
        if record_id not in self.zones[zone]:
            return error("InvalidParameter.RecordIdInvalid", "The record id is not valid.")
        with self.lock:
            del self.zones[zone][record_id]
        return ok()
