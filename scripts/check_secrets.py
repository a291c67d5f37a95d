"""Fails when the tree holds a secret that `.secrets.baseline` does not list (detect-secrets).

Compares (file, hashed secret) pairs, not line numbers, so moving a known test password down a
file is no finding. Every entry of the baseline was read and marked `is_secret: false` (test and
simulation passwords, environment variable names); add a new one only after the same audit:
`.venv/bin/detect-secrets scan --baseline .secrets.baseline`, then set its `is_secret`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / ".secrets.baseline"


def pairs(results: dict) -> set[tuple[str, str]]:
    return {(name, item["hashed_secret"]) for name, items in results.items() for item in items}


def main() -> int:
    baseline = json.loads(BASELINE.read_text())
    excludes = baseline["filters_used"]
    patterns = [f["pattern"] for f in excludes if f["path"].endswith("should_exclude_file")]
    # The baseline's own hashes are not secrets.
    command = [str(Path(sys.executable).parent / "detect-secrets"), "scan"]
    command += ["--exclude-files", r"^\.secrets\.baseline$"]
    for group in patterns:
        for pattern in group if isinstance(group, list) else [group]:
            command += ["--exclude-files", pattern]
    scan = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    found = pairs(json.loads(scan.stdout)["results"])
    unknown = sorted(found - pairs(baseline["results"]))
    unaudited = [
        (name, item["line_number"])
        for name, items in baseline["results"].items()
        for item in items
        if item.get("is_secret") is not False
    ]
    for name, _ in unknown:
        print(f"possible secret in {name} (not in .secrets.baseline)", file=sys.stderr)
    for name, line in unaudited:
        print(f"{name}:{line} is in .secrets.baseline but not audited", file=sys.stderr)
    return 1 if unknown or unaudited else 0


if __name__ == "__main__":
    sys.exit(main())
