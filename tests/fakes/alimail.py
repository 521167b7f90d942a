"""A faithful fake of the Alibaba Mail (阿里邮箱) open platform, on loopback.

Follows 阿里邮箱开放平台 API (https://mailhelp.aliyun.com/openapi/index.html),
"获取访问凭证" (https://help.aliyun.com/document_detail/2855420.html) and the
access-point list (https://www.alibabacloud.com/help/tc/alibaba-mail/latest/api-access-server-address),
as implemented by the public go-alimail client:
- ``POST /oauth2/v2.0/token`` (form, ``grant_type=client_credentials``) -> ``access_token``, ``expires_in``
- ``Authorization: bearer <token>`` on every other call; an unknown or expired token answers 401
- ``GET /v2/domains``
- ``POST /v2/departments``; ``GET|PATCH|DELETE /v2/departments/{id}`` (root id ``$root``);
  ``GET /v2/departments/{id}/departments`` and ``/users`` with ``offset`` / ``limit`` (at most 100)
  answering ``{departments|users, total}``; the users of a department are its direct members
- ``POST /v2/users``; ``GET|PATCH|DELETE /v2/users/{id-or-email}``;
  ``POST|DELETE /v2/users/{email}/emailAliases`` (``{"alias", "asDefault"}`` / ``{"alias"}``);
  ``POST /v2/users/{email}/resetPassword`` (``{"password", "forceChangePasswordNextSignIn"}``)
Errors are non-2xx with ``{"detailErrorCode", "message", "developerMessage"}``.
Over the limit of 40 calls/s per domain (all applications together) the service answers
HTTP 429 (``rate_limit_next``): that status is all go-alimail looks at. No source shows a
Retry-After header or the body's exact code, so the fake sends no Retry-After unless a
test asks for one, and a ``TooManyRequests`` error object.
``expire_tokens`` makes the next call answer 401; ``lag(n)`` keeps new users invisible
(404) to their next n lookups.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from fakes.server import FakeServer, Quota, Request, Response

ROOT = "$root"
EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z0-9-]+$")
STATUSES = ("NORMAL", "FREEZE")
EMPLOYEE_TYPES = ("EMPLOYEE", "SERVICE")
USER_FIELDS = ("name", "nickname", "employeeNo", "jobTitle", "phone", "workPhone", "info", "isHidden",
               "forceChangePasswordNextSignIn", "managerEmail", "customName")  # fmt: skip


class AlimailApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _bad(message: str) -> AlimailApiError:
    return AlimailApiError(400, "InvalidParameter", message)


def _missing(what: str) -> AlimailApiError:
    return AlimailApiError(404, "ResourceNotFound", f"{what} not found")


class AlimailFake(FakeServer):
    """One Alibaba Mail organization."""

    def __init__(self, client_id: str = "app-1", client_secret: str = "s3cret", domains: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.domains: dict[str, list[str]] = {d: [] for d in domains}  # master -> aliases
        self.tokens: dict[str, bool] = {}
        self._ids = itertools.count(1)
        self.departments: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}  # id -> user
        self.passwords: dict[str, str] = {}
        self._lag = 0
        self._hidden: dict[str, int] = {}
        # 40 calls a second per domain, every application together: HTTP 429 (no Retry-After in any source)
        self.quotas.append(
            Quota("calls per second", 40, 1.0, lambda req: None if req.path.startswith("/oauth2/") else "org",
                  lambda wait: Response(429, self.rate_limit_body()))
        )  # fmt: skip

    # ---- test controls

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, False)

    def lag(self, lookups: int) -> None:
        with self.lock:
            self._lag = lookups

    def add_department(self, name: str, parent: str = ROOT) -> str:
        dept_id = f"d{next(self._ids)}"
        self.departments[dept_id] = {"id": dept_id, "name": name, "parentId": parent, "managers": [],
                                     "isHidden": False, "email": ""}  # fmt: skip
        return dept_id

    def add_user(self, email: str, name: str, department: str = ROOT, **extra: Any) -> str:
        user_id = f"u{next(self._ids)}"
        self.users[user_id] = {
            "id": user_id, "email": email, "emailAliases": [], "name": name, "nickname": "", "employeeNo": "",
            "jobTitle": "", "departmentIds": [department], "status": "NORMAL", "employeeType": "EMPLOYEE",
            "info": "", "isHidden": False, "forceChangePasswordNextSignIn": False, **extra,
        }  # fmt: skip
        return user_id

    def user_by_email(self, email: str) -> dict[str, Any]:
        return next(u for u in self.users.values() if u["email"] == email)

    def rate_limit_next(self, times: int, retry_after: str = "") -> None:
        """HTTP 429 for the next ``times`` calls; a Retry-After header only when one is given."""
        self.fail_next(times, 429, retry_after or None, self.rate_limit_body())

    def rate_limit_body(self) -> Any:
        return {"detailErrorCode": "TooManyRequests", "message": "Request was denied due to flow control."}

    # ---- plumbing

    def handle(self, request: Request) -> Response:
        try:
            if request.path == "/oauth2/v2.0/token":
                return Response(200, self._token(request))
            self._check_token(request.headers.get("authorization", ""))
            status, body = self._api(request)
            return Response(status, body)
        except AlimailApiError as exc:
            return Response(exc.status, {"detailErrorCode": exc.code, "message": exc.message, "developerMessage": ""})
        except (ValueError, TypeError, KeyError) as exc:
            return Response(400, {"detailErrorCode": "InvalidParameter", "message": str(exc), "developerMessage": ""})

    def _token(self, request: Request) -> dict[str, Any]:
        if request.method != "POST":
            raise AlimailApiError(405, "MethodNotAllowed", "use POST")
        form = request.form()
        if form.get("grant_type") != "client_credentials":
            raise AlimailApiError(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            raise AlimailApiError(401, "invalid_client", "client authentication failed")
        token = f"at-{next(self._ids)}-" + "y" * 40
        self.tokens[token] = True
        return {"access_token": token, "token_type": "bearer", "expires_in": 3600}

    def _check_token(self, header: str) -> None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not self.tokens.get(token.strip()):
            raise AlimailApiError(401, "InvalidAccessToken", "the access token is invalid or expired")

    def _api(self, request: Request) -> tuple[int, Any]:
        parts = [unquote(p) for p in request.raw_path.strip("/").split("/")]
        method = request.method
        body = request.json() if request.body else {}
        match parts:
            case ["v2", "domains"] if method == "GET":
                return 200, {
                    "domains": [{"domain": d, "aliases": a, "isMaster": True} for d, a in self.domains.items()]
                }
            case ["v2", "departments"] if method == "POST":
                return 200, self._create_department(body)
            case ["v2", "departments", dept_id, "departments"] if method == "GET":
                children = [self._dept_view(d) for d in self.departments.values() if d["parentId"] == dept_id]
                return 200, self._page(request, "departments", children, dept_id)
            case ["v2", "departments", dept_id, "users"] if method == "GET":
                members = [u for u in self.users.values() if dept_id in u["departmentIds"] and self._visible(u)]
                return 200, self._page(request, "users", members, dept_id)
            case ["v2", "departments", dept_id] if method in ("GET", "PATCH", "DELETE"):
                return 200, self._department(method, dept_id, body)
            case ["v2", "users"] if method == "POST":
                return 200, self._create_user(body)
            case ["v2", "users", ident] if method in ("GET", "PATCH", "DELETE"):
                return 200, self._user(method, ident, body)
            case ["v2", "users", ident, "emailAliases"] if method in ("POST", "DELETE"):
                return 200, self._alias(method, ident, body)
            case ["v2", "users", ident, "resetPassword"] if method == "POST":
                return 200, self._reset_password(ident, body)
        raise AlimailApiError(404, "ApiNotFound", f"{method} {request.path}")

    def _page(self, request: Request, key: str, items: list[Any], dept_id: str) -> dict[str, Any]:
        if dept_id != ROOT and dept_id not in self.departments:
            raise _missing(f"department {dept_id}")
        offset = int(request.params.get("offset", "0"))
        limit = int(request.params.get("limit", "100"))
        if not 1 <= limit <= 100 or offset < 0:
            raise _bad("limit must be 1-100 and offset >= 0")
        items = sorted(items, key=lambda i: str(i["id"]))
        return {key: json.loads(json.dumps(items[offset : offset + limit])), "total": len(items)}

    def _visible(self, user: dict[str, Any]) -> bool:
        left = self._hidden.get(user["id"], 0)
        if left > 0:
            self._hidden[user["id"]] = left - 1
            return False
        return self.seen(user["id"])

    # ---- departments

    def _dept_view(self, dept: dict[str, Any]) -> dict[str, Any]:
        return {
            **dept,
            "hasSubDepartments": any(d["parentId"] == dept["id"] for d in self.departments.values()),
            "hasUsers": any(dept["id"] in u["departmentIds"] for u in self.users.values()),
        }

    def _dept_fields(self, body: dict[str, Any], dept: dict[str, Any]) -> None:
        if "name" in body:
            if not str(body["name"]).strip() or len(str(body["name"])) > 64:
                raise _bad("name: 1-64 characters")
            dept["name"] = str(body["name"])
        if "parentId" in body:
            if body["parentId"] != ROOT and body["parentId"] not in self.departments:
                raise _missing(f"department {body['parentId']}")
            dept["parentId"] = body["parentId"]
        if "managers" in body:
            for manager in body["managers"]:
                if manager not in self.users:
                    raise _bad(f"managers: no user {manager}")
            dept["managers"] = list(body["managers"])

    def _create_department(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("name") or not body.get("parentId"):
            raise _bad("name and parentId are required")
        if any(d["name"] == body["name"] and d["parentId"] == body["parentId"] for d in self.departments.values()):
            raise AlimailApiError(409, "DepartmentNameConflict", "a department of that name exists there")
        dept_id = self.add_department(str(body["name"]), str(body["parentId"]))
        self._dept_fields(body, self.departments[dept_id])
        return self._dept_view(self.departments[dept_id])

    def _department(self, method: str, dept_id: str, body: dict[str, Any]) -> dict[str, Any]:
        dept = self.departments.get(dept_id)
        if dept is None:
            raise _missing(f"department {dept_id}")
        if method == "PATCH":
            self._dept_fields(body, dept)
        elif method == "DELETE":
            view = self._dept_view(dept)
            if view["hasSubDepartments"] or view["hasUsers"]:
                raise AlimailApiError(400, "DepartmentNotEmpty", "the department has users or sub-departments")
            del self.departments[dept_id]
            return {}
        return self._dept_view(dept)

    # ---- users

    def _find_user(self, ident: str) -> dict[str, Any]:
        user = self.users.get(ident) or next((u for u in self.users.values() if u["email"] == ident), None)
        if user is None or not self._visible(user):
            raise _missing(f"user {ident}")
        return user

    def _taken(self, address: str) -> bool:
        return any(address == u["email"] or address in u["emailAliases"] for u in self.users.values())

    def _check_address(self, address: Any, what: str) -> str:
        address = str(address or "")
        if not EMAIL.match(address):
            raise _bad(f"{what}: not an address: {address!r}")
        domain = address.rpartition("@")[2]
        if domain not in self.domains and not any(domain in a for a in self.domains.values()):
            raise _bad(f"{what}: {domain} is not a domain of this organization")
        return address

    def _user_fields(self, body: dict[str, Any], user: dict[str, Any]) -> None:
        for key in USER_FIELDS:
            if key in body:
                user[key] = body[key]
        if "departmentIds" in body:
            ids = [str(d) for d in body["departmentIds"]]
            if not ids or any(d != ROOT and d not in self.departments for d in ids):
                raise _bad("departmentIds: unknown department")
            user["departmentIds"] = ids
        if "status" in body:
            if body["status"] not in STATUSES:
                raise _bad("status is NORMAL or FREEZE")
            user["status"] = body["status"]

    def _create_user(self, body: dict[str, Any]) -> dict[str, Any]:
        email = self._check_address(body.get("email"), "email")
        if not body.get("name") or not body.get("password") or not body.get("departmentIds"):
            raise _bad("email, password, name and departmentIds are required")
        if self._taken(email):
            raise AlimailApiError(409, "UserAlreadyExists", f"{email} already exists")
        if body.get("employeeType", "EMPLOYEE") not in EMPLOYEE_TYPES:
            raise _bad("employeeType is EMPLOYEE or SERVICE")
        user_id = self.add_user(email, str(body["name"]), employeeType=body.get("employeeType", "EMPLOYEE"))
        try:
            self._user_fields(body, self.users[user_id])
        except AlimailApiError:
            del self.users[user_id]
            raise
        self.passwords[email] = str(body["password"])
        answer = json.loads(json.dumps(self.users[user_id]))
        self.created(user_id)
        if self._lag:
            self._hidden[user_id] = self._lag
        return answer

    def _user(self, method: str, ident: str, body: dict[str, Any]) -> dict[str, Any]:
        user = self._find_user(ident)
        if method == "DELETE":
            del self.users[user["id"]]
            for dept in self.departments.values():
                dept["managers"] = [m for m in dept["managers"] if m != user["id"]]
            return {}
        if method == "PATCH":
            if "employeeType" in body or "email" in body:
                raise _bad("email and employeeType cannot be changed")
            changed = json.loads(json.dumps(user))
            self._user_fields(body, changed)
            user.update(changed)
        return json.loads(json.dumps(user))

    def _reset_password(self, ident: str, body: dict[str, Any]) -> dict[str, Any]:
        user = self._find_user(ident)
        password = str(body.get("password") or "")
        if len(password) < 8:
            raise _bad("password: at least 8 characters")
        self.passwords[user["email"]] = password
        user["forceChangePasswordNextSignIn"] = bool(body.get("forceChangePasswordNextSignIn", False))
        return {}

    def _alias(self, method: str, ident: str, body: dict[str, Any]) -> dict[str, Any]:
        user = self._find_user(ident)
        alias = self._check_address(body.get("alias"), "alias")
        if method == "POST":
            if self._taken(alias):
                raise AlimailApiError(409, "AliasAlreadyExists", f"{alias} is in use")
            user["emailAliases"].append(alias)
        else:
            if alias not in user["emailAliases"]:
                raise _missing(f"alias {alias}")
            user["emailAliases"].remove(alias)
        return json.loads(json.dumps(user))


@dataclass
class Harness:
    provider_type: str
    settings: dict[str, Any]
    fake: AlimailFake


@contextmanager
def harness(domains: tuple[str, ...] = ("example.com",)) -> Iterator[Harness]:
    """An Alibaba Mail organization holding ``domains``, and the settings pointing the provider at it."""
    fake = AlimailFake(domains=domains).start()
    try:
        settings = {
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "base_url": fake.url,
            "org_domain": domains[0],
        }
        yield Harness(provider_type="alibaba-mail", settings=settings, fake=fake)
    finally:
        fake.stop()
