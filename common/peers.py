"""Stubs for calling other LastMile services: one channel per peer per process, created on
first use and closed at shutdown."""

from __future__ import annotations

from typing import Any

import grpc

from api.lastmile.v1 import (
    driver_pb2_grpc,
    location_pb2_grpc,
    matching_pb2_grpc,
    notification_pb2_grpc,
    rider_pb2_grpc,
    station_pb2_grpc,
    trip_pb2_grpc,
    user_pb2_grpc,
)
from common.channels import aio_channel
from common.metadata import value_of
from common.settings import ServiceSettings

# Call metadata in which the gateway names the client it serves (for per-address limits).
CLIENT_ADDRESS_KEY = "x-client-address"


def client_address(context: grpc.aio.ServicerContext) -> str:
    """The address of the client a call is made for: as the gateway names it, else the
    caller's own peer address."""
    named = value_of(context, CLIENT_ADDRESS_KEY)
    if named:
        return named[:64]
    peer = context.peer() or "unknown"  # e.g. "ipv4:127.0.0.1:50312"
    return peer.rsplit(":", 1)[0].split(":", 1)[-1]


STUB_CLASSES: dict[str, Any] = {
    "user": user_pb2_grpc.UserServiceStub,
    "station": station_pb2_grpc.StationServiceStub,
    "driver": driver_pb2_grpc.DriverServiceStub,
    "rider": rider_pb2_grpc.RiderServiceStub,
    "location": location_pb2_grpc.LocationServiceStub,
    "matching": matching_pb2_grpc.MatchingServiceStub,
    "trip": trip_pb2_grpc.TripServiceStub,
    "notification": notification_pb2_grpc.NotificationServiceStub,
}


class Peers:
    def __init__(self, settings: ServiceSettings) -> None:
        self._settings = settings
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._stubs: dict[str, Any] = {}

    def stub(self, service: str) -> Any:
        stub = self._stubs.get(service)
        if stub is None:
            channel = aio_channel(self._settings.peer(service), self._settings.rpc_timeout_s)
            self._channels[service] = channel
            stub = self._stubs[service] = STUB_CLASSES[service](channel)
        return stub

    @property
    def user(self) -> user_pb2_grpc.UserServiceStub:
        return self.stub("user")

    @property
    def station(self) -> station_pb2_grpc.StationServiceStub:
        return self.stub("station")

    @property
    def driver(self) -> driver_pb2_grpc.DriverServiceStub:
        return self.stub("driver")

    @property
    def rider(self) -> rider_pb2_grpc.RiderServiceStub:
        return self.stub("rider")

    @property
    def matching(self) -> matching_pb2_grpc.MatchingServiceStub:
        return self.stub("matching")

    @property
    def trip(self) -> trip_pb2_grpc.TripServiceStub:
        return self.stub("trip")

    @property
    def notification(self) -> notification_pb2_grpc.NotificationServiceStub:
        return self.stub("notification")

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()
        self._stubs.clear()
