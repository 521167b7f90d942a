"""The shared HTTP client against a small loopback server: what it retries, how long it waits, when it stops."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from fakes.server import FakeServer, Request, Response
from mailplan.notes import Waiting
from mailplan.providers import redact
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


def test_a_retry_after_longer_than_the_budget_gives_up_at_once(server: Echo, sleeps: list[float]) -> None:
    server.fail_next(1, status=429, retry_after="86400")  # "come back tomorrow": an hourly or daily quota

    with pytest.raises(ApiError, match=r"the next wait of 86400s would pass the 120s this provider allows"):
        client(server, sleeps, max_delay=30.0).get_json("/x")
    assert sleeps == []  # no early retry the server said would fail


def test_a_retry_after_longer_than_the_backoff_cap_is_honoured_as_it_is(server: Echo, sleeps: list[float]) -> None:
    server.fail_next(1, status=429, retry_after="61")  # a per-minute quota

    assert client(server, sleeps, max_delay=30.0).get_json("/x")["ok"] is True
    assert sleeps == [61.0]


def test_each_wait_is_shown_as_progress(server: Echo, sleeps: list[float]) -> None:
    server.fail_next(2, status=429, retry_after="3")

    with pytest.warns(Waiting) as shown:
        client(server, sleeps).get_json("/x")
    lines = [str(w.message) for w in shown]
    assert len(lines) == 2 and "HTTP 429" in lines[0] and "waiting 3s before attempt 2" in lines[0]
    assert "(6s of at most 120s)" in lines[1]


def test_the_run_budget_stops_retries_across_requests(server: Echo, sleeps: list[float]) -> None:
    http = client(server, sleeps, run_budget=10.0)
    server.fail_next(1, status=503, retry_after="8")
    assert http.get_json("/a")["ok"] is True
    server.fail_next(1, status=503, retry_after="8")  # 16s in all would pass the run's 10s

    with pytest.raises(ApiError, match=r"this run has waited 8s for this provider already"):
        http.get_json("/b")
    assert sleeps == [8.0]


def test_it_gives_up_after_the_bounded_attempts_with_a_clear_error(server: Echo, sleeps: list[float]) -> None:
    server.fail_next(10, status=503, retry_after=None, body={"error": "backend down"})

    with pytest.raises(ApiError) as caught:
        client(server, sleeps, attempts=4).get_json("/v2/users")

    assert server.count("GET /v2/users") == 4
    assert sleeps == [0.5, 1.0, 2.0]
    message = str(caught.value)
    assert message.startswith("gave up after 4 attempts (3.5s waited; no attempts left)")
    assert "HTTP 503" in message and "backend down" in message and "/v2/users" in message


def test_it_gives_up_when_the_waits_would_exceed_the_total(server: Echo, sleeps: list[float]) -> None:
    server.fail_next(10, status=429, retry_after="30")

    with pytest.raises(ApiError, match=r"gave up after 5 attempts \(120\.0s waited; the next wait of 30s"):
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


class Echoing(FakeServer):
    """A hostile or careless server: its error quotes the whole request back (query, headers, body)."""

    def handle(self, req: Request) -> Response:
        echo = {"error": {"query": req.raw_path, "params": req.params, "headers": req.headers,
                          "body": req.body.decode()}}  # fmt: skip
        return Response(400, echo)


def test_secrets_are_redacted_from_every_error_built_from_a_request(sleeps: list[float]) -> None:
    secret = "canary-Zq9x/+&=secret"
    redact.register(secret)
    with Echoing() as server:
        http = HttpClient(base_url=server.url, sleep=sleeps.append, headers={"Authorization": "Bearer tok-123456789"})
        with pytest.raises(ApiError) as caught:
            http.request("POST", "/cgi-bin/gettoken", params={"corpid": "c1", "corpsecret": secret},
                         json={"userid": "a@example.com", "password": "Initial-pass-42"})  # fmt: skip
    text = str(caught.value) + repr(caught.value.body)
    for leaked in (secret, quote(secret, safe=""), quote_plus(secret), "tok-123456789", "Initial-pass-42"):
        assert leaked not in text
    assert "***" in text and "corpid" in text  # the rest of the error stays readable


def test_a_connection_error_quoting_the_url_is_redacted(sleeps: list[float]) -> None:
    secret = "canary-conn-refused-7731"
    redact.register(secret)
    with Echo() as server:
        url = server.url
    http = HttpClient(base_url=url, sleep=sleeps.append, policy=RetryPolicy(attempts=2))  # nobody listens now
    with pytest.raises(ApiError) as caught:
        http.request("GET", "/cgi-bin/gettoken", params={"corpid": "c1", "corpsecret": secret})
    assert "ConnectionError" in str(caught.value)
    assert secret not in str(caught.value) and "corpsecret=***" in str(caught.value)


def test_a_request_that_cannot_be_sent_is_an_api_error_without_the_secret(sleeps: list[float]) -> None:
    secret = "canary-invalid-url-5521"
    redact.register(secret)
    http = HttpClient(base_url=f"http://exa mple.invalid:99999/{secret}", sleep=sleeps.append)
    with pytest.raises(ApiError) as caught:
        http.request("GET", "/x")
    assert secret not in str(caught.value) and sleeps == []
