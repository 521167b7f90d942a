"""A small company on each mail provider's contract fake (or the local database), one departure, and
what the provider's own state says of it: which parts of the departure are done.

The recipe of 张三 (zhangsan) leaving, 王芳 (wangfang) taking over, as each provider runs it, step by
step (``STEPS``): every step is a request (or a local write) a test can make fail. ``missing`` reads the
fake's state — the password it holds, the app passwords and tokens it still lists, the flags it keeps,
the group's members — never mailplan's own rows or answers.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fakes.server import FakeServer, Response
from fakes.settings import provider_block
from mailplan.cli.main import build

DOMAIN = "example.com"
LEAVER, SUCCESSOR = f"zhangsan@{DOMAIN}", f"wangfang@{DOMAIN}"
TEAM = f"team@{DOMAIN}"
FREEZE = ("freeze", "mailbox", LEAVER)

CONFIG = """\
version: 1
organization: {{name: 示例贸易, primary_domain: {domain}}}
state_dir: state
providers:
  mail:
{settings}
domains:
  {domain}: {{mail: mail}}
departments:
  sales: {{name: 销售部}}
people:
  - {{name: 张三, department: sales}}   # zhangsan, who leaves
  - {{name: 王芳, department: sales}}   # wangfang, the successor
  - {{name: 李娜, department: sales}}
  - {{name: 刘洋, department: sales}}
groups:
  - {{address: team, name: 团队, members: [zhangsan, wangfang, lina, liuyang], post: anyone}}
policies:
  offboarding:
    auto_reply:
      subject: "{{name}} 已离职 / {{name}} has left"
      body: "请联系 {{successor_name}}：{{successor_address}}。Please write to {{successor_address}}."
