"""Gateway settings, from environment variables like every LastMile process."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from common.settings import JwtSettings, ServiceSettings

ROOT = Path(__file__).resolve().parent.parent


class GatewaySettings(ServiceSettings, JwtSettings):
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
    login_rate_limit: str = Field(
        "10/minute", description="Login attempts allowed per phone and per client address."
    )
    token_cache_s: float = Field(
        30.0, ge=0, le=300, description="How long a verified token is trusted without asking."
    )

    @property
    def allowed_origins(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]
