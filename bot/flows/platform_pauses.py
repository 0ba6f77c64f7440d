"""A platform's "slow down" (HTTP 429 and its Retry-After), shared by every replica.

A platform limits each API method per workspace, and its window covers every caller of
that method. Kept in the store, one replica's window is seen by the others.
"""

from __future__ import annotations

from datetime import datetime

from bot.ports.store import Store


class PlatformPauses:
    def __init__(self, store: Store, platform: str) -> None:
        self._store = store
        self.platform = platform

    async def until(self, method: str, *, now: datetime) -> datetime | None:
        """The end of the method's window, if one is still running at `now`."""
        return await self._store.platform_paused_until(self.platform, method, now=now)

    async def pause(self, method: str, *, until: datetime) -> None:
        """Keep `method` quiet until `until`, for every replica."""
        await self._store.pause_platform(self.platform, method, until=until)
