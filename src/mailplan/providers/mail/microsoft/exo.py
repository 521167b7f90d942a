"""The Exchange Online PowerShell steps for what Microsoft Graph cannot do.

Graph has no write for proxy addresses, distribution lists, shared mailboxes, mailbox permissions
(FullAccess, SendAs), mailbox forwarding, posting restrictions with application permissions,
journaling or litigation hold; these run in the ExchangeOnlineManagement module
(``Connect-ExchangeOnline``).
"""

from __future__ import annotations

from collections.abc import Collection

from mailplan.i18n import Msg
from mailplan.model.change import Change
from mailplan.model.objects import (
    Alias,
    ArchiveRule,
    AutoReply,
    Delegation,
    Domain,
    Forwarding,
    Group,
    Hold,
    Mailbox,
    MailObject,
    Policy,
    domain_of,
)

from .codec import reply_html

# The commands are code and stay as typed; a comment after them, or a line of its own starting with "#", is one
# whole message (docs/i18n.md) with the command as {command}, so that a saved plan reads in Chinese too.
CONNECT = Msg("{command}  # ExchangeOnlineManagement module, as an Exchange administrator",
              command="Connect-ExchangeOnline")


def q(value: str) -> str:
    """A PowerShell single-quoted string."""
    return "'" + value.replace("'", "''") + "'"


def _alias(before: MailObject | None, after: MailObject | None) -> list[str]:
    steps = []
    if isinstance(before, Alias) and (not isinstance(after, Alias) or after.targets != before.targets):
        if len(before.targets) == 1:
            steps.append(
                f'Set-Mailbox -Identity {q(before.targets[0])} -EmailAddresses @{{remove="smtp:{before.address}"}}'
            )
        else:
            steps.append(f"Remove-DistributionGroup -Identity {q(before.address)} -Confirm:$false")
    if isinstance(after, Alias) and (not isinstance(before, Alias) or after.targets != before.targets):
        if len(after.targets) == 1:
            # For a group target use Set-UnifiedGroup (Microsoft 365 group) or Set-DistributionGroup instead.
            steps.append(f'Set-Mailbox -Identity {q(after.targets[0])} -EmailAddresses @{{add="smtp:{after.address}"}}')
        else:
            members = ",".join(q(t) for t in after.targets)
            steps.append(
                f"New-DistributionGroup -Name {q(after.address)} -PrimarySmtpAddress {q(after.address)} "
                f"-Members {members} -RequireSenderAuthenticationEnabled $false"
            )
    return steps


def _group_posting(group: Group, cmdlet: str = "Set-UnifiedGroup") -> list[str]:
    """Who may post, for a Microsoft 365 group (``Set-UnifiedGroup``) or a distribution list."""
    ident = q(group.address)
    # The two cmdlets name the allow-list differently.
    accept = "-AcceptMessagesOnlySendersOrMembers" if cmdlet == "Set-UnifiedGroup" else (
        "-AcceptMessagesOnlyFromSendersOrMembers"
    )
    if group.post_policy == "anyone":
        # also for a new Microsoft 365 group: Exchange makes it refuse outside senders by default
        return [f"{cmdlet} -Identity {ident} -RequireSenderAuthenticationEnabled $false {accept} $null"]
    if group.post_policy == "organization":
        return [f"{cmdlet} -Identity {ident} -RequireSenderAuthenticationEnabled $true {accept} $null"]
    allowed = sorted({*group.members, *group.owners, *(s for s in group.senders if not s.startswith("@"))})
    steps = [f"{cmdlet} -Identity {ident} {accept} {','.join(q(a) for a in allowed)}"]
    domains = [s for s in group.senders if s.startswith("@")]
    if domains:
        steps.append(
            Msg(
                "# Exchange allows senders by address only; {domains} needs a mail flow rule ({command})",
                domains=", ".join(domains), command="New-TransportRule -SentTo ... -SenderDomainIs ...",
            )
        )
    return steps


def _posting_changed(before: Group | None, after: Group) -> bool:
    """Whether Exchange must be told who may post: a new group, a new rule, or a changed allow-list."""
    if before is None:
        return True
    if (before.post_policy, before.senders) != (after.post_policy, after.senders):
        return True
    listed = after.post_policy in ("members", "senders")  # the allow-list names the members and owners
    return listed and (before.members, before.owners) != (after.members, after.owners)


def _unified_group(before: MailObject | None, after: MailObject | None) -> list[str]:
    if not isinstance(after, Group):
        return []  # deleting the group through Graph takes its settings with it
    was = before if isinstance(before, Group) else None
    return _group_posting(after) if _posting_changed(was, after) else []


