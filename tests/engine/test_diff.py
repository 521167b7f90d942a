"""The diff orders changes the way a handover must run, and never touches what it does not manage."""

from __future__ import annotations

import datetime as dt

from mailplan.engine import gate
from mailplan.engine.diff import diff_all
from mailplan.model.change import Action
from mailplan.model.objects import Alias, AutoReply, Domain, Forwarding, Group, Mailbox
from mailplan.model.state import Observed, State

D = "example.com"
TODAY = dt.date(2026, 11, 23)


def person(local: str, frozen: bool = False) -> Mailbox:
    return Mailbox(f"{local}@{D}", local.title(), frozen=frozen)


def group(*members: str) -> Group:
    return Group(f"team@{D}", "Team", tuple(sorted(f"{m}@{D}" for m in members)), "members")


def test_a_departure_is_planned_preserve_handover_cut_cleanup() -> None:
    observed = Observed(State([Domain(D), person("ann"), person("bob"), group("ann", "bob")]))
    desired = State(
        [
            Domain(D),
            person("ann", frozen=True),
            person("bob"),
            group("bob"),
            Forwarding(f"ann@{D}", (f"bob@{D}",)),
            AutoReply(f"ann@{D}", "Ann has left", "Please write to bob@example.com"),
        ]
    )
    changes, unmanaged, orphans = diff_all({"mail": desired}, {"mail": observed})
    assert [c.describe() for c in changes] == [
        f"create forwarding ann@{D}",
        f"create autoreply ann@{D}",
        f"freeze mailbox ann@{D}",
        f"update group team@{D}",
    ]
    assert changes[2].action is Action.FREEZE
    assert unmanaged == [] and orphans == {}


def test_creation_order_puts_domains_before_mailboxes_before_groups() -> None:
    desired = State([group("ann"), person("ann"), Domain(D), Alias(f"a@{D}", (f"ann@{D}",))])
    changes, _, _ = diff_all({"mail": desired}, {"mail": Observed(State())})
    assert [c.kind for c in changes] == ["domain", "mailbox", "alias", "group"]


def test_objects_nobody_declared_are_reported_and_left_alone() -> None:
    stranger = person("hand-made")
    observed = Observed(State([Domain(D), stranger]))
    changes, unmanaged, orphans = diff_all({"mail": State([Domain(D)])}, {"mail": observed})
    assert changes == []
    assert [u.obj for u in unmanaged] == [stranger]
    assert orphans == {}


def test_a_managed_alias_dropped_from_the_config_is_removed_but_a_mailbox_never() -> None:
    alias = Alias(f"old@{D}", (f"ann@{D}",))
    ann = person("ann")
    observed = Observed(State([Domain(D), ann, alias]), frozenset({alias.ident, ann.ident}))
    changes, _, orphans = diff_all({"mail": State([Domain(D)])}, {"mail": observed})
    assert [c.describe() for c in changes] == [f"remove alias old@{D}"]
    assert orphans == {"mail": [ann]}
    problems = gate.check(changes, orphans, {"mail": observed}, {}, gate.GateSettings(today=TODAY))
    assert len(problems) == 1
    assert "never deletes a mailbox" in problems[0].message
    assert "left_on" in problems[0].hint


def test_rehire_unfreezes_before_the_handover_is_removed() -> None:
    fwd = Forwarding(f"ann@{D}", (f"bob@{D}",))
    observed = Observed(State([Domain(D), person("ann", frozen=True), person("bob"), fwd]), frozenset({fwd.ident}))
    desired = State([Domain(D), person("ann"), person("bob")])
    changes, _, _ = diff_all({"mail": desired}, {"mail": observed})
    assert [c.describe() for c in changes] == [f"unfreeze mailbox ann@{D}", f"remove forwarding ann@{D}"]


def test_a_mass_freeze_is_refused_unless_forced() -> None:
    people = [person(f"p{i}") for i in range(20)]
    observed = Observed(State([Domain(D), *people]))
    desired = State([Domain(D), *[person(f"p{i}", frozen=i < 10) for i in range(20)]])
    changes, _, orphans = diff_all({"mail": desired}, {"mail": observed})
    refused = gate.check(changes, orphans, {"mail": observed}, {}, gate.GateSettings(today=TODAY))
    assert refused and "freezes or removes 10 of 20 mailbox objects" in refused[0].message
    assert "--force" in refused[0].hint
    forced = gate.check(changes, orphans, {"mail": observed}, {}, gate.GateSettings(today=TODAY, force=True))
    assert forced == []


def test_deletion_before_retention_is_refused_and_after_it_is_proposed() -> None:
    ann = person("ann", frozen=True)
    observed = Observed(State([Domain(D), ann]), frozenset({ann.ident}))
    changes, _, orphans = diff_all({"mail": State([Domain(D)])}, {"mail": observed}, {"mail": (ann.address,)})
    assert [c.describe() for c in changes] == [f"remove mailbox ann@{D}"] and orphans == {}
    retention = {"mail": {ann.address: "2031-09-30"}}
    early = gate.check(changes, orphans, {"mail": observed}, retention, gate.GateSettings(today=TODAY))
    assert early and "may not be deleted before 2031-09-30" in early[0].message
    late = gate.check(
        changes, orphans, {"mail": observed}, retention, gate.GateSettings(today=dt.date(2031, 10, 1))
    )
    assert late == []


def test_the_freeze_threshold_counts_mailboxes_not_everything_the_provider_holds() -> None:
    """40 of 100 people leaving trips the gate even when groups and aliases double the object count."""
    people = [person(f"p{i}") for i in range(100)]
    aliases = [Alias(f"a{i}@{D}", (f"p{i}@{D}",)) for i in range(100)]
    observed = Observed(State([Domain(D), *people, *aliases]))
    desired = State([Domain(D), *aliases, *[person(f"p{i}", frozen=i < 40) for i in range(100)]])
    changes, _, orphans = diff_all({"mail": desired}, {"mail": observed})
    refused = gate.check(changes, orphans, {"mail": observed}, {}, gate.GateSettings(today=TODAY))
    assert refused and "40 of 100 mailbox objects" in refused[0].message
