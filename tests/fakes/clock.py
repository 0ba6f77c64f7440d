"""A clock the test moves by hand, and one that runs faster than the wall clock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        # A Tuesday at 10:00 UTC: inside default working hours.
        self._now = start or datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment


class ScaledClock:
    """Time that runs `scale` times faster than the wall clock, from `start`: minutes of
    Slack's rate tiers in seconds, with the fake Slack's `TierLimits` on the same scale."""

    def __init__(self, start: datetime, scale: float) -> None:
        self._start, self._scale = start, scale
        self._origin = time.monotonic()

    def monotonic(self) -> float:
        return (time.monotonic() - self._origin) * self._scale

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def sleep(self, seconds: float) -> Awaitable[None]:
        return asyncio.sleep(max(seconds, 0.0) / self._scale)
