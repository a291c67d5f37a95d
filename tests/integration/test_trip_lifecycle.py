"""After the match: pick-up, no-show, completion, cancellations by either side, expiry, and
the notifications each produces."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from api.lastmile.v1 import (
    driver_pb2,
    matching_pb2,
    notification_pb2,
    rider_pb2,
    trip_pb2,
)
from common.convert import to_timestamp
from common.notify import notice
from tests import ride
from tests.harness import Cluster

pytestmark = pytest.mark.integration
Kind = notification_pb2.NotificationKind


@pytest.fixture
def c(cluster: Cluster) -> Cluster:
    cluster.start(
        *ride.ALL, env={"REQUEST_EXPIRY_S": "1", "EXPIRY_SWEEP_S": "0.3", "SUBSCRIBE_POLL_S": "0.5"}
    )
    return cluster


async def matched_trip(c: Cluster, riders: int = 2, seats: int = 3):
    driver = await ride.driver(c)
    route = await ride.route(c, driver.id, ("mg-road",), "ulsoor", seats=seats)
    people = [await ride.rider(c, f"Rider {i}") for i in range(riders)]
    reqs = [await ride.request(c, p.id, "mg-road", "ulsoor") for p in people]
    result = await c.stub("matching").MatchNow(
        matching_pb2.MatchNowRequest(route_id=route.id, station_id="mg-road")
    )
    assert len(result.rider_ids) == riders
    return driver, route, people, reqs, result.trip_id


async def seats_free(c: Cluster, route_id: str) -> int:
    """From the route's booking ledger (its trip)."""
    got = await c.stub("trip").GetTripByRoute(trip_pb2.GetTripByRouteRequest(route_id=route_id))
    return got.seats_free


async def history(c: Cluster, user_id: str) -> list[str]:
    answer = await c.stub("notification").ListNotifications(
        notification_pb2.ListNotificationsRequest(user_id=user_id)
    )
    return [Kind.Name(n.kind).removeprefix("NOTIFICATION_KIND_") for n in answer.notifications]


async def test_replay_after_reconnect_gives_exactly_what_was_missed(c: Cluster) -> None:
    notes = c.stub("notification")

    async def send(i: int) -> None:
        await notes.Notify(notice("u-1", Kind.NOTIFICATION_KIND_MATCHED, f"n{i}", "", key=f"k{i}"))

    async with ride.inbox(c, "u-1") as box:
        for i in range(3):
            await send(i)
        await box.wait_for(3)
    last = box.items[-1].seq
    for i in range(3, 5):
        await send(i)
    await send(4)  # a retry: stored once
    async with ride.inbox(c, "u-1", after_seq=last) as again:
        items = await again.wait_for(2)
        await asyncio.sleep(0.3)
    assert [n.title for n in again.items] == ["n3", "n4"]
    assert [n.seq for n in items] == [last + 1, last + 2]


async def test_two_subscribers_of_one_user_both_receive(c: Cluster) -> None:
    async with ride.inbox(c, "u-2") as tab1, ride.inbox(c, "u-2") as tab2:
        await asyncio.sleep(0.2)
        await c.stub("notification").Notify(
            notice("u-2", Kind.NOTIFICATION_KIND_PICKED_UP, "hello", "", key="once")
        )
        assert [n.title for n in await tab1.wait_for(1)] == ["hello"]
        assert [n.title for n in await tab2.wait_for(1)] == ["hello"]


async def test_mark_read(c: Cluster) -> None:
    notes = c.stub("notification")
    for i in range(3):
        await notes.Notify(notice("u-3", Kind.NOTIFICATION_KIND_MATCHED, "t", "", key=str(i)))
    answer = await notes.MarkRead(notification_pb2.MarkReadRequest(user_id="u-3", up_to_seq=2))
    assert answer.updated == 2
    listed = await notes.ListNotifications(notification_pb2.ListNotificationsRequest(user_id="u-3"))
    assert [n.read for n in listed.notifications] == [True, True, False]


