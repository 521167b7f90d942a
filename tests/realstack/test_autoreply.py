"""Auto-replies (info@'s acknowledgement, a leaver's notice) as the outside world sees them: RFC 3834.

Everything leaving the stack lands in the capture server, so an auto-reply that should not
exist would be seen there, whatever address it went to (a reply to a bounce would go to
``mailer-daemon@…``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mailplan.providers.mail.local.autoreply import ReplyLog
from realstack.org import Org, addr
from servers.mailstack import MailStack

pytestmark = pytest.mark.realstack

ORDINARY = "buyer@client.example"
# (envelope sender, From header, extra headers): automatic mail, none of which may be answered
AUTOMATIC = {
    "a bounce (null envelope sender)": ("", "MAILER-DAEMON@mx.client.example", {}),
    "MAILER-DAEMON": ("MAILER-DAEMON@client.example", "MAILER-DAEMON@client.example", {}),
    "owner- of a list": ("owner-buyers@lists.client.example", "owner-buyers@lists.client.example", {}),
    "-request of a list": ("buyers-request@lists.client.example", "buyers-request@lists.client.example", {}),
    "Auto-Submitted": ("robot@client.example", "robot@client.example", {"Auto-Submitted": "auto-generated"}),
}


@pytest.mark.parametrize("who", ["info", "departed"])
def test_automatic_mail_gets_no_auto_reply_and_a_person_gets_one(stack: MailStack, org: Org, who: str) -> None:
    if who == "info":
        address, reader, subject_of_reply = addr("info"), addr("info"), "Thank you for writing to us"
    else:
        address, reader = addr("dave"), addr("bob")
        org.freeze_to(address, reader, f"Dave has left. Please write to {reader}.")
        subject_of_reply = "No longer with us"

    for what, (envelope, sender, headers) in AUTOMATIC.items():
        assert stack.send(address, what, sender=sender, headers=headers, envelope_sender=envelope) == {}, what
    assert stack.send(address, "a real question", sender=ORDINARY) == {}
    for what in [*AUTOMATIC, "a real question"]:  # every one was delivered (to the successor for dave)
        stack.wait_for(reader, org.password(reader), what)
    stack.settle()

    replies = stack.capture.bag.messages
    assert [(m.rcpt_to, m.subject) for m in replies] == [((ORDINARY,), subject_of_reply)]
    assert replies[0].mail_from == ""  # the reply itself is a null-sender message
    assert replies[0].message["Auto-Submitted"] == "auto-replied"
    # whom it answered is remembered in a file only the helpers' user reads
    log = (stack.params.autoreply_state_dir / "autoreply.sqlite").stat()
    assert (stat.S_IMODE(log.st_mode), log.st_uid) == (0o600, stack.helper.uid)


def test_the_reply_log_is_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        ReplyLog(tmp_path).db.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "autoreply.sqlite").stat().st_mode) == 0o600
