"""A contract fake of the Zoho Mail organization API and of the Zoho Accounts token endpoint, on loopback.

It follows Zoho's published pages (https://www.zoho.com/mail/help/api/...):
get-org-users-details (``GET …/accounts?start&limit``, defaults 0 and 10), post-add-user-to-org,
get-single-user (by zuid or address), put-to-disable-user (``disableUser``: ``blockIncoming``,
``removeMailforward``, ``removeGroupMembership``, ``removeAlias``), put-to-enable-user (``enableUser``,
``unblockIncoming`` mandatory), put-change-user-role (``changeRole``: member or admin only),
put-add-user-email-alias / put-remove-user-alias (on ``…/accounts/{zuid}``), user-account-deletion
(``DELETE …/accounts`` with ``accountList`` or ``emailList``), put-add-email-forwarding and its
enable/disable/delete and delete-zoho-mail-copy pages, post-create-group, get-all-group-details
(``{"count", "groups"}``, no paging), get-single-group-details, group-add-member,
delete-group-members, put-change-group-admin (``updateMailGroupAdvOptions``), delete-group,
get-single-domain, response-codes; and Zoho Accounts' OAuth pages (self-client
authorization-code-flow, access-token-expiry, token-limits, use-access-token). Where a page is
silent, it follows kefapps/terraform-provider-zohomail, a client run against live tenants:
``updatePersonalInfo`` for the display name, ``roleName`` sometimes missing, forwarding read from
``GET /api/accounts/{accountId}``, 64-bit ids, a name or role read back stale for a while after
its change.

Answers are ``{"status": {"code", "description"}, "data": ...}``; errors carry ``data.errorCode`` /
``data.moreInfo``. The token endpoint answers its errors with HTTP 200 and ``{"error": ...}``;
a token lives 3600 s; at most 10 tokens per refresh token in 10 minutes (then "Access Denied"),
and at most 10 alive at once (the oldest dies: ``INVALID_OAUTHTOKEN``).

Assumptions where nothing public says (named so that they can be checked on a real tenant):
- the largest ``limit`` of the account list: answers are cut at ``page_cap`` (200) without an error;
- the error of an address already taken (``EMAIL_ALREADY_EXIST``) and of an unknown member (404);
- the call limit (30 a minute, per ``per_minute``) answered 429 with the envelope and Retry-After;
- a new forwarding target is off until ``enableMailForward``; a copy is kept by default;
- a group's description reads back as ``description``.

Fault injection: ``fail_next`` / ``rate_limit_next`` (429, 5xx), a delayed answer for timeouts
(``failures.append(Response(..., delay=...))``, or ``answer_late``: done, but answered too late),
``expire_tokens``, ``lag`` (new accounts unseen,
changed names and roles read back stale, for the next N reads). Requests that break the contract
are answered as Zoho would and recorded in ``violations``.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fakes.server import FakeServer, Request, Response

ZOID = 90000000001
EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z0-9-]+$")
TOKEN_LIFETIME = 3600.0
TOKENS_PER_WINDOW, TOKEN_WINDOW, ALIVE_TOKENS = 10, 600.0, 10
ROLES = ("member", "admin", "super_admin")
THROTTLED = "You have made too many requests continuously. Please try again after some time."
ACCESS_TYPES = ("Public", "Organization", "Group", "Moderated")
ADD_FIELDS = {"primaryEmailAddress", "password", "firstName", "lastName", "displayName", "userExpiry", "role",
              "country", "language", "timeZone", "oneTimePassword"}  # fmt: skip
# mode -> (the id the path takes, the fields the body may hold besides mode and zuid)
ACCOUNT_MODES: dict[str, tuple[str, frozenset[str]]] = {
    "updatePersonalInfo": ("accountId", frozenset({"displayName", "firstName", "lastName"})),
    "disableUser": (
        "accountId",
        frozenset({"blockIncoming", "removeMailforward", "removeGroupMembership", "removeAlias"}),
    ),
    "enableUser": ("accountId", frozenset({"unblockIncoming"})),
    "addEmailAlias": ("zuid", frozenset({"emailAlias"})),
    "deleteEmailAlias": ("zuid", frozenset({"emailAlias"})),
    "addMailForward": ("accountId", frozenset({"mailForward"})),
    "enableMailForward": ("accountId", frozenset({"mailForward"})),
    "disableMailForward": ("accountId", frozenset({"mailForward"})),
    "deleteMailForward": ("accountId", frozenset({"mailForward"})),
    "deleteZohoMailCopy": ("accountId", frozenset({"deleteCopy"})),
}
GROUP_FIELDS = {"emailId", "name", "groupDescription", "accessType", "streamsEnabled", "mailGroupMemberList"}


class ZohoApiError(Exception):
    def __init__(self, status: int, description: str, code: str = "", more: str = "") -> None:
        super().__init__(description)
        self.status, self.description, self.code, self.more = status, description, code, more


def _fail(status: int, description: str, code: str = "", more: str = "") -> ZohoApiError:
    return ZohoApiError(status, description, code, more)


def _ok(data: Any = None, code: int = 200) -> Response:
    body: dict[str, Any] = {"status": {"code": code, "description": "success"}}
    if data is not None:
        body["data"] = data
    return Response(code, body)


class ZohoFake(FakeServer):
    """One Zoho Mail organization, with its accounts server on the same loopback port."""

    def __init__(
        self,
        domains: tuple[str, ...] = ("example.com",),
        alias_domains: tuple[str, ...] = (),
        page_cap: int = 200,
        licenses: int = 100_000,
    ) -> None:
        super().__init__()
        self.zoid = ZOID
        self.client_id = "1000.ZOHOSELFCLIENT0000000000000001"
        self.client_secret = "f3c1d9e0a7b2c4d6e8f0a1b3c5d7e9f1a3b5c7d9e1"
        self.refresh_token = "1000.4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a.0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d"
        self.page_cap = page_cap
        self.licenses = licenses
        self.clock: Callable[[], float] = time.monotonic
        self.per_minute: int | None = None  # the call limit; None: not enforced
        self.violations: list[str] = []
        self.tokens: dict[str, float] = {}  # alive token -> when it was issued
        self.token_times: list[float] = []  # when each token was issued (the 10-in-10-minutes limit)
        self.api_times: list[float] = []
        self.limited = 0  # calls answered 429 because they were over ``per_minute``
        # The lists as a secondary source says some tenants answer them: accounts with their forwarding,
        # groups with members and description (unverified; off: the lists as the pages show them).
        self.full_lists = False
        self._late: list[float] = []  # the next API calls are done, and answered this many seconds late
        self.domains: dict[str, dict[str, Any]] = {}
        for n, name in enumerate((*domains, *alias_domains)):
            self.domains[name] = {
                "domainId": 7_000_000_000_000_000_001 + n, "domainName": name, "isDomainAlias": name in alias_domains,
                "primary": n == 0, "mailHostingEnabled": True, "verificationStatus": True, "mxstatus": "enabled",
                "spfstatus": True, "dkimstatus": False, "catchAllAddress": "", "subDomainStripping": False,
            }  # fmt: skip
        self.accounts: dict[int, dict[str, Any]] = {}  # zuid -> account
        self.groups: dict[int, dict[str, Any]] = {}  # zgid -> group
        self.passwords: dict[str, str] = {}
        self._zuids = itertools.count(805_000_000_000_000_001)
        self._account_ids = itertools.count(6_100_000_000_000_000_001)
        self._zgids = itertools.count(1_003_505_000_083_587_005)
        self._token_ids = itertools.count(1)
        self._lag = 0
        self._hidden: dict[int, int] = {}  # zuid -> reads it stays unseen
        self._stale: dict[int, tuple[int, dict[str, Any]]] = {}  # zuid -> (reads left, fields as they were)
        self.add_account(f"admin@{domains[0]}", "Org Admin", role="super_admin")

    # ---- test controls

    def add_account(self, address: str, name: str, role: str = "member", disabled: bool = False) -> dict[str, Any]:
        with self.lock:
            zuid = next(self._zuids)
            self.accounts[zuid] = {
                "zuid": zuid, "accountId": next(self._account_ids), "primaryEmailAddress": address,
                "mailboxAddress": address, "emailAddress": [
                    {"mailId": address, "isPrimary": True, "isAlias": False, "isConfirmed": True}],
                "firstName": name, "lastName": "", "displayName": name, "role": role,
                "mailboxStatus": "disabled" if disabled else "enabled", "incomingBlocked": False,
                "outgoingBlocked": False, "imapAccessEnabled": True, "popAccessEnabled": True,
                "activeSyncEnabled": True, "tfaEnabled": False, "country": "cn", "language": "zh",
                "timeZone": "Asia/Shanghai", "mailForward": [],
            }  # fmt: skip
            return self.accounts[zuid]

    def add_group(self, address: str, name: str, members: list[str], access: str = "Public") -> dict[str, Any]:
        with self.lock:
            zgid = next(self._zgids)
            self.groups[zgid] = {
                "zgid": zgid, "emailId": address, "name": name, "description": "", "mailboxId": zgid + 1,
                "streamsEnabled": False, "groupAdminSettings": dict(_ADMIN_SETTINGS, accessType=access),
                "mailGroupMemberList": [{"memberEmailId": m, "role": "member", "status": "active"} for m in members],
            }  # fmt: skip
            return self.groups[zgid]

    def account(self, address: str) -> dict[str, Any]:
        return next(a for a in self.accounts.values() if a["primaryEmailAddress"] == address)

    def group(self, address: str) -> dict[str, Any]:
        return next(g for g in self.groups.values() if g["emailId"] == address)

    def answer_late(self, times: int, seconds: float) -> None:
        """The next ``times`` API calls are carried out, but answered ``seconds`` late (a lost answer)."""
        with self.lock:
            self._late.extend([seconds] * times)

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def lag(self, reads: int) -> None:
        """From now on, a new account stays unseen, and a changed name or role reads back as it was,
        for the next ``reads`` reads of it."""
        with self.lock:
            self._lag = reads

    def rate_limit_body(self) -> Any:
        return {
            "status": {"code": 429, "description": "Too Many Requests"},
            "data": {"errorCode": "TOO_MANY_REQUESTS", "moreInfo": "API calls are locked for some time"},
        }

    def exempt(self, req: Request) -> bool:
        return req.path == "/oauth/v2/token"  # injected failures are for the Mail API

    # ---- plumbing

    def handle(self, req: Request) -> Response:
        try:
            if req.path == "/oauth/v2/token":
                return self._token(req)
            self._authorize(req)
            limited = self._over_limit()
            if limited is not None:
                return limited
            answer = self._route(req)
            if self._late:
                answer.delay = self._late.pop(0)
            return answer
        except ZohoApiError as exc:
            data = {k: v for k, v in (("errorCode", exc.code), ("moreInfo", exc.more)) if v}
            return Response(exc.status, {"status": {"code": exc.status, "description": exc.description},
                                         "data": data})  # fmt: skip

    def _violate(self, req: Request, what: str) -> None:
        self.violations.append(f"{req.method} {req.path}: {what}")

    def _route(self, req: Request) -> Response:
        org = f"/api/organization/{self.zoid}"
        path, method = req.path, req.method
        routes: list[tuple[str, str, Callable[..., Response]]] = [
            ("GET", rf"{org}/accounts", self._list_accounts),
            ("POST", rf"{org}/accounts", self._add_account),
            ("PUT", rf"{org}/accounts", self._change_role),
            ("DELETE", rf"{org}/accounts", self._delete_accounts),
            ("GET", rf"{org}/accounts/([^/]+)", self._get_account),
            ("PUT", rf"{org}/accounts/([0-9]+)", self._account_mode),
            ("GET", r"/api/accounts/([0-9]+)", self._own_account),
            ("GET", rf"{org}/groups", self._list_groups),
            ("POST", rf"{org}/groups", self._create_group),
            ("GET", rf"{org}/groups/([0-9]+)", self._get_group),
            ("PUT", rf"{org}/groups/([0-9]+)", self._group_mode),
            ("DELETE", rf"{org}/groups/([0-9]+)", self._delete_group),
            ("GET", rf"{org}/domains/([^/]+)", self._get_domain),
        ]
        for verb, pattern, handler in routes:
            found = re.fullmatch(pattern, path)
            if found and verb == method:
                return handler(req, *found.groups())
        self._violate(req, "not a route of the Zoho Mail API")
        raise _fail(404, "URL Rule is not configured")

    def _body(self, req: Request) -> dict[str, Any]:
        if "application/json" not in req.headers.get("content-type", ""):
            self._violate(req, "a body without Content-Type: application/json")
        try:
            body = req.json()
        except ValueError:
            raise _fail(400, "JSON body is not well formed", "1038") from None
        if not isinstance(body, dict):
            raise _fail(400, "Invalid Input", "JSON_PARSE_ERROR", "the body is not a JSON object")
        return body

    def _fields(self, req: Request, body: dict[str, Any], allowed: set[str] | frozenset[str]) -> None:
        for name in sorted(set(body) - set(allowed)):
            self._violate(req, f"unknown body field {name!r}")

    def _params(self, req: Request, allowed: set[str]) -> None:
        for name in sorted(set(req.query) - allowed):
            self._violate(req, f"unknown query parameter {name!r}")

    # ---- OAuth (accounts server)

    def _token(self, req: Request) -> Response:
        form = {**req.params, **(req.form() if req.body else {})}
        now = self.clock()
        if form.get("grant_type") != "refresh_token" or not form.get("refresh_token"):
            return Response(200, {"error": "invalid_request"})
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return Response(200, {"error": "invalid_client"})
        if form.get("refresh_token") != self.refresh_token:
            return Response(200, {"error": "invalid_code"})
        self.token_times = [t for t in self.token_times if now - t < TOKEN_WINDOW]
        if len(self.token_times) >= TOKENS_PER_WINDOW:
            return Response(400, {"error": "Access Denied", "error_description": THROTTLED})
        self.token_times.append(now)
        token = f"1000.{next(self._token_ids):032x}.{'e' * 32}"
        self.tokens[token] = now
        while len(self.tokens) > ALIVE_TOKENS:
            del self.tokens[min(self.tokens, key=self.tokens.__getitem__)]  # the oldest dies
        return Response(200, {"access_token": token, "expires_in": int(TOKEN_LIFETIME),
                              "api_domain": "https://www.zohoapis.com", "token_type": "Bearer"})  # fmt: skip

    def _authorize(self, req: Request) -> None:
        header = req.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            raise _fail(400, "Invalid Input", "INVALID_TICKET", "Invalid ticket")
        if scheme not in ("Zoho-oauthtoken", "Bearer"):
            self._violate(req, f"Authorization scheme {scheme!r}")
        issued = self.tokens.get(token)
        if issued is None or self.clock() - issued >= TOKEN_LIFETIME:
            self.tokens.pop(token, None)
            raise _fail(401, "Invalid Access", "INVALID_OAUTHTOKEN")

    def _over_limit(self) -> Response | None:
        if self.per_minute is None:
            return None
        now = self.clock()
        self.api_times = [t for t in self.api_times if now - t < 60.0]
        if len(self.api_times) >= self.per_minute:
            wait = max(1, int(60.0 - (now - self.api_times[0]) + 0.999))
            self.limited += 1
            return Response(429, self.rate_limit_body(), {"Retry-After": str(wait)})
        self.api_times.append(now)
        return None

    # ---- accounts

    def _seen(self, account: dict[str, Any]) -> dict[str, Any] | None:
        """The account as a read shows it now (None: not visible yet)."""
        zuid = account["zuid"]
        if self._hidden.get(zuid, 0) > 0:
            self._hidden[zuid] -= 1
            return None
        shown = json.loads(json.dumps(account))
        left, old = self._stale.get(zuid, (0, {}))
        if left > 0:
            self._stale[zuid] = (left - 1, old)
            shown.update(old)
        return shown

    def _public(self, account: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in account.items() if k != "mailForward"}
        return shown

    def _by_key(self, key: str) -> dict[str, Any]:
        for account in self.accounts.values():
            if str(account["zuid"]) == key or account["primaryEmailAddress"] == key.lower():
                if self._hidden.get(account["zuid"], 0) > 0:
                    self._hidden[account["zuid"]] -= 1
                    break
                return account
        raise _fail(404, "Invalid Input", more=f"Account id {key} is invalid")

    def _by_id(self, value: Any, kind: str) -> dict[str, Any]:
        for account in self.accounts.values():
            if str(account[kind]) == str(value):
                return account
        raise _fail(404, "Invalid Input", more=f"Account id {value} is invalid")

    def _list_accounts(self, req: Request) -> Response:
        self._params(req, {"start", "limit"})
        start, limit = int(req.arg("start") or 0), int(req.arg("limit") or 10)
        if start < 0 or limit < 1:
            raise _fail(400, "Invalid Input", "PATTERN_NOT_MATCHED")
        page = list(self.accounts.values())[start : start + min(limit, self.page_cap)]
        seen = [s for s in (self._seen(a) for a in page) if s is not None]
        shown = seen if self.full_lists else [self._public(s) for s in seen]
        return _ok(shown)

    def _get_account(self, req: Request, key: str) -> Response:
        shown = self._seen(self._by_key(key))
        if shown is None:
            raise _fail(404, "Invalid Input", more=f"Account id {key} is invalid")
        shown["roleName"] = shown["role"]
        return _ok(self._public(shown))

    def _own_account(self, req: Request, account_id: str) -> Response:
        account = self._by_id(account_id, "accountId")
        shown = self._seen(account)
        if shown is None:
            raise _fail(404, "Invalid Input", more=f"Account id {account_id} is invalid")
        return _ok(shown)

    def _taken(self, address: str) -> bool:
        for account in self.accounts.values():
            if any(e["mailId"] == address for e in account["emailAddress"]):
                return True
        return any(g["emailId"] == address for g in self.groups.values())

    def _org_address(self, value: Any, what: str, alias_domains: bool = False) -> str:
        address = str(value or "").strip().lower()
        domain = self.domains.get(address.rpartition("@")[2])
        if not EMAIL.match(address) or domain is None or (domain["isDomainAlias"] and not alias_domains):
            raise _fail(
                400, "Invalid Input", "INVALID_EMAIL", f"{what} {value!r} is not in a domain of this organization"
            )
        return address

    def _add_account(self, req: Request) -> Response:
        body = self._body(req)
        self._fields(req, body, ADD_FIELDS)
        for required in ("primaryEmailAddress", "password"):
            if not body.get(required):
                self._violate(req, f"missing mandatory {required}")
                raise _fail(400, "Invalid Input", "MANDATORY_PARAM_MISSING", required)
        address = self._org_address(body["primaryEmailAddress"], "primaryEmailAddress")
        if self._taken(address):
            raise _fail(400, "Invalid Input", "EMAIL_ALREADY_EXIST", f"{address} already exists")
        password = str(body["password"])
        if not 8 <= len(password) <= 250:
            raise _fail(400, "Invalid Input", "INVALID_PASSWORD", "the password does not meet the policy")
        role = str(body.get("role") or "member")
        if role not in ROLES or (role == "super_admin" and any(a["role"] == role for a in self.accounts.values())):
            raise _fail(400, "Invalid Input", "INVALID_ROLE", role)
        if len(self.accounts) >= self.licenses:
            raise _fail(400, "Invalid Input", "MAXIMUM USER LICENSE LIMIT REACHED")
        for flag in ("oneTimePassword",):
            if flag in body and not isinstance(body[flag], bool):
                self._violate(req, f"{flag} is not a boolean")
        name = str(body.get("displayName") or body.get("firstName") or address.partition("@")[0])
        account = self.add_account(address, name, role)
        account.update(firstName=str(body.get("firstName") or ""), lastName=str(body.get("lastName") or ""))
        self.passwords[address] = password
        if self._lag:
            self._hidden[account["zuid"]] = self._lag
        return _ok(self._public(json.loads(json.dumps(account))), 201)

    def _account_mode(self, req: Request, account_key: str) -> Response:
        body = self._body(req)
        mode = str(body.get("mode") or "")
        if mode not in ACCOUNT_MODES:
            self._violate(req, f"unknown mode {mode!r}")
            raise _fail(400, "Invalid Input", "INVALID_MODE", mode)
        id_kind, allowed = ACCOUNT_MODES[mode]
        self._fields(req, body, allowed | {"mode", "zuid"})
        account = self._by_id(account_key, id_kind)  # the documented id for the mode, or "invalid"
        if str(body.get("zuid")) != str(account["zuid"]):
            self._violate(req, "zuid missing or not the account's")
            raise _fail(400, "Invalid Input", "ZUID_MISMATCH", "zuid is null or not this account's")
        getattr(self, "_mode_" + re.sub(r"(?<!^)(?=[A-Z])", "_", mode).lower())(req, account, body)
        return _ok()

    def _flag(self, req: Request, body: dict[str, Any], name: str, mandatory: bool = False) -> bool:
        if name not in body:
            if mandatory:
                self._violate(req, f"missing mandatory {name}")
                raise _fail(400, "Invalid Input", "MANDATORY_PARAM_MISSING", name)
            return False
        if not isinstance(body[name], bool):
            self._violate(req, f"{name} is not a JSON boolean")
        return str(body[name]).lower() == "true"

    def _remember_stale(self, account: dict[str, Any], *fields: str) -> None:
        if self._lag:
            self._stale[account["zuid"]] = (self._lag, {f: account[f] for f in fields})

    def _mode_update_personal_info(self, req: Request, account: dict[str, Any], body: dict[str, Any]) -> None:
        self._remember_stale(account, "displayName", "firstName", "lastName")
        for key in ("displayName", "firstName", "lastName"):
            if key in body:
                account[key] = str(body[key])

    def _mode_disable_user(self, req: Request, account: dict[str, Any], body: dict[str, Any]) -> None:
        if account["role"] == "super_admin":
            raise _fail(400, "Invalid Input", "OPERATION_NOT_PERMITTED", "the super administrator")
        account["mailboxStatus"] = "disabled"
        account["incomingBlocked"] = self._flag(req, body, "blockIncoming")
        if self._flag(req, body, "removeMailforward"):
            account["mailForward"] = []
        if self._flag(req, body, "removeGroupMembership"):
            for group in self.groups.values():
                group["mailGroupMemberList"] = [
                    m for m in group["mailGroupMemberList"] if m["memberEmailId"] != account["primaryEmailAddress"]
                ]
        if self._flag(req, body, "removeAlias"):
            account["emailAddress"] = [e for e in account["emailAddress"] if not e["isAlias"]]

    def _mode_enable_user(self, req: Request, account: dict[str, Any], body: dict[str, Any]) -> None:
        account["mailboxStatus"] = "enabled"
        if self._flag(req, body, "unblockIncoming", mandatory=True):
            account["incomingBlocked"] = False

    def _aliases_of(self, req: Request, body: dict[str, Any]) -> list[str]:
        value = body.get("emailAlias")
        if not isinstance(value, list) or not value:
            self._violate(req, "emailAlias is not a non-empty list")
            raise _fail(400, "Invalid Input", "MANDATORY_PARAM_MISSING", "emailAlias")
        return [self._org_address(v, "emailAlias", alias_domains=False) for v in value]

    def _mode_add_email_alias(self, req: Request, account: dict[str, Any], body: dict[str, Any]) -> None:
        for alias in self._aliases_of(req, body):
            if self._taken(alias):
                raise _fail(400, "Invalid Input", "EMAIL_ALREADY_EXIST", f"{alias} already exists")
            account["emailAddress"].append({"mailId": alias, "isPrimary": False, "isAlias": True, "isConfirmed": True})

    def _mode_delete_email_alias(self, req: Request, account: dict[str, Any], body: dict[str, Any]) -> None:
        for alias in self._aliases_of(req, body):
            if not any(e["mailId"] == alias and e["isAlias"] for e in account["emailAddress"]):
                raise _fail(400, "Invalid Input", "INVALID_ALIAS", f"{alias} is not an alias of this account")
            account["emailAddress"] = [e for e in account["emailAddress"] if e["mailId"] != alias]

    def _forward(self, req: Request, account: dict[str, Any], body: dict[str, Any]) -> dict[str, Any] | str:
        target = str(body.get("mailForward") or "").strip().lower()
        if not EMAIL.match(target):
            self._violate(req, "mailForward is not an address")
            raise _fail(400, "Invalid Input", "INVALID_EMAIL", str(body.get("mailForward")))
        return next((f for f in account["mailForward"] if f["mailForward"] == target), target)

    def _mode_add_mail_forward(self, req: Request, account: dict[str, Any], body: dict[str, Any]) -> None:
        found = self._forward(req, account, body)
        if isinstance(found, dict):
            raise _fail(400, "Invalid Input", "ALREADY_EXIST", f"{found['mailForward']} is forwarded to already")
        if len(account["mailForward"]) >= 3:
            raise _fail(400, "Invalid Input", "LIMIT_EXCEEDED", "at most 3 forwarding addresses")
        outside = found.rpartition("@")[2] not in self.domains
        copy = account["mailForward"][0]["deleteCopy"] if account["mailForward"] else False
        account["mailForward"].append(
            {"mailForward": found, "deleteCopy": copy, "status": "pending" if outside else "disabled"}
        )

    def _existing_forward(self, req: Request, account: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        found = self._forward(req, account, body)
        if not isinstance(found, dict):
            raise _fail(400, "Invalid Input", "INVALID_EMAIL", f"{found} is not a forwarding address")
        return found

    def _mode_enable_mail_forward(self, req: Request, account: dict[str, Any], body: dict[str, Any]) -> None:
        found = self._existing_forward(req, account, body)
        if found["status"] == "pending":
            raise _fail(400, "Invalid Input", "NOT_CONFIRMED", "the address has not confirmed the forwarding")
        found["status"] = "enabled"

    def _mode_disable_mail_forward(self, req: Request, account: dict[str, Any], body: dict[str, Any]) -> None:
        self._existing_forward(req, account, body)["status"] = "disabled"

    def _mode_delete_mail_forward(self, req: Request, account: dict[str, Any], body: dict[str, Any]) -> None:
        found = self._existing_forward(req, account, body)
        account["mailForward"].remove(found)

    def _mode_delete_zoho_mail_copy(self, req: Request, account: dict[str, Any], body: dict[str, Any]) -> None:
        delete = self._flag(req, body, "deleteCopy", mandatory=True)
        for entry in account["mailForward"]:
            entry["deleteCopy"] = delete

    def _change_role(self, req: Request) -> Response:
        body = self._body(req)
        self._fields(req, body, {"mode", "role", "userList"})
        if body.get("mode") != "changeRole":
            self._violate(req, f"mode {body.get('mode')!r} on …/accounts")
            raise _fail(400, "Invalid Input", "INVALID_MODE", str(body.get("mode")))
        role, users = body.get("role"), body.get("userList")
        if role not in ("member", "admin"):
            raise _fail(400, "Invalid Input", "INVALID_ROLE", f"role {role!r}: member or admin")
        if not isinstance(users, list) or not users:
            self._violate(req, "userList is not a non-empty list of zuids")
            raise _fail(400, "Invalid Input", "MANDATORY_PARAM_MISSING", "userList")
        accounts = [self._by_id(zuid, "zuid") for zuid in users]
        if any(a["role"] == "super_admin" for a in accounts):
            raise _fail(400, "Invalid Input", "OPERATION_NOT_PERMITTED", "the super administrator's role")
        for account in accounts:
            self._remember_stale(account, "role")
            account["role"] = role
        return _ok()

    def _delete_accounts(self, req: Request) -> Response:
        body = self._body(req)
        self._fields(req, body, {"accountList", "emailList"})
        if "accountList" in body:
            accounts = [self._by_id(z, "zuid") for z in body["accountList"]]
        elif "emailList" in body:
            accounts = [self._by_key(str(e)) for e in body["emailList"]]
        else:
            self._violate(req, "neither accountList nor emailList")
            raise _fail(400, "Invalid Input", "MANDATORY_PARAM_MISSING", "accountList")
        if any(a["role"] == "super_admin" for a in accounts):
            raise _fail(400, "Invalid Input", "OPERATION_NOT_PERMITTED", "the super administrator")
        for account in accounts:
            del self.accounts[account["zuid"]]
            for group in self.groups.values():
                group["mailGroupMemberList"] = [
                    m for m in group["mailGroupMemberList"] if m["memberEmailId"] != account["primaryEmailAddress"]
                ]
        return _ok()

    # ---- groups

    def _group_by_zgid(self, zgid: str) -> dict[str, Any]:
        group = self.groups.get(int(zgid))
        if group is None:
            raise _fail(404, "Invalid Input", more=f"Group id {zgid} is invalid")
        return group

    def _list_groups(self, req: Request) -> Response:
        self._params(req, set())
        hidden = () if self.full_lists else ("mailGroupMemberList", "description")
        listed = [{k: v for k, v in g.items() if k not in hidden} for g in self.groups.values()]
        return _ok({"count": len(listed), "groups": json.loads(json.dumps(listed))})

    def _get_group(self, req: Request, zgid: str) -> Response:
        return _ok(json.loads(json.dumps(self._group_by_zgid(zgid))))

    def _member_list(self, req: Request, value: Any, roles: bool = True) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not value or not all(isinstance(m, dict) for m in value):
            self._violate(req, "mailGroupMemberList is not a non-empty list of objects")
            raise _fail(400, "Invalid Input", "MANDATORY_PARAM_MISSING", "mailGroupMemberList")
        members = []
        for entry in value:
            address = str(entry.get("memberEmailId") or "").lower()
            role = str(entry.get("role") or "member")
            if roles and role not in ("member", "moderator"):
                raise _fail(400, "Invalid Input", "INVALID_ROLE", role)
            account = next((a for a in self.accounts.values() if a["primaryEmailAddress"] == address), None)
            if account is not None and self._hidden.get(account["zuid"], 0) > 0:
                self._hidden[account["zuid"]] -= 1
                account = None
            if account is None and not any(g["emailId"] == address for g in self.groups.values()):
                raise _fail(404, "Invalid Input", "INVALID_MEMBER", f"{address} is not an account of this organization")
            members.append({"memberEmailId": address, "role": role, "status": "active"})
        return members

    def _create_group(self, req: Request) -> Response:
        body = self._body(req)
        self._fields(req, body, GROUP_FIELDS)
        address = self._org_address(body.get("emailId"), "emailId")
        if self._taken(address):
            raise _fail(400, "Invalid Input", "EMAIL_ALREADY_EXIST", f"{address} already exists")
        name = str(body.get("name") or address.partition("@")[0])
        if any(g["name"] == name for g in self.groups.values()):
            raise _fail(400, "Invalid Input", "GROUP_NAME_EXIST", f"a group named {name!r} exists")
        access = str(body.get("accessType") or "Public")
        if access not in ACCESS_TYPES:
            raise _fail(400, "Invalid Input", "INVALID_ACCESS_TYPE", access)
        members = self._member_list(req, body.get("mailGroupMemberList"))
        group = self.add_group(address, name, [], access)
        group["mailGroupMemberList"] = members
        group["description"] = str(body.get("groupDescription") or "")
        return _ok({k: v for k, v in group.items() if k != "mailGroupMemberList"}, 201)

    def _group_mode(self, req: Request, zgid: str) -> Response:
        group = self._group_by_zgid(zgid)
        body = self._body(req)
        mode = body.get("mode")
        if mode in ("addMailGroupMember", "deleteMailGroupMember", "changeMemberRole"):
            self._fields(req, body, {"mode", "mailGroupMemberList"})
            have = group["mailGroupMemberList"]
            if mode == "deleteMailGroupMember":
                gone = {str(m.get("memberEmailId") or "").lower() for m in body.get("mailGroupMemberList") or []}
                if not gone:
                    self._violate(req, "mailGroupMemberList is empty")
                group["mailGroupMemberList"] = [m for m in have if m["memberEmailId"] not in gone]
            else:
                for member in self._member_list(req, body.get("mailGroupMemberList")):
                    group["mailGroupMemberList"] = [m for m in have if m["memberEmailId"] != member["memberEmailId"]]
                    group["mailGroupMemberList"].append(member)
                    have = group["mailGroupMemberList"]
        elif mode == "updateMailGroupAdvOptions":
            self._fields(req, body, {"mode", "accessType", "groupAdminSettings"})
            settings = body.get("groupAdminSettings")
            if body.get("accessType") not in ACCESS_TYPES or not isinstance(settings, dict):
                self._violate(req, "accessType and groupAdminSettings are mandatory")
                raise _fail(400, "Invalid Input", "MANDATORY_PARAM_MISSING", "accessType, groupAdminSettings")
            for key in sorted(set(settings) - set(_ADMIN_SETTINGS)):
                self._violate(req, f"unknown groupAdminSettings field {key!r}")
            if settings.get("holdOrBounce", "hold") not in ("hold", "reject"):
                raise _fail(400, "Invalid Input", "INVALID_VALUE", "holdOrBounce")
            group["groupAdminSettings"].update(settings, accessType=body["accessType"])
        else:
            self._violate(req, f"unknown group mode {mode!r}")
            raise _fail(400, "Invalid Input", "INVALID_MODE", str(mode))
        return _ok()

    def _delete_group(self, req: Request, zgid: str) -> Response:
        group = self._group_by_zgid(zgid)
        del self.groups[group["zgid"]]
        return _ok()

    # ---- domains

    def _get_domain(self, req: Request, name: str) -> Response:
        domain = self.domains.get(name.lower())
        if domain is None:
            raise _fail(404, "Invalid Input", "DOMAIN_NOT_EXIST", f"{name} is not a domain of this organization")
        return _ok({**domain, "dkimDetailList": []})


_ADMIN_SETTINGS = {
    "mailboxSendRights": False, "adminNotify": False, "suppressMailOnMemAdd": False, "authorNotify": False,
    "holdOrBounce": "hold", "accessType": "Public", "postApprovedNotify": False,
}  # fmt: skip


@dataclass
class Harness:
    """What the tests need to run the provider against this fake."""

    provider_type: str
    settings: dict[str, Any]
    fake: ZohoFake


def settings_for(fake: ZohoFake, manage_all_accounts: bool = True) -> dict[str, Any]:
    return {
        "region": "zoho.com",
        "zoid": str(fake.zoid),
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "refresh_token": fake.refresh_token,
        "base_url": fake.url,
        "accounts_url": fake.url,
        "manage_all_accounts": manage_all_accounts,
        "requests_per_minute": 0,  # the fake enforces no limit unless a test sets one
    }


@contextmanager
def harness(
    domains: tuple[str, ...] = ("example.com",), alias_domains: tuple[str, ...] = (), **kwargs: Any
) -> Iterator[Harness]:
    """A Zoho organization holding ``domains`` (the first is its primary), and settings pointing at it."""
    manage_all = bool(kwargs.pop("manage_all_accounts", True))
    fake = ZohoFake(domains=domains, alias_domains=alias_domains, **kwargs).start()
    try:
        yield Harness(provider_type="zoho-mail", settings=settings_for(fake, manage_all), fake=fake)
    finally:
        fake.stop()
