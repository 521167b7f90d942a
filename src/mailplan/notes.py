"""Notes: what a user should know that is not an error (a derived record adapted, a date counted from less).

They are Python warnings of the class ``Note``, so library code stays free of any
output; the CLI prints each once as ``note: …`` on stderr (see ``cli.common.guarded``).
"""

from __future__ import annotations

import warnings


class Note(UserWarning):
    """Something true and worth saying: a count that is only a lower bound, a value adapted to a provider."""


def note(text: str) -> None:
    warnings.warn(Note(text), stacklevel=2)


class Waiting(UserWarning):
    """Progress while a provider asks to wait (a rate limit, an object not visible yet): printed each time."""


def waiting(text: str) -> None:
    warnings.warn(Waiting(text), stacklevel=2)
