"""Gateway settings, from environment variables like every LastMile process."""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator

from common.settings import ServiceSettings, TokenKeySettings, secret_from_file

ROOT = Path(__file__).resolve().parent.parent


class GatewaySettings(ServiceSettings, TokenKeySettings):
    http_host: str = Field("0.0.0.0", description="Address gunicorn binds to.")
    http_port: int = Field(8080, ge=1, le=65535, description="HTTP port of the gateway.")
    cors_origins: str = Field("", description="Comma-separated origins allowed by CORS.")
    frontend_dist: Path = Field(ROOT / "frontend" / "dist", description="Built web UI.")
    tile_url: str = Field(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        max_length=500,
        description="Map tile URL template of the web UI; empty = no tiles (plain background).",
    )
    tile_attribution: str = Field(
        "&copy; OpenStreetMap contributors", max_length=500, description="Credit shown for tiles."
    )
    gateway_rpc_timeout_s: float = Field(
        3.0, gt=0, le=60, description="Deadline of each backend call made for a request."
    )
    stream_ticket_secret: SecretStr = Field(
        ...,
        min_length=32,
        description="The gateway's own HS256 key for stream tickets, at least 32 characters. "
        "Required (or STREAM_TICKET_SECRET_FILE).",
    )
    stream_ticket_secret_file: Path | None = Field(
        None, description="File holding the ticket key (a mounted Secret); beats the variable."
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks of proxies in front of the gateway "
        "whose X-Forwarded-For names the client; empty = the connection's peer is the client.",
    )
    max_connections: int = Field(
        4000, ge=10, le=100_000, description="Connections a gateway worker holds at once."
    )
    max_connections_per_address: int = Field(
        1000, ge=1, le=100_000, description="Connections a worker holds from one client address."
    )
    body_timeout_s: float = Field(
        10.0, gt=0, le=300, description="Longest time a request body may take to arrive."
    )
    city_utc_offset_minutes: int = Field(
        330,
        ge=-720,
        le=840,
        description="The city's offset from UTC in minutes; a driver's day of earnings starts "
        "at its midnight (India: 330).",
    )
    body_min_rate: int = Field(
        8192,
        ge=1,
        description="Bytes a second a body must arrive at, past its first second (slower: 408).",
    )

    @model_validator(mode="before")
    @classmethod
    def _ticket_secret_from_file(cls, data: Any) -> Any:
        return secret_from_file(data, "stream_ticket_secret")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                ip_network(part.strip(), strict=False)
        return value

    @property
    def proxy_networks(self) -> list[Any]:
        return [
            ip_network(p.strip(), strict=False)
            for p in self.trusted_proxies.split(",")
            if p.strip()
        ]

    @property
    def allowed_origins(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]
