"""Waiting as the providers document it: read-after-write lag is normal, a rate limit is waited out within
the provider's budget (each wait shown on stderr), and a limit that outlasts the budget fails the step
with the wait named — while the rest of the departure, access cut first, goes on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from fakes.server import Response

from .departure import FREEZE, IN_SALES, LEAVER, NO_DEPARTMENTS, QIYE, ZOHO_ACCOUNT, Company, company

CLOUD = ["google", "microsoft", "exmail", "alimail", "netease", "zoho"]


def rate_limited(provider: str) -> Response:
    """The provider's answer to a call over its limit."""
    if provider == "google":
        from fakes.google import g_error

        return g_error(429, "Rate Limit Exceeded", "rateLimitExceeded")
    if provider == "microsoft":
        from fakes.microsoft import throttled

        return throttled(1, "30")[0]
    if provider == "exmail":
        return Response(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
    if provider == "netease":
        return Response(200, {"suc": False, "error_code": "REQUEST_FREQUENCY_TOO_HIGH", "ver": 0})
    if provider == "zoho":
        status = {"code": 429, "description": "Too Many Requests"}
        body = {"errorCode": "TOO_MANY_REQUESTS", "moreInfo": "API calls are locked for some time"}
        return Response(429, {"status": status, "data": body}, {"Retry-After": "20"})  # 20 s before the minute clears
    return Response(429, {"detailErrorCode": "TooManyRequests", "message": "Request was denied due to flow control."})


# A part of the freeze after the one that cuts access: rate-limited for good, it fails the freeze.
# (method, path, a text the request's body holds)
REVOCATION = {
    "google": ("POST", rf"/admin/directory/v1/users/{LEAVER}/signOut", ""),
    "microsoft": ("POST", rf"/v1.0/users/{LEAVER}/revokeSignInSessions", ""),
    "exmail": ("POST", "/cgi-bin/useroption/update", ""),
    "alimail": ("PATCH", rf"/v2/users/{LEAVER}", ""),
    "netease": ("POST", f"{QIYE}/account/suspendAccount", ""),
    "zoho": ("PUT", ZOHO_ACCOUNT, "disableUser"),
}
# How long each provider keeps trying one request (its documented limits: providers/http.py)
BUDGET = {"google": 180, "microsoft": 300, "exmail": 130, "alimail": 60, "netease": 130, "zoho": 90}
# The providers whose limit is counted by the minute: a wait that outlasts the budget passed a minute.
PER_MINUTE = ("google", "exmail", "netease", "zoho")


@pytest.mark.parametrize("provider", CLOUD)
def test_a_limit_that_outlasts_the_budget_fails_the_step_after_waiting_it_out(
    provider: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with company(provider, tmp_path, monkeypatch) as co:
        fake: Any = co.fake
        method, path, contains = REVOCATION[provider]
        started = fake.clock.now()
        rule = fake.fail_when(method, path, rate_limited(provider), times=None, contains=contains)

        code, out = co.run("apply", "--auto-approve")

        assert code == 1 and "gave up after" in out, out
        waited = fake.clock.now() - started
        # waited as long as the provider's documented limits call for (a per-minute quota: over a minute)
        assert BUDGET[provider] * 0.5 <= waited <= BUDGET[provider] * 1.5, waited
        if provider in PER_MINUTE:
            assert waited > 60
        shown = re.findall(rf"^… {re.escape(_type(co))}: .* — waiting \d+s before attempt \d+", out, re.M)
        assert len(shown) >= 3, out  # each wait shown as progress, on stderr
        assert co.access_cut(), co.missing()
        assert co.plan_left() == [FREEZE]
        rule.times = 0
        code, out = co.run("apply", "--auto-approve")
        assert code == 0, out
        assert co.plan_left() == [] and co.missing() == []


@pytest.mark.parametrize("provider", CLOUD)
def test_a_short_rate_limit_is_waited_out_and_the_apply_succeeds(
    provider: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with company(provider, tmp_path, monkeypatch) as co:
        fake: Any = co.fake
        method, path, contains = REVOCATION[provider]
        fake.fail_when(method, path, rate_limited(provider), times=3, contains=contains)
        code, out = co.run("apply", "--auto-approve")
        assert code == 0, out
        assert out.count(f"… {_type(co)}: ") >= 3
        assert co.plan_left() == [] and co.missing() == []


@pytest.mark.parametrize("provider", CLOUD)
def test_the_plan_made_right_after_an_apply_sees_what_it_created(
    provider: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New users, and members added to a group moments after their creation, while the directory lags
    behind (30 s: Google's documented 30–60 s retry window; the others document none)."""
    with company(provider, tmp_path, monkeypatch) as co:
        fake: Any = co.fake
        fake.lag_seconds = 30.0
        text = co.config.read_text(encoding="utf-8")
        newcomers = "  - {name: 陈晨, department: sales}\n  - {name: 周杰, department: sales}\n"
        if provider in NO_DEPARTMENTS:
            newcomers = newcomers.replace(IN_SALES, "")
        text = text.replace("groups:\n", newcomers + "groups:\n")
        team = "members: [wangfang, lina, liuyang, chenchen, zhoujie]"
        text = text.replace("members: [zhangsan, wangfang, lina, liuyang]", team)
        co.config.write_text(text, encoding="utf-8")

        code, out = co.run("apply", "--auto-approve")
        assert code == 0, out
        # right after: no phantom creates, no group change left; exit 0 only with the departure done
        assert co.plan_left() == []
        assert co.missing() == []


def _type(co: Company) -> str:
    return {"google": "google-workspace", "microsoft": "microsoft-365", "exmail": "tencent-exmail",
            "alimail": "alibaba-mail", "netease": "netease-qiye", "zoho": "zoho-mail"}[co.provider]  # fmt: skip


# Exmail counts per API, and its departure calls no API more than twice a minute.
SMALL = {"exmail": 1}


@pytest.mark.parametrize("provider", CLOUD)
def test_a_quota_the_run_fills_is_waited_out_and_nothing_is_left(
    provider: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The provider's own limits (the fake's ``quotas``: calls, or units, per window and key) made small
    enough that the departure's apply fills them: the provider refuses as it documents, the run waits for
    the window to clear (on the fake's clock, no real minute) and finishes; the plan after it is empty."""
    with company(provider, tmp_path, monkeypatch) as co:
        fake: Any = co.fake
        if provider == "zoho":
            fake.per_minute = SMALL.get(provider, 2)  # the fake enforces Zoho's call limit only when asked
        for quota in fake.quotas:
            if quota.window <= 300:  # an hour's limit stays as it is: no budget waits an hour
                quota.limit = 101 if "units" in quota.name else SMALL.get(provider, 2)  # Gmail: a 100-unit call fits
            quota.used.clear()
        started = fake.clock.now()

        code, out = co.run("apply", "--auto-approve")

        assert code == 0, out
        assert sum(fake.refused.values()) >= 1, "the quota was never reached"
        assert fake.clock.now() - started >= 1.0  # waited for the window, by the provider's clock
        assert co.plan_left() == [] and co.missing() == []
