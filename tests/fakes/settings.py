"""A provider's settings as the lines of a mailplan.yaml provider block, each secret as an ``env:``
reference with the environment that holds it (validate refuses a secret written in the file)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from mailplan.config.secrets import is_secret_key


def provider_block(
    provider_type: str, settings: Mapping[str, Any], *, prefix: str = "MAILPLAN_TEST_", indent: str = "    ",
    secret: Callable[[str], bool] = is_secret_key,
) -> tuple[str, dict[str, str]]:
    """The block's lines (``type:`` first, no trailing newline) and the variables its references name."""
    env: dict[str, str] = {}
    lines = [f"{indent}type: {provider_type}"]
    for key, value in settings.items():
        if secret(key):
            env[f"{prefix}{key.upper()}"] = str(value)
            value = f"env:{prefix}{key.upper()}"
        lines.append(f"{indent}{key}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines), env
