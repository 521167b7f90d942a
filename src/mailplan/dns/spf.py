"""SPF: parsing terms, composing the one record a domain publishes, counting DNS lookups.

Composition merges every source (the mail provider's mechanisms, the config's
extra senders) into exactly one record. Lookups are counted recursively
through ``include``/``redirect`` when a resolver is given; mailplan never
flattens includes into IP lists behind the user's back — too many lookups is
an error that names the chain and what to drop.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from mailplan.i18n import Msg

MAX_LOOKUPS = 10  # RFC 7208 §4.6.4
MAX_VOID_LOOKUPS = 2
MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
LOOKUP_TERMS = ("include", "a", "mx", "ptr", "exists", "redirect")
_TERM = re.compile(r"^(?P<q>[-+~?]?)(?P<name>[A-Za-z][A-Za-z0-9_.-]*)(?P<sep>[:=/]?)(?P<rest>.*)$")


@dataclass(frozen=True)
class Term:
    text: str
    qualifier: str  # "+", "-", "~", "?" ("" when written bare, which means "+")
    name: str  # lower-case mechanism or modifier name
    value: str  # what follows ":" or "=", or the "/cidr" part
    modifier: bool

    @property
    def target(self) -> str | None:
        """The domain a lookup term queries (None: the current domain, or not a domain term)."""
        if self.modifier:
            return self.value or None
        if self.name in ("include", "exists", "a", "mx", "ptr") and self.value and not self.value.startswith("/"):
            return self.value.split("/", 1)[0]
        return None


@dataclass
class Parsed:
    terms: list[Term] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def mechanisms(self, name: str) -> list[Term]:
        return [t for t in self.terms if t.name == name and not t.modifier]

    def modifier(self, name: str) -> list[Term]:
        return [t for t in self.terms if t.name == name and t.modifier]


def is_spf(value: str) -> bool:
    """True for a TXT value that is an SPF record (exactly ``v=spf1`` then a space or the end)."""
    return value.lower() == "v=spf1" or value.lower().startswith("v=spf1 ")


def parse(record: str) -> Parsed:
    """Split an SPF record into terms, collecting syntax errors (RFC 7208 §4.6.1, §12)."""
    out = Parsed()
    words = record.split(" ")
    if not words or words[0].lower() != "v=spf1":
        out.errors.append(Msg("the record does not start with 'v=spf1 '"))
    for word in words[1:]:
        if word == "":
            continue
        term = _parse_term(word, out.errors)
        if term is not None:
            out.terms.append(term)
    for name in ("redirect", "exp"):
        if len(out.modifier(name)) > 1:
            out.errors.append(Msg("'{name}=' appears more than once", name=name))
    if len(out.mechanisms("all")) > 1:
        out.errors.append(Msg("'all' appears more than once"))
    return out


def _parse_term(word: str, errors: list[str]) -> Term | None:
    m = _TERM.match(word)
    if not m:
        errors.append(Msg("'{word}' is not an SPF term", word=word))
        return None
    q, name, sep, rest = m["q"], m["name"].lower(), m["sep"], m["rest"]
    if sep == "=":
        if q:
            errors.append(Msg("'{word}': a modifier takes no qualifier", word=word))
        if not rest:
            errors.append(Msg("'{word}': '{name}=' needs a value", word=word, name=name))
        return Term(word, "", name, rest, True)
    if name not in MECHANISMS:
        errors.append(Msg("'{word}': unknown mechanism '{name}'", word=word, name=name))
        return None
    if not sep and rest:
        if _runs_on(rest):
            errors.append(Msg("'{word}': unexpected '{rest}' after '{name}' (a space is missing before the 'all')",
                              word=word, rest=rest, name=name))
        else:
            errors.append(Msg("'{word}': unexpected '{rest}' after '{name}'", word=word, rest=rest, name=name))
        return None
    value = rest if sep == ":" else (sep + rest if sep == "/" else "")
    _check_value(word, name, sep, value, errors)
    return Term(word, q, name, value, False)


def _check_value(word: str, name: str, sep: str, value: str, errors: list[str]) -> None:
    if name == "all" and sep:
        errors.append(Msg("'{word}': 'all' takes no value", word=word))
    elif name in ("include", "exists") and (sep != ":" or not value):
        errors.append(Msg("'{word}': '{name}' needs ':domain'", word=word, name=name))
    elif name in ("ip4", "ip6"):
        if sep != ":" or not value:
            errors.append(Msg("'{word}': '{name}' needs an address", word=word, name=name))
        elif "%" in value:
            errors.append(Msg("'{word}': macros are not allowed in {name}", word=word, name=name))
        else:
            try:
                net = ipaddress.ip_network(value, strict=False)
            except ValueError:
                errors.append(_not_a_network(word, name, value))
                return
            if (name == "ip4") != (net.version == 4):
                errors.append(Msg("'{word}': '{value}' is not an {name} address", word=word, value=value, name=name))
    elif _runs_on(value):
        errors.append(Msg("'{word}': a space is missing before the 'all'", word=word))


def _not_a_network(word: str, name: str, value: str) -> Msg:
    if _runs_on(value):
        return Msg("'{word}': '{value}' is not a valid {name} address or network (a space is missing before the "
                   "'all')", word=word, value=value, name=name)  # fmt: skip
    return Msg("'{word}': '{value}' is not a valid {name} address or network", word=word, value=value, name=name)


def _runs_on(text: str) -> bool:
    """Spot ``ip4:192.0.2.1~all``: two terms run together without a space."""
    return re.search(r"[-+~?]all$", text) is not None


# --- composition ---------------------------------------------------------------------------------


class SpfCompositionError(ValueError):
    """The sources do not make one valid record; the message says which term and why."""


def compose(sources: Sequence[Sequence[str]], all_term: str) -> str:
    """One ``v=spf1`` record from several lists of mechanisms, duplicates dropped, order kept."""
    if all_term not in ("-all", "~all"):
        raise SpfCompositionError(Msg("the closing term must be '-all' or '~all', not '{term}'", term=all_term))
    seen: list[str] = []
    for source in sources:
        for raw in source:
            term = raw.strip()
            if not term:
                continue
            if is_spf(term):
                raise SpfCompositionError(Msg("'{term}': give mechanisms (include:…, ip4:…), not a whole record",
                                              term=term))
            parsed = parse(f"v=spf1 {term}")
            if parsed.errors:
                raise SpfCompositionError(_with_bare_domain_hint(parsed.errors[0], term))
            if any(t.name in ("all", "redirect") for t in parsed.terms):
                raise SpfCompositionError(Msg("'{term}': the closing term is set by the config's spf 'all' setting",
                                              term=term))
            if term.lower() not in (s.lower() for s in seen):
                seen.append(term)
    return " ".join(["v=spf1", *seen, all_term])


def _with_bare_domain_hint(error: str, term: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", term):
        return Msg("{error} (did you mean 'include:{term}'?)", error=error, term=term)
    return error


# --- lookup counting -----------------------------------------------------------------------------


class LookupFailed(Exception):
    """A lookup got no answer (SERVFAIL, REFUSED, timeout, or DNS not asked): nothing is known about it.

    Unlike ``None`` (a void answer, which counts against the void-lookup limit) this is no
    answer at all, so what lies behind the term is not counted and the total is a lower bound.
    """

    def __init__(self, query: str, reason: str) -> None:
        super().__init__(f"{query}: {reason}")
        self.query = query  # e.g. "TXT spf.vendor.example"
        self.reason = reason


class Resolver(Protocol):
    """What counting needs from DNS. ``None`` means a void answer (NXDOMAIN or NODATA);
    a lookup that got no answer raises ``LookupFailed``."""

    def txt(self, name: str) -> list[str] | None: ...

    def mx_hosts(self, name: str) -> list[str] | None: ...

    def addresses(self, name: str) -> list[str] | None: ...


@dataclass
class Node:
    """One lookup-costing term and what it pulled in."""

    term: str
    domain: str  # the domain whose record holds the term
    lookups: int = 1  # this term itself
    children: list[Node] = field(default_factory=list)
    void: bool = False
    mx_count: int = 0
    problem: str = ""  # a loop, an include without SPF, a parse error
    unresolved: LookupFailed | None = None  # the lookup behind this term got no answer

    @property
    def total(self) -> int:
        return self.lookups + sum(c.total for c in self.children)

    @property
    def voids(self) -> int:
        return int(self.void) + sum(c.voids for c in self.children)

    def chain(self) -> str:
        """The heaviest path from this term down, e.g. ``include:a → include:b``."""
        if not self.children:
            return self.term
        heaviest = max(self.children, key=lambda c: c.total)
        return f"{self.term} → {heaviest.chain()}"

    def walk(self) -> list[Node]:
        return [self, *(n for c in self.children for n in c.walk())]


@dataclass
class Count:
    domain: str
    nodes: list[Node]  # one per lookup-costing top-level term
    resolved: bool  # False: nested records were not fetched (no resolver)

    @property
    def total(self) -> int:
        return sum(n.total for n in self.nodes)

    @property
    def voids(self) -> int:
        return sum(n.voids for n in self.nodes)

    @property
    def unresolved(self) -> list[Node]:
        """Terms whose lookup got no answer: what they pull in is not counted."""
        return [n for top in self.nodes for n in top.walk() if n.unresolved is not None]

    @property
    def complete(self) -> bool:
        """True when every lookup was answered, so ``total`` and ``voids`` are exact, not lower bounds."""
        return self.resolved and not self.unresolved

    def problems(self) -> list[str]:
        return [Msg("{term} (in {domain}): {problem}", term=n.term, domain=n.domain, problem=n.problem)
                for top in self.nodes for n in top.walk() if n.problem]

    def describe(self) -> str:
        parts = sorted(self.nodes, key=lambda n: -n.total)
        return ", ".join(f"{n.chain()} = {n.total}" for n in parts)


def count_lookups(record: str, domain: str, resolver: Resolver | None = None) -> Count:
    """Count the DNS lookups evaluating ``record`` for ``domain`` costs (RFC 7208 §4.6.4)."""
    return Count(domain, _count(record, domain, resolver, (domain.lower(),)), resolver is not None)


def _count(record: str, domain: str, resolver: Resolver | None, path: tuple[str, ...]) -> list[Node]:
    nodes: list[Node] = []
    for term in parse(record).terms:
        if term.name not in LOOKUP_TERMS or (term.modifier and term.name != "redirect"):
            continue
        node = Node(term.text, domain)
        nodes.append(node)
        target = (term.target or domain).rstrip(".").lower()
        if resolver is None or "%" in target:
            continue
        try:
            if term.name in ("include", "redirect"):
                _descend(node, target, resolver, path)
            elif term.name == "mx":
                hosts = resolver.mx_hosts(target)
                node.void = not hosts
                node.mx_count = len(hosts or [])
            elif term.name in ("a", "exists"):
                node.void = not resolver.addresses(target)
        except LookupFailed as exc:
            node.unresolved = exc
    return nodes


def _descend(node: Node, target: str, resolver: Resolver, path: tuple[str, ...]) -> None:
    if target in path:
        chain = " → ".join([*path, target])
        node.problem = Msg("loop: {chain}", chain=chain)
        return
    answer = resolver.txt(target)
    node.void = not answer
    records = [v for v in answer or [] if is_spf(v)]
    if len(records) != 1:
        if records:
            node.problem = Msg("{domain} has more than one SPF record", domain=target)
        else:
            node.problem = Msg("{domain} has no SPF record", domain=target)
        return
    node.children = _count(records[0], target, resolver, (*path, target))
