"""gRPC client channels: dns:/// targets, round_robin over every address, keepalive, a default
deadline on every call and retries only on UNAVAILABLE, all through the service config."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import grpc

# Calls that stay open for as long as a client is connected get no default deadline.
LONG_LIVED = (
    ("lastmile.v1.NotificationService", "Subscribe"),
    ("lastmile.v1.LocationService", "StreamPositions"),
    ("grpc.health.v1.Health", "Watch"),
)

RETRY_POLICY = {
    "maxAttempts": 4,
    "initialBackoff": "0.1s",
    "maxBackoff": "1s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": ["UNAVAILABLE"],
}


def service_config(timeout_s: float, wait_for_ready: bool = True) -> dict[str, Any]:
    """Round robin; a default deadline (none for long-lived streams); retries on UNAVAILABLE.
    With `wait_for_ready`, a call to a peer that is restarting waits (within its deadline) for
    it to come back instead of failing at once; callers that must fail fast turn it off."""
    return {
        "loadBalancingConfig": [{"round_robin": {}}],
        "methodConfig": [
            {
                "name": [{}],
                "timeout": f"{timeout_s:.3f}s",
                "waitForReady": wait_for_ready,
                "retryPolicy": RETRY_POLICY,
            },
            {
                "name": [{"service": s, "method": m} for s, m in LONG_LIVED],
                "waitForReady": wait_for_ready,
                "retryPolicy": RETRY_POLICY,
            },
        ],
    }


def target_of(address: str) -> str:
    """`host:port` -> `dns:///host:port`, so every address behind a name gets traffic.
    Full targets pass through, e.g. `ipv4:127.0.0.1:50056,127.0.0.1:50066` (a fixed list of
    replicas, as the local supervisor runs them)."""
    if "://" in address or address.startswith(("unix:", "ipv4:", "ipv6:")):
        return address
    return f"dns:///{address}"


def channel_options(timeout_s: float, wait_for_ready: bool = True) -> list[tuple[str, Any]]:
    return [
        ("grpc.service_config", json.dumps(service_config(timeout_s, wait_for_ready))),
        # Peers restart (deploys, crashes): reconnect within a second or two, not minutes.
        ("grpc.initial_reconnect_backoff_ms", 200),
        ("grpc.min_reconnect_backoff_ms", 200),
        ("grpc.max_reconnect_backoff_ms", 2_000),
        ("grpc.enable_retries", 1),
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.keepalive_timeout_ms", 10_000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
        ("grpc.dns_min_time_between_resolutions_ms", 5_000),
    ]


def aio_channel(
    address: str, timeout_s: float = 5.0, wait_for_ready: bool = True
) -> grpc.aio.Channel:
    """An asyncio channel to a peer service. Create once per process and reuse."""
    return grpc.aio.insecure_channel(
        target_of(address), options=channel_options(timeout_s, wait_for_ready)
    )


def sync_channel(
    address: str,
    timeout_s: float = 5.0,
    wait_for_ready: bool = True,
    extra_options: Sequence[tuple[str, Any]] = (),
) -> grpc.Channel:
    """A blocking channel (for the gateway's workers and tools)."""
    return grpc.insecure_channel(
        target_of(address), options=[*channel_options(timeout_s, wait_for_ready), *extra_options]
    )
