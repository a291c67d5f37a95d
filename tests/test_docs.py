"""The README's configuration table is generated from the settings classes; it must be current."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_configuration_table_is_current() -> None:
    check = subprocess.run(
        [sys.executable, "scripts/gen_config_doc.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
