"""``python -m mailplan``."""

from mailplan.cli.main import run

run()
