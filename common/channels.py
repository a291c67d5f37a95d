"""gRPC client channels: dns:/// targets, round_robin over every address, keepalive, a default
deadline on every call (never more than the caller has left, see common.deadlines), and retries
only on UNAVAILABLE, only for calls that are safe to repeat, under retry throttling, all through
the service config."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import grpc

from api.lastmile.v1 import (
    driver_pb2,
    location_pb2,
    matching_pb2,
    notification_pb2,
    rider_pb2,
    station_pb2,
    trip_pb2,
    user_pb2,
)
from common import tracing
from common.deadlines import PassDeadline

_PROTOS = (
    driver_pb2,
    location_pb2,
    matching_pb2,
    notification_pb2,
    rider_pb2,
    station_pb2,
    trip_pb2,
    user_pb2,
)

# Calls that stay open for as long as a client is connected get no default deadline.
LONG_LIVED = (
    ("lastmile.v1.NotificationService", "Subscribe"),
    ("lastmile.v1.LocationService", "StreamPositions"),
    ("grpc.health.v1.Health", "Watch"),
)

# Every method is safe to repeat (reads, and writes keyed by an idempotency key or by the state
# they move from) except these: a position is superseded by the next one rather than resent,
# and a log-in attempt counts against its limits.
NOT_SAFE_TO_REPEAT = frozenset(
    {
        ("lastmile.v1.LocationService", "UpdatePosition"),
        ("lastmile.v1.LocationService", "UpdatePositions"),
        ("lastmile.v1.LocationService", "StreamPositions"),
        ("lastmile.v1.UserService", "Login"),
        # A retry after a lost answer would find the ticket used by the first attempt.
        ("lastmile.v1.UserService", "SpendOnce"),
    }
)


def _methods() -> list[tuple[str, str]]:
    return [
        (service.full_name, method.name)
        for module in _PROTOS
        for service in module.DESCRIPTOR.services_by_name.values()
        for method in service.methods
    ]


def retried_methods() -> list[tuple[str, str]]:
    """Unary methods that the channel retries on UNAVAILABLE."""
    skip = NOT_SAFE_TO_REPEAT | set(LONG_LIVED)
    return [m for m in _methods() if m not in skip]


# A client whose calls keep failing stops retrying (each failure costs a token, each success
# gives back a tenth), so retries cannot pile onto a service that is already struggling.
RETRY_THROTTLING = {"maxTokens": 10, "tokenRatio": 0.1}

RETRY_POLICY = {
    "maxAttempts": 4,
    "initialBackoff": "0.1s",
    "maxBackoff": "1s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": ["UNAVAILABLE"],
}


def _name(method: tuple[str, str]) -> dict[str, str]:
    return {"service": method[0], "method": method[1]}


def service_config(timeout_s: float | None, wait_for_ready: bool = True) -> dict[str, Any]:
    """Round robin; a default deadline (none for long-lived streams); retries on UNAVAILABLE
    for the calls safe to repeat. With `wait_for_ready`, a call to a peer that is restarting
    waits (within its deadline) for it to come back instead of failing at once; callers that
    must fail fast turn it off. With no `timeout_s`, the deadline is set per call (see
    common.deadlines)."""
    timeout = {"timeout": f"{timeout_s:.3f}s"} if timeout_s is not None else {}
    return {
        "loadBalancingConfig": [{"round_robin": {}}],
        "retryThrottling": RETRY_THROTTLING,
        "methodConfig": [
            {"name": [{}], **timeout, "waitForReady": wait_for_ready},
            {
                "name": [_name(m) for m in retried_methods()],
                **timeout,
                "waitForReady": wait_for_ready,
                "retryPolicy": RETRY_POLICY,
            },
            {
                "name": [_name(m) for m in LONG_LIVED if m not in NOT_SAFE_TO_REPEAT],
                "waitForReady": wait_for_ready,
                "retryPolicy": RETRY_POLICY,
            },
            {
                "name": [_name(m) for m in LONG_LIVED if m in NOT_SAFE_TO_REPEAT],
                "waitForReady": wait_for_ready,
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


def channel_options(timeout_s: float | None, wait_for_ready: bool = True) -> list[tuple[str, Any]]:
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
    """An asyncio channel to a peer service. Create once per process and reuse. Calls made
    while serving a call carry what is left of that call's deadline; others `timeout_s`."""
    return grpc.aio.insecure_channel(
        target_of(address),
        options=channel_options(None, wait_for_ready),
        interceptors=[PassDeadline(timeout_s), *tracing.aio_channel_interceptors()],
    )


def sync_channel(
    address: str,
    timeout_s: float = 5.0,
    wait_for_ready: bool = True,
    extra_options: Sequence[tuple[str, Any]] = (),
) -> grpc.Channel:
    """A blocking channel (for the gateway's workers and tools)."""
    channel = grpc.insecure_channel(
        target_of(address), options=[*channel_options(timeout_s, wait_for_ready), *extra_options]
    )
    return tracing.traced_channel(channel)
