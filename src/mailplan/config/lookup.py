"""Finding what a reference means (an address, a local part, an alias, or a person's name), and
a person by what an HR user types."""

from __future__ import annotations

from collections.abc import Iterable

from mailplan.config.addresses import AddressError, external_address, reason, split_address
from mailplan.config.entries import Config, Domain, Person, Target, label
from mailplan.config.problems import suggest
from mailplan.errors import ConfigError, Problem
from mailplan.i18n import Msg


def find_person(config: Config, query: str) -> Person:
    """The one person ``query`` means; ConfigError (listing the candidates when several match) otherwise."""
    people = by_name((p.name, Target("person", p.address, label("person", p.name), p.location)) for p in config.people)
    target, why = lookup(query, config.addresses, config.domains, config.primary_domain, people)
    named = people.get(name_key(query), [])
    if target is None and len(named) > 1:
        # HR typed a name two people share: say which is which, and who of them has left
        listing = _listed([_candidate(config.person(t.address), t) for t in named])
        example = named[0].address.partition("@")[0]
        raise ConfigError(
            [
                Problem(
                    Msg("{name} is the name of {count} people: {listing}", name=repr(query), count=len(named),
                        listing=listing),
                    hint=Msg("give the address of the one you mean (e.g. {example})", example=example),
                )
            ]
        )
    if target is None:
        raise ConfigError([Problem(why, hint=Msg("give the address (zhangsan or zhangsan@domain) or the full name"))])
    if target.kind != "person":
        raise ConfigError([Problem(Msg("{query} is {label}, not a person", query=repr(query), label=target.label))])
    return config.person(target.address)


def _candidate(person: Person, target: Target) -> str:
    """``address (where, department sales, left on 2026-03-07)``, each fact when known; a ``Msg``."""
    where, department, day = str(target.location or ""), person.department, person.left_on
    facts = dict(address=target.address, where=where, department=department, day=day)
    if where and department and day is not None:
        return Msg("{address} ({where}, department {department}, left on {day})", **facts)
    if where and department:
        return Msg("{address} ({where}, department {department})", **facts)
    if where and day is not None:
        return Msg("{address} ({where}, left on {day})", **facts)
    if where:
        return Msg("{address} ({where})", **facts)
    return target.address  # read from no file (a config built in code): nothing to say where


def _listed(items: list[str]) -> str:
    """``a; b; c``, as a ``Msg`` whose parts are shown in the reader's language too."""
    shown = items[-1]
    for item in reversed(items[:-1]):
        shown = Msg("{first}; {rest}", first=item, rest=shown)
    return shown


def name_key(name: str) -> str:
    """Names match whatever their spacing and case."""
    return " ".join(name.split()).casefold()


def by_name(people: Iterable[tuple[str, Target]]) -> dict[str, list[Target]]:
    """People indexed by ``name_key`` of their name: a reference by name is one dict lookup."""
    index: dict[str, list[Target]] = {}
    for name, target in people:
        index.setdefault(name_key(name), []).append(target)
    return index


def lookup(
    ref: str, claims: dict[str, Target], domains: dict[str, Domain], primary: str, people: dict[str, list[Target]]
) -> tuple[Target | None, str]:
    """Resolve a reference (address, local part, alias, or a person's name); (None, why) when it cannot be."""
    text = ref.strip()
    if "@" in text:
        try:
            local, domain = split_address(text)
        except AddressError:
            local, domain = "", None
        if domain is not None and domain in domains:
            target = claims.get(f"{local}@{domains[domain].alias_of or domain}")
            if target is None:
                return None, Msg("nothing in this file has the address {address}", address=text)
            return target, ""
        try:
            address = external_address(text)
        except AddressError as exc:
            return None, reason(exc)
        return Target("external", address, address, None), ""
    target = claims.get(f"{text.lower()}@{primary}")
    if target is not None:
        return target, ""
    named = people.get(name_key(text), [])
    if len(named) == 1:
        return named[0], ""
    if len(named) > 1:
        listing = "; ".join(f"{t.address} ({t.location})" for t in named)
        return None, Msg("{name} is the name of {count} people: {listing}; write the address instead",
                         name=repr(text), count=len(named), listing=listing)
    choices = [a.partition("@")[0] for a in claims if a.endswith("@" + primary)] + [
        t.label.removeprefix("person ") for targets in people.values() for t in targets
    ]
    hint = suggest(text, choices)
    if hint.startswith("did"):
        return None, Msg("nothing in this file is called {name}; {hint}", name=repr(text), hint=hint)
    return None, Msg("nothing in this file is called {name}", name=repr(text))

