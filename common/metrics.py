"""Prometheus metrics of the gRPC server, named as go-grpc-prometheus names them."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Gauge, Histogram, start_http_server
from prometheus_client.metrics import MetricWrapperBase

SERVER_STARTED = Counter(
    "grpc_server_started_total", "RPCs started on the server.", ["grpc_service", "grpc_method"]
)
SERVER_HANDLED = Counter(
    "grpc_server_handled_total",
    "RPCs completed on the server, whatever their status.",
    ["grpc_service", "grpc_method", "grpc_code"],
)
SERVER_HANDLING_SECONDS = Histogram(
    "grpc_server_handling_seconds",
    "Time from the start of an RPC to its end.",
    ["grpc_service", "grpc_method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SERVER_IN_FLIGHT = Gauge("grpc_server_in_flight", "RPCs being handled now.", ["grpc_service"])


class Children:
    """A labelled metric's children by label values, each looked up through labels() once:
    labels() takes a lock and builds its key on every call, which hot paths pay per request."""

    def __init__(self, metric: MetricWrapperBase) -> None:
        self.metric = metric
        self._children: dict[tuple[Any, ...], Any] = {}

    def __call__(self, *values: Any) -> Any:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self.metric.labels(*values)
        return child


def serve_metrics(port: int, host: str = "0.0.0.0") -> None:
    """Expose /metrics on a separate HTTP port (a daemon thread; stops with the process)."""
    start_http_server(port, addr=host)
