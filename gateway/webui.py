"""The built web UI at /: hashed assets cached for a year and sent pre-compressed (brotli or
gzip, written beside each asset by the build) as the browser accepts, index.html for client
routes, and /config.js with the UI's runtime settings (so tiles change without a rebuild)."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

from flask import Flask, Response, request, send_from_directory

from gateway.errors import ApiError
from gateway.settings import GatewaySettings

# Best first; each is a file the build wrote beside the plain one.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}
YEAR = "public, max-age=31536000, immutable"


def _mimetype(path: str) -> str:
    suffix = Path(path).suffix
    return TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def send_asset(dist: Path, path: str) -> Response:
    """`dist/path`, as its compressed twin when the browser takes that encoding."""
    accepted = request.accept_encodings
    for encoding, suffix in ENCODINGS:
        if accepted.quality(encoding) > 0 and (dist / f"{path}{suffix}").is_file():
            response = send_from_directory(dist, f"{path}{suffix}", mimetype=_mimetype(path))
            response.headers["Content-Encoding"] = encoding
            break
    else:
        response = send_from_directory(dist, path, mimetype=_mimetype(path))
    response.headers.pop("Content-Disposition", None)
    response.vary.add("Accept-Encoding")
    return response


def register(app: Flask, settings: GatewaySettings) -> None:
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
        if path and not path.endswith((".br", ".gz")) and (dist / path).is_file():
            response = send_asset(dist, path)
            if path.startswith("assets/"):
                response.headers["Cache-Control"] = YEAR
            return response
        response = send_asset(dist, "index.html")
        response.headers["Cache-Control"] = "no-cache"
        return response
