"""The dependencies every flow receives: store, clock, chat platforms, policy, and the
ports for telemetry and charts (silent and blank unless the composition root wires them)."""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from bot.domain.clock import Clock
from bot.domain.events import ConversationClosed
from bot.domain.hours import WorkingHours
from bot.domain.retention import RetentionLimits
from bot.ports.charts import ChartRenderer, NoCharts
from bot.ports.chat import ChatPort
from bot.ports.store import Store
from bot.ports.telemetry import SilentTelemetry, Telemetry


@dataclass(frozen=True, slots=True)
class Policy:
    """Organisation-wide defaults the flows apply (teams may override some)."""

    cooldown_days: int = 14
    timezone: str = "UTC"
    working_hours: WorkingHours = field(default_factory=WorkingHours.default)
    locale: str = "en"
    max_delivery_attempts: int = 8
    min_respondents: int = 5
    # Keys the markers of answered anonymous prompts: without it, the database alone
    # cannot tell which prompt was answered (bot.domain.anonymity.answered_marker).
    anonymity_key: str = ""
    retention: RetentionLimits = field(default_factory=RetentionLimits)


class Intake(Protocol):
    """Accepts closes durably; an app may commit many together (`app.intake`)."""

    async def accept(self, event: ConversationClosed, *, now: datetime) -> bool:
        """True when stored, False for the same close again; raise `UnknownTeam`."""
        ...


T = TypeVar("T")


class Units(Protocol):
    """Runs a flow's unit of work in a transaction; an app may commit many together
    (`app.group_commit`). Committed when `run` returns; what the unit raised, nothing
    of it written, when it fails."""

    async def run(self, work: Callable[[Store], Awaitable[T]]) -> T: ...


class Wakeup:
    """Wakes the delivery worker before its interval is up: a close waits to be settled.

    Setting it twice before the worker looks is one wake-up: the worker settles
    everything pending each time it runs.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._event = asyncio.Event()
        self._monotonic = monotonic
        self._last_set = -math.inf

    def set(self) -> None:
        self._event.set()
        self._last_set = self._monotonic()

    def busy(self, gap: float) -> bool:
        """Whether a close was accepted within the last `gap` seconds: a burst is on."""
        return self._monotonic() - self._last_set < gap

    def clear(self) -> None:
        self._event.clear()

    async def wait(self, seconds: float) -> bool:
        """Until set (True), or `seconds` have passed (False)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._event.wait()
        return self._event.is_set()


@dataclass(frozen=True, slots=True)
class Services:
    store: Store
    clock: Clock
    policy: Policy = field(default_factory=Policy)
    chats: tuple[ChatPort, ...] = ()
    rng: random.Random = field(default_factory=random.Random)
    telemetry: Telemetry = field(default_factory=SilentTelemetry)
    charts: ChartRenderer = field(default_factory=NoCharts)
    wakeup: Wakeup = field(default_factory=Wakeup)
    intake: Intake | None = None  # None: each close is accepted in a transaction of its own
    units: Units | None = None  # None: each click is recorded in a transaction of its own
