"""``mailplan mta-sts``: the MTA-STS policy file of each domain, for the user to host.

mailplan publishes the ``_mta-sts`` TXT; the policy it points at is a file on a web
server (``https://mta-sts.<domain>/.well-known/mta-sts.txt``) that mailplan cannot
serve. This command prints that file, or writes it under ``--out`` as
``<domain>/.well-known/mta-sts.txt``, byte for byte what the TXT id is a hash of.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mailplan.cli.common import CONFIG_ARG, fail, guarded, today
from mailplan.cli.localized_help import LocalizedCommand
from mailplan.dns import mtasts
from mailplan.errors import MailplanError
from mailplan.files import write_atomically
from mailplan.i18n import N_, Msg, _
from mailplan.model.desired import Desired
from mailplan.model.objects import Record
from mailplan.render.common import unicode_domain

WELL_KNOWN = Path(".well-known") / "mta-sts.txt"


def _alabel(domain: str) -> str:
    try:
        return domain.strip().rstrip(".").lower().encode("idna").decode("ascii")
    except UnicodeError:
        shown = repr(domain)
        raise MailplanError(Msg("{domain} is not a domain name", domain=shown)) from None


def _records(desired: Desired, domain: str) -> dict[str, Record]:
    """The records derived at ``domain`` itself and at its ``_mta-sts`` name, by ``name rtype``."""
    out: dict[str, Record] = {}
    for state in desired.objects.values():
        for obj in state:
            if isinstance(obj, Record) and obj.fqdn in (domain, f"_mta-sts.{domain}"):
                out[f"{'@' if obj.fqdn == domain else '_mta-sts'} {obj.rtype}"] = obj
    return out


def policy_for(desired: Desired, domain: str, mode: str, mx: list[str], max_age: int) -> tuple[str, str]:
    """The policy text and the ``_mta-sts`` TXT value that names it, checked against each other."""
    records = _records(desired, domain)
    txt, mx_record = records.get("_mta-sts TXT"), records.get("@ MX")
    if txt is None or mx_record is None:
        raise MailplanError(Msg(
            "domain {domain}: no _mta-sts record is derived for it (it needs a `dns:` provider and must receive "
            "mail); mailplan writes the policy together with the record that announces it", domain=domain
        ))
    hosts = mx or [value.partition(" ")[2].rstrip(".") for value in sorted(mx_record.values)]
    text = mtasts.policy_text(mode, hosts, max_age)
    if (mtasts.sts_txt(text),) != txt.values:  # the file must be the very text the id was computed from
        published = repr(txt.values[0])
        raise MailplanError(Msg("domain {domain}: the policy does not match the published id {id}", domain=domain,
                                id=published))
    return text, txt.values[0]


def mta_sts(
    config: CONFIG_ARG = Path("mailplan.yaml"),
    domain: Annotated[
        list[str] | None, typer.Option("--domain", "-d", help=N_("Only this domain (repeatable)."))
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help=N_("Write DIR/<domain>/.well-known/mta-sts.txt instead of printing.")),
    ] = None,
) -> None:
    """Print (or write) the MTA-STS policy file each domain must serve at https://mta-sts.<domain>/."""
    with guarded():
        from mailplan import config as config_mod
        from mailplan.session import load_desired

        desired = load_desired(config, today(), create_keys=False, secrets=False)  # writes nothing, calls no provider
        entries = config_mod.load(config).domains
        with_sts = {d.name: d for d in entries.values() if d.spec.mta_sts is not None}
        wanted = [_alabel(d) for d in domain] if domain else sorted(with_sts)
        if not wanted:
            fail(_("{path}: no domain has an MTA-STS policy; add `mta_sts: {{mode: testing}}` to a domain first",
                   path=config))
        for name in wanted:
            if name not in entries:
                fail(_("{domain} is not a domain in {path}", domain=unicode_domain(name), path=config))
            if name not in with_sts:
                fail(_("domain {domain} has no MTA-STS policy in {path} (add `mta_sts:` to it)",
                       domain=unicode_domain(name), path=config))
        policies = []
        for name in wanted:
            sts = with_sts[name].spec.mta_sts
            assert sts is not None
            text, record = policy_for(desired, name, sts.mode, list(sts.mx), sts.max_age)
            policies.append((name, text, record))
        for name, text, record in policies:
            where = f"https://mta-sts.{name}/{WELL_KNOWN.as_posix()}"
            if out is not None:
                path = out / name / WELL_KNOWN
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomically(path, text.encode("utf-8"))  # CRLF line ends as RFC 8461 §3.2 writes them
                typer.echo(_("wrote {path}: serve it as {url}", path=path, url=where), err=True)
            elif len(policies) > 1:
                typer.echo(f"==> {name}/{WELL_KNOWN.as_posix()} <==")
                typer.echo(text, nl=False)
            else:
                typer.echo(text, nl=False)
            typer.echo(_(
                "{domain}: serve this file at {url} (HTTPS with a valid certificate for mta-sts.{name}, "
                "`Content-Type: text/plain`); _mta-sts.{name} TXT \"{record}\" announces it",
                domain=unicode_domain(name), url=where, name=name, record=record,
            ), err=True)


def register(app: typer.Typer) -> None:
    app.command("mta-sts", cls=LocalizedCommand)(mta_sts)  # the docstring: the msgid cli/main.py marks
