"""Platforms deliver again what they think was lost: each delivery is acted on once."""

from __future__ import annotations

from bot.services import Services


async def first_time(services: Services, key: str | None) -> bool:
    """Whether the delivery `key` names is new (remembered from now on). None: always new."""
    if key is None:
        return True
    return await services.store.first_delivery(key, at=services.clock.now())
