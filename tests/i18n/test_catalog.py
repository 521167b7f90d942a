"""The catalogs: every English message marked in src/ has its Chinese, the compiled .mo is the .po's,
placeholders match, and the words are the glossary's (docs/i18n.md says how to fix each failure)."""

from __future__ import annotations

import contextlib
import dataclasses
import gettext
import io
import re
import string
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from mailplan.model.change import Action
from mailplan.model.objects import KINDS
from mailplan.render import labels

ROOT = Path(__file__).parents[2]
SRC = ROOT / "src" / "mailplan"
LOCALE = SRC / "locale" / "zh_CN"
PO, MO = LOCALE / "LC_MESSAGES" / "mailplan.po", LOCALE / "LC_MESSAGES" / "mailplan.mo"
ALLOWANCE = LOCALE / "untranslated.txt"
GLOSSARY = ROOT / "docs" / "zh-CN" / "glossary.md"
FIX = "run scripts/i18n update, translate in the .po, then scripts/i18n compile (docs/i18n.md)"

Key = tuple[str, str | None]  # (msgid, context)


def _extracted(src: Path = SRC) -> dict[Key, list[str]]:
    """Babel's extraction over src/ with the project's configuration ([tool.babel] in pyproject.toml):
    every marked message and where it is. A marked f-string cannot be extracted: it fails here."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["babel"]
    (mapping,) = config["mappings"]
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(mapping["keywords"])}
    found: dict[Key, list[str]] = {}
    warnings = io.StringIO()
    with contextlib.redirect_stderr(warnings):
        for filename, lineno, message, _comments, context in extract_from_dir(
            src, [(mapping["pattern"], mapping["method"])], {mapping["pattern"]: {}}, keywords=keywords,
        ):  # fmt: skip
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault((msgid, context), []).append(f"src/mailplan/{filename}:{lineno}")
    assert "warning" not in warnings.getvalue(), warnings.getvalue()
    return found


@pytest.fixture(scope="module")
def extracted() -> dict[Key, list[str]]:
    return _extracted()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    with PO.open("rb") as fh:
        return read_po(fh, locale="zh_CN")


def _messages(catalog: Catalog) -> Iterator[Message]:
    return (m for m in catalog if m.id)


def _key(message: Message) -> Key:
    return (message.id[0] if isinstance(message.id, tuple) else message.id, message.context)


def _translations(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def _allowed() -> set[str]:
    """The reviewed allowance: msgids that may stay untranslated for now, one a line (# lines say why)."""
    lines = ALLOWANCE.read_text(encoding="utf-8").splitlines()
    return {line.replace("\\n", "\n") for line in lines if line.strip() and not line.startswith("#")}


def test_every_marked_message_has_its_chinese(extracted: dict[Key, list[str]], catalog: Catalog) -> None:
    problems = _untranslated(extracted, catalog)
    assert not problems, f"{FIX}:\n" + "\n".join(problems)


def test_a_new_message_without_chinese_is_caught(tmp_path: Path, catalog: Catalog) -> None:
    """What a developer meets: a new marked message (each way of marking), and a marked f-string."""
    (tmp_path / "new.py").write_text(
        'from mailplan.i18n import Msg, N_, _, ngettext, plural_msg\n'
        'A = N_("a brand new constant")\n'
        'def f(n: int) -> None:\n'
        '    _("left the organization"), _("a brand new message {x}", x=1), Msg("a brand new lazy one")\n'
        '    ngettext("{count} new thing", "{count} new things", n), plural_msg("{count} lazy", "{count} lazies", n)\n',
        encoding="utf-8",
    )  # fmt: skip
    problems = _untranslated(_extracted(tmp_path), catalog)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "'a brand new constant' is not in the catalog", "'a brand new message {x}' is not in the catalog",
        "'a brand new lazy one' is not in the catalog", "'{count} new thing' is not in the catalog",
        "'{count} lazy' is not in the catalog",
    ]  # fmt: skip
    (tmp_path / "new.py").write_text('from mailplan.i18n import _\nx = 1\n_(f"no {x}")\n', encoding="utf-8")
    with pytest.raises(AssertionError, match="Skipping f-string"):
        _extracted(tmp_path)


def _untranslated(extracted: dict[Key, list[str]], catalog: Catalog) -> list[str]:
    entries = {_key(m): m for m in _messages(catalog)}
    allowed = _allowed()
    problems = []
    for key, where in sorted(extracted.items(), key=lambda item: item[1]):
        if key[0] in allowed:
            continue
        message = entries.get(key)
        if message is None:
            problems.append(f"{where[0]}: {key[0]!r} is not in the catalog")
        elif message.fuzzy or not all(_translations(message)):
            problems.append(f"{where[0]}: {key[0]!r} is {'fuzzy' if message.fuzzy else 'untranslated'}")
    return problems


def test_the_catalog_and_the_allowance_hold_nothing_stale(extracted: dict[Key, list[str]], catalog: Catalog) -> None:
    obsolete = [key[0] for key in map(_key, _messages(catalog)) if key not in extracted]
    assert not obsolete, f"no longer in the code: {obsolete}; {FIX}"
    marked = {key[0] for key in extracted}
    translated = {_key(m)[0] for m in _messages(catalog) if all(_translations(m)) and not m.fuzzy}
    allowed = _allowed()
    assert not allowed - marked, f"{ALLOWANCE.name} lists messages no longer in the code: {allowed - marked}"
    assert not allowed & translated, f"{ALLOWANCE.name} lists messages now translated: {allowed & translated}"


