"""The matching rule's eligibility, as the services apply it (services/matching/plan.py,
services/rider): a rider is eligible for a driver at a stop when the request is open when the
driver enters the zone (booked, not yet expired), it waits at that station for the driver's
destination, and it arrives no later than 5 minutes after the driver."""

from __future__ import annotations

from sim.morning import Driver, Rider, Stop

ARRIVAL_SLACK_S = 5 * 60  # services.matching.plan.ARRIVAL_SLACK
EXPIRY_S = 1800  # the rider service's REQUEST_EXPIRY_S default


def open_at(rider: Rider, t: float) -> bool:
    return rider.booked_s <= t <= rider.arrival_s + EXPIRY_S


def in_window(rider: Rider, stop: Stop) -> bool:
    return rider.arrival_s <= stop.eta_s + ARRIVAL_SLACK_S


class EqualDestination:
    """The original rule: the driver goes to the rider's own area."""

    def going_their_way(self, rider: Rider, driver: Driver, stop: Stop) -> bool:
        """The driver passes the rider's station for the rider's destination while the
        request is open (the window aside)."""
        return (
            stop.station_id == rider.station_id
            and driver.area_id == rider.area_id
            and open_at(rider, stop.trigger_s)
        )

    def detour_m(self, rider: Rider, driver: Driver, stop: Stop) -> float:
        return 0.0

    def __call__(self, rider: Rider, driver: Driver, stop: Stop) -> bool:
        return self.going_their_way(rider, driver, stop) and in_window(rider, stop)


EQUAL_DESTINATION = EqualDestination()
eligible = EQUAL_DESTINATION
going_their_way = EQUAL_DESTINATION.going_their_way


def wait_s(rider: Rider, stop: Stop) -> float:
    """How long the rider waits at the station for the driver (0 when the driver waits)."""
    return max(0.0, stop.eta_s - rider.arrival_s)
