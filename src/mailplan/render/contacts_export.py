"""The shared address book as files mail clients import: vCard 4.0 and the CSV of Outlook and Foxmail.

One card (and one CSV row) per customer address, not per company: Outlook's contact has three
e-mail slots and no label for them, so "Keller Handel GmbH · finance" must be its own entry for a
salesperson to find the finance address by typing the company's name. Every card carries the
company (ORG), the role (ROLE and CATEGORIES) and the owning salesperson (NOTE, RELATED).

vCard: RFC 6350 — CRLF line ends (§3.2), lines folded at 75 octets (§3.2), text escaped (§3.4),
UID a stable ``urn:uuid`` (§6.7.6), so a re-import updates instead of duplicating.
CSV: the column names of Outlook's own export ("Create or edit .csv files to import into Outlook",
Microsoft support), UTF-8 with a byte-order mark so that Chinese names survive Outlook and Excel;
Foxmail's import wizard (通讯录 › 导入 › CSV) maps the same columns.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mailplan.model.objects import Contact

ROLES = {"inquiry": "询盘 inquiry", "business": "业务 business", "finance": "财务 finance", "project": "项目 project"}
UID_NAMESPACE = uuid.UUID("6f7c9a4e-2f55-5d1b-9a43-8c1d1e6a1200")  # mailplan's customer addresses


@dataclass(frozen=True)
class Card:
    uid: str
    company: str
    role: str
    address: str
    name: str  # the person at that address, or ""
    owner: str  # the owning salesperson's address
    owner_name: str
    note: str

    @property
    def display(self) -> str:
        return self.name or f"{self.company} · {ROLES.get(self.role, self.role)}"

    @property
    def remark(self) -> str:
        owner = f"{self.owner_name} <{self.owner}>" if self.owner_name else self.owner
        text = f"客户负责人 / Account owner: {owner}"
        return f"{text}\n{self.note}" if self.note else text


def cards(contacts: Iterable[Contact], names: Mapping[str, str]) -> list[Card]:
    """One card per customer address, in a stable order; ``names`` maps staff addresses to names."""
    out = []
    for contact in sorted(contacts, key=lambda c: c.company):
        for role, address, name in contact.entries():
            uid = f"urn:uuid:{uuid.uuid5(UID_NAMESPACE, address)}"
            out.append(Card(uid, contact.company, role, address, name, contact.owner,
                            names.get(contact.owner, ""), contact.note))
    return out


# --- vCard 4.0 -----------------------------------------------------------------------------------------


def vcard(card: Card) -> str:
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "PRODID:-//mailplan//contacts//EN",
        f"UID:{card.uid}",
        f"KIND:{'individual' if card.name else 'org'}",
        f"FN:{_text(card.display)}",
        f"ORG:{_text(card.company)}",
        f"EMAIL;TYPE=work:{card.address}",
        f"ROLE:{_text(ROLES.get(card.role, card.role))}",
        f"CATEGORIES:{_text('customer')},{_text(card.role)}",
        f"RELATED;TYPE=contact;VALUE=uri:mailto:{card.owner}",
        f"NOTE:{_text(card.remark)}",
        "END:VCARD",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def vcards(contacts: Iterable[Contact], names: Mapping[str, str]) -> str:
    return "".join(vcard(c) for c in cards(contacts, names))


def _text(value: str) -> str:
    """RFC 6350 §3.4: backslash, comma, semicolon and newlines escaped in a text value."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\r\n", "\\n").replace(
        "\n", "\\n")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF and a space, never inside a UTF-8 character."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode()
        limit = 75 if not out else 74  # a continuation line starts with the space
        if len(current) + len(encoded) > limit:
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


# --- Outlook / Foxmail CSV ------------------------------------------------------------------------------

OUTLOOK_COLUMNS = ("First Name", "Last Name", "Company", "Job Title", "E-mail Address", "E-mail Display Name",
                   "Categories", "Notes")


def outlook_csv(contacts: Iterable[Contact], names: Mapping[str, str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(OUTLOOK_COLUMNS)
    for card in cards(contacts, names):
        writer.writerow([card.name, "", card.company, ROLES.get(card.role, card.role), card.address,
                         card.display, f"customer;{card.role}", card.remark])
    return "\ufeff" + buffer.getvalue()
