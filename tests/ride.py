"""Helpers for ride-flow tests: users, routes, requests, driving, notification streams."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc

from api.lastmile.v1 import (
    common_pb2,
    driver_pb2,
    location_pb2,
    notification_pb2,
    rider_pb2,
    trip_pb2,
    user_pb2,
)
from common.convert import to_timestamp
from common.geo import destination_point
from tests.harness import Cluster

ALL = ("station", "user", "notification", "driver", "rider", "trip", "matching", "location")
MG_ROAD = (12.9755, 77.6068)
TRINITY = (12.973, 77.617)
PASSWORD = "a good long password"


def phone() -> str:
    return "+9177" + str(uuid.uuid4().int)[:8]


async def sign_up(c: Cluster, role: int, name: str) -> user_pb2.User:
    extra = {}
    if role == user_pb2.ROLE_DRIVER:
        extra["vehicle"] = common_pb2.Vehicle(plate="KA01AB1234", model="Swift")
    answer = await c.stub("user").SignUp(
        user_pb2.SignUpRequest(name=name, phone=phone(), password=PASSWORD, role=role, **extra)
    )
    return answer.user


async def driver(c: Cluster, name: str = "Ravi") -> user_pb2.User:
    return await sign_up(c, user_pb2.ROLE_DRIVER, name)


async def rider(c: Cluster, name: str = "Asha") -> user_pb2.User:
    return await sign_up(c, user_pb2.ROLE_RIDER, name)


async def route(
    c: Cluster,
    driver_id: str,
    stations: tuple[str, ...] = ("mg-road", "trinity"),
    area: str = "domlur",
    seats: int = 3,
) -> driver_pb2.Route:
    return await c.stub("driver").CreateRoute(
        driver_pb2.CreateRouteRequest(
            driver_id=driver_id, station_ids=list(stations), destination_area_id=area, seats=seats
        )
    )


async def request(
    c: Cluster,
    rider_id: str,
    station: str = "mg-road",
    area: str = "domlur",
    arrival: datetime | None = None,
) -> rider_pb2.RideRequest:
    arrival = arrival or datetime.now(UTC) + timedelta(minutes=2)
    return await c.stub("rider").CreateRequest(
        rider_pb2.CreateRideRequestRequest(
            rider_id=rider_id,
            station_id=station,
            destination_area_id=area,
            arrival_time=to_timestamp(arrival),
        )
    )


def south_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return destination_point(point[0], point[1], 180, metres)


def update(
    driver_id: str, lat: float, lon: float, speed: float = 10
) -> location_pb2.PositionUpdate:
    return location_pb2.PositionUpdate(
        driver_id=driver_id, position=common_pb2.LatLon(lat=lat, lon=lon), speed_mps=speed
    )


async def move(
    c: Cluster, driver_id: str, metres_south_of_mg_road: float
) -> location_pb2.UpdateResult:
    lat, lon = south_of(MG_ROAD, metres_south_of_mg_road)
    return await c.stub("location").UpdatePosition(update(driver_id, lat, lon))


async def request_status(c: Cluster, request_id: str) -> int:
    got = await c.stub("rider").GetRequest(rider_pb2.GetRideRequestRequest(request_id=request_id))
    return got.status


class Inbox:
    """A live Subscribe stream collected in the background."""

    def __init__(self, c: Cluster, user_id: str, after_seq: int = 0) -> None:
        self.items: list[notification_pb2.Notification] = []
        self._call = c.stub("notification").Subscribe(
            notification_pb2.SubscribeRequest(
                user_id=user_id, after_seq=after_seq, heartbeat_seconds=1
            )
        )
        self._task = asyncio.create_task(self._read())
        self._changed = asyncio.Event()

    async def _read(self) -> None:
        with contextlib.suppress(grpc.aio.AioRpcError, asyncio.CancelledError):
            async for event in self._call:
                if event.HasField("notification"):
                    self.items.append(event.notification)
                    self._changed.set()

    def kinds(self) -> list[str]:
        return [
            notification_pb2.NotificationKind.Name(n.kind).removeprefix("NOTIFICATION_KIND_")
            for n in self.items
        ]

    async def wait_for(self, count: int, within: float = 10) -> list[notification_pb2.Notification]:
        async def enough() -> None:
            while len(self.items) < count:
                self._changed.clear()
                await self._changed.wait()

        async with asyncio.timeout(within):
            await enough()
        return self.items

    async def close(self) -> None:
        self._call.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@contextlib.asynccontextmanager
async def inbox(c: Cluster, user_id: str, after_seq: int = 0) -> AsyncIterator[Inbox]:
    box = Inbox(c, user_id, after_seq)
    try:
        yield box
    finally:
        await box.close()


def _pins_of(trip: trip_pb2.Trip, rider_ids: list[str]) -> tuple[dict[str, str], list[str]]:
    """(rider -> request id) of the riders' current entries, and the request ids."""
    current = {}
    for r in trip.riders:  # in booking order: the last entry of a rider is the current one
        if r.rider_id in rider_ids:
            current[r.rider_id] = r.request_id
    return current, list(current.values())


def _told(current: dict[str, str], answer: Any, rider_ids: list[str]) -> dict[str, str]:
    """Each rider's PIN from their current request; "0000" (matching nothing) for the rest."""
    by_request = {r.id: r.pin for r in answer.requests}
    return {rider: by_request.get(current.get(rider, ""), "0000") for rider in rider_ids}


async def pins(c: Cluster, trip_id: str, rider_ids: list[str]) -> dict[str, str]:
    """The PINs the riders would tell the driver (read from their requests)."""
    trip = await c.stub("trip").GetTrip(trip_pb2.GetTripRequest(trip_id=trip_id))
    current, request_ids = _pins_of(trip, rider_ids)
    answer = await c.stub("rider").GetRequests(
        rider_pb2.GetRideRequestsRequest(request_ids=request_ids)
    )
    return _told(current, answer, rider_ids)


def pins_sync(trips: Any, riders: Any, trip_id: str, rider_ids: list[str]) -> dict[str, str]:
    """`pins` through blocking stubs; riders not on the trip get a PIN that matches nothing."""
    try:
        trip = trips.GetTrip(trip_pb2.GetTripRequest(trip_id=trip_id))
    except grpc.RpcError:
        return dict.fromkeys(rider_ids, "0000")
    current, request_ids = _pins_of(trip, rider_ids)
    answer = riders.GetRequests(rider_pb2.GetRideRequestsRequest(request_ids=request_ids))
    return _told(current, answer, rider_ids)


async def pick_up(c: Cluster, trip_id: str, driver_id: str, rider_ids: list[str]) -> trip_pb2.Trip:
    """The driver picks the riders up, each telling their PIN."""
    return await c.stub("trip").PickUp(
        trip_pb2.TripRidersRequest(
            trip_id=trip_id,
            driver_id=driver_id,
            rider_ids=rider_ids,
            pins=await pins(c, trip_id, rider_ids),
        )
    )
