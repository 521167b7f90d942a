"""What an IMAP session may change in a mailbox, found out by trying, as a mail client would."""

from __future__ import annotations

import imaplib
from dataclasses import dataclass

from servers.mailstack import MailStack, selected_messages


@dataclass(frozen=True)
class Rights:
    announced_read_only: bool  # SELECT answered [READ-ONLY]
    subjects: tuple[str, ...]  # what the session reads in INBOX
    flag_stuck: bool  # STORE +FLAGS (\Flagged) changed the message
    append: str  # the server's answer to APPEND: OK or NO
    expunge_removed: bool  # STORE \Deleted + EXPUNGE removed the message

    @property
    def read_only(self) -> bool:
        return self.announced_read_only and not self.flag_stuck and self.append == "NO" and not self.expunge_removed


def _subjects(conn: imaplib.IMAP4) -> dict[bytes, str]:
    return {num: str(message["Subject"]) for num, message in selected_messages(conn).items()}


def try_to_change(stack: MailStack, login: str, password: str, subject: str) -> Rights:
    """Open INBOX as ``login`` and try to flag, add and expunge; the message ``subject`` is the target."""
    conn = stack.imap(login, password)
    try:
        try:
            conn.select("INBOX")
            announced = False
        except imaplib.IMAP4.readonly:  # imaplib's way of saying the server answered [READ-ONLY]
            announced, conn.is_readonly = True, True
        before = _subjects(conn)
        [target] = [num for num, found in before.items() if found == subject]
        conn.store(target, "+FLAGS", r"(\Flagged)")
        _, flags = conn.fetch(target, "(FLAGS)")
        flag_stuck = b"\\Flagged" in (flags[0] if isinstance(flags[0], bytes) else b"")
        append, _ = conn.append("INBOX", None, None, b"Subject: appended by a delegate\r\n\r\nhello\r\n")
        conn.store(target, "+FLAGS", r"(\Deleted)")
        conn.expunge()
        conn.close()
        conn.select("INBOX", readonly=True)
        after = _subjects(conn)
        return Rights(announced, tuple(before.values()), flag_stuck, append, subject not in after.values())
    finally:
        conn.logout()
