"""mailplan's meaning, as real Postfix and Dovecot serve it from the local database."""

from __future__ import annotations

import imaplib
import smtplib
from collections.abc import Callable

import pytest

from mailplan.model.change import Action
from mailplan.model.objects import Alias, ArchiveRule, Delegation, Group, Mailbox
from realstack.imap_rights import try_to_change
from realstack.org import ALIAS_DOMAIN, ARCHIVE, DOMAIN, Org, addr
from servers.mailstack import OUTSIDER, MailStack

pytestmark = pytest.mark.realstack

SMTP_REFUSAL = dict[str, tuple[int, bytes]]


def refusals(send: Callable[[], SMTP_REFUSAL]) -> SMTP_REFUSAL:
    """The recipients the server refused (whether some or all were)."""
    try:
        return send()
    except smtplib.SMTPRecipientsRefused as exc:
        return dict(exc.recipients)


def test_person_logs_in_and_receives_at_both_domains(stack: MailStack, org: Org) -> None:
    assert stack.send(addr("bob"), "to the main domain") == {}
    assert stack.send(f"bob@{ALIAS_DOMAIN}", "to the alias domain") == {}
    stack.wait_for(addr("bob"), org.password(addr("bob")), "to the main domain")
    stack.wait_for(addr("bob"), org.password(addr("bob")), "to the alias domain")


def test_unknown_addresses_are_refused_at_rcpt(stack: MailStack) -> None:
    refused = refusals(lambda: stack.send([f"nobody@{DOMAIN}", f"nobody@{ALIAS_DOMAIN}"], "hello?"))
    assert {code for code, _ in refused.values()} == {550}
    assert set(refused) == {f"nobody@{DOMAIN}", f"nobody@{ALIAS_DOMAIN}"}


def test_mx_port_is_not_an_open_relay(stack: MailStack) -> None:
    refused = refusals(lambda: stack.send("someone@elsewhere.example", "relay me", sender=addr("alice")))
    assert refused["someone@elsewhere.example"][0] == 554
    assert b"Relay access denied" in refused["someone@elsewhere.example"][1]


def test_alias_and_group_deliver_to_every_member(stack: MailStack, org: Org) -> None:
    assert stack.send(addr("sales"), "price list please") == {}
    assert stack.submit(addr("alice"), org.password(addr("alice")), addr("team"), "team meeting") == {}
    for person in ("alice", "bob"):
        stack.wait_for(addr(person), org.password(addr(person)), "price list please")
        stack.wait_for(addr(person), org.password(addr(person)), "team meeting")
    stack.wait_for(addr("dave"), org.password(addr("dave")), "team meeting")


def test_frozen_person_cannot_log_in_but_keeps_old_mail(stack: MailStack, org: Org) -> None:
    dave, password = addr("dave"), org.password(addr("dave"))
    assert stack.send(dave, "before leaving") == {}
    stack.wait_for(dave, password, "before leaving")
    stack.submit(dave, password, addr("bob"), "dave can still send")  # SMTP AUTH works while active

    org.freeze_to(dave, addr("bob"), f"Dave has left. Please write to {addr('bob')}.")

    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        stack.imap(dave, password)
    with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
        stack.submit(dave, password, addr("bob"), "dave sends after leaving")
    assert refused.value.smtp_code == 535
    assert stack.stored_subjects(dave) == ["before leaving"]


def test_mail_to_a_leaver_goes_to_the_successor_with_one_auto_reply(stack: MailStack, org: Org) -> None:
    dave, bob = addr("dave"), addr("bob")
    org.freeze_to(dave, bob, f"Dave has left the company. Please write to {bob}.")

    assert stack.send(dave, "order 118") == {}
    assert stack.send(f"dave@{ALIAS_DOMAIN}", "order 119") == {}
    stack.wait_for(bob, org.password(bob), "order 118")
    stack.wait_for(bob, org.password(bob), "order 119")
    stack.settle()

    replies = stack.capture.to(OUTSIDER)
    assert len(replies) == 1, [r.subject for r in replies]
    reply = replies[0]
    assert reply.mail_from == ""  # RFC 3834: auto-replies go out with a null envelope sender
    assert reply.message["Auto-Submitted"] == "auto-replied"
    assert reply.message["From"].addresses[0].addr_spec == dave
    assert bob in reply.text
    assert stack.stored_subjects(dave) == []


def test_functional_mailbox_receives_and_acknowledges(stack: MailStack, org: Org) -> None:
    info = addr("info")
    assert stack.send(info, "catalogue request") == {}
    assert stack.send(info, "newsletter", sender="news@list.example", headers={"List-Id": "<news.list.example>"}) == {}
    stack.wait_for(info, org.password(info), "catalogue request")
    stack.wait_for(info, org.password(info), "newsletter")
    stack.settle()

    acks = stack.capture.to(OUTSIDER)
    assert [a.subject for a in acks] == ["Thank you for writing to us"]
    assert "answer within a day" in acks[0].text
    assert stack.capture.to("news@list.example") == []  # never answer mailing lists


