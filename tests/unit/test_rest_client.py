"""The REST client's retries (lastmile/rest.py), against httpx's in-memory transport."""

from __future__ import annotations

import httpx
import pytest

from lastmile import rest


def client_answering(*answers: httpx.Response) -> tuple[rest.RestClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    client = rest.RestClient("http://127.0.0.1:9")
    client.http = httpx.AsyncClient(
        base_url="http://127.0.0.1:9/api/v1", transport=httpx.MockTransport(handle)
    )
    return client, seen


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rest, "RETRY_PAUSES_S", (0.0, 0.0, 0.0))

    async def instant(_: float) -> None:
        return None

    monkeypatch.setattr(rest.asyncio, "sleep", instant)


BUSY = httpx.Response(429, headers={"Retry-After": "1"}, json={"error": {"code": "x"}})
LIMITED = httpx.Response(429, headers={"Retry-After": "600"}, json={"error": {"code": "x"}})


async def test_a_busy_service_is_waited_for_with_one_idempotency_key() -> None:
    client, seen = client_answering(BUSY, BUSY, httpx.Response(201, json={"ok": True}))
    answer = await client.call("POST", "/auth/signup", body={}, expect=201)
    assert answer.body == {"ok": True} and answer.retries == 2
    assert len({r.headers["Idempotency-Key"] for r in seen}) == 1


async def test_a_limit_reached_is_reported_at_once() -> None:
    client, seen = client_answering(LIMITED, httpx.Response(200, json={}))
    with pytest.raises(rest.ApiError) as refused:
        await client.call("POST", "/auth/login", body={})
    assert refused.value.status == 429 and len(seen) == 1


async def test_a_busy_service_that_stays_busy_is_reported_after_the_last_attempt() -> None:
    client, seen = client_answering(*[BUSY] * 4)
    with pytest.raises(rest.ApiError) as refused:
        await client.call("POST", "/auth/signup", body={})
    assert refused.value.status == 429 and refused.value.retries == 3 and len(seen) == 4


async def test_within_its_patience_a_busy_service_is_waited_for_without_spending_attempts() -> None:
    client, seen = client_answering(*[BUSY] * 6, httpx.Response(201, json={"ok": True}))
    answer = await client.call("POST", "/auth/signup", body={}, expect=201, busy_patience_s=60)
    assert answer.retries == 6 and len(seen) == 7
