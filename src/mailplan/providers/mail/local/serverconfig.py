"""The Postfix and Dovecot configuration that serves the local backend's database.

``render`` turns a few deployment facts (database path, vmail directory,
listeners, the Python that runs mailplan's helpers) into the files a
self-hoster installs: sqlite map files, ``main.cf``/``master.cf`` fragments,
Dovecot's SQL passdb/userdb and a ``README.txt``. The integration tests start
real servers with exactly these files.

How mailplan's meaning becomes server behaviour:
- a frozen mailbox (``mailbox.active = 0``) fails Dovecot's password query, so
  IMAP and SMTP AUTH refuse it, and its identity alias stops delivering to it;
- ``mailplan_forwarding`` adds the successor to what the address expands to;
- ``mailplan_autoreply`` adds a pseudo-recipient in ``autoreply_domain`` that
  the transport map sends to the ``mailplan-autoreply`` pipe (``autoreply.py``);
- a group's frozen members are dropped from its expansion (no bounce);
- ``mailplan-policy`` (``policyd.py``) enforces group posting rules at RCPT;
- ``mailplan_archive`` feeds ``sender_bcc_maps`` and ``recipient_bcc_maps``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from mailplan.files import write_atomically

POLICY_SERVICE = "mailplan-policy"
AUTOREPLY_SERVICE = "mailplan-autoreply"
AUTH_SOCKET = "private/mailplan-auth"  # relative to Postfix's queue directory (works chrooted or not)


@dataclass(frozen=True)
class ServerParams:
    """Deployment facts. The defaults suit a Debian mail server; tests override them."""

    database: Path
    config_dir: Path  # where these files are installed; map paths in main.cf point here
    hostname: str
    postmaster: str
    vmail_dir: Path = Path("/var/mail/vmail")
    vmail_uid: int = 5000
    vmail_gid: int = 5000
    # master.cf service names (``smtp``) or ``host:port``
    smtp_listen: str = "smtp"
    submission_listen: str = "submission"
    reinject_listen: str = "127.0.0.1:10026"
    imap_address: str = "*"
    imap_port: int = 143
    lmtp_address: str = "127.0.0.1"
    lmtp_port: int = 24
    postfix_queue_dir: Path = Path("/var/spool/postfix")
    # helper programs (policy service, auto-reply transport)
    python: str = sys.executable
    pythonpath: str | None = None  # prepended to PYTHONPATH when mailplan is not installed for ``python``
    helper_user: str = "vmail"  # not root, not postfix: Postfix refuses both for spawn/pipe
    autoreply_state_dir: Path = Path("/var/lib/mailplan")
    autoreply_domain: str = "autoreply.mailplan.invalid"
    autoreply_days: int = 7  # one auto-reply per sender and address in this many days
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @property
    def reinject_host_port(self) -> str:
        return self.reinject_listen if ":" in self.reinject_listen else f"127.0.0.1:{self.reinject_listen}"


def render(p: ServerParams) -> dict[str, str]:
    """File name → content for every file a deployment needs."""
    files = {name: _map(p, query) for name, query in _map_queries(p).items()}
    files["main.cf.fragment"] = _main_cf(p)
    files["master.cf.fragment"] = _master_cf(p)
    files["dovecot-sql.conf.ext"] = _dovecot_sql(p)
    files["dovecot-sql-delegation.conf.ext"] = _dovecot_delegation_sql(p)
    files["dovecot-mailplan.conf"] = _dovecot_conf(p)
    files["README.txt"] = _readme(p)
    return files


def write(p: ServerParams, out_dir: Path) -> list[Path]:
    """Write the files into ``out_dir`` (created, world-readable: no secrets inside)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir.chmod(0o755)
    written = []
    for name, text in render(p).items():
        path = out_dir / name
        write_atomically(path, text, 0o644)
        written.append(path)
    return written


# --- Postfix maps -----------------------------------------------------------------------------------------------
# Postfix substitutes %s (the key), %u (its local part) and %d (its domain), quoting them for SQL.

_SPLIT_GOTO = """\
WITH RECURSIVE
  lists(owner, rest) AS (
    SELECT a.address, a.goto || ',' FROM alias a JOIN domain d ON d.domain = a.domain
      WHERE a.address = lower('%s') AND a.active = 1 AND d.active = 1
    UNION ALL
    SELECT f.address, f.goto || ',' FROM mailplan_forwarding f WHERE f.address = lower('%s')
  ),
  items(owner, item, rest) AS (
    SELECT owner, '', rest FROM lists
    UNION ALL
    SELECT owner, lower(trim(substr(rest, 1, instr(rest, ',') - 1))), substr(rest, instr(rest, ',') + 1)
      FROM items WHERE rest <> ''
  )"""


