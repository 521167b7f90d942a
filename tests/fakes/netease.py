"""A fake of NetEase Qiye Mail's (网易企业邮箱) signed admin API, ``/qiyeservice/api/<module>/<method>``, on loopback.

No NetEase documentation page is public; the fake follows NetEase's own sample code (the Java classes
headed "priKey为私钥，domain为域名，product即cid由网易提供" and the PHP samples 创建帐号 / 更新部门) and two public
clients that call the live service (timelesszhuang/qiyeemailwechatsend ``mailuser.php`` / ``maildep.php``,
OneAuth2/CipherIDaaS ``WangyiEmailServiceImpl``), as collected in the project's NetEase fact sheet:

- Every call is POST (the clients: "必须使用post方法"); the parameters come as a form body or in the query
  string of an empty POST (both transports appear in NetEase's samples), and the fake reads both.
- Every call carries ``domain``, ``product`` (the enterprise id NetEase hands out), ``time`` (epoch
  milliseconds) and ``sign``: the lowercase hex of a SHA1withRSA signature, made with the private key,
  over every other parameter sorted by name as ``k=v&k=v`` with the values raw (not URL-encoded). The
  fake verifies it with the public key NetEase would hold: a wrong signature, a ``time`` outside the
  allowed window, or a missing common parameter is refused.
- Answers are HTTP 200 with ``{"suc": true, "con": ..., "ver": 0}``, or ``{"suc": false, "error_code":
  "...", "ver": 0}`` on failure.
- Departments: ``unit/getUnitList`` (every unit in one answer: ``unit_id``, ``unit_name``, ``parent_id``
  only below the top, ``unit_desc`` only when set), ``unit/createUnit`` (``unit_name``, ``parent_id``,
  ``unit_desc``; answers the unit), ``unit/updateUnit`` (``unit_id``, ``unit_name``, ``unit_desc``; it cannot
  move a unit), ``unit/deleteUnit`` (``unit_id``).
- Accounts: ``unit/getAccountList`` (``page_num`` from 1, 2000 to a page, ``recuion=true`` for sub-units;
  answers ``{count, list}``), ``account/createAccount`` (``account_name`` = the local part, ``nickname``,
  ``password``, ``pass_type`` 0 plain / 1 MD5 hex, ``passchange_req`` 0/1/2, ``unit_id`` or ``default``, and
  the optional fields of the sample), ``account/getAccount``, ``account/updateAccount``,
  ``account/updatePassword``, ``account/suspendAccount`` (status 1), ``account/recoverAccount`` (status 0),
  ``account/deleteAccountSim`` (status 2: deleted, recoverable by NetEase for 7 days).
- Aliases: ``account/getAccountAliasList``, ``account/addAccountAlias`` / ``deleteAccountAlias``
  (``alias_name`` = the local part).
- Archive: ``archive/addArchiveMailAccount`` (``account_name``) names the archive's account.
- Domain: ``domain/getDomain``.

Assumed where no source shows it (the provider is written not to depend on the exact strings):

- The ``error_code`` strings. No public client logs one. The fake uses the open platform's names for the
  same conditions: ``ACCOUNT.NOTEXIST`` and ``MAILACCOUNT.NAMEEXIST`` (seen in its messages), ``AUTH_FAILURE``
  (a bad signature or time), ``PARAM_ERROR``, ``IP_DENY``, ``REQUEST_FREQUENCY_TOO_HIGH`` (its -422), and
  ``UNIT.NOTEXIST`` / ``UNIT.NOTEMPTY`` / ``ALIAS.NOTEXIST`` / ``PASSWORD.ERROR`` shaped alike.
- The time window: five minutes (a single low-credibility article); ``time_window`` changes it.
- That ``unit/getAccountList`` without ``unit_id`` lists the whole domain (NetEase's open-platform sample
  lists that way) and that its items carry ``status``, ``unit_id`` and ``remark`` as ``getAccount`` does
  (the clients read only ``account_name``, ``account_openid``, ``nickname``, ``mobile``, ``job_no``,
  ``create_time``); ``list_fields`` narrows the items to those to test the provider without them.
- That accounts keep and answer ``remark`` (备注, in the doc-style field list a client copied for
  ``createAccount``; ``keeps_remark`` turns that off), that ``updateAccount`` takes ``unit_id`` and
  ``remark`` as ``createAccount`` does, and the answer of
  ``getAccountAliasList`` (``{"alias": [addresses]}``, as the open platform answers).
- The password rule: 8 to 16 characters of at least three kinds (NetEase's help pages on 密码规则管理
  give that as the strict setting).
- The call limit: none is published (the open platform says only that each API has one). The fake
  enforces 500 calls a minute per API, the shape and figure Tencent Exmail documents, by the shared
  fake server's clock (``quotas``); the signature's time window is checked against the wall clock
  (``now``), which the client signs with.

Fault injection: ``fail_when`` (a call answered with a given response, once or for good),
``rate_limit_next`` (``REQUEST_FREQUENCY_TOO_HIGH`` in an HTTP 200 answer), ``fail_next`` (HTTP 429/5xx),
``slow_next`` (the call is carried out but answered late, past a client's timeout), ``lag_seconds``
(accounts and units created from now on stay invisible to every lookup for that long, by the clock),
``lag`` (... to their next N lookups), ``refusing`` (an API answers a given error_code).
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fakes.server import FakeServer, Quota, Request, Response

PREFIX = "/qiyeservice/api/"
PAGE = 2000  # accounts per getAccountList page
COMMON = ("domain", "product", "time", "sign")
LOCAL_PART = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
LISTED_FIELDS = ("account_name", "account_openid", "nickname", "mobile", "job_no", "create_time")
ACCOUNT_FIELDS = ("nickname", "mobile", "job_no", "exp_time", "addr_right", "addr_visible", "fwd", "fwdauth",
                  "gender", "tel", "fax", "remark", "quota", "resetpass_general", "resetpass_mobile")  # fmt: skip
NORMAL, SUSPENDED, DELETED = 0, 1, 2


@functools.cache
def key_pair() -> rsa.RSAPrivateKey:
    """One 1024-bit key for the session: the size NetEase's createKeyPair makes."""
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


