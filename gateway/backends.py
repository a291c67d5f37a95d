"""gRPC stubs for the gateway's worker threads: one channel per backend per process, created
on first use after gunicorn forked the worker, then shared by its threads."""

from __future__ import annotations

import os
import threading
from typing import Any

import grpc
from flask import current_app

from common.channels import sync_channel
from common.peers import STUB_CLASSES

_lock = threading.Lock()
_owner_pid: int | None = None
_channels: dict[str, grpc.Channel] = {}
_stubs: dict[str, Any] = {}


def channel(service: str) -> grpc.Channel:
    """The worker's channel to a backend (for services other than its own, e.g. health)."""
    stub(service)
    return _channels[service]


def stub(service: str) -> Any:
    global _owner_pid
    pid = os.getpid()
    if _owner_pid != pid or service not in _stubs:
        with _lock:
            if _owner_pid != pid:  # a forked worker must not reuse its parent's channels
                _channels.clear()
                _stubs.clear()
                _owner_pid = pid
            if service not in _stubs:
                settings = current_app.config["SETTINGS"]
                # Fail fast when a backend is down: the browser gets 503 and may retry.
                channel = sync_channel(
                    settings.peer(service), settings.gateway_rpc_timeout_s, wait_for_ready=False
                )
                _channels[service] = channel
                _stubs[service] = STUB_CLASSES[service](channel)
    return _stubs[service]
