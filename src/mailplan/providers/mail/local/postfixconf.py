"""Postfix's part: the sqlite lookup tables and the main.cf and master.cf fragments.

The tables are plain ``sqlite:`` maps (no ``proxy:``): Postfix opens them as root before it
drops privileges or enters its chroot, so the database needs no permission for user postfix
and works with Debian's chrooted services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailplan.providers.mail.local.serverparams import AUTH_SOCKET, AUTOREPLY_SERVICE, POLICY_SERVICE

if TYPE_CHECKING:
    from mailplan.providers.mail.local.serverparams import ServerParams

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


def map_files(p: ServerParams) -> dict[str, str]:
    return {name: _map(p, query) for name, query in _map_queries(p).items()}


def main_cf(p: ServerParams) -> str:
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
        "# submission: people log in with their mailbox password (Dovecot checks it)",
        "mailplan_submission_client_restrictions = permit_sasl_authenticated, reject",
        "mailplan_submission_sender_restrictions = reject_sender_login_mismatch",
        "mailplan_submission_relay_restrictions = permit_sasl_authenticated, reject",
        "mailplan_submission_recipient_restrictions = reject_non_fqdn_recipient,",
        f"    check_policy_service unix:private/{POLICY_SERVICE}, permit_sasl_authenticated, reject",
        "# where the auto-reply helper hands its replies back: only its own login is let through",
        f"mailplan_reinject_restrictions = check_sasl_access inline:{{ {p.autoreply_login}=OK }}, reject",
        "# outgoing mail: TLS whenever the other side offers it",
        "smtp_tls_security_level = may",
    ]
    if p.tls:
        lines += [
            "# incoming: STARTTLS offered on 25, required on 587; a password only ever after TLS",
            f"smtpd_tls_cert_file = {p.tls_cert}",
            f"smtpd_tls_key_file = {p.tls_key}",
            "smtpd_tls_security_level = may",
            "smtpd_tls_auth_only = yes",
            "smtpd_tls_mandatory_protocols = >=TLSv1.2",
        ]
    else:
        lines += [
            "# no certificate: no TLS, and every listener that takes a password is on loopback",
            "smtpd_tls_security_level = none",
            "smtpd_tls_auth_only = no",
        ]
    return "\n".join(lines) + "\n"


def _helper_argv(p: ServerParams, module: str, args: str) -> str:
    env = f"/usr/bin/env PYTHONPATH={p.pythonpath} " if p.pythonpath else ""
    return f"{env}{p.python} -m mailplan.providers.mail.local.{module} --db {p.database} {args}".rstrip()


def _login_service(p: ServerParams, listen: str, name: str, tls: str) -> str:
    """An smtpd where people log in (submission, submissions) with the mailbox password."""
    return f"""\
{listen} inet n       -       n       -       -       smtpd
  -o syslog_name=postfix/{name}
{tls}  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path={AUTH_SOCKET}
  -o smtpd_client_restrictions=$mailplan_submission_client_restrictions
  -o smtpd_sender_restrictions=$mailplan_submission_sender_restrictions
  -o smtpd_relay_restrictions=$mailplan_submission_relay_restrictions
  -o smtpd_recipient_restrictions=$mailplan_submission_recipient_restrictions
"""


def master_cf(p: ServerParams) -> str:
    starttls = "  -o smtpd_tls_security_level=encrypt\n" if p.tls else ""
    implicit_tls = (
        _login_service(p, p.submissions_listen, "submissions", "  -o smtpd_tls_wrappermode=yes\n") if p.tls else ""
    )
    autoreply_args = (
        f"--state-dir {p.autoreply_state_dir} --days {p.autoreply_days} "
        f"--reinject {p.reinject_host_port} "
        "--sender=${sender} --recipient=${recipient}"
    )
    return f"""\
# mailplan: add to master.cf after removing the stock "smtp inet" service (postconf -M -X smtp/inet).
# service type  private unpriv  chroot  wakeup  maxproc command + args
{p.smtp_listen} inet n       -       n       -       -       smtpd
  -o smtpd_relay_restrictions=$mailplan_mx_relay_restrictions
  -o smtpd_recipient_restrictions=$mailplan_mx_recipient_restrictions
{_login_service(p, p.submission_listen, "submission", starttls)}{implicit_tls}\
{p.reinject_listen} inet n       -       n       -       -       smtpd
  -o syslog_name=postfix/mailplan-reinject
{starttls}  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path={AUTH_SOCKET}
  -o smtpd_client_restrictions=
  -o smtpd_sender_restrictions=
  -o smtpd_relay_restrictions=$mailplan_reinject_restrictions
  -o smtpd_recipient_restrictions=$mailplan_reinject_restrictions
{POLICY_SERVICE} unix -  n       n       -       0       spawn
  user={p.helper_user} argv={_helper_argv(p, "policyd", "")}
{AUTOREPLY_SERVICE} unix - n     n       -       -       pipe
  null_sender= user={p.helper_user} argv={_helper_argv(p, "autoreply", autoreply_args)}
"""