"""

# Zoho Mail has no departments (validate refuses them): its company is the same without.
NO_DEPARTMENTS = frozenset({"zoho"})
DEPARTMENTS, IN_SALES = "departments:\n  sales: {name: 销售部}\n", ", department: sales"

PlanChange = tuple[str, str, str]  # (action, kind, key) as `plan --format json` shows it


@dataclass(frozen=True)
class Step:
    """One step of the departure as a provider runs it, and how to make it fail."""

    name: str
    method: str = ""  # the request that fails (cloud providers) ...
    path: str = ""  # ... a regex on its path
    contains: str = ""  # ... and a text its body holds (one PATCH of several to the same path)
    kind: str = ""  # the local backend: the kind of object whose write fails
    left: tuple[PlanChange, ...] = (FREEZE,)  # what the next plan shows when only this step failed
    cuts_access: bool = True  # whether the leaver's access is cut although this step failed


def _freeze_part(name: str, method: str, path: str, contains: str = "", first: bool = False) -> Step:
    return Step(f"freeze: {name}", method, path, contains, cuts_access=not first)


USER = rf"/admin/directory/v1/users/{LEAVER}"
GMAIL = rf"/gmail/v1/users/{LEAVER}/settings"
QIYE = "/qiyeservice/api"
ZOHO_ACCOUNT = r"/api/organization/\d+/accounts/\d+"
STEPS: dict[str, list[Step]] = {
    "google": [
        Step("preserve: Vault hold", "POST", r"/v1/matters.*", left=(("create", "hold", LEAVER),)),
        Step("hand over: forwarding", "PUT", GMAIL + "/autoForwarding", left=(("create", "forwarding", LEAVER),)),
        Step("hand over: auto-reply", "PUT", GMAIL + "/vacation", left=(("create", "autoreply", LEAVER),)),
        Step("hand over: successor's read access", "POST", GMAIL + "/delegates",
             left=(("create", "delegation", f"{LEAVER}/{SUCCESSOR}"),)),
        _freeze_part("password", "PATCH", USER, '"password"', first=True),
        _freeze_part("sign-out", "POST", USER + "/signOut"),
        _freeze_part("app passwords", "DELETE", USER + "/asps/.*"),
        _freeze_part("OAuth tokens", "DELETE", USER + "/tokens/.*"),
        _freeze_part("backup codes", "POST", USER + "/verificationCodes/invalidate"),
        _freeze_part("the frozen mark", "PATCH", USER, '"frozen"'),
        Step("clean up: out of the group", "DELETE", rf"/admin/directory/v1/groups/{TEAM}/members/{LEAVER}",
             left=(("update", "group", TEAM),)),
    ],
    "microsoft": [
        Step("hand over: auto-reply", "PATCH", r"/v1.0/users/[^/]+/mailboxSettings",
             left=(("create", "autoreply", LEAVER),)),
        _freeze_part("sign-in blocked", "PATCH", rf"/v1.0/users/{LEAVER}", '"accountEnabled"', first=True),
        _freeze_part("sessions revoked", "POST", rf"/v1.0/users/{LEAVER}/revokeSignInSessions"),
        _freeze_part("password", "PATCH", rf"/v1.0/users/{LEAVER}", '"passwordProfile"'),
        Step("clean up: out of the group", "DELETE", r"/v1.0/groups/[^/]+/members/[^/]+/\$ref",
             left=(("update", "group", TEAM),)),
    ],
    "exmail": [
        _freeze_part("password", "POST", "/cgi-bin/user/update", '"password"', first=True),
        _freeze_part("IMAP/SMTP and POP/SMTP off", "POST", "/cgi-bin/useroption/update"),
        _freeze_part("enable 0", "POST", "/cgi-bin/user/update", '"enable"'),
        Step("clean up: out of the group", "POST", "/cgi-bin/group/update", left=(("update", "group", TEAM),)),
    ],
    "alimail": [
        _freeze_part("password", "POST", rf"/v2/users/{LEAVER}/resetPassword", first=True),
        _freeze_part("status FREEZE", "PATCH", rf"/v2/users/{LEAVER}", '"status"'),
    ],
    "netease": [
        _freeze_part("password", "POST", f"{QIYE}/account/updatePassword", first=True),
        _freeze_part("suspended (status 1)", "POST", f"{QIYE}/account/suspendAccount"),
    ],
    "zoho": [
        Step("hand over: forwarding", "PUT", ZOHO_ACCOUNT, "addMailForward", left=(("create", "forwarding", LEAVER),)),
        Step("hand over: forwarding turned on", "PUT", ZOHO_ACCOUNT, "enableMailForward",
             left=(("create", "forwarding", LEAVER),)),
        _freeze_part("password", "PUT", ZOHO_ACCOUNT, "resetPassword", first=True),
        _freeze_part("disabled", "PUT", ZOHO_ACCOUNT, "disableUser"),
        Step("clean up: out of the group", "PUT", r"/api/organization/\d+/groups/\d+", "deleteMailGroupMember",
             left=(("update", "group", TEAM),)),
    ],
    "local": [
        # a frozen local mailbox is no recipient: the freeze waits for the forwarding (no bounce)
        Step("hand over: forwarding", kind="forwarding", left=(("create", "forwarding", LEAVER), FREEZE),
             cuts_access=False),
        Step("hand over: auto-reply", kind="autoreply", left=(("create", "autoreply", LEAVER),)),
        Step("hand over: successor's read access", kind="delegation",
             left=(("create", "delegation", f"{LEAVER}/{SUCCESSOR}"),)),
        Step("freeze", kind="mailbox", cuts_access=False),
        Step("clean up: out of the group", kind="group", left=(("update", "group", TEAM),)),
    ],
}  # fmt: skip


# The steps of the departure that are a person's on each provider (its API has no call for them): the
# plan shows them as manual steps, with instructions, on every run until a person has done them (no read
# can tell), and they never hold up the rest. The password policy's console step is not the departure's.
MANUAL: dict[str, tuple[tuple[str, str], ...]] = {
    "google": (),
    "microsoft": (("hold", LEAVER), ("forwarding", LEAVER)),  # a litigation hold; forwarding in Exchange
    "exmail": (("forwarding", LEAVER), ("autoreply", LEAVER)),
    "alimail": (("group", TEAM), ("forwarding", LEAVER), ("autoreply", LEAVER)),  # no mail-list API
    "netease": (("group", TEAM), ("forwarding", LEAVER), ("autoreply", LEAVER)),  # mail lists: console only
    "zoho": (("autoreply", LEAVER),),  # the vacation reply's API fields are not documented in full
    "local": (),
}


def refusal(provider: str) -> Response:
    """A failure no retry helps, in the provider's own words."""
    if provider == "google":
        from fakes.google import g_error

        return g_error(403, "Not Authorized to access this resource/api", "forbidden")
    if provider == "microsoft":
        from fakes.microsoft import g_error as graph_error

        return graph_error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
    if provider == "exmail":
        return Response(200, {"errcode": 60011, "errmsg": "no privilege to access/modify contact/party/agent"})
    if provider == "netease":
        return Response(200, {"suc": False, "error_code": "PERMISSION_NOT_REGISTER", "ver": 0})
    if provider == "zoho":
        body = {"errorCode": "OPERATION_NOT_PERMITTED", "moreInfo": "the operation is not permitted"}
        return Response(400, {"status": {"code": 400, "description": "Invalid Input"}, "data": body})
    return Response(403, {"detailErrorCode": "Forbidden", "message": "no permission", "developerMessage": ""})