def private_key_hex() -> str:
    """The private key as NetEase's tool prints it: hex of the PKCS#8 DER."""
    der = key_pair().private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return der.hex()


def private_key_pem() -> str:
    return (
        key_pair()
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
        .decode()
    )


class NeteaseApiError(Exception):
    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


def _strong(password: str) -> bool:
    kinds = sum(any(test(c) for c in password) for test in (str.islower, str.isupper, str.isdigit))
    kinds += any(not c.isalnum() for c in password)
    return 8 <= len(password) <= 16 and kinds >= 3


class NeteaseFake(FakeServer):
    """One NetEase enterprise (``product``) and its domain."""

    def __init__(self, domain: str = "example.com", product: str = "example_com") -> None:
        super().__init__()
        self.domain = domain
        self.product = product
        self.public_key = key_pair().public_key()
        self.time_window = 300.0  # seconds a signed request stays acceptable
        self.now: Callable[[], float] = time.time
        self.violations: list[str] = []  # requests that broke the contract in a way a test should see
        self.domain_id = 2952527
        self._ids = itertools.count(590584007076108)
        self.units: dict[str, dict[str, Any]] = {}
        self.accounts: dict[str, dict[str, Any]] = {}  # account_name -> account
        self.passwords: dict[str, str] = {}
        self.archive_account: str | None = None
        self.list_fields: tuple[str, ...] | None = None  # None: list items carry every field
        self.page_size = PAGE
        self.keeps_remark = True  # False: the service as it would be if it ignored ``remark``
        self.requests: list[dict[str, str]] = []  # the verified parameters of every call, in order
        self._lag = 0
        self._hidden: dict[str, int] = {}
        self._slow: list[float] = []
        self.refusing: dict[str, str] = {}  # api -> error_code it answers (until removed)
        # The call limit: NetEase publishes none. Assumed per API and enterprise, 500 calls a minute, the
        # shape and figure Tencent Exmail documents (基础频率); answered as the open platform answers it.
        over = Response(200, self.rate_limit_body())
        self.quotas.append(Quota("calls a minute per API (assumed)", 500, 60.0, _api_name, lambda wait: over))

    # ---- test controls

    def add_account(self, name: str, nickname: str, unit: str | None = None, **extra: Any) -> dict[str, Any]:
        account = {
            "account_name": name, "account_openid": f"{next(self._ids):x}", "nickname": nickname,
            "mobile": "", "job_no": "", "remark": "", "status": NORMAL, "unit_id": unit or self.default_unit,
            "create_time": "2024-05-27", "passchange_req": 0, "addr_right": 1, "addr_visible": 1, "fwd": 1,
            "fwdauth": 0, "aliases": [], **extra,
        }  # fmt: skip
        self.accounts[name] = account
        return account

    def add_unit(self, name: str, parent: str | None = None, desc: str = "") -> str:
        unit_id = str(next(self._ids))
        self.units[unit_id] = {"unit_id": unit_id, "unit_name": name, "parent_id": parent, "unit_desc": desc}
        return unit_id

    @property
    def default_unit(self) -> str:
        return f"{self.domain_id}_default"

    def lag(self, lookups: int) -> None:
        """Accounts and units created from now on stay invisible to their next ``lookups`` lookups."""
        with self.lock:
            self._lag = lookups

    def rate_limit_next(self, times: int, retry_after: str = "") -> None:
        """The next ``times`` calls are over the frequency limit: HTTP 200, ``suc: false``, no Retry-After."""
        assert not retry_after, "no source shows NetEase sending Retry-After"
        with self.lock:
            self.failures.extend(Response(200, self.rate_limit_body()) for _ in range(times))

    def rate_limit_body(self) -> Any:
        return {"suc": False, "error_code": "REQUEST_FREQUENCY_TOO_HIGH", "ver": 0}

    def slow_next(self, times: int, seconds: float) -> None:
        """The next ``times`` calls are carried out, but answered ``seconds`` late."""
        with self.lock:
            self._slow.extend([seconds] * times)

    # ---- plumbing

    def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return Response(405, "POST only", {"Content-Type": "text/plain"})
        if not request.path.startswith(PREFIX):
            return Response(404, "not found", {"Content-Type": "text/plain"})
        name = request.path.removeprefix(PREFIX)
        delay = self._slow.pop(0) if self._slow else 0.0
        try:
            params = self._verified(request)
            handler = HANDLERS.get(name)
            if name in self.refusing:
                raise NeteaseApiError(self.refusing[name])
            if handler is None:
                raise NeteaseApiError("PARAM_ERROR", f"no such api {name}")
            con = handler(self, params)
        except NeteaseApiError as exc:
            return Response(200, {"suc": False, "error_code": exc.code, "ver": 0}, delay=delay)
        except (ValueError, KeyError) as exc:
            return Response(200, {"suc": False, "error_code": "PARAM_ERROR", "msg": str(exc), "ver": 0}, delay=delay)
        body: dict[str, Any] = {"suc": True, "ver": 0}
        if con is not None:
            body["con"] = con
        return Response(200, body, delay=delay)

    def _verified(self, request: Request) -> dict[str, str]:
        params = dict(request.params)
        if request.body:
            if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                raise NeteaseApiError("PARAM_ERROR", "the body is not a form")
            params.update(parse_qsl(request.body.decode(), keep_blank_values=True))
        if "password" in request.query:
            self.violations.append(f"{request.path}: the password travelled in the URL")
        missing = [k for k in COMMON if not params.get(k)]
        if missing:
            raise NeteaseApiError("PARAM_ERROR", f"missing {', '.join(missing)}")
        if params["domain"] != self.domain or params["product"] != self.product:
            raise NeteaseApiError("AUTH_FAILURE", "domain and product do not belong together")
        if not params["time"].isdigit() or abs(self.now() * 1000 - int(params["time"])) > self.time_window * 1000:
            raise NeteaseApiError("AUTH_FAILURE", "time expired")
        signed = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign")
        try:
            signature = bytes.fromhex(params["sign"])
            if params["sign"] != params["sign"].lower():
                raise ValueError("upper-case hex")
            self.public_key.verify(signature, signed.encode("utf-8"), padding.PKCS1v15(), hashes.SHA1())
        except (ValueError, InvalidSignature):
            raise NeteaseApiError("AUTH_FAILURE", "sign error") from None
        self.requests.append(params)
        return params

    def _created(self, key: str) -> None:
        self.created(key)
        if self._lag:
            self._hidden[key] = self._lag

    def _visible(self, key: str) -> bool:
        left = self._hidden.get(key, 0)
        if left > 0:
            self._hidden[key] = left - 1
            return False
        return self.seen(key)

    # ---- helpers

    def _account(self, params: dict[str, str], include_deleted: bool = False) -> dict[str, Any]:
        name = params["account_name"]
        account = self.accounts.get(name)
        if account is None or not self._visible(f"account:{name}"):
            raise NeteaseApiError("ACCOUNT.NOTEXIST")
        if account["status"] == DELETED and not include_deleted:
            raise NeteaseApiError("ACCOUNT.NOTEXIST")
        return account

    def _taken(self, local: str) -> bool:
        return local in self.accounts or any(local in a["aliases"] for a in self.accounts.values())

    def _unit_id(self, value: str) -> str:
        if value in ("", "default", self.default_unit):
            return self.default_unit
        if value not in self.units or not self._visible(f"unit:{value}"):
            raise NeteaseApiError("UNIT.NOTEXIST")
        return value

    def _set_fields(self, account: dict[str, Any], params: dict[str, str]) -> None:
        for key in ACCOUNT_FIELDS:
            if key in params and (key != "remark" or self.keeps_remark):
                account[key] = params[key]
        if "unit_id" in params:
            account["unit_id"] = self._unit_id(params["unit_id"])
        if "passchange_req" in params:
            if params["passchange_req"] not in ("0", "1", "2"):
                raise NeteaseApiError("PARAM_ERROR", "passchange_req is 0, 1 or 2")
            account["passchange_req"] = int(params["passchange_req"])

    def _password(self, params: dict[str, str]) -> str:
        password = params.get("password", "")
        if params.get("pass_type", "0") not in ("0", "1"):
            raise NeteaseApiError("PARAM_ERROR", "pass_type is 0 or 1")
        if params.get("pass_type", "0") == "0" and not _strong(password):
            raise NeteaseApiError("PASSWORD.ERROR", "8-16 characters of three kinds")
        return password

    def _view(self, account: dict[str, Any]) -> dict[str, Any]:
        hidden = ("aliases",) if self.keeps_remark else ("aliases", "remark")
        view = {k: v for k, v in account.items() if k not in hidden}
        return json.loads(json.dumps(view))

    def _unit_view(self, unit: dict[str, Any]) -> dict[str, Any]:
        view = {"unit_id": unit["unit_id"], "unit_name": unit["unit_name"]}
        if unit["parent_id"]:
            view["parent_id"] = unit["parent_id"]
        if unit["unit_desc"]:
            view["unit_desc"] = unit["unit_desc"]
        return view

    def _subtree(self, top: str) -> set[str]:
        found, queue = {top}, [top]
        while queue:
            current = queue.pop()
            for unit in self.units.values():
                if unit["parent_id"] == current and unit["unit_id"] not in found:
                    found.add(unit["unit_id"])
                    queue.append(unit["unit_id"])
        return found

    # ---- domain and units

    def _get_domain(self, params: dict[str, str]) -> Any:
        return {"domain": self.domain, "domain_id": self.domain_id, "product": self.product}

    def _get_unit_list(self, params: dict[str, str]) -> Any:
        return [self._unit_view(u) for u in self.units.values() if self._visible(f"unit:{u['unit_id']}")]

    def _create_unit(self, params: dict[str, str]) -> Any:
        name = params["unit_name"]
        if not 1 <= len(name) <= 64:
            raise NeteaseApiError("PARAM_ERROR", "unit_name: 1-64 characters")
        parent = params.get("parent_id") or None
        if parent is not None:
            self._unit_id(parent)
        if any(u["unit_name"] == name and u["parent_id"] == parent for u in self.units.values()):
            raise NeteaseApiError("UNIT.NAMEEXIST")
        unit_id = self.add_unit(name, parent, params.get("unit_desc", ""))
        self._created(f"unit:{unit_id}")
        return self._unit_view(self.units[unit_id])

    def _update_unit(self, params: dict[str, str]) -> Any:
        if "parent_id" in params:
            raise NeteaseApiError("PARAM_ERROR", "updateUnit does not move a unit")
        unit = self.units.get(params["unit_id"])
        if unit is None or not self._visible(f"unit:{params['unit_id']}"):
            raise NeteaseApiError("UNIT.NOTEXIST")
        unit["unit_name"] = params["unit_name"]
        if "unit_desc" in params:
            unit["unit_desc"] = params["unit_desc"]
        return None

    def _delete_unit(self, params: dict[str, str]) -> Any:
        unit_id = params["unit_id"]
        if unit_id not in self.units:
            raise NeteaseApiError("UNIT.NOTEXIST")
        busy = any(u["parent_id"] == unit_id for u in self.units.values()) or any(
            a["unit_id"] == unit_id and a["status"] != DELETED for a in self.accounts.values()
        )
        if busy:
            raise NeteaseApiError("UNIT.NOTEMPTY")
        del self.units[unit_id]
        return None

    def _get_account_list(self, params: dict[str, str]) -> Any:
        page = int(params.get("page_num", "1"))
        if page < 1:
            raise NeteaseApiError("PARAM_ERROR", "page_num starts at 1")
        recursive = params.get("recuion") == "true"
        if "unit_id" in params:
            top = self._unit_id(params["unit_id"])
            units = self._subtree(top) if recursive else {top}
            chosen = [a for a in self.accounts.values() if a["unit_id"] in units]
        else:
            chosen = list(self.accounts.values())
        chosen = [a for a in chosen if self._visible(f"account:{a['account_name']}")]
        size = self.page_size
        items = [self._view(a) for a in chosen[(page - 1) * size : page * size]]
        if self.list_fields is not None:
            items = [{k: v for k, v in item.items() if k in self.list_fields} for item in items]
        return {"count": len(chosen), "list": items}

    # ---- accounts

    def _create_account(self, params: dict[str, str]) -> Any:
        name = params["account_name"]
        if not LOCAL_PART.match(name):
            raise NeteaseApiError("PARAM_ERROR", f"account_name {name!r}")
        if not params.get("nickname"):
            raise NeteaseApiError("PARAM_ERROR", "nickname is required")
        if self._taken(name):
            raise NeteaseApiError("MAILACCOUNT.NAMEEXIST")
        password = self._password(params)
        unit = self._unit_id(params.get("unit_id", "default"))
        account = self.add_account(name, params["nickname"], unit)
        try:
            self._set_fields(account, params)
        except NeteaseApiError:
            del self.accounts[name]
            raise
        self.passwords[name] = password
        answer = self._view(account)
        self._created(f"account:{name}")
        return answer

    def _get_account(self, params: dict[str, str]) -> Any:
        return self._view(self._account(params, include_deleted=True))

    def _update_account(self, params: dict[str, str]) -> Any:
        if "password" in params or "status" in params:
            raise NeteaseApiError("PARAM_ERROR", "updateAccount changes neither password nor status")
        account = self._account(params)
        changed = dict(account)
        self._set_fields(changed, params)
        account.update(changed)
        return None

    def _update_password(self, params: dict[str, str]) -> Any:
        account = self._account(params)
        self.passwords[account["account_name"]] = self._password(params)
        if "passchange_req" in params:
            self._set_fields(account, {"passchange_req": params["passchange_req"]})
        return None

    def _suspend_account(self, params: dict[str, str]) -> Any:
        self._account(params)["status"] = SUSPENDED
        return None

    def _recover_account(self, params: dict[str, str]) -> Any:
        self._account(params, include_deleted=True)["status"] = NORMAL
        return None

    def _delete_account_sim(self, params: dict[str, str]) -> Any:
        account = self._account(params)
        account["status"] = DELETED
        if self.archive_account == account["account_name"]:
            self.archive_account = None
        return None

    # ---- aliases

    def _get_alias_list(self, params: dict[str, str]) -> Any:
        account = self._account(params)
        return {"alias": [f"{a}@{self.domain}" for a in account["aliases"]]}

    def _add_alias(self, params: dict[str, str]) -> Any:
        account = self._account(params)
        alias = params["alias_name"]
        if not LOCAL_PART.match(alias):
            raise NeteaseApiError("PARAM_ERROR", f"alias_name {alias!r}")
        if self._taken(alias):
            raise NeteaseApiError("MAILACCOUNT.NAMEEXIST")
        account["aliases"].append(alias)
        return None

    def _delete_alias(self, params: dict[str, str]) -> Any:
        account = self._account(params)
        if params["alias_name"] not in account["aliases"]:
            raise NeteaseApiError("ALIAS.NOTEXIST")
        account["aliases"].remove(params["alias_name"])
        return None

    # ---- archive

    def _add_archive_account(self, params: dict[str, str]) -> Any:
        self.archive_account = self._account(params)["account_name"]
        return None

    def alias_owner(self, local: str) -> str | None:
        return next((a["account_name"] for a in self.accounts.values() if local in a["aliases"]), None)


