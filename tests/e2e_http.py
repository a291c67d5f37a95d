"""HTTP helpers for tests against the real gateway."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

PASSWORD = "a good long password"


def phone() -> str:
    return "+9166" + str(uuid.uuid4().int)[:8]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signup(http: httpx.Client, role: str, name: str = "Test User", **extra: Any) -> dict[str, Any]:
    answer = http.post(
        "/auth/signup",
        json={"name": name, "phone": phone(), "password": PASSWORD, "role": role, **extra},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def in_minutes(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
