"""Every error the gateway answers, whatever its cause, as API.md's JSON error body."""

from __future__ import annotations

import json
import logging
from typing import Any

import grpc
from flask import Flask, Response
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from common.errors import field_of, retry_after_of

log = logging.getLogger("lastmile.gateway")

GRPC_TO_HTTP = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
}
HTTP_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    409: "FAILED_PRECONDITION",
    413: "PAYLOAD_TOO_LARGE",
    414: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT",
    417: "INVALID_ARGUMENT",
    431: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    501: "INVALID_ARGUMENT",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        retry_after: int = 1,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.retry_after = retry_after


def error_body(code: str, message: str, field: str | None = None) -> bytes:
    """API.md's error body."""
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return json.dumps({"error": body}).encode()


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers: Any = None
) -> Response:
    response = Response(error_body(code, message, field), status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _camel(field: str) -> str:
    head, *rest = field.split("_")
    return head + "".join(p.title() for p in rest)


def from_rpc(error: grpc.RpcError) -> ApiError:
    code = error.code()
    status = GRPC_TO_HTTP.get(code, 500)
    if status == 503:
        return ApiError(503, "UNAVAILABLE", "a backend service is unavailable; try again")
    if status == 500:
        log.error("backend error %s: %s", code, error.details())
        return ApiError(500, "INTERNAL", "internal error")
    api_code = "ALREADY_EXISTS" if code == grpc.StatusCode.ALREADY_EXISTS else HTTP_CODES[status]
    field = field_of(error)
    return ApiError(
        status,
        api_code,
        error.details() or api_code,
        _camel(field) if field else None,
        retry_after_of(error) or 1,
    )


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(e: ApiError) -> Response:
        headers = {"Retry-After": str(e.retry_after)} if e.status in (429, 503) else None
        return error_response(e.status, e.code, e.message, e.field, headers)

    @app.errorhandler(grpc.RpcError)
    def rpc_error(e: grpc.RpcError) -> Response:
        return api_error(from_rpc(e))

    @app.errorhandler(ValidationError)
    def validation_error(e: ValidationError) -> Response:
        first = e.errors()[0]
        loc = ".".join(str(p) for p in first["loc"] if not isinstance(p, int)) or None
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = "unknown field"
        return error_response(400, "INVALID_ARGUMENT", f"{loc}: {message}" if loc else message, loc)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        status = e.code or 500
        return error_response(status, HTTP_CODES.get(status, "INTERNAL"), e.description or "")

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "INTERNAL", "internal error")