def _api_name(req: Request) -> str | None:
    return req.path.removeprefix(PREFIX) if req.path.startswith(PREFIX) else None


HANDLERS: dict[str, Callable[[NeteaseFake, dict[str, str]], Any]] = {
    "domain/getDomain": NeteaseFake._get_domain,
    "unit/getUnitList": NeteaseFake._get_unit_list,
    "unit/createUnit": NeteaseFake._create_unit,
    "unit/updateUnit": NeteaseFake._update_unit,
    "unit/deleteUnit": NeteaseFake._delete_unit,
    "unit/getAccountList": NeteaseFake._get_account_list,
    "account/createAccount": NeteaseFake._create_account,
    "account/getAccount": NeteaseFake._get_account,
    "account/updateAccount": NeteaseFake._update_account,
    "account/updatePassword": NeteaseFake._update_password,
    "account/suspendAccount": NeteaseFake._suspend_account,
    "account/recoverAccount": NeteaseFake._recover_account,
    "account/deleteAccountSim": NeteaseFake._delete_account_sim,
    "account/getAccountAliasList": NeteaseFake._get_alias_list,
    "account/addAccountAlias": NeteaseFake._add_alias,
    "account/deleteAccountAlias": NeteaseFake._delete_alias,
    "archive/addArchiveMailAccount": NeteaseFake._add_archive_account,
}


@dataclass
class Harness:
    provider_type: str
    settings: dict[str, Any]
    fake: NeteaseFake


@contextmanager
def harness(domains: tuple[str, ...] = ("example.com",)) -> Iterator[Harness]:
    """A NetEase enterprise holding the first of ``domains``, and the settings pointing the provider at it."""
    fake = NeteaseFake(domain=domains[0], product=domains[0].replace(".", "_").replace("-", "_")).start()
    try:
        settings = {
            "domain": fake.domain,
            "product": fake.product,
            "private_key": private_key_hex(),
            "api_url": fake.url + "/qiyeservice/api",
        }
        yield Harness(provider_type="netease-qiye", settings=settings, fake=fake)
    finally:
        fake.stop()
