"""The gateway's Flask application: the public REST API of API.md, and the built web UI."""

from __future__ import annotations

import json
import time

from flask import Flask, Response, g, request, send_from_directory
from prometheus_client import Counter, Histogram

from common.logs import configure_logging
from common.settings import load_settings
from gateway import errors
from gateway.errors import ApiError
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
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
        "connect-src 'self'; frame-ancestors 'none'"
    ),
}


def create_app(settings: GatewaySettings | None = None) -> Flask:
    settings = settings or load_settings(GatewaySettings, service_name="gateway")
    app = Flask(__name__, static_folder=None)
    app.config.update(SETTINGS=settings, MAX_CONTENT_LENGTH=MAX_BODY)
    app.json.sort_keys = False
    errors.register(app)
    for bp in (public.bp, rides.bp, live.bp, ops.bp):
        app.register_blueprint(bp, url_prefix="/api/v1")
    _observe(app, settings)
    _serve_ui(app, settings)
    return app


def _observe(app: Flask, settings: GatewaySettings) -> None:
    origins = set(settings.allowed_origins)

    @app.before_request
    def start() -> Response | None:
        g.started = time.perf_counter()
        if request.method == "OPTIONS" and request.headers.get("Origin") in origins:
            return Response(status=204)
        return None

    @app.after_request
    def finish(response: Response) -> Response:
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        origin = request.headers.get("Origin")
        if origin and origin in origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
            response.headers["Access-Control-Allow-Headers"] = (
                "Authorization, Content-Type, Idempotency-Key, Last-Event-ID"
            )
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE, OPTIONS"
        route = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        if "started" in g:
            LATENCY.labels(request.method, route).observe(time.perf_counter() - g.started)
        return response


def _serve_ui(app: Flask, settings: GatewaySettings) -> None:
    """The built frontend at /, hashed assets cached for a year, index.html for client routes,
    and /config.js with the UI's runtime settings (so tiles change without a rebuild)."""
    dist = settings.frontend_dist
    ui_config = json.dumps(
        {"tileUrl": settings.tile_url, "tileAttribution": settings.tile_attribution}
    )

    @app.get("/config.js")
    def config_js() -> Response:
        response = Response(f"window.LASTMILE_CONFIG = {ui_config};\n", mimetype="text/javascript")
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def ui(path: str) -> Response:
        if path.startswith("api/"):
            raise ApiError(404, "NOT_FOUND", f"no endpoint {request.path}")
        if not (dist / "index.html").exists():
            raise ApiError(
                404, "NOT_FOUND", "the web UI is not built (cd frontend && npm run build)"
            )
        if path and (dist / path).is_file():
            response = send_from_directory(dist, path)
            if path.startswith("assets/"):
                response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            return response
        response = send_from_directory(dist, "index.html")
        response.headers["Cache-Control"] = "no-cache"
        return response


def main() -> Flask:
    """Entry point for gunicorn: `gunicorn 'gateway.app:main()'`."""
    settings = load_settings(GatewaySettings, service_name="gateway")
    configure_logging("gateway", settings.log_level)
    return create_app(settings)