async def test_bad_notifications_are_refused(c: Cluster) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.stub("notification").Notify(
            notice("u-4", Kind.NOTIFICATION_KIND_UNSPECIFIED, "t", "", key="k")
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_waiting_requests_expire_and_the_rider_is_told(c: Cluster) -> None:
    rider = await ride.rider(c)
    past = datetime.now(UTC) - timedelta(minutes=5)
    req = await ride.request(c, rider.id, arrival=past)
    async with ride.inbox(c, rider.id) as box:
        (note,) = await box.wait_for(1)
    assert box.kinds() == ["REQUEST_EXPIRED"]
    assert note.data["requestId"] == req.id
    assert await ride.request_status(c, req.id) == rider_pb2.REQUEST_STATUS_EXPIRED
    # The rider may ask again once the old request is closed.
    await ride.request(c, rider.id)


async def test_rider_cancel_frees_the_seat_and_tells_the_driver(c: Cluster) -> None:
    driver, route, people, reqs, trip_id = await matched_trip(c, riders=2, seats=3)
    assert await seats_free(c, route.id) == 1
    cancelled = await c.stub("rider").CancelRequest(
        rider_pb2.CancelRideRequestRequest(request_id=reqs[0].id, rider_id=people[0].id)
    )
    assert cancelled.status == rider_pb2.REQUEST_STATUS_CANCELLED
    assert await seats_free(c, route.id) == 2
    trip = await c.stub("trip").GetTrip(trip_pb2.GetTripRequest(trip_id=trip_id))
    assert [r.status for r in trip.riders] == [
        trip_pb2.TRIP_RIDER_STATUS_CANCELLED,
        trip_pb2.TRIP_RIDER_STATUS_MATCHED,
    ]
    assert (await history(c, driver.id)).count("RIDER_CANCELLED") == 1
    assert "REQUEST_CANCELLED" in await history(c, people[0].id)
    # Repeating the cancellation changes nothing.
    await c.stub("rider").CancelRequest(
        rider_pb2.CancelRideRequestRequest(request_id=reqs[0].id, rider_id=people[0].id)
    )
    assert await seats_free(c, route.id) == 2
    assert (await history(c, driver.id)).count("RIDER_CANCELLED") == 1


async def test_only_the_owner_cancels_and_not_after_pick_up(c: Cluster) -> None:
    driver, _route, people, reqs, trip_id = await matched_trip(c, riders=1)
    riders = c.stub("rider")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await riders.CancelRequest(
            rider_pb2.CancelRideRequestRequest(request_id=reqs[0].id, rider_id="someone-else")
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    await ride.pick_up(c, trip_id, driver.id, [people[0].id])
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await riders.CancelRequest(
            rider_pb2.CancelRideRequestRequest(request_id=reqs[0].id, rider_id=people[0].id)
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert await ride.request_status(c, reqs[0].id) == rider_pb2.REQUEST_STATUS_PICKED_UP


async def test_driver_cancel_sends_riders_back_to_waiting(c: Cluster) -> None:
    driver, route, people, reqs, trip_id = await matched_trip(c, riders=2)
    cancelled = await c.stub("driver").CancelRoute(
        driver_pb2.CancelRouteRequest(route_id=route.id, driver_id=driver.id)
    )
    assert cancelled.status == driver_pb2.ROUTE_STATUS_CANCELLED
    assert await seats_free(c, route.id) == cancelled.seats_total
    for person, req in zip(people, reqs, strict=True):
        assert await ride.request_status(c, req.id) == rider_pb2.REQUEST_STATUS_WAITING
        assert (await history(c, person.id))[-1] == "TRIP_CANCELLED"
    trip = await c.stub("trip").GetTrip(trip_pb2.GetTripRequest(trip_id=trip_id))
    assert trip.status == trip_pb2.TRIP_STATUS_CANCELLED
    # The riders can be matched by another driver.
    other = await ride.driver(c, "Second")
    second = await ride.route(c, other.id, ("mg-road",), "ulsoor")
    result = await c.stub("matching").MatchNow(
        matching_pb2.MatchNowRequest(route_id=second.id, station_id="mg-road")
    )
    assert sorted(result.rider_ids) == sorted(p.id for p in people)
    # A late match of the cancelled route adds nobody.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.stub("matching").MatchNow(
            matching_pb2.MatchNowRequest(route_id=route.id, station_id="mg-road")
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_driver_cannot_cancel_with_riders_on_board(c: Cluster) -> None:
    driver, route, people, _, trip_id = await matched_trip(c, riders=1)
    await ride.pick_up(c, trip_id, driver.id, [people[0].id])
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.stub("driver").CancelRoute(
            driver_pb2.CancelRouteRequest(route_id=route.id, driver_id=driver.id)
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    route_now = await c.stub("driver").GetRoute(driver_pb2.GetRouteRequest(route_id=route.id))
    assert route_now.status == driver_pb2.ROUTE_STATUS_OPEN


async def test_no_show_releases_the_seat(c: Cluster) -> None:
    driver, route, people, reqs, trip_id = await matched_trip(c, riders=2, seats=2)
    trips = c.stub("trip")
    await trips.MarkNoShow(
        trip_pb2.TripRidersRequest(trip_id=trip_id, driver_id=driver.id, rider_ids=[people[1].id])
    )
    assert await seats_free(c, route.id) == 1
    assert await ride.request_status(c, reqs[1].id) == rider_pb2.REQUEST_STATUS_NO_SHOW
    assert (await history(c, people[1].id))[-1] == "NO_SHOW"
    await ride.pick_up(c, trip_id, driver.id, [people[0].id])
    trip = await trips.CompleteTrip(
        trip_pb2.TripActionRequest(trip_id=trip_id, driver_id=driver.id)
    )
    assert [r.status for r in trip.riders] == [
        trip_pb2.TRIP_RIDER_STATUS_DROPPED_OFF,
        trip_pb2.TRIP_RIDER_STATUS_NO_SHOW,
    ]


@pytest.mark.parametrize(
    "steps,failing",
    [
        ([], ("complete", None)),  # nobody picked up yet
        (["pickup:0"], ("complete", None)),  # rider 1 still waiting
        (["pickup:0", "noshow:1", "complete"], ("pickup", 0)),  # already dropped off
        (["noshow:0"], ("pickup", 0)),
        (["pickup:0"], ("noshow", 0)),
        ([], ("pickup", "stranger")),
    ],
)
async def test_illegal_trip_transitions_are_refused(c: Cluster, steps, failing) -> None:
    driver, _route, people, _reqs, trip_id = await matched_trip(c, riders=2)
    trips = c.stub("trip")

    def act(name: str, who):
        rider_id = who if isinstance(who, str) else people[who].id if who is not None else None
        if name == "complete":
            return trips.CompleteTrip(
                trip_pb2.TripActionRequest(trip_id=trip_id, driver_id=driver.id)
            )
        if name == "pickup":
            return ride.pick_up(c, trip_id, driver.id, [rider_id])
        return trips.MarkNoShow(
            trip_pb2.TripRidersRequest(trip_id=trip_id, driver_id=driver.id, rider_ids=[rider_id])
        )

    for step in steps:
        name, _, idx = step.partition(":")
        await act(name, int(idx) if idx else None)
    before = await trips.GetTrip(trip_pb2.GetTripRequest(trip_id=trip_id))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await act(*failing)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert await trips.GetTrip(trip_pb2.GetTripRequest(trip_id=trip_id)) == before


async def test_another_drivers_trip_is_not_found(c: Cluster) -> None:
    _, _, people, _, trip_id = await matched_trip(c, riders=1)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await ride.pick_up(c, trip_id, "intruder", [people[0].id])
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_driver_with_seats_too_early_for_a_rider_notes_it(
    cluster: Cluster, mongo_db
) -> None:
    """A two-seat driver at MG Road now: the rider arriving in 2 min is matched; the one
    arriving in 30 min (past the 5-minute window) is left and noted as passed early, so an
    expiry would say "window"; one going elsewhere is not noted. A note without its kind is
    refused and changes nothing."""
    cluster.start(*ride.ALL)
    driver = await ride.driver(cluster)
    route = await ride.route(cluster, driver.id, ("mg-road",), "ulsoor", seats=2)
    now = datetime.now(UTC)
    people = [await ride.rider(cluster, f"Rider {i}") for i in range(3)]
    soon = await ride.request(cluster, people[0].id, "mg-road", "ulsoor")
    late = await ride.request(
        cluster, people[1].id, "mg-road", "ulsoor", arrival=now + timedelta(minutes=30)
    )
    elsewhere = await ride.request(
        cluster, people[2].id, "mg-road", "domlur", arrival=now + timedelta(minutes=30)
    )
    result = await cluster.stub("matching").MatchNow(
        matching_pb2.MatchNowRequest(route_id=route.id, station_id="mg-road")
    )
    assert list(result.request_ids) == [soon.id]
    stored = {d["_id"]: d for d in mongo_db["ride_requests"].find({})}
    assert stored[late.id].get("passedEarly") is True and "passedFull" not in stored[late.id]
    assert "passedEarly" not in stored[elsewhere.id] and "passedEarly" not in stored[soon.id]

    with pytest.raises(grpc.aio.AioRpcError) as err:
        await cluster.stub("rider").NotePassed(
            rider_pb2.NotePassedRequest(request_ids=[elsewhere.id])
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "passedEarly" not in mongo_db["ride_requests"].find_one({"_id": elsewhere.id})


async def test_the_ride_measures_count_matches_trips_and_why_riders_expired(
    cluster: Cluster,
) -> None:
    """A one-seat driver at MG Road: the first rider is matched, the second is left behind
    and expires for want of a seat, a third (going elsewhere) for want of a driver; the trip
    carries one rider; repeats of the completion count once."""
    cluster.start(*ride.ALL, env={"REQUEST_EXPIRY_S": "3", "EXPIRY_SWEEP_S": "0.3"})
    driver = await ride.driver(cluster)
    route = await ride.route(cluster, driver.id, ("mg-road",), "ulsoor", seats=1)
    now = datetime.now(UTC)
    people = [await ride.rider(cluster, f"Rider {i}") for i in range(3)]
    first = await ride.request(cluster, people[0].id, "mg-road", "ulsoor", arrival=now)
    behind = await ride.request(cluster, people[1].id, "mg-road", "ulsoor", arrival=now)
    elsewhere = await ride.request(cluster, people[2].id, "mg-road", "domlur", arrival=now)
    result = await cluster.stub("matching").MatchNow(
        matching_pb2.MatchNowRequest(route_id=route.id, station_id="mg-road")
    )
    assert list(result.request_ids) == [first.id]
    for req in (behind, elsewhere):
        for _ in range(100):
            if await ride.request_status(cluster, req.id) == rider_pb2.REQUEST_STATUS_EXPIRED:
                break
            await asyncio.sleep(0.2)
        assert await ride.request_status(cluster, req.id) == rider_pb2.REQUEST_STATUS_EXPIRED
    await ride.pick_up(cluster, result.trip_id, driver.id, [people[0].id])
    done = trip_pb2.TripActionRequest(trip_id=result.trip_id, driver_id=driver.id)
    for _ in range(2):
        await cluster.stub("trip").CompleteTrip(done)

    rider, matching, trip = (cluster.running[s] for s in ("rider", "matching", "trip"))
    expired = "lastmile_requests_expired_total"
    assert rider.metric(expired, reason="no_seat") == 1
    assert rider.metric(expired, reason="no_driver") == 1
    # The operator's count of why riders went unmatched says the same; none expired since now.
    count = cluster.stub("rider").CountUnmatched
    since = rider_pb2.CountUnmatchedRequest(since=to_timestamp(now - timedelta(minutes=1)))
    assert dict((await count(since)).expired_by_reason) == {
        "no_seat": 1,
        "no_driver": 1,
        "window": 0,
    }
    later = rider_pb2.CountUnmatchedRequest(since=to_timestamp(datetime.now(UTC)))
    assert set((await count(later)).expired_by_reason.values()) == {0}
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await count(rider_pb2.CountUnmatchedRequest())
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert matching.metric("lastmile_riders_matched_total", station="mg-road") == 1
    assert matching.metric("lastmile_request_to_match_seconds_count") == 1
    assert 0 <= matching.metric("lastmile_request_to_match_seconds_sum") < 60
    assert trip.metric("lastmile_trip_seats_used_count") == 1
    assert trip.metric("lastmile_trip_seats_used_sum") == 1
