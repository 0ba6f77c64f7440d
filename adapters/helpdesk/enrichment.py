"""Webhooks that name people by an id only: their helpdesk's API turns the ids into e-mails.

A vendor parser raises `LookupNeeded` with the ids it could not resolve; the webhook then
asks the API (cached there) for all of them at once, within `LOOKUP_SECONDS`, and parses
again with the answers. A webhook without an API never asks: its `parse` refuses such a
close with a message that says what to configure.
"""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from adapters.helpdesk.source import WebhookEvent, load_object
from adapters.helpdesk.vendor import VendorWebhook
from bot.domain.clock import Clock
from bot.ports.helpdesk_api import ApiUnavailable, HelpdeskApi

# Long enough for a cached miss to reach the vendor, short enough that the helpdesk's own
# webhook timeout is never hit: past it the answer is 503 and the helpdesk retries.
LOOKUP_SECONDS = 3.0

Emails = Mapping[str, str | None]


class LookupNeeded(Exception):
    """A close that names people only by ids the payload cannot resolve."""

    def __init__(self, ids: list[str]) -> None:
        super().__init__("ids to resolve through the helpdesk's API")
        self.ids = ids


class EnrichedWebhook(VendorWebhook):
    """A vendor webhook whose closes may need the vendor's API to name their people."""

    product: ClassVar[str]  # as people say it, for the 503's message: "Jira", "GLPI"

    def __init__(
        self,
        secret: str | None,
        *,
        clock: Clock | None = None,
        api: HelpdeskApi | None = None,
        lookup_seconds: float = LOOKUP_SECONDS,
    ) -> None:
        super().__init__(secret, clock=clock)
        self._api = api
        self._lookup_seconds = lookup_seconds

    def parse(self, body: bytes, *, received_at: datetime) -> WebhookEvent:
        """Without asking the API: only what the payload itself names."""
        return self._parse(load_object(body), received_at, None)

    async def parse_enriched(self, body: bytes, *, received_at: datetime) -> WebhookEvent:
        """As `parse`, asking the API for the e-mails the payload lacks, when connected.

        Raise `ApiUnavailable` when the API does not answer within the lookup time.
        """
        data = load_object(body)
        try:
            return self._parse(data, received_at, None)
        except LookupNeeded as needed:
            emails = await self._look_up(needed.ids)
        return self._parse(data, received_at, emails)

    async def _look_up(self, ids: list[str]) -> dict[str, str | None]:
        assert self._api is not None  # only raised for when there is one
        try:
            async with asyncio.timeout(self._lookup_seconds):
                return {each: await self._api.person_email(each) for each in ids}
        except TimeoutError:
            raise ApiUnavailable(
                f"{self.product}'s API did not name the people within {self._lookup_seconds:g}s"
            ) from None

    @abstractmethod
    def _parse(
        self, data: dict[str, Any], received_at: datetime, emails: Emails | None
    ) -> WebhookEvent:
        """The event; raise `LookupNeeded` when `emails` is None, an API is set, and ids
        must be resolved."""
