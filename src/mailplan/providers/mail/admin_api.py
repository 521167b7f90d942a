"""What the providers writing through a cloud admin API (Exmail, Alibaba Mail) share: one
handler per kind of object, actions deferred until an object created later in the run
exists, retries while a fresh write is not visible yet, and console steps by object type."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from mailplan.model.change import Action, Change
from mailplan.model.objects import MailObject
from mailplan.notes import waiting
from mailplan.providers.base import NotSupported

T = TypeVar("T")


def apply_by_kind(change: Change, handlers: Mapping[str, Callable[[Change], str]], cannot: str) -> str:
    """Apply ``change`` with the handler for its kind; ``cannot`` (with ``{action}`` and
    ``{kind}``) says why a change without one, or a manual one, is refused."""
    handler = handlers.get(change.kind)
    if handler is None or change.action is Action.MANUAL:
        raise NotSupported(cannot.format(action=change.action.value, kind=change.kind))
    return handler(change)


class Waiting:
    """What to do once an object created later in this run exists ("mailbox:<address>" -> actions)."""

    def __init__(self) -> None:
        self._actions: dict[str, list[Callable[[], None]]] = {}

    def once_there(self, key: str, action: Callable[[], None]) -> None:
        self._actions.setdefault(key, []).append(action)

    def now_there(self, key: str) -> None:
        for action in self._actions.pop(key, []):
            action()


def eventually(
    call: Callable[[], T], not_yet: Callable[[Exception], bool], timeout: float, sleep: Callable[[float], None]
) -> T:
    """Run ``call``; while it fails with what ``not_yet`` calls "not visible yet", retry for
    ``timeout`` seconds (an object written a moment ago may not be visible to the next call)."""
    waited, delay = 0.0, 0.2
    while True:
        try:
            return call()
        except Exception as exc:
            if not not_yet(exc) or waited + delay > timeout:
                raise
            waiting(f"{str(exc)[:120]} — not visible yet, waiting {delay:.1f}s")
        sleep(delay)
        waited, delay = waited + delay, min(delay * 2, 2.0)


def console_steps(
    change: Change, steps: Mapping[type[MailObject], Callable[..., str]], removal: Callable[[MailObject], str]
) -> str:
    """The steps a person takes for ``change`` by its object's type ("" when there are none);
    ``removal`` words the removal of an object."""
    obj = change.obj
    step = steps.get(type(obj))
    if step is None:
        return ""
    if change.after is None:
        return removal(obj)
    return step(obj)
