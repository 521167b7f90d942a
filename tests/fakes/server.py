"""The threaded loopback HTTP server every cloud fake is built on.

A fake subclasses ``FakeServer`` and answers in ``handle``; the server counts each call,
answers queued ``failures`` first (a 429, a throttling body) and encodes the answer. A
``Response`` with a ``delay`` is sent that many seconds late (a server slower than the
client's timeout), without holding up the other requests.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Request:
    method: str
    path: str  # decoded path, no query
    raw_path: str  # as sent (percent-encoded)
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def params(self) -> dict[str, str]:
        """The query with the last value of each name."""
        return {k: v[-1] for k, v in self.query.items()}

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-encodable -> JSON; None -> empty; bytes/str as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering

    def encode(self) -> tuple[bytes, dict[str, str]]:
        """The payload and the headers to send with it."""
        headers = dict(self.headers)
        if self.body is None:
            payload, ctype = b"", "application/json"
        elif isinstance(self.body, (str, bytes)):
            payload = self.body.encode() if isinstance(self.body, str) else self.body
            ctype = headers.pop("Content-Type", "text/plain")
        else:
            payload = json.dumps(self.body, ensure_ascii=False).encode()
            ctype = "application/json; charset=utf-8"
        return payload, {"Content-Type": ctype, "Content-Length": str(len(payload)), **headers}


class FakeServer:
    """Threaded stdlib HTTP server on 127.0.0.1 (a free port) answering through ``handle``.

    Start with ``start()`` or ``with``; stop with ``stop()``.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.calls: Counter[str] = Counter()  # "GET /path" (ids kept) -> count
        self.log: list[str] = []  # "GET /path" in the order received
        self.failures: list[Response] = []  # answered, in order, instead of the next requests
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # to override
    def handle(self, req: Request) -> Response:
        raise NotImplementedError

    def exempt(self, req: Request) -> bool:
        """Requests that injected failures skip (a token endpoint)."""
        return False

    def tally(self, req: Request, failed: bool) -> None:
        """Count one call; ``failed`` when a queued failure answered it."""
        self.calls[f"{req.method} {req.path}"] += 1
        self.log.append(f"{req.method} {req.path}")

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail_next(self, count: int, status: int = 429, retry_after: str | None = "1", body: Any = None) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        with self.lock:
            self.failures.extend(Response(status, body, headers) for _ in range(count))

    def rate_limit_next(self, times: int, retry_after: str = "1") -> None:
        """Answer the next ``times`` calls with 429, this Retry-After and ``rate_limit_body``."""
        self.fail_next(times, 429, retry_after, self.rate_limit_body())

    def rate_limit_body(self) -> Any:
        return {"error": "too many requests"}

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # keep-alive answers must not wait for delayed ACKs

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parsed = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                req = Request(
                    method=self.command,
                    path=unquote(parsed.path),
                    raw_path=parsed.path,
                    query=parse_qs(parsed.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                resp = fake.dispatch(req)
                if resp.delay:
                    time.sleep(resp.delay)  # outside the fake's lock: other requests go on
                payload, headers = resp.encode()
                try:
                    self.send_response(resp.status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up waiting (its timeout)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval makes stop() quick.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @contextmanager
    def running(self) -> Iterator[Self]:
        with self:
            yield self

    def dispatch(self, req: Request) -> Response:
        with self.lock:
            failed = bool(self.failures) and not self.exempt(req)
            self.tally(req, failed)
            return self.failures.pop(0) if failed else self.handle(req)

    def count(self, call: str, pattern: str | None = None) -> int:
        """``count("GET /path")``: that exact call; ``count("GET", regex)``: calls whose path matches."""
        if pattern is None:
            return self.calls[call]
        rx = re.compile(pattern)
        return sum(
            n for key, n in self.calls.items() if key.split(" ", 1)[0] == call and rx.fullmatch(key[len(call) + 1 :])
        )

    def total(self) -> int:
        return sum(self.calls.values())
