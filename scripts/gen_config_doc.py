"""Renders every environment variable the processes read (from the typed settings classes)
into the configuration table of README.md, between its config markers. `--check` exits 1 when
the README's table is stale."""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic_settings import BaseSettings

from common.settings import ServiceSettings, TokenKeySettings
from gateway.settings import GatewaySettings
from services.location.server import LocationSettings
from services.matching.server import MatchingSettings
from services.notification.server import NotificationSettings
from services.rider.server import RiderSettings
from services.station.server import StationSettings
from services.user.server import UserSettings

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- config:start -->", "<!-- config:end -->"

# Which processes read each class's own fields (inherited fields are listed once, under the
# class that declares them).
READERS: list[tuple[type[BaseSettings], str]] = [
    (ServiceSettings, "every service; the gateway all but GRPC_*, METRICS_*, MONGODB_*"),
    (TokenKeySettings, "user, gateway"),
    (UserSettings, "user"),
    (StationSettings, "station"),
    (RiderSettings, "rider"),
    (LocationSettings, "location"),
    (MatchingSettings, "matching"),
    (NotificationSettings, "notification"),
    (GatewaySettings, "gateway"),
]
# Read outside the settings classes.
EXTRA = [
    ("GATEWAY_WORKERS", "2", "gateway (gunicorn.conf.py)", "gunicorn worker processes."),
]


def _default(field: object) -> str:
    default = getattr(field, "default", None)
    if getattr(field, "is_required", lambda: False)():
        return "(required)"
    text = str(default)
    if str(ROOT) in text:
        text = text.replace(str(ROOT), ".")
    return text if text != "" else '""'


def rows() -> list[tuple[str, str, str, str]]:
    seen: set[str] = set()
    out = []
    for cls, readers in READERS:
        for name, field in cls.model_fields.items():
            if name in seen or field.exclude:
                continue
            seen.add(name)
            out.append((name.upper(), _default(field), readers, field.description or ""))
    return out + EXTRA


def table() -> str:
    lines = ["| variable | default | read by | meaning |", "|---|---|---|---|"]
    for name, default, readers, meaning in rows():
        meaning = meaning or (
            f"Address of the {name[:-5].lower()} service (host:port or a gRPC target)."
            if name.endswith("_ADDR")
            else ""
        )
        lines.append(f"| `{name}` | `{default}` | {readers} | {meaning} |")
    return "\n".join(lines)


def rendered(readme: str) -> str:
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main() -> int:
    current = README.read_text()
    fresh = rendered(current)
    if "--check" in sys.argv:
        if fresh != current:
            print("README.md configuration table is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
