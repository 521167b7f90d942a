"""On hosted providers the shared address book is a manual step naming the real companies and addresses."""

from __future__ import annotations

from mailplan.model.change import Action, Change
from mailplan.model.objects import Contact
from mailplan.providers.registry import provider_class

KELLER = Contact("huamao-trade.com", "Keller Handel GmbH", "john.smith@huamao-trade.com",
                 (Contact.entry("business", "m.keller@keller-handel.example", "Martin Keller"),
                  Contact.entry("finance", "buchhaltung@keller-handel.example")))


def test_every_hosted_provider_lists_the_address_book_as_manual() -> None:
    for kind in ("google-workspace", "microsoft-365", "tencent-exmail", "alibaba-mail"):
        assert "contact" in provider_class(kind).MANUAL
    assert "contact" in provider_class("local").SUPPORTS


def test_microsoft_365_gets_exchange_mail_contacts() -> None:
    from mailplan.providers.mail.contacts_manual import contact_steps

    steps = contact_steps(Change(Action.MANUAL, "mail", None, KELLER), "microsoft-365")
    assert 'New-MailContact -Name "Martin Keller" -ExternalEmailAddress "m.keller@keller-handel.example"' in steps
    assert 'New-MailContact -Name "Keller Handel GmbH · finance"' in steps
    assert '-Notes "Account owner: john.smith@huamao-trade.com"' in steps
    moved = Contact(KELLER.scope, KELLER.company, "anna.muller@huamao-trade.com", KELLER.addresses)
    update = contact_steps(Change(Action.MANUAL, "mail", KELLER, moved), "microsoft-365")
    assert 'Set-Contact -Identity "buchhaltung@keller-handel.example"' in update and "anna.muller" in update


def test_chinese_providers_get_the_export_and_where_to_import_it() -> None:
    from mailplan.providers.mail.contacts_manual import contact_steps

    steps = contact_steps(Change(Action.MANUAL, "mail", None, KELLER), "tencent-exmail")
    assert "mailplan export contacts --format outlook-csv" in steps and "buchhaltung@keller-handel.example" in steps
