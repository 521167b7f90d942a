"""A fake Microsoft 365 tenant on loopback: Microsoft Graph v1.0 and the Entra ID token endpoint.

Followed:
- Microsoft Graph REST API v1.0 reference, https://learn.microsoft.com/graph/api/overview?view=graph-rest-1.0
  (user: list with ``$select``/``$top`` ≤ 999 and ``@odata.nextLink``; create 201 / duplicate 400
  Request_BadRequest; update 204; ``proxyAddresses`` read-only; revokeSignInSessions ``{"value":true}``;
  assignLicense needs ``usageLocation``; mailboxSettings / automaticRepliesSetting)
- Groups: https://learn.microsoft.com/graph/api/resources/groups-overview and "Working with groups in
  Microsoft Graph", https://learn.microsoft.com/graph/office365-groups-concept-overview (only Microsoft
  365 and security groups can be created; mail-enabled security groups and distribution lists are
  read-only: a write answers 400 Request_BadRequest "Cannot Update a mail-enabled security groups and
  or distribution list.", as reported in microsoftgraph/microsoft-graph-docs#14827; ``members/$ref``,
  duplicate reference → 400 "One or more added object references already exist")
- mailboxSettings, https://learn.microsoft.com/graph/api/resources/mailboxsettings (``userPurpose``,
  read-only: ``user`` or ``shared``, …; a shared mailbox is a user with sign-in blocked and no licence)
- Administrative units and ``roleManagement/directory/roleAssignments`` (RBAC) reference pages
- Error responses, https://learn.microsoft.com/graph/errors (``{"error":{"code","message","innerError"}}``;
  503 serviceNotAvailable)
- Throttling, https://learn.microsoft.com/graph/throttling (429 TooManyRequests with ``Retry-After``)
- Client credentials flow, https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
  (secret or ``client_assertion``; an expired token gives 401 InvalidAuthenticationToken)
"""

from __future__ import annotations

import contextlib
import itertools
import re
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fakes.server import FakeServer, Quota, Request, Response

TENANT = "00000000-aaaa-bbbb-cccc-000000000001"
SKU = "06ebc4ee-1bb5-47dd-8120-11324bc54e06"  # a licence with Exchange Online in it
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
QUERY_OPTIONS = {"$select", "$top", "$filter", "$skiptoken", "$expand", "$count", "$orderby"}
USER_WRITABLE = {
    "accountEnabled",
    "displayName",
    "mailNickname",
    "userPrincipalName",
    "passwordProfile",
    "department",
    "usageLocation",
    "onPremisesExtensionAttributes",
    "givenName",
    "surname",
    "jobTitle",
}
USER_READ_ONLY = {"proxyAddresses", "mail", "id", "assignedLicenses"}  # licences only through assignLicense
DEFAULT_USER_FIELDS = ("id", "displayName", "mail", "userPrincipalName")


def g_error(status: int, code: str, message: str) -> Response:
    inner = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": str(uuid.uuid4()),
        "client-request-id": str(uuid.uuid4()),
    }
    return Response(status, {"error": {"code": code, "message": message, "innerError": inner}})


