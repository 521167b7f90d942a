"""Postfix policy service: a group's posting rule, enforced at RCPT time.

Postfix's ``spawn`` runs one of these per SMTP session, talking the policy
delegation protocol on stdin/stdout (``name=value`` lines, an empty line ends a
request; the answer is ``action=...`` and an empty line). For a recipient that
is a mailplan group, or reaches one through aliases, alias domains, forwardings
or other groups, the sender is checked against the ``post_policy`` of every
such group (the strictest wins); anything else gets ``DUNNO`` (no opinion), so
Postfix's other rules decide.

Run as ``python -m mailplan.providers.mail.local.policyd --db PATH``.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import TextIO

from mailplan.providers.mail.local import serverdb

DUNNO = "DUNNO"
WHO_MAY_POST = {
    "organization": "only people of the organization may post to this group",
    "members": "only members of this group may post to it",
    "senders": "only the group's authorized senders may post to it",
}


def decide(db: sqlite3.Connection, request: Mapping[str, str]) -> str:
    """The policy answer (``DUNNO`` or a ``550 5.7.1 ...`` rejection) for one request."""
    if request.get("request") != "smtpd_access_policy" or not request.get("recipient"):
        return DUNNO
    written = request["recipient"]
    rules = restricted_groups(db, written)
    if not rules:
        return DUNNO
    sender = serverdb.canonical(db, request.get("sender") or request.get("sasl_username") or "")
    if sender and not request.get("sasl_username") and serverdb.is_own_domain(db, sender.rpartition("@")[2]):
        # Our own people send through the submission port, logged in; the same
        # sender arriving unauthenticated on the MX is most likely forged.
        return f"550 5.7.1 <{written}>: log in and send through the submission port to post to this group"
    direct = serverdb.canonical(db, written)
    # Every restricted group the mail would reach must accept the sender: an
    # alias (or a chain of them) must not open a members-only group to anyone.
    for group, policy, senders, owners in rules:
        if not _may_post(db, policy, sender, group, senders, owners):
            why = WHO_MAY_POST.get(policy, "this group does not accept mail from this sender")
            via = "" if group == direct else f"it reaches the group {group}, and "
            return f"550 5.7.1 <{written}>: {via}{why}"
    return DUNNO


def restricted_groups(
    db: sqlite3.Connection, recipient: str
) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    """``(group, post_policy, senders, owners)`` of every group with a posting rule that mail to
    ``recipient`` reaches, through aliases, alias domains, forwardings and other groups."""
    reached = serverdb.reached(db, recipient)
    rows = db.execute("SELECT address, post_policy, senders, owners FROM mailplan_group WHERE post_policy <> 'anyone'")
    return sorted(
        (address, policy, serverdb.split_list(senders), serverdb.split_list(owners))
        for address, policy, senders, owners in rows
        if address in reached
    )


def _may_post(
    db: sqlite3.Connection, policy: str, sender: str, group: str, senders: tuple[str, ...], owners: tuple[str, ...]
) -> bool:
    if not sender:
        return False  # bounces and other null-sender mail do not reach restricted groups
    domain = sender.rpartition("@")[2]
    if policy == "senders":
        # exactly the listed senders: being a member or an owner does not make one
        return sender in senders or f"@{domain}" in senders
    if sender in owners:
        return True
    if policy == "organization":
        return serverdb.is_own_domain(db, domain)
    if policy == "members":
        return sender in serverdb.members(db, group)
    return False  # an unknown policy: closed, not open


def requests(stream: TextIO) -> Iterator[dict[str, str]]:
    """The requests on ``stream``, one dict each, until the client closes."""
    current: dict[str, str] = {}
    for line in stream:
        line = line.rstrip("\r\n")
        if line:
            name, _, value = line.partition("=")
            current[name] = value
            continue
        yield current
        current = {}


def serve(db_path: Path, stdin: TextIO, stdout: TextIO) -> None:
    for request in requests(stdin):
        try:
            with closing(serverdb.connect(db_path)) as db:
                action = decide(db, request)
        except sqlite3.Error as exc:
            # Tell the sender to retry rather than letting mail past an unchecked rule.
            print(f"mailplan-policy: database error: {exc}", file=sys.stderr)
            action = "451 4.3.0 group posting rules are unavailable, try again later"
        stdout.write(f"action={action}\n\n")
        stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="mailplan's Postfix policy service (group posting rules)")
    parser.add_argument("--db", type=Path, required=True, help="the local backend's SQLite database")
    args = parser.parse_args(argv)
    serve(args.db, sys.stdin, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
