"""The JSON Schema of mailplan.yaml, generated from the models.

``python -m mailplan.config.schema > schemas/mailplan.schema.json`` refreshes the committed copy.
"""

from __future__ import annotations

import json
from typing import Any

from mailplan.config.models import Document


def json_schema() -> dict[str, Any]:
    schema = Document.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":
    print(schema_text(), end="")