def _map_queries(p: ServerParams) -> dict[str, str]:
    return {
        "sqlite-domains.cf": """\
SELECT domain FROM domain WHERE domain = lower('%s') AND active = 1
  UNION SELECT alias_domain FROM alias_domain WHERE alias_domain = lower('%s') AND active = 1""",
        "sqlite-mailboxes.cf": """\
SELECT m.maildir FROM mailbox m JOIN domain d ON d.domain = m.domain
  WHERE m.username = lower('%s') AND m.active = 1 AND d.active = 1""",
        # What an address delivers to: its alias row (identity, alias or group members) plus its
        # forwarding, minus frozen mailboxes where they would be the final stop (the address
        # itself, or a group member), plus the auto-reply pseudo-recipient.
        "sqlite-recipients.cf": _SPLIT_GOTO
        + f"""
SELECT DISTINCT item FROM items
  WHERE item <> ''
    AND NOT EXISTS (SELECT 1 FROM mailbox m WHERE m.username = item AND m.active = 0
                    AND (item = owner OR owner IN (SELECT address FROM mailplan_group)))
UNION
SELECT replace(r.address, '@', '#') || '@{p.autoreply_domain}' FROM mailplan_autoreply r
  WHERE r.address = lower('%s')""",
        # An alias domain's address is its target domain's address, if that one exists.
        "sqlite-alias-domains.cf": """\
SELECT lower('%u') || '@' || ad.target_domain FROM alias_domain ad JOIN domain d ON d.domain = ad.target_domain
  WHERE ad.alias_domain = lower('%d') AND ad.active = 1 AND d.active = 1
    AND (EXISTS (SELECT 1 FROM alias a WHERE a.address = lower('%u') || '@' || ad.target_domain AND a.active = 1)
      OR EXISTS (SELECT 1 FROM mailplan_forwarding f WHERE f.address = lower('%u') || '@' || ad.target_domain)
      OR EXISTS (SELECT 1 FROM mailplan_autoreply r WHERE r.address = lower('%u') || '@' || ad.target_domain))""",
        # The journal copy: Postfix takes one BCC address per lookup.
        "sqlite-archive.cf": """\
SELECT copy_to FROM (
  SELECT copy_to, 0 AS o FROM mailplan_archive WHERE scope = lower('%d')
  UNION SELECT ar.copy_to, 1 FROM mailplan_archive ar JOIN alias_domain ad ON ad.target_domain = ar.scope
    WHERE ad.alias_domain = lower('%d') AND ad.active = 1
) ORDER BY o LIMIT 1""",
        # Who may use an address as sender on the submission port: the mailbox itself and
        # the people it delegated sending to.
        "sqlite-sender-logins.cf": """\
SELECT m.username FROM mailbox m WHERE m.username = lower('%s') AND m.active = 1
UNION SELECT g.grantee FROM mailplan_delegation g JOIN mailbox m ON m.username = g.grantee
  WHERE g.mailbox = lower('%s') AND g.may_send = 1 AND m.active = 1""",
    }


def _map(p: ServerParams, query: str) -> str:
    body = "\n".join(("  " + line if i else line) for i, line in enumerate(query.splitlines()))
    return f"# mailplan: sqlite lookup table for Postfix\ndbpath = {p.database}\nquery = {body}\n"


def _table(p: ServerParams, name: str) -> str:
    return f"sqlite:{p.config_dir / name}"


