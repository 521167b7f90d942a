"""``mailplan import``: an existing tenant as a mailplan.yaml that plans no changes.

start = from_config(Path("mailplan.yaml"), "mail", [])   # or from_settings("local", ["database=mail.sqlite"], ...)
result = import_tenant(start, date.today(), Path("imported.yaml"))
result.text          # the YAML to write
result.skipped       # what the language cannot express (left unmanaged)
result.changes       # what a plan of result.text would still show ([] when the round trip is exact); manual
                     # steps among them (what the provider's API cannot read or write) are no change
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from mailplan.engine import capabilities
from mailplan.importer.build import build_document
from mailplan.importer.reading import Imported
from mailplan.importer.render import header_lines, rebase, render
from mailplan.importer.start import Start, from_config, from_settings, open_provider
from mailplan.importer.verify import replan
from mailplan.model.change import Action, Change
from mailplan.model.plan import Unmanaged
from mailplan.model.state import Observed


@dataclass
class ImportResult:
    text: str
    imported: Imported
    changes: list[Change] = field(default_factory=list)
    unmanaged: list[Unmanaged] = field(default_factory=list)

    @property
    def skipped(self) -> list[str]:
        return self.imported.skipped

    @property
    def notes(self) -> list[str]:
        return self.imported.notes

    @property
    def left(self) -> list[Change]:
        """What a plan of the imported file would still change (manual steps are no change: no apply clears them)."""
        return [c for c in self.changes if c.action is not Action.MANUAL]


def import_tenant(start: Start, today: dt.date, out: Path) -> ImportResult:
    """Read the tenant, write it as a document meant to live at ``out``, and re-plan it against what was read."""
    provider = open_provider(start)
    try:
        observed = provider.read(start.domains)
        imported, text, changes, unmanaged = _written(start, observed, today, out)
        # as a plan shows them: what the provider leaves to a person is a manual step
        changes = [capabilities.as_planned(provider, c) for c in changes]
    finally:
        provider.close()
    return ImportResult(text, imported, changes, unmanaged)


def _written(
    start: Start, observed: Observed, today: dt.date, out: Path
) -> tuple[Imported, str, list[Change], list[Unmanaged]]:
    """The document for ``observed``, its text, and what a plan of it would show."""
    imported = build_document(start, observed, today)
    rebase(imported.document, start.base_dir, out.resolve().parent)
    header = header_lines(start.origin, start.provider, start.provider_type, today)
    if imported.notes:
        header += ["", "Notes:", *(f"- {n}" for n in imported.notes)]
    if imported.skipped:
        header += ["", "Not imported (the config language cannot express it; left unmanaged):"]
        header += [f"- {s}" for s in imported.skipped]
    text = render(imported.document, header)
    changes, unmanaged = replan(text, out.resolve(), start.provider, observed, today)
    return imported, text, changes, unmanaged


__all__ = ["ImportResult", "Start", "from_config", "from_settings", "import_tenant"]
