"""The shared customer address book on hosted providers: what a person does, since no API mailplan uses
writes it. The steps name the real companies and addresses, like every other manual step.

- Microsoft 365: Graph's ``orgContact`` is read-only (learn.microsoft.com, orgContact resource); Exchange
  Online's mail contacts (New-MailContact) are the organization's shared address book (the GAL).
- Google Workspace: the Domain Shared Contacts API (developers.google.com/admin-sdk/domain-shared-contacts)
  holds such entries; mailplan does not call it yet.
- Tencent Exmail, Alibaba Mail, NetEase Qiye: their admin APIs have no contacts endpoint for outside addresses.
- Zoho Mail: the organization API has none either (contacts are each user's, or Zoho CRM's).
"""

from __future__ import annotations

from mailplan.i18n import N_, Msg
from mailplan.model.change import Action, Change
from mailplan.model.objects import Contact

WHY = {
    "microsoft-365": "Graph cannot write organization contacts: Exchange mail contacts (New-MailContact)",
    "google-workspace": "the Domain Shared Contacts API is not used by mailplan yet: import the exported vCard",
    "tencent-exmail": "the Exmail API has no contacts endpoint: import the exported CSV in the web mail",
    "alibaba-mail": "the Alibaba Mail API has no contacts endpoint: import the exported CSV in the web mail",
    "netease-qiye": "the NetEase Qiye API has no contacts endpoint: import the exported CSV in the web mail",
    "zoho-mail": "the Zoho Mail organization API has no contacts endpoint: import the exported vCard",
}


# where each colleague imports the exported file, by provider type
IMPORT_WHERE = {
    "google-workspace": N_("   in Google Contacts (contacts.google.com › Import), or through the `Domain Shared "
                           "Contacts API` with a tool of your choice"),
    "tencent-exmail": N_("   in the Exmail web mail (通讯录 › 导入联系人) or in Foxmail (通讯录 › 导入)"),
    "alibaba-mail": N_("   in the Alibaba Mail web mail (通讯录 › 导入) or in Foxmail (通讯录 › 导入)"),
    "netease-qiye": N_("   in the NetEase Qiye web mail (通讯录 › 导入联系人) or in Foxmail (通讯录 › 导入)"),
    "zoho-mail": N_("   in Zoho Mail (Contacts › Import) or, for the sales team, in Zoho CRM"),
}


def contact_steps(change: Change, provider_type: str) -> str:
    contact = change.after or change.before
    assert isinstance(contact, Contact)
    owner = f"Account owner: {contact.owner}"
    if provider_type == "microsoft-365":
        return "\n".join(_exchange(change, contact, owner))
    vcard = provider_type in ("google-workspace", "zoho-mail")
    export = "mailplan export contacts " + (
        "--format vcard --out customers.vcf" if vcard else "--format outlook-csv --out customers.csv"
    )
    shown = {"company": contact.company, "addresses": ", ".join(a for _, a, _ in contact.entries())}
    if change.action is Action.REMOVE:
        entry = Msg("2. delete {company} ({addresses}) from the contacts of each colleague:", **shown)
    elif change.action is Action.UPDATE:
        entry = Msg("2. update {company} ({addresses}) in the contacts of each colleague:", **shown)
    else:
        entry = Msg("2. add {company} ({addresses}) to the contacts of each colleague who needs them:", **shown)
    # one message a line: a saved plan holds the steps as plain English, read back line by line
    lines = [Msg("1. export the customers: `{command}`", command=export), entry, IMPORT_WHERE.get(
        provider_type, N_("   in each colleague's mail client"))]
    if change.action is Action.UPDATE:
        lines.append(Msg("3. the customer's owner is now {owner}: tell them, and the previous owner",
                         owner=contact.owner))
    return "\n".join(lines)


def _exchange(change: Change, contact: Contact, owner: str) -> list[str]:
    lines: list[str] = [Msg("Exchange Online PowerShell (`Connect-ExchangeOnline`), as an Exchange administrator:")]
    for role, address, name in contact.entries():
        label = name or f"{contact.company} · {role}"
        if change.action is Action.REMOVE:
            lines.append(f'Remove-MailContact -Identity "{address}" -Confirm:$false')
        elif change.action is Action.UPDATE:
            lines.append(f'Set-Contact -Identity "{address}" -Company "{contact.company}" -Notes "{owner}"')
        else:
            lines.append(f'New-MailContact -Name "{label}" -ExternalEmailAddress "{address}"')
            lines.append(f'Set-Contact -Identity "{address}" -Company "{contact.company}" -Title "{role}" '
                         f'-Notes "{owner}"')
    return lines
