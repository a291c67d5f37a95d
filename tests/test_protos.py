"""The protos compile, and the committed generated code and API reference are current."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from scripts import gen_protos

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("user", "station", "driver", "rider", "location", "matching", "trip", "notification")
# Lines naming the protobuf/grpc versions that generated the code; they differ between
# otherwise identical outputs of two tool versions.
_VERSION_LINES = re.compile(
    r"^(# Protobuf Python Version:.*|_runtime_version\.ValidateProtobufRuntimeVersion\(.*|"
    r"\s*_runtime_version\.Domain\.PUBLIC,|\s*\d+,|\s*'',|GRPC_GENERATED_VERSION = .*)$",
    re.M,
)


def _normalise(text: str) -> str:
    return _VERSION_LINES.sub("", text)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen")
    assert gen_protos.main(["--out", str(out)]) == 0
    return out


def test_generated_code_is_current(generated: Path) -> None:
    fresh = sorted(p.relative_to(generated) for p in generated.rglob("*_pb2*.py*"))
    assert len(fresh) == 3 * 9  # eight services + common: _pb2.py, _pb2.pyi, _pb2_grpc.py
    stale = [
        str(rel)
        for rel in fresh
        if not (ROOT / rel).exists()
        or _normalise((ROOT / rel).read_text()) != _normalise((generated / rel).read_text())
    ]
    assert not stale, f"run `make protos`: stale generated files {stale}"


def test_api_reference_is_current(generated: Path) -> None:
    assert (ROOT / "docs/api.md").read_text() == (generated / "docs/api.md").read_text(), (
        "run `make protos`: docs/api.md is stale"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_a_documented_api(service: str) -> None:
    module = importlib.import_module(f"api.lastmile.v1.{service}_pb2")
    (svc,) = module.DESCRIPTOR.services_by_name.values()
    assert svc.full_name.startswith("lastmile.v1.")
    assert svc.methods
    importlib.import_module(f"api.lastmile.v1.{service}_pb2_grpc")


def test_every_rpc_and_field_carries_a_comment(generated: Path) -> None:
    reference = (generated / "docs/api.md").read_text()
    rows = [line for line in reference.splitlines() if line.startswith("| `")]
    assert rows
    undocumented = [row for row in rows if row.rstrip().endswith("|  |")]
    assert not undocumented, undocumented


def test_streaming_shapes() -> None:
    from api.lastmile.v1 import location_pb2, notification_pb2

    location = location_pb2.DESCRIPTOR.services_by_name["LocationService"]
    stream = location.methods_by_name["StreamPositions"]
    assert stream.client_streaming and not stream.server_streaming
    subscribe = notification_pb2.DESCRIPTOR.services_by_name["NotificationService"]
    sub = subscribe.methods_by_name["Subscribe"]
    assert sub.server_streaming and not sub.client_streaming
    fields = {f.name for f in sub.input_type.fields}
    assert {"user_id", "after_seq"} <= fields
