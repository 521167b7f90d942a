"""The signature as NetEase's samples make it, and the fake refusing what NetEase would refuse."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from fakes.netease import NeteaseFake, key_pair, private_key_hex
from mailplan.providers.mail.netease.signing import load_private_key, sign, string_to_sign

# NetEase's sample ``UpdatePassword`` (values as the sample has them; the time from a doc-style URL comment)
SAMPLE = {
    "account_name": "zhansan", "domain": "abc.com", "passchange_req": "0", "password": "1qw@#er4",
    "product": "abc_com", "time": "1418560371694",
}  # fmt: skip
SAMPLE_STRING = (
    "account_name=zhansan&domain=abc.com&passchange_req=0&password=1qw@#er4&product=abc_com&time=1418560371694"
)


@pytest.fixture
def fake() -> Iterator[NeteaseFake]:
    with NeteaseFake(domain="abc.com", product="abc_com") as server:
        server.add_account("zhansan", "张三")
        yield server


def test_the_string_signed_is_the_samples_sorted_and_raw() -> None:
    shuffled = dict(reversed(list(SAMPLE.items())))
    assert string_to_sign({**shuffled, "sign": "ignored"}) == SAMPLE_STRING
    signature = sign(load_private_key(private_key_hex()), SAMPLE)
    # SHA1withRSA over the UTF-8 bytes, lowercase hex: 256 characters for NetEase's 1024-bit keys
    assert len(signature) == 256 and signature == signature.lower()
    key_pair().public_key().verify(bytes.fromhex(signature), SAMPLE_STRING.encode(), padding.PKCS1v15(), hashes.SHA1())


def _signed(**params: str) -> dict[str, str]:
    params = {"domain": "abc.com", "product": "abc_com", "time": str(int(time.time() * 1000)), **params}
    return {**params, "sign": sign(load_private_key(private_key_hex()), params)}


def _post(fake: NeteaseFake, api: str, form: dict[str, str]) -> dict[str, object]:
    answer = requests.post(f"{fake.url}/qiyeservice/api/{api}", data=form, timeout=5)
    assert answer.status_code == 200
    body: dict[str, object] = answer.json()
    return body


def test_both_transports_of_the_samples_are_accepted(fake: NeteaseFake) -> None:
    # the PHP samples: a form body; the Java samples: the parameters URL-encoded in the query of an empty POST
    assert _post(fake, "account/getAccount", _signed(account_name="zhansan"))["suc"] is True
    form = _signed(account_name="zhansan", nickname="张三丰")
    query = "&".join(f"{k}={quote(v)}" for k, v in form.items())
    answer = requests.post(f"{fake.url}/qiyeservice/api/account/updateAccount?{query}", timeout=5).json()
    assert answer == {"suc": True, "ver": 0} and fake.accounts["zhansan"]["nickname"] == "张三丰"


@pytest.mark.parametrize(
    "spoil",
    [
        lambda f: {**f, "sign": f["sign"][:-2] + ("00" if f["sign"][-2:] != "00" else "11")},  # wrong signature
        lambda f: {**f, "sign": f["sign"].upper()},  # not the lowercase hex NetEase makes
        lambda f: {**f, "nickname": "别人"},  # a parameter changed after signing
        lambda f: {k: v for k, v in f.items() if k != "product"},  # a common parameter missing
        lambda f: {**_signed(account_name="zhansan", time=str(int(time.time() * 1000) - 600_000))},  # stale
    ],
    ids=["wrong-sign", "upper-case-hex", "tampered", "missing-product", "stale-time"],
)
def test_what_netease_refuses_the_fake_refuses(fake: NeteaseFake, spoil: object) -> None:
    form = _signed(account_name="zhansan", nickname="张三")
    answer = _post(fake, "account/updateAccount", spoil(form))  # type: ignore[operator]
    assert answer["suc"] is False and answer["error_code"] in ("AUTH_FAILURE", "PARAM_ERROR")
    assert fake.accounts["zhansan"]["nickname"] == "张三" and fake.requests == []


def test_only_post_is_answered(fake: NeteaseFake) -> None:
    assert requests.get(f"{fake.url}/qiyeservice/api/domain/getDomain", timeout=5).status_code == 405
