"""Request bodies arrive whole, in time, and within the size limit, before any view runs.

A client that sends its body one byte every few seconds would otherwise hold a connection and
a greenlet for as long as it likes. Every body is read here, under a deadline of one second
plus its length at `min_rate` bytes a second (at most `timeout_s`); a body that misses it is
answered 408 and its connection closed. Bodies over the limit are 413, chunked ones too (the
chunks are counted as they arrive)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import gevent

from gateway.errors import error_body
from gateway.headers import StartResponse, WsgiApp

CHUNK = 16 * 1024


class BodyDeadline:
    def __init__(self, app: WsgiApp, max_body: int, timeout_s: float, min_rate: int) -> None:
        self.app, self.max_body = app, max_body
        self.timeout_s, self.min_rate = timeout_s, min_rate

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        length_text = environ.get("CONTENT_LENGTH") or ""
        length = int(length_text) if length_text.isdigit() else 0
        if not chunked and not length:
            return self.app(environ, start_response)
        if length > self.max_body:
            return _refuse(start_response, 413, "PAYLOAD_TOO_LARGE", self._too_large())
        allowed = min(self.timeout_s, 1.0 + (length or self.max_body) / self.min_rate)
        stream = environ["wsgi.input"]
        parts: list[bytes] = []
        size = 0
        try:
            with gevent.Timeout(allowed):
                while size <= self.max_body:
                    part = stream.read(min(CHUNK, self.max_body + 1 - size))
                    if not part:
                        break
                    parts.append(part)
                    size += len(part)
        except gevent.Timeout:
            return _refuse(
                start_response,
                408,
                "REQUEST_TIMEOUT",
                f"the request body did not arrive within {allowed:.0f} s",
            )
        if size > self.max_body:
            return _refuse(start_response, 413, "PAYLOAD_TOO_LARGE", self._too_large())
        body = b"".join(parts)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)

    def _too_large(self) -> str:
        return f"the request body is over {self.max_body // 1024} KiB"


def _refuse(start_response: StartResponse, status: int, code: str, message: str) -> list[bytes]:
    body = error_body(code, message)
    reason = {408: "Request Timeout", 413: "Content Too Large"}[status]
    start_response(
        f"{status} {reason}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            # The rest of the body may still be on its way: this connection is done.
            ("Connection", "close"),
        ],
    )
    return [body]
