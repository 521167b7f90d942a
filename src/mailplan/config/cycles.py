"""Delivery cycles: mail to an address that comes back to it, through aliases, groups, forwardings and successors.

Every way the config sends mail on is an edge: an alias to its targets, a group to
its members and nested groups, a person who left to their successor (their mail
is forwarded there). A cycle would loop a message between the servers until one
drops it (or, for successors alone, leave nobody to hand the mail to); each is an
error naming the whole cycle, at the entry where it is written first in the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from mailplan.config import models
from mailplan.config.entries import Target
from mailplan.config.source import NodePath, SourceMap
from mailplan.errors import Location, Problem
from mailplan.i18n import N_, Msg

EdgeKind = Literal["alias", "group", "successor"]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: EdgeKind  # alias: an alias's target; group: a group's member; successor: a leaver's successor
    path: NodePath  # where the edge is written


def delivery_edges(
    doc: models.Document, resolve: Callable[[str], Target | None], own: Callable[[str], str | None],
    people: dict[int, str],
) -> Iterator[Edge]:  # fmt: skip
    """Every place the config passes mail on, resolved to addresses (references that do not resolve are
    reported elsewhere). ``own`` gives an entry's own address, ``resolve`` what a reference points at,
    ``people`` each person's address by their position under people:."""
    for i, alias in enumerate(doc.aliases):
        source = own(alias.address)
        for j, ref in enumerate(alias.to):
            target = resolve(ref)
            if source and target and target.kind != "external":
                yield Edge(source, target.address, "alias", ("aliases", i, "to", j))
    for i, group in enumerate(doc.groups):
        source = own(group.address)
        for j, ref in enumerate(group.members):
            kind, sep, rest = ref.partition(":")
            if sep and kind == "department":
                continue  # its people: they pass mail on only as successors, which are edges of their own
            target = resolve(rest if sep and kind == "group" else ref)
            if source and target and target.kind != "external":
                yield Edge(source, target.address, "group", ("groups", i, "members", j))
    for i, person in enumerate(doc.people):
        if person.successor is None or person.left_on is None:
            continue
        source, target = people.get(i), resolve(person.successor)
        if source and target and target.kind == "person":
            yield Edge(source, target.address, "successor", ("people", i, "successor"))


def find_cycles(edges: list[Edge]) -> list[list[Edge]]:
    """One list of edges for each cycle found (each set of addresses once), in a stable order."""
    out_edges: dict[str, list[Edge]] = {}
    for edge in edges:
        out_edges.setdefault(edge.source, []).append(edge)
    cycles: list[list[Edge]] = []
    seen_sets: set[frozenset[str]] = set()
    done: set[str] = set()
    for start in sorted(out_edges):
        if start in done:
            continue
        # iterative depth-first search: the trail of edges taken, and where each node sits on it
        trail: list[Edge] = []
        on_trail: dict[str, int] = {start: 0}
        stack: list[Iterator[Edge]] = [iter(out_edges.get(start, []))]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                node = trail.pop().target if trail else start
                on_trail.pop(node, None)
                done.add(node)
                continue
            edge = step
            if edge.target in on_trail:
                cycle = [*trail[on_trail[edge.target] :], edge]
                key = frozenset(e.source for e in cycle)
                if key not in seen_sets:
                    seen_sets.add(key)
                    cycles.append(cycle)
                continue
            if edge.target in done:
                continue
            trail.append(edge)
            on_trail[edge.target] = len(trail)
            stack.append(iter(out_edges.get(edge.target, [])))
    return cycles


def cycle_problems(edges: list[Edge], where: SourceMap) -> list[Problem]:
    problems = []
    for cycle in find_cycles(edges):
        located = [(where.at(e.path) or Location("", 0, 0), i) for i, e in enumerate(cycle)]
        first = min(located)[1]  # start where the cycle is written first in the file
        cycle = cycle[first:] + cycle[:first]
        kinds = {e.kind for e in cycle}
        chain = " -> ".join([cycle[0].source, *(e.target for e in cycle)])
        if kinds == {"group"}:
            message = Msg("groups contain each other in a circle: {chain}", chain=chain)
            hint = Msg("remove one of the nested group: members")
        elif kinds == {"successor"}:
            message = Msg("successors go round in a circle: {chain}", chain=chain)
            hint = Msg("name a successor who has not left")
        else:
            steps: str = cycle[0].source
            for e in cycle:  # each step names how the mail goes on: "a -> (alias to) b -> (member) c"
                steps = Msg("{steps} -> ({via}) {target}", steps=steps, via=Msg(_VIA[e.kind]), target=e.target)
            message = Msg("mail goes round in a circle: {steps}", steps=steps)
            hint = Msg("remove one of these targets or members: a message would loop until a server drops it")
        problems.append(Problem(message, where.at(cycle[0].path), hint))
    return problems


_VIA: dict[EdgeKind, str] = {"alias": N_("alias to"), "group": N_("member"), "successor": N_("successor")}
