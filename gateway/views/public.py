"""Accounts and stations."""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, g

from api.lastmile.v1 import common_pb2, station_pb2, user_pb2
from gateway import auth, backends, convert, models
from gateway.backends import stub
from gateway.spec import endpoint

bp = Blueprint("public", __name__)
ROLE_IN = {"rider": user_pb2.ROLE_RIDER, "driver": user_pb2.ROLE_DRIVER}


def _auth(answer: user_pb2.AuthResponse) -> models.Auth:
    return models.Auth(token=answer.token, user=convert.user(answer.user))


@endpoint(
    bp,
    "POST",
    "/auth/signup",
    "Create an account",
    role="public",
    body=models.SignUpBody,
    response=models.Auth,
    status=201,
)
def signup(body: models.SignUpBody) -> models.Auth:
    request = user_pb2.SignUpRequest(
        name=body.name,
        phone=body.phone,
        password=body.password,
        role=ROLE_IN[body.role],
        idempotency_key=backends.idempotency_key(),
    )
    if body.vehicle:
        request.vehicle.CopyFrom(
            common_pb2.Vehicle(plate=body.vehicle.plate, model=body.vehicle.model)
        )
    return _auth(stub("user").SignUp(request, metadata=backends.client_metadata()))


@endpoint(
    bp, "POST", "/auth/login", "Log in", role="public", body=models.LoginBody, response=models.Auth
)
def login(body: models.LoginBody) -> models.Auth:
    return _auth(
        stub("user").Login(
            user_pb2.LoginRequest(phone=body.phone, password=body.password),
            metadata=backends.client_metadata(),
        )
    )


@endpoint(bp, "POST", "/auth/logout", "Log this token out", role="any", status=204)
def logout() -> Response:
    auth.revoke()
    return Response(status=204)


@endpoint(bp, "GET", "/me", "The caller's account", response=models.User)
def me() -> models.User:
    me_id = g.principal.user_id
    return convert.user(
        stub("user").GetUser(user_pb2.GetUserRequest(user_id=me_id)), backends.rating_of(me_id)
    )


@endpoint(
    bp,
    "GET",
    "/stations",
    "Every station with its areas",
    role="public",
    response=list[models.Station],
)
def stations() -> Response:
    return _stations_json()


_STATIONS_TTL_S = 30.0
_stations_cache: tuple[float, bytes] | None = None


def _stations_json() -> Response:
    """Stations are reference data: rendered once and served from memory for 30 s."""
    global _stations_cache
    now = time.monotonic()
    if _stations_cache is None or _stations_cache[0] < now:
        answer = stub("station").ListStations(station_pb2.ListStationsRequest())
        body = json.dumps(
            [convert.station(s).model_dump(by_alias=True, mode="json") for s in answer.stations]
        ).encode()
        _stations_cache = (now + _STATIONS_TTL_S, body)
    return Response(_stations_cache[1], mimetype="application/json")


@endpoint(
    bp, "GET", "/stations/{station_id}", "One station", role="public", response=models.Station
)
def station(station_id: str) -> models.Station:
    return convert.station(
        stub("station").GetStation(station_pb2.GetStationRequest(station_id=station_id))
    )
