"""PyYAML's error sentences as our messages: its own are English only, and a reader may not read English.

Each sentence PyYAML writes is listed here as a msgid (the same English), so a Chinese run shows
its translation; what PyYAML quotes (a character, a token such as ``'<block mapping start>'``, an
anchor) is data, the ``{token}``. A sentence not listed stays PyYAML's own.
"""

from __future__ import annotations

import re

from mailplan.i18n import N_, Msg

_KNOWN = [
    N_("found character {token} that cannot start any token"),
    N_("mapping values are not allowed here"),
    N_("could not find expected ':'"),
    N_("found unexpected end of stream"),
    N_("found unexpected ':'"),
    N_("found unknown escape character {token}"),
    N_("sequence entries are not allowed here"),
    N_("mapping keys are not allowed here"),
    N_("expected a comment or a line break, but found {token}"),
    N_("expected '<document start>', but found {token}"),
    N_("found unexpected document separator"),
    N_("invalid indentation or unclosed '[' or '{{'"),
    N_("expected chomping or indentation indicators, but found {token}"),
    N_("expected indentation indicator in the range 1-9, but found 0"),
    N_("expected URI, but found {token}"),
    N_("expected '!', but found {token}"),
    N_("expected '>', but found {token}"),
    N_("found non-specific tag '!'"),
    N_("found duplicate key"),
    N_("while composing a mapping"),
    N_("expected alphabetic or numeric character, but found {token}"),
    N_("expected ' ', but found {token}"),
    N_("expected <block end>, but found {token}"),
    N_("expected <document start>, but found {token}"),
    N_("expected ',' or ']', but got {token}"),
    N_("expected ',' or '}}', but got {token}"),
    N_("expected the node content, but found {token}"),
    N_("found undefined tag handle {token}"),
    N_("found undefined alias {token}"),
    N_("found duplicate anchor {token}; first occurrence"),
    N_("second occurrence"),
    N_("expected a single document in the stream"),
    N_("but found another document"),
    N_("found a tab character that violates indentation"),
    N_("found a tab character where an indentation space is expected"),
    N_("while scanning a simple key"),
    N_("while scanning a quoted scalar"),
    N_("while scanning a double-quoted scalar"),
    N_("while scanning a plain scalar"),
    N_("while scanning a block scalar"),
    N_("while scanning an alias"),
    N_("while scanning an anchor"),
    N_("while scanning a directive"),
    N_("while scanning a tag"),
    N_("while scanning for the next token"),
    N_("while parsing a block mapping"),
    N_("while parsing a block collection"),
    N_("while parsing a flow sequence"),
    N_("while parsing a flow mapping"),
    N_("while parsing a block node"),
    N_("while parsing a flow node"),
    N_("while parsing a node"),
    N_("invalid YAML"),
]
_TOKEN = r"(?P<token>'[^']*'|\"[^\"]*\"|<[^>]*>|\S+)"


def _pattern(msgid: str) -> re.Pattern[str]:
    text = msgid.replace("{token}", "\0").replace("{{", "{").replace("}}", "}")
    return re.compile(re.escape(text).replace("\0", _TOKEN))


_COMPILED = [(_pattern(msgid), msgid) for msgid in _KNOWN]


def yaml_words(text: str) -> str:
    """PyYAML's ``text`` as our ``Msg`` (the same English) when the sentence is known; else as it is."""
    for pattern, msgid in _COMPILED:
        match = pattern.fullmatch(text.strip())
        if match:
            return Msg(msgid, **match.groupdict())
    return text