def test_group_posting_rules_are_enforced_at_smtp(stack: MailStack, org: Org) -> None:
    members_only = refusals(lambda: stack.send(addr("team"), "spam for the team"))
    code, text = members_only[addr("team")]
    assert code == 550
    assert b"5.7.1" in text and b"only members" in text

    forged = refusals(lambda: stack.send(addr("team"), "from 'alice' via the MX", sender=addr("alice")))
    assert forged[addr("team")][0] == 550
    assert b"submission port" in forged[addr("team")][1]

    org_only = refusals(lambda: stack.send(addr("staff"), "hello staff", sender="x@elsewhere.example"))
    assert org_only[addr("staff")][0] == 550
    assert b"organization" in org_only[addr("staff")][1]

    # "senders": the listed outside domain may post, others may not
    assert stack.send(addr("board"), "offer for the board") == {}
    assert refusals(lambda: stack.send(addr("board"), "hi", sender="x@elsewhere.example"))[addr("board")][0] == 550
    # a member of the organization posts to the organization-only group through submission
    assert stack.submit(addr("bob"), org.password(addr("bob")), addr("staff"), "staff news") == {}
    # and the alias domain spelling of a group is the same group
    assert refusals(lambda: stack.send(f"team@{ALIAS_DOMAIN}", "spam again"))[f"team@{ALIAS_DOMAIN}"][0] == 550

    stack.wait_for(addr("carol"), org.password(addr("carol")), "offer for the board")
    stack.wait_for(addr("carol"), org.password(addr("carol")), "staff news")


def test_post_senders_lets_only_the_listed_senders_post_not_the_members(stack: MailStack, org: Org) -> None:
    alice, bob, carol = addr("alice"), addr("bob"), addr("carol")
    org.create([Group(addr("notices"), "Notices", (bob, carol), post_policy="senders", senders=(alice,))])

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        stack.submit(bob, org.password(bob), addr("notices"), "a member tries to post")
    code, text = refused.value.recipients[addr("notices")]
    assert code == 550 and b"only the group's authorized senders" in text
    assert stack.submit(alice, org.password(alice), addr("notices"), "a listed sender posts") == {}
    stack.wait_for(carol, org.password(carol), "a listed sender posts")
    stack.settle()
    assert "a member tries to post" not in stack.stored_subjects(carol)


def test_an_alias_does_not_open_a_restricted_group(stack: MailStack, org: Org) -> None:
    # team@ is members-only; each of these reaches it by another name
    org.create(
        [
            Alias(addr("team-inbox"), (addr("team"),)),
            Alias(addr("team-desk"), (f"team-inbox@{ALIAS_DOMAIN}",)),  # a chain, through the alias domain
            Alias(addr("team-and-carol"), (addr("carol"), addr("team"))),  # the strictest rule met wins
        ]
    )
    for written in (addr("team-inbox"), f"team-inbox@{ALIAS_DOMAIN}", addr("team-desk"), addr("team-and-carol")):
        code, text = refusals(lambda to=written: stack.send(to, "spam through an alias")).get(written, (250, b""))
        assert code == 550, written
        assert b"5.7.1" in text and f"reaches the group {addr('team')}".encode() in text and b"only members" in text

    # a member still posts through the alias, and it reaches the whole group
    alice = addr("alice")
    assert stack.submit(alice, org.password(alice), addr("team-desk"), "team news via the desk") == {}
    for person in ("alice", "bob", "dave"):
        stack.wait_for(addr(person), org.password(addr(person)), "team news via the desk")
    stack.settle()
    assert "spam through an alias" not in stack.stored_subjects(addr("bob"))


def test_frozen_group_member_is_skipped_without_bounce(stack: MailStack, org: Org) -> None:
    # Frozen only: no forwarding to a successor, which alone would keep the address deliverable.
    dave = Mailbox(addr("dave"), "Dave")
    org.apply(Action.FREEZE, dave, dave)
    alice = addr("alice")
    assert stack.submit(alice, org.password(alice), addr("team"), "after dave left") == {}
    stack.wait_for(addr("bob"), org.password(addr("bob")), "after dave left")
    stack.wait_for(alice, org.password(alice), "after dave left")
    stack.settle()

    assert "status=bounced" not in stack.postfix_log()
    assert [s for s in stack.subjects(alice, org.password(alice)) if "Undelivered" in s] == []
    assert stack.stored_subjects(addr("dave")) == []