@dataclass
class Company:
    provider: str
    folder: Path
    config: Path
    fake: FakeServer | None  # None: the local backend
    before: dict[str, Any] = field(default_factory=dict)  # the leaver's state before the departure

    def run(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(build(), [args[0], str(self.config), *args[1:]], env={"MAILPLAN_TODAY": ""})
        return result.exit_code, result.stdout + result.stderr

    def plan_left(self) -> list[PlanChange]:
        """What the next plan would still change; and its --detailed-exitcode must say 0 exactly when
        the provider's state shows every part of the departure done."""
        code, out = self.run("plan", "--detailed-exitcode", "--format", "json")
        assert code in (0, 2), out
        missing = self.missing()
        assert (code == 0) == (missing == []), f"exit {code}, yet the provider's state lacks {missing}"
        plan, _ = json.JSONDecoder().raw_decode(out, out.index("{"))  # the plan; the waits shown follow it
        manual = [c for c in plan["changes"] if c["action"] == "manual" and c["kind"] != "policy"]
        assert sorted((c["kind"], c["key"]) for c in manual) == sorted(MANUAL[self.provider]), manual
        assert all(c.get("instructions") for c in manual), manual  # each says what a person does
        return sorted((c["action"], c["kind"], c["key"]) for c in plan["changes"] if c["action"] != "manual")

    def missing(self) -> list[str]:
        """The parts of the departure the provider's state does not show done."""
        return [part for part, done in CHECKS[self.provider](self).items() if not done]

    def access_cut(self) -> bool:
        return bool(CHECKS[self.provider](self)[ACCESS[self.provider]])

    def secrets_seen(self) -> str:
        """Everything mailplan printed or wrote that a person could read (credentials file excepted)."""
        state = self.folder / "state"
        files = [p for p in state.rglob("*") if p.is_file() and p.name != "credentials.txt"] if state.exists() else []
        return "\n".join(p.read_text(errors="replace") for p in files)


# -- what each provider's state says ---------------------------------------------------------------


def _google(co: Company) -> dict[str, bool]:
    fake: Any = co.fake
    user = fake.user_by(LEAVER)
    uid = user["id"]
    marks = {str(e.get("value")) for e in user.get("externalIds") or [] if e.get("customType") == "mailplan"}
    gmail = fake.gmail[uid]
    forwarding = gmail["autoForwarding"]
    return {
        "password replaced": fake.passwords[uid] != co.before["password"],
        "signed out": fake.signed_out[LEAVER] > 0,
        "app passwords revoked": not fake.asps.get(uid),
        "OAuth tokens revoked": not fake.oauth_tokens.get(uid),
        "backup codes invalidated": fake.codes_invalidated[LEAVER] > 0,
        "marked frozen": "frozen" in marks,
        "still receives mail (not suspended)": not user.get("suspended"),
        "mail held in Vault": LEAVER in fake.held(),
        "new mail forwarded to the successor": bool(forwarding.get("enabled"))
        and forwarding.get("emailAddress") == SUCCESSOR,
        "auto-reply on": bool(gmail["vacation"]["enableAutoReply"]),
        "successor reads the mailbox": SUCCESSOR in gmail["delegates"],
        "out of the group": LEAVER not in {m for g in fake.members.values() for m in g},
    }


def _microsoft(co: Company) -> dict[str, bool]:
    fake: Any = co.fake
    user = fake.user(LEAVER)
    marks = str((user.get("onPremisesExtensionAttributes") or {}).get("extensionAttribute15") or "")
    reply = fake.replies.get(user["id"]) or {}
    return {
        "sign-in blocked": user.get("accountEnabled") is False,
        "sessions revoked": fake.revoked.get(LEAVER, 0) > 0,
        "password replaced": fake.passwords[user["id"]] != co.before["password"],
        "no freeze left under way": "freezing" not in marks,
        "auto-reply on": reply.get("status") in ("alwaysEnabled", "scheduled"),
        "out of the group": user["id"] not in {m for g in fake.members.values() for m in g},
    }


def _exmail(co: Company) -> dict[str, bool]:
    fake: Any = co.fake
    options = fake.options[LEAVER]
    return {
        "password replaced": fake.passwords[LEAVER] != co.before["password"],
        "IMAP/SMTP off": options[2] == "0",
        "POP/SMTP off": options[3] == "0",
        "disabled": fake.users[LEAVER]["enable"] == 0,
        "out of the group": LEAVER not in fake.groups[TEAM]["userlist"],
    }


def _alimail(co: Company) -> dict[str, bool]:
    fake: Any = co.fake
    return {
        "password replaced": fake.passwords[LEAVER] != co.before["password"],
        "frozen": fake.user_by_email(LEAVER)["status"] == "FREEZE",
    }


def _netease(co: Company) -> dict[str, bool]:
    fake: Any = co.fake
    name = LEAVER.partition("@")[0]
    return {
        "password replaced": fake.passwords[name] != co.before["password"],
        "disabled (status 1), mail kept": fake.accounts[name]["status"] == 1,
    }


def _zoho(co: Company) -> dict[str, bool]:
    fake: Any = co.fake
    account = fake.account(LEAVER)
    forwards = {f["mailForward"]: f for f in account["mailForward"]}
    handover = forwards.get(SUCCESSOR) or {}
    return {
        "password replaced": fake.passwords[LEAVER] != co.before["password"],
        "disabled": account["mailboxStatus"] == "disabled",
        "still receives mail": not account["incomingBlocked"],
        "new mail forwarded to the successor, a copy kept": handover.get("status") == "enabled"
        and not handover.get("deleteCopy"),
        "out of the group": LEAVER not in {m["memberEmailId"] for m in fake.group(TEAM)["mailGroupMemberList"]},
    }


def _local(co: Company) -> dict[str, bool]:
    with contextlib.closing(sqlite3.connect(co.folder / "mail.sqlite")) as db:
        active, password = db.execute("SELECT active, password FROM mailbox WHERE username = ?", (LEAVER,)).fetchone()
        forwarding = db.execute("SELECT goto FROM mailplan_forwarding WHERE address = ?", (LEAVER,)).fetchone()
        reply = db.execute("SELECT 1 FROM mailplan_autoreply WHERE address = ?", (LEAVER,)).fetchone()
        reads = db.execute(
            "SELECT may_read FROM mailplan_delegation WHERE mailbox = ? AND grantee = ?", (LEAVER, SUCCESSOR)
        ).fetchone()
        (team,) = db.execute("SELECT goto FROM alias WHERE address = ?", (TEAM,)).fetchone()
    return {
        "login refused": active == 0,
        "password replaced": password != co.before["password"],
        "new mail forwarded to the successor": forwarding is not None and forwarding[0] == SUCCESSOR,
        "auto-reply on": reply is not None,
        "successor reads the mailbox": bool(reads and reads[0]),
        "out of the group": LEAVER not in team.split(","),
    }


CHECKS: dict[str, Callable[[Company], dict[str, bool]]] = {
    "google": _google, "microsoft": _microsoft, "exmail": _exmail, "alimail": _alimail, "netease": _netease,
    "zoho": _zoho, "local": _local,
}  # fmt: skip
# The part that means "the leaver can no longer log in with what they knew".
ACCESS = {
    "google": "password replaced", "microsoft": "sign-in blocked", "exmail": "password replaced",
    "alimail": "password replaced", "netease": "password replaced", "zoho": "password replaced",
    "local": "login refused",
}  # fmt: skip


def _leaver_password(co: Company) -> str:
    fake: Any = co.fake
    if co.provider == "google":
        return str(fake.passwords[fake.user_by(LEAVER)["id"]])
    if co.provider == "microsoft":
        return str(fake.passwords[fake.user(LEAVER)["id"]])
    if co.provider in ("exmail", "alimail", "zoho"):
        return str(fake.passwords[LEAVER])
    if co.provider == "netease":
        return str(fake.passwords[LEAVER.partition("@")[0]])
    with contextlib.closing(sqlite3.connect(co.folder / "mail.sqlite")) as db:
        return str(db.execute("SELECT password FROM mailbox WHERE username = ?", (LEAVER,)).fetchone()[0])


def _seed_leaver(co: Company) -> None:
    """What a person who worked here holds besides a password: app passwords, third-party tokens."""
    if co.provider == "google":
        fake: Any = co.fake
        uid = fake.user_by(LEAVER)["id"]
        fake.asps[uid] = [{"codeId": 7, "name": "Thunderbird", "userKey": uid}]
        fake.oauth_tokens[uid] = [{"clientId": "crm-app.apps.googleusercontent.com", "displayText": "CRM"}]


@contextlib.contextmanager
def company(provider: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Company]:
    """The company set up (everyone active) and 张三's departure recorded in the config by HR."""
    with _backend(provider, folder) as (settings, provider_type, fake):
        block, env = provider_block(provider_type, settings, prefix="DEPARTURE_TEST_")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        config = folder / "mailplan.yaml"
        text = CONFIG.format(domain=DOMAIN, settings=block)
        if provider in NO_DEPARTMENTS:
            text = text.replace(DEPARTMENTS, "").replace(IN_SALES, "")
        config.write_text(text, encoding="utf-8")
        if fake is not None:  # a provider's waits (rate limits, lag, pacing) pass on the fake's clock, at once
            monkeypatch.setattr("mailplan.providers.http.pause", fake.clock.advance)
            monkeypatch.setattr("mailplan.providers.http.now", fake.clock.now)
        co = Company(provider, folder, config, fake)
        code, out = co.run("apply", "--auto-approve")
        assert code == 0, out
        _seed_leaver(co)
        co.before["password"] = _leaver_password(co)
        code, out = co.run("offboard", "zhangsan", "--successor", "王芳", "--no-plan")
        assert code == 0, out
        yield co


@contextlib.contextmanager
def _backend(provider: str, folder: Path) -> Iterator[tuple[dict[str, Any], str, FakeServer | None]]:
    if provider == "local":
        yield {"database": "mail.sqlite"}, "local", None
        return
    module = importlib.import_module(f"fakes.{provider}")
    kwargs: dict[str, Any] = {"domain": DOMAIN} if provider in ("google", "microsoft") else {"domains": (DOMAIN,)}
    with module.harness(**kwargs) as harness:
        yield dict(harness.settings), harness.provider_type, harness.fake


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
