"""What every service process does the same way: health, reflection, metrics, logs, draining
on SIGTERM, failing fast on bad configuration, client deadlines and retries."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from api.lastmile.v1 import station_pb2, station_pb2_grpc, user_pb2
from common.channels import aio_channel
from tests.harness import SERVICES, Cluster, ServiceProcess

pytestmark = pytest.mark.integration

SERVICE_NAMES = {name: f"lastmile.v1.{name.capitalize()}Service" for name in SERVICES}


def metric(proc: ServiceProcess, name: str, **labels: str) -> float:
    return proc.metric(name, **labels)


def wait_exit(proc: ServiceProcess, timeout: float = 30) -> int:
    assert proc.proc is not None
    return proc.proc.wait(timeout)


async def test_every_service_is_serving_and_reflects_its_api(cluster: Cluster) -> None:
    procs = cluster.start(*SERVICES)
    for proc in procs:
        assert proc.health() == health_pb2.HealthCheckResponse.SERVING
        assert proc.health(SERVICE_NAMES[proc.name]) == health_pb2.HealthCheckResponse.SERVING
        async with grpc.aio.insecure_channel(proc.address) as channel:
            stub = reflection_pb2_grpc.ServerReflectionStub(channel)
            request = reflection_pb2.ServerReflectionRequest(list_services="")
            async for answer in stub.ServerReflectionInfo(iter([request])):
                names = {s.name for s in answer.list_services_response.service}
                break
        assert {SERVICE_NAMES[proc.name], "grpc.health.v1.Health"} <= names


async def test_sigterm_during_a_slow_call_finishes_it_then_exits_0(cluster: Cluster) -> None:
    (proc,) = cluster.start("station", env={"FAULT_DELAY_MS": "1500"})
    stub = cluster.stub("station")
    slow = asyncio.ensure_future(stub.ListStations(station_pb2.ListStationsRequest(), timeout=10))
    await asyncio.sleep(0.5)
    proc.signal()
    answer = await slow
    assert len(answer.stations) == 10
    assert await asyncio.to_thread(wait_exit, proc) == 0
    log = proc.log_path.read_text()
    assert '"message": "draining"' in log and '"message": "stopped"' in log


async def test_new_calls_are_refused_while_draining(cluster: Cluster) -> None:
    (proc,) = cluster.start("station", env={"FAULT_DELAY_MS": "2000"})
    stub = cluster.stub("station")
    slow = asyncio.ensure_future(stub.ListStations(station_pb2.ListStationsRequest(), timeout=10))
    await asyncio.sleep(0.5)
    proc.signal()
    await asyncio.sleep(0.3)
    async with grpc.aio.insecure_channel(proc.address) as fresh:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await station_pb2_grpc.StationServiceStub(fresh).ListStations(
                station_pb2.ListStationsRequest(), timeout=2
            )
    assert err.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
    assert len((await slow).stations) == 10
    assert await asyncio.to_thread(wait_exit, proc) == 0


async def test_calls_longer_than_the_grace_period_are_cut_and_exit_is_still_0(
    cluster: Cluster,
) -> None:
    (proc,) = cluster.start("station", env={"FAULT_DELAY_MS": "20000", "DRAIN_GRACE_S": "0.5"})
    stub = cluster.stub("station")
    slow = asyncio.ensure_future(stub.ListStations(station_pb2.ListStationsRequest(), timeout=12))
    await asyncio.sleep(0.5)
    started = time.monotonic()
    proc.signal()
    assert await asyncio.to_thread(wait_exit, proc) == 0
    assert time.monotonic() - started < 10
    # The cut call fails (a retry finds no server and waits for one until its deadline).
    with pytest.raises(grpc.aio.AioRpcError):
        await slow


async def test_metrics_count_calls_by_method_and_code(cluster: Cluster) -> None:
    (proc,) = cluster.start("station")
    stub = cluster.stub("station")
    for _ in range(3):
        await stub.ListStations(station_pb2.ListStationsRequest())
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.GetStation(station_pb2.GetStationRequest(station_id="nowhere"))
    ok = dict(grpc_service="StationService", grpc_method="ListStations", grpc_code="OK")
    assert metric(proc, "grpc_server_handled_total", **ok) == 3
    nf = dict(grpc_service="StationService", grpc_method="GetStation", grpc_code="NOT_FOUND")
    assert metric(proc, "grpc_server_handled_total", **nf) == 1
    count = metric(proc, "grpc_server_handling_seconds_count", grpc_method="ListStations")
    assert count == 3


async def test_logs_are_json_lines_with_one_line_per_call(cluster: Cluster) -> None:
    (proc,) = cluster.start("station")
    await cluster.stub("station").ListStations(station_pb2.ListStationsRequest())
    await asyncio.sleep(0.2)
    records = [json.loads(line) for line in proc.log_path.read_text().splitlines() if line]
    assert all(r["service"] == "station" and "level" in r and "time" in r for r in records)
    calls = [r for r in records if r["message"] == "rpc"]
    assert [(c["rpc_method"], c["code"]) for c in calls] == [("ListStations", "OK")]
    assert calls[0]["duration_ms"] >= 0


async def test_client_calls_get_a_default_deadline(cluster: Cluster) -> None:
    (proc,) = cluster.start("station", env={"FAULT_DELAY_MS": "3000"})
    async with aio_channel(proc.address, timeout_s=0.3) as channel:
        stub = station_pb2_grpc.StationServiceStub(channel)
        started = time.monotonic()
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.ListStations(station_pb2.ListStationsRequest())
    assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - started < 2.5


async def test_clients_retry_unavailable_and_nothing_else(cluster: Cluster) -> None:
    (proc,) = cluster.start("station", env={"FAULT_ERROR_RATE": "1"})
    stub = cluster.stub("station")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ListStations(station_pb2.ListStationsRequest())
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    started = dict(grpc_service="StationService", grpc_method="ListStations")
    assert metric(proc, "grpc_server_started_total", **started) == 4  # maxAttempts


async def test_domain_errors_are_not_retried(cluster: Cluster) -> None:
    (proc,) = cluster.start("station")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await cluster.stub("station").GetStation(station_pb2.GetStationRequest(station_id="x"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    started = dict(grpc_service="StationService", grpc_method="GetStation")
    assert metric(proc, "grpc_server_started_total", **started) == 1


async def test_a_port_in_use_is_reported_not_a_traceback(cluster: Cluster) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = cluster.spawn("station", env={"GRPC_PORT": str(port)})
        assert await asyncio.to_thread(wait_exit, proc) == 1
    log = proc.log_path.read_text()
    assert f"cannot listen on 127.0.0.1:{port}" in log
    assert "Traceback" not in log


@pytest.mark.parametrize(
    "service,env,named",
    [
        ("station", {"GRPC_PORT": "70000"}, "GRPC_PORT"),
        ("station", {"GRPC_PORT": "http"}, "GRPC_PORT"),
        ("station", {"MONGODB_URI": "postgres://x"}, "MONGODB_URI"),
        ("station", {"DRAIN_GRACE_S": "-1"}, "DRAIN_GRACE_S"),
        ("user", {"JWT_PUBLIC_KEYS_FILE": "/nonexistent"}, "JWT_PUBLIC_KEYS_FILE"),
        ("user", {"LOGIN_LIMIT_PER_PHONE": "often"}, "LOGIN_LIMIT_PER_PHONE"),
        ("user", {"PHONE_REGION": "India"}, "PHONE_REGION"),
    ],
)
async def test_bad_settings_fail_at_start_up_naming_the_variable(
    cluster: Cluster, service: str, env: dict[str, str], named: str
) -> None:
    proc = cluster.spawn(service, env=env)
    assert await asyncio.to_thread(wait_exit, proc) == 2
    log = proc.log_path.read_text()
    assert "invalid configuration" in log and named in log
    assert "Traceback" not in log


async def test_a_missing_signing_key_fails_at_start_up(cluster: Cluster) -> None:
    env = cluster.env_for("user")
    del env["JWT_PRIVATE_KEY_FILE"]
    proc = ServiceProcess("user", cluster.ports["user"], 0, env, cluster.log_dir / "nokey.log")
    proc.start()
    assert await asyncio.to_thread(wait_exit, proc) == 2
    assert "JWT_PRIVATE_KEY_FILE is required but not set" in proc.log_path.read_text()


async def test_a_broken_stations_file_stops_start_up_with_a_clear_message(
    cluster: Cluster, tmp_path
) -> None:
    bad = tmp_path / "stations.json"
    bad.write_text('{"areas": [], "stations": [{"id": "x"}]}')
    proc = cluster.spawn("station", env={"STATIONS_FILE": str(bad)})
    assert await asyncio.to_thread(wait_exit, proc) == 1
    assert "cannot load stations" in proc.log_path.read_text()


async def test_user_service_answers_through_the_same_plumbing(cluster: Cluster) -> None:
    (proc,) = cluster.start("user")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await cluster.stub("user").Login(user_pb2.LoginRequest(phone="+911234567890", password="x"))
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    labels = dict(grpc_service="UserService", grpc_method="Login", grpc_code="UNAUTHENTICATED")
    assert metric(proc, "grpc_server_handled_total", **labels) == 1


async def test_draining_ends_live_streams_so_clients_resume_elsewhere(cluster: Cluster) -> None:
    from api.lastmile.v1 import notification_pb2

    (proc,) = cluster.start("notification")
    stream = cluster.stub("notification").Subscribe(
        notification_pb2.SubscribeRequest(user_id="u-1", heartbeat_seconds=60)
    )
    reading = asyncio.ensure_future(stream.read())
    await asyncio.sleep(0.3)
    started = time.monotonic()
    proc.signal()
    ended = await reading  # the stream closes instead of waiting out the grace period
    assert ended is grpc.aio.EOF
    assert await stream.code() == grpc.StatusCode.OK
    assert await asyncio.to_thread(wait_exit, proc) == 0
    assert time.monotonic() - started < 5  # DRAIN_GRACE_S is 10


async def test_a_service_told_to_crash_after_n_calls_dies_at_that_call(cluster: Cluster) -> None:
    # Only the station service is affected: the prefixed variable beats the plain one.
    (proc,) = cluster.start(
        "station", env={"FAULT_CRASH_AFTER": "0", "STATION_FAULT_CRASH_AFTER": "3"}
    )
    stub = cluster.stub_at("station", proc.address, wait_for_ready=False)
    for _ in range(2):
        assert len((await stub.ListStations(station_pb2.ListStationsRequest())).stations) == 10
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ListStations(station_pb2.ListStationsRequest(), timeout=5)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    assert await asyncio.to_thread(wait_exit, proc) == -signal.SIGKILL
    assert '"message": "injected crash"' in proc.log_path.read_text()
    cluster.kill(proc)  # already dead: no longer expected to exit 0
