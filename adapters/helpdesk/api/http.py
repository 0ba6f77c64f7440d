"""One helpdesk API's HTTP client: authenticated JSON GETs that honour rate limits.

Zendesk and Jira both answer a request over their limit with 429 and `Retry-After`
(seconds); Jira Cloud also names the moment in `X-RateLimit-Reset` (ISO-8601). A 503
may carry `Retry-After` too. The client waits what it is told, within the caller's
patience, and otherwise raises `ApiUnavailable` carrying the wait, so a webhook can
pass it on and a poll can try at its next round.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from bot.ports.helpdesk_api import ApiRefused, ApiUnavailable, HelpdeskApiError

DEFAULT_TIMEOUT_SECONDS = 10.0
# How long a poll may spend waiting on rate limits per request before giving up the round.
DEFAULT_PATIENCE_SECONDS = 120.0
# A person or group lookup waits no longer: a webhook is waiting on it.
LOOKUP_PATIENCE_SECONDS = 5.0
# Waits between tries of a failing (5xx, unreachable) request with no Retry-After.
BACKOFF_SECONDS = (1.0, 4.0, 15.0)

Sleep = Callable[[float], Awaitable[None]]


def retry_after(headers: Mapping[str, str], now: datetime) -> float | None:
    """The wait a response asks for: `Retry-After` (seconds or an HTTP date), else
    `X-RateLimit-Reset` (Jira: an ISO-8601 moment; ServiceNow: epoch seconds); None when it
    names none."""
    value = headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
        except (TypeError, ValueError):
            pass
    reset = headers.get("X-RateLimit-Reset")
    if reset:
        try:  # ServiceNow: epoch seconds
            return max(0.0, float(reset) - now.timestamp())
        except ValueError:
            pass
        try:  # Jira Cloud: an ISO-8601 moment
            moment = datetime.fromisoformat(reset.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return max(0.0, (moment - now).total_seconds())
    return None


class ApiClient:
    """GETs JSON from `base_url` with one `Authorization` header; see the module docstring."""

    def __init__(
        self,
        source: str,
        base_url: str,
        authorization: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        credentials_hint: str = "",
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.source = source
        self._base = base_url.rstrip("/")
        self._authorization = authorization
        self._timeout = timeout
        self._hint = credentials_hint
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _open(self) -> aiohttp.ClientSession:
        # Made on first use: a session belongs to the running event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                headers={"Authorization": self._authorization, "Accept": "application/json"},
            )
        return self._session

    async def get_json(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        patience: float = DEFAULT_PATIENCE_SECONDS,
        headers: Mapping[str, str] | None = None,
    ) -> Any | None:
        """The JSON body of `GET path`; None for 404. Raise `HelpdeskApiError`.

        `headers` go with this request only (GLPI's session token).
        """
        waited = 0.0
        failures = 0
        while True:
            status, body, wait = await self._get_once(path, params, headers)
            if status < 400:
                return body
            if status == 404:
                return None
            self._refuse_on(status)
            if status != 429 and status < 500:
                raise HelpdeskApiError(f"{self.source} API answered {status} to {path}")
            if wait is None:
                if failures >= len(BACKOFF_SECONDS):
                    raise ApiUnavailable(f"{self.source} API kept failing ({status})")
                wait = BACKOFF_SECONDS[failures]
            failures += 1
            if waited + wait > patience:
                raise ApiUnavailable(
                    f"{self.source} API asks to wait {wait:.0f}s ({status})", retry_after=wait
                )
            await self._sleep(wait)
            waited += wait

    async def _get_once(
        self, path: str, params: Mapping[str, str] | None, headers: Mapping[str, str] | None
    ) -> tuple[int, Any, float | None]:
        """(status, JSON body or None, the wait the response asks for); 599 when unreachable."""
        session = self._open()
        try:
            async with session.get(self._base + path, params=params, headers=headers) as response:
                if response.status >= 400:
                    return response.status, None, retry_after(response.headers, datetime.now(UTC))
                try:
                    return response.status, await response.json(content_type=None), None
                except ValueError:
                    raise HelpdeskApiError(f"{self.source} API sent a body that is not JSON") \
                        from None
        except (aiohttp.ClientError, TimeoutError):
            return 599, None, None

    def _refuse_on(self, status: int) -> None:
        if status == 401:
            raise ApiRefused(f"{self.source} API refused the credentials (401); {self._hint}")
        if status == 403:
            raise ApiRefused(
                f"{self.source} API denied the request (403): the API user lacks a permission"
            )
