"""Start-up and shutdown shared by every service process.

A service's `server.py` builds a `Service` (its servicers and background tasks) and hands it to
`run`, which adds what every LastMile server has: the standard health service, reflection, the
call interceptor, Prometheus metrics, a maximum connection age, and SIGTERM/SIGINT handling that
reports NOT_SERVING, stops accepting calls, lets in-flight calls finish for DRAIN_GRACE_S and
exits 0.
"""

from __future__ import annotations

import asyncio
import faulthandler
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from common import mongo, tracing
from common.interceptor import CallInterceptor, Faults
from common.logs import configure_logging
from common.metrics import serve_metrics
from common.settings import ServiceSettings, load_settings

log = logging.getLogger("lastmile.server")

S = TypeVar("S", bound=ServiceSettings)


@dataclass
class Service:
    """What a service contributes to its server process."""

    # (add_XServicer_to_server, servicer) pairs.
    servicers: list[tuple[Callable[[Any, grpc.aio.Server], None], Any]]
    # Fully qualified gRPC service names, for health and reflection.
    service_names: list[str]
    # Coroutines run for the life of the process (cancelled at shutdown).
    background: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Called when draining starts (e.g. to end long-lived streams so clients move elsewhere).
    on_drain: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Called after the server stopped, before the database client closes.
    on_stop: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


def server_options(settings: ServiceSettings) -> list[tuple[str, Any]]:
    return [
        # Clients reconnect, and re-resolve, so replicas added later receive traffic.
        ("grpc.max_connection_age_ms", int(settings.max_connection_age_s * 1000)),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
        # Without this a second process could bind the same port and split the traffic.
        ("grpc.so_reuseport", 0),
    ]


def run(settings_cls: type[S], service_name: str, build: Callable[[S], Awaitable[Service]]) -> None:
    """Entry point of a service process; never returns."""
    # A crash inside a native extension (grpc, bson) prints every thread's Python stack to
    # stderr, i.e. the log, instead of leaving only an exit code.
    faulthandler.enable()
    # `kill -USR1 <pid>` writes every thread's stack to the log (for a process that hangs).
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    settings = load_settings(settings_cls, service_name=service_name)
    configure_logging(service_name, settings.log_level)
    tracing.configure(settings, service_name)
    try:
        code = asyncio.run(serve(settings, build))
    finally:
        tracing.shutdown()  # what is still queued goes out before the process ends
    sys.exit(code)


async def serve(settings: S, build: Callable[[S], Awaitable[Service]]) -> int:
    """Runs the service until SIGTERM/SIGINT; returns the process exit code."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    faults = Faults(settings.fault_delay_ms, settings.fault_error_rate, settings.fault_crash_after)
    server = grpc.aio.server(
        interceptors=[*tracing.server_interceptors(), CallInterceptor(faults)],
        options=server_options(settings),
    )
    address = f"{settings.grpc_host}:{settings.bind_port}"
    try:
        server.add_insecure_port(address)
    except RuntimeError:
        log.error("cannot listen on %s: the port is in use or the address is wrong", address)
        return 1
    if settings.metrics_enabled:
        try:
            serve_metrics(settings.bind_metrics_port, settings.grpc_host)
        except OSError as exc:
            log.error("cannot serve metrics on port %s: %s", settings.bind_metrics_port, exc)
            return 1

    try:
        service = await build(settings)
    except Exception as exc:
        log.error("start-up failed: %s", exc, exc_info=not isinstance(exc, ValueError))
        await server.stop(None)
        return 1
    for add, servicer in service.servicers:
        add(servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [*service.service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], server
    )
    await server.start()
    for name in ["", *service.service_names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    tasks = [
        asyncio.create_task(job(), name=getattr(job, "__name__", "job"))
        for job in service.background
    ]
    log.info(
        "serving",
        extra={
            "address": address,
            "metrics_port": settings.bind_metrics_port,
            "faults": faults.active,
        },
    )

    await stop.wait()
    log.info("draining", extra={"grace_s": settings.drain_grace_s})
    watchdog = asyncio.create_task(_report_slow_shutdown(settings.drain_grace_s + 5))
    await health_servicer.enter_graceful_shutdown()
    for hook in service.on_drain:
        await hook()
    for task in tasks:
        task.cancel()
    # A job that will not stop must not hold the process up past its grace period.
    _, running = await asyncio.wait(tasks, timeout=BACKGROUND_STOP_S) if tasks else ((), ())
    for task in running:
        log.error("background job did not stop", extra={"task": task.get_name()})
    log.info("shutdown step", extra={"step": "background jobs stopped"})
    await server.stop(settings.drain_grace_s)
    log.info("shutdown step", extra={"step": "server stopped"})
    for hook in service.on_stop:
        await hook()
    await mongo.close()
    watchdog.cancel()
    log.info("stopped")
    return 0


BACKGROUND_STOP_S = 5.0


async def _report_slow_shutdown(after_s: float) -> None:
    """A shutdown still running after `after_s` logs what every task is waiting on."""
    await asyncio.sleep(after_s)
    for task in asyncio.all_tasks():
        if task is not asyncio.current_task():
            frames = "".join(
                f"{f.f_code.co_filename}:{f.f_lineno} {f.f_code.co_name}; "
                for f in task.get_stack(limit=12)
            )
            log.error("shutdown is slow", extra={"task": task.get_name(), "stack": frames})
