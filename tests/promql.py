"""Reading PromQL just enough to check a dashboard: which metric names an expression uses, and
whether Prometheus's own parser takes it (promtool, on the expressions written as rules)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
KEYWORDS |= {"and", "or", "unless", "inf", "nan"}
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
HISTOGRAM_SERIES = ("_bucket", "_count", "_sum")


def metric_names(expr: str) -> set[str]:
    """Metric names an expression selects (not functions, keywords, labels or durations)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)  # label values
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in _NAME.finditer(text):
        word, rest = match.group(), text[match.end() :].lstrip()
        if rest.startswith("(") or word.lower() in KEYWORDS:
            continue  # a function, or a keyword
        if match.start() > 0 and (
            text[match.start() - 1].isdigit() or text[match.start() - 1] == "."
        ):
            continue  # the unit of a number: 5m, 1e3
        names.add(word)
    return names


def family(name: str) -> str:
    """The metric family a series name belongs to (`x_bucket` -> `x`)."""
    for suffix in HISTOGRAM_SERIES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def exported_families(metrics_text: str) -> set[str]:
    """Families a /metrics answer declares (`# TYPE` lines), counters under both names."""
    names = set()
    for line in metrics_text.splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            names.add(name)
            if kind == "counter" and not name.endswith("_total"):
                names.add(name + "_total")
    return names


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        raise RuntimeError("promtool is missing: `make prometheus` installs Debian's prometheus")
    return found


def unparsable(expressions: list[str]) -> str:
    """promtool's complaint about any of the expressions ('' when it takes them all)."""
    rules = {
        "groups": [
            {
                "name": "parse",
                "rules": [
                    {"record": f"check:expr_{i}", "expr": e} for i, e in enumerate(expressions)
                ],
            }
        ]
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "expressions.yml"
        path.write_text(yaml.safe_dump(rules))
        check = subprocess.run(
            [promtool(), "check", "rules", str(path)], capture_output=True, text=True, timeout=60
        )
    return "" if check.returncode == 0 else check.stdout + check.stderr
