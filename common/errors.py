"""Domain errors. Domain code raises these; the server interceptor turns them into gRPC statuses.

A `field` names the request field at fault; it travels as a google.rpc.BadRequest detail so the
gateway can put it in its JSON error body.
"""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2, status_pb2

from api.lastmile.v1 import common_pb2

STATUS_DETAILS_KEY = "grpc-status-details-bin"


def status_metadata(
    code: grpc.StatusCode, message: str, field: str | None
) -> tuple[tuple[str, bytes], ...]:
    """Trailing metadata carrying a google.rpc.Status, with a BadRequest detail naming `field`."""
    status = status_pb2.Status(code=code.value[0], message=message)
    if field:
        detail = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=field, description=message)
            ]
        )
        status.details.add().Pack(detail)
    return ((STATUS_DETAILS_KEY, status.SerializeToString()),)


class DomainError(Exception):
    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def trailing_metadata(self) -> tuple[tuple[str, bytes], ...]:
        return status_metadata(self.code, self.message, self.field)

    def failure(self) -> common_pb2.Failure:
        """This error as one failed item of a batched answer."""
        return common_pb2.Failure(
            code=self.code.value[0], message=self.message, field=self.field or ""
        )


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unauthenticated(DomainError):
    code = grpc.StatusCode.UNAUTHENTICATED


RETRY_AFTER_KEY = "retry-after"


class ResourceExhausted(DomainError):
    """A limit was reached or the service is too busy; the caller may retry after
    `retry_after_s` seconds, which travel as trailing metadata `retry-after`."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, message: str, retry_after_s: int, field: str | None = None) -> None:
        super().__init__(message, field)
        self.retry_after_s = max(1, retry_after_s)

    def trailing_metadata(self) -> tuple[tuple[str, bytes | str], ...]:
        return (*super().trailing_metadata(), (RETRY_AFTER_KEY, str(self.retry_after_s)))


def retry_after_of(error: grpc.RpcError) -> int | None:
    """The seconds a RESOURCE_EXHAUSTED answer asks the caller to wait, if it says."""
    for key, value in error.trailing_metadata() or ():
        if key == RETRY_AFTER_KEY:
            text = value.decode() if isinstance(value, bytes) else value
            return int(text) if text.isdigit() else None
    return None


_CODES = {c.value[0]: c for c in grpc.StatusCode}


class ItemError(grpc.RpcError):
    """One item of a batched call that failed: raised where a unary call would have raised its
    RpcError, with the same code(), details() and trailing_metadata()."""

    def __init__(self, code: grpc.StatusCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self._code, self._message, self._field = code, message, field

    @classmethod
    def of(cls, failure: common_pb2.Failure) -> ItemError:
        code = _CODES.get(failure.code, grpc.StatusCode.UNKNOWN)
        return cls(code, failure.message, failure.field or None)

    @classmethod
    def like(cls, error: grpc.RpcError) -> ItemError:
        """A copy of a whole batch's failure for one of its items (each caller raises its own)."""
        return cls(error.code(), error.details() or "", field_of(error))

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._message

    def trailing_metadata(self) -> tuple[tuple[str, bytes], ...]:
        return status_metadata(self._code, self._message, self._field)


def field_of(error: grpc.RpcError) -> str | None:
    """The request field named by a failed call's BadRequest detail, if any."""
    metadata = error.trailing_metadata() or ()
    for key, value in metadata:
        if key == STATUS_DETAILS_KEY:
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                    bad = error_details_pb2.BadRequest()
                    detail.Unpack(bad)
                    if bad.field_violations:
                        return bad.field_violations[0].field
    return None
