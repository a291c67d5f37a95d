"""Counts the gRPC calls a ride costs: starts the services and the gateway on loopback, runs N
rides over the REST API (request, route, drive into MG Road's zone, pick-up, complete), and
prints the calls each service received per ride, from the services' own metrics.

Usage: python scripts/count_ride_calls.py [--rides 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import urllib.request
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common.geo import destination_point
from tests.e2e_http import bearer, in_minutes, signup
from tests.harness import Cluster, EmbeddedMongo, start_gateway
from tests.ride import ALL, MG_ROAD


def started(metrics_port: int) -> Counter[str]:
    """Calls started per Service.Method, from one process's /metrics."""
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    text = urllib.request.urlopen(url, timeout=5).read()  # http on loopback  # nosec B310
    calls: Counter[str] = Counter()
    for line in text.decode().splitlines():
        if line.startswith("grpc_server_started_total{"):
            inside = line[line.index("{") + 1 : line.index("}")]
            labels = {k: v.strip('"') for k, v in (p.split("=", 1) for p in inside.split(","))}
            method = f"{labels['grpc_service']}.{labels['grpc_method']}"
            calls[method] += int(float(line.rsplit(" ", 1)[1]))
    return calls


def ride(http: httpx.Client) -> None:
    driver = signup(http, "driver", "Ravi", vehicle={"plate": "KA01AB1234", "model": "Swift"})
    rider = signup(http, "rider", "Asha")
    d, r = bearer(driver["token"]), bearer(rider["token"])
    asked = http.post(
        "/rider/requests",
        headers=r,
        json={"stationId": "mg-road", "destinationAreaId": "domlur", "arrivalTime": in_minutes(2)},
    )
    assert asked.status_code == 201, asked.text
    route = http.post(
        "/driver/routes",
        headers=d,
        json={"stationIds": ["mg-road", "trinity"], "destinationAreaId": "domlur", "seats": 2},
    )
    assert route.status_code == 201, route.text
    hit = []
    for metres in (1500, 999):
        lat, lon = destination_point(*MG_ROAD, 180, metres)
        hit += http.post("/driver/location", headers=d, json={"lat": lat, "lon": lon}).json()[
            "triggered"
        ]
    (trigger,) = hit
    trip = trigger["tripId"]
    rider_id = rider["user"]["id"]
    mine = http.get(f"/rider/requests/{asked.json()['id']}", headers=r).json()
    assert mine["status"] == "MATCHED"
    http.get("/driver/routes/current", headers=d).raise_for_status()
    told = {"riders": [{"riderId": rider_id, "pin": mine["pin"]}]}
    http.post(f"/trips/{trip}/pickup", headers=d, json=told).raise_for_status()
    http.post(f"/trips/{trip}/complete", headers=d).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rides", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        mongo = EmbeddedMongo(Path(tmp))
        mongo.start()
        cluster = Cluster(mongo_uri=mongo.uri, db_name="calls", log_dir=Path(tmp))
        try:
            cluster.start(*ALL, env={"LOG_LEVEL": "WARNING"})
            gateway = start_gateway(cluster)
            try:
                before = sum((started(p.metrics_port) for p in cluster.running.values()), Counter())
                with httpx.Client(base_url=gateway.url, timeout=30) as http:
                    for _ in range(args.rides):
                        ride(http)
                after = sum((started(p.metrics_port) for p in cluster.running.values()), Counter())
            finally:
                gateway.stop()
        finally:
            cluster.stop_all()
            mongo.stop()
    calls = after - before
    ours = {m: n for m, n in calls.items() if not m.startswith(("UserService.", "Health."))}
    print(f"{args.rides} rides; calls per ride (sign-ups and token checks left out):")
    for method, n in sorted(ours.items()):
        print(f"  {method:42} {n / args.rides:6.2f}")
    print(f"  {'total':42} {sum(ours.values()) / args.rides:6.2f}")
    print(
        f"  {'UserService (sign-up, tokens, names)':42} "
        f"{sum(n for m, n in calls.items() if m.startswith('UserService.')) / args.rides:6.2f}"
    )


if __name__ == "__main__":
    main()
