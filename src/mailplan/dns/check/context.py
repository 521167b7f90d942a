"""What one domain's rules share: the target from the config, DNS, and parsed records (each fetched once)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from mailplan.dns import dmarc, spf
from mailplan.dns.check.dnsview import Answer, DnsView, Undecided
from mailplan.dns.check.policy_fetch import Fetched, PolicyFetcher
from mailplan.errors import Problem
from mailplan.model.objects import Record


@dataclass(frozen=True)
class Target:
    """A domain to check and what the config says about it."""

    domain: str  # A-label
    sends_mail: bool = True
    receives_mail: bool = True
    expected: tuple[Record, ...] = ()  # the records the config derives at or below the domain
    dkim_selectors: tuple[str, ...] = ()  # selectors to check besides those in ``expected``
    from_config: bool = False  # the domain comes from a config (not --domain): config rules apply
    policy_warnings: tuple[Problem, ...] = ()  # what the config's policies set to warn found for this domain
    # (fqdn, rtype, why) of records the config derives but whose value is not known here
    unknown: tuple[tuple[str, str, str], ...] = ()
    mta_sts_policy: str = ""  # the policy text the config derives ("" = none, or no config)


class SpfDns:
    """``spf.Resolver`` over a ``DnsView``: the check counts lookups with the DNS it reports on.

    A lookup that failed (SERVFAIL, REFUSED, timeout) raises ``spf.LookupFailed``: it is no
    answer, so it must not count as a void lookup or as "no SPF record".
    """

    def __init__(self, view: DnsView) -> None:
        self.view = view

    def _get(self, name: str, rtype: str) -> Answer:
        answer = self.view.get(name, rtype)
        if answer.error:
            raise spf.LookupFailed(answer.query, answer.error)
        return answer

    def txt(self, name: str) -> list[str] | None:
        return list(self._get(name, "TXT").values) or None

    def mx_hosts(self, name: str) -> list[str] | None:
        return [v.split(" ", 1)[1] for v in self._get(name, "MX").values] or None

    def addresses(self, name: str) -> list[str] | None:
        a, aaaa = self.view.get(name, "A"), self.view.get(name, "AAAA")
        found = [*a.values, *aaaa.values]
        if not found and (a.error or aaaa.error):  # one family answered nothing, the other not at all
            failed = a if a.error else aaaa
            raise spf.LookupFailed(failed.query, failed.error)
        return found or None


class Ctx:
    def __init__(self, target: Target, view: DnsView, fetcher: PolicyFetcher | None = None) -> None:
        self.target = target
        self.view = view
        self.fetcher = fetcher  # None: no HTTPS (zone text is checked), the MTA-STS policy is not fetched
        self.domain = target.domain

    def fqdn(self, name: str) -> str:
        return self.domain if name == "@" else f"{name}.{self.domain}"

    def get(self, name: str, rtype: str) -> Answer:
        """``name`` relative to the domain ("@" = the domain itself); a failed lookup raises ``Undecided``."""
        return self.lookup(self.fqdn(name), rtype)

    def lookup(self, fqdn: str, rtype: str) -> Answer:
        """The answer at an absolute name. A lookup that got no answer is no answer: it raises
        ``Undecided``, and the rule asking is reported as not checked rather than passed or failed."""
        answer = self.view.get(fqdn, rtype)
        if answer.error:
            raise Undecided(answer.query, answer.error)
        return answer

    # --- SPF ---
    @cached_property
    def apex_txt(self) -> Answer:
        return self.get("@", "TXT")

    @cached_property
    def spf_records(self) -> list[str]:
        return [v for v in self.apex_txt.values if spf.is_spf(v)]

    @property
    def spf_value(self) -> str | None:
        """The one SPF record, or None when there is none or more than one."""
        return self.spf_records[0] if len(self.spf_records) == 1 else None

    @cached_property
    def spf_parsed(self) -> spf.Parsed | None:
        return spf.parse(self.spf_value) if self.spf_value else None

    @cached_property
    def spf_count(self) -> spf.Count | None:
        return spf.count_lookups(self.spf_value, self.domain, SpfDns(self.view)) if self.spf_value else None

    # --- DMARC ---
    @cached_property
    def dmarc_answer(self) -> Answer:
        return self.get("_dmarc", "TXT")

    @cached_property
    def dmarc_records(self) -> list[str]:
        return [v for v in self.dmarc_answer.values if dmarc.is_dmarc(v)]

    @cached_property
    def dmarc_parsed(self) -> dmarc.Parsed | None:
        return dmarc.parse(self.dmarc_records[0]) if len(self.dmarc_records) == 1 else None

    def dmarc_enforcing(self) -> bool:
        parsed = self.dmarc_parsed
        return parsed is not None and parsed.get("p") in ("quarantine", "reject")

    # --- MX ---
    @cached_property
    def mx(self) -> list[tuple[int, str]]:
        out = []
        for value in self.get("@", "MX").values:
            pref, _, host = value.partition(" ")
            out.append((int(pref), host))
        return sorted(out)

    # --- MTA-STS ---
    @cached_property
    def sts_fetch(self) -> Fetched | None:
        """The policy file, fetched once for every rule that reads it (None when nothing is fetched)."""
        if self.fetcher is None:
            return None
        host = f"mta-sts.{self.domain}"
        a, aaaa = self.view.get(host, "A"), self.view.get(host, "AAAA")
        addresses = [*a.values, *aaaa.values]
        if not addresses:
            failed = a if a.error else aaaa if aaaa.error else None
            if failed is not None:
                raise Undecided(failed.query, failed.error)
            return Fetched(f"https://{host}/.well-known/mta-sts.txt",
                           problem=f"{host} has no address (A or AAAA)")
        return self.fetcher.fetch(host, addresses)

    # --- what the config derives ---
    def expected(self, fqdn: str, rtype: str) -> Record | None:
        for record in self.target.expected:
            if record.fqdn == fqdn and record.rtype == rtype:
                return record
        return None

    @cached_property
    def selectors(self) -> list[str]:
        found = {r.fqdn[: -len(f"._domainkey.{self.domain}")] for r in self.target.expected
                 if r.fqdn.endswith(f"._domainkey.{self.domain}")}
        return sorted(found | set(self.target.dkim_selectors))
