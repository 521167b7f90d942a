"""Reading a Google Workspace tenant: mailplan's list-endpoint read against a per-user GET loop.

The tenant is the Google fake on loopback (``tests/fakes/google.py``), seeded
with N users (Chinese names, default 10,000) and 50 groups of up to 200
members. Both sides use the same authenticated client (``GoogleApi`` on the
shared ``HttpClient``), so the difference is only in which requests are sent:

- mailplan: ``GoogleWorkspaceProvider.read`` — users.list at 500 a page,
  groups.list, one member list and one settings read per group, and a few
  tenant-wide lists (domains, org units, roles).
- the peer, as Terraform's googleworkspace provider refreshes state: one
  ``users.get`` per user. Groups it reads as mailplan does (groups.list, then
  per group its settings and its member list), because the fake has no
  ``groups.get``; Terraform would add one ``groups.get`` per group, and its
  per-member ``group_member`` resource one GET per membership.

The fake looks users up by scanning its whole user table; for this read-only
run that scan is replaced by an index, so the fake's cost does not weigh on
the side that sends 10,000 lookups.

    python benchmarks/cloud_reads.py [--sizes 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

import benchlib
from benchlib import table
from company import company

from fakes.google import GoogleFake, harness
from mailplan.providers.base import CredentialSink, ProviderContext
from mailplan.providers.mail.google.provider import GoogleWorkspaceProvider

DOMAIN = "huamao-bench.com"
GROUPS = 50
MEMBERS_PER_GROUP = 200
MAILPLAN_MARK = [{"type": "custom", "customType": "mailplan", "value": "person"}]


def seed(size: int) -> Any:
    people = company(size)

    def fill(fake: GoogleFake) -> None:
        emails = []
        for entry, local in zip(people.people, people.addresses, strict=True):
            name = str(entry["name"])
            email = f"{local}@{DOMAIN}"
            fake.add_user(email, f"{name[0]} {name[1:]}", externalIds=MAILPLAN_MARK)
            emails.append(email)
        for g in range(GROUPS):
            members = emails[g * MEMBERS_PER_GROUP : (g + 1) * MEMBERS_PER_GROUP]
            fake.add_group(f"team{g}@{DOMAIN}", f"第{g + 1}小组", {m: "MEMBER" for m in members})
        _index_users(fake)

    return fill


def _index_users(fake: GoogleFake) -> None:
    """Answer ``user_by`` from a dict (the users do not change during the run)."""
    index: dict[str, dict[str, Any]] = {}
    for user in fake.users.values():
        for key in (user["id"], user["primaryEmail"], *user.get("aliases", [])):
            index[str(key).lower()] = user
    fake.user_by = lambda key: index.get(key.lower())  # type: ignore[method-assign]


def provider(settings: dict[str, Any], workdir: Path) -> GoogleWorkspaceProvider:
    context = ProviderContext(base_dir=workdir, credentials=CredentialSink(workdir / "credentials.txt"))
    return GoogleWorkspaceProvider("google", settings, context)


def per_user_loop(reader: GoogleWorkspaceProvider, fake: GoogleFake) -> int:
    """GET every user and group by its key, as a per-resource refresh does; returns objects read."""
    api = reader.api
    read = 0
    # The keys Terraform keeps in its state file, taken from the fake (not counted as calls).
    for user in list(fake.users.values()):
        api.call("directory", "GET", f"users/{user['id']}", params={"projection": "full"})
        read += 1
    # groups.get is not in the fake: the groups come from the list, as mailplan reads them
    for group in api.pages("directory", "groups", "groups", {"customer": "my_customer", "maxResults": 200}):
        email = group["email"]
        api.call("groupssettings", "GET", email, params={"alt": "json"})
        list(api.pages("directory", f"groups/{email}/members", "members", {"maxResults": 200}))
        read += 1  # a group with its members is one object
    return read


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    benchlib.sizes_arg(parser, [10000])
    args = parser.parse_args(argv)
    rows: list[list[object]] = []
    pairs: list[tuple[str, tuple[int, float], tuple[int, float]]] = []
    print(benchlib.machine_line(), flush=True)
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="mailplan-bench-") as tmp, harness(DOMAIN, seed(size)) as h:
            fake = h.fake
            mine = provider(h.settings, Path(tmp))
            fake.calls.clear()
            observed, mine_s = benchlib.timed(partial(mine.read, [DOMAIN]))
            mine_calls = sum(fake.calls.values())
            objects = len(observed.state)
            mine.close()

            theirs = provider(h.settings, Path(tmp))
            fake.calls.clear()
            their_objects, theirs_s = benchlib.timed(partial(per_user_loop, theirs, fake))
            their_calls = sum(fake.calls.values())
            theirs.close()
            if fake.violations:
                raise SystemExit(f"the fake saw requests Google would refuse: {fake.violations[:3]}")
            users = f"{len(fake.users):,} users, {len(fake.groups)} groups"
            rows.append([users, "mailplan read (list endpoints, 500 users a page)", mine_calls, mine_s, objects])
            rows.append([users, "per-user GET loop (Terraform-style refresh)", their_calls, theirs_s, their_objects])
            pairs.append((users, (mine_calls, mine_s), (their_calls, theirs_s)))
            print(f"  {size:,} users done", file=sys.stderr, flush=True)
    print(table(["tenant", "reader", "HTTP calls", "wall s", "objects"], rows))
    print("(calls include the OAuth token request; both sides share one HttpClient implementation)")
    print()
    print("Findings:")
    for tenant, (mine_calls, mine_s), (their_calls, theirs_s) in pairs:
        print(
            f"- {tenant}: the per-user loop sends {their_calls / max(1, mine_calls):.0f}× the calls "
            f"({their_calls:,} against {mine_calls:,}) and takes {theirs_s / max(mine_s, 1e-9):.1f}× the time "
            f"({theirs_s:.2f} s against {mine_s:.2f} s on loopback)."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
