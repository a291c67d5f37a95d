"""Typed settings read from environment variables, shared by every service.

Each field is read from the upper-cased environment variable of the same name (e.g.
`grpc_port` from `GRPC_PORT`). Bad values stop the process at start-up with a message that
names the variable; see `load_settings`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import Field, FilePath, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Port = Annotated[int, Field(ge=1, le=65535)]
OptionalPort = Annotated[int, Field(ge=0, le=65535)]

# Default gRPC and metrics ports per service, so a local run needs no configuration.
DEFAULT_PORTS: dict[str, int] = {
    "user": 50051,
    "station": 50052,
    "driver": 50053,
    "rider": 50054,
    "location": 50055,
    "matching": 50056,
    "trip": 50057,
    "notification": 50058,
}
METRICS_PORT_OFFSET = 9100 - 50051 + 1  # user -> 9101, station -> 9102, ...


class ServiceSettings(BaseSettings):
    """Settings every service process reads. Field names are the environment variables."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, validate_default=True)

    # Which service this process runs; set by the service's entry point, not by the environment.
    service_name: str = Field(default="", exclude=True)

    grpc_host: str = Field("0.0.0.0", description="Address the gRPC server binds to.")
    grpc_port: OptionalPort = Field(0, description="gRPC port; 0 = the service's default.")
    metrics_port: OptionalPort = Field(
        0, description="Prometheus metrics port; 0 = the service's default (9101..9108)."
    )
    metrics_enabled: bool = Field(True, description="Serve Prometheus metrics over HTTP.")
    mongodb_uri: str = Field(
        "mongodb://127.0.0.1:27017/?directConnection=true",
        min_length=10,
        pattern=r"^mongodb(\+srv)?://",
        description="MongoDB connection string.",
    )
    mongodb_uri_file: FilePath | None = Field(
        None,
        description="File holding the connection string, credentials included (a mounted "
        "Secret); beats MONGODB_URI.",
    )
    mongodb_db: str = Field(
        "lastmile",
        min_length=1,
        max_length=63,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Database name; each service owns its collections in it.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="DEBUG, INFO, WARNING or ERROR; logs are JSON lines on stdout."
    )

    rpc_timeout_s: float = Field(5.0, gt=0, le=300, description="Default deadline of calls made.")
    drain_grace_s: float = Field(
        10.0, ge=0, le=300, description="How long in-flight calls may finish after SIGTERM."
    )
    max_connection_age_s: float = Field(
        30.0, gt=0, le=3600, description="Servers close connections older than this."
    )

    # Traces (common/tracing.py). The OTEL_* names are OpenTelemetry's own variables; the
    # OTLP exporter reads the rest of them itself (OTEL_EXPORTER_OTLP_ENDPOINT, ...).
    otel_traces_exporter: str = Field(
        "none",
        pattern=r"^\s*(none|otlp|console)(\s*,\s*(none|otlp|console))*\s*$",
        description="Where spans go besides TRACES_DIR: none, otlp or console (comma-separated).",
    )
    otel_traces_sampler_arg: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Share of traces kept (by trace id, the same in every "
        "process); a caller's sampled traceparent is always followed.",
    )
    traces_dir: Path | None = Field(
        None, description="Folder for spans as JSON lines, one file per process (local runs)."
    )
    traces_slow_ms: float = Field(
        500,
        ge=0,
        description="Spans at least this long are kept whatever the sampling, as "
        "are spans that failed.",
    )
    traces_keep_failed_and_slow: bool = Field(
        True,
        description="Record the spans of traces not sampled too, so failed and slow ones "
        "are kept; off, such traces cost (almost) nothing and are lost.",
    )

    # Peers, as host:port (a dns:/// target is built from it) or a full gRPC target.
    user_addr: str = "127.0.0.1:50051"
    station_addr: str = "127.0.0.1:50052"
    driver_addr: str = "127.0.0.1:50053"
    rider_addr: str = "127.0.0.1:50054"
    location_addr: str = "127.0.0.1:50055"
    matching_addr: str = "127.0.0.1:50056"
    trip_addr: str = "127.0.0.1:50057"
    notification_addr: str = "127.0.0.1:50058"

    # Fault injection for demos and tests; all off by default. Each may also be set for one
    # service only, prefixed with its name: MATCHING_FAULT_ERROR_RATE=0.2.
    fault_delay_ms: int = Field(
        0, ge=0, le=600_000, description="Added latency per call (or <SERVICE>_FAULT_DELAY_MS)."
    )
    fault_error_rate: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of calls answered UNAVAILABLE (or <SERVICE>_FAULT_ERROR_RATE).",
    )
    fault_crash_after: int = Field(
        0,
        ge=0,
        description="The process kills itself (SIGKILL) at this call; 0 = never "
        "(or <SERVICE>_FAULT_CRASH_AFTER).",
    )

    @model_validator(mode="before")
    @classmethod
    def _uri_from_file(cls, data: Any) -> Any:
        return secret_from_file(data, "mongodb_uri")

    @model_validator(mode="before")
    @classmethod
    def _faults_for_this_service(cls, data: Any) -> Any:
        """<SERVICE>_FAULT_* beats FAULT_*, so a demo can break one service of many."""
        name = str((data or {}).get("service_name", "")).upper()
        if not name:
            return data
        own = {
            field: os.environ[f"{name}_{field.upper()}"]
            for field in ("fault_delay_ms", "fault_error_rate", "fault_crash_after")
            if f"{name}_{field.upper()}" in os.environ
        }
        return {**data, **own} if own else data

    @property
    def bind_port(self) -> int:
        return self.grpc_port or DEFAULT_PORTS[self.service_name]

    @property
    def bind_metrics_port(self) -> int:
        return self.metrics_port or DEFAULT_PORTS[self.service_name] + METRICS_PORT_OFFSET

    def peer(self, service: str) -> str:
        return getattr(self, f"{service}_addr")

    @property
    def trace_exporters(self) -> set[str]:
        return {name.strip() for name in self.otel_traces_exporter.split(",")} - {"none"}


