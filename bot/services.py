"""The dependencies every flow receives: store, clock, chat platforms and policy."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.hours import WorkingHours
from bot.metrics import Metrics
from bot.ports import ChatPort, RatingStore


@dataclass(frozen=True, slots=True)
class Policy:
    """Organisation-wide defaults the flows apply (teams may override some)."""

    cooldown_days: int = 14
    timezone: str = "UTC"
    working_hours: WorkingHours = field(default_factory=WorkingHours.default)
    locale: str = "en"
    max_delivery_attempts: int = 8
    min_respondents: int = 5


@dataclass(frozen=True, slots=True)
class Services:
    store: RatingStore
    clock: Clock
    policy: Policy = field(default_factory=Policy)
    chats: tuple[ChatPort, ...] = ()
    rng: random.Random = field(default_factory=random.Random)
    metrics: Metrics = field(default_factory=Metrics)
