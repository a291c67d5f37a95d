"""HTTP helpers for tests against the real gateway."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "a good long password"
BIN = Path(sys.executable).parent


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


def create_operator(mongo_uri: str, db_name: str, operator_phone: str, name: str = "Ops") -> str:
    """Runs the operators' CLI (`lastmile operator create`) against the test database; its
    output."""
    done = subprocess.run(
        [
            str(BIN / "lastmile"),
            "operator",
            "create",
            "--name",
            name,
            "--phone",
            operator_phone,
            "--mongodb-uri",
            mongo_uri,
            "--db-name",
            db_name,
        ],
        env={**os.environ, "OPERATOR_PASSWORD": PASSWORD},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def operator_login(http: httpx.Client, mongo_uri: str, db_name: str) -> dict[str, Any]:
    """A new operator, logged in through the gateway."""
    number = phone()
    create_operator(mongo_uri, db_name, number)
    answer = http.post("/auth/login", json={"phone": number, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return answer.json()
