"""Seeing inside a run. One REST ride, traced: the ping that matches is one trace from the
gateway through location, matching, driver, rider, trip and notification (and the push to the
rider), with every span's parent in it; `lastmile trace` draws it; the log lines of the call
carry its ids. And every metric the alert rules and the dashboard read is one the processes
really export."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import grpc
import httpx
import pytest
import yaml
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

from api.lastmile.v1 import station_pb2
from common.geo import destination_point
from lastmile.layout import traces_of
from lastmile.traces import Span, read_spans, roots
from scripts import gen_dashboard
from tests.e2e_http import bearer, waiting_rider_and_driver
from tests.harness import ROOT, Cluster, GatewayProcess, start_gateway
from tests.integration.test_gateway import SseReader
from tests.promql import exported_families, family, metric_names
from tests.ride import ALL, MG_ROAD
from tests.test_monitoring import RULES

pytestmark = pytest.mark.integration

OTLP_SETTINGS = ROOT / "k8s" / "components" / "tracing" / "otlp-settings.yaml"
EVERY_HOP = {"gateway", "location", "matching", "driver", "rider", "trip", "notification"}


def _trace_of(folder: Path, trace_id: str, within: float = 20) -> list[Span]:
    """The trace's spans once they are all written: each process sends its spans in batches,
    a parent after its children (it ends later), the gateway's answer last of all but the push.
    So: every hop, the push, and a root with every span's parent there."""
    deadline = time.monotonic() + within
    while True:
        spans = list(read_spans(folder, trace_id))
        services = {s.service for s in spans}
        pushed = any(s.name.startswith("push ") for s in spans)
        whole = len(roots(spans)) == 1 and roots(spans)[0].parent_id is None
        if (services >= EVERY_HOP and pushed and whole) or time.monotonic() > deadline:
            return spans
        time.sleep(0.2)


def _ride_to_the_match(http: httpx.Client, gateway_url: str) -> tuple[httpx.Response, SseReader]:
    driver, rider = waiting_rider_and_driver(http)
    d = bearer(driver["token"])
    stream = SseReader(gateway_url, rider["token"])
    for metres in (3000, 900):
        lat, lon = destination_point(*MG_ROAD, 180, metres)
        answer = http.post("/driver/location", headers=d, json={"lat": lat, "lon": lon})
        assert answer.status_code == 202, answer.text
        if answer.json()["triggered"]:
            return answer, stream
    raise AssertionError("the driver's pings triggered nothing")


