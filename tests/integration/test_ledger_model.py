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

import itertools
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
from common.zones import zone_hit, zones_of
from services.location.tracking import etas
from tests import ledger_model as lm
from tests.harness import Cluster
from tests.ride import PASSWORD, phone, pins_sync

pytestmark = pytest.mark.integration

SEEN: Counter[str] = Counter()
EXAMPLES = int(os.environ.get("LEDGER_MODEL_EXAMPLES", "60"))
STEPS = int(os.environ.get("LEDGER_MODEL_STEPS", "25"))
SOAK = os.environ.get("LEDGER_MODEL_SOAK") == "1"
EXPIRY_S = 300
SPEED_MPS = 10.0
# Few stations and destinations, so that riders and drivers meet often.
AREAS = {
    "mg-road": ("domlur", "ulsoor"),
    "trinity": ("domlur", "ulsoor"),
    "indiranagar": ("domlur",),
}
STATIONS = tuple(AREAS)
# Minutes from now; none near the edge of a window (the driver's ETA + 5 min, or expiry).
ARRIVALS = (-9, -1, -1, 0, 0, 3, 3, 40)
HOW = ("once", "twice", "two replicas at once")
ORDERS = tuple(itertools.permutations(STATIONS))
# What a step does, each listed as often as it should happen.
PLAN = (
    *["ask_where_a_driver_goes"] * 5,
    *["drive_to_the_next_station"] * 3,
    *["register_route"] * 2,
    *["change_plans"] * 3,
    *["pick_up"] * 2,
    "cancel_request",
    "complete_trip",
    "ask_anywhere",
    "ask_badly",
    "enter_any_zone",
    "cancel_route",
    "no_show",
    "expiry_sweep",
    "sign_up",
)
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
        self.people: dict[int, list[str]] = {user_pb2.ROLE_RIDER: [], user_pb2.ROLE_DRIVER: []}
        answer = self.stubs["station"].ListStations(station_pb2.ListStationsRequest())
        self.zones = zones_of(answer.stations)

    def __getattr__(self, name: str) -> Any:
        # Only reached for names not set in __init__: the services' stubs.
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
    """Each step is one action of PLAN (listed as often as it should happen), with four small
    numbers that pick who acts, where and how; a failing run shrinks to a few
    `state.act(action=..., a=.., b=.., c=.., d=..)` lines."""

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

    @initialize()
    def people(self) -> None:
        # Accounts outlive an example (only rides are wiped), so a few are made once.
        pool = self.fleet.people
        while len(pool[user_pb2.ROLE_RIDER]) < 8:
            pool[user_pb2.ROLE_RIDER].append(self._sign_up(user_pb2.ROLE_RIDER))
        while len(pool[user_pb2.ROLE_DRIVER]) < 3:
            pool[user_pb2.ROLE_DRIVER].append(self._sign_up(user_pb2.ROLE_DRIVER))
        self.riders = list(pool[user_pb2.ROLE_RIDER])
        self.drivers = list(pool[user_pb2.ROLE_DRIVER])

    @rule(
        action=st.sampled_from(PLAN),
        a=st.integers(0, 59),
        b=st.integers(0, 59),
        c=st.integers(0, 59),
        d=st.integers(0, 59),
    )
    def act(self, action: str, a: int, b: int, c: int, d: int) -> None:
        getattr(self, action)(a, b, c, d)

    @invariant()
    def the_books_agree(self) -> None:
        check_books(self.db, self.model)

    # --- choosing who acts ------------------------------------------------------------

    def _open_routes(self) -> list[lm.Route]:
        return [r for r in self.model.routes.values() if r.status == "OPEN"]

    def _free_riders(self) -> list[str]:
        return [r for r in self.riders if self.model.open_request(r) is None]

    @staticmethod
    def _pick(n: int, likely: list[str], anyone: list[str]) -> str:
        """Most often (3 in 4) one of `likely`, else anyone."""
        pool = likely if likely and n % 4 else anyone
        return pool[n % len(pool)]

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

    def sign_up(self, a: int, b: int, c: int, d: int) -> None:
        if len(self.riders) + len(self.drivers) < 14:
            if a % 2:
                self.drivers.append(self._sign_up(user_pb2.ROLE_DRIVER))
            else:
                self.riders.append(self._sign_up(user_pb2.ROLE_RIDER))

    # --- riders -----------------------------------------------------------------------

    def ask_anywhere(self, a: int, b: int, c: int, d: int) -> None:
        """Any rider, station, area and arrival."""
        station = STATIONS[b % len(STATIONS)]
        area_id = AREAS[station][c % len(AREAS[station])]
        rider_id = self._pick(a, self._free_riders(), self.riders)
        self._ask(rider_id, station, area_id, ARRIVALS[d % len(ARRIVALS)])

    def ask_where_a_driver_goes(self, a: int, b: int, c: int, d: int) -> None:
        """A rider at a station an open route has still to reach, for its destination."""

        def ahead(route: lm.Route) -> list[str]:
            return [
                s for s in route.station_ids if route.area_id in AREAS[s] and s not in route.fired
            ]

        routes = [r for r in self._open_routes() if ahead(r)]
        if not routes:
            return self.ask_anywhere(a, b, c, d)
        stations = ahead(routes[b % len(routes)])
        route = routes[b % len(routes)]
        rider_id = self._pick(a, self._free_riders(), self.riders)
        self._ask(rider_id, stations[c % len(stations)], route.area_id, ARRIVALS[d % len(ARRIVALS)])

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

    def ask_badly(self, a: int, b: int, c: int, d: int) -> None:
        """Bad input gets INVALID_ARGUMENT and changes nothing (the invariant checks that)."""
        now = datetime.now(UTC)
        fields: dict[str, Any] = dict(station_id="mg-road", destination_area_id="domlur")
        arrival = now
        bad = b % 4
        if bad == 0:
            fields["station_id"] = "atlantis"
        elif bad == 1:
            fields["destination_area_id"] = "murphy-town"  # not served by MG Road
        else:
            arrival = now + (timedelta(hours=25) if bad == 2 else -timedelta(minutes=20))
        code = code_of(
            lambda: self.fleet.rider.CreateRequest(
                rider_pb2.CreateRideRequestRequest(
                    rider_id=self.riders[a % len(self.riders)],
                    arrival_time=to_timestamp(arrival),
                    **fields,
                )
            )
        )
        assert code == "INVALID_ARGUMENT"

    def cancel_request(self, a: int, b: int, c: int, d: int) -> None:
        """A rider cancels their latest request (whatever its state)."""
        # In the order they asked (ids are random: sorting by them would make runs differ).
        asked = list(dict.fromkeys(r.rider_id for r in self.model.requests.values()))
        if not asked:
            return
        waiting = [r.rider_id for r in self.model.requests.values() if r.status in lm.OPEN_REQUEST]
        rider_id = self._pick(a, waiting, asked)
        request = self.model.latest_request(rider_id)
        expected = self.model.cancel_request(request)
        code = code_of(
            lambda: self.fleet.rider.CancelRequest(
                rider_pb2.CancelRideRequestRequest(request_id=request.id, rider_id=rider_id)
            )
        )
        assert code == expected

    def change_plans(self, a: int, b: int, c: int, d: int) -> None:
        """A matched rider cancels and asks again at a station further along the same route
        (or anywhere when there is none)."""
        matched = [r for r in self.model.requests.values() if r.status == "MATCHED"]
        if not matched:
            return self.cancel_request(a, b, c, d)
        request = matched[a % len(matched)]
        route = self.model.routes[self.model.trips[request.trip_id].route_id]
        assert self.model.cancel_request(request) == "OK"
        self.fleet.rider.CancelRequest(
            rider_pb2.CancelRideRequestRequest(request_id=request.id, rider_id=request.rider_id)
        )
        later = [
            s for s in route.station_ids if s not in route.fired and request.area_id in AREAS[s]
        ] or [s for s in STATIONS if request.area_id in AREAS[s]]
        station = later[b % len(later)]
        self._ask(request.rider_id, station, request.area_id, ARRIVALS[d % len(ARRIVALS)])

    def expiry_sweep(self, a: int, b: int, c: int, d: int) -> None:
        before = datetime.now(UTC) - timedelta(seconds=EXPIRY_S)
        answer = self.fleet.rider.ExpireDue(rider_pb2.ExpireDueRequest())
        assert answer.expired == len(self.model.expire(before))

    # --- drivers ----------------------------------------------------------------------

    def register_route(self, a: int, b: int, c: int, d: int) -> None:
        """1-3 stations in any order, a destination one of them serves, 1-4 seats."""
        free = [x for x in self.drivers if self.model.open_route(x) is None]
        driver_id = self._pick(a, free, self.drivers)
        order = ORDERS[b % len(ORDERS)]
        stations = list(order[: 1 + c % 3])
        served = sorted({x for s in stations for x in AREAS[s]})
        area_id = served[d % len(served)]
        self._register(driver_id, stations, area_id, seats=1 + (c // 3) % 4)

    def _register(self, driver_id: str, stations: list[str], area_id: str, seats: int) -> None:
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

    def cancel_route(self, a: int, b: int, c: int, d: int) -> None:
        """A driver cancels their latest route (whatever its state)."""
        driving = list(dict.fromkeys(r.driver_id for r in self.model.routes.values()))
        if not driving:
            return
        open_ = list(dict.fromkeys(r.driver_id for r in self._open_routes()))
        route = self.model.latest_route(self._pick(a, open_, driving))
        expected = self.model.cancel_route(route)
        code = code_of(
            lambda: self.fleet.driver.CancelRoute(
                driver_pb2.CancelRouteRequest(route_id=route.id, driver_id=route.driver_id)
            )
        )
        assert code == expected

    def enter_any_zone(self, a: int, b: int, c: int, d: int) -> None:
        """Any driver (most often one on a route) at any station."""
        driving = list(dict.fromkeys(r.driver_id for r in self._open_routes()))
        driver_id = self._pick(a, driving, self.drivers)
        self._enter(driver_id, STATIONS[b % len(STATIONS)], HOW[c % len(HOW)])

    def drive_to_the_next_station(self, a: int, b: int, c: int, d: int) -> None:
        """A driver on a route enters the zone of the next station it has not reached."""
        routes = [r for r in self._open_routes() if set(r.station_ids) - r.fired]
        if not routes:
            return self.enter_any_zone(a, b, c, d)
        route = routes[a % len(routes)]
        ahead = [s for s in route.station_ids if s not in route.fired]
        self._enter(route.driver_id, ahead[0], HOW[c % len(HOW)])

    def _enter(self, driver_id: str, station: str, how: str) -> None:
        route = self.model.open_route(driver_id)
        zone = self.fleet.zones[station]
        update = location_pb2.PositionUpdate(
            driver_id=driver_id,
            position=common_pb2.LatLon(lat=zone.lat, lon=zone.lon),
            speed_mps=SPEED_MPS,
        )
        now = datetime.now(UTC)
        expected: dict[str, list[str]] = {}
        if route is not None:
            for sid in route.station_ids:
                if sid not in route.fired and zone_hit(self.fleet.zones[sid], zone.lat, zone.lon):
                    (ahead,) = etas(zone.lat, zone.lon, SPEED_MPS, [sid], self.fleet.zones)
                    at = now + timedelta(seconds=ahead.eta_s)
                    expired_before = now - timedelta(seconds=EXPIRY_S)
                    expected[sid] = self.model.trigger(route, sid, at, expired_before)
        SEEN["zone entries"] += 1
        SEEN["riders matched"] += sum(map(len, expected.values()))
        answers = self._send(update, 1 if how == "once" else 2, at_once=how != "twice")
        if route is None:
            assert set(answers) == {"FAILED_PRECONDITION"}, answers
            return
        fired: dict[str, list[str]] = {}
        for answer in answers:
            assert isinstance(answer, location_pb2.UpdateResult), answer
            for t in answer.triggered:
                assert t.station_id not in fired, "a trigger fired twice"
                fired[t.station_id] = list(t.rider_ids)
        rider_of = {r.id: r.rider_id for r in self.model.requests.values()}
        assert fired == {s: [rider_of[r] for r in v] for s, v in expected.items()}
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
                "arrivalTime": {
                    "$gte": now - timedelta(seconds=EXPIRY_S),
                    "$lte": now + lm.ARRIVAL_SLACK,
                },
            }
        )
        assert left == 0, f"{left} eligible riders left WAITING at {station_id} beside a free seat"

    # --- the driver's actions on the trip ---------------------------------------------

    def _trip_of(self, n: int) -> tuple[str, str, lm.Trip | None] | None:
        """A route's trip (None: no trip yet), most often one with riders."""
        routes = list(self.model.routes.values())
        if not routes:
            return None
        busy = [r.id for r in routes if r.trip_id in self.model.trips]
        route = self.model.routes[self._pick(n, busy, [r.id for r in routes])]
        return route.driver_id, route.trip_id, self.model.trips.get(route.trip_id)

    def _rider_for(self, trip: lm.Trip | None, n: int) -> str:
        waiting = [e.rider_id for e in trip.entries if e.status == "MATCHED"] if trip else []
        return self._pick(n, waiting, self.riders)

    def pick_up(self, a: int, b: int, c: int, d: int, absent: bool = False) -> None:
        found = self._trip_of(a)
        if found is None:
            return
        driver_id, trip_id, trip = found
        rider_id = self._rider_for(trip, b)
        move = self.model.no_show if absent else self.model.pick_up
        expected = move(trip, rider_id)
        call = self.fleet.trip.MarkNoShow if absent else self.fleet.trip.PickUp
        told = {} if absent else pins_sync(self.fleet.trip, self.fleet.rider, trip_id, [rider_id])
        code = code_of(
            lambda: call(
                trip_pb2.TripRidersRequest(
                    trip_id=trip_id, driver_id=driver_id, rider_ids=[rider_id], pins=told
                )
            )
        )
        assert code == expected

    def no_show(self, a: int, b: int, c: int, d: int) -> None:
        self.pick_up(a, b, c, d, absent=True)

    def complete_trip(self, a: int, b: int, c: int, d: int) -> None:
        found = self._trip_of(a)
        if found is None:
            return
        driver_id, trip_id, trip = found
        expected = self.model.complete(trip)
        code = code_of(
            lambda: self.fleet.trip.CompleteTrip(
                trip_pb2.TripActionRequest(trip_id=trip_id, driver_id=driver_id)
            )
        )
        assert code == expected


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


