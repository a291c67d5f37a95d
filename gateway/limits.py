"""Rate limits (login attempts), per gunicorn worker process, in memory."""

from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", headers_enabled=True)


def login_limit() -> str:
    return current_app.config["SETTINGS"].login_rate_limit


def login_key_by_phone() -> str:
    body = request.get_json(silent=True)
    phone = body.get("phone") if isinstance(body, dict) else None
    return f"phone:{phone}" if isinstance(phone, str) else f"addr:{get_remote_address()}"
