"""Health probes of a run's processes, the way Kubernetes would probe them, and the free-port
check made before anything starts."""

from __future__ import annotations

import socket

import grpc
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from common.healthcheck import grpc_health, http_health
from lastmile.layout import ProcessSpec

PROBE_TIMEOUT_S = 1.0


class PortInUse(Exception):
    def __init__(self, what: str, port: int) -> None:
        super().__init__(
            f"port {port} ({what}) is already in use; stop whatever holds it, or choose other "
            "ports (lastmile up --help)"
        )
        self.port = port


def check_free(what: str, port: int, host: str = "127.0.0.1") -> None:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            raise PortInUse(what, port) from None


def check_ports(specs: list[ProcessSpec]) -> None:
    for spec in specs:
        for purpose, port in spec.ports.items():
            check_free(f"{spec.name} {purpose}", port)


class Prober:
    """Keeps one gRPC channel per address, so probing every second costs one RPC each."""

    def __init__(self) -> None:
        self._channels: dict[str, grpc.Channel] = {}

    def _grpc(self, port: int) -> str:
        address = f"127.0.0.1:{port}"
        if address not in self._channels:
            self._channels[address] = grpc.insecure_channel(address)
        return grpc_health(self._channels[address], PROBE_TIMEOUT_S)

    @staticmethod
    def _mongo(port: int) -> str:
        uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
        try:
            with MongoClient(uri, serverSelectionTimeoutMS=int(PROBE_TIMEOUT_S * 1000)) as client:
                client.admin.command("ping")
        except PyMongoError:
            return "down"
        return "serving"

    def probe(self, spec: ProcessSpec) -> str:
        if spec.health == "grpc":
            return self._grpc(spec.main_port)
        if spec.health == "http":
            return http_health(spec.main_port, PROBE_TIMEOUT_S)
        if spec.health == "mongo":
            return self._mongo(spec.main_port)
        if spec.health == "prometheus":
            return http_health(spec.main_port, PROBE_TIMEOUT_S, path="/-/ready")
        return "n/a"

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()
