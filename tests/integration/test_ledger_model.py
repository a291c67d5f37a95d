"""Model-based test of the ride ledger: random sequences of what riders, drivers and the clock
do, sent to the real services over gRPC (two location replicas, two matching replicas, the
embedded database), checked after every step against the plain-Python model in
tests/ledger_model.py and against the promises that hold whatever the sequence:

- no request holds a seat on two trips; every MATCHED or PICKED_UP request is on its trip, and
  every trip entry's request is in the entry's state;
- 0 <= seats free == capacity - entries holding a seat, for every route;
- both sides of every match have its MATCHED notification;
- when a route's trigger fires at a station, nobody eligible for it is left WAITING while it
  has a free seat.

`make test` runs LEDGER_MODEL_EXAMPLES sequences (60) of LEDGER_MODEL_STEPS steps (25) with
fixed sequences; `make soak` runs thousands from a random seed it prints
(`--hypothesis-seed=N` replays them).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from pymongo import MongoClient

from api.lastmile.v1 import (
    common_pb2,
    driver_pb2,
    location_pb2,
    rider_pb2,
    station_pb2,
    trip_pb2,
    user_pb2,
)
from common.channels import sync_channel
from common.convert import to_timestamp
from common.ids import trip_id_for_route
from common.peers import STUB_CLASSES
from common.zones import Zone, zone_hit
from services.location.tracking import etas
from tests import ledger_model as lm
from tests.harness import Cluster
from tests.ride import PASSWORD, phone

pytestmark = pytest.mark.integration

SEEN: Counter[str] = Counter()
EXAMPLES = int(os.environ.get("LEDGER_MODEL_EXAMPLES", "60"))
STEPS = int(os.environ.get("LEDGER_MODEL_STEPS", "25"))
SOAK = os.environ.get("LEDGER_MODEL_SOAK") == "1"
EXPIRY_S = 300
SPEED_MPS = 10.0
AREAS = {
    "mg-road": ("domlur", "ulsoor"),
    "trinity": ("domlur", "ulsoor", "murphy-town"),
    "indiranagar": ("domlur",),
}
STATIONS = tuple(AREAS)
# Minutes from now; none near the edge of a window (the driver's ETA + 5 min, or expiry).
ARRIVALS = (-9, -1, 0, 3, 40)
HOW = st.sampled_from(["once", "twice", "two replicas at once"])
COLLECTIONS = ("ride_requests", "routes", "trips", "notifications", "triggers")
SERVICE_ENV = {
    "REQUEST_EXPIRY_S": str(EXPIRY_S),
    "EXPIRY_SWEEP_S": "3600",  # the model's clock: expiry runs only when a step asks for it
    "ROUTE_CACHE_S": "0.001",
    "NO_ROUTE_CACHE_S": "0.001",
    "SPENT_ROUTE_CACHE_S": "0.001",
    "TRIGGER_RETRY_S": "300",
    "LOG_LEVEL": "WARNING",
}


class Fleet:
    """The running services and blocking stubs to them (one per location replica)."""

    def __init__(self, cluster: Cluster, locations: list[str]) -> None:
        self._channels = {s: sync_channel(cluster_address(cluster, s), 30) for s in STUB_CLASSES}
        self.stubs = {name: STUB_CLASSES[name](ch) for name, ch in self._channels.items()}
        replicas = [sync_channel(a, 30) for a in locations]
        self._channels.update({f"location#{i}": ch for i, ch in enumerate(replicas)})
        self.locations = [STUB_CLASSES["location"](ch) for ch in replicas]
        answer = self.stubs["station"].ListStations(station_pb2.ListStationsRequest())
        self.zones = {
            s.id: Zone(
                s.id,
                s.location.lat,
                s.location.lon,
                s.trigger_radius_m,
                tuple((p.name, p.location.lat, p.location.lon) for p in s.approach_points),
            )
            for s in answer.stations
        }

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["stubs"][name]
        except KeyError:
            raise AttributeError(name) from None

    def close(self) -> None:
        for ch in self._channels.values():
            ch.close()


def cluster_address(cluster: Cluster, name: str) -> str:
    return f"127.0.0.1:{cluster.ports[name]}"


def code_of(call: Any) -> str:
    """ "OK" or the gRPC status name the call ended with."""
    try:
        call()
    except grpc.RpcError as exc:
        return exc.code().name
    return "OK"


@pytest.fixture(scope="module")
def fleet(module_cluster: Cluster, embedded_mongo: Any) -> Iterator[tuple[Fleet, Any]]:
    c = module_cluster
    c.start("station", "user", "notification", "driver", "rider", "trip", env=SERVICE_ENV)
    c.start_replicas("matching", 2, env=SERVICE_ENV)
    ports = [str(p) for p in _ports(2)]
    matching = ",".join(f"127.0.0.1:{p.port}" for k, p in c.running.items() if "matching#" in k)
    env = {**SERVICE_ENV, "MATCHING_ADDR": f"ipv4:{matching}"}
    locations = [c.spawn("location", {**env, "GRPC_PORT": port}) for port in ports]
    for i, p in enumerate(locations):
        c.running[f"location#{i}"] = p
        p.wait_healthy()
    f = Fleet(c, [p.address for p in locations])
    with MongoClient(embedded_mongo.uri, tz_aware=True) as client:
        yield f, client[c.db_name]
    f.close()


def _ports(n: int) -> list[int]:
    from tests.harness import free_port

    return [free_port() for _ in range(n)]


class LedgerMachine(RuleBasedStateMachine):
    # (Fleet, database), set by the test: a tuple, which hypothesis does not look into.
    world: tuple[Any, ...] = ()

    @property
    def fleet(self) -> Fleet:
        return self.world[0]

    @property
    def db(self) -> Any:
        return self.world[1]

    def __init__(self) -> None:
        super().__init__()
        for name in COLLECTIONS:
            self.db[name].delete_many({})
        self.model = lm.Model()
        self.riders: list[str] = []
        self.drivers: list[str] = []

    # --- people -----------------------------------------------------------------------

    def _sign_up(self, role: int) -> str:
        extra = {}
        if role == user_pb2.ROLE_DRIVER:
            extra["vehicle"] = common_pb2.Vehicle(plate="KA01AB1234", model="Swift")
        answer = self.fleet.user.SignUp(
            user_pb2.SignUpRequest(
                name="Test", phone=phone(), password=PASSWORD, role=role, **extra
            )
        )
        return answer.user.id

    @initialize()
    def people(self) -> None:
        self.riders += [self._sign_up(user_pb2.ROLE_RIDER) for _ in range(2)]
        self.drivers.append(self._sign_up(user_pb2.ROLE_DRIVER))

    @precondition(lambda self: len(self.riders) + len(self.drivers) < 8)
    @rule(driver=st.booleans())
    def sign_up(self, driver: bool) -> None:
        if driver:
            self.drivers.append(self._sign_up(user_pb2.ROLE_DRIVER))
        else:
            self.riders.append(self._sign_up(user_pb2.ROLE_RIDER))

    # --- riders -----------------------------------------------------------------------

    def _open_routes(self) -> list[lm.Route]:
        return [r for r in self.model.routes.values() if r.status == "OPEN"]

    @rule(
        who=st.integers(0, 20),
        station=st.sampled_from(STATIONS),
        area=st.integers(0, 3),
        minutes=st.sampled_from(ARRIVALS),
    )
    def ask_for_a_ride(self, who: int, station: str, area: int, minutes: int) -> None:
        """Any rider, station and area; most often a rider with no open request."""
        area_id = AREAS[station][area % len(AREAS[station])]
        free = [r for r in self.riders if self.model.open_request(r) is None]
        riders = free if free and who % 4 else self.riders
        self._ask(riders[who % len(riders)], station, area_id, minutes)

    @precondition(lambda self: self._open_routes())
    @rule(who=st.integers(0, 20), aim=st.integers(0, 20), minutes=st.sampled_from(ARRIVALS))
    def ask_where_a_driver_goes(self, who: int, aim: int, minutes: int) -> None:
        routes = self._open_routes()
        route = routes[aim % len(routes)]
        served = [s for s in route.station_ids if route.area_id in AREAS[s]]
        ahead = [s for s in served if s not in route.fired] or served
        station = ahead[aim % len(ahead)]
        free = [r for r in self.riders if self.model.open_request(r) is None] or self.riders
        self._ask(free[who % len(free)], station, route.area_id, minutes)

    def _ask(self, rider_id: str, station: str, area_id: str, minutes: int) -> None:
        arrival = datetime.now(UTC) + timedelta(minutes=minutes)
        arrival = arrival.replace(microsecond=arrival.microsecond // 1000 * 1000)
        expected = self.model.can_request(rider_id)
        try:
            made = self.fleet.rider.CreateRequest(
                rider_pb2.CreateRideRequestRequest(
                    rider_id=rider_id,
                    station_id=station,
                    destination_area_id=area_id,
                    arrival_time=to_timestamp(arrival),
                )
            )
        except grpc.RpcError as exc:
            assert exc.code().name == expected, exc.details()
            return
        assert expected == "OK"
        self.model.add_request(lm.Request(made.id, rider_id, station, area_id, arrival, 0))

    @rule(who=st.integers(0, 20), bad=st.sampled_from(["station", "area", "late", "early"]))
    def ask_badly(self, who: int, bad: str) -> None:
        """Bad input gets INVALID_ARGUMENT and changes nothing (the invariants check)."""
        now = datetime.now(UTC)
        fields = dict(station_id="mg-road", destination_area_id="domlur", arrival=now)
        fields.update(
            {
                "station": dict(station_id="atlantis"),
                "area": dict(destination_area_id="murphy-town"),
                "late": dict(arrival=now + timedelta(hours=25)),
                "early": dict(arrival=now - timedelta(minutes=20)),
            }[bad]
        )
        arrival = fields.pop("arrival")
        code = code_of(
            lambda: self.fleet.rider.CreateRequest(
                rider_pb2.CreateRideRequestRequest(
                    rider_id=self.riders[who % len(self.riders)],
                    arrival_time=to_timestamp(arrival),
                    **fields,
                )
            )
        )
        assert code == "INVALID_ARGUMENT"

    @precondition(lambda self: self.model.requests)
    @rule(who=st.integers(0, 20))
    def cancel_request(self, who: int) -> None:
        asked = sorted({r.rider_id for r in self.model.requests.values()})
        rider_id = asked[who % len(asked)]
        request = self.model.latest_request(rider_id)
        SEEN[f"cancel a {request.status} request"] += 1
        expected = self.model.cancel_request(request)
        code = code_of(
            lambda: self.fleet.rider.CancelRequest(
                rider_pb2.CancelRideRequestRequest(request_id=request.id, rider_id=rider_id)
            )
        )
        assert code == expected

    @precondition(lambda self: any(r.status == "WAITING" for r in self.model.requests.values()))
    @rule()
    def expiry_sweep(self) -> None:
        before = datetime.now(UTC) - timedelta(seconds=EXPIRY_S)
        answer = self.fleet.rider.ExpireDue(rider_pb2.ExpireDueRequest())
        assert answer.expired == len(self.model.expire(before))

    # --- drivers ----------------------------------------------------------------------

    @rule(
        who=st.integers(0, 20),
        stations=st.lists(st.sampled_from(STATIONS), min_size=1, max_size=3, unique=True),
        area=st.integers(0, 5),
        seats=st.integers(1, 4),
    )
    def register_route(self, who: int, stations: list[str], area: int, seats: int) -> None:
        driver_id = self.drivers[who % len(self.drivers)]
        served = sorted({a for s in stations for a in AREAS[s]})
        area_id = served[area % len(served)]
        expected = self.model.can_create_route(driver_id)
        try:
            route = self.fleet.driver.CreateRoute(
                driver_pb2.CreateRouteRequest(
                    driver_id=driver_id,
                    station_ids=stations,
                    destination_area_id=area_id,
                    seats=seats,
                )
            )
        except grpc.RpcError as exc:
            assert exc.code().name == expected, exc.details()
            return
        assert expected == "OK"
        self.model.routes[route.id] = lm.Route(
            route.id, driver_id, tuple(stations), area_id, seats, trip_id_for_route(route.id)
        )

    @precondition(lambda self: self.model.routes)
    @rule(who=st.integers(0, 20))
    def cancel_route(self, who: int) -> None:
        driving = sorted({r.driver_id for r in self.model.routes.values()})
        route = self.model.latest_route(driving[who % len(driving)])
        expected = self.model.cancel_route(route)
        code = code_of(
            lambda: self.fleet.driver.CancelRoute(
                driver_pb2.CancelRouteRequest(route_id=route.id, driver_id=route.driver_id)
            )
        )
        assert code == expected

    @rule(who=st.integers(0, 20), station=st.sampled_from(STATIONS), how=HOW)
    def enter_zone(self, who: int, station: str, how: str) -> None:
        """Any driver at any station; most often one who is driving a route."""
        driving = sorted({r.driver_id for r in self._open_routes()})
        drivers = driving if driving and who % 4 else self.drivers
        self._enter(drivers[who % len(drivers)], station, how)

    def _driving_on(self) -> list[lm.Route]:
        return [r for r in self._open_routes() if set(r.station_ids) - r.fired]

    @precondition(lambda self: self._driving_on())
    @rule(which=st.integers(0, 20), how=HOW)
    def drive_to_the_next_station(self, which: int, how: str) -> None:
        routes = self._driving_on()
        route = routes[which % len(routes)]
        ahead = [s for s in route.station_ids if s not in route.fired]
        self._enter(route.driver_id, ahead[0], how)

    def _enter(self, driver_id: str, station: str, how: str) -> None:
        route = self.model.open_route(driver_id)
        zone = self.fleet.zones[station]
        update = location_pb2.PositionUpdate(
            driver_id=driver_id,
            position=common_pb2.LatLon(lat=zone.lat, lon=zone.lon),
            speed_mps=SPEED_MPS,
        )
        now = datetime.now(UTC)
        if os.environ.get("TRACE") and route:
            print("ENTER", station, route.station_ids, route.area_id, route.fired, [(r.station_id, r.area_id, r.status, (r.arrival - now).total_seconds()) for r in self.model.requests.values()])
        expected: dict[str, list[str]] = {}
        if route is not None:
            for sid in route.station_ids:
                if sid not in route.fired and zone_hit(self.fleet.zones[sid], zone.lat, zone.lon):
                    (ahead,) = etas(zone.lat, zone.lon, SPEED_MPS, [sid], self.fleet.zones)
                    expected[sid] = self.model.trigger(
                        route, sid, now + timedelta(seconds=ahead.eta_s)
                    )
        SEEN[f"zone entered: {sum(map(len, expected.values()))} matched"] += 1
        riders = [self.model.requests[r].rider_id for v in expected.values() for r in v]
        if any(len(self.model.trips[route.trip_id].entries) > 1 for _ in riders):
            SEEN["matched beside others"] += 1
        trip = self.model.trips.get(route.trip_id) if route else None
        if trip and any(sum(e.rider_id == x for e in trip.entries) > 1 for x in riders):
            SEEN["rematched on the same trip"] += 1
        sends = {"once": 1, "twice": 2, "two replicas at once": 2}[how]
        answers = self._send(update, sends, at_once=how != "twice")
        if route is None:
            assert {a for a in answers if not isinstance(a, location_pb2.UpdateResult)} == {
                "FAILED_PRECONDITION"
            }
            return
        fired: dict[str, list[str]] = {}
        for answer in answers:
            assert isinstance(answer, location_pb2.UpdateResult), answer
            for t in answer.triggered:
                assert t.station_id not in fired, "a trigger fired twice"
                fired[t.station_id] = list(t.rider_ids)
        riders_of = {rid: self.model.requests[rid].rider_id for v in expected.values() for rid in v}
        assert fired == {s: [riders_of[r] for r in v] for s, v in expected.items()}
        for sid in expected:
            self._nobody_eligible_left_behind(route, sid, now)

    def _send(self, update: Any, times: int, at_once: bool) -> list[Any]:
        def send(stub: Any) -> Any:
            try:
                return stub.UpdatePosition(update)
            except grpc.RpcError as exc:
                return exc.code().name

        if not at_once:
            return [send(self.fleet.locations[0]) for _ in range(times)]
        answers: list[Any] = [None] * times
        threads = [
            threading.Thread(
                target=lambda i=i: answers.__setitem__(i, send(self.fleet.locations[i % 2]))
            )
            for i in range(times)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return answers

    def _nobody_eligible_left_behind(self, route: lm.Route, station_id: str, now: datetime) -> None:
        trip = self.db["trips"].find_one({"routeId": route.id})
        holding = sum(1 for r in trip["riders"] if r["status"] in lm.HOLDING) if trip else 0
        if holding >= route.seats:
            return
        left = self.db["ride_requests"].count_documents(
            {
                "status": "WAITING",
                "stationId": station_id,
                "destinationAreaId": route.area_id,
                "arrivalTime": {"$lte": now + lm.ARRIVAL_SLACK},
            }
        )
        assert left == 0, f"{left} eligible riders left WAITING at {station_id} beside a free seat"

    # --- the driver's actions on the trip ---------------------------------------------

    def _trip_of(self, who: int) -> tuple[str, str, lm.Trip | None]:
        """A route's trip (None: the route has no trip yet), most often one with riders."""
        routes = list(self.model.routes.values())
        busy = [
            r for r in routes if self.model.trips.get(r.trip_id, lm.Trip("", "", "", 0)).entries
        ]
        route = (busy if busy and who % 4 else routes)[
            who % len(busy if busy and who % 4 else routes)
        ]
        return route.driver_id, route.trip_id, self.model.trips.get(route.trip_id)

    def _rider_for(self, trip: lm.Trip | None, pick: int) -> str:
        on_trip = [e.rider_id for e in trip.entries] if trip else []
        choices = on_trip + self.riders if pick % 4 else self.riders
        return choices[pick % len(choices)]

    @precondition(lambda self: self.model.routes)
    @rule(who=st.integers(0, 20), pick=st.integers(0, 20), absent=st.booleans())
    def pick_up_or_no_show(self, who: int, pick: int, absent: bool) -> None:
        driver_id, trip_id, trip = self._trip_of(who)
        rider_id = self._rider_for(trip, pick)
        move = self.model.no_show if absent else self.model.pick_up
        expected = move(trip, rider_id)
        call = self.fleet.trip.MarkNoShow if absent else self.fleet.trip.PickUp
        code = code_of(
            lambda: call(
                trip_pb2.TripRidersRequest(
                    trip_id=trip_id, driver_id=driver_id, rider_ids=[rider_id]
                )
            )
        )
        assert code == expected

    @precondition(lambda self: self.model.routes)
    @rule(who=st.integers(0, 20))
    def complete_trip(self, who: int) -> None:
        driver_id, trip_id, trip = self._trip_of(who)
        expected = self.model.complete(trip)
        code = code_of(
            lambda: self.fleet.trip.CompleteTrip(
                trip_pb2.TripActionRequest(trip_id=trip_id, driver_id=driver_id)
            )
        )
        assert code == expected

    # --- after every step -------------------------------------------------------------

    @invariant()
    def the_books_agree(self) -> None:
        SEEN["steps"] += 1
        check_books(self.db, self.model)