def _main_cf(p: ServerParams) -> str:
    lines = [
        "# mailplan: add these lines to main.cf. Do not list the mail domains in mydestination.",
        f"myhostname = {p.hostname}",
        f"virtual_mailbox_domains = {_table(p, 'sqlite-domains.cf')}",
        f"virtual_mailbox_maps = {_table(p, 'sqlite-mailboxes.cf')}",
        f"virtual_alias_maps = {_table(p, 'sqlite-recipients.cf')}, {_table(p, 'sqlite-alias-domains.cf')}",
        f"virtual_transport = lmtp:inet:{p.lmtp_address}:{p.lmtp_port}",
        f"transport_maps = inline:{{ {p.autoreply_domain}={AUTOREPLY_SERVICE}: }}",
        f"{AUTOREPLY_SERVICE}_destination_recipient_limit = 1",
        f"sender_bcc_maps = {_table(p, 'sqlite-archive.cf')}",
        f"recipient_bcc_maps = {_table(p, 'sqlite-archive.cf')}",
        f"smtpd_sender_login_maps = {_table(p, 'sqlite-sender-logins.cf')}",
        "# the public MX (no permit_mynetworks: a local client is treated like any other)",
        "mailplan_mx_relay_restrictions = reject_unauth_destination",
        "mailplan_mx_recipient_restrictions = reject_non_fqdn_recipient, reject_unlisted_recipient,",
        f"    check_policy_service unix:private/{POLICY_SERVICE}",
        "# the submission port: people log in with their mailbox password (Dovecot checks it)",
        "mailplan_submission_client_restrictions = permit_sasl_authenticated, reject",
        "mailplan_submission_sender_restrictions = reject_sender_login_mismatch",
        "mailplan_submission_relay_restrictions = permit_sasl_authenticated, reject",
        "mailplan_submission_recipient_restrictions = reject_non_fqdn_recipient,",
        f"    check_policy_service unix:private/{POLICY_SERVICE}, permit_sasl_authenticated, reject",
        "# where the auto-reply helper hands its replies back (loopback only)",
        "mailplan_reinject_restrictions = permit_mynetworks, reject",
    ]
    if p.tls_cert and p.tls_key:
        lines += [f"smtpd_tls_cert_file = {p.tls_cert}", f"smtpd_tls_key_file = {p.tls_key}"]
    return "\n".join(lines) + "\n"


def _helper_argv(p: ServerParams, module: str, args: str) -> str:
    env = f"/usr/bin/env PYTHONPATH={p.pythonpath} " if p.pythonpath else ""
    return f"{env}{p.python} -m mailplan.providers.mail.local.{module} --db {p.database} {args}".rstrip()


def _master_cf(p: ServerParams) -> str:
    tls = "encrypt" if p.tls_cert else "none"
    autoreply_args = (
        f"--state-dir {p.autoreply_state_dir} --days {p.autoreply_days} "
        f"--reinject {p.reinject_host_port} "
        "--sender=${sender} --recipient=${recipient}"
    )
    return f"""\
# mailplan: add to master.cf, replacing the stock "smtp inet" and "submission inet" lines.
# service type  private unpriv  chroot  wakeup  maxproc command + args
{p.smtp_listen} inet n       -       n       -       -       smtpd
  -o smtpd_relay_restrictions=$mailplan_mx_relay_restrictions
  -o smtpd_recipient_restrictions=$mailplan_mx_recipient_restrictions
{p.submission_listen} inet n       -       n       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level={tls}
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path={AUTH_SOCKET}
  -o smtpd_client_restrictions=$mailplan_submission_client_restrictions
  -o smtpd_sender_restrictions=$mailplan_submission_sender_restrictions
  -o smtpd_relay_restrictions=$mailplan_submission_relay_restrictions
  -o smtpd_recipient_restrictions=$mailplan_submission_recipient_restrictions
{p.reinject_listen} inet n       -       n       -       -       smtpd
  -o syslog_name=postfix/mailplan-reinject
  -o mynetworks=127.0.0.0/8,[::1]/128
  -o smtpd_client_restrictions=$mailplan_reinject_restrictions
  -o smtpd_relay_restrictions=$mailplan_reinject_restrictions
  -o smtpd_recipient_restrictions=
{POLICY_SERVICE} unix -  n       n       -       0       spawn
  user={p.helper_user} argv={_helper_argv(p, "policyd", "")}
{AUTOREPLY_SERVICE} unix - n     n       -       -       pipe
  user={p.helper_user} argv={_helper_argv(p, "autoreply", autoreply_args)}
"""


# --- Dovecot ----------------------------------------------------------------------------------------------------


_DOVECOT_ACTIVE = "m.active = 1 AND d.active = 1"


def _dovecot_connection(p: ServerParams, purpose: str) -> str:
    return f"""\
# mailplan: {purpose}
driver = sqlite
connect = {p.database}
default_pass_scheme = SHA512-CRYPT
"""


def _dovecot_sql(p: ServerParams) -> str:
    home = f"'{str(p.vmail_dir).rstrip('/')}/' || m.maildir"
    purpose = "Dovecot SQL passdb/userdb over the mailplan database.\n# A frozen mailbox (active = 0) has no "
    purpose += "password and no user: no IMAP, no SMTP AUTH, no delivery."
    return (
        _dovecot_connection(p, purpose)
        + f"""\
password_query = SELECT m.username AS user, m.password AS password \\
  FROM mailbox m JOIN domain d ON d.domain = m.domain \\
  WHERE m.username = '%u' AND {_DOVECOT_ACTIVE} AND ('%s' <> 'smtp' OR m.smtp_active = 1)
user_query = SELECT {home} AS home, {p.vmail_uid} AS uid, {p.vmail_gid} AS gid \\
  FROM mailbox m JOIN domain d ON d.domain = m.domain \\
  WHERE m.username = '%u' AND {_DOVECOT_ACTIVE}
iterate_query = SELECT m.username AS user FROM mailbox m JOIN domain d ON d.domain = m.domain WHERE {_DOVECOT_ACTIVE}
"""
    )


