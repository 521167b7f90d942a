"""An RFC 1035 zone file as lines: which lines hold which record, and edits
that touch only those lines.

dnspython parses a zone into rrsets but forgets where each record stood; to
change a record while every other byte of the file stays as the person left
it (comments, order, spacing), mailplan needs the lines. ``scan`` finds them,
following the format's rules: ``$ORIGIN``, ``$TTL``, an owner left blank
meaning "the previous owner", TTL and class in either order, ``( ... )``
spanning lines, ``;`` comments outside quoted strings. The rdata itself is
parsed by dnspython. The provider checks every scan against dnspython's own
reading of the file, so a zone this scanner would misread is refused, never
edited.
"""

from __future__ import annotations

from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.ttl

from mailplan.providers.dns.values import from_rdata, relative_name


class ZoneTextError(ValueError):
    """The zone file uses something mailplan cannot edit safely, or is not valid."""


@dataclass(frozen=True)
class Token:
    text: str  # as written, quotes included
    line: int  # 0-based index into the file's lines
    start: int  # column of the first character
    end: int  # column after the last character


@dataclass(frozen=True)
class Entry:
    """One record in the file, as the lines it occupies."""

    first_line: int
    last_line: int  # inclusive
    owner: dns.name.Name  # absolute
    owner_written: bool  # False when the line starts blank and inherits the previous owner
    ttl: int
    rtype: str
    rdata_tokens: tuple[Token, ...]
    origin: dns.name.Name  # the $ORIGIN in force on this line
    value: str  # the rdata in mailplan's value form (see values.py)


@dataclass(frozen=True)
class _Statement:
    first_line: int
    last_line: int
    tokens: tuple[Token, ...]
    starts_blank: bool


def scan(text: str, zone: str) -> list[Entry]:
    """Every record of the zone file ``text`` of ``zone`` (A-label), with where it stands."""
    origin = dns.name.from_text(zone)
    default_ttl: int | None = None
    last_ttl: int | None = None
    last_owner: dns.name.Name | None = None
    entries: list[Entry] = []
    for statement in _statements(text.splitlines(keepends=True)):
        words = [t.text for t in statement.tokens]
        where = f"line {statement.first_line + 1}"
        if words[0].startswith("$") and not statement.starts_blank:
            directive = words[0].upper()
            if directive == "$ORIGIN" and len(words) >= 2:
                origin = _name(words[1], origin, where)
            elif directive == "$TTL" and len(words) >= 2:
                default_ttl = _ttl(words[1], where)
            else:
                raise ZoneTextError(f"{where}: {words[0]} is not supported; mailplan edits self-contained zone files")
            continue
        index = 0
        if statement.starts_blank:
            if last_owner is None:
                raise ZoneTextError(f"{where}: a record without an owner name comes first")
            owner = last_owner
        else:
            owner = _name(words[0], origin, where)
            index = 1
        ttl: int | None = None
        for _ in range(2):  # TTL and class, in either order, both optional
            if index < len(words) and words[index][:1].isdigit():
                ttl = _ttl(words[index], where)
                index += 1
            elif index < len(words) and _is_class(words[index]):
                index += 1
        if index >= len(words):
            raise ZoneTextError(f"{where}: no record type")
        rtype = words[index].upper()
        rdata_tokens = statement.tokens[index + 1 :]
        rdata = _rdata(rtype, " ".join(t.text for t in rdata_tokens), origin, where)
        if ttl is None:
            ttl = default_ttl if default_ttl is not None else last_ttl
            if ttl is None and rtype == "SOA":
                ttl = int(getattr(rdata, "minimum", 0))
            if ttl is None:
                raise ZoneTextError(f"{where}: no TTL and no $TTL before it")
        else:
            last_ttl = ttl
        last_owner = owner
        entries.append(
            Entry(
                first_line=statement.first_line,
                last_line=statement.last_line,
                owner=owner,
                owner_written=not statement.starts_blank,
                ttl=ttl,
                rtype=rtype,
                rdata_tokens=rdata_tokens,
                origin=origin,
                value=from_rdata(rdata),
            )
        )
    return entries


def name_in_zone(entry: Entry, zone: str) -> str:
    """The entry's owner relative to the zone, ``@`` for the apex."""
    return relative_name(entry.owner.to_text(), zone)


def _statements(lines: list[str]) -> list[_Statement]:
    """Group lines into statements: one line each, or more while a ``(`` is open."""
    statements: list[_Statement] = []
    depth = 0
    tokens: list[Token] = []
    first = 0
    for number, line in enumerate(lines):
        if depth == 0:
            first = number
            tokens = []
        depth = _tokenize(line, number, depth, tokens)
        if depth == 0 and tokens:
            starts_blank = lines[first][:1] in (" ", "\t")
            statements.append(_Statement(first, number, tuple(tokens), starts_blank))
    if depth != 0:
        raise ZoneTextError(f"line {first + 1}: '(' is never closed")
    return statements


def _tokenize(line: str, number: int, depth: int, out: list[Token]) -> int:
    """Append the tokens of ``line`` to ``out``; return the parenthesis depth after it."""
    i = 0
    while i < len(line):
        char = line[i]
        if char in " \t\r\n":
            i += 1
        elif char == ";":
            break
        elif char in "()":
            depth += 1 if char == "(" else -1
            if depth < 0:
                raise ZoneTextError(f"line {number + 1}: ')' without '('")
            i += 1
        else:
            end = _token_end(line, i, number)
            out.append(Token(line[i:end], number, i, end))
            i = end
    return depth


def _token_end(line: str, start: int, number: int) -> int:
    if line[start] == '"':
        i = start + 1
        while i < len(line) and line[i] not in '"\n':
            i += 2 if line[i] == "\\" else 1
        if i >= len(line) or line[i] != '"':
            raise ZoneTextError(f"line {number + 1}: a quoted string is not closed on its line")
        return i + 1
    i = start
    while i < len(line) and line[i] not in ' \t\r\n;()"':
        i += 2 if line[i] == "\\" else 1
    return min(i, len(line))


def _name(text: str, origin: dns.name.Name, where: str) -> dns.name.Name:
    try:
        return origin if text == "@" else dns.name.from_text(text, origin)
    except dns.exception.DNSException as exc:
        raise ZoneTextError(f"{where}: bad name {text!r}: {exc}") from None


def _ttl(text: str, where: str) -> int:
    try:
        return int(dns.ttl.from_text(text))
    except dns.exception.DNSException as exc:
        raise ZoneTextError(f"{where}: bad TTL {text!r}: {exc}") from None


def _is_class(word: str) -> bool:
    try:
        dns.rdataclass.from_text(word)
    except dns.exception.DNSException:
        return False
    return True


def _rdata(rtype: str, text: str, origin: dns.name.Name, where: str) -> dns.rdata.Rdata:
    try:
        return dns.rdata.from_text(dns.rdataclass.IN, rtype, text, origin=origin, relativize=False)
    except (dns.exception.DNSException, ValueError) as exc:
        raise ZoneTextError(f"{where}: bad {rtype} record: {exc}") from None
