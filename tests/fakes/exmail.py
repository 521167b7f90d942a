"""A faithful fake of the Tencent Exmail admin API (``/cgi-bin/...``), on loopback.

Follows 腾讯企业邮箱 开发者接口文档 (https://exmail.qq.com/qy_mng_logic/doc):
gettoken (#10003), department create/update/delete/list (#10008-#10011),
user create/update/delete/get/simplelist/list/batchcheck (#10014-#10020),
group create/update/delete/get (#10022-#10025), tag create/get/addtagusers/
deltagusers/list/delete (#10050-#10056), as quoted in the QQ::exmail CPAN
distribution, plus the full group search ``group/fuzzysearch`` seen in public
client code. Every answer is HTTP 200 with ``errcode``/``errmsg``.

功能设置 (user options): POST ``useroption/get`` (#10047) with ``userid`` and
``type`` (a list of 1 force secure login 强制启用安全登录, 2 IMAP/SMTP service,
3 POP/SMTP service, 4 secure login turned on 是否启用安全登录) answers ``option``,
a list of ``{"type", "value"}`` with the value a string "0"/"1"; POST
``useroption/update`` (#10048) with ``userid`` and ``option`` sets types 1-3 (4
is read only: "不可用" for update). The QQ::exmail copy links both to #10020 in
error; the PHP client leo108/qq-exmail gives #10047/#10048.

Each app of the developer page (通讯录管理 contacts, 功能设置 function settings, ...)
has its own secret, and gettoken with that secret gives a token for that app only
(leo108/qq-exmail keeps one secret per app). The fake refuses a contacts token at
useroption and a function-settings token elsewhere with 48002 "api forbidden" (the
WeCom code for an API the app may not call; the Exmail excerpt names none).

Error codes: 40001 / 40014 / 42001 / 41001 (token) are documented; -1,
45009 (frequency limit), 40058 (bad parameter), 60003 (no such department),
60008 (department name taken), 60005/60006 (department not empty), 60102
(address taken), 60111 (no such account) and 48002 (API not open to this app's
token) follow the WeCom global code table
Exmail shares its API family with; the doc excerpt does not list them.

Not paginated: user/list answers the whole subtree in one call, as documented.

Frequency limits: the doc's 基础频率 section limits calls per company and API
(500 a minute, 15,000 an hour) and per IP; like every other error, a call over
the limit is answered HTTP 200 with an errcode (45009 "api freq out of limit",
the code of the WeCom family; 45033 for too many concurrent calls), never HTTP 429
and never a Retry-After header.

Fault injection: ``rate_limit_next`` (errcode 45009), ``busy_next`` (errcode -1,
system busy), ``expire_tokens`` (42001 on the next call), ``lag`` (objects
created in the next writes stay invisible to the next N lookups).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fakes.server import FakeServer, Quota, Request, Response

ROOT = 1
EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z0-9-]+$")
FORBIDDEN_DEPT_CHARS = set('\\:*?"<>|｜')
PASSWORD = re.compile(r"^[A-Za-z0-9]{6,32}$")


BUSY_MESSAGES = {-1: "system busy", 45009: "api freq out of limit", 45033: "api concurrent out of limit"}


class ExmailApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _fail(code: int, message: str) -> ExmailApiError:
    return ExmailApiError(code, message)


def _api_name(req: Request) -> str | None:
    return req.path.removeprefix("/cgi-bin/")


class ExmailFake(FakeServer):
    """One Exmail company: its domains, departments, users, groups and tags."""

    def __init__(
        self,
        corp_id: str = "wm-corp-1",
        corp_secret: str = "s3cret",
        domains: tuple[str, ...] = (),
        function_secret: str = "fn-s3cret",
    ) -> None:
        super().__init__()
        self.corp_id = corp_id
        self.corp_secret = corp_secret
        self.function_secret = function_secret
        self.domains: set[str] = set(domains)
        self.tokens: dict[str, bool] = {}  # token -> still valid
        self.token_app: dict[str, str] = {}  # token -> the app whose secret fetched it
        # userid -> useroption type -> value ("0"/"1", strings as the doc has them)
        self.options: dict[str, dict[int, str]] = {}
        self._token_ids = itertools.count(1)
        # 64-bit department ids, as the real service hands out
        self._dept_ids = itertools.count(4681599755550737935)
        self._tag_ids = itertools.count(1)
        self.departments: dict[int, dict[str, Any]] = {ROOT: {"id": ROOT, "name": "公司", "parentid": 0, "order": 0}}
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.tags: dict[int, dict[str, Any]] = {}
        self.passwords: dict[str, str] = {}
        self._busy = 0
        self._busy_code = -1
        self._lag = 0  # how many lookups a freshly created object stays invisible
        self._hidden: dict[str, int] = {}
        # 基础频率: per company and API, 500 calls a minute and 15,000 an hour (HTTP 200, errcode 45009)
        over = Response(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
        self.quotas += [
            Quota("calls per minute per API", 500, 60.0, _api_name, lambda wait: over),
            Quota("calls per hour per API", 15000, 3600.0, _api_name, lambda wait: over),
        ]

    # ---- test controls

    def busy_next(self, times: int, code: int = -1) -> None:
        """Answer the next ``times`` API calls (not gettoken) with this errcode in an HTTP 200 body."""
        with self.lock:
            self._busy = times
            self._busy_code = code

    def rate_limit_next(self, times: int, retry_after: str = "") -> None:
        """The next ``times`` calls are over the frequency limit: HTTP 200, errcode 45009, no Retry-After."""
        assert not retry_after, "Exmail sends no Retry-After"
        with self.lock:
            self.failures.extend(Response(200, self.rate_limit_body()) for _ in range(times))

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, False)

    def lag(self, lookups: int) -> None:
        """Objects created from now on stay invisible to their next ``lookups`` lookups."""
        with self.lock:
            self._lag = lookups

    def add_user(self, userid: str, name: str, department: int = ROOT, **extra: Any) -> None:
        with self.lock:
            self.users[userid] = {
                "userid": userid, "name": name, "department": [department], "position": "", "mobile": "",
                "tel": "", "extid": "", "gender": "0", "enable": 1, "slaves": [], "cpwd_login": 0, **extra,
            }  # fmt: skip
            self.options[userid] = dict(DEFAULT_OPTIONS)

    def rate_limit_body(self) -> Any:
        return {"errcode": 45009, "errmsg": "api freq out of limit"}

    # ---- plumbing

    def handle(self, request: Request) -> Response:
        name = request.path.removeprefix("/cgi-bin/")
        try:
            if name == "gettoken":
                return Response(200, self._gettoken(request.params))
            self._check_token(request.params, FUNCTION_APP if name in OPTION_APIS else CONTACTS_APP)
            if self._busy > 0:
                self._busy -= 1
                raise _fail(self._busy_code, BUSY_MESSAGES.get(self._busy_code, "system busy"))
            if name not in POST_APIS | GET_APIS:
                raise _fail(40058, f"unknown api {name}")
            handler = getattr(self, "_" + name.replace("/", "_"))
            expected = "POST" if name in POST_APIS else "GET"
            if request.method != expected:
                raise _fail(40058, f"{name} is called with {expected}")
            args = request.json() if expected == "POST" else request.params
            if not isinstance(args, dict):
                raise _fail(40058, "request body is not a JSON object")
            answer = handler(args)
        except ExmailApiError as exc:
            return Response(200, {"errcode": exc.code, "errmsg": exc.message})
        except (ValueError, TypeError, KeyError) as exc:
            return Response(200, {"errcode": 40058, "errmsg": f"invalid parameter: {exc}"})
        return Response(200, {"errcode": 0, **answer})

    def _gettoken(self, query: dict[str, str]) -> dict[str, Any]:
        if not query.get("corpid") or not query.get("corpsecret"):
            raise _fail(41004, "corpsecret missing")
        apps = {self.corp_secret: CONTACTS_APP, self.function_secret: FUNCTION_APP}
        if query["corpid"] != self.corp_id or query["corpsecret"] not in apps:
            raise _fail(40001, "invalid credential")
        token = f"tok{next(self._token_ids):04d}-" + "x" * 60
        self.tokens[token] = True
        self.token_app[token] = apps[query["corpsecret"]]
        return {"errmsg": "ok", "access_token": token, "expires_in": 7200}

    def _check_token(self, query: dict[str, str], app: str) -> None:
        token = query.get("access_token")
        if not token:
            raise _fail(41001, "access_token missing")
        if token not in self.tokens:
            raise _fail(40014, "invalid access_token")
        if not self.tokens[token]:
            raise _fail(42001, "access_token expired")
        if self.token_app[token] != app:
            raise _fail(48002, f"api forbidden: this token is the {self.token_app[token]} app's, not {app}'s")

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

    # ---- validation helpers

    def _address(self, value: Any, what: str) -> str:
        address = str(value or "")
        if not EMAIL.match(address):
            raise _fail(40058, f"invalid {what}: {address!r}")
        if address.rpartition("@")[2] not in self.domains:
            raise _fail(40058, f"{what} {address} is not in a domain of this company")
        return address

    def _kind(self, address: str) -> int:
        if address in self.users:
            return 1
        if any(address in u["slaves"] for u in self.users.values()):
            return 2
        if address in self.groups:
            return 3
        if not EMAIL.match(address) or address.rpartition("@")[2] not in self.domains:
            return -1
        return 0

    def _free(self, address: str) -> None:
        if self._kind(address) > 0:
            raise _fail(60102, f"userid existed: {address}")

    def _user(self, userid: Any) -> dict[str, Any]:
        user = self.users.get(str(userid or ""))
        if user is None or not self._visible(str(userid)):
            raise _fail(60111, f"userid not found: {userid}")
        return user

    def _department_ids(self, value: Any) -> list[int]:
        if not isinstance(value, list) or not 1 <= len(value) <= 20:
            raise _fail(40058, "department must list 1 to 20 ids")
        ids = [int(v) for v in value]
        for dept_id in ids:
            if dept_id not in self.departments:
                raise _fail(60003, f"department not found: {dept_id}")
        return ids

    def _slaves(self, value: Any, owner: str) -> list[str]:
        if not isinstance(value, list) or len(value) > 5:
            raise _fail(40058, "slaves: at most 5 addresses")
        slaves = [self._address(v, "slave") for v in value]
        for slave in slaves:
            holder = next((u["userid"] for u in self.users.values() if slave in u["slaves"]), None)
            if slave in self.users or slave in self.groups or (holder and holder != owner):
                raise _fail(60102, f"userid existed: {slave}")
        return slaves

    @staticmethod
    def _name(value: Any, what: str, low: int = 1) -> str:
        name = str(value if value is not None else "")
        if not low <= len(name.encode()) <= 64:
            raise _fail(40058, f"{what} must be {low}-64 bytes")
        return name

    # ---- departments

    def _department_create(self, args: dict[str, Any]) -> dict[str, Any]:
        name = self._dept_name(args.get("name"))
        parent = int(args["parentid"])
        if parent not in self.departments:
            raise _fail(60003, f"department not found: {parent}")
        if any(d["parentid"] == parent and d["name"] == name for d in self.departments.values()):
            raise _fail(60008, "department name existed")
        dept_id = next(self._dept_ids)
        self.departments[dept_id] = {
            "id": dept_id,
            "name": name,
            "parentid": parent,
            "order": int(args.get("order", 0)),
        }
        return {"errmsg": "created", "id": dept_id}

    def _dept_name(self, value: Any) -> str:
        name = self._name(value, "name")
        if set(name) & FORBIDDEN_DEPT_CHARS:
            raise _fail(40058, "name contains a forbidden character")
        return name

    def _department_update(self, args: dict[str, Any]) -> dict[str, Any]:
        dept = self.departments.get(int(args["id"]))
        if dept is None or (dept["id"] == ROOT and "parentid" in args):
            raise _fail(60003, f"department not found: {args['id']}")
        if "name" in args:
            dept["name"] = self._dept_name(args["name"])
        if "parentid" in args:
            parent = int(args["parentid"])
            if parent not in self.departments or parent == dept["id"]:
                raise _fail(60003, f"department not found: {parent}")
            dept["parentid"] = parent
        if "order" in args:
            dept["order"] = int(args["order"])
        return {"errmsg": "updated"}

    def _department_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        dept_id = int(args["id"])
        if dept_id == ROOT or dept_id not in self.departments:
            raise _fail(60003, f"department not found: {dept_id}")
        if any(d["parentid"] == dept_id for d in self.departments.values()):
            raise _fail(60006, "department has sub departments")
        if any(dept_id in u["department"] for u in self.users.values()):
            raise _fail(60005, "department has members")
        del self.departments[dept_id]
        return {"errmsg": "deleted"}

    def _subtree(self, top: int) -> list[int]:
        found, queue = [], [top]
        while queue:
            current = queue.pop(0)
            found.append(current)
            queue.extend(d["id"] for d in self.departments.values() if d["parentid"] == current)
        return found

    def _department_list(self, args: dict[str, Any]) -> dict[str, Any]:
        top = int(args.get("id") or ROOT)
        if top not in self.departments:
            raise _fail(60003, f"department not found: {top}")
        depts = [dict(self.departments[i]) for i in self._subtree(top)]
        return {"errmsg": "ok", "department": sorted(depts, key=lambda d: d["order"])}

    # ---- users

    def _user_create(self, args: dict[str, Any]) -> dict[str, Any]:
        userid = self._address(args.get("userid"), "userid")
        self._free(userid)
        name = self._name(args.get("name"), "name")
        departments = self._department_ids(args.get("department"))
        if not PASSWORD.match(str(args.get("password") or "")):
            raise _fail(40058, "password must be letters and digits")
        slaves = self._slaves(args.get("slaves", []), userid)
        self.add_user(userid, name, departments[0], slaves=slaves, cpwd_login=int(args.get("cpwd_login", 0)))
        self.users[userid]["department"] = departments
        self.passwords[userid] = str(args["password"])
        self._created(userid)
        return {"errmsg": "created"}

    def _user_update(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._user(args.get("userid"))
        if "name" in args:
            user["name"] = self._name(args["name"], "name", low=0)
        if "department" in args:
            user["department"] = self._department_ids(args["department"])
        if "slaves" in args:
            user["slaves"] = self._slaves(args["slaves"], user["userid"])
        if "enable" in args:
            if str(args["enable"]) not in ("0", "1"):
                raise _fail(40058, "enable is 0 or 1")
            user["enable"] = int(args["enable"])
        if "password" in args:
            if not PASSWORD.match(str(args["password"])):
                raise _fail(40058, "password must be letters and digits")
            self.passwords[user["userid"]] = str(args["password"])
        for plain in ("position", "mobile", "tel", "extid", "gender", "cpwd_login"):
            if plain in args:
                user[plain] = args[plain]
        return {"errmsg": "updated"}

    def _user_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._user(args.get("userid"))
        del self.users[user["userid"]]
        self.options.pop(user["userid"], None)
        for group in self.groups.values():
            group["userlist"] = [u for u in group["userlist"] if u != user["userid"]]
        for tag in self.tags.values():
            tag["userlist"] = [u for u in tag["userlist"] if u != user["userid"]]
        return {"errmsg": "deleted"}

    def _user_get(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._user(args.get("userid"))
        return {"errmsg": "ok", **json.loads(json.dumps(user))}

    def _members(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        top = int(args["department_id"])
        if top not in self.departments:
            raise _fail(60003, f"department not found: {top}")
        wanted = set(self._subtree(top)) if str(args.get("fetch_child", "0")) == "1" else {top}
        # lists lag like lookups: a member created a moment ago is not listed yet
        return [u for u in self.users.values() if wanted & set(u["department"]) and self.seen(u["userid"])]

    def _user_list(self, args: dict[str, Any]) -> dict[str, Any]:
        # The list answer carries enable as a string, unlike user/get (a documented quirk).
        users = [{**json.loads(json.dumps(u)), "enable": str(u["enable"])} for u in self._members(args)]
        return {"errmsg": "ok", "userlist": users}

    def _user_simplelist(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [{"userid": u["userid"], "name": u["name"], "department": u["department"]} for u in self._members(args)]
        return {"errmsg": "ok", "userlist": users}

    def _user_batchcheck(self, args: dict[str, Any]) -> dict[str, Any]:
        wanted = args.get("userlist")
        if not isinstance(wanted, list) or not 1 <= len(wanted) <= 20:
            raise _fail(40058, "userlist: 1 to 20 accounts")
        answer = []
        for address in (str(a) for a in wanted):
            kind = self._kind(address)
            if kind > 0 and not self._visible(address):
                kind = 0
            answer.append({"user": address, "type": kind})
        return {"errmsg": "ok", "list": answer}

    # ---- groups

    def _group_fields(self, args: dict[str, Any], group: dict[str, Any]) -> None:
        if "groupname" in args:
            group["groupname"] = self._name(args["groupname"], "groupname")
        for key in ("userlist", "grouplist"):
            if key in args:
                values = [str(v) for v in args[key]]
                want = 3 if key == "grouplist" else 1
                bad = [v for v in values if self._kind(v) != want or (want == 1 and not self._visible(v))]
                if bad:
                    raise _fail(60111, f"{key}: not found: {bad[0]}")
                group[key] = values
        if "department" in args:
            group["department"] = self._department_ids(args["department"]) if args["department"] else []
        if "allow_type" in args:
            if int(args["allow_type"]) not in (0, 1, 2, 3):
                raise _fail(40058, "allow_type is 0, 1, 2 or 3")
            group["allow_type"] = int(args["allow_type"])
        if "allow_userlist" in args:
            for sender in args["allow_userlist"]:
                if self._kind(str(sender)) not in (1, 2):
                    raise _fail(60111, f"allow_userlist: not found: {sender}")
            group["allow_userlist"] = [str(s) for s in args["allow_userlist"]]
        if not (group["userlist"] or group["grouplist"] or group["department"]):
            raise _fail(40058, "userlist, grouplist and department may not all be empty")
        if group["allow_type"] == 3 and not group["allow_userlist"]:
            raise _fail(40058, "allow_type 3 needs allow_userlist")

    def _group_create(self, args: dict[str, Any]) -> dict[str, Any]:
        groupid = self._address(args.get("groupid"), "groupid")
        self._free(groupid)
        if "allow_type" not in args or not args.get("groupname"):
            raise _fail(40058, "groupname and allow_type are required")
        group = {"groupid": groupid, "groupname": "", "userlist": [], "grouplist": [], "department": [],
                 "allow_type": 1, "allow_userlist": []}  # fmt: skip
        self._group_fields(args, group)
        self.groups[groupid] = group
        self._created(groupid)
        return {"errmsg": "created"}

    def _group(self, groupid: Any) -> dict[str, Any]:
        group = self.groups.get(str(groupid or ""))
        if group is None or not self._visible(str(groupid)):
            raise _fail(60111, f"group not found: {groupid}")
        return group

    def _group_update(self, args: dict[str, Any]) -> dict[str, Any]:
        group = self._group(args.get("groupid"))
        changed = json.loads(json.dumps(group))
        self._group_fields(args, changed)
        group.update(changed)
        return {"errmsg": "updated"}

    def _group_get(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"errmsg": "ok", **json.loads(json.dumps(self._group(args.get("groupid"))))}

    def _group_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        group = self._group(args.get("groupid"))
        del self.groups[group["groupid"]]
        return {"errmsg": "deleted"}

    def _group_fuzzysearch(self, args: dict[str, Any]) -> dict[str, Any]:
        needle = str(args.get("groupid") or "")
        fuzzy = str(args.get("fuzzy", "0")) == "1"
        found = [
            {"groupid": g["groupid"], "groupname": g["groupname"]}
            for g in self.groups.values()
            if not needle or (needle in g["groupid"] if fuzzy else needle == g["groupid"])
        ]
        return {"errmsg": "ok", "count": len(found), "groups": found}

    # ---- user options (功能设置)

    def _option_types(self, value: Any, allowed: frozenset[int], what: str) -> list[int]:
        if not isinstance(value, list) or not value:
            raise _fail(40058, f"{what}: a non-empty list")
        types = [int(v) for v in value]
        bad = [t for t in types if t not in allowed]
        if bad:
            raise _fail(40058, f"{what}: invalid type {bad[0]}")
        return types

    def _useroption_get(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._user(args.get("userid"))
        types = self._option_types(args.get("type"), OPTION_TYPES, "type")
        have = self.options.setdefault(user["userid"], dict(DEFAULT_OPTIONS))
        return {"errmsg": "ok", "option": [{"type": t, "value": have[t]} for t in types]}

    def _useroption_update(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._user(args.get("userid"))
        entries = args.get("option")
        if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
            raise _fail(40058, "option: a non-empty list of {type, value}")
        types = self._option_types([e.get("type") for e in entries], SETTABLE_OPTION_TYPES, "option")
        values = [e.get("value") for e in entries]
        if any(v not in ("0", "1") for v in values):  # a string, as the doc has it: "0" or "1"
            raise _fail(40058, 'option value is the string "0" or "1"')
        have = self.options.setdefault(user["userid"], dict(DEFAULT_OPTIONS))
        have.update(zip(types, (str(v) for v in values), strict=True))
        return {"errmsg": "update"}

    # ---- tags

    def _tag_list(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"errmsg": "ok", "taglist": [{"tagid": i, "tagname": t["tagname"]} for i, t in self.tags.items()]}

    def _tag_create(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("tagname") or "")
        if not 1 <= len(name) <= 32:
            raise _fail(40058, "tagname: 1 to 32 characters")
        if any(t["tagname"] == name for t in self.tags.values()):
            raise _fail(40071, "tag name existed")
        tag_id = int(args["tagid"]) if "tagid" in args else next(self._tag_ids)
        self.tags[tag_id] = {"tagname": name, "userlist": [], "partylist": []}
        return {"errmsg": "created", "tagid": tag_id}

    def _tag(self, tag_id: Any) -> dict[str, Any]:
        tag = self.tags.get(int(tag_id))
        if tag is None:
            raise _fail(40068, f"invalid tagid: {tag_id}")
        return tag

    def _tag_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        self._tag(args.get("tagid"))
        del self.tags[int(args["tagid"])]
        return {"errmsg": "deleted"}

    def _tag_get(self, args: dict[str, Any]) -> dict[str, Any]:
        tag = self._tag(args.get("tagid"))
        users = [{"userid": u, "name": self.users[u]["name"]} for u in tag["userlist"] if u in self.users]
        return {"errmsg": "ok", "tagname": tag["tagname"], "userlist": users, "partylist": list(tag["partylist"])}

    def _tag_members_change(self, args: dict[str, Any], add: bool, all_invalid: int) -> dict[str, Any]:
        tag = self._tag(args.get("tagid"))
        users, parties = list(args.get("userlist") or []), [int(p) for p in args.get("partylist") or []]
        if not users and not parties:
            raise _fail(40058, "userlist and partylist may not both be empty")
        if len(users) > 1000 or len(parties) > 100:
            raise _fail(40058, "too many members in one request")
        bad_users = [u for u in users if u not in self.users or not self._visible(u)]
        bad_parties = [p for p in parties if p not in self.departments]
        if len(bad_users) + len(bad_parties) == len(users) + len(parties):
            raise _fail(all_invalid, "all list invalid")
        for key, values, bad in (("userlist", users, bad_users), ("partylist", parties, bad_parties)):
            good = [v for v in values if v not in bad]
            if add:
                tag[key] = tag[key] + [v for v in good if v not in tag[key]]
            else:
                tag[key] = [v for v in tag[key] if v not in good]
        answer: dict[str, Any] = {"errmsg": "ok" if add else "deleted"}
        if bad_users:
            answer["invalidlist"] = "|".join(bad_users)
        if bad_parties:
            answer["invalidparty"] = bad_parties
        return answer

    def _tag_addtagusers(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._tag_members_change(args, add=True, all_invalid=40070)

    def _tag_deltagusers(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._tag_members_change(args, add=False, all_invalid=40031)


CONTACTS_APP, FUNCTION_APP = "通讯录管理", "功能设置"
OPTION_TYPES = frozenset({1, 2, 3, 4})
SETTABLE_OPTION_TYPES = frozenset({1, 2, 3})
# A new member: secure login not forced, IMAP/SMTP and POP/SMTP on (the console's defaults; unverified).
DEFAULT_OPTIONS = {1: "0", 2: "1", 3: "1", 4: "0"}
OPTION_APIS = frozenset({"useroption/get", "useroption/update"})

POST_APIS = frozenset({
    "department/create", "department/update", "user/create", "user/update", "user/batchcheck",
    "group/create", "group/update", "tag/create", "tag/addtagusers", "tag/deltagusers",
    "useroption/get", "useroption/update",
})  # fmt: skip


GET_APIS = frozenset({
    "department/delete", "department/list", "user/delete", "user/get", "user/list", "user/simplelist",
    "group/get", "group/delete", "group/fuzzysearch", "tag/list", "tag/get", "tag/delete",
})  # fmt: skip


@dataclass
class Harness:
    """What the shared conformance suite needs to run the provider against this fake."""

    provider_type: str
    settings: dict[str, Any]
    fake: ExmailFake


@contextmanager
def harness(domains: tuple[str, ...] = ("example.com",)) -> Iterator[Harness]:
    """An Exmail company holding ``domains``, and the settings pointing the provider at it."""
    fake = ExmailFake(domains=domains).start()
    try:
        settings = {
            "corp_id": fake.corp_id,
            "corp_secret": fake.corp_secret,
            "function_secret": fake.function_secret,
            "base_url": fake.url + "/cgi-bin/",
            "org_domain": domains[0],
        }
        yield Harness(provider_type="tencent-exmail", settings=settings, fake=fake)
    finally:
        fake.stop()
