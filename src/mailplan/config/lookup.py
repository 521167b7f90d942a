"""Finding a person by what an HR user types: an address, an alias, or a name."""

from __future__ import annotations

from mailplan.config.directory import Config, Person, Target, lookup
from mailplan.errors import ConfigError, Problem


def find_person(config: Config, query: str) -> Person:
    """The one person ``query`` means; ConfigError (listing the candidates when several match) otherwise."""
    people = [(p.name, Target("person", p.address, f"person {p.name}", p.location)) for p in config.people]
    target, why = lookup(query, config.addresses, config.domains, config.primary_domain, people)
    if target is None:
        raise ConfigError([Problem(why, hint="give the address (zhangsan or zhangsan@domain) or the full name")])
    if target.kind != "person":
        raise ConfigError([Problem(f"{query!r} is {target.label}, not a person")])
    return config.person(target.address)
