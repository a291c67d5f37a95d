"""HTTP helpers for tests against the real gateway."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from common.geo import destination_point
from tests.ride import MG_ROAD

PASSWORD = "a good long password"
BIN = Path(sys.executable).parent


def phone() -> str:
    return "+9166" + str(uuid.uuid4().int)[:8]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signup(http: httpx.Client, role: str, name: str = "Test User", **extra: Any) -> dict[str, Any]:
    """A new account. A busy service (429 or 503 asking for a short wait) is waited for and
    asked again with the same Idempotency-Key, as a careful client would."""
    body = {"name": name, "phone": phone(), "password": PASSWORD, "role": role, **extra}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    for _ in range(5):
        answer = http.post("/auth/signup", json=body, headers=key)
        wait = answer.headers.get("Retry-After", "1")
        if answer.status_code not in (429, 503) or not wait.isdigit() or int(wait) > 20:
            break
        time.sleep(int(wait))
    assert answer.status_code == 201, answer.text
    return answer.json()


def in_minutes(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def create_operator(mongo_uri: str, db_name: str, operator_phone: str, name: str = "Ops") -> str:
    """Runs the operators' CLI (`lastmile operator create`) against the test database; its
    output."""
    done = subprocess.run(
        [
            str(BIN / "lastmile"),
            "operator",
            "create",
            "--name",
            name,
            "--phone",
            operator_phone,
            "--mongodb-uri",
            mongo_uri,
            "--db-name",
            db_name,
        ],
        env={**os.environ, "OPERATOR_PASSWORD": PASSWORD},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def operator_login(http: httpx.Client, mongo_uri: str, db_name: str) -> dict[str, Any]:
    """A new operator, logged in through the gateway."""
    number = phone()
    create_operator(mongo_uri, db_name, number)
    answer = http.post("/auth/login", json={"phone": number, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return answer.json()


def waiting_rider_and_driver(http: httpx.Client) -> tuple[dict[str, Any], dict[str, Any]]:
    """A rider waiting at MG Road for Ulsoor and a one-seat driver on a route there, both
    signed up (their sign-up answers, tokens included)."""
    driver = signup(http, "driver", "Ravi", vehicle={"plate": "KA01AB1", "model": "Swift"})
    rider = signup(http, "rider", "Asha")
    d, r = bearer(driver["token"]), bearer(rider["token"])
    body = {"stationId": "mg-road", "destinationAreaId": "ulsoor", "arrivalTime": in_minutes(2)}
    assert http.post("/rider/requests", headers=r, json=body).status_code == 201
    route = {"stationIds": ["mg-road"], "destinationAreaId": "ulsoor", "seats": 1}
    assert http.post("/driver/routes", headers=d, json=route).status_code == 201
    return driver, rider


def whole_ride(http: httpx.Client) -> None:
    """A rider and a driver sign up and ride MG Road → Ulsoor, from request to drop-off."""
    assert len(http.get("/stations").json()) == 10  # seeded by the station service
    driver, rider = waiting_rider_and_driver(http)
    d, r = bearer(driver["token"]), bearer(rider["token"])
    hits = []
    for metres in (3000, 2000, 900):
        lat, lon = destination_point(*MG_ROAD, 180, metres)
        answer = http.post("/driver/location", headers=d, json={"lat": lat, "lon": lon})
        assert answer.status_code == 202, answer.text
        hits += answer.json()["triggered"]
    (hit,) = hits
    trip = f"/trips/{hit['tripId']}"
    (mine,) = http.get("/rider/requests", headers=r).json()
    told = {"riders": [{"riderId": rider["user"]["id"], "pin": mine["pin"]}]}
    assert http.post(f"{trip}/pickup", headers=d, json=told).json()["status"] == "ACTIVE"
    assert http.post(f"{trip}/complete", headers=d).json()["status"] == "COMPLETED"
    (mine,) = http.get("/rider/requests", headers=r).json()
    assert mine["status"] == "DROPPED_OFF"