class GraphFail(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.response = g_error(status, code, message)


def not_found(key: str) -> GraphFail:
    return GraphFail(
        404,
        "Request_ResourceNotFound",
        f"Resource '{key}' does not exist or one of its queried reference-property objects are not present.",
    )


def throttled(count: int, retry_after: str = "2") -> list[Response]:
    out = []
    for _ in range(count):
        resp = g_error(429, "TooManyRequests", "Too many requests.")
        resp.headers["Retry-After"] = retry_after
        out.append(resp)
    return out


def _graph_calls(write: bool) -> Callable[[Request], str | None]:
    def key(req: Request) -> str | None:
        if not req.path.startswith("/v1.0/") or (req.method != "GET") != write:
            return None
        return "tenant"

    return key


def _throttle(wait: float) -> Response:
    return throttled(1, str(int(wait + 0.999)))[0]


class GraphFake(FakeServer):
    def __init__(self, domain: str = "example.com", client_secret: str = "s3cret", assertion: str = "") -> None:
        super().__init__()
        self.client_id = "11111111-2222-3333-4444-555555555555"
        self.client_secret = client_secret
        self.assertion = assertion  # a federated token the fake accepts instead of the secret
        self.violations: list[str] = []
        self.tokens: dict[str, float] = {}
        self.lag = 0
        self._invisible: dict[str, int] = {}
        self._seq = itertools.count(1)
        self.domains: dict[str, dict[str, Any]] = {
            domain: {"id": domain, "isDefault": True, "isVerified": True, "authenticationType": "Managed"}
        }
        self.skus = {SKU}
        self.users: dict[str, dict[str, Any]] = {}
        self.passwords: dict[str, str] = {}
        self.revoked: dict[str, int] = {}
        self.replies: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self.owners: dict[str, list[str]] = {}
        self.units: dict[str, dict[str, Any]] = {}
        self.unit_members: dict[str, list[str]] = {}
        self.assignments: dict[str, dict[str, Any]] = {}
        self.purposes: dict[str, str] = {}  # user id -> mailboxSettings.userPurpose ("user" when absent)
        # user creations that succeed but whose answer is lost (503): the client's retry then meets the user
        self.lose_create_answers = 0
        # Throttling limits page, identity and access: writes 3,000 per 2.5 minutes per app and tenant; reads
        # 3,500 resource units per 10 seconds for a tenant under 50 users (a request costs 1 unit here).
        # Over a limit: 429 TooManyRequests with Retry-After, the seconds until the window has room.
        self.quotas += [
            Quota("identity writes per 2.5 minutes", 3000, 150.0, _graph_calls(write=True), _throttle),
            Quota("identity resource units per 10 seconds", 3500, 10.0, _graph_calls(write=False), _throttle),
        ]
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = []
        for method, pattern, handler in (
            ("GET", r"/domains", self.list_domains),
            ("POST", r"/domains", self.create_domain),
            ("DELETE", r"/domains/(?P<key>[^/]+)", self.delete_domain),
            ("GET", r"/users", self.list_users),
            ("POST", r"/users", self.create_user),
            ("GET", r"/users/(?P<key>[^/]+)", self.get_user),
            ("PATCH", r"/users/(?P<key>[^/]+)", self.update_user),
            ("DELETE", r"/users/(?P<key>[^/]+)", self.delete_user),
            ("POST", r"/users/(?P<key>[^/]+)/revokeSignInSessions", self.revoke),
            ("POST", r"/users/(?P<key>[^/]+)/assignLicense", self.assign_license),
            ("GET", r"/users/(?P<key>[^/]+)/mailboxSettings/automaticRepliesSetting", self.get_reply),
            ("GET", r"/users/(?P<key>[^/]+)/mailboxSettings/userPurpose", self.get_purpose),
            ("PATCH", r"/users/(?P<key>[^/]+)/mailboxSettings", self.set_reply),
            ("POST", r"/invitations", self.invite),
            ("GET", r"/groups", self.list_groups),
            ("POST", r"/groups", self.create_group),
            ("GET", r"/groups/(?P<key>[^/]+)", self.get_group),
            ("PATCH", r"/groups/(?P<key>[^/]+)", self.update_group),
            ("DELETE", r"/groups/(?P<key>[^/]+)", self.delete_group),
            ("GET", r"/groups/(?P<key>[^/]+)/(?P<rel>members|owners)", self.list_refs),
            ("POST", r"/groups/(?P<key>[^/]+)/(?P<rel>members|owners)/\$ref", self.add_ref),
            ("DELETE", r"/groups/(?P<key>[^/]+)/(?P<rel>members|owners)/(?P<oid>[^/]+)/\$ref", self.remove_ref),
            ("GET", r"/directory/administrativeUnits", self.list_units),
            ("POST", r"/directory/administrativeUnits", self.create_unit),
            ("PATCH", r"/directory/administrativeUnits/(?P<key>[^/]+)", self.update_unit),
            ("DELETE", r"/directory/administrativeUnits/(?P<key>[^/]+)", self.delete_unit),
            ("POST", r"/directory/administrativeUnits/(?P<key>[^/]+)/members/\$ref", self.add_unit_member),
            (
                "DELETE",
                r"/directory/administrativeUnits/(?P<key>[^/]+)/members/(?P<oid>[^/]+)/\$ref",
                self.remove_unit_member,
            ),
            ("GET", r"/roleManagement/directory/roleAssignments", self.list_assignments),
            ("POST", r"/roleManagement/directory/roleAssignments", self.create_assignment),
            ("DELETE", r"/roleManagement/directory/roleAssignments/(?P<key>[^/]+)", self.delete_assignment),
        ):
            self.routes.append((method, re.compile("/v1.0" + pattern), handler))

    # -- seeding and inspection -----------------------------------------------------------------

    @property
    def graph_url(self) -> str:
        return self.url + "/v1.0"

    def new_id(self) -> str:
        return str(uuid.UUID(int=next(self._seq)))

    def add_user(self, upn: str, name: str = "Some One", licensed: bool = True, **extra: Any) -> dict[str, Any]:
        uid = self.new_id()
        user = {
            "id": uid,
            "displayName": name,
            "userPrincipalName": upn,
            "mail": upn if licensed else None,
            "accountEnabled": True,
            "proxyAddresses": [f"SMTP:{upn}"] if licensed else [],
            "department": None,
            "usageLocation": "CN",
            "userType": "Member",
            "assignedLicenses": [{"skuId": SKU, "disabledPlans": []}] if licensed else [],
            "onPremisesExtensionAttributes": {f"extensionAttribute{i}": None for i in range(1, 16)},
        }
        user.update(extra)
        self.users[uid] = user
        return user

    def add_shared_mailbox(self, address: str, name: str, sign_in_blocked: bool = True) -> dict[str, Any]:
        """What ``New-Mailbox -Shared`` leaves in the directory: a user with a mailbox and no licence
        (whose sign-in Microsoft tells admins to block)."""
        user = self.add_user(address, name, accountEnabled=not sign_in_blocked, assignedLicenses=[])
        self.purposes[user["id"]] = "shared"
        return user

    def add_group(self, mail: str, name: str, members: list[str], unified: bool = True) -> dict[str, Any]:
        gid = self.new_id()
        self.groups[gid] = {
            "id": gid,
            "displayName": name,
            "mail": mail,
            "mailEnabled": True,
            "securityEnabled": False,
            "groupTypes": ["Unified"] if unified else [],
            "proxyAddresses": [f"SMTP:{mail}"],
            "description": None,
            "mailNickname": mail.split("@")[0],
        }
        self.members[gid] = [self.user(m)["id"] for m in members]
        self.owners[gid] = []
        return self.groups[gid]

    def user(self, key: str) -> dict[str, Any]:
        key = key.lower()
        for user in self.users.values():
            if key in (user["id"], str(user["userPrincipalName"]).lower()):
                return user
        raise not_found(key)

    def group(self, key: str) -> dict[str, Any]:
        if key in self.groups:
            return self.groups[key]
        raise not_found(key)

    def expire_tokens(self) -> None:
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = 0

    def exempt(self, req: Request) -> bool:
        return req.path.endswith("/oauth2/v2.0/token")

    # -- routing -------------------------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        if req.method == "POST" and req.path == f"/{TENANT}/oauth2/v2.0/token":
            return self.token(req)
        try:
            self.authorize(req)
            for method, rx, route in self.routes:
                found = rx.fullmatch(req.path)
                if found and method == req.method:
                    handler = route
                    break
            else:
                self.violations.append(f"{req.method} {req.path}: not a Graph v1.0 route the fake knows")
                segment = req.path.rsplit("/", 1)[-1]
                raise GraphFail(400, "BadRequest", f"Resource not found for the segment '{segment}'.")
            for name in req.query:
                if name not in QUERY_OPTIONS:
                    self.violations.append(f"{req.method} {req.path}: unknown query option {name}")
                    raise GraphFail(400, "BadRequest", f"Query option '{name}' is not allowed.")
            result = handler(req, **found.groupdict())
        except GraphFail as exc:
            return exc.response
        if isinstance(result, Response):
            return result
        return Response(204 if result is None else 200, result)

    def authorize(self, req: Request) -> None:
        token = req.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if self.tokens.get(token, 0) < time.time():
            raise GraphFail(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")

    def token(self, req: Request) -> Response:
        form = {k: v[0] for k, v in urllib.parse.parse_qs(req.body.decode()).items()}
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("scope") != "https://graph.microsoft.com/.default"
        ):
            return Response(400, {"error": "invalid_request", "error_description": "AADSTS900144: bad grant or scope"})
        if form.get("client_id") != self.client_id:
            return Response(
                400,
                {
                    "error": "unauthorized_client",
                    "error_description": "AADSTS700016: Application "
                    f"with identifier '{form.get('client_id')}' was not found in the directory.",
                },
            )
        if "client_assertion" in form:
            ok = (
                bool(self.assertion)
                and form["client_assertion"] == self.assertion
                and form.get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            )
        else:
            ok = form.get("client_secret") == self.client_secret
        if not ok:
            return Response(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                    "error_codes": [7000215],
                },
            )
        access = "eyJ0eXAi.fake." + uuid.uuid4().hex
        self.tokens[access] = time.time() + 3599
        return Response(
            200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": access}
        )

    # -- helpers -------------------------------------------------------------------------------------

    def visible(self, key: str) -> None:
        left = self._invisible.get(key, 0)
        if left > 0:
            self._invisible[key] = left - 1
            raise not_found(key)
        if not self.seen(key):  # replication lag, by the clock
            raise not_found(key)

    def fresh_user(self, key: str) -> dict[str, Any]:
        user = self.user(key)
        self.visible(user["id"])
        return user

    def page(self, req: Request, items: list[dict[str, Any]], path: str, default: int = 100) -> dict[str, Any]:
        top = int(req.arg("$top") or default)
        if not 1 <= top <= 999:
            raise GraphFail(
                400,
                "Request_UnsupportedQuery",
                f"Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive.",
            )
        start = int(req.arg("$skiptoken") or 0)
        out: dict[str, Any] = {
            "@odata.context": f"{self.graph_url}/$metadata#{path}",
            "value": items[start : start + top],
        }
        if start + top < len(items):
            query = {k: v[0] for k, v in req.query.items() if k != "$skiptoken"} | {"$skiptoken": str(start + top)}
            out["@odata.nextLink"] = f"{self.graph_url}/{path}?{urllib.parse.urlencode(query)}"
        return out

    @staticmethod
    def select(req: Request, obj: dict[str, Any], default: tuple[str, ...]) -> dict[str, Any]:
        fields = (req.arg("$select") or "").split(",") if req.arg("$select") else list(default)
        return {f: obj.get(f) for f in fields if f}

    @staticmethod
    def filtered(req: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        expr = req.arg("$filter")
        if not expr:
            return items
        for clause in expr.split(" and "):
            found = re.fullmatch(r"(\w+) eq '([^']*)'", clause.strip())
            if not found:
                raise GraphFail(400, "Request_UnsupportedQuery", f"Unsupported filter: {clause}")
            name, value = found.groups()
            items = [i for i in items if str(i.get(name, "")).lower() == value.lower()]
        return items

    def object_id(self, body: dict[str, Any]) -> str:
        ref = str(body.get("@odata.id", ""))
        found = re.search(r"/(?:directoryObjects|users|groups)/([^/]+)$", ref)
        if not found:
            raise GraphFail(400, "Request_BadRequest", "Invalid object identifier.")
        oid = found.group(1)
        if (oid not in self.users and oid not in self.groups) or not self.seen(oid):
            raise not_found(oid)  # also an object created a moment ago, not replicated yet
        return oid

    # -- domains ------------------------------------------------------------------------------------

    def list_domains(self, req: Request) -> Any:
        return {"value": list(self.domains.values())}

    def create_domain(self, req: Request) -> Any:
        name = str(req.json()["id"]).lower()
        if name in self.domains:
            raise GraphFail(400, "Request_BadRequest", "Domain already exists.")
        self.domains[name] = {"id": name, "isDefault": False, "isVerified": False, "authenticationType": "Managed"}
        return Response(201, self.domains[name])

    def delete_domain(self, req: Request, key: str) -> Any:
        if self.domains.pop(key.lower(), None) is None:
            raise not_found(key)

    # -- users --------------------------------------------------------------------------------------

    def list_users(self, req: Request) -> Any:
        users = sorted((u for u in self.users.values() if self.seen(u["id"])), key=lambda u: u["id"])
        return self.page(req, [self.select(req, u, DEFAULT_USER_FIELDS) for u in users], "users")

    def get_user(self, req: Request, key: str) -> Any:
        return self.select(req, self.fresh_user(key), DEFAULT_USER_FIELDS)

    def check_user_body(self, body: dict[str, Any]) -> None:
        for name in body:
            if name in USER_READ_ONLY:
                raise GraphFail(400, "Request_BadRequest", f"Property '{name}' is read-only and cannot be set.")
            if name not in USER_WRITABLE:
                self.violations.append(f"user body: unknown property {name}")
                raise GraphFail(400, "Request_BadRequest", f"Invalid property '{name}'.")
        password = (body.get("passwordProfile") or {}).get("password")
        if password is not None:
            classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]"))
            if len(password) < 8 or classes < 3:
                raise GraphFail(
                    400,
                    "Request_BadRequest",
                    "The specified password does not comply with password "
                    "complexity requirements. Please provide a different password.",
                )

    def create_user(self, req: Request) -> Any:
        body = req.json()
        self.check_user_body(body)
        for name in ("accountEnabled", "displayName", "mailNickname", "passwordProfile", "userPrincipalName"):
            if name not in body:
                raise GraphFail(400, "Request_BadRequest", f"Property '{name}' is required when creating the entity.")
        upn = str(body["userPrincipalName"]).lower()
        if upn.rpartition("@")[2] not in self.domains:
            raise GraphFail(
                400,
                "Request_BadRequest",
                "The domain portion of the userPrincipalName property is "
                "invalid. You must use one of the verified domain names in your organization.",
            )
        if not re.fullmatch(r"[A-Za-z0-9._'-]+", str(body["mailNickname"])):
            raise GraphFail(
                400, "Request_BadRequest", "Invalid value specified for property 'mailNickname' of resource 'User'."
            )
        if any(str(u["userPrincipalName"]).lower() == upn for u in self.users.values()):
            raise GraphFail(
                400,
                "Request_BadRequest",
                "Another object with the same value for property userPrincipalName already exists.",
            )
        attrs = {f"extensionAttribute{i}": None for i in range(1, 16)} | (
            body.get("onPremisesExtensionAttributes") or {}
        )
        user = self.add_user(
            upn,
            body["displayName"],
            licensed=False,
            accountEnabled=body["accountEnabled"],
            department=body.get("department"),
            usageLocation=body.get("usageLocation"),
            onPremisesExtensionAttributes=attrs,
        )
        self.passwords[user["id"]] = body["passwordProfile"]["password"]
        self.created(user["id"], upn)
        if self.lag:
            self._invisible[user["id"]] = self.lag
            self._invisible[upn] = self.lag
        if self.lose_create_answers > 0:
            self.lose_create_answers -= 1
            return g_error(
                503,
                "serviceNotAvailable",
                "The service is temporarily unavailable for maintenance or is overloaded. "
                "You may repeat the request after a delay, which may be specified in a Retry-After header.",
            )
        return Response(
            201,
            {
                "@odata.context": f"{self.graph_url}/$metadata#users/$entity",
                "id": user["id"],
                "businessPhones": [],
                "displayName": user["displayName"],
                "mail": None,
                "userPrincipalName": upn,
            },
        )

    def update_user(self, req: Request, key: str) -> Any:
        user = self.fresh_user(key)
        self.visible(str(user["userPrincipalName"]).lower())
        body = req.json()
        self.check_user_body(body)
        if "passwordProfile" in body:
            self.passwords[user["id"]] = body.pop("passwordProfile")["password"]
        if "onPremisesExtensionAttributes" in body:
            user["onPremisesExtensionAttributes"] = user["onPremisesExtensionAttributes"] | body.pop(
                "onPremisesExtensionAttributes"
            )
        user.update(body)

    def delete_user(self, req: Request, key: str) -> Any:
        del self.users[self.user(key)["id"]]

    def revoke(self, req: Request, key: str) -> Any:
        user = self.fresh_user(key)
        self.revoked[user["userPrincipalName"]] = self.revoked.get(user["userPrincipalName"], 0) + 1
        return {"@odata.context": f"{self.graph_url}/$metadata#Edm.Boolean", "value": True}

    def assign_license(self, req: Request, key: str) -> Any:
        user = self.fresh_user(key)
        body = req.json()
        if not user.get("usageLocation"):
            raise GraphFail(
                400, "Request_BadRequest", "License assignment cannot be done for user with invalid usage location."
            )
        for item in body.get("addLicenses", []):
            if item.get("skuId") not in self.skus:
                raise GraphFail(
                    400,
                    "Request_BadRequest",
                    f"License {item.get('skuId')} does not correspond to a valid company License.",
                )
        user["mail"] = user["userPrincipalName"]
        user["proxyAddresses"] = [f"SMTP:{user['userPrincipalName']}"]
        user["assignedLicenses"] = [{"skuId": s["skuId"], "disabledPlans": []} for s in body.get("addLicenses", [])]
        return {"id": user["id"], "displayName": user["displayName"], "userPrincipalName": user["userPrincipalName"]}

    def mailbox(self, key: str) -> dict[str, Any]:
        user = self.fresh_user(key)
        if not user.get("mail"):
            raise GraphFail(
                404,
                "MailboxNotEnabledForRESTAPI",
                "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
            )
        return self.replies.setdefault(
            user["id"],
            {"status": "disabled", "externalAudience": "all", "internalReplyMessage": "", "externalReplyMessage": ""},
        )

    def get_reply(self, req: Request, key: str) -> Any:
        return self.mailbox(key)

    def get_purpose(self, req: Request, key: str) -> Any:
        user = self.fresh_user(key)
        if not user.get("mail"):
            self.mailbox(key)  # no mailbox: the same 404 as for the other settings
        return {
            "@odata.context": f"{self.graph_url}/$metadata#users('{user['id']}')/mailboxSettings/userPurpose",
            "value": self.purposes.get(user["id"], "user"),
        }

    def set_reply(self, req: Request, key: str) -> Any:
        reply = self.mailbox(key)
        setting = req.json().get("automaticRepliesSetting") or {}
        if setting.get("status") not in ("disabled", "alwaysEnabled", "scheduled"):
            raise GraphFail(400, "ErrorInvalidArgument", "Invalid status for automaticRepliesSetting.")
        for name in ("internalReplyMessage", "externalReplyMessage"):
            if setting.get(name):  # Exchange keeps the message as a whole HTML document
                setting[name] = f"<html>\r\n<head>\r\n</head>\r\n<body>\r\n{setting[name]}\r\n</body>\r\n</html>\r\n"
        reply.update(setting)
        return {"automaticRepliesSetting": reply}

    def invite(self, req: Request) -> Any:
        body = req.json()
        email = str(body.get("invitedUserEmailAddress", "")).lower()
        if not email or not body.get("inviteRedirectUrl"):
            raise GraphFail(400, "BadRequest", "invitedUserEmailAddress and inviteRedirectUrl are required.")
        if email.rpartition("@")[2] in self.domains:
            raise GraphFail(400, "BadRequest", "The invited user already exists in this directory.")
        existing = [u for u in self.users.values() if str(u.get("mail")).lower() == email]
        default = next(d for d, v in self.domains.items() if v["isDefault"])
        guest = (
            existing[0]
            if existing
            else self.add_user(
                f"{email.replace('@', '_')}#EXT#@{default.split('.')[0]}.onmicrosoft.com", email, userType="Guest"
            )
        )
        guest["mail"] = email
        return Response(
            201,
            {
                "id": self.new_id(),
                "invitedUserEmailAddress": email,
                "status": "PendingAcceptance",
                "invitedUser": {"id": guest["id"]},
                "sendInvitationMessage": body.get("sendInvitationMessage"),
            },
        )

    # -- groups ----------------------------------------------------------------------------------------

    def list_groups(self, req: Request) -> Any:
        listed = [g for g in self.groups.values() if self.seen(g["id"])]  # lists lag like gets
        groups = self.filtered(req, sorted(listed, key=lambda g: g["id"]))
        return self.page(req, [self.select(req, g, ("id", "displayName", "mail")) for g in groups], "groups")

    def create_group(self, req: Request) -> Any:
        body = req.json()
        for name in ("displayName", "mailEnabled", "mailNickname", "securityEnabled"):
            if name not in body:
                raise GraphFail(400, "Request_BadRequest", f"Property '{name}' is required when creating the entity.")
        unified = "Unified" in (body.get("groupTypes") or [])
        if body["mailEnabled"] and not unified:
            raise GraphFail(
                400, "Request_BadRequest", "Cannot create a mail-enabled security groups and or distribution list."
            )
        default = next(d for d, v in self.domains.items() if v["isDefault"])
        mail = f"{body['mailNickname']}@{default}".lower()
        if any(g["mail"] == mail for g in self.groups.values()) or any(u["mail"] == mail for u in self.users.values()):
            raise GraphFail(
                400,
                "Request_BadRequest",
                "Another object with the same value for property proxyAddresses already exists.",
            )
        group = self.add_group(mail, body["displayName"], [], unified=unified)
        group["description"] = body.get("description")
        self.created(group["id"])
        if self.lag:
            self._invisible[group["id"]] = self.lag
        return Response(201, group)

    def writable(self, key: str) -> dict[str, Any]:
        """A group Graph may write: Microsoft 365 and security groups, never a mail-enabled one of Exchange's."""
        group = self.group(key)
        if group["mailEnabled"] and "Unified" not in group["groupTypes"]:
            raise GraphFail(
                400, "Request_BadRequest", "Cannot Update a mail-enabled security groups and or distribution list."
            )
        return group

    def update_group(self, req: Request, key: str) -> Any:
        group = self.writable(key)
        body = req.json()
        if "mail" in body or "proxyAddresses" in body:
            raise GraphFail(400, "Request_BadRequest", "Property is read-only and cannot be set.")
        group.update(body)

    def get_group(self, req: Request, key: str) -> Any:
        group = self.group(key)
        self.visible(group["id"])
        return self.select(req, group, ("id", "displayName", "mail"))

    def delete_group(self, req: Request, key: str) -> Any:
        del self.groups[self.writable(key)["id"]]

    def relation(self, key: str, rel: str) -> list[str]:
        self.group(key)
        self.visible(key)
        return (self.members if rel == "members" else self.owners)[key]

    def list_refs(self, req: Request, key: str, rel: str) -> Any:
        objects = [self.users.get(oid) or self.groups[oid] for oid in self.relation(key, rel)]
        shown = [{"@odata.type": "#microsoft.graph.user"} | self.select(req, o, ("id",)) for o in objects]
        return self.page(req, shown, f"groups/{key}/{rel}")

    def add_ref(self, req: Request, key: str, rel: str) -> Any:
        self.writable(key)
        refs = self.relation(key, rel)
        oid = self.object_id(req.json())
        if oid in refs:
            raise GraphFail(
                400,
                "Request_BadRequest",
                f"One or more added object references already exist for the following modified properties: '{rel}'.",
            )
        refs.append(oid)

    def remove_ref(self, req: Request, key: str, rel: str, oid: str) -> Any:
        self.writable(key)
        refs = self.relation(key, rel)
        if oid not in refs:
            raise not_found(oid)
        refs.remove(oid)

    # -- administrative units ----------------------------------------------------------------------------

    def list_units(self, req: Request) -> Any:
        units = sorted(self.units.values(), key=lambda u: u["id"])
        return self.page(
            req,
            [self.select(req, u, ("id", "displayName", "description")) for u in units],
            "directory/administrativeUnits",
        )

    def create_unit(self, req: Request) -> Any:
        body = req.json()
        uid = self.new_id()
        self.units[uid] = {"id": uid, "displayName": body["displayName"], "description": body.get("description")}
        self.unit_members[uid] = []
        if self.lag:
            self._invisible[uid] = self.lag
        return Response(201, self.units[uid])

    def unit(self, key: str) -> dict[str, Any]:
        if key not in self.units:
            raise not_found(key)
        self.visible(key)
        return self.units[key]

    def update_unit(self, req: Request, key: str) -> Any:
        self.unit(key).update(req.json())

    def delete_unit(self, req: Request, key: str) -> Any:
        self.unit(key)
        del self.units[key]

    def add_unit_member(self, req: Request, key: str) -> Any:
        self.unit(key)
        oid = self.object_id(req.json())
        if oid in self.unit_members[key]:
            raise GraphFail(
                400,
                "Request_BadRequest",
                "One or more added object references already exist for the following modified properties: 'members'.",
            )
        self.unit_members[key].append(oid)

    def remove_unit_member(self, req: Request, key: str, oid: str) -> Any:
        self.unit(key)
        if oid not in self.unit_members[key]:
            raise not_found(oid)
        self.unit_members[key].remove(oid)

    # -- directory roles ----------------------------------------------------------------------------------

    def list_assignments(self, req: Request) -> Any:
        return self.page(
            req, self.filtered(req, list(self.assignments.values())), "roleManagement/directory/roleAssignments"
        )

    def create_assignment(self, req: Request) -> Any:
        body = req.json()
        if body.get("roleDefinitionId") not in (GLOBAL_ADMIN, USER_ADMIN):
            raise not_found(str(body.get("roleDefinitionId")))
        if body.get("principalId") not in self.users:
            raise not_found(str(body.get("principalId")))
        scope = str(body.get("directoryScopeId", ""))
        if scope != "/" and scope.removeprefix("/administrativeUnits/") not in self.units:
            raise GraphFail(400, "Request_BadRequest", f"Invalid directoryScopeId '{scope}'.")
        if any(
            all(a[k] == body[k] for k in ("roleDefinitionId", "principalId", "directoryScopeId"))
            for a in self.assignments.values()
        ):
            raise GraphFail(
                409,
                "Request_BadRequest",
                "A conflicting object with one or more of the specified property values is present in the directory.",
            )
        aid = "lAPpYvVpN0KRkAEhdxReE" + uuid.uuid4().hex[:12]
        self.assignments[aid] = {"id": aid, **body}
        return Response(201, self.assignments[aid])

    def delete_assignment(self, req: Request, key: str) -> Any:
        if self.assignments.pop(key, None) is None:
            raise not_found(key)

    def roles_of(self, upn: str) -> set[tuple[str, str]]:
        uid = self.user(upn)["id"]
        return {
            (a["roleDefinitionId"], a["directoryScopeId"]) for a in self.assignments.values() if a["principalId"] == uid
        }


# --------------------------------------------------------------------------------------------------
# Conformance harness


@dataclass
class Harness:
    provider_type: str
    settings: dict[str, Any]
    fake: GraphFake


@contextlib.contextmanager
def harness(domain: str = "example.com", seed: Callable[[GraphFake], None] | None = None) -> Iterator[Harness]:
    fake = GraphFake(domain=domain).start()
    try:
        if seed:
            seed(fake)
        settings = {
            "tenant_id": TENANT,
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "usage_location": "CN",
            "license_sku_id": SKU,
            "base_url": fake.graph_url,
            "login_url": fake.url,
        }
        yield Harness("microsoft-365", settings, fake)
    finally:
        fake.stop()
