"""Pure pieces of the `lastmile` command: restart back-off, port layout, simulated drives."""

from pathlib import Path

import pytest

from lastmile.children import backoff_after
from lastmile.drive import LEAD_IN_M, Drive, Place, RoutePlan, StationInfo, distance, route_plans
from lastmile.layout import RunConfig, plan


def test_backoff_doubles_from_one_second_to_thirty() -> None:
    assert [backoff_after(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_ports_never_collide_and_clients_know_every_matching_replica(tmp_path: Path) -> None:
    config = RunConfig(home=tmp_path, matching_replicas=5)
    ports = [p for tier in plan(config) for spec in tier for p in spec.ports.values()]
    assert len(ports) == len(set(ports))
    addr = config.address_of("matching")
    assert addr.startswith("ipv4:") and addr.count(",") == 4
    assert config.address_of("user") == "127.0.0.1:50051"
    names = [spec.name for tier in plan(config) for spec in tier]
    assert names[0] == "database" and names[-1] == "gateway"


def test_an_external_database_starts_none(tmp_path: Path) -> None:
    config = RunConfig(home=tmp_path, mongodb_uri="mongodb://db:27017/")
    names = [spec.name for tier in plan(config) for spec in tier]
    assert "database" not in names
    assert all(spec.env.get("MONGODB_URI", "mongodb://db:27017/") == "mongodb://db:27017/"
               for tier in plan(config) for spec in tier if spec.name != "database")  # fmt: skip


def _station(id_: str, lat: float, lon: float, *areas: str) -> StationInfo:
    return StationInfo(Place(id_, lat, lon), 1000, tuple(Place(a, lat + 0.01, lon) for a in areas))


def test_routes_join_only_nearby_stations_that_share_an_area() -> None:
    a = _station("a", 12.97, 77.60, "x", "shared")
    b = _station("b", 12.97, 77.61, "shared", "y")
    far = _station("far", 13.50, 77.60, "shared")
    plans = route_plans([a, b, far])
    pairs = [(p.station_ids, p.destination.id) for p in plans if len(p.stations) == 2]
    assert sorted(pairs) == [(["a", "b"], "shared"), (["b", "a"], "shared")]
    assert len([p for p in plans if len(p.stations) == 1]) == 5


def test_a_drive_stops_at_every_waypoint_and_ends_at_the_destination() -> None:
    a = _station("a", 12.97, 77.60, "dest")
    drive = Drive.along(RoutePlan((a,), a.areas[0]))
    assert distance(drive.position, a.place) == pytest.approx(LEAD_IN_M, rel=1e-3)
    reached = []
    while not drive.finished:
        hit = drive.advance(400)
        if hit:
            reached.append(hit.id)
    assert reached == ["a", "dest"]
    assert drive.position.lat == pytest.approx(a.areas[0].lat)
    assert drive.advance(100) is None


def test_only_the_user_service_gets_the_signing_key(tmp_path: Path) -> None:
    from lastmile.state import Home

    keys = Home(tmp_path).keys()
    config = RunConfig(home=tmp_path, keys=keys)
    specs = {spec.name: spec for tier in plan(config) for spec in tier}
    assert specs["user"].env["JWT_PRIVATE_KEY_FILE"] == str(keys.signing_key)
    for name, spec in specs.items():
        if name != "user":
            assert "JWT_PRIVATE_KEY_FILE" not in spec.env, name
        if name not in ("database",):
            assert spec.env.get("JWT_PUBLIC_KEYS_FILE", str(keys.public_keys)) == str(
                keys.public_keys
            )
    assert specs["gateway"].env["STREAM_TICKET_SECRET_FILE"] == str(keys.ticket_secret)
    assert keys.signing_key.stat().st_mode & 0o077 == 0
    assert Home(tmp_path).keys().signing_key.read_bytes() == keys.signing_key.read_bytes()
