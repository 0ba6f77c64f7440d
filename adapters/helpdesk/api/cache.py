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

    def get(self, key: str) -> tuple[bool, V | None]:
        """(True, value) when `key` is held and fresh, else (False, None)."""
        entry = self._fresh(key)
        return (False, None) if entry is None else (True, entry[1])

    async def fetch(self, key: str, load: Callable[[], Awaitable[V]]) -> V:
        """The fresh value held for `key`, else what `load()` returns, kept for next time."""
        entry = self._fresh(key)
        if entry is not None:
            return entry[1]
        loaded = await load()
        self.put(key, loaded)
        return loaded

    def _fresh(self, key: str) -> tuple[float, V] | None:
        """The entry for `key` if it is still fresh (now the most recently used); a stale
        one is dropped."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._now() - entry[0] >= self._ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: str, value: V) -> None:
        self._entries[key] = (self._now(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