def _dovecot_delegation_sql(p: ServerParams) -> str:
    """Read delegation as Dovecot master-user logins: ``mailbox*grantee`` with the grantee's password.

    Only over IMAP (not SMTP: reading is not sending as), only while the
    delegation grants reading and the grantee is active.
    """
    purpose = "master-user passdb: a grantee logs in as MAILBOX*GRANTEE with their own password."
    return (
        _dovecot_connection(p, purpose)
        + f"""\
password_query = SELECT m.password AS password \\
  FROM mailplan_delegation g JOIN mailbox m ON m.username = g.grantee JOIN domain d ON d.domain = m.domain \\
  WHERE g.grantee = '%u' AND g.mailbox = '%{{login_user}}' AND g.may_read = 1 AND {_DOVECOT_ACTIVE} \\
    AND '%s' = 'imap'
"""
    )


def _dovecot_conf(p: ServerParams) -> str:
    ssl = (
        f"ssl = required\nssl_cert = <{p.tls_cert}\nssl_key = <{p.tls_key}\n"
        if p.tls_cert and p.tls_key
        else "# no TLS certificate was given: add ssl settings before exposing IMAP\n"
    )
    return f"""\
# mailplan: include from dovecot.conf (e.g. as conf.d/99-mailplan.conf).
protocols = imap lmtp
auth_mechanisms = plain login
# no auth cache: a freeze takes effect on the next login, with no reload
auth_cache_size = 0
mail_location = maildir:~/Maildir
first_valid_uid = {p.vmail_uid}
last_valid_uid = {p.vmail_uid}
{ssl}
# read delegation: the grantee logs in as "mailbox*grantee" with their own password
auth_master_user_separator = *
passdb {{
  driver = sql
  args = {p.config_dir / "dovecot-sql-delegation.conf.ext"}
  master = yes
  # then the mailbox itself must pass the regular passdb (it exists and is not frozen)
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

service imap-login {{
  inet_listener imap {{
    address = {p.imap_address}
    port = {p.imap_port}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = {p.lmtp_address}
    port = {p.lmtp_port}
  }}
}}
# Postfix asks Dovecot to check passwords on the submission port
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


def _readme(p: ServerParams) -> str:
    return f"""\
Postfix + Dovecot configuration for mailplan's local mail database
=================================================================

Database: {p.database}
These files expect to live in {p.config_dir} (main.cf and Dovecot refer to them there).

Postfix (packages: postfix postfix-sqlite)
- main.cf.fragment   append to /etc/postfix/main.cf. Keep the mail domains out of mydestination.
- master.cf.fragment add to /etc/postfix/master.cf, replacing the stock "smtp inet" and
                     "submission inet" lines (a service may be defined only once).
- sqlite-*.cf        the lookup tables main.cf names; Postfix reads the database on every
                     lookup, so mailplan apply takes effect without a reload.

Dovecot (packages: dovecot-core dovecot-imapd dovecot-lmtpd dovecot-sqlite)
- dovecot-mailplan.conf  include it from dovecot.conf (or copy it to conf.d/99-mailplan.conf).
- dovecot-sql.conf.ext   the SQL passdb/userdb it names.
- dovecot-sql-delegation.conf.ext  read delegation: a grantee opens a mailbox over IMAP by
                         logging in as "mailbox*grantee" with the grantee's own password.

Before starting
- The database file must be readable by the users postfix, dovecot and {p.helper_user}
  (mode 0644 and traversable directories), and stay in rollback-journal mode (not WAL).
- Mail is stored under {p.vmail_dir} as uid/gid {p.vmail_uid}/{p.vmail_gid}, e.g.
  useradd --system --uid {p.vmail_uid} --home-dir {p.vmail_dir} vmail; chown vmail: {p.vmail_dir}
- The helpers ({POLICY_SERVICE}: group posting rules; {AUTOREPLY_SERVICE}: auto-replies) run
  "{p.python} -m mailplan..." as user {p.helper_user}; mailplan must be importable by that Python,
  and {p.autoreply_state_dir} must exist and be writable by {p.helper_user} (it remembers whom it
  already answered, so a sender gets one auto-reply per {p.autoreply_days} days).
- Auto-replies are handed back to Postfix on {p.reinject_host_port} (loopback only).
- Without --tls-cert/--tls-key, the submission port and IMAP run without TLS: fine on a test
  machine, not in production.
"""
