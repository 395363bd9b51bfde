"""The output contract as a JSON Schema (``docs/output.schema.json``).

Regenerate after a schema change: ``python -m cx_nlp.contract docs/output.schema.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from cx_nlp.schema import Doc

SCHEMA_ID = "https://github.com/cx-nlp/cx-nlp/docs/output.schema.json"


def output_schema() -> dict[str, Any]:
    """JSON Schema of one output record (what JSONL output lines and the API return)."""
    schema = Doc.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def render_schema() -> str:
    """The schema as the stable text committed in docs/."""
    return json.dumps(output_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(render_schema(), encoding="utf-8")
