"""What a person needs on their first day, from the config: their address and where their mail client
connects (the mail provider's documented servers, ``dns/clients.py``).

``crm_rows`` is one row per active person for a CRM's mailbox binding; departed people are left out,
and each row names the frozen mailboxes whose mail now reaches that person (``takes_over``), so the
CRM's binding of a leaver's customers can follow. Never a password: mailplan does not keep one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from mailplan.config.addresses import to_unicode
from mailplan.config.entries import Config, Person
from mailplan.config.secrets import is_secret_key
from mailplan.dns.clients import ClientSettings, client_settings_for
from mailplan.errors import MailplanError
from mailplan.i18n import Msg


@dataclass(frozen=True)
class Newcomer:
    """One person, as their welcome sheet and a CRM row show them."""

    address: str  # A-label domain, as servers see it
    display_address: str  # Unicode domain, as people read it
    name: str
    department: str  # the department's display name ("" for none)
    clients: ClientSettings
    require_2fa: bool
    takes_over: tuple[str, ...]  # frozen mailboxes whose mail reaches this person


def newcomer(config: Config, person: Person, today: dt.date, departed: Sequence[Person] | None = None) -> Newcomer:
    """What a new person needs on day one. ``departed``: the people who have left by ``today``, when the
    caller asks for many newcomers (found once, not once per newcomer)."""
    domain = person.address.rpartition("@")[2]
    spec = config.document.providers[config.domains[domain].mail]
    settings = {k: v for k, v in spec.settings().items() if not is_secret_key(k)}
    clients = client_settings_for(spec.type, settings, domain)
    if clients is None:
        raise MailplanError(Msg("no client server settings are known for mail provider type {type}",
                                type=repr(spec.type)))
    dept = config.document.departments.get(person.department or "")
    local = person.address.rpartition("@")[0]
    return Newcomer(
        address=person.address,
        display_address=f"{local}@{to_unicode(domain)}",
        name=person.name,
        department=dept.name if dept else "",
        clients=clients,
        require_2fa=config.document.policies.password.require_2fa,
        takes_over=tuple(sorted(p.address for p in (departed if departed is not None else config.people)
                                if p.has_left(today) and _final_successor(config, p, today) == person.address)),
    )


def active_people(config: Config, today: dt.date) -> list[Person]:
    """People who work here today: started, not left."""
    return [p for p in config.people if p.has_started(today) and not p.has_left(today)]


def _final_successor(config: Config, person: Person, today: dt.date) -> str:
    current, seen = person, {person.address}
    while current.successor and current.has_left(today):
        if current.successor in seen:
            return ""
        seen.add(current.successor)
        current = config.person(current.successor)
    return "" if current is person else current.address


# --- the CRM export ----------------------------------------------------------------------------------

# The columns mailplan fills, in order; each target renames what its import documents.
GENERIC = ("address", "display_name", "first_name", "last_name", "department", "login", "imap_host", "imap_port",
           "imap_security", "smtp_host", "smtp_port", "smtp_security", "pop_host", "pop_port", "pop_security",
           "takes_over")
# Zoho CRM's Users API (zoho.com/crm/developer/docs/api/v2/add-user.html) names a user's fields
# first_name, last_name, email; HubSpot's import tool maps a column to a property by its label
# ("Email", "First Name", "Last Name": knowledge base, "Map columns in your import file to HubSpot
# properties"). Neither documents columns for a mailbox's IMAP/SMTP binding: those keep their generic names.
RENAMED = {
    "hubspot": {"address": "Email", "first_name": "First Name", "last_name": "Last Name"},
    "zoho-crm": {"address": "email", "first_name": "first_name", "last_name": "last_name"},
    "generic": {},
}


def crm_rows(config: Config, today: dt.date, target: str = "generic") -> list[dict[str, str]]:
    renamed = RENAMED[target]
    rows = []
    departed = [p for p in config.people if p.has_left(today)]
    for person in active_people(config, today):
        who = newcomer(config, person, today, departed)
        first, last = split_name(person.name)
        row = {
            "address": who.display_address, "display_name": who.name, "first_name": first, "last_name": last,
            "department": who.department, "login": who.address, "takes_over": " ".join(who.takes_over),
        }
        for server in (who.clients.imap, who.clients.smtp, who.clients.pop3):
            prefix = "pop" if server is None or server.protocol == "pop3" else server.protocol
            row[f"{prefix}_host"] = server.host if server else ""
            row[f"{prefix}_port"] = str(server.port) if server else ""
            row[f"{prefix}_security"] = server.label if server else ""
        rows.append({renamed.get(k, k): row[k] for k in GENERIC})
    return rows


def split_name(name: str) -> tuple[str, str]:
    """(given, family): "John Smith" → ("John", "Smith"); 张三 → ("三", "张") (one-character surname;
    a two-character one such as 欧阳 is read as given name + surname by the first character, which a
    CRM shows the same way once joined)."""
    parts = name.split()
    if len(parts) > 1:
        return " ".join(parts[:-1]), parts[-1]
    if name and not name.isascii():
        return name[1:], name[0]
    return name, ""
