"""Security and CORS headers on every answer, added at the WSGI layer: a plain list append per
response instead of werkzeug Headers lookups (which raise and catch an exception for every
absent name)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

SECURITY_HEADERS = (
    # Tokens and personal data must not be kept by browsers or proxies; answers that may be
    # cached (the UI's files) say so themselves.
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
        "connect-src 'self'; frame-ancestors 'none'",
    ),
)
CORS_HEADERS = (
    ("Vary", "Origin"),
    ("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, Last-Event-ID"),
    ("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS"),
    # The trace of this answer (W3C Trace Context's `traceresponse`), when the gateway traces.
    ("Access-Control-Expose-Headers", "traceresponse"),
)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class AnswerHeaders:
    """WSGI middleware: security headers on every answer (unless the app set them itself), and
    CORS headers when the request's Origin is one of `origins`."""

    def __init__(self, app: WsgiApp, origins: Iterable[str]) -> None:
        self.app, self.origins = app, frozenset(origins)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN")
        extra = list(SECURITY_HEADERS)
        if origin is not None and origin in self.origins:
            extra += [("Access-Control-Allow-Origin", origin), *CORS_HEADERS]

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers.extend(h for h in extra if h[0].lower() not in present)
            return start_response(status, headers, exc_info)

        return self.app(environ, start)
