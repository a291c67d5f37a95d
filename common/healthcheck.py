"""Health checks of a LastMile process, as the orchestrators ask them: the gRPC health service
of a service, or the gateway's /api/v1/healthz. Used by the local supervisor's probes and, run
as `python -m common.healthcheck`, by the images' HEALTHCHECK (exit 0 when healthy): it checks
$SERVICE on $GRPC_PORT or, with no SERVICE, the gateway on $HTTP_PORT."""

from __future__ import annotations

import http.client
import os
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from common.settings import DEFAULT_PORTS

TIMEOUT_S = 3.0


def grpc_health(channel: grpc.Channel, timeout_s: float = TIMEOUT_S) -> str:
    """ "serving", "not_serving", … (the health status, lower case), or "down" with no answer."""
    try:
        answer = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=timeout_s
        )
    except grpc.RpcError:
        return "down"
    return health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status).lower()


def http_health(port: int, timeout_s: float = TIMEOUT_S, path: str = "/api/v1/healthz") -> str:
    """ "serving" when the gateway answers 200, "not_serving" otherwise, "down" with no answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
    try:
        connection.request("GET", path)
        return "serving" if connection.getresponse().status == 200 else "not_serving"
    except OSError:
        return "down"
    finally:
        connection.close()


def healthy() -> bool:
    service = os.environ.get("SERVICE", "")
    if not service:
        return http_health(int(os.environ.get("HTTP_PORT", "8080"))) == "serving"
    port = int(os.environ.get("GRPC_PORT") or DEFAULT_PORTS.get(service, 0))
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        return grpc_health(channel) == "serving"


if __name__ == "__main__":
    sys.exit(0 if healthy() else 1)
