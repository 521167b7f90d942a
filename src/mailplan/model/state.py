"""Collections of neutral objects: what the config wants, and what a provider has."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from mailplan.model.objects import MailObject

Ident = tuple[str, str]  # (kind, key)


class State:
    """An immutable-by-convention set of objects indexed by ``(kind, key)``."""

    def __init__(self, objects: Iterable[MailObject] = ()) -> None:
        self._by_ident: dict[Ident, MailObject] = {}
        for obj in objects:
            if obj.ident in self._by_ident and self._by_ident[obj.ident] != obj:
                raise ValueError(f"two different {obj.KIND} objects share the key {obj.key!r}")
            self._by_ident[obj.ident] = obj

    def __iter__(self) -> Iterator[MailObject]:
        return iter(sorted(self._by_ident.values(), key=lambda o: (o.ORDER, o.KIND, o.key)))

    def __len__(self) -> int:
        return len(self._by_ident)

    def __contains__(self, ident: object) -> bool:
        return ident in self._by_ident

    def get(self, ident: Ident) -> MailObject | None:
        return self._by_ident.get(ident)

    def idents(self) -> set[Ident]:
        return set(self._by_ident)

    def of_kind(self, kind: str) -> list[MailObject]:
        return [o for o in self if o.KIND == kind]

    def fingerprint(self) -> str:
        """A stable digest of the content: equal states give equal fingerprints."""
        canon = json.dumps([o.to_dict() for o in self], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canon.encode()).hexdigest()


@dataclass(frozen=True)
class Observed:
    """What one provider holds for the domains it was asked about.

    ``managed`` lists the objects mailplan itself created there earlier (the
    provider keeps that mark). Only those may ever be removed; everything else
    that the config does not mention is *unmanaged* and is never touched.
    """

    state: State
    managed: frozenset[Ident] = field(default_factory=frozenset)
    # frozen mailbox address -> the day (ISO) the provider's own mark says mailplan froze it, where
    # the provider keeps one: retention counts from it as well as from the journal
    frozen_on: Mapping[str, str] = field(default_factory=dict)

    def fingerprint(self) -> str:
        digest = hashlib.sha256(self.state.fingerprint().encode())
        digest.update(json.dumps(sorted(self.managed)).encode())
        if self.frozen_on:
            digest.update(json.dumps(sorted(self.frozen_on.items())).encode())
        return digest.hexdigest()


@dataclass
class Findings:
    """What a reader finds, one object at a time, each with whether it carries mailplan's mark."""

    objects: list[MailObject] = field(default_factory=list)
    managed: set[Ident] = field(default_factory=set)
    frozen_on: dict[str, str] = field(default_factory=dict)

    def add(self, obj: MailObject, is_managed: bool) -> None:
        self.objects.append(obj)
        if is_managed:
            self.managed.add(obj.ident)

    def observed(self) -> Observed:
        return Observed(State(self.objects), frozenset(self.managed), dict(self.frozen_on))