@pytest.fixture(scope="module")
def observed(
    module_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Cluster, GatewayProcess, Path]]:
    """Every service and the gateway, tracing every request into the run's home."""
    home = tmp_path_factory.mktemp("observed") / "home"
    # Every trace kept, and spans written within a tenth of a second of ending.
    env = {
        "TRACES_DIR": str(traces_of(home)),
        "OTEL_TRACES_SAMPLER_ARG": "1",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    module_cluster.start(*ALL, env=env)
    gateway = start_gateway(module_cluster, env)
    try:
        yield module_cluster, gateway, home
    finally:
        assert gateway.stop() == 0


def test_the_ping_that_matches_is_one_trace_across_every_hop(
    observed: tuple[Cluster, GatewayProcess, Path],
) -> None:
    cluster, gateway, home = observed
    folder = traces_of(home)
    with httpx.Client(base_url=gateway.url, timeout=30) as http:
        answer, stream = _ride_to_the_match(http, gateway.url)
        try:
            stream.wait_for(1)
            assert stream.kinds() == ["MATCHED"]
        finally:
            stream.close()
        # Answers that are not a ride's are traced too, each in a trace of its own.
        other = http.get("/stations")

    # The ride's measures, beside the traces.
    location, matching = cluster.running["location"], cluster.running["matching"]
    assert location.metric("lastmile_positions_ingested_total", outcome="accepted") == 2
    assert matching.metric("lastmile_trigger_to_match_seconds_count") == 1

    header = answer.headers["traceresponse"]
    version, trace_id, _, flags = header.split("-")
    assert (version, len(trace_id)) == ("00", 32) and int(flags, 16) & 1  # sampled
    assert other.headers["traceresponse"].split("-")[1] != trace_id

    spans = _trace_of(folder, trace_id)
    by_id = {s.span_id: s for s in spans}
    assert {s.service for s in spans} >= EVERY_HOP, sorted({s.service for s in spans})

    # One root: the gateway's answer to the ping.
    (root,) = [s for s in spans if s.parent_id is None]
    assert (root.service, root.kind, root.name) == (
        "gateway",
        "SERVER",
        "POST /api/v1/driver/location",
    )
    assert all(s.parent_id in by_id for s in spans if s is not root), "a span lost its parent"

    # Each gRPC call received is the child of the same call made by another process.
    received = [s for s in spans if s.kind == "SERVER" and s is not root]
    for server in received:
        client = by_id[server.parent_id]
        assert client.kind == "CLIENT" and client.name == server.name, (server, client)
        assert client.service != server.service
    callers = {(by_id[s.parent_id].service, s.service, s.name.rsplit("/", 1)[-1]) for s in received}
    assert ("gateway", "location", "UpdatePositions") in callers
    assert ("location", "matching", "Trigger") in callers  # the hand-off to matching

    # Database calls sit under the call that made them, in the service that owns the data.
    db = [s for s in spans if s.attributes.get("db.system") == "mongodb"]
    assert {s.service for s in db} >= {"rider", "trip", "notification"}
    for s in db:
        assert by_id[s.parent_id].service == s.service

    # The push to the rider's stream carries on the trace of the Notify that stored it.
    (push,) = [s for s in spans if s.name == "push MATCHED"]
    assert push.service == "notification"
    assert by_id[push.parent_id].name.endswith(("/Notify", "/NotifyBatch"))

    # Log lines written while serving the call carry its ids.
    lines = [json.loads(line) for line in cluster.running["location"].log().splitlines() if line]
    (trigger,) = [line for line in lines if line.get("message") == "trigger"]
    assert trigger["trace_id"] == trace_id and trigger["span_id"] in by_id

    drawn = subprocess.run(
        [str(Path(sys.executable).with_name("lastmile")), "trace", "--home", str(home), header],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    print(drawn)
    first, *rest = drawn.splitlines()
    assert first.startswith(f"trace {trace_id}") and f"{len(spans)} spans" in first
    assert len(rest) == len(spans)
    assert (
        "POST /api/v1/driver/location" in rest[0]
        and "/lastmile.v1.MatchingService/Trigger" in drawn
    )


def test_the_rules_and_the_dashboard_read_only_metrics_the_processes_export(
    observed: tuple[Cluster, GatewayProcess, Path],
) -> None:
    cluster, gateway, _ = observed
    with httpx.Client(base_url=gateway.url, timeout=30) as http:
        assert http.get("/stations").status_code == 200  # the gateway's metrics exist once used
        exported = exported_families(http.get("/metrics").text)
    for process in cluster.running.values():
        exported |= exported_families(_metrics_text(process.metrics_port))
    groups = yaml.safe_load(RULES.read_text())["groups"]
    expressions = [r["expr"] for g in groups for r in g["rules"]]
    expressions += gen_dashboard.queries(json.loads(gen_dashboard.OUT.read_text()))
    read = {family(n) for e in expressions for n in metric_names(e) if ":" not in n}
    read -= {"up"}  # Prometheus's own, per target
    assert read - exported == set(), f"read but exported by no process: {read - exported}"
    assert len(read) >= 12


def _metrics_text(port: int) -> str:
    return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text


class _Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP trace receiver on loopback, as the collector of the Kubernetes component is."""

    def __init__(self) -> None:
        self.received: list[trace_service_pb2.ExportTraceServiceRequest] = []
        self.arrived = asyncio.Event()

    async def Export(self, request, context):
        self.received.append(request)
        self.arrived.set()
        return trace_service_pb2.ExportTraceServiceResponse()

    def spans(self, trace_id: bytes) -> list[tuple[str, Any]]:
        """(service.name, span) of the spans of one trace received so far."""
        out = []
        for request in self.received:
            for resource_spans in request.resource_spans:
                attributes = {
                    a.key: a.value.string_value for a in resource_spans.resource.attributes
                }
                for scope in resource_spans.scope_spans:
                    out += [(attributes["service.name"], s) for s in scope.spans
                            if s.trace_id == trace_id]  # fmt: skip
        return out


async def test_spans_go_over_otlp_to_a_collector_with_the_clusters_settings(
    cluster: Cluster,
) -> None:
    """The tracing component's settings (k8s/components/tracing/otlp-settings.yaml), the
    collector's address made a loopback one: the process exports its spans over OTLP."""
    collector = _Collector()
    server = grpc.aio.server()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        settings = yaml.safe_load(OTLP_SETTINGS.read_text())["data"]
        endpoint = urlsplit(settings["OTEL_EXPORTER_OTLP_ENDPOINT"])
        env = {
            **settings,
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"{endpoint.scheme}://127.0.0.1:{port}",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        assert settings["OTEL_TRACES_EXPORTER"] == "otlp" and "TRACES_DIR" not in env
        cluster.start("station", env=env)
        # A caller's sampled trace: followed whatever the sampling ratio.
        trace_id, parent_id = secrets.token_bytes(16), secrets.token_bytes(8)
        traceparent = f"00-{trace_id.hex()}-{parent_id.hex()}-01"
        await cluster.stub("station").ListStations(
            station_pb2.ListStationsRequest(), metadata=(("traceparent", traceparent),)
        )
        async with asyncio.timeout(20):
            while True:
                collector.arrived.clear()
                if collector.spans(trace_id):
                    break
                await collector.arrived.wait()
        spans = collector.spans(trace_id)
        served = [s for service, s in spans if s.name.endswith("StationService/ListStations")]
        assert {service for service, _ in spans} == {"station"}
        (call,) = served
        assert call.parent_span_id == parent_id and call.kind == call.SPAN_KIND_SERVER
    finally:
        await server.stop(0)
