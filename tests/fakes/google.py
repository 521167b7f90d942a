"""A fake Google Workspace tenant on loopback: Admin SDK Directory API, Groups Settings API,
Gmail API settings, Vault API and the OAuth token endpoint.

Every request is routed through Google's own discovery documents (shipped in
``google-api-python-client``): the method is found by HTTP verb and path, then its required
parameters, unknown parameters, page-size maximum, request-body fields (and fields the docs
mark as required for the method) and OAuth scopes are checked. Anything off is answered the way
Google answers and recorded in ``fake.violations`` (tests assert it stays empty).

Followed:
- Directory API reference, https://developers.google.com/admin-sdk/directory/reference/rest
  (users.list: ``customer`` or ``domain`` required, maxResults ≤ 500, ``nextPageToken``;
  members.list maxResults ≤ 200; 409 ``duplicate`` "Entity already exists."; 404 ``notFound``)
- Directory API limits, https://developers.google.com/admin-sdk/directory/v1/limits (429/403 rate limits)
- Groups Settings API, https://developers.google.com/admin-sdk/groups-settings/v1/reference/groups
  (``alt=json``, else Atom XML; NONE_CAN_POST needs ``archiveOnly``)
- Gmail API users.settings, https://developers.google.com/gmail/api/reference/rest/v1/users.settings
  (forwarding addresses outside the domain stay ``pending``; suspended users: failedPrecondition)
- Vault API matters.holds, https://developers.google.com/vault/reference/rest/v1/matters.holds
  (holds.list ``view`` defaults to FULL_HOLD, with the held accounts; addHeldAccounts answers a status
  per account, ALREADY_EXISTS = 6; removeHeldAccounts takes ``accountIds``, the Directory user ids)
- Service-account OAuth, https://developers.google.com/identity/protocols/oauth2/service-account
  (JWT bearer grant, RS256; an expired token gives 401 ``authError``)
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import re
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fakes.server import FakeServer, Quota, Request, Response

# --------------------------------------------------------------------------------------------
# Google's discovery documents


def discovery_dir() -> Path:
    import googleapiclient  # test dependency only

    return Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"


GLOBAL_PARAMS = {"alt", "fields", "key", "prettyPrint", "quotaUser", "oauth_token", "access_token", "userIp", "$.xgafv"}


@dataclass
class Method:
    id: str
    http_method: str
    regex: re.Pattern[str]
    literal: int  # literal characters in the path template (more = more specific)
    parameters: dict[str, Any]
    request: dict[str, Any] | None  # the request body's schema
    scopes: tuple[str, ...]


def _load_methods() -> list[Method]:
    methods: list[Method] = []
    for name in ("admin.directory_v1.json", "gmail.v1.json", "groupssettings.v1.json", "vault.v1.json"):
        doc = json.loads((discovery_dir() / name).read_text())
        prefix = "/" + doc["servicePath"]
        schemas = doc["schemas"]

        def walk(resources: dict[str, Any]) -> Iterator[dict[str, Any]]:
            for res in resources.values():
                yield from res.get("methods", {}).values()
                yield from walk(res.get("resources", {}))

        for m in walk(doc["resources"]):
            template = prefix + m["path"]
            pattern, literal = "", 0
            for part in re.split(r"(\{\+?[^}]+\})", template):
                if part.startswith("{+"):
                    pattern += f"(?P<{part[2:-1]}>.+)"
                elif part.startswith("{"):
                    pattern += f"(?P<{part[1:-1]}>[^/]+)"
                else:
                    pattern += re.escape(part)
                    literal += len(part)
            request = schemas[m["request"]["$ref"]] if "request" in m else None
            methods.append(
                Method(
                    id=m["id"],
                    http_method=m["httpMethod"],
                    regex=re.compile(pattern),
                    literal=literal,
                    parameters={**doc.get("parameters", {}), **m.get("parameters", {})},
                    request=request,
                    scopes=tuple(m.get("scopes", ())),
                )
            )
    methods.sort(key=lambda m: -m.literal)
    return methods


_METHODS: list[Method] | None = None


def methods() -> list[Method]:
    global _METHODS
    if _METHODS is None:
        _METHODS = _load_methods()
    return _METHODS


def g_error(code: int, message: str, reason: str, status: str = "") -> Response:
    status = status or {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        409: "ALREADY_EXISTS",
        412: "FAILED_PRECONDITION",
        429: "RESOURCE_EXHAUSTED",
    }.get(code, "UNKNOWN")
    body = {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": status,
        }
    }
    return Response(code, body)


class GoogleFail(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.body)
        self.response = response


def fail(code: int, message: str, reason: str) -> GoogleFail:
    return GoogleFail(g_error(code, message, reason))


def _gmail_units(req: Request) -> int:
    expensive = req.method == "POST" and req.path.endswith(("/sendAs", "/delegates", "/forwardingAddresses"))
    return 100 if expensive else 1


def rate_limited(count: int) -> list[Response]:
    return [g_error(429, "Rate Limit Exceeded", "rateLimitExceeded") for _ in range(count)]


# --------------------------------------------------------------------------------------------
# The tenant


@dataclass
class Token:
    subject: str
    scopes: frozenset[str]
    expires: float


@dataclass
class Call:
    method: Method
    req: Request
    params: dict[str, str]  # path parameters
    token: Token


class GoogleFake(FakeServer):
    """Holds one customer's directory, Gmail settings and Vault matters in memory."""

    def __init__(self, domain: str = "example.com", admin: str = "admin@example.com") -> None:
        super().__init__()
        self.customer_id = "C01fake"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.client_email = "mailplan@fake-project.iam.gserviceaccount.com"
        self.violations: list[str] = []
        self.tokens: dict[str, Token] = {}
        self.lag = 0  # requests during which a new user/group still answers 404
        self._invisible: dict[str, int] = {}
        self._ids = itertools.count(100000)
        self.domains: dict[str, dict[str, Any]] = {domain: {"domainName": domain, "isPrimary": True, "verified": True}}
        self.domain_aliases: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}  # id -> user
        self.passwords: dict[str, str] = {}  # id -> sha256 of the password (tests compare, never read)
        self.orgunits: dict[str, dict[str, Any]] = {}  # path -> org unit
        self.groups: dict[str, dict[str, Any]] = {}  # id -> group
        self.members: dict[str, dict[str, dict[str, Any]]] = {}  # group id -> email -> member
        self.group_settings: dict[str, dict[str, Any]] = {}
        self.roles = [
            {"roleId": "1001", "roleName": "_SEED_ADMIN_ROLE", "isSystemRole": True, "isSuperAdminRole": True},
            {"roleId": "1002", "roleName": "_GROUPS_ADMIN_ROLE", "isSystemRole": True},
            {"roleId": "1003", "roleName": "_USER_MANAGEMENT_ADMIN_ROLE", "isSystemRole": True},
            {"roleId": "1004", "roleName": "_HELP_DESK_ADMIN_ROLE", "isSystemRole": True},
        ]
        self.role_assignments: dict[str, dict[str, Any]] = {}
        self.asps: dict[str, list[dict[str, Any]]] = {}  # user id -> app passwords
        self.oauth_tokens: dict[str, list[dict[str, Any]]] = {}  # user id -> third-party tokens
        self.signed_out: Counter[str] = Counter()
        self.codes_invalidated: Counter[str] = Counter()
        self.gmail: dict[str, dict[str, Any]] = {}  # user id -> settings
        self.matters: dict[str, dict[str, Any]] = {}
        self.holds: dict[str, dict[str, dict[str, Any]]] = {}  # matter id -> hold id -> hold
        self.admin = admin
        # user inserts that succeed but whose answer is lost (503): the client's retry then meets the user
        self.lose_insert_answers = 0
        self.add_user(admin, "Admin Person", isAdmin=True)
        # Directory API limits page: 2,400 queries per minute per user per project, answered 403
        # userRateLimitExceeded; Gmail quota page: 15,000 units per minute per user, a send-as, delegate or
        # forwarding address costing 100 units and a read 1 (other settings writes: 1 here, the page names none).
        self.quotas += [
            Quota("Directory queries per minute per user", 2400, 60.0, self._quota_user("/admin/directory/"),
                  lambda wait: g_error(403, "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute "
                                            "per user'", "userRateLimitExceeded")),
            Quota("Gmail units per minute per user", 15000, 60.0, self._quota_user("/gmail/"),
                  lambda wait: g_error(429, "User-rate limit exceeded", "userRateLimitExceeded"), _gmail_units),
        ]  # fmt: skip

    # -- seeding and inspection --------------------------------------------------------------

    def service_account_json(self) -> str:
        return self.service_account_json_for(self.url)

    def service_account_json_for(self, url: str) -> str:
        """The JSON key of this fake's service account, with the token endpoint at ``url``."""
        pem = self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        return json.dumps(
            {
                "type": "service_account",
                "project_id": "fake-project",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": self.client_email,
                "client_id": "1234567890",
                "token_uri": url + "/token",
            }
        )

    def new_id(self) -> str:
        return str(next(self._ids))

    def add_user(self, email: str, full_name: str = "Some One", **extra: Any) -> dict[str, Any]:
        given, _, family = full_name.partition(" ")
        uid = self.new_id()
        user = {
            "kind": "admin#directory#user",
            "id": uid,
            "etag": f'"{uid}"',
            "primaryEmail": email,
            "name": {"givenName": given, "familyName": family or given, "fullName": full_name},
            "isAdmin": False,
            "isDelegatedAdmin": False,
            "suspended": False,
            "archived": False,
            "changePasswordAtNextLogin": False,
            "orgUnitPath": "/",
            "customerId": self.customer_id,
            "emails": [{"address": email, "primary": True}],
            "isMailboxSetup": True,
            "includeInGlobalAddressList": True,
            "creationTime": "2024-01-02T03:04:05.000Z",
        }
        user.update(extra)
        self.users[uid] = user
        self.gmail[uid] = self._gmail_defaults()
        return user

    def add_group(self, email: str, name: str, members: dict[str, str] | None = None) -> dict[str, Any]:
        gid = self.new_id()
        group = {
            "kind": "admin#directory#group",
            "id": gid,
            "email": email,
            "name": name,
            "description": "",
            "directMembersCount": "0",
            "adminCreated": True,
        }
        self.groups[gid] = group
        self.members[gid] = {}
        self.group_settings[gid] = {
            "email": email,
            "name": name,
            "whoCanPostMessage": "ANYONE_CAN_POST",
            "archiveOnly": "false",
            "allowExternalMembers": "false",
        }
        for address, role in (members or {}).items():
            self.members[gid][address] = self._member(address, role, "ALL_MAIL")
        return group

    def user_by(self, key: str) -> dict[str, Any] | None:
        key = key.lower()
        for user in self.users.values():
            if key in (user["id"], user["primaryEmail"].lower()) or key in [a.lower() for a in user.get("aliases", [])]:
                return user
        return None

    def group_by(self, key: str) -> dict[str, Any] | None:
        key = key.lower()
        for group in self.groups.values():
            if key in (group["id"], group["email"].lower()) or key in [a.lower() for a in group.get("aliases", [])]:
                return group
        return None

    def password_of(self, email: str) -> str:
        user = self.user_by(email)
        assert user is not None
        return self.passwords.get(user["id"], "")

    def expire_tokens(self) -> None:
        with self.lock:
            for token in self.tokens.values():
                token.expires = 0

    def exempt(self, req: Request) -> bool:
        return req.path == "/token"

    def _quota_user(self, prefix: str) -> Callable[[Request], str | None]:
        """A quota key: the user a call acts as, for calls to one API."""

        def key(req: Request) -> str | None:
            token = self.tokens.get(req.headers.get("authorization", "").removeprefix("Bearer ").strip())
            return token.subject if token and req.path.startswith(prefix) else None

        return key

    # -- routing ---------------------------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        if req.path == "/token" and req.method == "POST":
            return self._token(req)
        try:
            call = self._route(req)
            handler = getattr(self, "h_" + call.method.id.replace(".", "_"), None)
            if handler is None:
                self.violations.append(f"{call.method.id}: the fake does not implement it")
                return g_error(501, f"{call.method.id} is not implemented by the fake", "notImplemented")
            result = handler(call)
        except GoogleFail as exc:
            return exc.response
        if isinstance(result, Response):
            return result
        return Response(204 if result is None else 200, result)

    def _route(self, req: Request) -> Call:
        for m in methods():
            found = m.regex.fullmatch(req.path)
            if found and m.http_method == req.method:
                break
        else:
            self.violations.append(f"{req.method} {req.path}: no such method in Google's discovery documents")
            raise fail(404, f"Not Found: {req.method} {req.path}", "notFound")
        params = {k: v for k, v in found.groupdict().items()}
        token = self._authorize(req, m)
        self._check(req, m, params)
        return Call(m, req, params, token)

    def _authorize(self, req: Request, m: Method) -> Token:
        header = req.headers.get("authorization", "")
        token = self.tokens.get(header.removeprefix("Bearer ").strip())
        if token is None or token.expires < time.time():
            raise GoogleFail(
                Response(
                    401,
                    {
                        "error": {
                            "code": 401,
                            "message": "Request had invalid authentication credentials. Expected OAuth 2 access "
                            "token, login cookie or other valid authentication credential.",
                            "errors": [
                                {
                                    "message": "Invalid Credentials",
                                    "domain": "global",
                                    "reason": "authError",
                                    "location": "Authorization",
                                    "locationType": "header",
                                }
                            ],
                            "status": "UNAUTHENTICATED",
                        }
                    },
                    {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
                )
            )
        if m.scopes and not token.scopes.intersection(m.scopes):
            self.violations.append(f"{m.id}: token scopes {sorted(token.scopes)} lack one of {list(m.scopes)}")
            raise fail(403, "Request had insufficient authentication scopes.", "insufficientPermissions")
        return token

    def _check(self, req: Request, m: Method, params: dict[str, str]) -> None:
        problems = []
        for name, spec in m.parameters.items():
            if spec.get("location") == "query" and spec.get("required") and not req.arg(name):
                problems.append(f"required query parameter {name!r} missing")
            maximum = spec.get("maximum")
            if spec.get("location") == "query" and maximum and req.arg(name) and int(req.arg(name) or 0) > int(maximum):
                problems.append(f"{name}={req.arg(name)} exceeds the maximum {maximum}")
        for name in req.query:
            if name not in m.parameters and name not in GLOBAL_PARAMS:
                problems.append(f"unknown query parameter {name!r}")
        body = req.json() if req.body else None
        if m.request is None and body is not None:
            problems.append("a request body where the method takes none")
        if m.request is not None and body is not None:
            props = m.request.get("properties", {})
            for key in body:
                if key not in props:
                    problems.append(f"body field {key!r} is not in the {m.request['id']} schema")
            for key, spec in props.items():
                if m.id in (spec.get("annotations") or {}).get("required", []) and key not in body:
                    problems.append(f"body field {key!r} is required for {m.id}")
        if problems:
            self.violations.extend(f"{m.id}: {p}" for p in problems)
            raise fail(400, "Invalid Input: " + "; ".join(problems), "invalid")

    # -- OAuth -----------------------------------------------------------------------------------

    def _token(self, req: Request) -> Response:
        form = urllib.parse.parse_qs(req.body.decode())
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"] or "assertion" not in form:
            return Response(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"})
        try:
            head, claims_b64, sig = form["assertion"][0].split(".")
            pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
            header = json.loads(base64.urlsafe_b64decode(pad(head)))
            claims = json.loads(base64.urlsafe_b64decode(pad(claims_b64)))
            self.key.public_key().verify(
                base64.urlsafe_b64decode(pad(sig)), f"{head}.{claims_b64}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except Exception:  # any malformed or badly signed assertion
            return Response(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        now = time.time()
        if header.get("alg") != "RS256" or claims.get("iss") != self.client_email:
            return Response(400, {"error": "invalid_grant", "error_description": "Invalid JWT: bad issuer or alg"})
        if claims.get("aud") != self.url + "/token" or not (claims["iat"] - 300 <= now <= claims["exp"]):
            return Response(
                400, {"error": "invalid_grant", "error_description": "Invalid JWT: Token must be a short-lived token"}
            )
        if self.user_by(str(claims.get("sub", ""))) is None:
            return Response(400, {"error": "invalid_grant", "error_description": "Invalid email or User ID"})
        access = "ya29.fake-" + hashlib.sha256(f"{claims}{now}{len(self.tokens)}".encode()).hexdigest()[:24]
        self.tokens[access] = Token(str(claims["sub"]).lower(), frozenset(str(claims["scope"]).split()), now + 3600)
        return Response(200, {"access_token": access, "expires_in": 3599, "token_type": "Bearer"})

    # -- helpers ---------------------------------------------------------------------------------

    def _as_admin(self, call: Call) -> None:
        user = self.user_by(call.token.subject)
        if not user or not (user["isAdmin"] or user["isDelegatedAdmin"]):
            raise fail(403, "Not Authorized to access this resource/api", "forbidden")

    def _visible(self, key: str) -> bool:
        left = self._invisible.get(key.lower(), 0)
        if left > 0:
            self._invisible[key.lower()] = left - 1
            return False
        return self.seen(key)

    def _user(self, call: Call, key: str) -> dict[str, Any]:
        self._as_admin(call)
        user = self.user_by(key)
        if user is None or not self._visible(user["primaryEmail"]):
            raise fail(404, "Resource Not Found: userKey", "notFound")
        return user

    def _group(self, call: Call, key: str) -> dict[str, Any]:
        self._as_admin(call)
        group = self.group_by(key)
        if group is None or not self._visible(group["email"]):
            raise fail(404, "Resource Not Found: groupKey", "notFound")
        return group

    def _address_taken(self, address: str) -> bool:
        return self.user_by(address) is not None or self.group_by(address) is not None

    def _own_domain(self, address: str) -> bool:
        dom = address.rpartition("@")[2].lower()
        return dom in self.domains or dom in self.domain_aliases

    def _page(self, call: Call, items: list[Any], key: str, default: int, extra: dict[str, Any]) -> dict[str, Any]:
        size = int(call.req.arg("maxResults") or call.req.arg("pageSize") or default)
        token = call.req.arg("pageToken")
        start = int(base64.b64decode(token).decode().split(":")[1]) if token else 0
        out = dict(extra)
        if items[start : start + size]:
            out[key] = items[start : start + size]
        if start + size < len(items):
            out["nextPageToken"] = base64.b64encode(f"page:{start + size}".encode()).decode()
        return out

    @staticmethod
    def _gmail_defaults() -> dict[str, Any]:
        return {
            "vacation": {
                "enableAutoReply": False,
                "responseSubject": "",
                "responseBodyPlainText": "",
                "restrictToContacts": False,
                "restrictToDomain": False,
            },
            "autoForwarding": {"enabled": False},
            "forwardingAddresses": {},
            "delegates": {},
            "sendAs": {},  # besides the primary address, which every account has
        }

    def _member(self, email: str, role: str, delivery: str) -> dict[str, Any]:
        target = self.user_by(email) or self.group_by(email)
        return {
            "kind": "admin#directory#member",
            "email": email,
            "role": role,
            "delivery_settings": delivery,
            "id": target["id"] if target else self.new_id(),
            "status": "ACTIVE",
            "type": "GROUP" if target and "directMembersCount" in target else "USER",
        }

    # -- Directory: domains ------------------------------------------------------------------------

    def h_directory_domains_list(self, call: Call) -> Any:
        self._as_admin(call)
        return {"kind": "admin#directory#domains", "domains": list(self.domains.values())}

    def h_directory_domains_insert(self, call: Call) -> Any:
        self._as_admin(call)
        name = call.req.json()["domainName"].lower()
        if name in self.domains or name in self.domain_aliases:
            raise fail(409, "Entity already exists.", "duplicate")
        self.domains[name] = {"domainName": name, "isPrimary": False, "verified": False}
        return self.domains[name]

    def h_directory_domains_delete(self, call: Call) -> Any:
        self._as_admin(call)
        if self.domains.pop(call.params["domainName"].lower(), None) is None:
            raise fail(404, "Domain not found.", "notFound")

    def h_directory_domainAliases_list(self, call: Call) -> Any:
        self._as_admin(call)
        return {"kind": "admin#directory#domainAliases", "domainAliases": list(self.domain_aliases.values())}

    def h_directory_domainAliases_insert(self, call: Call) -> Any:
        self._as_admin(call)
        body = call.req.json()
        name = body["domainAliasName"].lower()
        if body.get("parentDomainName", "").lower() not in self.domains:
            raise fail(400, "Invalid parent domain", "invalid")
        if name in self.domains or name in self.domain_aliases:
            raise fail(409, "Entity already exists.", "duplicate")
        self.domain_aliases[name] = {
            "domainAliasName": name,
            "parentDomainName": body["parentDomainName"].lower(),
            "verified": False,
        }
        return self.domain_aliases[name]

    def h_directory_domainAliases_delete(self, call: Call) -> Any:
        self._as_admin(call)
        if self.domain_aliases.pop(call.params["domainAliasName"].lower(), None) is None:
            raise fail(404, "Domain alias not found.", "notFound")

    # -- Directory: users ----------------------------------------------------------------------------

    def h_directory_users_list(self, call: Call) -> Any:
        self._as_admin(call)
        domain = call.req.arg("domain")
        if not call.req.arg("customer") and not domain:
            raise fail(400, "Bad Request", "badRequest")
        listed = [u for u in self.users.values() if self.seen(u["primaryEmail"])]  # lists lag like gets
        users = sorted(listed, key=lambda u: u["primaryEmail"])
        if domain:
            users = [u for u in users if u["primaryEmail"].endswith("@" + domain.lower())]
        full = call.req.arg("projection") == "full"
        shown = [u if full else {k: v for k, v in u.items() if k != "customSchemas"} for u in users]
        return self._page(call, shown, "users", 100, {"kind": "admin#directory#users", "etag": '"e1"'})

    def h_directory_users_get(self, call: Call) -> Any:
        return self._user(call, call.params["userKey"])

    def h_directory_users_insert(self, call: Call) -> Any:
        self._as_admin(call)
        body = call.req.json()
        email = body["primaryEmail"].lower()
        if not self._own_domain(email):
            raise fail(400, "Invalid Input: primary_user_email", "invalid")
        if self._address_taken(email):
            raise fail(409, "Entity already exists.", "duplicate")
        if len(body.get("password", "")) < 8:
            raise fail(400, "Invalid Password", "invalid")
        name = body["name"]
        if not name.get("givenName") or not name.get("familyName"):
            raise fail(400, "Invalid Given/Family Name: FamilyName", "invalid")
        ou = body.get("orgUnitPath", "/")
        if ou != "/" and ou not in self.orgunits:
            raise fail(400, "Invalid Input: INVALID_OU_ID", "invalid")
        user = self.add_user(email, isMailboxSetup=True, orgUnitPath=ou)
        self._set_name(user, name)
        for key in ("externalIds", "changePasswordAtNextLogin", "suspended"):
            if key in body:
                user[key] = body[key]
        self.passwords[user["id"]] = hashlib.sha256(body["password"].encode()).hexdigest()
        self.created(email)
        if self.lag:
            self._invisible[email] = self.lag
        if self.lose_insert_answers > 0:
            self.lose_insert_answers -= 1
            return g_error(503, "The service is currently unavailable.", "backendError", "UNAVAILABLE")
        return user

    @staticmethod
    def _set_name(user: dict[str, Any], name: dict[str, Any]) -> None:
        merged = {**user["name"], **name}
        merged["fullName"] = f"{merged['givenName']} {merged['familyName']}"
        user["name"] = merged

    def h_directory_users_patch(self, call: Call) -> Any:
        user = self._user(call, call.params["userKey"])
        body = call.req.json()
        if body.get("suspended") is False and user.get("suspensionReason") == "ABUSE":
            raise fail(412, "Admin cannot unsuspend a user suspended for abuse", "adminCannotUnsuspend")
        if "orgUnitPath" in body and body["orgUnitPath"] != "/" and body["orgUnitPath"] not in self.orgunits:
            raise fail(400, "Invalid Input: INVALID_OU_ID", "invalid")
        if "password" in body:
            if len(body["password"]) < 8:
                raise fail(400, "Invalid Password", "invalid")
            self.passwords[user["id"]] = hashlib.sha256(body.pop("password").encode()).hexdigest()
        if "name" in body:
            self._set_name(user, body.pop("name"))
        if "suspended" in body:
            user["suspensionReason"] = "ADMIN" if body["suspended"] else None
        user.update(body)
        return user

    def h_directory_users_delete(self, call: Call) -> Any:
        user = self._user(call, call.params["userKey"])
        del self.users[user["id"]]

    def h_directory_users_makeAdmin(self, call: Call) -> Any:
        user = self._user(call, call.params["userKey"])
        user["isAdmin"] = bool(call.req.json()["status"])

    def h_directory_users_signOut(self, call: Call) -> Any:
        self.signed_out[self._user(call, call.params["userKey"])["primaryEmail"]] += 1

    def h_directory_asps_list(self, call: Call) -> Any:
        user = self._user(call, call.params["userKey"])
        return {"kind": "admin#directory#asps", "items": self.asps.get(user["id"], [])}

    def h_directory_asps_delete(self, call: Call) -> Any:
        user = self._user(call, call.params["userKey"])
        items = self.asps.get(user["id"], [])
        kept = [a for a in items if str(a["codeId"]) != call.params["codeId"]]
        if len(kept) == len(items):
            raise fail(404, "Resource Not Found: codeId", "notFound")
        self.asps[user["id"]] = kept

    def h_directory_tokens_list(self, call: Call) -> Any:
        user = self._user(call, call.params["userKey"])
        return {"kind": "admin#directory#tokenList", "items": self.oauth_tokens.get(user["id"], [])}

    def h_directory_tokens_delete(self, call: Call) -> Any:
        user = self._user(call, call.params["userKey"])
        items = self.oauth_tokens.get(user["id"], [])
        kept = [t for t in items if t["clientId"] != call.params["clientId"]]
        if len(kept) == len(items):
            raise fail(404, "Resource Not Found: clientId", "notFound")
        self.oauth_tokens[user["id"]] = kept

    def h_directory_verificationCodes_invalidate(self, call: Call) -> Any:
        self.codes_invalidated[self._user(call, call.params["userKey"])["primaryEmail"]] += 1

    def _add_alias(self, owner: dict[str, Any], alias: str) -> dict[str, Any]:
        alias = alias.lower()
        if not self._own_domain(alias):
            raise fail(400, "Invalid Input: alias domain is not a domain of this account", "invalid")
        if self._address_taken(alias):
            raise fail(409, "Entity already exists.", "duplicate")
        owner.setdefault("aliases", []).append(alias)
        return {
            "kind": "admin#directory#alias",
            "alias": alias,
            "primaryEmail": owner.get("primaryEmail") or owner["email"],
        }

    def _drop_alias(self, owner: dict[str, Any], alias: str) -> None:
        if alias.lower() not in owner.get("aliases", []):
            raise fail(404, "Resource Not Found: alias", "notFound")
        owner["aliases"].remove(alias.lower())
        if not owner["aliases"]:
            del owner["aliases"]

    def h_directory_users_aliases_insert(self, call: Call) -> Any:
        return self._add_alias(self._user(call, call.params["userKey"]), call.req.json()["alias"])

    def h_directory_users_aliases_delete(self, call: Call) -> Any:
        self._drop_alias(self._user(call, call.params["userKey"]), call.params["alias"])

    def h_directory_groups_aliases_insert(self, call: Call) -> Any:
        return self._add_alias(self._group(call, call.params["groupKey"]), call.req.json()["alias"])

    def h_directory_groups_aliases_delete(self, call: Call) -> Any:
        self._drop_alias(self._group(call, call.params["groupKey"]), call.params["alias"])

    # -- Directory: org units ------------------------------------------------------------------------

    def _ou(self, key: str) -> dict[str, Any]:
        for path, ou in self.orgunits.items():
            if key in (path.lstrip("/"), ou["orgUnitId"], path):
                return ou
        raise fail(404, "Org unit not found", "notFound")

    def h_directory_orgunits_list(self, call: Call) -> Any:
        self._as_admin(call)
        return {"kind": "admin#directory#orgUnits", "organizationUnits": list(self.orgunits.values())}

    def h_directory_orgunits_insert(self, call: Call) -> Any:
        self._as_admin(call)
        body = call.req.json()
        parent = body.get("parentOrgUnitPath", "/")
        if parent != "/" and parent not in self.orgunits:
            raise fail(400, "Invalid Ou Id", "invalid")
        path = parent.rstrip("/") + "/" + body["name"]
        if path in self.orgunits:
            raise fail(409, "Invalid Ou Id: Org unit already exists", "duplicate")
        ou = {
            "kind": "admin#directory#orgUnit",
            "name": body["name"],
            "description": body.get("description", ""),
            "orgUnitPath": path,
            "orgUnitId": "id:" + self.new_id(),
            "parentOrgUnitPath": parent,
            "parentOrgUnitId": self.orgunits[parent]["orgUnitId"] if parent != "/" else "id:root",
        }
        self.orgunits[path] = ou
        return ou

    def h_directory_orgunits_patch(self, call: Call) -> Any:
        self._as_admin(call)
        ou = self._ou(call.params["orgUnitPath"])
        body = call.req.json()
        parent = body.get("parentOrgUnitPath", ou["parentOrgUnitPath"])
        if parent != "/" and parent not in self.orgunits:
            raise fail(400, "Invalid Ou Id", "invalid")
        if "description" in body:
            ou["description"] = body["description"]
        if parent != ou["parentOrgUnitPath"]:
            del self.orgunits[ou["orgUnitPath"]]
            ou["parentOrgUnitPath"] = parent
            ou["orgUnitPath"] = parent.rstrip("/") + "/" + ou["name"]
            self.orgunits[ou["orgUnitPath"]] = ou
        return ou

    def h_directory_orgunits_delete(self, call: Call) -> Any:
        self._as_admin(call)
        ou = self._ou(call.params["orgUnitPath"])
        if any(u["orgUnitPath"] == ou["orgUnitPath"] for u in self.users.values()):
            raise fail(400, "Org unit has users", "failedPrecondition")
        del self.orgunits[ou["orgUnitPath"]]

    # -- Directory: groups and members -----------------------------------------------------------------

    def h_directory_groups_list(self, call: Call) -> Any:
        self._as_admin(call)
        if not call.req.arg("customer") and not call.req.arg("domain") and not call.req.arg("userKey"):
            raise fail(400, "Bad Request", "badRequest")
        groups = sorted((g for g in self.groups.values() if self.seen(g["email"])), key=lambda g: g["email"])
        for g in groups:
            g["directMembersCount"] = str(len(self.members[g["id"]]))
        return self._page(call, groups, "groups", 200, {"kind": "admin#directory#groups"})

    def h_directory_groups_insert(self, call: Call) -> Any:
        self._as_admin(call)
        body = call.req.json()
        email = body["email"].lower()
        if not self._own_domain(email):
            raise fail(400, "Invalid Input: email", "invalid")
        if self._address_taken(email):
            raise fail(409, "Entity already exists.", "duplicate")
        group = self.add_group(email, body.get("name", email))
        group["description"] = body.get("description", "")
        self.created(email)
        if self.lag:
            self._invisible[email] = self.lag
        return group

    def h_directory_groups_get(self, call: Call) -> Any:
        return self._group(call, call.params["groupKey"])

    def h_directory_groups_patch(self, call: Call) -> Any:
        group = self._group(call, call.params["groupKey"])
        group.update(call.req.json())
        return group

    def h_directory_groups_delete(self, call: Call) -> Any:
        group = self._group(call, call.params["groupKey"])
        del self.groups[group["id"]]

    def h_directory_members_list(self, call: Call) -> Any:
        group = self._group(call, call.params["groupKey"])
        items = sorted(self.members[group["id"]].values(), key=lambda m: m["email"])
        return self._page(call, items, "members", 200, {"kind": "admin#directory#members"})

    def h_directory_members_insert(self, call: Call) -> Any:
        group = self._group(call, call.params["groupKey"])
        body = call.req.json()
        email = body["email"].lower()
        target = self.user_by(email) or self.group_by(email)
        if self._own_domain(email) and (target is None or not self._visible(target.get("primaryEmail") or email)):
            raise fail(404, "Resource Not Found: memberKey", "notFound")  # also while a new user is not visible
        if email in self.members[group["id"]]:
            raise fail(409, "Member already exists.", "duplicate")
        member = self._member(email, body.get("role", "MEMBER"), body.get("delivery_settings", "ALL_MAIL"))
        self.members[group["id"]][email] = member
        return member

    def h_directory_members_patch(self, call: Call) -> Any:
        group = self._group(call, call.params["groupKey"])
        member = self.members[group["id"]].get(call.params["memberKey"].lower())
        if member is None:
            raise fail(404, "Resource Not Found: memberKey", "notFound")
        body = call.req.json()
        member.update({k: body[k] for k in ("role", "delivery_settings") if k in body})
        return member

    def h_directory_members_delete(self, call: Call) -> Any:
        group = self._group(call, call.params["groupKey"])
        if self.members[group["id"]].pop(call.params["memberKey"].lower(), None) is None:
            raise fail(404, "Resource Not Found: memberKey", "notFound")

    # -- Groups Settings ---------------------------------------------------------------------------

    POST_VALUES = (
        "NONE_CAN_POST",
        "ALL_MANAGERS_CAN_POST",
        "ALL_MEMBERS_CAN_POST",
        "ALL_OWNERS_CAN_POST",
        "ALL_IN_DOMAIN_CAN_POST",
        "ANYONE_CAN_POST",
    )

    def _settings(self, call: Call) -> dict[str, Any]:
        group = self._group(call, call.params["groupUniqueId"])
        return self.group_settings[group["id"]]

    def _settings_answer(self, call: Call, settings: dict[str, Any]) -> Response:
        if call.req.arg("alt") != "json":  # the API's default format is Atom
            xml = "<?xml version='1.0' encoding='UTF-8'?><entry xmlns='http://www.w3.org/2005/Atom'/>"
            return Response(200, xml, {"Content-Type": "application/atom+xml; charset=UTF-8"})
        return Response(200, {"kind": "groupsSettings#groups", **settings})

    def h_groupsSettings_groups_get(self, call: Call) -> Any:
        return self._settings_answer(call, self._settings(call))

    def h_groupsSettings_groups_patch(self, call: Call) -> Any:
        settings = self._settings(call)
        body = call.req.json()
        post = body.get("whoCanPostMessage")
        if post is not None and post not in self.POST_VALUES:
            raise fail(400, f"Invalid Value: whoCanPostMessage={post}", "invalid")
        if post == "NONE_CAN_POST" and body.get("archiveOnly") != "true":
            raise fail(400, "Invalid Value: NONE_CAN_POST requires archiveOnly", "invalid")
        settings.update(body)
        return self._settings_answer(call, settings)

    # -- Directory: roles ----------------------------------------------------------------------------

    def h_directory_roles_list(self, call: Call) -> Any:
        self._as_admin(call)
        return self._page(call, self.roles, "items", 100, {"kind": "admin#directory#roles"})

    def h_directory_roleAssignments_list(self, call: Call) -> Any:
        self._as_admin(call)
        items = list(self.role_assignments.values())
        if call.req.arg("roleId"):
            items = [a for a in items if a["roleId"] == call.req.arg("roleId")]
        if call.req.arg("userKey"):
            user = self._user(call, call.req.arg("userKey") or "")
            items = [a for a in items if a["assignedTo"] == user["id"]]
        return self._page(call, items, "items", 100, {"kind": "admin#directory#roleAssignments"})

    def h_directory_roleAssignments_insert(self, call: Call) -> Any:
        self._as_admin(call)
        body = call.req.json()
        if body["roleId"] not in {r["roleId"] for r in self.roles}:
            raise fail(404, "Resource Not Found: roleId", "notFound")
        if body["assignedTo"] not in self.users:
            raise fail(404, "Resource Not Found: assignedTo", "notFound")
        ous = {ou["orgUnitId"].removeprefix("id:") for ou in self.orgunits.values()}
        if body.get("scopeType") == "ORG_UNIT" and str(body.get("orgUnitId", "")).removeprefix("id:") not in ous:
            raise fail(400, "Invalid Input: orgUnitId", "invalid")
        rid = self.new_id()
        self.role_assignments[rid] = {
            "kind": "admin#directory#roleAssignment",
            "roleAssignmentId": rid,
            **body,
            "assigneeType": "user",
        }
        self.users[body["assignedTo"]]["isDelegatedAdmin"] = True
        return self.role_assignments[rid]

    def h_directory_roleAssignments_delete(self, call: Call) -> Any:
        self._as_admin(call)
        if self.role_assignments.pop(call.params["roleAssignmentId"], None) is None:
            raise fail(404, "Resource Not Found: roleAssignmentId", "notFound")

    # -- Gmail settings --------------------------------------------------------------------------------

    def _mailbox(self, call: Call) -> dict[str, Any]:
        owner = call.params["userId"]
        owner = call.token.subject if owner == "me" else owner.lower()
        if owner != call.token.subject:
            raise fail(403, f"Delegation denied for {call.token.subject}", "forbidden")
        user = self.user_by(owner)
        if user is None or not self._visible(user["primaryEmail"]):
            raise fail(404, "Requested entity was not found.", "notFound")
        if user.get("suspended") or not user.get("isMailboxSetup"):
            raise fail(400, "Mail service not enabled", "failedPrecondition")
        return self.gmail[user["id"]]

    def h_gmail_users_settings_getVacation(self, call: Call) -> Any:
        return self._mailbox(call)["vacation"]

    def h_gmail_users_settings_updateVacation(self, call: Call) -> Any:
        box = self._mailbox(call)
        box["vacation"] = call.req.json()
        return box["vacation"]

    def h_gmail_users_settings_getAutoForwarding(self, call: Call) -> Any:
        return self._mailbox(call)["autoForwarding"]

    def h_gmail_users_settings_updateAutoForwarding(self, call: Call) -> Any:
        box = self._mailbox(call)
        body = call.req.json()
        if body.get("enabled"):
            known = box["forwardingAddresses"].get(str(body.get("emailAddress", "")).lower())
            if not known or known["verificationStatus"] != "accepted":
                raise fail(400, "Unrecognized forwarding address", "failedPrecondition")
            if body.get("disposition") not in ("leaveInInbox", "archive", "trash", "markRead"):
                raise fail(400, "Invalid disposition", "invalidArgument")
        box["autoForwarding"] = body
        return body

    def h_gmail_users_settings_forwardingAddresses_create(self, call: Call) -> Any:
        box = self._mailbox(call)
        email = call.req.json()["forwardingEmail"].lower()
        if email in box["forwardingAddresses"]:
            raise fail(409, "Forwarding address already exists", "duplicate")
        status = "accepted" if self._own_domain(email) else "pending"
        box["forwardingAddresses"][email] = {"forwardingEmail": email, "verificationStatus": status}
        return box["forwardingAddresses"][email]

    def h_gmail_users_settings_forwardingAddresses_get(self, call: Call) -> Any:
        found = self._mailbox(call)["forwardingAddresses"].get(call.params["forwardingEmail"].lower())
        if found is None:
            raise fail(404, "Requested entity was not found.", "notFound")
        return found

    def h_gmail_users_settings_delegates_list(self, call: Call) -> Any:
        delegates = list(self._mailbox(call)["delegates"].values())
        return {"delegates": delegates} if delegates else {}

    def h_gmail_users_settings_delegates_create(self, call: Call) -> Any:
        box = self._mailbox(call)
        email = call.req.json()["delegateEmail"].lower()
        delegate = self.user_by(email)
        if delegate is None or delegate["primaryEmail"].lower() != email:
            raise fail(400, "Invalid delegate", "invalidArgument")
        if email in box["delegates"]:
            raise fail(409, "Delegate already exists", "duplicate")
        box["delegates"][email] = {"delegateEmail": email, "verificationStatus": "accepted"}
        return box["delegates"][email]

    def h_gmail_users_settings_delegates_delete(self, call: Call) -> Any:
        if self._mailbox(call)["delegates"].pop(call.params["delegateEmail"].lower(), None) is None:
            raise fail(404, "Requested entity was not found.", "notFound")

    def h_gmail_users_settings_sendAs_list(self, call: Call) -> Any:
        box = self._mailbox(call)
        primary = {"sendAsEmail": call.token.subject, "isPrimary": True, "isDefault": True, "treatAsAlias": False,
                   "verificationStatus": "accepted"}  # fmt: skip
        return {"sendAs": [primary, *box["sendAs"].values()]}

    def h_gmail_users_settings_sendAs_create(self, call: Call) -> Any:
        box = self._mailbox(call)
        body = call.req.json()
        email = str(body["sendAsEmail"]).lower()
        if email in box["sendAs"] or email == call.token.subject:
            raise fail(409, "Send-as alias already exists", "duplicate")
        status = "accepted" if self._own_domain(email) else "pending"
        box["sendAs"][email] = {**body, "sendAsEmail": email, "isPrimary": False, "verificationStatus": status}
        return box["sendAs"][email]

    def h_gmail_users_settings_sendAs_delete(self, call: Call) -> Any:
        if self._mailbox(call)["sendAs"].pop(call.params["sendAsEmail"].lower(), None) is None:
            raise fail(404, "Requested entity was not found.", "notFound")

    # -- Vault -------------------------------------------------------------------------------------

    def h_vault_matters_list(self, call: Call) -> Any:
        matters = [m for m in self.matters.values() if call.req.arg("state") in (None, m["state"])]
        return self._page(call, matters, "matters", 100, {})

    def h_vault_matters_create(self, call: Call) -> Any:
        body = call.req.json()
        mid = "m" + self.new_id()
        self.matters[mid] = {
            "matterId": mid,
            "name": body["name"],
            "description": body.get("description", ""),
            "state": "OPEN",
        }
        self.holds[mid] = {}
        return self.matters[mid]

    def _matter(self, call: Call) -> dict[str, dict[str, Any]]:
        if call.params["matterId"] not in self.matters:
            raise fail(404, "Requested entity was not found.", "notFound")
        return self.holds[call.params["matterId"]]

    def _held(self, email: str) -> dict[str, Any]:
        user = self.user_by(email)
        if user is None:
            raise fail(400, f"Account {email} not found", "invalidArgument")
        return {"accountId": user["id"], "email": user["primaryEmail"]}

    def h_vault_matters_holds_list(self, call: Call) -> Any:
        return self._page(call, list(self._matter(call).values()), "holds", 100, {})

    def h_vault_matters_holds_create(self, call: Call) -> Any:
        holds = self._matter(call)
        body = call.req.json()
        hid = "h" + self.new_id()
        holds[hid] = {
            "holdId": hid,
            "name": body["name"],
            "corpus": body["corpus"],
            "accounts": [self._held(a["email"]) for a in body.get("accounts", [])],
        }
        return holds[hid]

    def h_vault_matters_holds_addHeldAccounts(self, call: Call) -> Any:
        hold = self._matter(call).get(call.params["holdId"])
        if hold is None:
            raise fail(404, "Requested entity was not found.", "notFound")
        responses = []
        for email in call.req.json().get("emails", []):
            account = self._held(email)
            if any(a["accountId"] == account["accountId"] for a in hold["accounts"]):
                responses.append({"account": account, "status": {"code": 6, "message": "already held"}})
            else:
                hold["accounts"].append(account)
                responses.append({"account": account, "status": {}})
        return {"responses": responses}

    def h_vault_matters_holds_removeHeldAccounts(self, call: Call) -> Any:
        hold = self._matter(call).get(call.params["holdId"])
        if hold is None:
            raise fail(404, "Requested entity was not found.", "notFound")
        statuses = []
        for account_id in call.req.json().get("accountIds", []):
            kept = [a for a in hold["accounts"] if a["accountId"] != account_id]
            statuses.append({} if len(kept) < len(hold["accounts"]) else {"code": 5, "message": "not held"})
            hold["accounts"] = kept
        return {"statuses": statuses}

    def held(self) -> set[str]:
        return {a["email"] for holds in self.holds.values() for h in holds.values() for a in h["accounts"]}


# --------------------------------------------------------------------------------------------
# Conformance harness


@dataclass
class Harness:
    provider_type: str
    settings: dict[str, Any]
    fake: GoogleFake


@contextlib.contextmanager
def harness(domain: str = "example.com", seed: Callable[[GoogleFake], None] | None = None) -> Iterator[Harness]:
    fake = GoogleFake(domain=domain, admin=f"admin@{domain}").start()
    try:
        if seed:
            seed(fake)
        settings = {
            "service_account_key": fake.service_account_json(),
            "admin_email": fake.admin,
            "base_url": fake.url,
        }
        yield Harness("google-workspace", settings, fake)
    finally:
        fake.stop()
