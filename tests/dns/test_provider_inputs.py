"""The inputs the DNS template table lists under a provider are settings that provider accepts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mailplan.config import compile_config, load
from mailplan.dns.templates import TEMPLATES
from mailplan.model.objects import Record
from mailplan.providers.registry import provider_class

CONFIG = """\
version: 1
organization: {{name: Example, primary_domain: example.com}}
providers:
  mail: {{type: alibaba-mail, client_id: app, client_secret: env:ALIMAIL_SECRET{extra}}}
  dns: {{type: zonefile, directory: zones}}
domains:
  example.com: {{mail: mail, dns: dns}}
"""


@pytest.mark.parametrize(("extra", "hosts"), [
    ("", ["mx1.qiye.aliyun.com.", "mx2.qiye.aliyun.com.", "mx3.qiye.aliyun.com."]),
    (", mx_form: legacy", ["mxn.mxhichina.com.", "mxw.mxhichina.com."]),
])  # fmt: skip
def test_alibaba_mail_takes_the_mx_form_the_template_table_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str, hosts: list[str]
) -> None:
    monkeypatch.setenv("ALIMAIL_SECRET", "s3cr3t-for-the-test")
    (tmp_path / "mailplan.yaml").write_text(CONFIG.format(extra=extra), encoding="utf-8")
    desired = compile_config(load(tmp_path / "mailplan.yaml"), dt.date(2026, 12, 7))
    (mx,) = [r for r in desired.objects["dns"] if isinstance(r, Record) and r.rtype == "MX"]
    assert sorted(v.split()[1] for v in mx.values) == hosts


def test_every_template_input_is_a_setting_of_its_provider() -> None:
    """An input the table documents (other than the domain's own dkim.*) must not be refused by validate."""
    for template in TEMPLATES.values():
        model = provider_class(template.type).SETTINGS_MODEL
        assert model is not None
        for given in template.inputs:
            if not given.key.startswith("dkim."):
                assert given.key in model.model_fields, f"{template.type}: `{given.key}` is no setting of the provider"
