"""What mail clients fetch to configure themselves from a self-hosted server, and the web server that answers.

``render`` turns the domains, their client servers and the people into files:
- Mozilla autoconfig (Thunderbird, and clients that follow it): ``config-v1.1.xml`` per domain, served at
  ``http(s)://autoconfig.<domain>/mail/config-v1.1.xml`` and ``<domain>/.well-known/autoconfig/mail/config-v1.1.xml``
  (wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat; Thunderbird's lookup order, ibid.);
- Outlook's POX autodiscover: Outlook POSTs a request naming the address to
  ``autodiscover.<domain>/autodiscover/autodiscover.xml`` ([MS-OXDSCLI] §2.2.3); the answer names that
  address as the login, so it cannot be a static file: nginx's JavaScript module (njs) answers it from
  ``autodiscover.js``, which holds the addresses and settings generated here (no process of our own);
- an Apple configuration profile per person (``<address>.mobileconfig``, PayloadType
  ``com.apple.mail.managed`` and, with a CardDAV URL, ``com.apple.carddav.account``; Apple's
  Configuration Profile Reference): no password inside, the device asks for it;
- ``nginx-mailplan.conf``: one ``server`` per domain for nginx's ``http`` block (conf.d);
- the shared address book for Radicale (``radicale/``): its config, rights, the customers' vCards, and
  authentication against mailplan's database (``radicale_auth.py``: a frozen person is refused at once).
"""

from __future__ import annotations

import json
import plistlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from mailplan.dns.clients import ClientSettings, Server

PROFILE_NAMESPACE = uuid.UUID("b0a7c1de-5e3f-5c55-8d0e-1f0c4a6d2b00")  # stable payload UUIDs per address


@dataclass(frozen=True)
class MailDomain:
    name: str  # A-label
    aliases: tuple[str, ...]  # alias domains whose addresses are the same mailboxes
    clients: ClientSettings


@dataclass(frozen=True)
class Account:
    address: str
    name: str


@dataclass(frozen=True)
class ClientParams:
    organization: str
    domains: tuple[MailDomain, ...]
    accounts: tuple[Account, ...]  # active mailboxes: people and functional mailboxes
    out_dir: Path  # where the files are installed (paths inside nginx's and Radicale's configs point here)
    database: Path
    listen: str = "80"  # nginx ``listen`` (add TLS in front, or give a certificate)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    carddav_url: str = ""  # the address book's public URL, for the Apple profile ("" = none)
    carddav_listen: str = "127.0.0.1:5232"
    vcards: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (uid, vCard text) per customer address


def render(p: ClientParams) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for domain in p.domains:
        xml = autoconfig_xml(p.organization, domain)
        files[f"www/{domain.name}/mail/config-v1.1.xml"] = xml
        files[f"www/{domain.name}/.well-known/autoconfig/mail/config-v1.1.xml"] = xml
    by_domain = {d.name: d for d in p.domains}
    for account in p.accounts:
        home = by_domain.get(account.address.rpartition("@")[2])
        if home is not None:
            files[f"www/{home.name}/mobileconfig/{account.address}.mobileconfig"] = mobileconfig(p, home, account)
    files["autodiscover.js"] = autodiscover_js(p)
    files["nginx-mailplan.conf"] = nginx_conf(p)
    files["radicale/config"] = radicale_config(p)
    files["radicale/rights"] = RADICALE_RIGHTS
    book = "radicale/collections/collection-root/shared/customers"
    files[f"{book}/.Radicale.props"] = json.dumps({"tag": "VADDRESSBOOK", "D:displayname": "客户 Customers",
                                                   "CR:addressbook-description": f"{p.organization}"},
                                                  ensure_ascii=False)
    for uid, text in p.vcards:
        files[f"{book}/{uid.removeprefix('urn:uuid:')}.vcf"] = text
    files["README.txt"] = readme(p)
    return files


def write(p: ClientParams) -> list[Path]:
    """Write every file under ``p.out_dir``: readable by the web server (no secret is inside).

    The address book folder is rewritten whole, so a customer dropped from the config leaves it."""
    book = p.out_dir / "radicale/collections/collection-root/shared/customers"
    if book.exists():
        for old in book.glob("*.vcf"):
            old.unlink()
    written = []
    for name, content in sorted(render(p).items()):
        path = p.out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        written.append(path)
    return written


