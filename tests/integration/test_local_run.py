"""`lastmile up | status | scale | down | simulate` as a newcomer runs them: real processes on
free ports in a temporary folder, the embedded database keeping its files there."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from lastmile.detached import ENV, LASTMILE, Run, process_alive, start_run
from tests.e2e_http import PASSWORD, bearer, signup, whole_ride
from tests.harness import terminate

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    home = tmp_path_factory.mktemp("local-run") / "home"
    lm = start_run(home, "--matching-replicas", "2", "--observe")
    yield lm
    # Whatever the tests left (a run they started again, or one whose `up` they killed).
    lm.cli("down")
    if lm.proc and lm.proc.poll() is None:
        terminate(lm.proc, 60)


def test_up_serves_a_whole_ride_over_rest(run: Run) -> None:
    with httpx.Client(base_url=run.url, timeout=15) as http:
        whole_ride(http)


def test_status_lists_every_process_serving(run: Run) -> None:
    status = run.status()
    names = {p["name"]: p for p in status["processes"]}
    assert set(names) == {
        "database", "user", "station", "driver", "rider", "location", "trip", "notification",
        "matching-1", "matching-2", "gateway", "prometheus",
    }  # fmt: skip
    assert all(p["health"] == "serving" and p["state"] == "running" for p in names.values()), names
    table = run.cli("status")
    assert table.returncode == 0 and "matching-2" in table.stdout


def test_prometheus_scrapes_every_process_of_the_run_with_the_rules(run: Run) -> None:
    prometheus = f"http://127.0.0.1:{run.prometheus_port}/api/v1"
    deadline = time.monotonic() + 60
    while True:
        active = httpx.get(f"{prometheus}/targets", timeout=5).json()["data"]["activeTargets"]
        health = {(t["labels"]["job"], t["labels"]["instance"]): t["health"] for t in active}
        if (len(health) == 10 and set(health.values()) == {"up"}) or time.monotonic() > deadline:
            break
        time.sleep(1)
    jobs = sorted(job for job, _ in health)
    assert jobs == sorted(
        ["user", "station", "driver", "rider", "location", "trip", "notification", "matching",
         "matching", "gateway"]
    ), health  # fmt: skip
    assert set(health.values()) == {"up"}, health
    groups = httpx.get(f"{prometheus}/rules", timeout=5).json()["data"]["groups"]
    alerts = {r["name"] for g in groups for r in g["rules"] if r["type"] == "alerting"}
    assert "LastMileMatchLatencySLO" in alerts and "LastMileReplicaDown" in alerts
    # The run's own traffic is there: the gateway's requests, the services' calls.
    query = {"query": "sum(grpc_server_handled_total)"}
    answer = httpx.get(f"{prometheus}/query", params=query, timeout=5).json()
    assert float(answer["data"]["result"][0]["value"][1]) > 0


def test_a_second_up_says_one_is_running(run: Run) -> None:
    second = run.cli("up", *run.args, timeout=30)
    assert second.returncode == 1
    assert "already running" in second.stderr


def test_a_killed_service_is_restarted_and_answers_again(run: Run) -> None:
    old = run.pid_of("rider")
    os.kill(old, signal.SIGKILL)
    started = time.monotonic()
    with httpx.Client(base_url=run.url, timeout=5) as http:
        rider = signup(http, "rider", "Kiran")
        while True:
            answer = http.get("/rider/requests", headers=bearer(rider["token"]))
            if answer.status_code == 200:
                break
            assert answer.status_code == 503, answer.text
            assert time.monotonic() - started < 10, "rider endpoints not back within 10 s"
            time.sleep(0.2)
    time.sleep(1.5)  # the status file is refreshed every second
    (rider_process,) = [p for p in run.status()["processes"] if p["name"] == "rider"]
    assert rider_process["restarts"] >= 1 and rider_process["lastExit"] == -signal.SIGKILL
    assert rider_process["pid"] != old
    assert "rider exited with -9" in run.output()


def test_scale_matching_up_and_down(run: Run) -> None:
    assert run.cli("scale", "matching", "4").returncode == 0
    names = [p["name"] for p in run.status()["processes"]]
    assert [n for n in names if n.startswith("matching")] == [f"matching-{k}" for k in (1, 2, 3, 4)]
    assert run.cli("scale", "matching", "1").returncode == 0
    names = [p["name"] for p in run.status()["processes"]]
    assert [n for n in names if n.startswith("matching")] == ["matching-1"]
    refused = run.cli("scale", "rider", "2")
    assert refused.returncode == 2 and "only matching scales" in refused.stderr
    assert run.cli("scale", "matching", "2").returncode == 0


def test_simulated_traffic_completes_trips_without_errors(run: Run) -> None:
    sim = subprocess.run(
        [
            LASTMILE, "simulate", "--gateway", f"http://127.0.0.1:{run.http_port}",
            "--drivers", "4", "--riders-per-minute", "40", "--duration", "30",
            "--speedup", "25", "--seed", "7", "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        env=ENV,
    )  # fmt: skip
    assert sim.returncode == 0, sim.stdout + sim.stderr
    last = sim.stdout.strip().splitlines()[-1]
    assert "errors 0" in last
    completed = int(last.split("trips completed ")[1].split(" ")[0])
    assert completed >= 1, last


def test_a_port_in_use_is_named(run: Run) -> None:
    other = run.home.parent / "other-home"
    # The run's own gateway port is taken: by the run itself.
    clash = run.cli("up", *run.args, timeout=30)  # same home: refused as already running
    assert clash.returncode == 1
    answer = subprocess.run(
        [LASTMILE, "up", "--home", str(other), *run.args],
        capture_output=True,
        text=True,
        timeout=30,
        env=ENV,
    )
    assert answer.returncode == 1
    assert "is already in use" in answer.stdout and "Traceback" not in answer.stdout + answer.stderr


def test_down_stops_everything_and_data_survives_up_again(run: Run) -> None:
    with httpx.Client(base_url=run.url, timeout=15) as http:
        kept = signup(http, "rider", "Meera")
    pids = [p["pid"] for p in run.status()["processes"]]
    down = run.cli("down")
    assert down.returncode == 0, down.stderr
    assert "LastMile stopped." in down.stdout
    assert all("exit 0" in line for line in down.stdout.splitlines()[:-1]), down.stdout
    assert run.proc is not None and run.proc.wait(10) == 0
    assert not [pid for pid in pids if process_alive(pid)]
    assert run.cli("status").returncode == 3

    run.up()
    with httpx.Client(base_url=run.url, timeout=15) as http:
        login = http.post(
            "/auth/login", json={"phone": kept["user"]["phone"], "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        assert login.json()["user"]["id"] == kept["user"]["id"]


def test_ctrl_c_stops_every_process_and_reports_exit_codes(run: Run) -> None:
    if run.proc is None or run.proc.poll() is not None:
        run.up()
    pids = [p["pid"] for p in run.status()["processes"]]
    # A terminal's Ctrl-C sends SIGINT to the foreground group; the children live in sessions
    # of their own, so only the supervisor gets it, and it stops them in order.
    run.proc.send_signal(signal.SIGINT)
    assert run.proc.wait(60) == 0
    assert not [pid for pid in pids if process_alive(pid)]
    out = run.output()
    assert "SIGINT received: stopping" in out
    assert "gateway exited with 0" in out and "database exited with 0" in out


def test_a_killed_supervisor_leaves_no_orphans(run: Run) -> None:
    if run.proc is None or run.proc.poll() is not None:
        run.up()
    pids = [p["pid"] for p in run.status()["processes"]]
    assert run.proc is not None
    run.proc.kill()  # SIGKILL: the supervisor cannot stop anything itself
    run.proc.wait()
    # Every child asked the kernel for SIGTERM when its parent dies (lastmile.guard).
    deadline = time.monotonic() + 30
    while [pid for pid in pids if process_alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in pids if process_alive(pid)]
    assert run.cli("status").returncode == 3  # the lock died with it
