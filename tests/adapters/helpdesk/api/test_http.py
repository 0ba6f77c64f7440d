"""The API client's plumbing: the waits vendors ask for, retries of 5xx, the lookup cache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.helpdesk.api.cache import TtlCache
from adapters.helpdesk.api.http import ApiClient, retry_after
from bot.ports.helpdesk_api import ApiUnavailable, HelpdeskApiError

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_the_wait_a_response_names() -> None:
    assert retry_after({"Retry-After": "93"}, NOW) == 93.0
    assert retry_after({"Retry-After": "Sun, 06 Dec 2026 12:00:30 GMT"}, NOW) == 30.0
    # Jira Cloud: an ISO-8601 moment; ServiceNow: epoch seconds.
    assert retry_after({"X-RateLimit-Reset": "2026-12-06T12:01Z"}, NOW) == 60.0
    assert retry_after({"X-RateLimit-Reset": str(int(NOW.timestamp()) + 5)}, NOW) == 5.0
    assert retry_after({"X-RateLimit-Reset": "soon"}, NOW) is None
    assert retry_after({}, NOW) is None
    assert retry_after({"Retry-After": "-4"}, NOW) == 0.0


def test_the_cache_forgets_after_its_ttl_and_beyond_its_size() -> None:
    clock = [0.0]
    cache: TtlCache[str | None] = TtlCache(ttl=10, size=2, now=lambda: clock[0])
    cache.put("a", "x")
    cache.put("b", None)  # "no e-mail" is remembered too
    assert cache.get("b") == (True, None)
    assert cache.get("a") == (True, "x")  # a is now the most recently used
    cache.put("c", "z")
    assert cache.get("b") == (False, None)  # the least recently used went
    clock[0] = 10.0
    assert cache.get("a") == (False, None)


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
async def flaky() -> AsyncIterator[tuple[str, list[int]]]:
    """A server answering each request with the next status of the list (then 200)."""
    statuses: list[int] = []

    async def answer(request: web.Request) -> web.Response:
        status = statuses.pop(0) if statuses else 200
        if status == 200:
            return web.json_response({"ok": True})
        return web.Response(status=status, text="no")

    app = web.Application()
    app.router.add_get("/thing", answer)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), statuses
    finally:
        await server.close()


async def test_a_failing_server_is_tried_again_with_backoff_then_given_up(
    flaky: tuple[str, list[int]],
) -> None:
    url, statuses = flaky
    sleeps = Sleeps()
    client = ApiClient("test", url, "Bearer t", sleep=sleeps)
    try:
        statuses.extend([502, 503])
        assert await client.get_json("/thing") == {"ok": True}
        assert sleeps == [1.0, 4.0]
        statuses.extend([500] * 10)
        with pytest.raises(ApiUnavailable, match="kept failing"):
            await client.get_json("/thing")
        statuses.clear()
        statuses.append(400)
        with pytest.raises(HelpdeskApiError, match="400"):
            await client.get_json("/thing")
    finally:
        await client.aclose()


async def test_an_unreachable_api_is_unavailable() -> None:
    client = ApiClient("test", "http://127.0.0.1:9", "Bearer t", sleep=Sleeps(), timeout=2)
    try:
        with pytest.raises(ApiUnavailable):
            await client.get_json("/thing")
    finally:
        await client.aclose()
