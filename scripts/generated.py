"""Generated files kept in the repository: written, or with `--check` compared (exit 1 when
stale, saying which `make` target refreshes them)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_or_check(path: Path, text: str, target: str, argv: list[str]) -> int:
    if "--check" in argv:
        if not path.exists() or path.read_text() != text:
            print(f"{path.relative_to(ROOT)} is stale: run `make {target}`", file=sys.stderr)
            return 1
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return 0
