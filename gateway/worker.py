"""The gateway's gunicorn worker: gevent, with a cap on the connections it holds, in total and
per client address, and API.md's JSON for the errors gunicorn itself answers.

A worker's greenlet pool is larger than its connection cap, so that a connection past the cap
still gets a greenlet and is answered at once (503 with Retry-After) instead of waiting,
unaccepted, behind thousands of slow ones."""

from __future__ import annotations

import socket
from collections import Counter
from typing import Any

import gevent
from gunicorn import util
from gunicorn.workers.ggevent import GeventWorker

from common.settings import load_settings
from gateway.errors import HTTP_CODES, error_body
from gateway.settings import GatewaySettings

RETRY_AFTER_S = 2


def _json_error(status: int, reason: str, message: str, extra: str = "") -> bytes:
    body = error_body(HTTP_CODES.get(status, "INTERNAL"), message or reason)
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
        f"{extra}\r\n"
    )
    return head.encode("latin-1") + body


def write_json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own error answers (malformed requests, headers too large), as JSON."""
    util.write_nonblock(sock, _json_error(status_int, reason, mesg))


class GatewayWorker(GeventWorker):
    def init_process(self) -> None:
        settings = load_settings(GatewaySettings, service_name="gateway")
        self.max_total = settings.max_connections
        self.max_per_address = settings.max_connections_per_address
        self.open_total = 0
        self.open_by_address: Counter[str] = Counter()
        self.refused = 0
        # gunicorn writes its errors through util.write_error (HTML); this process answers
        # them in JSON.
        util.write_error = write_json_error
        super().init_process()

    def handle(self, listener: Any, client: Any, addr: Any) -> None:
        address = addr[0] if isinstance(addr, tuple) and addr else ""
        if (
            self.open_total >= self.max_total
            or self.open_by_address[address] >= self.max_per_address
        ):
            self._refuse(client)
            return
        self.open_total += 1
        self.open_by_address[address] += 1
        try:
            super().handle(listener, client, addr)
        finally:
            self.open_total -= 1
            self.open_by_address[address] -= 1
            if not self.open_by_address[address]:
                del self.open_by_address[address]

    def _refuse(self, client: Any) -> None:
        self.refused += 1
        answer = _json_error(
            503,
            "Service Unavailable",
            "too many connections; try again shortly",
            f"Retry-After: {RETRY_AFTER_S}\r\n",
        )
        try:
            client.setblocking(1)
            client.sendall(answer)
            client.shutdown(socket.SHUT_WR)
            # Read what the client already sent, briefly, so that closing does not reset the
            # connection before it reads the answer.
            with gevent.Timeout(0.5, False):
                while client.recv(4096):
                    pass
        except OSError:
            pass
        finally:
            util.close(client)
