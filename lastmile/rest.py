"""An async client of the public REST API, shared by the simulator and the load generator:
bearer tokens, JSON, and retries with back-off of what a client may safely retry (no answer,
502/503/504, and a 429 whose Retry-After is short: a busy service, not a limit reached),
counted so callers can report them."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

TRANSIENT = {0, 502, 503, 504}  # no answer, or the gateway says a backend is briefly away
RETRY_PAUSES_S = (0.25, 0.5, 1.0, 2.0, 4.0)  # ~8 s: a restarting service is back
# A 429 asking for a wait this short is a busy service (the password hashes queued; under
# load its Retry-After is the queue's expected wait, seen up to ~10 s on 2 cores): waited for
# and retried. A longer one is a limit reached (log-in attempts), reported at once.
BUSY_RETRY_AFTER_S = 20
SIGN_UP_PATIENCE_S = 180.0
PASSWORD = "simulated user password"  # simulated accounts only  # nosec B105


class ApiError(Exception):
    def __init__(self, status: int, body: str, retries: int = 0) -> None:
        super().__init__(f"{status} {body[:200]}")
        self.status = status
        self.retries = retries


@dataclass
class Answer:
    body: Any
    retries: int


def signup_body(role: str, name: str, **extra: Any) -> dict[str, Any]:
    """A sign-up for a new simulated user, with a fresh phone number."""
    phone = "+9177" + str(uuid.uuid4().int)[:8]
    return {"name": name, "phone": phone, "password": PASSWORD, "role": role, **extra}


def _busy_wait(answer: httpx.Response) -> float | None:
    """The wait a 429 asks for, when it is short enough to be a busy service."""
    after = answer.headers.get("Retry-After", "")
    return float(after) if after.isdigit() and int(after) <= BUSY_RETRY_AFTER_S else None


class RestClient:
    def __init__(self, base_url: str, timeout_s: float = 10.0, connections: int = 100) -> None:
        self.http = httpx.AsyncClient(
            base_url=f"{base_url.rstrip('/')}/api/v1",
            timeout=timeout_s,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )

    async def call(
        self,
        method: str,
        path: str,
        token: str = "",
        body: Any = None,
        expect: int = 200,
        busy_patience_s: float = 0.0,
    ) -> Answer:
        """One call; transient failures are retried with back-off, and ApiError is raised only
        when every attempt failed or the answer is a definite refusal. A POST carries one
        Idempotency-Key over all its attempts: a retry after a lost answer has no second
        effect. Within `busy_patience_s`, a busy service is waited for without spending an
        attempt."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if method == "POST":
            headers["Idempotency-Key"] = uuid.uuid4().hex
        now = asyncio.get_running_loop().time
        patient_until = now() + busy_patience_s
        pauses = iter((*RETRY_PAUSES_S, None))
        pause, retries = next(pauses), 0
        while True:
            try:
                answer = await self.http.request(method, path, json=body, headers=headers)
                status, text = answer.status_code, answer.text
            except httpx.HTTPError as exc:
                status, text = 0, repr(exc)
            if status == expect:
                return Answer(answer.json(), retries)
            wait = _busy_wait(answer) if status == 429 else None
            if wait is not None and now() + wait < patient_until:
                retries += 1
                await asyncio.sleep(wait)
                continue
            if (status not in TRANSIENT and wait is None) or pause is None:
                raise ApiError(status, text, retries)
            retries += 1
            await asyncio.sleep(max(pause, wait or 0))
            pause = next(pauses)

    async def ready(self, within_s: float) -> bool:
        """Whether GET /readyz answers 200 within the time given."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while loop.time() < deadline:
            try:
                if (await self.http.get("/readyz")).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
        return False

    async def sign_up(self, role: str, name: str, **extra: Any) -> tuple[str, str]:
        """A new user with a fresh phone number; (token, user id). Accounts are made before
        any measured traffic, so a busy password-hashing queue is waited for up to
        SIGN_UP_PATIENCE_S (on 2 cores the user service hashes one password at a time)."""
        answer = await self.call(
            "POST",
            "/auth/signup",
            body=signup_body(role, name, **extra),
            expect=201,
            busy_patience_s=SIGN_UP_PATIENCE_S,
        )
        return answer.body["token"], answer.body["user"]["id"]

    async def close(self) -> None:
        await self.http.aclose()
