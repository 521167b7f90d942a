"""The Directory API as the writes call it: calls that know which addresses this run created
(a 404 on one of those means "not visible yet"), a user's record, and the tokens mailplan keeps
on users (in ``externalIds``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import codec
from .api import GoogleApi


class DirectoryApi:
    def __init__(self, api: GoogleApi) -> None:
        self.api = api
        self.fresh: set[str] = set()  # created in this run: a 404 on them means "not visible yet"
        self.last_created = ""  # "users/<address>" or "groups/<address>"

    def created(self, collection: str, address: str) -> None:
        self.fresh.add(address)
        self.last_created = f"{collection}/{address}"

    def settle(self) -> None:
        """Wait until the last object this run created reads back: lists lag like gets, and a plan made
        right after the run would otherwise show what the run created as still to create."""
        if self.last_created:
            self.call("GET", self.last_created, fresh=self.last_created.partition("/")[2])
            self.last_created = ""

    def call(self, method: str, path: str, body: Any = None, *, fresh: str = "", **params: Any) -> Any:
        return self.api.call("directory", method, path, body=body, params=params or None, fresh=fresh in self.fresh)

    def user(self, address: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GET", f"users/{address}", fresh=address)
        return found

    def mark(self, address: str, add: Sequence[str] = (), drop: Sequence[str] = ()) -> None:
        """Add/drop mailplan tokens on a user (kept in ``externalIds``)."""
        user = self.user(address)
        if (codec.user_tokens(user) - set(drop)) | set(add) != codec.user_tokens(user):
            body = {"externalIds": codec.with_tokens(user, add, drop)}
            self.call("PATCH", f"users/{address}", body, fresh=address)
