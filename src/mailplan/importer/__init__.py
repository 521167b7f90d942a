"""``mailplan import``: an existing tenant as a mailplan.yaml that plans no changes.

start = from_config(Path("mailplan.yaml"), "mail", [])   # or from_settings("local", ["database=mail.sqlite"], ...)
result = import_tenant(start, date.today(), Path("imported.yaml"))
result.text          # the YAML to write
result.skipped       # what the language cannot express (left unmanaged)
result.changes       # what a plan of result.text would still change ([] when the round trip is exact)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from mailplan.importer.build import build_document
from mailplan.importer.reading import Imported
from mailplan.importer.render import header_lines, rebase, render
from mailplan.importer.start import Start, from_config, from_settings, read_tenant
from mailplan.importer.verify import replan
from mailplan.model.change import Change
from mailplan.model.plan import Unmanaged


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


def import_tenant(start: Start, today: dt.date, out: Path) -> ImportResult:
    """Read the tenant, write it as a document meant to live at ``out``, and re-plan it against what was read."""
    observed = read_tenant(start)
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
    return ImportResult(text, imported, changes, unmanaged)


__all__ = ["ImportResult", "Start", "from_config", "from_settings", "import_tenant"]
