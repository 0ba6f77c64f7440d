"""Slack's "slow down", kept: after a 429, no call of that method until its window ends.

Slack limits each Web API method per workspace, and a 429's `Retry-After` covers every
caller of that method, not only the call that got it. The gate remembers each window for
every sender of the process and, through `PlatformPauses`, for every replica of a PostgreSQL
deployment, so a second sender does not walk into a window the first one was told of.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.domain.clock import Clock
from bot.flows.platform_pauses import PlatformPauses

log = logging.getLogger(__name__)

PLATFORM = "slack"
# Slack always sends Retry-After with a 429; this covers a proxy that drops it.
DEFAULT_WINDOW_SECONDS = 30.0


class RateLimitGate:
    """Per-method windows. `shared`: read the other replicas' windows too."""

    def __init__(
        self,
        pauses: PlatformPauses,
        clock: Clock,
        *,
        shared: bool,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._pauses = pauses
        self._clock = clock
        self._shared = shared
        self.sleep = sleep
        self._until: dict[str, datetime] = {}
        self._reading: dict[str, asyncio.Future[datetime | None]] = {}

    async def remaining(self, method: str) -> float:
        """Seconds until `method` may be called again; 0 when it may be called now."""
        now = self._clock.now()
        until = self._until.get(method)
        if (until is None or until <= now) and self._shared:
            # Another replica may have been told to slow down: one indexed read.
            until = await self._shared_until(method, now)
            if until is not None:
                self._until[method] = until
        if until is None or until <= now:
            return 0.0
        return (until - now).total_seconds()

    async def _shared_until(self, method: str, now: datetime) -> datetime | None:
        """The replicas' window for `method`. Callers that come while a read of it is under
        way share that read: a burst of clicks makes one read, not one per click."""
        reading = self._reading.get(method)
        if reading is None:
            reading = asyncio.ensure_future(self._pauses.until(method, now=now))
            self._reading[method] = reading

            def done(_: object, method: str = method) -> None:
                if self._reading.get(method) is reading:
                    del self._reading[method]

            reading.add_done_callback(done)
        # Shielded: a caller that goes away does not cancel the others' read.
        return await asyncio.shield(reading)

    def window_of(self, method: str) -> datetime | None:
        """The end of the last window Slack announced for `method` to this process."""
        return self._until.get(method)

    async def pause(self, method: str, retry_after: float | None) -> float:
        """Slack answered 429: keep `method` quiet for the window; return its length."""
        seconds = DEFAULT_WINDOW_SECONDS if retry_after is None else max(retry_after, 0.0)
        until = self._clock.now() + timedelta(seconds=seconds)
        known = self._until.get(method)
        if known is None or until > known:
            self._until[method] = until
        try:
            await self._pauses.pause(method, until=until)
        except Exception as error:
            # This process keeps the window all the same; only other replicas miss it.
            log.warning("could not share a Slack rate-limit window: %s", type(error).__name__)
        return seconds