@pytest.mark.timeout(60 * 60)
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
    print(f"ledger model: {EXAMPLES} sequences of up to {STEPS} steps, {dict(SEEN)}")


def _machine(fleet: tuple[Fleet, Any]) -> LedgerMachine:
    LedgerMachine.world = fleet
    machine = LedgerMachine()
    machine.people()
    return machine


def test_regression_a_rider_who_changes_plans_is_booked_again_further_along(fleet) -> None:
    """Matched at MG Road, the rider cancels and asks again at Trinity on the same route:
    the ledger keeps the cancelled entry and books the new request beside it (the trip used
    to skip a rider it already listed, stranding the request MATCHED with a seat taken for
    nobody)."""
    m = _machine(fleet)
    driver, rider = m.drivers[0], m.riders[0]
    steps = [
        lambda: m._register(driver, ["mg-road", "trinity"], "domlur", seats=1),
        lambda: m._ask(rider, "mg-road", "domlur", 0),
        lambda: m._enter(driver, "mg-road", "once"),
        lambda: m.change_plans(0, 0, 0, 3),  # Trinity, arriving now
        lambda: m._enter(driver, "trinity", "two replicas at once"),
        lambda: m.pick_up(0, 1, 0, 0),
        lambda: m.complete_trip(0, 0, 0, 0),
    ]
    for step in steps:
        step()
        m.the_books_agree()
    (trip,) = m.model.trips.values()
    assert [e.status for e in trip.entries] == ["CANCELLED", "DROPPED_OFF"]


def test_regression_riders_a_driver_dropped_ride_with_the_next_driver(fleet) -> None:
    """The driver cancels a route with two riders matched: they wait again, and the next
    driver through the station takes both; a repeated cancel changes nothing."""
    m = _machine(fleet)
    first, second = m.drivers[0], m.drivers[1]
    steps = [
        lambda: m._register(first, ["trinity"], "ulsoor", seats=2),
        lambda: m._ask(m.riders[0], "trinity", "ulsoor", -1),
        lambda: m._ask(m.riders[1], "trinity", "ulsoor", 3),
        lambda: m._enter(first, "trinity", "twice"),
        lambda: m.cancel_route(0, 0, 0, 0),
        lambda: m.cancel_route(0, 0, 0, 0),
        lambda: m._register(second, ["mg-road", "trinity"], "ulsoor", seats=3),
        lambda: m._enter(second, "mg-road", "once"),
        lambda: m._enter(second, "trinity", "once"),
    ]
    for step in steps:
        step()
        m.the_books_agree()
    assert sum(1 for r in m.model.requests.values() if r.status == "MATCHED") == 2
