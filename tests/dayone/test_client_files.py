"""`mailplan local client-config`, served by real servers and fetched the way the clients fetch:
Thunderbird's autoconfig lookups and Outlook's autodiscover POST from nginx (Debian's, with its JavaScript
module), each answer validated against its schema; the Apple profile read with plistlib; the shared
customer address book from Radicale over CardDAV (PROPFIND, REPORT), logging in with mailplan's passwords."""

from __future__ import annotations

import plistlib
import shutil
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import vobject
import xmlschema

from servers.common import free_port, require_binaries, server_dir, stop_process, wait_until

from .conftest import EXAMPLES

SCHEMAS = Path(__file__).parent / "schemas"
D = "huamao-trade.com"
JS_MODULE = "/usr/lib/nginx/modules/ngx_http_js_module.so"
OUTLOOK_REQUEST = """<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>{address}</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>
"""
A = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"

pytestmark = pytest.mark.realstack


@dataclass
class Served:
    company: Path
    out: Path
    web: str  # http://127.0.0.1:PORT
    dav: str
    passwords: dict[str, str]


def _run(company: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mailplan", *args], cwd=company, capture_output=True, text=True,
                          timeout=180, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "MAILPLAN_TODAY": "2026-11-02"})


def _listening(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    require_binaries("nginx", JS_MODULE)
    root = server_dir("dayone")
    company = root / "company"
    shutil.copytree(EXAMPLES, company, ignore=shutil.ignore_patterns(".mailplan", "zones", "*.sqlite"))
    web_port, dav_port = free_port(), free_port()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        applied = _run(company, "apply", "--auto-approve")
        assert applied.returncode == 0, applied.stderr[-3000:]
        out = root / "clients"
        made = _run(company, "local", "client-config", "--out", str(out), "--listen", f"127.0.0.1:{web_port}",
                    "--carddav-listen", f"127.0.0.1:{dav_port}", "--carddav-url", f"https://dav.{D}/")
        assert made.returncode == 0, made.stderr
        nginx_conf = root / "nginx.conf"
        nginx_conf.write_text(
            f"load_module {JS_MODULE};\nworker_processes 1;\npid {root}/nginx.pid;\n"
            f"events {{ worker_connections 64; }}\n"
            f"http {{ access_log off; client_body_temp_path {root}/body; include {out}/nginx-mailplan.conf; }}\n")
        procs.append(subprocess.Popen(["nginx", "-e", str(root / "nginx-error.log"), "-p", str(root), "-c",
                                       str(nginx_conf), "-g", "daemon off;"], stderr=subprocess.DEVNULL))
        procs.append(subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(out / "radicale/config")],
                                      stdout=subprocess.DEVNULL, stderr=(root / "radicale.log").open("wb")))
        wait_until(lambda: _listening(web_port), 10, "nginx")
        wait_until(lambda: _listening(dav_port), 20, "radicale")
        credentials = (company / ".mailplan" / "credentials.txt").read_text(encoding="utf-8")
        passwords = dict(line.split("\t")[:2] for line in credentials.splitlines() if "\t" in line)
        yield Served(company, out, f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{dav_port}", passwords)
    finally:
        for proc in procs:
            stop_process(proc)
        shutil.rmtree(root, ignore_errors=True)


def get(served: Served, host: str, path: str) -> requests.Response:
    return requests.get(served.web + path, headers={"Host": host}, timeout=10)


def outlook(served: Served, host: str, address: str, path: str = "/autodiscover/autodiscover.xml") -> ET.Element:
    answer = requests.post(served.web + path, data=OUTLOOK_REQUEST.format(address=address).encode(),
                           headers={"Host": host, "Content-Type": "text/xml"}, timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/xml")
    xmlschema.XMLSchema(SCHEMAS / "autodiscover-response.xsd").validate(answer.text)
    return ET.fromstring(answer.content)


# --- Thunderbird -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "path"),
    [
        (f"autoconfig.{D}", "/mail/config-v1.1.xml?emailaddress=zhangsan%40huamao-trade.com"),
        (D, "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=zhangsan%40huamao-trade.com"),
        ("autoconfig.huamao.cn", "/mail/config-v1.1.xml?emailaddress=zhangsan%40huamao.cn"),  # the alias domain
    ],
)
def test_thunderbird_finds_the_settings_where_it_looks(served: Served, host: str, path: str) -> None:
    answer = get(served, host, path)
    assert answer.status_code == 200 and "xml" in answer.headers["Content-Type"]
    xmlschema.XMLSchema(SCHEMAS / "autoconfig-v1.1.xsd").validate(answer.text)
    provider = ET.fromstring(answer.content).find("emailProvider")
    assert provider is not None
    assert [d.text for d in provider.findall("domain")] == [D, "huamao.cn"]
    imap, smtp = provider.find("incomingServer"), provider.find("outgoingServer")
    assert imap is not None and smtp is not None
    assert (imap.get("type"), imap.findtext("hostname"), imap.findtext("port"), imap.findtext("socketType")) == (
        "imap", f"mx.{D}", "993", "SSL")
    assert (smtp.findtext("port"), smtp.findtext("socketType"), smtp.findtext("username")) == (
        "465", "SSL", "%EMAILADDRESS%")


def test_nothing_else_is_served(served: Served) -> None:
    assert get(served, f"autoconfig.{D}", "/radicale/config").status_code == 404
    assert get(served, f"autoconfig.{D}", "/").status_code == 404


# --- Outlook -------------------------------------------------------------------------------------------------


def test_outlook_gets_the_settings_of_the_address_it_asks_for(served: Served) -> None:
    response = outlook(served, f"autodiscover.{D}", f"zhangsan@{D}", "/Autodiscover/Autodiscover.xml")
    assert response.findtext(f"{A}Response/{A}User/{A}DisplayName") == "张三"
    protocols = {p.findtext(f"{A}Type"): p for p in response.iter(f"{A}Protocol")}
    assert set(protocols) == {"IMAP", "SMTP"}  # the self-hosted backend serves no POP
    imap = protocols["IMAP"]
    assert (imap.findtext(f"{A}Server"), imap.findtext(f"{A}Port"), imap.findtext(f"{A}Encryption"),
            imap.findtext(f"{A}LoginName")) == (f"mx.{D}", "993", "SSL", f"zhangsan@{D}")
    assert protocols["SMTP"].findtext(f"{A}Port") == "465"


def test_outlook_asking_with_the_alias_domain_logs_in_with_the_primary_address(served: Served) -> None:
    response = outlook(served, D, "ZhangSan@huamao.cn")
    assert {p.findtext(f"{A}LoginName") for p in response.iter(f"{A}Protocol")} == {f"zhangsan@{D}"}


@pytest.mark.parametrize("address", [f"nobody@{D}", f"lina2@{D}", "someone@elsewhere.example"])
def test_an_unknown_or_departed_address_gets_exchanges_error(served: Served, address: str) -> None:
    response = outlook(served, f"autodiscover.{D}", address)
    assert response.findtext(".//{*}ErrorCode") == "500"
    assert not list(response.iter(f"{A}Protocol"))


# --- Apple -----------------------------------------------------------------------------------------------------


def test_the_apple_profile_sets_up_mail_and_the_address_book_without_a_password(served: Served) -> None:
    answer = get(served, f"autoconfig.{D}", f"/mobileconfig/john.smith@{D}.mobileconfig")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/x-apple-aspen-config"
    profile = plistlib.loads(answer.content)
    assert profile["PayloadType"] == "Configuration" and profile["PayloadVersion"] == 1
    mail, carddav = profile["PayloadContent"]
    assert mail["PayloadType"] == "com.apple.mail.managed" and mail["EmailAccountType"] == "EmailTypeIMAP"
    assert (mail["EmailAddress"], mail["EmailAccountName"], mail["IncomingMailServerHostName"],
            mail["IncomingMailServerPortNumber"], mail["OutgoingMailServerPortNumber"]) == (
        f"john.smith@{D}", "John Smith", f"mx.{D}", 993, 465)
    assert carddav["PayloadType"] == "com.apple.carddav.account" and carddav["CardDAVHostName"] == f"dav.{D}"
    flat = answer.content.decode().lower()
    assert "password</key>" not in flat.replace("outgoingpasswordsameasincomingpassword</key>", "")
    assert all(pw not in answer.text for pw in served.passwords.values())
    uuids = {p["PayloadUUID"] for p in (profile, mail, carddav)}
    assert len(uuids) == 3


# --- the shared address book over CardDAV ------------------------------------------------------------------------

PROPFIND = """<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:displayname/><d:getetag/></d:prop></d:propfind>"""
REPORT = """<?xml version="1.0" encoding="utf-8"?>
<c:addressbook-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">
  <d:prop><d:getetag/><c:address-data/></d:prop>
</c:addressbook-query>"""


def test_a_colleague_reads_the_customers_over_carddav(served: Served) -> None:
    auth = (f"wangfang@{D}", served.passwords[f"wangfang@{D}"])
    listing = requests.request("PROPFIND", served.dav + "/shared/customers/", data=PROPFIND, auth=auth,
                               headers={"Depth": "1", "Content-Type": "application/xml"}, timeout=10)
    assert listing.status_code == 207, listing.text
    tree = ET.fromstring(listing.content)
    assert any(e.text == "客户 Customers" for e in tree.iter("{DAV:}displayname"))
    assert tree.find(".//{DAV:}resourcetype/{urn:ietf:params:xml:ns:carddav}addressbook") is not None
    report = requests.request("REPORT", served.dav + "/shared/customers/", data=REPORT.encode(), auth=auth,
                              headers={"Depth": "1", "Content-Type": "application/xml"}, timeout=10)
    assert report.status_code == 207, report.text
    cards = [vobject.readOne(e.text) for e in ET.fromstring(report.content).iter(
        "{urn:ietf:params:xml:ns:carddav}address-data")]
    assert {c.email.value for c in cards} >= {"m.keller@keller-handel.example", "caiwu@donghai-home.example"}
    assert len(cards) == 10


def test_the_address_book_refuses_a_wrong_password_and_a_person_who_left(served: Served) -> None:
    for user, password in ((f"wangfang@{D}", "not-her-password"), (f"lina2@{D}", "whatever")):
        answer = requests.request("PROPFIND", served.dav + "/shared/customers/", data=PROPFIND, auth=(user, password),
                                  headers={"Depth": "0"}, timeout=10)
        assert answer.status_code == 401


def test_a_freeze_applied_later_locks_the_address_book_at_once(served: Served) -> None:
    user = f"zhaolei@{D}"
    auth = (user, served.passwords[user])
    ok = requests.request("PROPFIND", served.dav + "/shared/customers/", auth=auth, headers={"Depth": "0"},
                          timeout=10)
    assert ok.status_code == 207
    left = _run(served.company, "offboard", "zhaolei", "--successor", "wangfang", "--now", "--actor", "test")
    assert left.returncode == 0, left.stderr[-2000:]
    refused = requests.request("PROPFIND", served.dav + "/shared/customers/", auth=auth, headers={"Depth": "0"},
                               timeout=10)
    assert refused.status_code == 401
