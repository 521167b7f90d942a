"""Does each provider support what the config asks of it? Checked before any read or write."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from mailplan.errors import Problem
from mailplan.i18n import Msg
from mailplan.model.change import Action, Change
from mailplan.model.desired import Desired
from mailplan.model.objects import MailObject
from mailplan.model.state import State
from mailplan.providers.base import Provider

# provider name (the key under ``providers:``) -> its class; the caller resolves types to classes,
# so the engine knows the provider interface and never the registry of every provider
Classes = Mapping[str, type[Provider]]


def missing_features(cls: type[Provider], obj: MailObject) -> list[str]:
    """Features of ``obj`` the provider class neither supports nor lists as manual."""
    return sorted(f for f in obj.features() if f not in cls.SUPPORTS and f not in cls.MANUAL)


def dropped(cls: type[Provider], obj: MailObject) -> bool:
    """An optional object (``MailObject.OPTIONAL``) the provider cannot hold at all: it gets none."""
    return obj.OPTIONAL and bool(missing_features(cls, obj))


def held_by(cls: type[Provider], objects: State) -> State:
    """``objects`` as a provider of ``cls`` is to hold them: without the optional ones it cannot, and
    without the attributes it keeps no trace of (``Provider.UNHELD``)."""
    return State(_as_held(cls, o) for o in objects if not dropped(cls, o))


def _as_held(cls: type[Provider], obj: MailObject) -> MailObject:
    unheld = cls.UNHELD.get(obj.KIND)
    if not unheld:
        return obj
    defaults = {f.name: f.default for f in dataclasses.fields(obj) if f.name in unheld}
    return dataclasses.replace(obj, **{k: v for k, v in defaults.items() if v is not dataclasses.MISSING})


def handed_over(desired: Desired, classes: Classes) -> Desired:
    """``desired`` as the providers are handed it: each without the optional kinds it cannot hold
    (a hold where the provider has none). What validate counts, plan diffs and HR edits compare."""
    objects = {
        name: held_by(classes[name], state) if name in classes else state for name, state in desired.objects.items()
    }
    return dataclasses.replace(desired, objects=objects)


def as_planned(provider: Provider, change: Change) -> Change:
    """``change`` as a plan carries it for ``provider``: as it is, applied in part (``APPLIES_PARTLY``:
    it keeps its action and carries what is left for a person), or a manual step. What is neither
    supported nor manual was refused by ``check`` before."""
    cls = type(provider)
    if not provider.wholly_manual(change):
        if change.kind in cls.APPLIES_PARTLY:
            return dataclasses.replace(change, instructions=provider.manual_instructions(change))
        if change.obj.features() <= cls.SUPPORTS:
            return change
    return Change(
        Action.MANUAL,
        change.provider,
        change.before,
        change.after,
        change.reason,
        provider.manual_instructions(change),
    )


def check(desired: Desired, classes: Classes) -> list[Problem]:
    """What each provider in ``classes`` cannot hold of what the config asks of it."""
    problems: list[Problem] = []
    for name, spec in sorted(desired.providers.items()):
        if name not in classes:
            continue  # an unknown type: the caller reported it
        cls = classes[name]
        reported: set[str] = set()
        for obj in desired.objects.get(name, ()):
            wanted_role = "dns" if obj.KIND == "record" else "mail"
            if cls.ROLE != wanted_role and "role" not in reported:
                reported.add("role")
                problems.append(
                    Problem(
                        # Translators: {role} and {wanted} are `mail` or `dns`
                        Msg("provider {name} is a {role} provider ({type}) but is used as the {wanted} provider of "
                            "{domain}", name=repr(name), role=cls.ROLE, type=spec.type, wanted=wanted_role,
                            domain=obj.domain),
                        desired.origins.get(obj.ident, spec.location),
                        Msg("name a {wanted} provider there", wanted=wanted_role),
                    )
                )
                continue
            if dropped(cls, obj):
                continue  # optional: degrades to nothing on this provider, on purpose
            for feature in missing_features(cls, obj):
                if feature in reported:
                    continue  # once per provider and feature is enough to act on
                reported.add(feature)
                problems.append(
                    Problem(
                        Msg("provider {name} ({type}) does not support {feature}, needed by {kind} {key}",
                            name=repr(name), type=spec.type, feature=repr(feature), kind=Msg(obj.KIND), key=obj.key),
                        desired.origins.get(obj.ident, spec.location),
                        Msg("change the config so it does not need it, or host this domain on a provider that "
                            "supports it (see the capability table in the README)"),
                    )
                )
    return problems
