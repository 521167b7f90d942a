"""The config language: ``mailplan.yaml`` loaded, validated and compiled.

config = load(Path("mailplan.yaml"))  # ConfigError lists every problem with file:line:col
desired = compile_config(config, date.today())  # what each provider should hold
"""

from __future__ import annotations

from mailplan.config.compile import compile_config
from mailplan.config.directory import Config, FunctionalMailbox, Person
from mailplan.config.loader import load
from mailplan.config.lookup import find_person
from mailplan.config.schema import json_schema

__all__ = ["Config", "FunctionalMailbox", "Person", "compile_config", "find_person", "json_schema", "load"]
