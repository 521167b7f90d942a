"""The credentials file: generated initial passwords, owner-only, never on the terminal.

One line per password, ``address<TAB>password``, with ``<TAB># note`` when it needs one. A password
is written *before* the provider is asked to set it (``pending``): a run killed after the provider
took it and before its answer then loses nothing. Such a line is marked unconfirmed until the provider
answers (``confirm`` drops the mark and the older lines of that address) or refuses for certain
(``withdraw`` drops the line). A line left unconfirmed by a killed run is settled by the next run,
which finds out whether the mailbox exists (``settle``); a later confirmed line of the same address
replaces it. ``forget`` takes out the line of an account nobody may log in to any more (a freeze), so
the file only ever lists passwords that work. Every change rewrites the file atomically
(``files.write_atomically``); a path that is not a regular file (``/dev/null``) only gets confirmed lines
appended.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mailplan.dirs import make_dirs
from mailplan.files import sync_folder, write_atomically
from mailplan.providers import redact

UNCONFIRMED = "unconfirmed: written before the provider answered; a later line for this address replaces it"
_OWNER_ONLY = stat.S_IRUSR | stat.S_IWUSR


@dataclass
class Issued:
    """A password handed to a provider, on its way to being confirmed or withdrawn."""

    address: str
    password: str
    note: str = ""  # the note the confirmed line carries
    settled: bool = False


class CredentialSink:
    """Where generated initial passwords go: an owner-only file, written only when a password is made."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0  # passwords confirmed by this run

    def put(self, address: str, password: str, note: str = "") -> None:
        """A password the provider has already taken: one confirmed line."""
        self.confirm(self.pending(address, password), note)

    @contextmanager
    def issuing(self, address: str, password: str, note: str = "") -> Iterator[Issued]:
        """Written before the block (which hands it to the provider), confirmed when the block ends.
        On an exception it stays unconfirmed: the provider may have taken it before failing."""
        issued = self.pending(address, password, note)
        yield issued
        if not issued.settled:
            self.confirm(issued, issued.note)

    def pending(self, address: str, password: str, note: str = "") -> Issued:
        return self.pending_all([Issued(address, password, note)])[0]

    def pending_all(self, issued: list[Issued]) -> list[Issued]:
        """Passwords about to be handed to the provider (a batch's, together): unconfirmed lines, one write."""
        for one in issued:
            redact.register(one.password)  # an error quoting the request that sets it must not show it
        if issued and not self._special():
            self._write([*self._lines(), *(_line(i.address, i.password, UNCONFIRMED) for i in issued)])
        return issued

    def confirm(self, issued: Issued, note: str = "") -> None:
        """The provider took it: this line holds, older lines of the address go."""
        if note:
            issued.note = note
        self.confirm_all([issued])

    def confirm_all(self, issued: list[Issued]) -> None:
        """The provider took them (a batch committed): their lines hold, older lines of their addresses go."""
        if not issued:
            return
        confirmed = [_line(i.address, i.password, i.note) for i in issued]
        if self._special():
            with self.path.open("a", encoding="utf-8") as sink:
                sink.writelines(f"{line}\n" for line in confirmed)
        else:
            addresses = {i.address for i in issued}
            self._write([ln for ln in self._lines() if _address(ln) not in addresses] + confirmed)
        for one in issued:
            one.settled = True
        self.written += len(issued)

    def withdraw(self, issued: Issued) -> None:
        """The provider certainly did not take it (the account existed already, with its own password)."""
        self.withdraw_all([issued])

    def withdraw_all(self, issued: list[Issued]) -> None:
        """The provider certainly took none of them (a batch rolled back)."""
        mine = {_line(i.address, i.password, UNCONFIRMED) for i in issued}
        if mine:
            self._write([ln for ln in self._lines() if ln not in mine])
        for one in issued:
            one.settled = True

    def forget(self, address: str) -> None:
        """Nobody logs in to ``address`` any more (it was frozen): its password is of no use to anyone."""
        if self.path.is_file() and any(_address(ln) == address for ln in self._lines()):
            self._write([ln for ln in self._lines() if _address(ln) != address])

    def settle(self, address: str) -> bool:
        """After an interrupted run, the mailbox was found made with the password written last for it:
        confirm that line. Returns whether an unconfirmed line was there."""
        lines = self._lines()
        waiting = [ln for ln in lines if _address(ln) == address and ln.endswith(UNCONFIRMED)]
        if not waiting:
            return False
        password = waiting[-1].split("\t")[1]
        self.confirm(Issued(address, password))
        self.written -= 1  # made by the interrupted run, not this one
        return True

    def unconfirmed(self) -> list[str]:
        """The addresses of lines still unconfirmed."""
        return [_address(ln) for ln in self._lines() if ln.endswith(UNCONFIRMED)]

    def _special(self) -> bool:
        return self.path.exists() and not self.path.is_file()

    def _lines(self) -> list[str]:
        if self._special():
            return []
        try:
            return self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []

    def _write(self, lines: list[str]) -> None:
        if self._special():
            return
        if lines:
            make_dirs(self.path.parent)
            write_atomically(self.path, "".join(f"{ln}\n" for ln in lines), _OWNER_ONLY)
        else:  # the only password was withdrawn: no file, as when none was ever made
            self.path.unlink(missing_ok=True)
            sync_folder(self.path.parent)


def _line(address: str, password: str, note: str) -> str:
    return f"{address}\t{password}" + (f"\t# {note}" if note else "")


def _address(line: str) -> str:
    return line.split("\t", 1)[0]
