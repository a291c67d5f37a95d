"""The UI's offline metro map is made from the stations file and kept in step with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import gen_metro_map


def test_the_checked_in_metro_map_is_current() -> None:
    assert gen_metro_map.OUT.read_text() == gen_metro_map.rendered(), "run `make metro-map`"


def test_every_station_lies_on_a_line_and_each_line_follows_its_stations() -> None:
    stations = {s["id"]: s for s in json.loads(gen_metro_map.STATIONS.read_text())["stations"]}
    features = gen_metro_map.metro_map()["features"]
    on_a_line = {s for f in features for s in f["properties"]["stations"]}
    assert on_a_line == set(stations)
    for feature in features:
        ids = feature["properties"]["stations"]
        points = feature["geometry"]["coordinates"]
        assert len(points) == len(ids) >= 2
        for sid, (lon, lat) in zip(ids, points, strict=True):
            assert (lat, lon) == (
                stations[sid]["location"]["lat"],
                stations[sid]["location"]["lon"],
            )


def test_an_unknown_station_on_a_line_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "stations.json"
    data = json.loads(gen_metro_map.STATIONS.read_text())
    data["stations"] = [s for s in data["stations"] if s["id"] != "trinity"]
    file.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="trinity"):
        gen_metro_map.metro_map(file)
