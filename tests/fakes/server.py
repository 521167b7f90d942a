"""The threaded loopback HTTP server every cloud fake is built on.

A fake subclasses ``FakeServer`` and answers in ``handle``; the server counts each call,
answers queued ``failures`` first (a 429, a throttling body) and encodes the answer. A
``Response`` with a ``delay`` is sent that many seconds late (a server slower than the
client's timeout), without holding up the other requests.

What every cloud fake shares besides:
- a ``clock`` (real time plus what the test moved it on: ``clock.advance``), by which
  read-after-write lag and rate-limit windows pass; a test hands ``clock.advance`` to the
  client as its way to wait, so a minute-long quota takes no minute;
- ``quotas``: the provider's documented limits (calls per window, per key), answered the
  way the provider answers them once a window is full, for as long as it stays full;
- ``fail_when``: a failure injected on the calls matching a method and path, once,
  a number of times, or for good (a step that keeps failing).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
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


class FakeClock:
    """Real monotonic time plus what a test moved it on. ``advance`` is a client's ``sleep``."""

    def __init__(self) -> None:
        self.skew = 0.0

    def now(self) -> float:
        return time.monotonic() + self.skew

    def advance(self, seconds: float) -> None:
        self.skew += seconds


@dataclass
class Quota:
    """At most ``limit`` units per ``window`` seconds for each key (a user, an API, the tenant)."""

    name: str
    limit: int
    window: float
    key: Callable[[Request], str | None]  # None: the request does not count against this quota
    refuse: Callable[[float], Response]  # the provider's answer, given the seconds until there is room
    cost: Callable[[Request], int] = lambda req: 1
    used: dict[str, deque[tuple[float, int]]] = field(default_factory=lambda: defaultdict(deque))

    def take(self, req: Request, now: float) -> Response | None:
        """Count the request, or the provider's refusal when the window is full."""
        key = self.key(req)
        if key is None:
            return None
        spent = self.used[key]
        while spent and spent[0][0] <= now - self.window:
            spent.popleft()
        cost = self.cost(req)
        if sum(c for _, c in spent) + cost > self.limit:
            return self.refuse(max(1.0, spent[0][0] + self.window - now))
        spent.append((now, cost))
        return None


@dataclass
class Rule:
    """A failure injected on matching calls: ``times`` of them (None: every one, for good)."""

    method: str
    path: re.Pattern[str]
    response: Response
    times: int | None = 1
    contains: str = ""  # only calls whose body holds this text (one PATCH of several to the same path)
    hits: int = 0

    def matches(self, req: Request) -> bool:
        if req.method != self.method or not self.path.fullmatch(req.path) or self.times == 0:
            return False
        return self.contains in req.body.decode(errors="replace")


class FakeServer:
    """Threaded stdlib HTTP server on 127.0.0.1 (a free port) answering through ``handle``.

    Start with ``start()`` or ``with``; stop with ``stop()``.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.calls: Counter[str] = Counter()  # "GET /path" (ids kept) -> count
        self.log: list[str] = []  # "GET /path" in the order received
        self.refused: Counter[str] = Counter()  # "GET /path" -> calls answered by an injected failure or a quota
        self.failures: list[Response] = []  # answered, in order, instead of the next requests
        self.rules: list[Rule] = []  # failures on matching calls (``fail_when``)
        self.quotas: list[Quota] = []  # the provider's documented limits
        self.clock = FakeClock()
        self.lag_seconds = 0.0  # read-after-write lag: a new object is missing from gets and lists this long
        self._appears: dict[str, float] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def waits(self, record: list[float]) -> Callable[[float], None]:
        """A client's ``sleep``: each wait is recorded and moves this fake's clock on, instead of sleeping."""

        def wait(seconds: float) -> None:
            record.append(seconds)
            self.clock.advance(seconds)

        return wait

    def created(self, *keys: str) -> None:
        """A write made these keys (address, id): with ``lag_seconds`` they appear only that much later."""
        if self.lag_seconds:
            for key in keys:
                self._appears[key.lower()] = self.clock.now() + self.lag_seconds

    def seen(self, key: str) -> bool:
        """Whether reads see ``key`` yet (lists and gets alike)."""
        return self._appears.get(key.lower(), 0.0) <= self.clock.now()

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
        if failed:
            self.refused[f"{req.method} {req.path}"] += 1

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail_next(self, count: int, status: int = 429, retry_after: str | None = "1", body: Any = None) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        with self.lock:
            self.failures.extend(Response(status, body, headers) for _ in range(count))

    def fail_when(
        self, method: str, path: str, response: Response, times: int | None = 1, contains: str = ""
    ) -> Rule:
        """Answer ``response`` to the calls ``method path`` (a regex on the decoded path; with ``contains``,
        only those whose body holds it): ``times`` of them, or every one from now on (None). Returns the
        rule (``hits`` counts what it answered; ``times = 0`` ends it)."""
        rule = Rule(method, re.compile(path), response, times, contains)
        with self.lock:
            self.rules.append(rule)
        return rule

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
            injected = self._injected(req)
            self.tally(req, injected is not None)
            return injected if injected is not None else self.handle(req)

    def _injected(self, req: Request) -> Response | None:
        """An injected rule's answer (on any path), a queued failure or a quota's refusal (not on an exempt
        path, such as a token endpoint); None to handle the request."""
        for rule in self.rules:
            if rule.matches(req):
                rule.hits += 1
                if rule.times is not None:
                    rule.times -= 1
                return rule.response
        if self.exempt(req):
            return None
        if self.failures:
            return self.failures.pop(0)
        now = self.clock.now()
        for quota in self.quotas:
            refused = quota.take(req, now)
            if refused is not None:
                return refused
        return None

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
