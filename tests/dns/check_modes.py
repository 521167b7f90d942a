"""Config mode and ``--domain`` mode of ``check`` over the same live zone: where the config matches what is live,
both must say the same of every rule they both run, and the rules only a config can run (the comparisons) pass."""

from __future__ import annotations

from typing import Any

CONFIG_ONLY = {"SPF16", "MX06", "DK01", "AD01", "AD04", "CFG01", "STS06", "POL01"}


def verdicts(report: dict[str, Any], domain: str) -> dict[str, list[tuple[str, str, str]]]:
    (found,) = [d for d in report["domains"] if d["domain"] == domain]
    out: dict[str, list[tuple[str, str, str]]] = {}
    for f in found["findings"]:
        out.setdefault(f["rule"], []).append((f["status"], f["severity"], f["message"]))
    return out


def disagreements(config_report: dict[str, Any], domain_report: dict[str, Any], domain: str) -> list[str]:
    """What the two modes say differently about ``domain`` ([] when they agree)."""
    with_config, without = verdicts(config_report, domain), verdicts(domain_report, domain)
    out = [f"{rule}: config {with_config.get(rule)} vs --domain {without.get(rule)}"
           for rule in sorted(set(with_config) | set(without) - CONFIG_ONLY)
           if rule not in CONFIG_ONLY and with_config.get(rule) != without.get(rule)]
    out += [f"{rule} (config only): {with_config[rule]}" for rule in sorted(CONFIG_ONLY & set(with_config))
            if {status for status, _, _ in with_config[rule]} != {"pass"}]
    return out