# --- Mozilla autoconfig ----------------------------------------------------------------------------------

SOCKET = {"tls": "SSL", "starttls": "STARTTLS"}


def autoconfig_xml(organization: str, domain: MailDomain) -> str:
    c = domain.clients
    incoming = [_mozilla_server("incomingServer", s) for s in (c.imap, c.pop3) if s is not None]
    names = "".join(f"    <domain>{escape(d)}</domain>\n" for d in (domain.name, *domain.aliases))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<clientConfig version="1.1">\n'
        f'  <emailProvider id="{escape(domain.name)}">\n'
        f"{names}"
        f"    <displayName>{escape(organization)}</displayName>\n"
        f"    <displayShortName>{escape(organization)}</displayShortName>\n"
        + "".join(incoming)
        + _mozilla_server("outgoingServer", c.smtp)
        + "  </emailProvider>\n</clientConfig>\n"
    )


def _mozilla_server(element: str, server: Server) -> str:
    kind = {"imap": "imap", "pop3": "pop3", "smtp": "smtp"}[server.protocol]
    return (
        f'    <{element} type="{kind}">\n'
        f"      <hostname>{escape(server.host)}</hostname>\n"
        f"      <port>{server.port}</port>\n"
        f"      <socketType>{SOCKET[server.security]}</socketType>\n"
        "      <authentication>password-cleartext</authentication>\n"
        "      <username>%EMAILADDRESS%</username>\n"
        f"    </{element}>\n"
    )


# --- Outlook POX autodiscover ---------------------------------------------------------------------------

RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"


def outlook_protocols(clients: ClientSettings, login: str) -> str:
    """The ``<Protocol>`` elements of an Outlook response ([MS-OXDSCLI] §2.2.4.1.1.2.1.3): Encryption
    says SSL for TLS from the first byte, TLS for STARTTLS."""
    out = []
    for server in clients.servers:
        kind = {"imap": "IMAP", "pop3": "POP3", "smtp": "SMTP"}[server.protocol]
        out.append(
            "<Protocol>"
            f"<Type>{kind}</Type>"
            f"<Server>{escape(server.host)}</Server>"
            f"<Port>{server.port}</Port>"
            "<DomainRequired>off</DomainRequired>"
            f"<LoginName>{escape(login)}</LoginName>"
            "<SPA>off</SPA>"
            f"<Encryption>{'SSL' if server.security == 'tls' else 'TLS'}</Encryption>"
            "<AuthRequired>on</AuthRequired>"
            + ("<UsePOPAuth>on</UsePOPAuth>" if kind == "SMTP" else "")
            + "</Protocol>"
        )
    return "".join(out)


def autodiscover_js(p: ClientParams) -> str:
    """The njs handler: finds ``<EMailAddress>`` in the POSTed request and answers with that account's
    settings, or with Exchange's error 500 ("the e-mail address cannot be found") for any other."""
    domains = {}
    for d in p.domains:
        for name in (d.name, *d.aliases):
            domains[name] = {"target": d.name, "protocols": outlook_protocols(d.clients, "@LOGIN@")}
    accounts = {a.address: a.name for a in p.accounts}
    return f"""\
// Generated by mailplan local client-config: Outlook's POX autodiscover ([MS-OXDSCLI]) for nginx's njs.
var DOMAINS = {json.dumps(domains, ensure_ascii=False, sort_keys=True)};
var ACCOUNTS = {json.dumps(accounts, ensure_ascii=False, sort_keys=True)};
var HEAD = '<?xml version="1.0" encoding="utf-8"?>\\n<Autodiscover xmlns="{RESPONSE_NS}">';

function xml(text) {{
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}}

function error(r, code, message) {{
    r.headersOut['Content-Type'] = 'text/xml; charset=utf-8';
    r.return(200, HEAD + '<Response><Error Time="' + new Date().toISOString().substring(11, 19) + '" Id="0">'
        + '<ErrorCode>' + code + '</ErrorCode><Message>' + message + '</Message><DebugData/></Error>'
        + '</Response></Autodiscover>\\n');
}}

function autodiscover(r) {{
    if (r.method !== 'POST') {{
        return error(r, 600, 'Invalid Request');
    }}
    var found = /<EMailAddress>\\s*([^<\\s]+)\\s*<\\/EMailAddress>/i.exec(r.requestText || '');
    if (!found) {{
        return error(r, 600, 'Invalid Request');
    }}
    var parts = found[1].toLowerCase().split('@');
    var domain = parts.length === 2 ? DOMAINS[parts[1]] : undefined;
    var address = domain ? parts[0] + '@' + domain.target : '';
    if (!domain || !(address in ACCOUNTS)) {{
        return error(r, 500, 'The e-mail address cannot be found.');
    }}
    r.headersOut['Content-Type'] = 'text/xml; charset=utf-8';
    r.return(200, HEAD + '<Response xmlns="{OUTLOOK_NS}">'
        + '<User><DisplayName>' + xml(ACCOUNTS[address]) + '</DisplayName>'
        + '<AutoDiscoverSMTPAddress>' + address + '</AutoDiscoverSMTPAddress></User>'
        + '<Account><AccountType>email</AccountType><Action>settings</Action>'
        + domain.protocols.split('@LOGIN@').join(address)
        + '</Account></Response></Autodiscover>\\n');
}}

export default {{autodiscover}};
"""