def test_archive_keeps_a_copy_of_mail_in_and_out(stack: MailStack, org: Org) -> None:
    org.create([ArchiveRule(DOMAIN, ARCHIVE)])
    alice = addr("alice")
    assert stack.send(alice, "inbound to be archived") == {}
    assert stack.submit(alice, org.password(alice), OUTSIDER, "outbound to be archived") == {}
    # info@ acknowledges: the auto-reply (null envelope sender) is outgoing mail too
    assert stack.send(addr("info"), "catalogue request to be archived") == {}
    stack.wait_for(ARCHIVE, org.password(ARCHIVE), "inbound to be archived")
    stack.wait_for(ARCHIVE, org.password(ARCHIVE), "outbound to be archived")
    stack.wait_for(ARCHIVE, org.password(ARCHIVE), "catalogue request to be archived")
    reply = stack.wait_for(ARCHIVE, org.password(ARCHIVE), "Thank you for writing to us")
    stack.settle()

    assert reply["Auto-Submitted"] == "auto-replied" and reply["To"] == OUTSIDER
    assert stack.subjects(ARCHIVE, org.password(ARCHIVE)).count("Thank you for writing to us") == 1
    sent_out = {m.subject: m for m in stack.capture.to(OUTSIDER)}
    assert sorted(sent_out) == ["Thank you for writing to us", "outbound to be archived"]
    # the archive copy is an envelope recipient only: the outside sender sees no archive address
    assert sent_out["Thank you for writing to us"].rcpt_to == (OUTSIDER,)
    assert ARCHIVE not in sent_out["Thank you for writing to us"].message.as_string()


def test_sending_as_someone_else_needs_a_delegation(stack: MailStack, org: Org) -> None:
    alice, bob = addr("alice"), addr("bob")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        stack.submit(alice, org.password(alice), OUTSIDER, "as bob", sender=bob)
    assert b"not owned by user" in refused.value.recipients[OUTSIDER][1]

    org.grant(Delegation(bob, alice, send=True))
    assert stack.submit(alice, org.password(alice), OUTSIDER, "as bob, allowed", sender=bob) == {}
    stack.settle()
    assert [m.mail_from for m in stack.capture.to(OUTSIDER)] == [bob]


def test_submission_needs_a_login(stack: MailStack) -> None:
    msg = stack.message(addr("alice"), "anonymous submission")
    with smtplib.SMTP("127.0.0.1", stack.submission_port) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused):
        smtp.send_message(msg)


def test_read_delegation_opens_the_mailbox_over_imap_only_when_granted(stack: MailStack, org: Org) -> None:
    info, alice, bob = addr("info"), addr("alice"), addr("bob")
    assert stack.send(info, "question for the info desk") == {}
    stack.wait_for(info, org.password(info), "question for the info desk")
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        stack.imap(f"{info}*{alice}", org.password(alice))

    org.grant(Delegation(info, alice, read=True))
    org.grant(Delegation(info, bob, send=True))  # sending as info@ does not open it

    conn = stack.imap(f"{info}*{alice}", org.password(alice))
    try:
        conn.select("INBOX", readonly=True)
        _, found = conn.search(None, "SUBJECT", '"question for the info desk"')
        assert found[0].split()
    finally:
        conn.logout()
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        stack.imap(f"{info}*{bob}", org.password(bob))
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        stack.imap(f"{info}*{alice}", "not alice's password")


def test_a_read_grant_is_read_only_and_a_send_grant_works_in_the_mailbox(stack: MailStack, org: Org) -> None:
    info, alice, bob = addr("info"), addr("alice"), addr("bob")
    for subject in ("for alice to read", "for bob to file"):
        assert stack.send(info, subject) == {}
        stack.wait_for(info, org.password(info), subject)
    org.grant(Delegation(info, alice, read=True))
    org.grant(Delegation(info, bob, read=True, send=True))  # an owner works in the mailbox

    reader = try_to_change(stack, f"{info}*{alice}", org.password(alice), "for alice to read")
    assert reader.read_only, reader
    assert "for alice to read" in reader.subjects
    owner = try_to_change(stack, f"{info}*{bob}", org.password(bob), "for bob to file")
    assert not owner.announced_read_only and owner.flag_stuck and owner.append == "OK" and owner.expunge_removed
    assert "for alice to read" in stack.stored_subjects(info)


def test_a_frozen_mailbox_refuses_its_own_login_and_opens_read_only_to_its_delegates(
    stack: MailStack, org: Org
) -> None:
    dave, bob, carol = addr("dave"), addr("bob"), addr("carol")
    assert stack.send(dave, "the customer's last order") == {}
    stack.wait_for(dave, org.password(dave), "the customer's last order")
    password = org.password(dave)
    org.grant(Delegation(dave, carol, read=True, send=True))  # even a grant to send as dave

    org.freeze_to(dave, bob, f"Dave has left. Please write to {bob}.")
    org.grant(Delegation(dave, bob, read=True))  # the handover's grant to the successor

    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        stack.imap(dave, password)
    for grantee in (bob, carol):
        rights = try_to_change(stack, f"{dave}*{grantee}", org.password(grantee), "the customer's last order")
        assert rights.read_only, (grantee, rights)
        assert rights.subjects == ("the customer's last order",)
    assert stack.stored_subjects(dave) == ["the customer's last order"]
    # a delegate whose own account is frozen gets in nowhere
    bob_password, bob_box = org.password(bob), Mailbox(bob, "Bob")
    org.apply(Action.FREEZE, bob_box, bob_box)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        stack.imap(f"{dave}*{bob}", bob_password)
