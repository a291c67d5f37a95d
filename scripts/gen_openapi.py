"""Writes the gateway's OpenAPI document to frontend/openapi.json, from which the web UI's API
types are generated (`npm run types`). `--check` exits 1 when the file is stale."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import gateway.app  # noqa: F401 (importing the app declares every endpoint)
from gateway import spec
from scripts.generated import write_or_check

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "frontend" / "openapi.json"


def rendered() -> str:
    return json.dumps(spec.openapi(), indent=2) + "\n"


def main(argv: list[str]) -> int:
    return write_or_check(OUT, rendered(), "ui-types", argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