# --- Apple configuration profile ---------------------------------------------------------------------------


def mobileconfig(p: ClientParams, domain: MailDomain, account: Account) -> bytes:
    c = domain.clients
    ident = f"mailplan.{domain.name}.{account.address}"
    mail = {
        "PayloadType": "com.apple.mail.managed",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{ident}.mail",
        "PayloadUUID": str(uuid.uuid5(PROFILE_NAMESPACE, f"mail:{account.address}")).upper(),
        "PayloadDisplayName": f"{p.organization} 邮箱 / mail",
        "EmailAccountDescription": f"{p.organization} ({account.address})",
        "EmailAccountName": account.name,
        "EmailAccountType": "EmailTypeIMAP",
        "EmailAddress": account.address,
        "IncomingMailServerAuthentication": "EmailAuthPassword",
        "IncomingMailServerHostName": c.imap.host,
        "IncomingMailServerPortNumber": c.imap.port,
        "IncomingMailServerUseSSL": True,  # Apple's "use SSL" covers STARTTLS on 143 as on 993
        "IncomingMailServerUsername": account.address,
        "OutgoingMailServerAuthentication": "EmailAuthPassword",
        "OutgoingMailServerHostName": c.smtp.host,
        "OutgoingMailServerPortNumber": c.smtp.port,
        "OutgoingMailServerUseSSL": True,
        "OutgoingMailServerUsername": account.address,
        "OutgoingPasswordSameAsIncomingPassword": True,
    }
    content = [mail]
    if p.carddav_url:
        host, _, rest = p.carddav_url.removeprefix("https://").partition("/")
        content.append({
            "PayloadType": "com.apple.carddav.account",
            "PayloadVersion": 1,
            "PayloadIdentifier": f"{ident}.carddav",
            "PayloadUUID": str(uuid.uuid5(PROFILE_NAMESPACE, f"carddav:{account.address}")).upper(),
            "PayloadDisplayName": f"{p.organization} 客户通讯录 / customers",
            "CardDAVAccountDescription": f"{p.organization} 客户 / customers",
            "CardDAVHostName": host.partition(":")[0],
            "CardDAVPort": int(host.partition(":")[2] or 443),
            "CardDAVUseSSL": True,
            "CardDAVPrincipalURL": f"/{rest}".rstrip("/") + "/" if rest else "/",
            "CardDAVUsername": account.address,
        })
    profile = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": ident,
        "PayloadUUID": str(uuid.uuid5(PROFILE_NAMESPACE, f"profile:{account.address}")).upper(),
        "PayloadDisplayName": f"{account.name} — {p.organization}",
        "PayloadDescription": f"{account.address}: 邮箱设置，不含密码 / mail settings, no password inside",
        "PayloadOrganization": p.organization,
        "PayloadRemovalDisallowed": False,
        "PayloadContent": content,
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML, sort_keys=True)


