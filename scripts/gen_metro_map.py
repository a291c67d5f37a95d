"""Writes the web UI's offline map data (frontend/src/data/metro.json, GeoJSON) from the
stations file: the metro lines through LastMile's stations, in their order along each line,
so the map speaks without a tile server. `--check` exits 1 when the file is stale."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from scripts.generated import write_or_check

ROOT = Path(__file__).resolve().parent.parent
STATIONS = ROOT / "services" / "station" / "stations.json"
OUT = ROOT / "frontend" / "src" / "data" / "metro.json"

# Namma Metro's lines, west to east and north to south, through the stations LastMile serves.
LINES = [
    {
        "id": "purple",
        "name": "Purple Line",
        "colour": "#7e22ce",
        "stations": [
            "vijayanagar",
            "majestic",
            "cubbon-park",
            "mg-road",
            "trinity",
            "indiranagar",
            "baiyappanahalli",
        ],
    },
    {
        "id": "green",
        "name": "Green Line",
        "colour": "#15803d",
        "stations": ["majestic", "jayanagar", "rv-road", "banashankari"],
    },
]


def metro_map(stations_file: Path = STATIONS) -> dict[str, Any]:
    stations = {s["id"]: s for s in json.loads(stations_file.read_text())["stations"]}
    features = []
    for line in LINES:
        missing = [s for s in line["stations"] if s not in stations]
        if missing:
            raise ValueError(f"{line['name']} names unknown stations: {missing}")
        coordinates = [
            [stations[s]["location"]["lon"], stations[s]["location"]["lat"]]
            for s in line["stations"]
        ]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "id": line["id"],
                    "name": line["name"],
                    "colour": line["colour"],
                    "stations": line["stations"],
                },
                "geometry": {"type": "LineString", "coordinates": coordinates},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def rendered() -> str:
    return json.dumps(metro_map(), indent=2) + "\n"


def main(argv: list[str]) -> int:
    return write_or_check(OUT, rendered(), "metro-map", argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