def check_books(db: Any, model: lm.Model) -> None:
    """The stored state is the model's, and the ledger's promises hold."""
    requests = {d["_id"]: d for d in db["ride_requests"].find()}
    trips = {d["_id"]: d for d in db["trips"].find()}
    routes = {d["_id"]: d for d in db["routes"].find()}
    assert {rid: (d["status"], d.get("tripId")) for rid, d in requests.items()} == {
        r.id: (r.status, r.trip_id) for r in model.requests.values()
    }
    assert {
        tid: (t["status"], [(e["requestId"], e["status"]) for e in t["riders"]])
        for tid, t in trips.items()
    } == {
        t.id: (t.status, [(e.request_id, e.status) for e in t.entries])
        for t in model.trips.values()
    }
    assert {rid: r["status"] for rid, r in routes.items()} == {
        r.id: r.status for r in model.routes.values()
    }

    holding: dict[str, int] = {}
    for trip in trips.values():
        for e in trip["riders"]:
            assert requests[e["requestId"]]["status"] == e["status"] or e["status"] == (
                "CANCELLED"
            ), (e, requests[e["requestId"]])
            if e["status"] in lm.HOLDING:
                holding[e["requestId"]] = holding.get(e["requestId"], 0) + 1
    assert all(n == 1 for n in holding.values()), "a request holds seats on two trips"
    for rid, r in requests.items():
        if r["status"] in lm.HOLDING:
            entries = [e for e in trips[r["tripId"]]["riders"] if e["requestId"] == rid]
            assert [e["status"] for e in entries] == [r["status"]], (rid, entries)
    for route in routes.values():
        trip = trips.get(trip_id_for_route(route["_id"]))
        taken = sum(1 for e in trip["riders"] if e["status"] in lm.HOLDING) if trip else 0
        assert 0 <= route["seatsTotal"] - taken == model.seats_free(model.routes[route["_id"]])

    told = {(n["userId"], n["key"]) for n in db["notifications"].find({}, {"userId": 1, "key": 1})}
    for rid, driver_id in model.booked.items():
        rider_id = model.requests[rid].rider_id
        assert (rider_id, f"matched:{rid}") in told, f"rider of {rid} was not told"
        assert (driver_id, f"matched-driver:{rid}") in told, f"driver of {rid} was not told"


def test_the_ledger_agrees_with_its_model_whatever_riders_and_drivers_do(fleet) -> None:
    LedgerMachine.world = fleet
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=not SOAK,
            database=None,
            print_blob=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    print(dict(SEEN))


def test_debug(fleet) -> None:
    LedgerMachine.world = fleet
    m = LedgerMachine()
    m.people()
    m.register_route(0, ["mg-road", "trinity"], 0, 2)
    print(m.model.routes)
    m.ask_where_a_driver_goes(0, 0, 0)
    print(m.model.requests)
    m.drive_to_the_next_station(0, "once")
    print(m.model.requests, SEEN)
    m.the_books_agree()
