"""The stations as a service holds them: read from the station service and kept a while.
Stations are reference data, seeded and never changed through the API, yet every ride request
and every route checks its station and area; one read per minute instead of one per check."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from api.lastmile.v1 import station_pb2

TTL_S = 60.0


class StationCatalog:
    def __init__(self, stub: Callable[[], Any], ttl_s: float = TTL_S) -> None:
        # The StationService stub, asked for when first needed (the service's peers.station).
        self._stub = stub
        self._ttl_s = ttl_s
        self._by_id: dict[str, station_pb2.Station] = {}
        self._expires = float("-inf")

    async def stations(self, fresh: bool = False) -> dict[str, station_pb2.Station]:
        """Every station by id, read again when older than the TTL (or when `fresh`)."""
        now = time.monotonic()
        if fresh or now >= self._expires:
            answer = await self._stub().ListStations(station_pb2.ListStationsRequest())
            self._by_id = {s.id: s for s in answer.stations}
            self._expires = now + self._ttl_s
        return self._by_id

    async def among(self, station_ids: list[str]) -> dict[str, station_pb2.Station]:
        """The stations of `station_ids` that exist; when one is not known, they are looked for
        again in a fresh read before it is said not to exist (left out)."""
        stations = await self.stations()
        if not set(station_ids) <= set(stations):
            stations = await self.stations(fresh=True)  # one added since the last read?
        return {i: stations[i] for i in station_ids if i in stations}

    async def get(self, station_id: str) -> station_pb2.Station | None:
        """One station, or None (after a fresh read) when there is no such station."""
        return (await self.among([station_id])).get(station_id) if station_id else None
