"""Stations and areas as the domain sees them, and the seed file they come from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from common.zones import Zone

DEFAULT_SEED_FILE = Path(__file__).with_name("stations.json")
DEFAULT_TRIGGER_RADIUS_M = 1000.0


@dataclass(frozen=True, slots=True)
class Point:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Area:
    id: str
    name: str
    location: Point


@dataclass(frozen=True, slots=True)
class ApproachPoint:
    name: str
    location: Point


@dataclass(frozen=True, slots=True)
class Station:
    id: str
    name: str
    location: Point
    trigger_radius_m: float
    areas: tuple[Area, ...]
    approach_points: tuple[ApproachPoint, ...] = ()

    def serves(self, area_id: str) -> bool:
        return any(a.id == area_id for a in self.areas)

    @property
    def zone(self) -> Zone:
        return Zone(
            self.id,
            self.location.lat,
            self.location.lon,
            self.trigger_radius_m,
            tuple((p.name, p.location.lat, p.location.lon) for p in self.approach_points),
        )


# --- the seed file -------------------------------------------------------------------------

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=80)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _LatLon(_Model):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


class _Area(_Model):
    id: Slug
    name: Name
    location: _LatLon


class _Approach(_Model):
    name: Name
    location: _LatLon


class _Station(_Model):
    id: Slug
    name: Name
    location: _LatLon
    trigger_radius_m: float = Field(
        DEFAULT_TRIGGER_RADIUS_M, alias="triggerRadiusM", gt=0, le=10_000
    )
    area_ids: list[Slug] = Field(alias="areaIds", min_length=1)
    approach_points: list[_Approach] = Field(default_factory=list, alias="approachPoints")


class _SeedFile(_Model):
    areas: list[_Area]
    stations: list[_Station] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> _SeedFile:
        area_ids = [a.id for a in self.areas]
        station_ids = [s.id for s in self.stations]
        for label, ids in (("area", area_ids), ("station", station_ids)):
            if len(set(ids)) != len(ids):
                raise ValueError(f"duplicate {label} id")
        known = set(area_ids)
        for s in self.stations:
            missing = [a for a in s.area_ids if a not in known]
            if missing:
                raise ValueError(f"station {s.id} serves unknown areas {missing}")
        return self


class SeedError(ValueError):
    """The seed file is missing or malformed."""


def load_seed(path: Path = DEFAULT_SEED_FILE) -> list[Station]:
    """Reads and checks the seed file; raises SeedError saying what is wrong."""
    try:
        raw = json.loads(path.read_text())
        seed = _SeedFile.model_validate(raw)
    except (OSError, json.JSONDecodeError, ValidationError) as exc:
        raise SeedError(f"cannot load stations from {path}: {exc}") from exc
    areas = {a.id: Area(a.id, a.name, Point(a.location.lat, a.location.lon)) for a in seed.areas}
    return [
        Station(
            id=s.id,
            name=s.name,
            location=Point(s.location.lat, s.location.lon),
            trigger_radius_m=s.trigger_radius_m,
            areas=tuple(areas[a] for a in s.area_ids),
            approach_points=tuple(
                ApproachPoint(p.name, Point(p.location.lat, p.location.lon))
                for p in s.approach_points
            ),
        )
        for s in seed.stations
    ]
