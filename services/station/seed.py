"""One-shot seeding of the stations (the Kubernetes seed Job): upserts the seed file's stations
and exits 0; safe to run any number of times. The station service also seeds at start-up."""

from __future__ import annotations

import asyncio
import logging

from pymongo.errors import PyMongoError

from common import mongo
from common.logs import configure_logging
from common.settings import load_settings
from services.station.catalog import load_seed
from services.station.server import StationSettings
from services.station.store import StationStore

log = logging.getLogger("lastmile.seed")


async def seed(settings: StationSettings) -> int:
    stations = load_seed(settings.stations_file)
    await StationStore(mongo.get_database(settings)).seed(stations)
    await mongo.close()
    return len(stations)


def main() -> None:
    settings = load_settings(StationSettings, service_name="station")
    configure_logging("station-seed", settings.log_level)
    try:
        count = asyncio.run(seed(settings))
    except PyMongoError as exc:
        # The Job retries (backoffLimit) until the database answers.
        log.error("seeding failed", extra={"error": str(exc)})
        raise SystemExit(1) from None
    log.info("stations seeded", extra={"stations": count})


if __name__ == "__main__":
    main()
