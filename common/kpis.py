"""The ride's own measures, beside the RPC ones (common/metrics.py): how long riders wait for a
match, how fast a trigger becomes a match, where matches happen, why riders go unmatched, how
full trips are, how many positions come in. Each is counted where it happens, by the service
that owns the fact; labels are bounded (stations, reasons, outcomes), never a user or route."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from common.metrics import Children

# Riders wait minutes for a match (they book up to 20 min ahead, expire 30 min after arrival).
WAIT_BUCKETS = (5, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600)

REQUEST_TO_MATCH = Histogram(
    "lastmile_request_to_match_seconds",
    "Time from a ride request to its match (the rider's booking to MATCHED).",
    buckets=WAIT_BUCKETS,
)
TRIGGER_TO_MATCH = Histogram(
    "lastmile_trigger_to_match_seconds",
    "Time from a trigger reaching matching to its riders being booked and told.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RIDERS_MATCHED = Children(
    Counter("lastmile_riders_matched_total", "Riders matched, by pick-up station.", ["station"])
)
REQUESTS_EXPIRED = Children(
    Counter(
        "lastmile_requests_expired_total",
        "Ride requests that expired unmatched, by reason: no_seat (a driver going their way "
        "came by full), window (one came by with seats, before the rider's window), no_driver "
        "(none came their way).",
        ["reason"],
    )
)
TRIP_SEATS_USED = Histogram(
    "lastmile_trip_seats_used",
    "Riders dropped off per completed trip.",
    buckets=(0, 1, 2, 3, 4, 5, 6, 7, 8),
)
POSITIONS_INGESTED = Children(
    Counter(
        "lastmile_positions_ingested_total",
        "Driver positions received, by outcome (accepted, rejected).",
        ["outcome"],
    )
)
