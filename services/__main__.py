"""`python -m services <name>` runs one service (the container image's entry point); the name
may also come from the SERVICE environment variable."""

from __future__ import annotations

import importlib
import os
import sys

from common.peers import STUB_CLASSES


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SERVICE", "")
    if name not in STUB_CLASSES:
        known = ", ".join(STUB_CLASSES)
        print(f"usage: python -m services <{known}> (or SERVICE=<name>)", file=sys.stderr)
        raise SystemExit(2)
    importlib.import_module(f"services.{name}.server").main()


if __name__ == "__main__":
    main()
