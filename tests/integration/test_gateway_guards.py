"""Who may call what, what bad input gets, and what a dead backend looks like, through the
real gateway."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from pymongo import MongoClient

from tests.e2e_http import bearer, in_minutes, signup
from tests.harness import Cluster, GatewayProcess, forge_token, start_gateway
from tests.ride import ALL

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cluster(module_cluster: Cluster) -> Cluster:
    module_cluster.start(*ALL)
    return module_cluster


@pytest.fixture(scope="module")
def gw(cluster: Cluster) -> Iterator[GatewayProcess]:
    gateway = start_gateway(cluster)
    yield gateway
    assert gateway.stop() == 0


@pytest.fixture(scope="module")
def http(gw: GatewayProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gw.url, timeout=15) as client:
        yield client


@pytest.fixture(scope="module")
def mongo_db(embedded_mongo, cluster: Cluster) -> Iterator[Any]:
    with MongoClient(embedded_mongo.uri, tz_aware=True) as client:
        yield client[cluster.db_name]


@pytest.fixture(scope="module")
def world(http: httpx.Client) -> dict[str, Any]:
    """A driver with a matched rider on a trip, plus an unrelated driver and rider."""
    driver = signup(http, "driver", "Driver")
    rider = signup(http, "rider", "Rider")
    other_driver = signup(http, "driver", "Other driver")
    other_rider = signup(http, "rider", "Other rider")
    req = http.post(
        "/rider/requests",
        headers=bearer(rider["token"]),
        json={"stationId": "mg-road", "destinationAreaId": "ulsoor", "arrivalTime": in_minutes(2)},
    ).json()
    route = http.post(
        "/driver/routes",
        headers=bearer(driver["token"]),
        json={"stationIds": ["mg-road"], "destinationAreaId": "ulsoor", "seats": 2},
    ).json()
    moved = http.post(
        "/driver/location", headers=bearer(driver["token"]), json={"lat": 12.9755, "lon": 77.6068}
    ).json()
    return {
        "driver": driver,
        "rider": rider,
        "other_driver": other_driver,
        "other_rider": other_rider,
        "request": req["id"],
        "route": route["id"],
        "trip": moved["triggered"][0]["tripId"],
    }


def _forged(user_id: str, role: str, **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": user_id,
        "role": role,
        "iss": "lastmile",
        "iat": now,
        "exp": now + 600,
        "jti": f"forged-{now}",
    }
    claims.update(changes)
    return forge_token(claims)


# (method, path template, body, role that may call it)
PROTECTED = [
    ("GET", "/me", None, "any"),
    (
        "POST",
        "/driver/routes",
        {"stationIds": ["mg-road"], "destinationAreaId": "ulsoor", "seats": 1},
        "driver",
    ),
    ("GET", "/driver/routes/current", None, "driver"),
    ("DELETE", "/driver/routes/{route}", None, "driver"),
    ("POST", "/driver/location", {"lat": 12.9, "lon": 77.5}, "driver"),
    (
        "POST",
        "/rider/requests",
        {"stationId": "mg-road", "destinationAreaId": "ulsoor", "arrivalTime": "ARRIVAL"},
        "rider",
    ),
    ("GET", "/rider/requests", None, "rider"),
    ("GET", "/rider/requests/{request}", None, "rider"),
    ("DELETE", "/rider/requests/{request}", None, "rider"),
    ("GET", "/trips/{trip}", None, "any"),
    ("POST", "/trips/{trip}/pickup", {"riders": [{"riderId": "x", "pin": "1234"}]}, "driver"),
    ("POST", "/trips/{trip}/no-show", {"riderIds": ["x"]}, "driver"),
    ("POST", "/trips/{trip}/complete", None, "driver"),
    ("POST", "/trips/{trip}/rating", {"stars": 5}, "any"),
    ("GET", "/driver/earnings", None, "driver"),
    ("GET", "/notifications", None, "any"),
    ("POST", "/notifications/read", {"upTo": 1}, "any"),
    ("GET", "/notifications/stream", None, "any"),
]


def _call(http: httpx.Client, world: dict, method: str, path: str, body: Any, token: str | None):
    url = path.format(**world)
    headers = bearer(token) if token else {}
    if body is not None and "ARRIVAL" in str(body):
        body = {**body, "arrivalTime": in_minutes(2)}
    return http.request(method, url, json=body, headers=headers)


@pytest.mark.parametrize("method,path,body,role", PROTECTED)
def test_authorization_matrix(http, world, method, path, body, role) -> None:
    if path.endswith("/stream"):
        return  # covered below: a stream that is allowed never ends by itself
    me = world["driver"] if role == "driver" else world["rider"]
    wrong = world["rider"] if role == "driver" else world["driver"]
    cases = {
        "no token": (None, 401),
        "garbage": ("not-a-token", 401),
        "expired": (_forged(me["user"]["id"], me["user"]["role"], exp=int(time.time()) - 5), 401),
        "forged": (
            jwt.encode(
                {
                    "sub": me["user"]["id"],
                    "role": "driver",
                    "iss": "lastmile",
                    "iat": 1,
                    "exp": 4102444800,
                    "jti": "x",
                },
                "x" * 40,
                algorithm="HS256",
            ),
            401,
        ),
        "ten-year lifetime, right key": (
            _forged(me["user"]["id"], me["user"]["role"], exp=int(time.time()) + 10 * 365 * 86400),
            401,
        ),
    }
    if role in ("driver", "rider"):
        cases["wrong role"] = (wrong["token"], 403)
    for label, (token, status) in cases.items():
        answer = _call(http, world, method, path, body, token)
        assert answer.status_code == status, (label, answer.text)
        assert answer.json()["error"]["code"] in ("UNAUTHENTICATED", "PERMISSION_DENIED")


@pytest.mark.parametrize(
    "method,path,body,who",
    [
        ("DELETE", "/driver/routes/{route}", None, "other_driver"),
        ("GET", "/rider/requests/{request}", None, "other_rider"),
        ("DELETE", "/rider/requests/{request}", None, "other_rider"),
        ("GET", "/trips/{trip}", None, "other_rider"),
        ("GET", "/trips/{trip}", None, "other_driver"),
        (
            "POST",
            "/trips/{trip}/pickup",
            {"riders": [{"riderId": "x", "pin": "1234"}]},
            "other_driver",
        ),
        ("POST", "/trips/{trip}/complete", None, "other_driver"),
    ],
)
def test_other_peoples_things_are_not_found(http, world, method, path, body, who) -> None:
    answer = _call(http, world, method, path, body, world[who]["token"])
    assert answer.status_code in (403, 404), answer.text
    # And nothing changed for their owners.
    mine = http.get(f"/rider/requests/{world['request']}", headers=bearer(world["rider"]["token"]))
    assert mine.json()["status"] == "MATCHED"
    route = http.get("/driver/routes/current", headers=bearer(world["driver"]["token"]))
    assert route.json()["status"] == "OPEN"


def test_streams_need_a_valid_token(http, world) -> None:
    assert http.get("/notifications/stream").status_code == 401
    answer = http.get("/notifications/stream", headers=bearer(_forged("u", "rider", exp=1)))
    assert answer.status_code == 401


BAD = [
    ("POST", "/auth/signup", b"{not json", None),
    (
        "POST",
        "/auth/signup",
        {"name": "A", "phone": "+919812345678", "password": "short", "role": "rider"},
        "password",
    ),
    (
        "POST",
        "/auth/signup",
        {"name": "", "phone": "+919812345678", "password": "longenough", "role": "rider"},
        "name",
    ),
    (
        "POST",
        "/auth/signup",
        {"name": "A", "phone": "+919812345678", "password": "longenough", "role": "admin"},
        "role",
    ),
    (
        "POST",
        "/auth/signup",
        {
            "name": "A",
            "phone": "+919812345678",
            "password": "longenough",
            "role": "rider",
            "isAdmin": True,
        },
        "isAdmin",
    ),
    (
        "POST",
        "/auth/signup",
        {"name": "A", "phone": {"$gt": ""}, "password": "longenough", "role": "rider"},
        "phone",
    ),
    (
        "POST",
        "/auth/signup",
        {"name": "A" * 81, "phone": "+919812345678", "password": "longenough", "role": "rider"},
        "name",
    ),
    (
        "POST",
        "/auth/signup",
        {"name": "A", "phone": "abc", "password": "longenough", "role": "rider"},
        "phone",
    ),
    ("POST", "/auth/signup", [1, 2, 3], None),
    ("POST", "/auth/login", {"phone": {"$ne": None}, "password": "x"}, "phone"),
    ("POST", "/auth/login", {"phone": "+919812345678"}, "password"),
    (
        "POST",
        "/driver/routes",
        {"stationIds": [], "destinationAreaId": "ulsoor", "seats": 1},
        "stationIds",
    ),
    (
        "POST",
        "/driver/routes",
        {"stationIds": ["mg-road"], "destinationAreaId": "ulsoor", "seats": 0},
        "seats",
    ),
    (
        "POST",
        "/driver/routes",
        {"stationIds": ["mg-road"], "destinationAreaId": "ulsoor", "seats": 9},
        "seats",
    ),
    (
        "POST",
        "/driver/routes",
        {"stationIds": ["mg-road"], "destinationAreaId": "ulsoor", "seats": "2"},
        "seats",
    ),
    (
        "POST",
        "/driver/routes",
        {"stationIds": ["mg-road"], "destinationAreaId": "ulsoor", "seats": 2.5},
        "seats",
    ),
    (
        "POST",
        "/driver/routes",
        {"stationIds": ["atlantis"], "destinationAreaId": "ulsoor", "seats": 2},
        "stationIds",
    ),
    (
        "POST",
        "/driver/routes",
        {"stationIds": ["mg-road", "mg-road"], "destinationAreaId": "ulsoor", "seats": 2},
        "stationIds",
    ),
    (
        "POST",
        "/driver/routes",
        {"stationIds": ["mg-road"], "destinationAreaId": "malleswaram", "seats": 2},
        "destinationAreaId",
    ),
    (
        "POST",
        "/driver/routes",
        {"stationIds": [{"$gt": ""}], "destinationAreaId": "ulsoor", "seats": 2},
        "stationIds",
    ),
    (
        "POST",
        "/driver/routes",
        {"stationIds": "mg-road", "destinationAreaId": "ulsoor", "seats": 2},
        "stationIds",
    ),
    ("POST", "/driver/location", {"lat": 91, "lon": 77}, "lat"),
    ("POST", "/driver/location", {"lat": 12.9, "lon": -181}, "lon"),
    ("POST", "/driver/location", b'{"lat": NaN, "lon": 77}', None),
    ("POST", "/driver/location", b'{"lat": Infinity, "lon": 77}', None),
    ("POST", "/driver/location", {"lat": "12.9", "lon": 77}, "lat"),
    ("POST", "/driver/location", {"lat": 12.9}, "lon"),
    ("POST", "/driver/location", {"lat": 12.9, "lon": 77.5, "speedMps": -1}, "speedMps"),
    (
        "POST",
        "/rider/requests",
        {"stationId": "mg-road", "destinationAreaId": "ulsoor", "arrivalTime": "tomorrow"},
        "arrivalTime",
    ),
    (
        "POST",
        "/rider/requests",
        {
            "stationId": "mg-road",
            "destinationAreaId": "ulsoor",
            "arrivalTime": "2020-01-01T00:00:00Z",
        },
        "arrivalTime",
    ),
    (
        "POST",
        "/rider/requests",
        {"stationId": "mg-road", "destinationAreaId": "malleswaram", "arrivalTime": "SOON"},
        "destinationAreaId",
    ),
    (
        "POST",
        "/rider/requests",
        {"stationId": "atlantis", "destinationAreaId": "ulsoor", "arrivalTime": "SOON"},
        "stationId",
    ),
    (
        "POST",
        "/rider/requests",
        {"stationId": {"$gt": ""}, "destinationAreaId": "ulsoor", "arrivalTime": "SOON"},
        "stationId",
    ),
    ("POST", "/notifications/read", {"upTo": -1}, "upTo"),
    ("POST", "/notifications/read", {"upTo": "all"}, "upTo"),
    ("GET", "/notifications?limit=0", None, "limit"),
    ("GET", "/notifications?after=abc", None, "after"),
    ("POST", "/trips/{trip}/pickup", {"riders": []}, "riders"),
    ("POST", "/trips/{trip}/pickup", {"riders": [{"riderId": "x", "pin": "12a4"}]}, "riders"),
    ("POST", "/trips/{trip}/rating", {"stars": 6}, "stars"),
    ("DELETE", "/rider/requests/{request}?reason=bored", None, "reason"),
    ("POST", "/trips/{trip}/rating", {"stars": 5, "comment": "x" * 281}, "comment"),
]


@pytest.mark.parametrize("method,path,body,field", BAD)
def test_bad_input_is_400_and_changes_nothing(
    http, world, mongo_db, method, path, body, field
) -> None:
    role = "rider" if path.startswith(("/rider", "/notifications")) else "driver"
    token = world[role]["token"]
    if isinstance(body, dict) and body.get("arrivalTime") == "SOON":
        body = {**body, "arrivalTime": in_minutes(5)}
    before = {
        c: list(mongo_db[c].find({}, {"updatedAt": 0}))
        for c in ("routes", "ride_requests", "users", "trips")
    }
    url = path.format(**world)
    if isinstance(body, bytes | list) or body is None:
        content = (
            body if isinstance(body, bytes) else (None if body is None else str(body).encode())
        )
        answer = http.request(
            method,
            url,
            content=content,
            headers={**bearer(token), "Content-Type": "application/json"},
        )
    else:
        answer = http.request(method, url, json=body, headers=bearer(token))
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "INVALID_ARGUMENT" and error["message"]
    if field:
        assert error.get("field", "").split(".")[0] == field, error
    after = {c: list(mongo_db[c].find({}, {"updatedAt": 0})) for c in before}
    assert after == before


def test_oversized_bodies_are_413(http, world) -> None:
    answer = http.post(
        "/driver/location",
        headers={**bearer(world["driver"]["token"]), "Content-Type": "application/json"},
        content=b'{"lat": 1, "lon": 2, "pad": "' + b"x" * 70_000 + b'"}',
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_a_dead_backend_is_503_quickly_and_recovers(cluster, http, world) -> None:
    rider = bearer(world["rider"]["token"])
    assert http.get("/rider/requests", headers=rider).status_code == 200
    assert cluster.running["rider"].stop() == 0
    started = time.monotonic()
    down = http.get("/rider/requests", headers=rider)
    assert down.status_code == 503 and down.json()["error"]["code"] == "UNAVAILABLE"
    assert time.monotonic() - started < 5
    assert http.get("/stations").status_code == 200
    ready = http.get("/readyz")
    assert ready.status_code == 503 and ready.json()["services"]["rider"] == "down"
    cluster.running["rider"].start()
    cluster.running["rider"].wait_healthy()
    deadline = time.monotonic() + 10
    while http.get("/rider/requests", headers=rider).status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_cors_only_for_configured_origins_and_security_headers_on_every_answer(
    cluster: Cluster,
) -> None:
    site = "https://app.lastmile.example"
    gateway = start_gateway(cluster, {"CORS_ORIGINS": f"{site}, https://ops.lastmile.example"})
    try:
        with httpx.Client(base_url=gateway.url, timeout=15) as http:
            allowed = http.get("/stations", headers={"Origin": site})
            assert allowed.status_code == 200
            assert allowed.headers["Access-Control-Allow-Origin"] == site
            assert allowed.headers["Vary"] == "Origin"
            preflight = http.options(
                "/driver/location",
                headers={"Origin": site, "Access-Control-Request-Method": "POST"},
            )
            assert preflight.status_code == 204
            assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
            assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]

            foreign = http.get("/stations", headers={"Origin": "https://evil.example"})
            assert foreign.status_code == 200
            assert "Access-Control-Allow-Origin" not in foreign.headers
            foreign_preflight = http.options(
                "/driver/location", headers={"Origin": "https://evil.example"}
            )
            assert "Access-Control-Allow-Origin" not in foreign_preflight.headers

            answers = [allowed, preflight, foreign, http.get("/me"), http.get("/nowhere")]
            for answer in answers:
                assert answer.headers["X-Content-Type-Options"] == "nosniff"
                assert answer.headers["X-Frame-Options"] == "DENY"
                assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
                assert len(answer.headers.get_list("X-Frame-Options")) == 1
    finally:
        assert gateway.stop() == 0
