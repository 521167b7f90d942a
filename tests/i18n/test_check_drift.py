"""The auditor's DNS check and drift in both languages: ``check`` on zones ``apply`` wrote to a real BIND
(the text, markdown and HTML reports; the HTML drawn by headless Chromium with a CJK font), and ``drift`` on the
example company after its apply. Nothing of the other language in the report frame and the rule titles; JSON and
exit codes the same in both.

Every finding's message is translated, and so are the words a rule writes as expected or found (``(none)``,
``2048 bits``): only record values, names and places are data to this test (``_findings``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import dns.query
import dns.rcode
import dns.update
import pytest
from typer.testing import CliRunner, Result

from mailplan import i18n
from mailplan.cli.main import build
from servers.bind import BindServer, start_bind
from servers.dns_lab import ZONES, add, lab_config

from .browser import Browser
from .conftest import History
from .leftover import chinese_left, english_left, visible_text

pytestmark = pytest.mark.realstack

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
OUTSIDE = "  - {address: boss, to: [zhangsan.home@qq.com]}\n"  # an alias to an outside address: POL01


def _config(server: BindServer) -> str:
    return lab_config(server, dmarc_policy="none", aliases=OUTSIDE)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """Zones written by apply; DMARC ``p=none`` leaves a finding to show."""
    folder = tmp_path_factory.mktemp("check")
    with start_bind(ZONES) as server:
        add(server, "ci.test", "mx", "A", "192.0.2.25")  # the MX host's address: BIND refuses an MX without it
        config = folder / "mailplan.yaml"
        config.write_text(_config(server), encoding="utf-8")
        applied = CliRunner().invoke(build(), ["apply", str(config), "--auto-approve"],
                                     env={"MAILPLAN_TEST_TSIG": server.key_secret, "MAILPLAN_LANG": "en"})
        assert applied.exit_code == 0, applied.output
        yield config, f"{server.host}:{server.port}"


def _check(lab: tuple[Path, str], lang: str, *args: str) -> Result:
    config, ns = lab
    return CliRunner().invoke(build(), ["check", str(config), "--nameserver", ns, *args],
                              env={"MAILPLAN_LANG": lang, "MAILPLAN_TEST_TSIG": None})


def _findings(report: dict[str, object]) -> set[str]:
    """What the report holds that is data here: names, places and record values — never a message, nor an
    expected or found text the catalog translates (``(none)``, ``2048 bits``)."""
    out = {str(report["nameserver"])}
    for domain in report["domains"]:  # type: ignore[attr-defined]
        out.add(domain["domain"])
        for f in domain["findings"]:
            values = [str(f[k]) for k in ("name", "expected", "found") if f.get(k)]
            # a pass joins its finds with "; ", a find may say what it counted after ": "
            pieces = {piece for value in values for piece in value.split("; ")}
            parts = {*values, *pieces, *(part for piece in pieces for part in piece.split(": "))}
            out.update(part for part in parts if not _translated(part))
    return out


def _translated(text: str) -> bool:
    """Whether the catalog has ``text`` (or a sentence it fits) in Chinese: then it is words, not data."""
    before = i18n.language()
    try:
        i18n.select(i18n.CHINESE)
        return i18n.localized(text) != text
    finally:
        i18n.select(before)


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_check_speaks_either_language(lab: tuple[Path, str], fmt: str) -> None:
    en, zh = (_check(lab, lang, "--format", fmt) for lang in ("en", "zh-CN"))
    assert en.exit_code == zh.exit_code, en.output
    keep = _findings(json.loads(_check(lab, "en", "--format", "json").stdout)) | {str(lab[0]), "boss"}
    english, chinese = en.stdout, zh.stdout
    if fmt == "html":
        english, chinese = visible_text(english), visible_text(chinese)
    assert english_left(chinese, keep) == [], chinese
    assert chinese_left(english, keep) == [], english
    assert "ci.test — 收发邮件" in chinese and "ci.test — sends and receives mail" in english
    assert "DMARC 策略生效" in chinese and "DMARC policy enforces" in english  # DM05: p=none is a warning
    assert "只做监测：伪造的邮件仍会被投递" in chinese and "only monitors: spoofed mail is still delivered" in english
    assert "检查了 2 个域名" in chinese and "2 domains checked via" in english
    assert "POL01" in chinese and "zhangsan.home@qq.com" in chinese  # the config's warning, translated
    assert "这是个人免费邮箱地址" in chinese and "a personal free-mail address" in english


def test_check_says_in_either_language_that_a_key_file_is_not_on_this_machine(
    lab: tuple[Path, str], tmp_path: Path
) -> None:
    """The config copied where its DKIM key was never made: DK01 is not checked, and says why."""
    elsewhere = tmp_path / "mailplan.yaml"
    elsewhere.write_text(lab[0].read_text(encoding="utf-8"), encoding="utf-8")
    copy = (elsewhere, lab[1])
    en, zh = (_check(copy, lang) for lang in ("en", "zh-CN"))
    assert en.exit_code == zh.exit_code, en.output
    key_file = re.search(r"the key file (\S+) is not on this machine", en.stdout)
    assert key_file is not None and "不在本机上" in zh.stdout, en.stdout + zh.stdout
    keep = _findings(json.loads(_check(copy, "en", "--format", "json").stdout)) | {key_file[1], "boss"}
    assert english_left(zh.stdout, keep) == [], zh.stdout
    assert chinese_left(en.stdout, keep) == [], en.stdout


def test_check_rule_ids_json_and_exit_codes_do_not_change(lab: tuple[Path, str]) -> None:
    en, zh = (_check(lab, lang, "--format", "json") for lang in ("en", "zh-CN"))
    assert en.exit_code == zh.exit_code and en.stdout == zh.stdout
    titles = {f["title"] for d in json.loads(zh.stdout)["domains"] for f in d["findings"]}
    assert "DMARC policy enforces (not p=none)" in titles  # JSON keeps the English title
    text = _check(lab, "zh-CN").stdout
    assert re.findall(r"\b[A-Z]{2,4}\d\d\b", text) == re.findall(r"\b[A-Z]{2,4}\d\d\b", _check(lab, "en").stdout)


def test_chromium_draws_the_chinese_check_report_with_a_cjk_font(lab: tuple[Path, str], tmp_path: Path) -> None:
    shown = _check(lab, "zh-CN", "--format", "html")
    page = tmp_path / "check.html"
    page.write_text(shown.stdout, encoding="utf-8")
    keep = _findings(json.loads(_check(lab, "en", "--format", "json").stdout)) | {"boss"}
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(page)
        assert browser.evaluate("document.documentElement.lang") == "zh-CN"
        browser.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; }), 1")
        text = browser.evaluate("document.body.innerText")
        assert "邮件 DNS 检查" in text and "项检查通过" in text
        assert english_left(text, keep) == [], text
        drawn = [(own, fonts) for own, fonts in browser.fonts("h1, h2, th, td, summary, li") if CJK.search(own)]
        assert len(drawn) > 10, drawn
        for own, fonts in drawn:
            by_cjk_font = sum(f["glyphCount"] for f in fonts if "CJK" in f["familyName"])
            assert by_cjk_font >= len(CJK.findall(own)), (own, fonts)
    finally:
        browser.close()


def test_drift_exit_codes_and_json_do_not_change_with_the_language(history: History) -> None:
    en, zh = (history.run("drift", str(history.config), *args, lang=lang)
              for lang in ("en", "zh-CN") for args in [("--format", "json")])
    # the two runs may fall in different seconds: the plan's creation time is the one field that may differ
    english, chinese = ({k: v for k, v in json.loads(r.stdout).items() if k != "created_at"} for r in (en, zh))
    assert en.exit_code == zh.exit_code and english == chinese


# records written by hand, with syntax errors SPF10 and DM04 quote (an include without its domain, an address that is
# none, a missing space before ~all, an unknown mechanism; a policy, a percentage and a report URI no receiver accepts,
# a tag twice, a part that is no tag=value pair)
BAD_SPF = "v=spf1 mx include ip4:300.1.2.3 ip4:192.0.2.1~all foo:bar all:x ?all"
BAD_DMARC = "v=DMARC1; p=maybe; pct=200; rua=reports@bad.test; p=reject; nonsense"
BAD_STS = "v=STSv1; nonsense; id=a; id=not_ok!"  # STS01: a part, a tag twice, an id that is none
BAD_TLSRPT = "v=TLSRPTv1; rua=reports@bad.test"  # RPT01: an address where a URI belongs


def test_check_quotes_spf_and_dmarc_syntax_errors_in_either_language(tmp_path: Path) -> None:
    """A zone edited by hand with broken SPF and DMARC records: every syntax error SPF10 and DM04 find is said in the
    reader's language, the record's own terms quoted as written; JSON and the exit code the same in both."""
    with start_bind(("bad.test",)) as server:
        update = dns.update.UpdateMessage("bad.test", keyring=server.keyring, keyname=server.key_name,
                                          keyalgorithm=server.key_algorithm)
        update.add("@", 3600, "MX", "10 mx.bad.test.")
        update.add("mx", 3600, "A", "192.0.2.25")
        update.add("@", 3600, "TXT", f'"{BAD_SPF}"')
        update.add("_dmarc", 3600, "TXT", f'"{BAD_DMARC}"')
        update.add("_mta-sts", 3600, "TXT", f'"{BAD_STS}"')
        update.add("_smtp._tls", 3600, "TXT", f'"{BAD_TLSRPT}"')
        assert dns.query.tcp(update, server.host, port=server.port, timeout=5).rcode() == dns.rcode.NOERROR
        config = tmp_path / "mailplan.yaml"
        config.write_text(_config(server).replace("ci.test", "bad.test").replace(
            "  ci-parked.test: {mail: mail, dns: dns, sends_mail: false, receives_mail: false}\n", ""),
            encoding="utf-8")  # fmt: skip
        lab = (config, f"{server.host}:{server.port}")
        runs = {lang: _check(lab, lang) for lang in ("en", "zh-CN")}
        jsons = {lang: _check(lab, lang, "--format", "json") for lang in ("en", "zh-CN")}
    en, zh = runs["en"], runs["zh-CN"]
    assert en.exit_code == zh.exit_code == jsons["en"].exit_code == jsons["zh-CN"].exit_code == 2, en.output
    assert jsons["en"].stdout == jsons["zh-CN"].stdout
    findings = [f for d in json.loads(jsons["en"].stdout)["domains"] for f in d["findings"]]
    said = {f["rule"]: [g["message"] for g in findings if g["rule"] == f["rule"] and g["status"] == "fail"]
            for f in findings}  # fmt: skip
    assert "'ip4:192.0.2.1~all': '192.0.2.1~all' is not a valid ip4 address or network (a space is missing " \
           "before the 'all')" in said["SPF10"]  # fmt: skip
    assert "'include': 'include' needs ':domain'" in said["SPF10"] and "'foo:bar': unknown mechanism 'foo'" in \
           said["SPF10"]  # fmt: skip
    assert "p=maybe: must be one of none, quarantine, reject" in said["DM04"] and "pct=200: must be 0-100" in \
           said["DM04"] and "tag 'p' appears more than once" in said["DM04"]  # fmt: skip
    assert len(said["SPF10"]) >= 5 and len(said["DM04"]) >= 5, said
    assert "id=not_ok!: must be 1-32 letters or digits" in said["STS01"], said
    assert "rua: 'reports@bad.test' is not a mailto: or https: URI" in said["RPT01"], said
    assert "id=not_ok!：必须是 1 到 32 个字母或数字" in zh.stdout
    assert "'192.0.2.1~all' 不是有效的 ip4 地址或网段（'all' 前面少了一个空格）" in zh.stdout
    assert "标签 'p' 出现了不止一次" in zh.stdout and "pct=200：必须是 0 到 100 之间的整数" in zh.stdout
    keep = _findings(json.loads(jsons["en"].stdout)) | {str(config), "boss"}
    # the records' own words, which the messages quote as written (a tag and its value, a mechanism's name)
    keep |= {*BAD_SPF.split(), *(p.strip() for r in (BAD_DMARC, BAD_STS, BAD_TLSRPT) for p in r.split(";")),
             "ip4", "include", "foo", "p", "rua"}
    keep |= {"none", "quarantine", "reject"}  # the values a DMARC policy may take: identifiers, typed as they are
    key_file = re.search(r"the key file (\S+) is not on this machine", en.stdout)  # DK: a key made elsewhere
    keep |= {key_file[1]} if key_file else set()
    assert english_left(zh.stdout, keep) == [], zh.stdout
    assert chinese_left(en.stdout, keep) == [], en.stdout
