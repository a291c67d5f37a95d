"""MongoDB commands as metrics, from PyMongo's command monitoring: how many each collection
gets (the database work a ride costs) and how long they take (the database latency alert)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram
from pymongo import monitoring

from common.metrics import Children

COMMANDS = Children(
    Counter(
        "lastmile_mongodb_commands_total",
        "MongoDB commands sent, by collection and command.",
        ["collection", "command"],
    )
)
COMMAND_SECONDS = Children(
    Histogram(
        "lastmile_mongodb_command_seconds",
        "Time from sending a MongoDB command to its answer, by command and outcome.",
        ["command", "outcome"],
        buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    )
)


def collection_of(command_name: str, command: dict) -> str:
    """The collection a command works on (`getMore` names it apart; admin commands none)."""
    target = command.get("collection") if command_name == "getMore" else command.get(command_name)
    return target if isinstance(target, str) else ""


class CommandMetrics(monitoring.CommandListener):
    """Counts and times every command of the client it is given to (called inline by the
    driver, so it only does a dictionary lookup and an increment)."""

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        COMMANDS(collection_of(event.command_name, event.command), event.command_name).inc()

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        COMMAND_SECONDS(event.command_name, "ok").observe(event.duration_micros / 1e6)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        COMMAND_SECONDS(event.command_name, "failed").observe(event.duration_micros / 1e6)
