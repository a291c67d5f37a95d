"""Writes the gateway's OpenAPI document to frontend/openapi.json, from which the web UI's API
types are generated (`npm run types`). `--check` exits 1 when the file is stale."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import gateway.app  # noqa: F401 (importing the app declares every endpoint)
from gateway import spec

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "frontend" / "openapi.json"


def rendered() -> str:
    return json.dumps(spec.openapi(), indent=2) + "\n"


def main(argv: list[str]) -> int:
    text = rendered()
    if "--check" in argv:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run `make ui-types`", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
