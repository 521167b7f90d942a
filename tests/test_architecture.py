"""Imports run only downwards between the folders (docs/architecture.md); a wrong-way import fails here."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_imports_follow_the_layers() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "import-linter is part of the test dependencies: pip install -e '.[test]'"
    run = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_every_folder_is_in_the_architecture_page() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    package = ROOT / "src" / "mailplan"
    folders = sorted(p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    missing = [f for f in folders if f"`{f}/`" not in page]
    assert not missing, f"docs/architecture.md does not say what these folders are for: {missing}"
