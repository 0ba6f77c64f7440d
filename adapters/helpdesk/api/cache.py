"""A small time-bounded cache for id lookups (people, groups)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

V = TypeVar("V")

# A person's e-mail rarely changes; an hour keeps a burst of closes to one lookup each
# without holding a changed address for long.
DEFAULT_TTL_SECONDS = 3600.0
DEFAULT_SIZE = 5000


class TtlCache(Generic[V]):
    """Up to `size` entries, each forgotten `ttl` seconds after it was stored (LRU beyond)."""

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        size: int = DEFAULT_SIZE,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._size = size
        self._now = now
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()

    async def fetch(self, key: str, load: Callable[[], Awaitable[V]]) -> V:
        """The fresh value held for `key`, else what `load()` returns, kept for next time."""
        entry = self._entries.get(key)
        if entry is not None and self._now() - entry[0] < self._ttl:
            self._entries.move_to_end(key)
            return entry[1]
        loaded = await load()
        self.put(key, loaded)
        return loaded

    def put(self, key: str, value: V) -> None:
        self._entries[key] = (self._now(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
