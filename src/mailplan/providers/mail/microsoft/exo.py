"""The Exchange Online PowerShell steps for what Microsoft Graph cannot do.

Graph has no write for proxy addresses, distribution lists, mailbox permissions (FullAccess,
SendAs), mailbox forwarding, posting restrictions with application permissions, journaling or
litigation hold; these run in the ExchangeOnlineManagement module (``Connect-ExchangeOnline``).
"""

from __future__ import annotations

from mailplan.engine.change import Change
from mailplan.model.objects import Alias, ArchiveRule, Delegation, Domain, Forwarding, Group, MailObject, Policy

CONNECT = "Connect-ExchangeOnline  # ExchangeOnlineManagement module, as an Exchange administrator"


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


def _group_posting(group: Group) -> list[str]:
    ident = q(group.address)
    if group.post_policy == "anyone":
        return [
            f"Set-UnifiedGroup -Identity {ident} -RequireSenderAuthenticationEnabled $false "
            "-AcceptMessagesOnlySendersOrMembers $null"
        ]
    if group.post_policy == "organization":
        return [
            f"Set-UnifiedGroup -Identity {ident} -RequireSenderAuthenticationEnabled $true "
            "-AcceptMessagesOnlySendersOrMembers $null"
        ]
    allowed = sorted({*group.members, *group.owners, *(s for s in group.senders if not s.startswith("@"))})
    steps = [
        f"Set-UnifiedGroup -Identity {ident} -AcceptMessagesOnlySendersOrMembers {','.join(q(a) for a in allowed)}"
    ]
    domains = [s for s in group.senders if s.startswith("@")]
    if domains:
        steps.append(
            f"# Exchange allows senders by address only; {', '.join(domains)} needs a mail flow rule "
            "(New-TransportRule -SentTo ... -SenderDomainIs ...)"
        )
    return steps


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
            "Connect-IPPSSession  # Security & Compliance PowerShell",
            f"New-RetentionCompliancePolicy -Name {q('mailplan ' + after.scope)} -ExchangeLocation All",
            f"New-RetentionComplianceRule -Policy {q('mailplan ' + after.scope)} "
            f"-RetentionDuration {after.retention_days} -RetentionComplianceAction Keep",
        ]
    return steps


def _policy(after: MailObject | None) -> list[str]:
    if not isinstance(after, Policy):
        return ["# nothing to undo: the tenant keeps its password and MFA settings"]
    days = after.password_max_age_days or 2147483647  # Entra's value for "never expires"
    steps = [
        "Connect-MgGraph -Scopes Domain.ReadWrite.All  # Microsoft Graph PowerShell",
        f"Update-MgDomain -DomainId {q(after.scope)} -PasswordValidityPeriodInDays {days}",
    ]
    if after.password_min_length > 8:
        steps.append(
            f"# Entra ID passwords are at least 8 characters; a minimum of {after.password_min_length} "
            "cannot be enforced for cloud accounts (use Password Protection banned lists or SSO)"
        )
    if after.require_2fa:
        steps.append(
            "# Entra admin center › Protection › Conditional Access › New policy: All users, "
            "All cloud apps, Grant: Require multifactor authentication (or turn on Security defaults)"
        )
    return steps


def _domain_alias(after: MailObject | None) -> list[str]:
    if not isinstance(after, Domain) or not after.alias_of:
        return []
    return [
        f"# Add {after.name} in Microsoft 365 admin center › Settings › Domains (and verify it), then give every "
        f"mailbox of {after.alias_of} its address there:",
        f"Get-Mailbox -ResultSize Unlimited | Where-Object {{ $_.PrimarySmtpAddress -like '*@{after.alias_of}' }} | "
        "ForEach-Object { Set-Mailbox -Identity $_.Identity "
        f'-EmailAddresses @{{add="smtp:$($_.Alias)@{after.name}"}} }}',
    ]


def instructions(change: Change) -> str:
    """The exact commands for ``change``, with its real addresses."""
    before, after, kind = change.before, change.after, change.kind
    if kind == "alias":
        steps = _alias(before, after)
    elif kind == "group":
        assert isinstance(after or before, Group)
        steps = _group_posting(after) if isinstance(after, Group) else []
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
