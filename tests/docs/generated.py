"""The generated parts of the docs, and how to write them in place.

A block between `<!-- begin generated: python -m MODULE -->` and `<!-- end generated -->` holds what that
command prints; docs/reference.md is, whole, what its generator prints. `scripts/docs` rewrites them all,
and tests/docs/test_generated.py fails when one is stale.
"""

from __future__ import annotations

import contextlib
import io
import re
import runpy
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).parents[2]
BLOCK = re.compile(r"(<!-- begin generated: python -m ([\w.]+) -->\n)(.*?)(<!-- end generated -->)", re.S)
WHOLE_PAGES = {"docs/reference.md": "mailplan.config.reference"}


def printed(module: str) -> str:
    """What `python -m MODULE` prints."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        # runpy warns when the module was imported before (a test imported it): it runs anew all the same
        warnings.filterwarnings("ignore", "'.*' found in sys.modules", RuntimeWarning)
        runpy.run_module(module, run_name="__main__", alter_sys=False)
    return out.getvalue()


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def commands(text: str) -> list[str]:
    return [match.group(2) for match in BLOCK.finditer(text)]


def current(relative: str, text: str) -> str:
    """The page (its path from the repository's root, its text) with every generated part as printed now."""
    if relative in WHOLE_PAGES:
        return printed(WHOLE_PAGES[relative])
    return BLOCK.sub(lambda m: m.group(1) + printed(m.group(2)).rstrip("\n") + "\n" + m.group(4), text)


def main() -> int:
    for page in pages():
        text = page.read_text(encoding="utf-8")
        fresh = current(page.relative_to(ROOT).as_posix(), text)
        if fresh != text:
            page.write_text(fresh, encoding="utf-8")
            print(f"rewrote {page.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
