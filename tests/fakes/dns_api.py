"""What the DNS API fakes share: a threaded HTTP server on 127.0.0.1, a
store of per-value records by zone, a count of calls by action, and a queue
of faults to answer before the real handling (a 429, a throttling body).

Each fake (``cloudflare.py``, ``alidns.py``, ``dnspod.py``) follows its
provider's published contract for auth, pagination and error bodies.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeRecord:
    id: str
    name: str  # relative to the zone, "@" for the apex
    rtype: str
    ttl: int
    value: str  # as the API carries it (its own quoting and dots)
    priority: int | None = None  # MX preference, where the API keeps it apart
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        return json.dumps(self.body, ensure_ascii=False).encode()


@dataclass
class Request:
    method: str
    path: str  # without the query
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes


class FakeDnsApi:
    """Subclasses implement ``handle``; tests use ``zones``, ``calls`` and ``faults``."""

    def __init__(self) -> None:
        self.zones: dict[str, dict[str, FakeRecord]] = {}
        self.calls: Counter[str] = Counter()
        self.faults: list[Reply] = []  # answered first, one per request, before any check
        self.lock = threading.Lock()
        self._ids = itertools.count(100001)
        self.url = ""

    def new_id(self) -> str:
        return str(next(self._ids))

    def add_zone(self, zone: str) -> None:
        self.zones.setdefault(zone, {})

    def put(self, zone: str, name: str, rtype: str, ttl: int, value: str, priority: int | None = None) -> FakeRecord:
        """Add one record directly, as a person in the console would."""
        record = FakeRecord(self.new_id(), name, rtype, ttl, value, priority)
        with self.lock:
            self.zones[zone][record.id] = record
        return record

    def records(self, zone: str, name: str | None = None, rtype: str | None = None) -> list[FakeRecord]:
        found = list(self.zones.get(zone, {}).values())
        return [r for r in found if (name is None or r.name == name) and (rtype is None or r.rtype == rtype)]

    def replace(self, zone: str, name: str, rtype: str, values: list[tuple[str, int | None]], ttl: int = 300) -> None:
        """Make (name, rtype) hold exactly ``values`` ((api value, priority) pairs), by hand."""
        with self.lock:
            for record in self.records(zone, name, rtype):
                del self.zones[zone][record.id]
        for value, priority in values:
            self.put(zone, name, rtype, ttl, value, priority)

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError

    def _dispatch(self, request: Request) -> Reply:
        with self.lock:
            fault = self.faults.pop(0) if self.faults else None
        if fault is not None:
            self.calls["fault"] += 1
            return fault
        return self.handle(request)

    @contextmanager
    def running(self) -> Iterator[FakeDnsApi]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    self.command,
                    path,
                    query,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                reply = fake._dispatch(request)
                data = reply.encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
