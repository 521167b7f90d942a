"""The Entra directory as the writes see it: the tenant's ids (as last read, or listed on first
need), Graph calls that know which addresses this run created (a 404 on one of those means "not
replicated yet"), and the tokens mailplan keeps on users (in ``onPremisesExtensionAttributes``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import codec
from .api import GraphApi
from .reader import Reader, Tenant


class Directory:
    def __init__(self, api: GraphApi, reader: Reader) -> None:
        self.api = api
        self.reader = reader
        self.tenant: Tenant | None = None  # as last read
        self.fresh: set[str] = set()  # created in this run: a 404 on them means "not replicated yet"
        self.last_created = ""  # the path of the last object this run created

    def created(self, path: str, address: str) -> None:
        self.fresh.add(address)
        self.last_created = path

    def settle(self) -> None:
        """Wait until the last object this run created reads back (replication lag): a plan made right
        after the run would otherwise show what the run created as still to create."""
        if self.last_created:
            self.api.call("GET", self.last_created, params={"$select": "id"}, fresh=True)
            self.last_created = ""

    def known(self) -> Tenant:
        if self.tenant is None:
            self.tenant = Tenant()
            units = self.reader.list_units()
            self.tenant.units = {str(u["displayName"]): str(u["id"]) for u in units}
            domains = self.reader.list_domains()
            self.tenant.domains = {codec.address(str(d["id"])) for d in domains}
            self.tenant.default_domain = next((codec.address(str(d["id"])) for d in domains if d.get("isDefault")), "")
        return self.tenant

    def call(self, method: str, path: str, body: Any = None, *, fresh: str = "", **params: Any) -> Any:
        return self.api.call(method, path, body=body, params=params or None, fresh=fresh in self.fresh)

    def user_id(self, address: str) -> str:
        ids = self.known().users
        if address not in ids:
            found = self.call("GET", f"users/{address}", fresh=address, **{"$select": "id"})
            ids[address] = str(found["id"])
        return ids[address]

    def user_tokens(self, address: str) -> set[str]:
        found = self.call("GET", f"users/{address}", fresh=address, **{"$select": "id,onPremisesExtensionAttributes"})
        return codec.user_tokens(found)

    def mark(self, address: str, add: Sequence[str] = (), drop: Sequence[str] = ()) -> None:
        have = self.user_tokens(address)
        want = (have - set(drop)) | set(add)
        if want != have:
            body = {"onPremisesExtensionAttributes": codec.mark(want)}
            self.call("PATCH", f"users/{address}", body, fresh=address)