# --- nginx and Radicale --------------------------------------------------------------------------------------


def nginx_conf(p: ClientParams) -> str:
    tls = (f"    listen {p.listen} ssl;\n    ssl_certificate {p.tls_cert};\n    ssl_certificate_key {p.tls_key};\n"
           if p.tls_cert and p.tls_key else f"    listen {p.listen};\n")
    servers = []
    for d in p.domains:
        names = " ".join(f"{n} autoconfig.{n} autodiscover.{n}" for n in (d.name, *d.aliases))
        servers.append(f"""\
server {{
{tls}    server_name {names};
    root {p.out_dir / "www" / d.name};
    # Thunderbird: autoconfig.<domain>/mail/config-v1.1.xml and <domain>/.well-known/autoconfig/...
    location = /mail/config-v1.1.xml {{ default_type "application/xml; charset=utf-8"; }}
    location = /.well-known/autoconfig/mail/config-v1.1.xml {{ default_type "application/xml; charset=utf-8"; }}
    # Outlook: POST <Autodiscover><Request><EMailAddress>…, any capitalisation of the path
    location ~* ^/autodiscover/autodiscover\\.xml$ {{
        client_max_body_size 16k;
        client_body_buffer_size 16k;
        js_content mailplan_autodiscover.autodiscover;
    }}
    # Apple devices: one profile per person, no password inside
    location /mobileconfig/ {{ default_type application/x-apple-aspen-config; }}
    location / {{ return 404; }}
}}
""")
    return (
        "# mailplan: include inside nginx's http block (Debian: /etc/nginx/conf.d/mailplan.conf).\n"
        "# Needs nginx's JavaScript module: apt-get install libnginx-mod-http-js\n"
        f"js_import mailplan_autodiscover from {p.out_dir / 'autodiscover.js'};\n\n" + "\n".join(servers)
    )


RADICALE_RIGHTS = """\
# mailplan: every colleague reads the shared customer address book; each has their own space too.
[root]
user: .+
collection:
permissions: R

[shared]
user: .+
collection: shared(/.*)?
permissions: rR

[own]
user: .+
collection: {user}(/.*)?
permissions: RrWw
"""


def radicale_config(p: ClientParams) -> str:
    return f"""\
# mailplan: Radicale serving the shared customer address book (CardDAV), logins checked against
# mailplan's database: a person who left (a frozen mailbox) is refused at once.
# Run with a Python where both radicale and mailplan import: python -m radicale --config {p.out_dir / 'radicale/config'}
[server]
hosts = {p.carddav_listen}

[auth]
type = mailplan.providers.mail.local.radicale_auth
mailplan_database = {p.database}

[rights]
type = from_file
file = {p.out_dir / 'radicale/rights'}

[storage]
filesystem_folder = {p.out_dir / 'radicale/collections'}

[web]
type = none
"""


def readme(p: ClientParams) -> str:
    domains = ", ".join(d.name for d in p.domains)
    return f"""\
mailplan local client-config: what mail clients fetch to set themselves up ({domains}).

www/<domain>/                 the web root nginx serves for <domain>, autoconfig.<domain>, autodiscover.<domain>
  mail/config-v1.1.xml        Thunderbird's autoconfig (also under .well-known/autoconfig/)
  mobileconfig/<address>.mobileconfig   Apple profile per person: open it on the iPhone/Mac (no password inside)
autodiscover.js               Outlook's autodiscover answer (nginx JavaScript module)
nginx-mailplan.conf           server blocks: copy to /etc/nginx/conf.d/ (apt-get install nginx libnginx-mod-http-js)
radicale/                     the shared customer address book (CardDAV), served by Radicale on {p.carddav_listen}

DNS: mailplan apply publishes autoconfig/autodiscover CNAMEs and the RFC 6186 SRV records pointing at the
mail host; this web server must answer there (HTTPS: give --tls-cert/--tls-key or put a TLS proxy in front).
Run this command again after each apply that adds people or changes customers.
"""


def accounts_of(pairs: Sequence[tuple[str, str]]) -> tuple[Account, ...]:
    return tuple(Account(a, n) for a, n in sorted(pairs))
