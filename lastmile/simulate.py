"""Simulated traffic through the public REST API: drivers drive routes through the stations
(positions every second), riders arrive at stations with destinations, drivers pick up and
complete their trips. Counts requests, matches, pick-ups, completed trips and errors."""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.live import Live

from lastmile.drive import Drive, Place, RoutePlan, StationInfo, route_plans
from lastmile.rest import ApiError, RestClient, signup_body

MAX_REPORTED_SPEED_MPS = 100.0  # the API's bound on speedMps
TICK_S = 1.0
POLL_RIDERS_S = 5.0
SHARE_AIMED_AT_DRIVERS = 0.8  # the rest ask for any area and may wait in vain
NAMES = ("Asha", "Ravi", "Meera", "Arjun", "Kavya", "Rohan", "Divya", "Kiran", "Nisha", "Vikram")
CARS = ("Maruti Swift", "Hyundai i20", "Tata Nexon", "Honda City", "Kia Sonet")
FINAL = {"DROPPED_OFF", "CANCELLED", "EXPIRED", "NO_SHOW"}
READY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class SimConfig:
    gateway: str
    drivers: int = 6
    riders_per_minute: float = 30.0
    duration_s: float = 0.0
    speed_mps: float = 30 / 3.6
    speedup: float = 10.0
    seed: int | None = None
    quiet: bool = False


@dataclass
class Counts:
    requests: int = 0
    retries: int = 0
    errors: int = 0
    routes: int = 0
    ride_requests: int = 0
    matched: int = 0
    picked_up: int = 0
    trips_completed: int = 0
    last_errors: list[str] = field(default_factory=list)

    def line(self, elapsed: float) -> str:
        return (
            f"{elapsed:5.0f} s | http {self.requests} ({self.requests / max(elapsed, 1):.0f}/s) | "
            f"routes {self.routes} | ride requests {self.ride_requests} | matched {self.matched}"
            f" | picked up {self.picked_up} | trips completed {self.trips_completed} | "
            f"retries {self.retries} | errors {self.errors}"
        )


class Api:
    """The REST client of every simulated user; counts requests, retries and failures."""

    def __init__(self, base: str, counts: Counts, log_errors: bool = False) -> None:
        self.rest = RestClient(base)
        self.counts = counts
        self.log_errors = log_errors

    async def call(
        self, method: str, path: str, token: str = "", body: Any = None, expect: int = 200
    ) -> Any:
        try:
            answer = await self.rest.call(method, path, token, body, expect)
        except ApiError as exc:
            self.counts.requests += 1 + exc.retries
            self.counts.retries += exc.retries
            self._failed(f"{method} {path}: {exc}")
            raise
        self.counts.requests += 1 + answer.retries
        self.counts.retries += answer.retries
        return answer.body

    def _failed(self, text: str) -> None:
        self.counts.errors += 1
        self.counts.last_errors = [*self.counts.last_errors[-4:], text]
        if self.log_errors:
            print(f"error: {text}", flush=True)

    async def wait_ready(self) -> None:
        if not await self.rest.ready(READY_TIMEOUT_S):
            raise SystemExit(f"the gateway at {self.rest.http.base_url} is not ready")

    async def sign_up(self, role: str, name: str, **extra: Any) -> tuple[str, str]:
        answer = await self.call("POST", "/auth/signup", "", signup_body(role, name, **extra), 201)
        return answer["token"], answer["user"]["id"]

    async def close(self) -> None:
        await self.rest.close()


def _stations(raw: list[dict[str, Any]]) -> list[StationInfo]:
    def place(d: dict[str, Any]) -> Place:
        return Place(d["id"], d["location"]["lat"], d["location"]["lon"])

    return [
        StationInfo(place(s), float(s["triggerRadiusM"]), tuple(place(a) for a in s["areas"]))
        for s in raw
    ]


@dataclass
class DriverOnRoad:
    plan: RoutePlan
    drive: Drive
    passed: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Waiting:
    token: str
    rider_id: str
    station_id: str
    area_id: str


