"""The public REST API through the real gateway (gunicorn) and the real services."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from common.geo import destination_point
from tests.e2e_http import PASSWORD, bearer, in_minutes, operator_login, phone, signup
from tests.harness import Cluster, GatewayProcess, start_gateway
from tests.ride import MG_ROAD, TRINITY

pytestmark = pytest.mark.integration


class SseReader:
    """Reads a gateway event stream in a thread, collecting (id, notification) pairs, and
    `position` events (with no id) apart."""

    def __init__(self, url: str, token: str, last_id: int | None = None) -> None:
        self.events: list[tuple[int, dict]] = []
        self.positions: list[dict] = []
        self.position_ids: list[str | None] = []
        self.comments = 0
        headers = bearer(token) | ({"Last-Event-ID": str(last_id)} if last_id is not None else {})
        self._client = httpx.Client(timeout=httpx.Timeout(30, read=60))
        self._stream = self._client.stream("GET", url + "/notifications/stream", headers=headers)
        self.response = self._stream.__enter__()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        event_id, name = None, None
        try:
            for line in self.response.iter_lines():
                if line.startswith(":"):
                    self.comments += 1
                elif line.startswith("id: "):
                    event_id = int(line[4:])
                elif line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    if name == "position":
                        self.positions.append(json.loads(line[6:]))
                        self.position_ids.append(event_id)
                    else:
                        self.events.append((event_id, json.loads(line[6:])))
                elif not line:
                    event_id, name = None, None
        except httpx.HTTPError:
            pass

    def kinds(self) -> list[str]:
        return [n["kind"] for _, n in self.events]

    def wait_for(self, count: int, within: float = 15) -> None:
        deadline = time.monotonic() + within
        while len(self.events) < count:
            assert time.monotonic() < deadline, f"only {self.kinds()}"
            time.sleep(0.05)

    def close(self) -> None:
        self._client.close()


def test_the_whole_ride_flow_over_http(gw: GatewayProcess, http: httpx.Client) -> None:
    driver = signup(http, "driver", "Ravi", vehicle={"plate": "KA01AB1234", "model": "Swift"})
    rider = signup(http, "rider", "Asha")
    d, r = bearer(driver["token"]), bearer(rider["token"])
    assert http.get("/me", headers=r).json()["name"] == "Asha"

    stations = http.get("/stations").json()
    assert len(stations) == 10
    request = http.post(
        "/rider/requests",
        headers=r,
        json={"stationId": "mg-road", "destinationAreaId": "domlur", "arrivalTime": in_minutes(3)},
    )
    assert request.status_code == 201, request.text
    request_id = request.json()["id"]
    route = http.post(
        "/driver/routes",
        headers=d,
        json={"stationIds": ["mg-road", "trinity"], "destinationAreaId": "domlur", "seats": 2},
    )
    assert route.status_code == 201, route.text
    assert http.get("/driver/routes/current", headers=d).json()["id"] == route.json()["id"]

    rider_stream = SseReader(gw.url, rider["token"])
    driver_stream = SseReader(gw.url, driver["token"])
    try:
        for metres in (2000, 1500, 999):
            lat, lon = destination_point(*MG_ROAD, 180, metres)
            answer = http.post("/driver/location", headers=d, json={"lat": lat, "lon": lon})
            assert answer.status_code == 202
        (hit,) = answer.json()["triggered"]
        assert hit["stationId"] == "mg-road" and hit["riderIds"] == [rider["user"]["id"]]
        trip_id = hit["tripId"]

        rider_stream.wait_for(1)
        driver_stream.wait_for(1)
        assert rider_stream.kinds() == ["MATCHED"] and driver_stream.kinds() == ["MATCHED"]
        mine = http.get(f"/rider/requests/{request_id}", headers=r).json()
        assert mine["status"] == "MATCHED"
        assert mine["driver"] == {
            "id": driver["user"]["id"],
            "name": "Ravi",
            "vehicle": {"plate": "KA01AB1234", "model": "Swift"},
        }
        assert http.get(f"/trips/{trip_id}", headers=r).json()["status"] == "SCHEDULED"

        told = {"riders": [{"riderId": rider["user"]["id"], "pin": mine["pin"]}]}
        picked = http.post(f"/trips/{trip_id}/pickup", headers=d, json=told)
        assert picked.json()["status"] == "ACTIVE"
        done = http.post(f"/trips/{trip_id}/complete", headers=d)
        assert done.json()["status"] == "COMPLETED"
        assert (
            http.get(f"/rider/requests/{request_id}", headers=r).json()["status"] == "DROPPED_OFF"
        )
        rider_stream.wait_for(3)
        assert rider_stream.kinds()[-2:] == ["PICKED_UP", "DROPPED_OFF"]
    finally:
        rider_stream.close()
        driver_stream.close()

    # Resuming from the second event's id replays exactly what came after it.
    seen = rider_stream.events
    resumed = SseReader(gw.url, rider["token"], last_id=seen[1][0])
    try:
        resumed.wait_for(len(seen) - 2)
        time.sleep(0.3)
        assert [i for i, _ in resumed.events] == [i for i, _ in seen[2:]]
    finally:
        resumed.close()
    history = http.get("/notifications", headers=r, params={"after": 0}).json()
    assert [n["seq"] for n in history] == [i for i, _ in seen]
    assert http.post("/notifications/read", headers=r, json={"upTo": seen[-1][0]}).json() == {
        "updated": len(seen)
    }


def _drive_to(http: httpx.Client, d: dict, point: tuple[float, float]) -> list[dict]:
    answer = http.post("/driver/location", headers=d, json={"lat": point[0], "lon": point[1]})
    assert answer.status_code == 202, answer.text
    return answer.json()["triggered"]


def test_a_rider_who_cancels_and_asks_again_further_along_rides_with_the_same_driver(
    http: httpx.Client,
) -> None:
    """Matched at MG Road on a one-seat route MG Road -> Trinity, the rider cancels, asks again
    at Trinity for the same area, and the driver reaches Trinity: the ledger books the new
    request (beside the cancelled entry), the seat is taken by it, and the ride completes."""
    driver = signup(http, "driver", "Ravi", vehicle={"plate": "KA01AB1234", "model": "Swift"})
    rider = signup(http, "rider", "Asha")
    d, r = bearer(driver["token"]), bearer(rider["token"])
    rider_id = rider["user"]["id"]

    def ask(station: str) -> str:
        made = http.post(
            "/rider/requests",
            headers=r,
            json={
                "stationId": station,
                "destinationAreaId": "domlur",
                "arrivalTime": in_minutes(3),
            },
        )
        assert made.status_code == 201, made.text
        return made.json()["id"]

    first = ask("mg-road")
    route = http.post(
        "/driver/routes",
        headers=d,
        json={"stationIds": ["mg-road", "trinity"], "destinationAreaId": "domlur", "seats": 1},
    ).json()
    assert (route["seatsFree"], route.get("tripId")) == (1, None)
    (hit,) = _drive_to(http, d, destination_point(*MG_ROAD, 180, 999))
    assert hit["stationId"] == "mg-road" and hit["riderIds"] == [rider_id]
    trip_id = hit["tripId"]
    assert http.get("/driver/routes/current", headers=d).json()["seatsFree"] == 0

    cancelled = http.delete(f"/rider/requests/{first}", headers=r)
    assert cancelled.json()["status"] == "CANCELLED"
    assert http.get("/driver/routes/current", headers=d).json()["seatsFree"] == 1
    second = ask("trinity")

    (hit,) = _drive_to(http, d, TRINITY)
    assert (hit["stationId"], hit["tripId"], hit["riderIds"]) == ("trinity", trip_id, [rider_id])
    mine = http.get(f"/rider/requests/{second}", headers=r).json()
    assert (mine["status"], mine["tripId"]) == ("MATCHED", trip_id)
    trip = http.get(f"/trips/{trip_id}", headers=d).json()
    assert [(x["requestId"], x["stationId"], x["status"]) for x in trip["riders"]] == [
        (first, "mg-road", "CANCELLED"),
        (second, "trinity", "MATCHED"),
    ]
    current = http.get("/driver/routes/current", headers=d).json()
    assert (current["seatsFree"], current["tripId"]) == (0, trip_id)

    # Pick-up and drop-off address the rider's current entry.
    told = {"riders": [{"riderId": rider_id, "pin": mine["pin"]}]}
    picked = http.post(f"/trips/{trip_id}/pickup", headers=d, json=told)
    assert [x["status"] for x in picked.json()["riders"]] == ["CANCELLED", "PICKED_UP"]
    assert http.post(f"/trips/{trip_id}/complete", headers=d).json()["status"] == "COMPLETED"
    assert http.get(f"/rider/requests/{second}", headers=r).json()["status"] == "DROPPED_OFF"
    assert http.get(f"/rider/requests/{first}", headers=r).json()["status"] == "CANCELLED"
    assert http.get("/driver/routes/current", headers=d).status_code == 404
    told = http.get("/notifications", headers=d, params={"after": 0}).json()
    matched = [n["data"]["requestId"] for n in told if n["kind"] == "MATCHED"]
    assert matched == [first, second]


def test_a_retried_sign_up_with_its_key_answers_the_same_account(http: httpx.Client) -> None:
    """A client whose first sign-up answer was lost sends it again with the same
    Idempotency-Key: the same account answers; another key for that phone is 409."""
    body = {"name": "Asha", "phone": phone(), "password": PASSWORD, "role": "rider"}
    first = http.post("/auth/signup", json=body, headers={"Idempotency-Key": "k-1"})
    again = http.post("/auth/signup", json=body, headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json()["user"]["id"] == first.json()["user"]["id"]
    other = http.post("/auth/signup", json=body, headers={"Idempotency-Key": "k-2"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "ALREADY_EXISTS"


def test_login_and_errors_have_the_documented_shape(http: httpx.Client) -> None:
    rider = signup(http, "rider")
    ok = http.post("/auth/login", json={"phone": rider["user"]["phone"], "password": PASSWORD})
    assert ok.status_code == 200 and ok.json()["user"]["id"] == rider["user"]["id"]
    wrong = http.post(
        "/auth/login", json={"phone": rider["user"]["phone"], "password": "nope nope"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "UNAUTHENTICATED"
    again = http.post(
        "/auth/signup",
        json={"name": "X", "phone": rider["user"]["phone"], "password": PASSWORD, "role": "rider"},
    )
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "ALREADY_EXISTS",
        "message": "an account with this phone already exists",
        "field": "phone",
    }
    assert http.get("/nowhere").status_code == 404
    assert http.get("/nowhere").json()["error"]["code"] == "NOT_FOUND"
    headers = ok.headers
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_openapi_document_lists_every_endpoint(http: httpx.Client) -> None:
    doc = http.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    expected = {
        "/api/v1/auth/signup",
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/stations",
        "/api/v1/stations/{station_id}",
        "/api/v1/driver/routes",
        "/api/v1/driver/routes/current",
        "/api/v1/driver/routes/{route_id}",
        "/api/v1/driver/location",
        "/api/v1/rider/requests",
        "/api/v1/rider/requests/{request_id}",
        "/api/v1/trips/{trip_id}",
        "/api/v1/trips/{trip_id}/pickup",
        "/api/v1/trips/{trip_id}/no-show",
        "/api/v1/trips/{trip_id}/complete",
        "/api/v1/trips/{trip_id}/rating",
        "/api/v1/trips/{trip_id}/position",
        "/api/v1/driver/earnings",
        "/api/v1/notifications",
        "/api/v1/notifications/stream",
        "/api/v1/notifications/read",
        "/api/v1/ops/snapshot",
    }
    assert expected <= set(doc["paths"])
    signup_schema = doc["components"]["schemas"]["SignUpBody"]
    assert signup_schema["additionalProperties"] is False


def test_operations(cluster: Cluster, gw: GatewayProcess, http: httpx.Client) -> None:
    assert http.get("/healthz").status_code == 200
    ready = http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    operator = operator_login(http, cluster.mongo_uri, cluster.db_name)
    assert operator["user"]["role"] == "operator"
    snapshot = http.get("/ops/snapshot", headers=bearer(operator["token"])).json()
    assert len(snapshot["stations"]) == 10 and snapshot["drivers"] == []
    metrics = http.get("/metrics").text
    assert "gateway_requests_total" in metrics and "gateway_open_streams" in metrics


def _open_streams(http: httpx.Client) -> float:
    for line in http.get("/metrics").text.splitlines():
        if line.startswith("gateway_open_streams "):
            return float(line.split()[1])
    raise AssertionError("no gateway_open_streams in /metrics")


def test_one_worker_holds_250_streams_and_ends_them_when_browsers_leave(
    gw: GatewayProcess, http: httpx.Client
) -> None:
    rider = signup(http, "rider", "Meera")
    headers = bearer(rider["token"])
    count = 250  # this gateway runs one worker
    limits = httpx.Limits(max_connections=count + 5)
    with httpx.Client(base_url=gw.url, timeout=httpx.Timeout(30, read=60), limits=limits) as tabs:
        streams = [
            tabs.stream("GET", "/notifications/stream", headers=headers) for _ in range(count)
        ]
        answers = [s.__enter__() for s in streams]
        assert {a.status_code for a in answers} == {200}
        assert _open_streams(http) == count
        # Ordinary requests, reads and writes, still get through.
        assert len(http.get("/stations").json()) == 10
        created = http.post(
            "/rider/requests",
            headers=headers,
            json={
                "stationId": "mg-road",
                "destinationAreaId": "domlur",
                "arrivalTime": in_minutes(5),
            },
        )
        assert created.status_code == 201, created.text
        for s in streams:
            s.__exit__(None, None, None)
    # The gateway notices a closed stream at its next keep-alive comment (every 15 s), and then
    # ends the upstream Subscribe call.
    deadline = time.monotonic() + 30
    while _open_streams(http) > 0:
        assert time.monotonic() < deadline, f"{_open_streams(http)} streams still open"
        time.sleep(0.5)


def test_stream_tickets_are_single_use_and_keep_tokens_out_of_urls(
    gw: GatewayProcess, http: httpx.Client
) -> None:
    rider = signup(http, "rider")
    ticket = http.post("/notifications/ticket", headers=bearer(rider["token"]))
    assert ticket.status_code == 201
    value = ticket.json()["ticket"]
    with httpx.Client(timeout=httpx.Timeout(10, read=5)) as client:
        with client.stream("GET", f"{gw.url}/notifications/stream", params={"ticket": value}) as s:
            assert s.status_code == 200
            assert s.headers["content-type"].startswith("text/event-stream")
            assert next(s.iter_lines()) == ": connected"
        again = client.get(f"{gw.url}/notifications/stream", params={"ticket": value})
        assert again.status_code == 401
        assert (
            client.get(f"{gw.url}/notifications/stream", params={"ticket": "x"}).status_code == 401
        )


def test_concurrent_calls_each_get_their_own_answer(gw: GatewayProcess) -> None:
    """Positions and request lookups made at once travel in shared batches to the services;
    every caller still gets its own answer, refusal or 404."""
    with httpx.Client(base_url=gw.url, timeout=15) as http:
        drivers = [signup(http, "driver", f"Driver {i}") for i in range(8)]
        riders = [signup(http, "rider", f"Rider {i}") for i in range(6)]
        for d in drivers[:5]:  # the other three have no open route
            route = http.post(
                "/driver/routes",
                headers=bearer(d["token"]),
                json={"stationIds": ["majestic"], "destinationAreaId": "chickpet", "seats": 2},
            )
            assert route.status_code == 201, route.text
        requests = []
        for r in riders:
            made = http.post(
                "/rider/requests",
                headers=bearer(r["token"]),
                json={
                    "stationId": "mg-road",
                    "destinationAreaId": "ulsoor",
                    "arrivalTime": in_minutes(10),
                },
            )
            assert made.status_code == 201, made.text
            requests.append(made.json()["id"])

    def position(i: int) -> tuple[int, int, dict]:
        d = drivers[i % len(drivers)]
        with httpx.Client(base_url=gw.url, timeout=15) as own:
            answer = own.post(
                "/driver/location",
                headers=bearer(d["token"]),
                json={"lat": 13.2 + i / 10_000, "lon": 77.4},
            )
        return i % len(drivers), answer.status_code, answer.json()

    def lookup(i: int) -> tuple[int, str, int, dict]:
        r, wanted = i % len(riders), requests[(i // 2) % len(requests)]
        with httpx.Client(base_url=gw.url, timeout=15) as own:
            answer = own.get(f"/rider/requests/{wanted}", headers=bearer(riders[r]["token"]))
        return r, wanted, answer.status_code, answer.json()

    with ThreadPoolExecutor(48) as pool:
        positions = list(pool.map(position, range(48)))
        lookups = list(pool.map(lookup, range(48)))

    for d, status, body in positions:
        if d < 5:
            assert (status, body) == (202, {"triggered": []})
        else:
            assert status == 409 and body["error"]["code"] == "FAILED_PRECONDITION", body
    for r, wanted, status, body in lookups:
        if requests[r] == wanted:
            assert status == 200 and body["id"] == wanted and body["status"] == "WAITING"
        else:
            assert status == 404 and body["error"]["code"] == "NOT_FOUND", body
    assert {s for *_, s, _ in lookups} == {200, 404}


def test_metrics_count_the_requests_of_every_worker(gw: GatewayProcess, cluster: Cluster) -> None:
    gateway = start_gateway(cluster, {"GATEWAY_WORKERS": "2"})
    try:
        for _ in range(30):  # a new connection each time, so both workers answer some
            assert httpx.get(gateway.url + "/stations", timeout=15).status_code == 200
        line = 'gateway_requests_total{method="GET",route="/api/v1/stations",status="200"}'

        def counted() -> float:
            metrics = httpx.get(gateway.url + "/metrics", timeout=15).text
            (count,) = [row.split()[-1] for row in metrics.splitlines() if row.startswith(line)]
            return float(count)

        # Each worker moves its counts into the shared files at least twice a second.
        deadline = time.monotonic() + 5
        while counted() < 30 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [counted() for _ in range(4)] == [30] * 4
    finally:
        assert gateway.stop() == 0