def _distribution_list(before: MailObject | None, after: MailObject | None) -> list[str]:
    """A distribution list (or mail-enabled security group) is read-only in Graph: every change is here."""
    was = before if isinstance(before, Group) else None
    now = after if isinstance(after, Group) else None
    group = now or was
    assert group is not None
    ident = q(group.address)
    if now is None:
        return [f"Remove-DistributionGroup -Identity {ident} -Confirm:$false"]
    steps = []
    if was is not None and was.name != now.name:
        steps.append(f"Set-DistributionGroup -Identity {ident} -DisplayName {q(now.name)}")
    had = set(was.members) if was else set()
    for member in sorted(set(now.members) - had):
        if domain_of(member) != domain_of(now.address):
            contact = f"New-MailContact -Name {q(member)} -ExternalEmailAddress {q(member)}"
            steps.append(Msg("{command}  # only if no recipient of this tenant has this address yet", command=contact))
        steps.append(f"Add-DistributionGroupMember -Identity {ident} -Member {q(member)}")
    for member in sorted(had - set(now.members)):
        steps.append(f"Remove-DistributionGroupMember -Identity {ident} -Member {q(member)} -Confirm:$false")
    owners = set(was.owners) if was else set()
    added, dropped = sorted(set(now.owners) - owners), sorted(owners - set(now.owners))
    if added or dropped:
        change = "; ".join(
            part
            for part in (
                f"Add={','.join(q(o) for o in added)}" if added else "",
                f"Remove={','.join(q(o) for o in dropped)}" if dropped else "",
            )
            if part
        )
        steps.append(f"Set-DistributionGroup -Identity {ident} -ManagedBy @{{{change}}}")
    if _posting_changed(was, now):
        steps += _group_posting(now, "Set-DistributionGroup")
    return steps


def _shared_mailbox(before: MailObject | None, after: MailObject | None) -> list[str]:
    """Functional mailboxes are shared mailboxes: no licence, no password, used through FullAccess."""
    if not isinstance(after, Mailbox):
        return []
    ident = q(after.address)
    if isinstance(before, Mailbox):  # the kind changed
        if after.kind == "functional":
            shared = f"Set-Mailbox -Identity {ident} -Type Shared"
            return [Msg("{command}  # then remove its licence", command=shared)]
        regular = f"Set-Mailbox -Identity {ident} -Type Regular"
        return [Msg("{command}  # then assign a licence, enable sign-in and set a password", command=regular)]
    local = after.address.split("@")[0]
    steps = [
        f"New-Mailbox -Shared -Name {q(local)} -DisplayName {q(after.name)} -PrimarySmtpAddress {ident}"
    ]
    if after.department:
        steps.append(f"Set-User -Identity {ident} -Department {q(after.department)}")
    return steps


def _autoreply(after: MailObject | None) -> list[str]:
    """An automatic reply for a mailbox that does not exist yet: set it once the mailbox is there
    (or plan again then, and mailplan sets it through Graph)."""
    if not isinstance(after, AutoReply):
        return []
    message = q(reply_html(after.subject, after.body))
    return [
        f"Set-MailboxAutoReplyConfiguration -Identity {q(after.address)} -AutoReplyState Enabled "
        f"-ExternalAudience All -InternalMessage {message} -ExternalMessage {message}"
    ]


def _hold(before: MailObject | None, after: MailObject | None) -> list[str]:
    """Litigation hold: the mailbox keeps everything, and becomes an inactive mailbox when deleted."""
    if isinstance(after, Hold):
        hold = f"Set-Mailbox -Identity {q(after.address)} -LitigationHoldEnabled $true"
        return [Msg("{command}  # Exchange Online Plan 2 or the archiving add-on", command=hold)]
    assert isinstance(before, Hold)
    return [f"Set-Mailbox -Identity {q(before.address)} -LitigationHoldEnabled $false"]


def _forwarding(before: MailObject | None, after: MailObject | None) -> list[str]:
    if not isinstance(after, Forwarding):
        assert isinstance(before, Forwarding)
        return [
            f"Set-Mailbox -Identity {q(before.address)} -ForwardingSmtpAddress $null -DeliverToMailboxAndForward $false"
        ]
    if len(after.targets) == 1:
        return [
            f"Set-Mailbox -Identity {q(after.address)} -ForwardingSmtpAddress {q('smtp:' + after.targets[0])} "
            "-DeliverToMailboxAndForward $true"
        ]
    group = "fwd-" + after.address.replace("@", "-at-")
    return [
        f"New-DistributionGroup -Name {q(group)} -Members {','.join(q(t) for t in after.targets)} "
        "-HiddenFromAddressListsEnabled $true",
        f"Set-Mailbox -Identity {q(after.address)} -ForwardingAddress {q(group)} -DeliverToMailboxAndForward $true",
    ]