def test_the_committed_mo_is_the_compiled_po(catalog: Catalog) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    fresh = gettext.GNUTranslations(compiled)
    with MO.open("rb") as fh:
        committed = gettext.GNUTranslations(fh)
    # the stdlib's own reading of both: what mailplan loads at run time
    assert committed._catalog == fresh._catalog, f"{MO.name} is stale: run scripts/i18n compile"  # type: ignore[attr-defined]
    assert committed.plural(5) == 0 and "nplurals=1; plural=0" in catalog.plural_forms  # Chinese: one form


def _fields(text: str) -> list[str]:
    return sorted(f"{{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"
                  for _t, name, spec, conv in string.Formatter().parse(text) if name is not None)  # fmt: skip


def test_placeholders_match_and_are_plain_names(catalog: Catalog) -> None:
    problems = []
    for message in _messages(catalog):
        ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
        wanted = sorted(set().union(*(_fields(i) for i in ids)))  # Chinese has one form: it may say any of them
        for msgid in ids:
            odd = [f for f in _fields(msgid) if not re.fullmatch(r"\{([a-z_][a-z0-9_]*)?\}", f)]
            if odd:
                problems.append(f"{msgid!r}: placeholders are plain names, no format or conversion: {odd}")
        # a translator comment may offer more ({month} besides {mm} in a date pattern): any of those may be used
        offered = set(wanted) | set(re.findall(r"\{[a-z_]+\}", " ".join(message.auto_comments)))
        for text in _translations(message):
            used = set(_fields(text))
            if text and used != set(wanted) and not (offered != set(wanted) and used <= offered):
                problems.append(f"{ids[0]!r}: the translation has {sorted(used)}, the English {wanted}")
    assert not problems, "\n".join(problems)


def test_every_action_kind_and_attribute_of_the_model_has_a_label() -> None:
    attributes = {f.name for kind in KINDS.values() for f in dataclasses.fields(kind)}
    assert {a.value for a in Action} <= set(labels.ACTIONS)
    assert set(KINDS) <= set(labels.KINDS), set(KINDS) - set(labels.KINDS)
    assert attributes <= set(labels.ATTRIBUTES), attributes - set(labels.ATTRIBUTES)


# --- the glossary ----------------------------------------------------------------------------------------


def _glossary() -> tuple[list[tuple[list[str], str]], set[tuple[str, str]]]:
    """The terms (English forms, Chinese term) and the exceptions (msgid, English term), from the tables."""
    terms: list[tuple[list[str], str]] = []
    exceptions: set[tuple[str, str]] = set()
    section = ""
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) < 2 or set(cells[0]) <= {"-", " ", ":"} or cells[0] in ("English", "msgid"):
            continue
        if "例外" in section:
            exceptions.add((cells[0].strip("`"), cells[1].strip("`")))
        else:
            terms.append(([form.strip() for form in cells[0].split("/")], cells[1].split("/")[0].strip()))
    return terms, exceptions


_CODE = re.compile(r"`[^`]*`|\{[^}]*\}|--?[\w-]+|\w*_\w*|\w+:\w+")  # code, placeholders, options, identifiers


def test_translations_use_the_glossary_terms(catalog: Catalog) -> None:
    problems = _off_glossary(catalog)
    assert not problems, "\n".join(problems)


def test_the_glossary_check_catches_another_word() -> None:
    catalog = Catalog(locale="zh_CN")
    catalog.add("freeze mailbox {address}", "停用信箱 {address}")  # the consoles say 冻结 and 邮箱
    catalog.add("alias domain", "别名域")  # 域名 is not required inside 别名域: the longer term wins
    catalog.add("--expect-head: {path} does not hold a head: expected SEQ:HASH, e.g. 42:9f86d081884c7d65…",
                "--expect-head：{path} 中没有日志头：应为 SEQ:HASH")  # an exception in the glossary
    assert _off_glossary(catalog) == [
        "'freeze mailbox {address}': 'mailbox' is '邮箱' in the glossary, not in '停用信箱 {address}'",
        "'freeze mailbox {address}': 'freeze' is '冻结' in the glossary, not in '停用信箱 {address}'",
    ]


def _off_glossary(catalog: Catalog) -> list[str]:
    terms, exceptions = _glossary()
    assert len(terms) >= 20, "the glossary table was not read"
    problems = []
    for message in _messages(catalog):
        msgid = _key(message)[0]
        text = " ".join(list(message.id) if isinstance(message.id, tuple) else [message.id])
        text = _CODE.sub(" ", text)
        translation = " ".join(_translations(message))
        for forms, chinese in sorted(terms, key=lambda t: -max(map(len, t[0]))):  # "alias domain" before "domain"
            pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, forms)) + r")(?![\w-])", re.IGNORECASE)
            if not pattern.search(text):
                continue
            text = pattern.sub(" ", text)
            if chinese not in translation and (msgid, forms[0]) not in exceptions:
                problems.append(f"{msgid!r}: {forms[0]!r} is {chinese!r} in the glossary, not in {translation!r}")
    return problems
