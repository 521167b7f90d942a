"""The archive, applied in part. ``archive/addArchiveMailAccount`` (NetEase's sample) names the account
of the enterprise's mail archive (邮件归档); NetEase's help pages say the archive itself is opened by
NetEase or the reseller, that the archive account confirms an activation mail, and that the archive keeps
its own password. What the API does is done; the rest is the plan's step for a person (``manual.py``).

No call reads the archive back, so the account named carries ``archive=<domain> retention=<days>`` in its
mailplan note once NetEase accepted the call; that is what a read reports. A change made in the console
is not seen.
"""

from __future__ import annotations

from mailplan.model.change import Change
from mailplan.model.objects import ArchiveRule
from mailplan.providers.mail.exmail.mapping import a_label_address, domain_of
from mailplan.providers.mail.netease.directory import Directory


def is_archive_account(directory: Directory, rule: ArchiveRule) -> bool:
    """Whether the API can take ``rule``: its archive account is an account of this domain, seen by the read."""
    return domain_of(rule.scope) == directory.domain and a_label_address(rule.copy_to) in directory.accounts


class Archive:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.client = directory.client

    def apply(self, change: Change) -> str:
        before, after = change.before, change.after
        if isinstance(before, ArchiveRule) and (not isinstance(after, ArchiveRule) or after.copy_to != before.copy_to):
            old = self.directory.local(before.copy_to)
            if self.directory.account(old) is not None:
                self.directory.set_remark(old, {"archive": None, "retention": None})
        if not isinstance(after, ArchiveRule):
            return "the archive account's mark removed"
        name = self.directory.local(after.copy_to)
        self.directory.eventually(lambda: self.client.call("archive/addArchiveMailAccount", account_name=name))
        retention = str(after.retention_days) if after.retention_days else None
        self.directory.set_remark(name, {"archive": after.scope, "retention": retention})
        return f"{after.copy_to} named as the archive account"