def _delegation(before: MailObject | None, after: MailObject | None) -> list[str]:
    was = before if isinstance(before, Delegation) else None
    now = after if isinstance(after, Delegation) else None
    grant = now or was
    assert grant is not None
    box, user = q(grant.mailbox), q(grant.grantee)
    steps = []
    if (now and now.read) and not (was and was.read):
        steps.append(f"Add-MailboxPermission -Identity {box} -User {user} -AccessRights FullAccess -AutoMapping $true")
    if (was and was.read) and not (now and now.read):
        steps.append(f"Remove-MailboxPermission -Identity {box} -User {user} -AccessRights FullAccess -Confirm:$false")
    if (now and now.send) and not (was and was.send):
        steps.append(f"Add-RecipientPermission -Identity {box} -Trustee {user} -AccessRights SendAs -Confirm:$false")
    if (was and was.send) and not (now and now.send):
        steps.append(f"Remove-RecipientPermission -Identity {box} -Trustee {user} -AccessRights SendAs -Confirm:$false")
    return steps


def _archive(before: MailObject | None, after: MailObject | None) -> list[str]:
    if not isinstance(after, ArchiveRule):
        assert isinstance(before, ArchiveRule)
        return [f"Remove-JournalRule -Identity {q('mailplan archive ' + before.scope)} -Confirm:$false"]
    steps = [
        f"New-JournalRule -Name {q('mailplan archive ' + after.scope)} -JournalEmailAddress {q(after.copy_to)} "
        "-Scope Global -Enabled $true"
    ]
    if after.retention_days:
        steps += [
            Msg("{command}  # Security & Compliance PowerShell", command="Connect-IPPSSession"),
            f"New-RetentionCompliancePolicy -Name {q('mailplan ' + after.scope)} -ExchangeLocation All",
            f"New-RetentionComplianceRule -Policy {q('mailplan ' + after.scope)} "
            f"-RetentionDuration {after.retention_days} -RetentionComplianceAction Keep",
        ]
    return steps


def _policy(after: MailObject | None) -> list[str]:
    if not isinstance(after, Policy):
        return [Msg("# nothing to undo: the tenant keeps its password and MFA settings")]
    days = after.password_max_age_days or 2147483647  # Entra's value for "never expires"
    steps = [
        "Connect-MgGraph -Scopes Domain.ReadWrite.All  # Microsoft Graph PowerShell",
        f"Update-MgDomain -DomainId {q(after.scope)} -PasswordValidityPeriodInDays {days}",
    ]
    if after.password_min_length > 8:
        steps.append(
            Msg(
                "# Entra ID passwords are at least 8 characters; a minimum of {length} cannot be enforced for cloud "
                "accounts (use Password Protection banned lists or SSO)",
                length=after.password_min_length,
            )
        )
    if after.require_2fa:
        steps.append(
            Msg(
                "# Entra admin center › Protection › Conditional Access › New policy: All users, All cloud apps, "
                "Grant: Require multifactor authentication (or turn on Security defaults)"
            )
        )
    return steps


def _domain_alias(after: MailObject | None) -> list[str]:
    if not isinstance(after, Domain) or not after.alias_of:
        return []
    return [
        Msg(
            "# Add {name} in Microsoft 365 admin center › Settings › Domains (and verify it), then give every mailbox "
            "of {alias_of} its address there:",
            name=after.name, alias_of=after.alias_of,
        ),
        f"Get-Mailbox -ResultSize Unlimited | Where-Object {{ $_.PrimarySmtpAddress -like '*@{after.alias_of}' }} | "
        "ForEach-Object { Set-Mailbox -Identity $_.Identity "
        f'-EmailAddresses @{{add="smtp:$($_.Alias)@{after.name}"}} }}',
    ]


def instructions(change: Change, distribution_lists: Collection[str] = ()) -> str:
    """The exact commands for ``change``, with its real addresses (``distribution_lists``: the
    groups the tenant holds as distribution lists rather than Microsoft 365 groups)."""
    before, after, kind = change.before, change.after, change.kind
    if kind == "alias":
        steps = _alias(before, after)
    elif kind == "group":
        assert isinstance(after or before, Group)
        write = _distribution_list if change.key in distribution_lists else _unified_group
        steps = write(before, after)
    elif kind == "mailbox":
        steps = _shared_mailbox(before, after)
    elif kind == "autoreply":
        steps = _autoreply(after)
    elif kind == "hold":
        steps = _hold(before, after)
    elif kind == "forwarding":
        steps = _forwarding(before, after)
    elif kind == "delegation":
        steps = _delegation(before, after)
    elif kind == "archive":
        steps = _archive(before, after)
    elif kind == "policy":
        return "\n".join(_policy(after))
    elif kind == "domain":
        steps = _domain_alias(after)
    else:
        steps = []
    return "\n".join([CONNECT, *steps]) if steps else ""
