"""Dovecot's part: the SQL passdb/userdb over the database, delegation, and the include file.

Delegation is a Dovecot master-user login: the grantee logs in as ``mailbox*grantee``
with their own password, over IMAP only, while the delegation grants reading. That
login also opens a frozen mailbox (the mailbox's own login stays refused): a handover
exists so the successor can read the old conversations. What the grantee may do inside
comes from the ACL plugin: the userdb puts the session in a group the ACL file gives
rights to — every right when the grant includes sending and the mailbox is active,
otherwise read-only (a frozen mailbox is kept as it was for its retention period).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailplan.providers.mail.local.serverdb import AUTOREPLY_LOGIN, AUTOREPLY_SECRET_KEY
from mailplan.providers.mail.local.serverparams import AUTH_SOCKET

if TYPE_CHECKING:
    from mailplan.providers.mail.local.serverparams import ServerParams

READ_GROUP = "mailplan-read"
FULL_GROUP = "mailplan-full"
# Dovecot ACL rights: lookup, read, write flags, write seen, write deleted, insert, post, expunge,
# create and delete folders. "Read" is lookup + read alone: no flag, no append, no expunge sticks.
_ACL = f"""\
# mailplan: who may do what in a mailbox. The owner: everything. A delegate: by the
# group the userdb query puts the session in (dovecot-sql.conf.ext).
* owner lrwstipekxa
* group={FULL_GROUP} lrwstipekx
* group={READ_GROUP} lr
"""

# A master login (``mailbox*grantee``) sets %{master_user}; a plain login or a delivery does not.
_MASTER = "'%{master_user}'"
_OPEN = f"d.active = 1 AND (m.active = 1 OR {_MASTER} <> '')"  # a frozen mailbox opens to delegates only


def dovecot_files(p: ServerParams) -> dict[str, str]:
    return {
        "dovecot-sql.conf.ext": _dovecot_sql(p),
        "dovecot-sql-delegation.conf.ext": _dovecot_delegation_sql(p),
        "dovecot-acl": _ACL,
        "dovecot-mailplan.conf": _dovecot_conf(p),
    }


def _connection(p: ServerParams, purpose: str) -> str:
    return f"""\
# mailplan: {purpose}
driver = sqlite
connect = {p.database}
default_pass_scheme = SHA512-CRYPT
"""


def _dovecot_sql(p: ServerParams) -> str:
    home = f"'{str(p.vmail_dir).rstrip('/')}/' || m.maildir"
    purpose = (
        "Dovecot SQL passdb/userdb over the mailplan database.\n# A frozen mailbox (active = 0) has no "
        "password and no user for itself: no IMAP, no SMTP AUTH, no delivery.\n# The last row of the "
        "password query is the auto-reply helper's login to Postfix's re-injection listener."
    )
    delegate_group = (
        f"CASE WHEN {_MASTER} = '' THEN '' WHEN m.active = 1 AND EXISTS (SELECT 1 FROM mailplan_delegation g \\\n"
        f"    WHERE g.mailbox = m.username AND g.grantee = {_MASTER} AND g.may_send = 1) \\\n"
        f"    THEN '{FULL_GROUP}' ELSE '{READ_GROUP}' END"
    )
    return _connection(p, purpose) + (
        f"""\
password_query = SELECT m.username AS user, m.password AS password \\
  FROM mailbox m JOIN domain d ON d.domain = m.domain \\
  WHERE m.username = '%u' AND {_OPEN} AND ('%s' <> 'smtp' OR m.smtp_active = 1) \\
  UNION ALL SELECT '%u', '{{PLAIN}}' || value FROM mailplan_meta \\
  WHERE key = '{AUTOREPLY_SECRET_KEY}' AND '%u' = '{AUTOREPLY_LOGIN}' AND '%s' = 'smtp'
user_query = SELECT {home} AS home, {p.vmail_uid} AS uid, {p.vmail_gid} AS gid, \\
  {delegate_group} AS acl_groups \\
  FROM mailbox m JOIN domain d ON d.domain = m.domain \\
  WHERE m.username = '%u' AND {_OPEN}
iterate_query = SELECT m.username AS user FROM mailbox m JOIN domain d ON d.domain = m.domain \\
  WHERE m.active = 1 AND d.active = 1
"""
    )


def _dovecot_delegation_sql(p: ServerParams) -> str:
    """Master-user logins: ``mailbox*grantee`` with the grantee's password, over IMAP, while the
    delegation grants reading and the grantee is active (the mailbox itself may be frozen)."""
    purpose = "master-user passdb: a grantee logs in as MAILBOX*GRANTEE with their own password."
    return _connection(p, purpose) + (
        """\
password_query = SELECT m.password AS password \\
  FROM mailplan_delegation g JOIN mailbox m ON m.username = g.grantee JOIN domain d ON d.domain = m.domain \\
  WHERE g.grantee = '%u' AND g.mailbox = '%{login_user}' AND g.may_read = 1 AND m.active = 1 AND d.active = 1 \\
    AND '%s' = 'imap'
"""
    )


def _tls(p: ServerParams) -> str:
    if p.tls:
        return f"""\
# passwords only over TLS: STARTTLS on {p.imap_port} before LOGIN, implicit TLS on {p.imaps_port}
ssl = required
ssl_cert = <{p.tls_cert}
ssl_key = <{p.tls_key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
"""
    return """\
# no certificate: no TLS; every listener that takes a password is on loopback (a test machine)
ssl = no
disable_plaintext_auth = no
"""


def _imaps_port(p: ServerParams) -> str:
    if not p.tls:
        return "    port = 0"
    return f"    address = {p.imap_address}\n    port = {p.imaps_port}\n    ssl = yes"


def _dovecot_conf(p: ServerParams) -> str:
    return f"""\
# mailplan: copy to /etc/dovecot/conf.d/99-mailplan.conf (read after Debian's own files).
protocols = imap lmtp
auth_mechanisms = plain login
# no auth cache: a freeze takes effect on the next login, with no reload
auth_cache_size = 0
mail_location = maildir:~/Maildir
first_valid_uid = {p.vmail_uid}
last_valid_uid = {p.vmail_uid}
{_tls(p)}
# delegation: the grantee logs in as "mailbox*grantee" with their own password
auth_master_user_separator = *
passdb {{
  driver = sql
  args = {p.config_dir / "dovecot-sql-delegation.conf.ext"}
  master = yes
  # then the mailbox must pass the regular passdb (it exists; frozen is fine for a delegate)
  result_success = continue
}}
passdb {{
  driver = sql
  args = {p.config_dir / "dovecot-sql.conf.ext"}
}}
userdb {{
  driver = sql
  args = {p.config_dir / "dovecot-sql.conf.ext"}
}}
# what a delegate may do inside the mailbox
mail_plugins = $mail_plugins acl
plugin {{
  acl = vfile:{p.config_dir / "dovecot-acl"}
  acl_globals_only = yes
}}

service imap-login {{
  inet_listener imap {{
    address = {p.imap_address}
    port = {p.imap_port}
  }}
  inet_listener imaps {{
{_imaps_port(p)}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = {p.lmtp_address}
    port = {p.lmtp_port}
  }}
}}
# Postfix asks Dovecot to check passwords (submission, and the auto-reply helper's login)
service auth {{
  unix_listener {p.postfix_queue_dir / AUTH_SOCKET} {{
    mode = 0660
    user = postfix
    group = postfix
  }}
}}
protocol lmtp {{
  postmaster_address = {p.postmaster}
}}
"""
