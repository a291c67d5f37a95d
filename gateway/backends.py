"""gRPC stubs for the gateway's requests: one channel per backend per worker process, created
on first use after gunicorn forked the worker, then shared by its greenlets; and the
coalescers that carry the hottest calls in batches."""

from __future__ import annotations

import os
import threading
import uuid
from ipaddress import ip_address
from typing import Any

import grpc
import grpc.experimental
from flask import current_app, request

from api.lastmile.v1 import location_pb2, rider_pb2, trip_pb2, user_pb2
from common.channels import sync_channel
from common.deadlines import with_deadlines
from common.errors import ItemError
from common.peers import CLIENT_ADDRESS_KEY, STUB_CLASSES
from gateway.coalescing import Coalescer

# Under gevent (gunicorn.conf.py) a blocking wait in grpc runs in gevent's pool of native
# threads. A server stream read on one thread waits there, blocked in grpc, until a message
# comes; grpc's default reader instead wakes its greenlet ten times a second, which 500 idle
# notification streams turn into 5,000 wake-ups a second (~18% of a core, measured).
CHANNEL_OPTIONS = ((grpc.experimental.ChannelOptions.SingleThreadedUnaryStream, 1),)


class _Worker:
    """What one worker process holds; a forked worker must not reuse its parent's."""

    def __init__(self) -> None:
        self.channels: dict[str, grpc.Channel] = {}
        self.stubs: dict[str, Any] = {}
        self.coalescers: dict[str, Coalescer[Any, Any]] = {}


_lock = threading.Lock()
_worker = _Worker()


def _forget_parents_channels() -> None:
    global _lock, _worker
    _lock, _worker = threading.Lock(), _Worker()


# A child starts afresh (cheaper than comparing os.getpid() on every request).
os.register_at_fork(after_in_child=_forget_parents_channels)


def idempotency_key() -> str:
    """The client's Idempotency-Key header, so a retried POST has one effect (a fresh key
    when it sent none: the gateway's own retries of the call then still have one effect)."""
    return request.headers.get("Idempotency-Key", "")[:100] or uuid.uuid4().hex


def channel(service: str) -> grpc.Channel:
    """The worker's channel to a backend (for services other than its own, e.g. health)."""
    stub(service)
    return _worker.channels[service]


def stub(service: str) -> Any:
    worker = _worker
    if service not in worker.stubs:
        with _lock:
            if service not in worker.stubs:
                settings = current_app.config["SETTINGS"]
                # Fail fast when a backend is down: the browser gets 503 and may retry.
                channel = sync_channel(
                    settings.peer(service),
                    settings.gateway_rpc_timeout_s,
                    wait_for_ready=False,
                    extra_options=CHANNEL_OPTIONS,
                )
                worker.channels[service] = channel
                worker.stubs[service] = with_deadlines(
                    STUB_CLASSES[service](channel), settings.gateway_rpc_timeout_s
                )
    return worker.stubs[service]


def _coalescer(method: str, send: Any) -> Coalescer[Any, Any]:
    worker = _worker
    if method not in worker.coalescers:
        timeout = current_app.config["SETTINGS"].gateway_rpc_timeout_s
        with _lock:
            if method not in worker.coalescers:
                worker.coalescers[method] = Coalescer(method, send, timeout)
    return worker.coalescers[method]


# Batches are sent by the requests' own callers (see coalescing.py), so stub() has its app
# context.


def _send_positions(updates: list[location_pb2.PositionUpdate], timeout: float) -> list[Any]:
    answer = stub("location").UpdatePositions(
        location_pb2.PositionBatch(updates=updates), timeout=timeout
    )
    return [o.result if o.HasField("result") else ItemError.of(o.failure) for o in answer.outcomes]


def update_position(update: location_pb2.PositionUpdate) -> location_pb2.UpdateResult:
    """LocationService.UpdatePosition, carried with other requests' updates in UpdatePositions."""
    return _coalescer("LocationService.UpdatePositions", _send_positions).call(update)


def _send_lookups(ids: list[str], timeout: float) -> list[Any]:
    answer = stub("rider").GetRequests(
        rider_pb2.GetRideRequestsRequest(request_ids=ids), timeout=timeout
    )
    found = {r.id: r for r in answer.requests}
    return [found[i] if i in found else _missing("ride request", "request_id", i) for i in ids]


def get_ride_request(request_id: str) -> rider_pb2.RideRequest:
    """RiderService.GetRequest, read with other requests' lookups in one GetRequests."""
    return _coalescer("RiderService.GetRequests", _send_lookups).call(request_id)


def _send_user_lookups(ids: list[str], timeout: float) -> list[Any]:
    answer = stub("user").GetUsers(user_pb2.GetUsersRequest(user_ids=ids), timeout=timeout)
    found = {u.id: u for u in answer.users}
    return [found[i] if i in found else _missing("user", "user_id", i) for i in ids]


def get_user(user_id: str) -> user_pb2.User:
    """UserService.GetUser, read with other requests' user lookups in one GetUsers (e.g. the
    driver of every MATCHED request being looked up)."""
    return _coalescer("UserService.GetUsers", _send_user_lookups).call(user_id)


def rating_of(user_id: str) -> Any:
    """The user's average rating (a TripService RatingSummary), None when never rated."""
    answer = stub("trip").GetRatings(trip_pb2.GetRatingsRequest(user_ids=[user_id]))
    return answer.ratings[0] if answer.ratings else None


def _send_spent_checks(token_ids: list[str], timeout: float) -> list[bool]:
    answer = stub("user").FindSpent(user_pb2.FindSpentRequest(token_ids=token_ids), timeout=timeout)
    spent = set(answer.token_ids)
    return [t in spent for t in token_ids]


def is_spent(token_id: str) -> bool:
    """Whether a token was revoked (UserService.FindSpent, batched with other requests')."""
    return bool(_coalescer("UserService.FindSpent", _send_spent_checks).call(token_id))


def client_metadata() -> tuple[tuple[str, str], ...]:
    """Call metadata naming the client this request is for (the user service's limits count
    per client address)."""
    return ((CLIENT_ADDRESS_KEY, client_address()),)


def client_address() -> str:
    """The client's address: the connection's peer, or, when that is a trusted proxy, the
    last address its X-Forwarded-For names."""
    peer = request.remote_addr or ""
    networks = current_app.config["SETTINGS"].proxy_networks
    if networks and peer:
        try:
            from_proxy = any(ip_address(peer) in n for n in networks)
        except ValueError:
            from_proxy = False
        forwarded = request.headers.get("X-Forwarded-For", "")
        if from_proxy and forwarded:
            return forwarded.rsplit(",", 1)[-1].strip()[:64] or peer
    return peer


def _missing(kind: str, field: str, item_id: str) -> ItemError:
    """The NOT_FOUND a unary Get would have answered for an id a batch left out."""
    return ItemError(grpc.StatusCode.NOT_FOUND, f"no {kind} with id {item_id!r}", field)
