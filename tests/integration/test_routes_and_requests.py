"""Driver routes and rider requests: validation, one open at a time; seats booked atomically on
the trip's ledger."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from api.lastmile.v1 import driver_pb2, rider_pb2, trip_pb2
from common.convert import to_timestamp
from common.errors import field_of
from common.ids import trip_id_for_route
from tests import ride
from tests.harness import Cluster

pytestmark = pytest.mark.integration


@pytest.fixture
def c(cluster: Cluster) -> Cluster:
    cluster.start("station", "driver", "rider", "trip", "notification")
    return cluster


@pytest.mark.parametrize(
    "stations,area,seats,field",
    [
        ([], "ulsoor", 2, "stationIds"),
        (["mg-road", "atlantis"], "ulsoor", 2, "stationIds"),
        (["mg-road", "trinity", "mg-road"], "ulsoor", 2, "stationIds"),
        (["mg-road"], "malleswaram", 2, "destinationAreaId"),
        (["mg-road"], "ulsoor", 0, "seats"),
        (["mg-road"], "ulsoor", 9, "seats"),
    ],
)
async def test_invalid_routes_are_refused_naming_the_field(
    c: Cluster, mongo_db, stations, area, seats, field
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await ride.route(c, "d-1", tuple(stations), area, seats)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_of(err.value) == field
    assert mongo_db["routes"].count_documents({}) == 0


async def test_one_open_route_per_driver_even_when_racing(c: Cluster, mongo_db) -> None:
    results = await asyncio.gather(
        *(ride.route(c, "d-1", ("mg-road",), "ulsoor") for _ in range(8)), return_exceptions=True
    )
    created = [r for r in results if isinstance(r, driver_pb2.Route)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(created) == 1
    assert {e.code() for e in refused} == {grpc.StatusCode.FAILED_PRECONDITION}
    assert mongo_db["routes"].count_documents({"driverId": "d-1", "status": "OPEN"}) == 1
    current = await c.stub("driver").GetCurrentRoute(
        driver_pb2.GetCurrentRouteRequest(driver_id="d-1")
    )
    assert current.id == created[0].id


async def test_a_retried_create_answers_the_first_route(c: Cluster) -> None:
    request = driver_pb2.CreateRouteRequest(
        driver_id="d-1",
        station_ids=["mg-road"],
        destination_area_id="ulsoor",
        seats=2,
        idempotency_key="k-1",
    )
    first = await c.stub("driver").CreateRoute(request)
    again = await c.stub("driver").CreateRoute(request)
    assert again.id == first.id


def _book(route: driver_pb2.Route, *requests: str) -> trip_pb2.BookSeatsRequest:
    return trip_pb2.BookSeatsRequest(
        route_id=route.id,
        driver_id=route.driver_id,
        trip_id=trip_id_for_route(route.id),
        seats_total=route.seats_total,
        riders=[trip_pb2.NewTripRider(rider_id=f"u-{q}", request_id=q) for q in requests],
    )


async def test_seats_are_never_taken_twice_or_below_zero(c: Cluster) -> None:
    route = await ride.route(c, "d-1", ("mg-road",), "ulsoor", seats=3)
    trips = c.stub("trip")
    answers = await asyncio.gather(*(trips.BookSeats(_book(route, f"q-{i}")) for i in range(40)))
    booked = [
        a.bookings[0].request_id
        for a in answers
        if a.bookings[0].outcome == trip_pb2.BOOKING_OUTCOME_BOOKED
    ]
    assert len(booked) == 3
    assert {a.bookings[0].outcome for a in answers} == {
        trip_pb2.BOOKING_OUTCOME_BOOKED,
        trip_pb2.BOOKING_OUTCOME_FULL,
    }
    ledger = await trips.GetTripByRoute(trip_pb2.GetTripByRouteRequest(route_id=route.id))
    assert (ledger.seats_total, ledger.seats_free, len(ledger.riders)) == (3, 0, 3)
    # Booking again is a repeat; a rider leaving twice gives the seat back once, and the
    # request that left is never booked again.
    again = await trips.BookSeats(_book(route, booked[0]))
    assert again.bookings[0].outcome == trip_pb2.BOOKING_OUTCOME_BOOKED
    assert again.trip.seats_free == 0
    leaving = trip_pb2.RemoveRiderRequest(
        trip_id=ledger.id, rider_id=f"u-{booked[0]}", request_id=booked[0]
    )
    for _ in range(2):
        await trips.RemoveRider(leaving)
    again = await trips.BookSeats(_book(route, booked[0], "q-new"))
    assert [b.outcome for b in again.bookings] == [
        trip_pb2.BOOKING_OUTCOME_ENDED,
        trip_pb2.BOOKING_OUTCOME_BOOKED,
    ]
    assert again.trip.seats_free == 0


async def test_a_rider_holds_one_seat_per_trip(c: Cluster) -> None:
    route = await ride.route(c, "d-1", ("mg-road",), "ulsoor", seats=3)
    first = trip_pb2.NewTripRider(rider_id="u-1", request_id="q-1")
    second = trip_pb2.NewTripRider(rider_id="u-1", request_id="q-2")
    book = _book(route)
    book.riders.extend([first, second])
    answer = await c.stub("trip").BookSeats(book)
    assert [b.outcome for b in answer.bookings] == [
        trip_pb2.BOOKING_OUTCOME_BOOKED,
        trip_pb2.BOOKING_OUTCOME_DUPLICATE_RIDER,
    ]
    assert answer.trip.seats_free == 2


async def test_closed_routes_take_no_seats(c: Cluster) -> None:
    route = await ride.route(c, "d-1", ("mg-road",), "ulsoor", seats=3)
    await c.stub("driver").CancelRoute(
        driver_pb2.CancelRouteRequest(route_id=route.id, driver_id="d-1")
    )
    answer = await c.stub("trip").BookSeats(_book(route, "q"))
    assert [b.outcome for b in answer.bookings] == [trip_pb2.BOOKING_OUTCOME_CLOSED]
    assert answer.trip.status == trip_pb2.TRIP_STATUS_CANCELLED
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.stub("driver").CancelRoute(
            driver_pb2.CancelRouteRequest(route_id=route.id, driver_id="d-2")
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_bookings_are_checked(c: Cluster) -> None:
    route = await ride.route(c, "d-1", ("mg-road",), "ulsoor", seats=3)
    trips = c.stub("trip")
    bad = [
        ("trip_id", dict(trip_id="another")),
        ("seats_total", dict(seats_total=0)),
        ("seats_total", dict(seats_total=9)),
        ("route_id", dict(driver_id="")),
    ]
    for field, change in bad:
        book = _book(route, "q")
        for k, v in change.items():
            setattr(book, k, v)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await trips.BookSeats(book)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field_of(err.value) == field
    stranger = _book(route, "q")
    stranger.driver_id = "d-2"
    await trips.BookSeats(_book(route, "q0"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await trips.BookSeats(stranger)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def _request(**overrides) -> rider_pb2.CreateRideRequestRequest:
    fields = dict(
        rider_id="r-1",
        station_id="mg-road",
        destination_area_id="ulsoor",
        arrival_time=to_timestamp(datetime.now(UTC) + timedelta(minutes=5)),
    )
    fields.update(overrides)
    return rider_pb2.CreateRideRequestRequest(**fields)


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"station_id": "atlantis"}, "stationId"),
        ({"destination_area_id": "malleswaram"}, "destinationAreaId"),
        ({"arrival_time": to_timestamp(datetime.now(UTC) - timedelta(minutes=11))}, "arrivalTime"),
        ({"arrival_time": to_timestamp(datetime.now(UTC) + timedelta(hours=25))}, "arrivalTime"),
        ({"rider_id": ""}, "rider_id"),
    ],
)
async def test_invalid_requests_are_refused_naming_the_field(
    c: Cluster, mongo_db, overrides, field
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.stub("rider").CreateRequest(_request(**overrides))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_of(err.value) == field
    assert mongo_db["ride_requests"].count_documents({}) == 0


async def test_one_open_request_per_rider(c: Cluster) -> None:
    riders = c.stub("rider")
    results = await asyncio.gather(
        *(riders.CreateRequest(_request()) for _ in range(6)), return_exceptions=True
    )
    assert sum(isinstance(r, rider_pb2.RideRequest) for r in results) == 1
    first = next(r for r in results if isinstance(r, rider_pb2.RideRequest))
    await riders.CancelRequest(
        rider_pb2.CancelRideRequestRequest(request_id=first.id, rider_id="r-1")
    )
    second = await riders.CreateRequest(_request())
    listed = await riders.ListRequests(rider_pb2.ListRideRequestsRequest(rider_id="r-1"))
    assert [r.id for r in listed.requests] == [second.id, first.id]
    counts = await riders.CountWaiting(rider_pb2.CountWaitingRequest())
    assert dict(counts.waiting_by_station) == {"mg-road": 1}


async def test_several_requests_are_read_at_once_and_unknown_ids_left_out(c: Cluster) -> None:
    riders = c.stub("rider")
    first = await riders.CreateRequest(_request(rider_id="r-1"))
    second = await riders.CreateRequest(_request(rider_id="r-2"))
    answer = await riders.GetRequests(
        rider_pb2.GetRideRequestsRequest(request_ids=[second.id, "nope", first.id, first.id])
    )
    assert sorted((r.id, r.rider_id) for r in answer.requests) == sorted(
        [(first.id, "r-1"), (second.id, "r-2")]
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await riders.GetRequests(rider_pb2.GetRideRequestsRequest(request_ids=["x"] * 501))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_of(err.value) == "request_ids"
