"""The shared HTTP client against a small loopback server: what it retries, how long it waits, when it stops."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from typing import Any

import pytest

from fakes.server import FakeServer, Request, Response
from mailplan.providers.http import ApiError, HttpClient, RetryPolicy


class Echo(FakeServer):
    """Answers 200 ``{"ok": true}`` unless a failure is queued."""

    def handle(self, req: Request) -> Response:
        return Response(200, {"ok": True, "path": req.path})


@pytest.fixture
def server() -> Iterator[Echo]:
    with Echo() as fake:
        yield fake


@pytest.fixture
def sleeps() -> list[float]:
    return []


def client(server: Echo, sleeps: list[float], **policy: Any) -> HttpClient:
    # waits are recorded, not slept; the request timeout is real
    return HttpClient(base_url=server.url, policy=RetryPolicy(**policy), sleep=sleeps.append)


def test_a_timeout_is_retried_and_the_second_answer_used(server: Echo, sleeps: list[float]) -> None:
    server.failures.append(Response(200, {"ok": "too late"}, delay=1.5))

    answer = client(server, sleeps, timeout=0.3).get_json("/v2/users")

    assert answer == {"ok": True, "path": "/v2/users"}
    assert server.count("GET /v2/users") == 2
    assert sleeps == [0.5]  # one backoff step


def test_a_5xx_is_retried_with_backoff(server: Echo, sleeps: list[float]) -> None:
    server.fail_next(2, status=503, retry_after=None, body={"error": "unavailable"})

    assert client(server, sleeps).get_json("/x")["ok"] is True
    assert server.count("GET /x") == 3
    assert sleeps == [0.5, 1.0]  # doubled each time


def test_retry_after_in_seconds_is_honoured(server: Echo, sleeps: list[float]) -> None:
    server.fail_next(1, status=429, retry_after="7")

    assert client(server, sleeps).get_json("/x")["ok"] is True
    assert sleeps == [7.0]


def test_retry_after_as_an_http_date_is_honoured(server: Echo, sleeps: list[float]) -> None:
    when = email.utils.formatdate(time.time() + 20, usegmt=True)  # "Thu, 03 Dec 2026 09:30:00 GMT"
    server.fail_next(1, status=503, retry_after=when)

    assert client(server, sleeps).get_json("/x")["ok"] is True
    assert len(sleeps) == 1 and 15.0 < sleeps[0] <= 20.0  # seconds until that date (whole seconds in the header)


def test_a_retry_after_in_the_past_retries_at_once(server: Echo, sleeps: list[float]) -> None:
    server.fail_next(1, status=429, retry_after=email.utils.formatdate(time.time() - 3600, usegmt=True))

    assert client(server, sleeps).get_json("/x")["ok"] is True
    assert sleeps == [0.0]


def test_a_long_retry_after_is_capped(server: Echo, sleeps: list[float]) -> None:
    server.fail_next(1, status=429, retry_after="86400")  # "come back tomorrow"

    assert client(server, sleeps, max_delay=30.0).get_json("/x")["ok"] is True
    assert sleeps == [30.0]


def test_it_gives_up_after_the_bounded_attempts_with_a_clear_error(server: Echo, sleeps: list[float]) -> None:
    server.fail_next(10, status=503, retry_after=None, body={"error": "backend down"})

    with pytest.raises(ApiError) as caught:
        client(server, sleeps, attempts=4).get_json("/v2/users")

    assert server.count("GET /v2/users") == 4
    assert sleeps == [0.5, 1.0, 2.0]
    message = str(caught.value)
    assert message.startswith("gave up after 4 attempts (3.5s waited)")
    assert "HTTP 503" in message and "backend down" in message and "/v2/users" in message


def test_it_gives_up_when_the_waits_would_exceed_the_total(server: Echo, sleeps: list[float]) -> None:
    server.fail_next(10, status=429, retry_after="30")

    with pytest.raises(ApiError, match=r"gave up after 5 attempts \(120\.0s waited\)"):
        client(server, sleeps, attempts=10, max_total=120.0).get_json("/x")

    assert sleeps == [30.0, 30.0, 30.0, 30.0]  # a fifth wait would pass the two minutes


def test_a_server_that_never_answers_in_time_is_named_in_the_error(server: Echo, sleeps: list[float]) -> None:
    server.failures.extend(Response(200, {}, delay=1.0) for _ in range(2))

    with pytest.raises(ApiError, match=r"gave up after 2 attempts .*ReadTimeout"):
        client(server, sleeps, attempts=2, timeout=0.2).get_json("/slow")


def test_a_client_error_is_not_retried(server: Echo, sleeps: list[float]) -> None:
    server.fail_next(1, status=404, retry_after=None, body={"error": "no such user"})

    with pytest.raises(ApiError) as caught:
        client(server, sleeps).get_json("/v2/users/nobody")

    assert caught.value.status == 404 and "no such user" in str(caught.value)
    assert server.count("GET /v2/users/nobody") == 1 and sleeps == []