class TokenKeySettings(BaseSettings):
    """Public keys that verify access tokens, for every process that checks tokens."""

    jwt_public_keys_file: FilePath = Field(
        ...,
        description="JWK Set (JSON) of the Ed25519 public keys that verify tokens, by kid (the "
        "old and the new one during a key roll). Required.",
    )
    jwt_ttl_s: int = Field(
        12 * 3600,
        ge=60,
        le=30 * 24 * 3600,
        description="Token lifetime; tokens whose exp - iat is longer are refused.",
    )


class SigningKeySettings(TokenKeySettings):
    """The private key that signs access tokens: the user service's alone."""

    jwt_private_key_file: FilePath = Field(
        ..., description="PEM Ed25519 private key that signs tokens (a mounted Secret). Required."
    )
    jwt_key_id: str = Field(
        "",
        max_length=64,
        pattern=r"^[A-Za-z0-9._-]*$",
        description="The signing key's kid; empty = the kid of the JWK Set's entry for the "
        "signing key's public half.",
    )


def secret_from_file(data: Any, field: str) -> Any:
    """`<FIELD>_FILE` beats `<FIELD>`: a secret read from a mounted file never sits in the
    environment."""
    path = (data or {}).get(f"{field}_file") or os.environ.get(f"{field.upper()}_FILE")
    if not path:
        return data
    try:
        secret = Path(path).read_text().strip()
    except OSError as exc:
        raise ValueError(f"{field.upper()}_FILE {path} cannot be read: {exc}") from None
    return {**(data or {}), field: secret}


class ConfigError(SystemExit):
    """Raised (and exits with status 2) when the environment holds bad settings."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message


S = TypeVar("S", bound=BaseSettings)


def describe_errors(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        if not item["loc"]:  # a check across fields; its message names the variable
            parts.append(str(item["msg"]).removeprefix("Value error, "))
            continue
        name = str(item["loc"][0]).upper()
        if item["type"] == "missing":
            parts.append(f"{name} is required but not set")
        else:
            parts.append(f"{name}: {item['msg']} (got {item.get('input')!r})")
    return "; ".join(parts)


def load_settings(cls: type[S], **fixed: object) -> S:
    """Read `cls` from the environment; on a bad value print which variable and exit 2."""
    try:
        return cls(**fixed)
    except ValidationError as exc:
        message = "invalid configuration: " + describe_errors(exc)
        print(message, file=sys.stderr, flush=True)
        raise ConfigError(message) from None
