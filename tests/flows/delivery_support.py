"""Drives the delivery flows one round at a time, in the order the app's worker runs them."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from bot.domain.decisions import DuePrompt, Postponed
from bot.flows.delivery import Delivery
from bot.services import Services


class Rounds:
    """Settle, expire, claim and deliver: what one round of `app.delivery_worker` does,
    without its loops, leases renewed or workers registered."""

    def __init__(
        self, services: Services, *, lease: timedelta = timedelta(minutes=1),
        batch_size: int = 25, **options: Any,
    ) -> None:
        self.services = services
        self.delivery = Delivery(services, **options)
        self._lease = lease
        self._batch_size = batch_size

    async def run_once(self) -> int:
        await self.delivery.settle(limit=100)
        expired = await self.delivery.expire()
        if not self.services.chats:
            return expired
        due = await self.claim(secrets.token_hex(16))
        await self.send(due)
        return expired + len(due)

    async def claim(self, token: str) -> list[DuePrompt]:
        return await self.delivery.claim(token=token, limit=self._batch_size, lease=self._lease)

    async def send(self, due: list[DuePrompt]) -> None:
        postponed: list[Postponed] = []
        for item in due:
            await self.delivery.deliver(item, postponed)
        await self.delivery.postpone(postponed)

    def backoff(self, attempts: int, retry_after: float | None) -> timedelta:
        return self.delivery.backoff(attempts, retry_after)