class Simulation:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.counts = Counts()
        self.api = Api(config.gateway, self.counts, log_errors=config.quiet)
        self.stations: list[StationInfo] = []
        self.plans: list[RoutePlan] = []
        self.on_road: dict[int, DriverOnRoad] = {}
        self.idle_riders: list[tuple[str, str]] = []
        self.waiting: dict[str, Waiting] = {}  # by request id
        self.stop = asyncio.Event()

    # --- drivers ----------------------------------------------------------------------------

    async def driver(self, number: int) -> None:
        name = f"{NAMES[number % len(NAMES)]} (driver {number + 1})"
        vehicle = {"plate": f"KA01SM{1000 + number}", "model": self.rng.choice(CARS)}
        token = ""  # no token yet  # nosec B105
        while not token and not self.stop.is_set():
            try:
                token, _ = await self.api.sign_up("driver", name, vehicle=vehicle)
            except ApiError:
                await self._sleep(5)
        # Drivers join over the first few seconds rather than all at once.
        await self._sleep(self.rng.uniform(0, 3))
        while not self.stop.is_set():
            try:
                await self.drive_one_route(number, token)
            except ApiError:
                await self._sleep(2)
            finally:
                self.on_road.pop(number, None)
            await self._sleep(self.rng.uniform(1, 4))

    async def drive_one_route(self, number: int, token: str) -> None:
        plan = self.choose_plan()
        body = {
            "stationIds": plan.station_ids,
            "destinationAreaId": plan.destination.id,
            "seats": self.rng.randint(2, 4),
        }
        route = await self.api.call("POST", "/driver/routes", token, body, expect=201)
        self.counts.routes += 1
        state = DriverOnRoad(plan, Drive.along(plan))
        self.on_road[number] = state
        step_m = self.config.speed_mps * self.config.speedup * TICK_S
        speed = min(MAX_REPORTED_SPEED_MPS, self.config.speed_mps * self.config.speedup)
        trip_id, on_board = "", False
        while not state.drive.finished and not self.stop.is_set():
            tick = time.monotonic()
            reached = state.drive.advance(step_m)
            at = state.drive.position
            answer = await self.api.call(
                "POST",
                "/driver/location",
                token,
                {"lat": at.lat, "lon": at.lon, "speedMps": speed},
                expect=202,
            )
            for hit in answer["triggered"]:
                trip_id = hit["tripId"] or trip_id
                self.counts.matched += len(hit["riderIds"])
            if reached is not None and reached.id in plan.station_ids:
                state.passed.add(reached.id)
                if trip_id:
                    on_board = await self.pick_up(token, trip_id, reached.id) or on_board
            await self._sleep(TICK_S - (time.monotonic() - tick))
        if on_board:
            await self.api.call("POST", f"/trips/{trip_id}/complete", token)
            self.counts.trips_completed += 1
        else:
            # Nobody picked up (or the run is ending first): the route is withdrawn, and any
            # rider matched to it goes back to waiting.
            await self.api.call("DELETE", f"/driver/routes/{route['id']}", token)

    async def pick_up(self, token: str, trip_id: str, station_id: str) -> bool:
        trip = await self.api.call("GET", f"/trips/{trip_id}", token)
        here = [
            r for r in trip["riders"] if r["stationId"] == station_id and r["status"] == "MATCHED"
        ]
        told = [await self.pin_of(r) for r in here]
        riders = [
            {"riderId": r["riderId"], "pin": pin} for r, pin in zip(here, told, strict=True) if pin
        ]
        if riders:
            await self.api.call("POST", f"/trips/{trip_id}/pickup", token, {"riders": riders})
            self.counts.picked_up += len(riders)
        return bool(riders)

    async def pin_of(self, entry: dict[str, Any]) -> str:
        """The PIN the rider tells the driver at the car (read from the rider's own view)."""
        waiting = self.waiting.get(entry["requestId"])
        if waiting is None:
            return ""
        try:
            path = f"/rider/requests/{entry['requestId']}"
            mine = await self.api.call("GET", path, waiting.token)
        except ApiError:
            return ""
        return mine.get("pin") or ""

    def choose_plan(self) -> RoutePlan:
        """Mostly a route that serves someone already waiting, as drivers go where the demand
        is; otherwise any route."""
        wanted = {(w.station_id, w.area_id) for w in self.waiting.values()}
        serving = [
            p for p in self.plans if any((sid, p.destination.id) in wanted for sid in p.station_ids)
        ]
        if serving and self.rng.random() < SHARE_AIMED_AT_DRIVERS:
            return self.rng.choice(serving)
        return self.rng.choice(self.plans)

    # --- riders -----------------------------------------------------------------------------

    def choose_ride(self) -> tuple[str, str]:
        """A station and destination: mostly ones an approaching driver serves, so matches
        happen; otherwise any station and area."""
        ahead = [
            (station, road.plan.destination)
            for road in self.on_road.values()
            for station in road.plan.stations
            if station.place.id not in road.passed
            and road.drive.distance_to(station.place) > station.radius_m + 100
        ]
        if ahead and self.rng.random() < SHARE_AIMED_AT_DRIVERS:
            station, area = self.rng.choice(ahead)
            return station.place.id, area.id
        station = self.rng.choice(self.stations)
        return station.place.id, self.rng.choice(station.areas).id

    async def rider_arrives(self) -> None:
        if self.idle_riders:
            token, rider_id = self.idle_riders.pop()
        else:
            name = f"{self.rng.choice(NAMES)} (rider)"
            token, rider_id = await self.api.sign_up("rider", name)
        station_id, area_id = self.choose_ride()
        arrival = datetime.now(UTC) + timedelta(minutes=1)
        body = {
            "stationId": station_id,
            "destinationAreaId": area_id,
            "arrivalTime": arrival.isoformat().replace("+00:00", "Z"),
        }
        try:
            request = await self.api.call("POST", "/rider/requests", token, body, expect=201)
        except ApiError:
            self.idle_riders.append((token, rider_id))
            return
        self.counts.ride_requests += 1
        self.waiting[request["id"]] = Waiting(token, rider_id, station_id, area_id)

    async def riders(self) -> None:
        rate_per_s = self.config.riders_per_minute / 60
        tasks: set[asyncio.Task[None]] = set()
        while not self.stop.is_set():
            await self._sleep(self.rng.expovariate(rate_per_s))
            if self.stop.is_set():
                break
            task = asyncio.create_task(self._quietly(self.rider_arrives()))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)

    async def follow_riders(self) -> None:
        """Riders whose request has ended become free to ask again."""
        while not self.stop.is_set():
            await self._sleep(POLL_RIDERS_S)
            for request_id, w in list(self.waiting.items()):
                try:
                    request = await self.api.call("GET", f"/rider/requests/{request_id}", w.token)
                except ApiError:
                    continue
                if request["status"] in FINAL:
                    del self.waiting[request_id]
                    self.idle_riders.append((w.token, w.rider_id))

    # --- running ----------------------------------------------------------------------------

    async def _sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)

    @staticmethod
    async def _quietly(work: Any) -> None:
        with contextlib.suppress(ApiError):  # counted by the client
            await work

    async def run(self) -> Counts:
        await self.api.wait_ready()
        self.stations = _stations(await self.api.call("GET", "/stations"))
        self.plans = route_plans(self.stations)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop.set)
        started = time.monotonic()
        tasks = [
            asyncio.create_task(self._quietly(self.driver(n))) for n in range(self.config.drivers)
        ]
        tasks += [asyncio.create_task(self.riders()), asyncio.create_task(self.follow_riders())]
        console = Console(width=200) if self.config.quiet else Console()
        try:
            if self.config.quiet:
                await self._report_every(10, started, console)
            else:
                with Live(console=console, refresh_per_second=2, transient=False) as live:
                    while not self._done(started):
                        live.update(self.counts.line(time.monotonic() - started))
                        await self._sleep(0.5)
        finally:
            self.stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.api.close()
        console.print(self.counts.line(time.monotonic() - started))
        for text in self.counts.last_errors:
            console.print(f"  error: {text}", markup=False)
        return self.counts

    def _done(self, started: float) -> bool:
        return self.stop.is_set() or (
            self.config.duration_s > 0 and time.monotonic() - started >= self.config.duration_s
        )

    async def _report_every(self, seconds: float, started: float, console: Console) -> None:
        next_report = started + seconds
        while not self._done(started):
            await self._sleep(min(0.5, next_report - time.monotonic()))
            if time.monotonic() >= next_report:
                console.print(self.counts.line(time.monotonic() - started))
                next_report += seconds


def run_simulation(config: SimConfig) -> Counts:
    return asyncio.run(Simulation(config).run())
