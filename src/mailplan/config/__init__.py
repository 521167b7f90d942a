"""The config language: ``mailplan.yaml`` loaded, validated and compiled.

config = load(Path("mailplan.yaml"))  # ConfigError lists every problem with file:line:col
desired = compile_config(config, date.today())  # what each provider should hold
"""

from __future__ import annotations

from typing import Any

from mailplan.config.compile import compile_config
from mailplan.config.entries import Config, FunctionalMailbox, Person
from mailplan.config.loader import load
from mailplan.config.lookup import find_person


def json_schema() -> dict[str, Any]:
    """The JSON Schema of mailplan.yaml (what ``mailplan schema`` prints)."""
    from mailplan.config.schema import json_schema as generate

    return generate()


__all__ = ["Config", "FunctionalMailbox", "Person", "compile_config", "find_person", "json_schema", "load"]
