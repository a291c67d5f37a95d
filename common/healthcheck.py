"""`python -m common.healthcheck`: exit 0 when this container's process answers its health
check (the images' HEALTHCHECK, for `docker run`; Kubernetes probes natively). Checks the gRPC
health service of $SERVICE on $GRPC_PORT, or, with HTTP_PORT set and no SERVICE, the
gateway's /api/v1/healthz."""

from __future__ import annotations

import os
import sys
import urllib.request

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from common.settings import DEFAULT_PORTS

TIMEOUT_S = 3.0


def healthy() -> bool:
    service = os.environ.get("SERVICE", "")
    if not service:
        port = os.environ.get("HTTP_PORT", "8080")
        try:
            url = f"http://127.0.0.1:{port}/api/v1/healthz"
            with urllib.request.urlopen(url, timeout=TIMEOUT_S) as answer:
                return answer.status == 200
        except OSError:
            return False
    port = int(os.environ.get("GRPC_PORT") or DEFAULT_PORTS.get(service, 0))
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            answer = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=TIMEOUT_S
            )
        except grpc.RpcError:
            return False
    return answer.status == health_pb2.HealthCheckResponse.SERVING


if __name__ == "__main__":
    sys.exit(0 if healthy() else 1)
