"""The gateway's Flask application: the public REST API of API.md, and the built web UI."""

from __future__ import annotations

import faulthandler
import time
from typing import Any

from flask import Flask, Response, request
from flask.sessions import NullSession, SessionInterface
from prometheus_client import Counter, Histogram

from common import tracing
from common.logs import configure_logging
from common.metrics import Children
from common.settings import load_settings
from gateway import auth, errors, webui
from gateway.bodies import BodyDeadline
from gateway.deferred_metrics import deferred
from gateway.headers import AnswerHeaders
from gateway.settings import GatewaySettings
from gateway.views import live, ops, public, rides

MAX_BODY = 64 * 1024
REQUESTS = Counter(
    "gateway_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "gateway_request_seconds",
    "Time to answer an HTTP request (streams: time to start streaming).",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
STARTED = "lastmile.started"  # the request's start time, in its WSGI environ
_requests, _latency = Children(REQUESTS), Children(LATENCY)


class NoSessions(SessionInterface):
    """The API is stateless (bearer tokens), so no cookie session is opened or saved: Flask's
    default builds a fresh empty session object on every request."""

    _none = NullSession()

    def open_session(self, app: Flask, request: Any) -> NullSession:
        return self._none

    def make_null_session(self, app: Flask) -> NullSession:
        return self._none

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        return None


class GatewayApp(Flask):
    """Flask for an API of plain (sync) views and no cookie sessions."""

    session_interface = NoSessions()

    def ensure_sync(self, func: Any) -> Any:
        # Every view and hook here is a plain function; Flask would inspect each one, on
        # every request, for being a coroutine.
        return func


def create_app(settings: GatewaySettings | None = None) -> Flask:
    settings = settings or load_settings(GatewaySettings, service_name="gateway")
    app = GatewayApp(__name__, static_folder=None)
    app.config.update(
        SETTINGS=settings, MAX_CONTENT_LENGTH=MAX_BODY, TOKEN_VERIFIER=auth.verifier_for(settings)
    )
    app.json.sort_keys = False
    errors.register(app)
    for bp in (public.bp, rides.bp, live.bp, ops.bp):
        app.register_blueprint(bp, url_prefix="/api/v1")
    _observe(app, settings)
    webui.register(app, settings)
    bodies = BodyDeadline(app.wsgi_app, MAX_BODY, settings.body_timeout_s, settings.body_min_rate)
    app.wsgi_app = AnswerHeaders(bodies, settings.allowed_origins)  # type: ignore[method-assign]
    return app


def _observe(app: Flask, settings: GatewaySettings) -> None:
    origins = set(settings.allowed_origins)

    # The hooks read the request object once (each use of the `request` proxy is a lookup).
    @app.before_request
    def start() -> Response | None:
        environ = request.environ
        environ[STARTED] = time.perf_counter()
        if environ["REQUEST_METHOD"] == "OPTIONS" and environ.get("HTTP_ORIGIN") in origins:
            return Response(status=204)  # a CORS preflight; AnswerHeaders adds the CORS headers
        return None

    @app.after_request
    def finish(response: Response) -> Response:
        req = request._get_current_object()  # type: ignore[attr-defined]
        rule = req.url_rule
        route = rule.rule if rule else "unmatched"
        method = req.method
        deferred.add(_requests(method, route, response.status_code).inc, 1)
        started = req.environ.get(STARTED)
        if started is not None:
            deferred.add(_latency(method, route).observe, time.perf_counter() - started)
        return response


def main() -> Flask:
    """Entry point for gunicorn: `gunicorn 'gateway.app:main()'`."""
    faulthandler.enable()  # a native crash prints the Python stacks to the log
    settings = load_settings(GatewaySettings, service_name="gateway")
    configure_logging("gateway", settings.log_level)
    app = create_app(settings)
    if tracing.configure(settings, "gateway", database=False):
        _trace(app)
    return app


# Only the API is traced: not the UI's files, not health probes, not the long-lived stream
# (whose pushes are traced where they start, in the notification service).
UNTRACED_URLS = ",".join(
    (r"^https?://[^/]+(?=/|$)(?!/api/v1/)", r"/api/v1/notifications/stream", r"/api/v1/health")
)


def _trace(app: Flask) -> None:
    """Server spans per request, continuing the caller's `traceparent`, and the trace id in a
    `traceresponse` header on every answer."""
    from opentelemetry.instrumentation.flask import FlaskInstrumentor
    from opentelemetry.instrumentation.propagators import (
        TraceResponsePropagator,
        set_global_response_propagator,
    )

    set_global_response_propagator(TraceResponsePropagator())
    FlaskInstrumentor.instrument_app(app, excluded_urls=UNTRACED_URLS)
