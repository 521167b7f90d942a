"""A fake of Cloudflare's DNS records API (``/client/v4``).

This fake follows the Cloudflare API reference, "DNS Records for a Zone"
(developers.cloudflare.com/api/resources/dns/subresources/records/: list,
create, update, delete) and "List Zones":

- auth: ``Authorization: Bearer <token>``; a wrong token gets 403 with
  ``{"success": false, "errors": [{"code": 10000, "message": "Authentication error"}]}``;
- list: ``page`` (from 1) and ``per_page`` (1..5,000,000, default 100), exact
  ``name`` and ``type`` filters, ``result_info`` with ``page``, ``per_page``,
  ``count``, ``total_count``, ``total_pages``;
- records: ``name`` is the full name without the trailing dot, MX keeps its
  preference in ``priority`` (required for MX; "Create DNS Record", MXRecord:
  ``priority`` minimum 0, maximum 65535; ``content`` "A valid mail server
  hostname"), TXT ``content`` is quoted character-strings of at most 255 bytes each;
- the null MX of RFC 7505 is content ``"."`` with priority 0 (what the dashboard and the API
  take for it, as Cloudflare's parked-domain guidance publishes it); an empty ``content`` is refused;
- an identical record is refused with code 81058; an unknown record id is 404
  with code 81044;
- rate limit: 429 with a ``Retry-After`` header (queued with ``rate_limit``).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from fakes.dns_api import FakeDnsApi, FakeRecord
from fakes.server import Request, Response

PREFIX = "/client/v4"
TYPES = {"A", "AAAA", "CNAME", "MX", "TXT", "SRV", "NS", "CAA"}
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def envelope(result: Any, **extra: Any) -> dict[str, Any]:
    return {"success": True, "errors": [], "messages": [], "result": result, **extra}


def failure(status: int, code: int, message: str) -> Response:
    return Response(
        status, {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}
    )


class FakeCloudflare(FakeDnsApi):
    def __init__(self, token: str = "cf-test-token") -> None:
        super().__init__()
        self.token = token
        self.zone_ids: dict[str, str] = {}

    def add_zone(self, zone: str) -> None:
        super().add_zone(zone)
        self.zone_ids.setdefault(zone, f"zone{len(self.zone_ids) + 1:028x}")

    def rate_limit(self, times: int, retry_after: int = 7) -> None:
        for _ in range(times):
            self.failures.append(
                Response(
                    429,
                    failure(429, 971, "Please wait and consider throttling your request speed").body,
                    {"Retry-After": str(retry_after)},
                )
            )

    def hand_value(self, rtype: str, value: str) -> tuple[str, int | None]:
        """A mailplan value as a person would type it in the dashboard: (content, priority)."""
        if rtype == "MX":
            pref, target = value.split()
            return target.rstrip(".") or ".", int(pref)
        return (value.rstrip(".") if rtype == "CNAME" else value), None

    def handle(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return failure(403, 10000, "Authentication error")
        if not request.path.startswith(PREFIX):
            return failure(404, 7000, "No route for that URI")
        parts = request.path[len(PREFIX) :].strip("/").split("/")
        query = {k: v[0] for k, v in request.query.items()}
        if parts == ["zones"] and request.method == "GET":
            self.calls["zones.list"] += 1
            found = [{"id": zid, "name": z} for z, zid in self.zone_ids.items() if query.get("name") in (None, z)]
            return Response(
                200,
                envelope(
                    found,
                    result_info={
                        "page": 1,
                        "per_page": 20,
                        "count": len(found),
                        "total_count": len(found),
                        "total_pages": 1,
                    },
                ),
            )
        if len(parts) < 3 or parts[0] != "zones" or parts[2] != "dns_records":
            return failure(404, 7000, "No route for that URI")
        zone = next((z for z, zid in self.zone_ids.items() if zid == parts[1]), None)
        if zone is None:
            return failure(404, 7003, "Could not route to /zones/..., perhaps your object identifier is invalid?")
        record_id = parts[3] if len(parts) > 3 else None
        if request.method == "GET" and record_id is None:
            return self._list(zone, query)
        if request.method == "POST" and record_id is None:
            return self._write(zone, None, request.body)
        if record_id is None or record_id not in self.zones[zone]:
            return failure(404, 81044, "Record does not exist.")
        if request.method in ("PUT", "PATCH"):
            return self._write(zone, record_id, request.body)
        if request.method == "DELETE":
            self.calls["dns_records.delete"] += 1
            with self.lock:
                del self.zones[zone][record_id]
            return Response(200, envelope({"id": record_id}))
        return failure(405, 10405, "Method not allowed")

    def _list(self, zone: str, query: dict[str, str]) -> Response:
        self.calls["dns_records.list"] += 1
        try:
            page = int(query.get("page", "1"))
            per_page = int(query.get("per_page", "100"))
        except ValueError:
            return failure(400, 1004, "DNS Validation Error")
        if page < 1 or not 1 <= per_page <= 5_000_000:
            return failure(400, 1004, "DNS Validation Error")
        found = sorted(self.zones[zone].values(), key=lambda r: int(r.id))
        if "name" in query:
            found = [r for r in found if self._fqdn(zone, r) == query["name"].rstrip(".").lower()]
        if "type" in query:
            found = [r for r in found if r.rtype == query["type"]]
        chunk = found[(page - 1) * per_page : page * per_page]
        info = {
            "page": page,
            "per_page": per_page,
            "count": len(chunk),
            "total_count": len(found),
            "total_pages": max(1, math.ceil(len(found) / per_page)),
        }
        return Response(200, envelope([self._show(zone, r) for r in chunk], result_info=info))

    def _write(self, zone: str, record_id: str | None, raw: bytes) -> Response:
        self.calls["dns_records.update" if record_id else "dns_records.create"] += 1
        try:
            body = json.loads(raw)
        except ValueError:
            return failure(400, 9207, "Request body is invalid.")
        problem = self._invalid(zone, body)
        if problem:
            return failure(400, 9000 if "name" in problem else 1004, problem)
        name = body["name"].rstrip(".").lower()
        relative = "@" if name == zone else name[: -len(zone) - 1]
        content = body.get("content", "")
        if body["type"] == "SRV":
            data = body["data"]
            content = f"{data['priority']} {data['weight']} {data['port']} {data['target']}"
        record = FakeRecord(
            record_id or self.new_id(), relative, body["type"], int(body.get("ttl", 1)), content, body.get("priority")
        )
        same = [
            r
            for r in self.zones[zone].values()
            if r.id != record.id
            and (r.name, r.rtype, r.value, r.priority) == (record.name, record.rtype, record.value, record.priority)
        ]
        if same:
            return failure(400, 81058, "An identical record already exists.")
        with self.lock:
            self.zones[zone][record.id] = record
        return Response(200, envelope(self._show(zone, record)))

    def _invalid(self, zone: str, body: dict[str, Any]) -> str | None:
        rtype, name = body.get("type"), str(body.get("name", "")).rstrip(".").lower()
        if rtype not in TYPES:
            return "DNS Validation Error: unsupported type"
        if not (name == zone or name.endswith("." + zone)):
            return "DNS name is invalid: not in the zone"
        ttl = body.get("ttl", 1)
        if not isinstance(ttl, int) or not (ttl == 1 or 60 <= ttl <= 86400):
            return "DNS Validation Error: ttl must be 1 (automatic) or between 60 and 86400"
        if rtype == "SRV":
            return None if isinstance(body.get("data"), dict) else "DNS Validation Error: SRV needs data"
        if not body.get("content"):
            return "DNS Validation Error: content is required"
        if rtype == "MX" and not isinstance(body.get("priority"), int):
            return "DNS Validation Error: MX records need a priority"
        if rtype == "MX" and not 0 <= body["priority"] <= 65535:
            return "DNS Validation Error: priority must be between 0 and 65535"
        if rtype == "MX" and body["content"] == "." and body["priority"] != 0:
            return "DNS Validation Error: a null MX (content '.') must have priority 0"
        quoted = QUOTED.findall(body["content"]) if rtype == "TXT" else []
        if any(len(s.encode()) > 255 for s in quoted):
            return "DNS Validation Error: a TXT character-string is longer than 255 bytes"
        return None

    def _fqdn(self, zone: str, record: FakeRecord) -> str:
        return zone if record.name == "@" else f"{record.name}.{zone}"

    def _show(self, zone: str, record: FakeRecord) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": record.id,
            "zone_id": self.zone_ids[zone],
            "zone_name": zone,
            "name": self._fqdn(zone, record),
            "type": record.rtype,
            "ttl": record.ttl,
            "proxiable": False,
            "proxied": False,
            "comment": None,
            "tags": [],
        }
        if record.rtype == "SRV":
            prio, weight, port, target = record.value.split()
            out["data"] = {"priority": int(prio), "weight": int(weight), "port": int(port), "target": target}
            out["content"] = f"{weight} {port} {target}"
        else:
            out["content"] = record.value
        if record.priority is not None:
            out["priority"] = record.priority
        return out
